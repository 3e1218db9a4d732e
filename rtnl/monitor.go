package rtnl

import (
	"context"
	"fmt"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nl"
)

// EventGroup is an rtnetlink multicast group (RTNLGRP_*).
type EventGroup uint32

// The groups a Monitor can join.
const (
	GroupLink      EventGroup = unix.RTNLGRP_LINK        // RTNLGRP_LINK
	GroupNeigh     EventGroup = unix.RTNLGRP_NEIGH       // RTNLGRP_NEIGH
	GroupIPv4Addr  EventGroup = unix.RTNLGRP_IPV4_IFADDR // RTNLGRP_IPV4_IFADDR
	GroupIPv6Addr  EventGroup = unix.RTNLGRP_IPV6_IFADDR // RTNLGRP_IPV6_IFADDR
	GroupIPv4Route EventGroup = unix.RTNLGRP_IPV4_ROUTE  // RTNLGRP_IPV4_ROUTE
	GroupIPv6Route EventGroup = unix.RTNLGRP_IPV6_ROUTE  // RTNLGRP_IPV6_ROUTE
	GroupIPv4Rule  EventGroup = unix.RTNLGRP_IPV4_RULE   // RTNLGRP_IPV4_RULE
	GroupIPv6Rule  EventGroup = unix.RTNLGRP_IPV6_RULE   // RTNLGRP_IPV6_RULE
	GroupNSID      EventGroup = unix.RTNLGRP_NSID        // RTNLGRP_NSID
	GroupMPLSRoute EventGroup = unix.RTNLGRP_MPLS_ROUTE  // RTNLGRP_MPLS_ROUTE
)

// NSIDCurrent is Event.NSID for an event of the monitor's own namespace.
const NSIDCurrent = nl.NSIDCurrent

// MonitorConfig says which events a Monitor receives.
type MonitorConfig struct {
	Config
	// Groups are the multicast groups to join.
	Groups []EventGroup
	// AllNSID also receives the events of the namespaces the monitor's
	// namespace has an id for (NETLINK_LISTEN_ALL_NSID).
	AllNSID bool
	// ReadBuffer, when not 0, sets the socket's receive buffer (bytes):
	// a small one overruns sooner, a large one absorbs longer bursts.
	ReadBuffer int
}

// Monitor is an rtnetlink socket that receives the kernel's notifications
// of changes (what `ip monitor` shows). It is not safe for concurrent use.
type Monitor struct {
	nl *nl.Conn
}

// ErrOverrun is returned by Monitor.Receive when the kernel dropped
// events because the socket's queue was full (ENOBUFS). The monitor stays
// usable; dump the objects to learn what changed.
var ErrOverrun = nl.ErrOverrun

// DialMonitor opens a Monitor as cfg says.
func DialMonitor(cfg *MonitorConfig) (*Monitor, error) {
	// Dial's socket, with all of Config (tracing and captures) applied.
	conn, err := Dial(&cfg.Config)
	if err != nil {
		return nil, err
	}
	c := conn.nl
	fail := func(err error) (*Monitor, error) {
		c.Close()
		return nil, err
	}
	if cfg.ReadBuffer > 0 {
		if err := c.SetReceiveBuffer(cfg.ReadBuffer); err != nil {
			return fail(err)
		}
	}
	gs := make([]uint32, len(cfg.Groups))
	for i, g := range cfg.Groups {
		gs[i] = uint32(g)
	}
	if err := c.JoinGroups(gs...); err != nil {
		return fail(err)
	}
	if cfg.AllNSID {
		if err := c.ListenAllNSID(); err != nil {
			return fail(err)
		}
	}
	return &Monitor{nl: c}, nil
}

// Close closes the socket.
func (m *Monitor) Close() error { return m.nl.Close() }

// Event is one notification, decoded: exactly one of the object fields is
// set, by Type (Raw keeps the message of a type this package does not
// decode).
type Event struct {
	Type netlink.HeaderType // RTM_NEWLINK, RTM_DELADDR, ...
	// NSID is the id of the namespace the event happened in, as the
	// monitor's namespace knows it, with AllNSID; NSIDCurrent otherwise.
	NSID  int
	Link  *LinkMessage
	Addr  *AddrMessage
	Route *RouteMessage
	Neigh *NeighMessage
	Rule  *RuleMessage
	NetNS *NSIDEvent
	Raw   []byte
}

// Deleted reports whether the event is a removal (RTM_DEL*).
func (e *Event) Deleted() bool {
	switch e.Type {
	case unix.RTM_DELLINK, unix.RTM_DELADDR, unix.RTM_DELROUTE, unix.RTM_DELNEIGH, unix.RTM_DELRULE, unix.RTM_DELNSID:
		return true
	}
	return false
}

// Receive calls fn with each event until ctx is done (it returns nil), fn
// fails (its error is returned), or the kernel dropped events
// (ErrOverrun: Discard, dump what matters, then call Receive again). A
// message that does not decode ends it with a *DecodeError; the events
// after it can be read by calling Receive again.
func (m *Monitor) Receive(ctx context.Context, fn func(*Event) error) error {
	return m.nl.ReadEvents(ctx, func(ev nl.Event) error {
		e, err := DecodeEvent(ev.Message.Header.Type, ev.Message.Data)
		if err != nil {
			return &DecodeError{Type: ev.Message.Header.Type, Err: err}
		}
		if e == nil {
			return nil
		}
		e.NSID = ev.NSID
		return fn(e)
	})
}

// Discard drops the events queued on the socket and returns how many it
// dropped: after ErrOverrun, call it before dumping the objects again
// (the events queued ahead of the overrun's report are older than the
// dump).
func (m *Monitor) Discard() (int, error) { return m.nl.DiscardEvents() }

// DecodeError is a notification Receive could not decode.
type DecodeError struct {
	Type netlink.HeaderType
	Err  error
}

func (e *DecodeError) Error() string { return e.Err.Error() }

// Unwrap returns the decoder's error.
func (e *DecodeError) Unwrap() error { return e.Err }

// DecodeEvent decodes the payload b of an rtnetlink notification of type
// typ. It returns nil, nil for the netlink control messages (NLMSG_*). b
// is copied: the event does not alias it.
func DecodeEvent(typ netlink.HeaderType, b []byte) (*Event, error) {
	if typ < unix.RTM_BASE {
		return nil, nil
	}
	b = append([]byte(nil), b...)
	e := &Event{Type: typ, NSID: NSIDCurrent}
	var err error
	switch typ {
	case unix.RTM_NEWLINK, unix.RTM_DELLINK:
		e.Link = new(LinkMessage)
		err = e.Link.UnmarshalBinary(b)
	case unix.RTM_NEWADDR, unix.RTM_DELADDR:
		e.Addr = new(AddrMessage)
		err = e.Addr.UnmarshalBinary(b)
	case unix.RTM_NEWROUTE, unix.RTM_DELROUTE:
		e.Route = new(RouteMessage)
		err = e.Route.UnmarshalBinary(b)
	case unix.RTM_NEWNEIGH, unix.RTM_DELNEIGH, unix.RTM_GETNEIGH:
		e.Neigh = new(NeighMessage)
		err = e.Neigh.UnmarshalBinary(b)
	case unix.RTM_NEWRULE, unix.RTM_DELRULE:
		e.Rule = new(RuleMessage)
		err = e.Rule.UnmarshalBinary(b)
	case unix.RTM_NEWNSID, unix.RTM_DELNSID:
		e.NetNS = new(NSIDEvent)
		err = e.NetNS.UnmarshalBinary(b)
	default:
		e.Raw = b
	}
	if err != nil {
		return nil, fmt.Errorf("decode %s event: %w", msgTypeName(typ), err)
	}
	return e, nil
}

// msgTypeName names an RTM_* type for errors.
func msgTypeName(t netlink.HeaderType) string {
	names := map[netlink.HeaderType]string{
		unix.RTM_NEWLINK: "RTM_NEWLINK", unix.RTM_DELLINK: "RTM_DELLINK",
		unix.RTM_NEWADDR: "RTM_NEWADDR", unix.RTM_DELADDR: "RTM_DELADDR",
		unix.RTM_NEWROUTE: "RTM_NEWROUTE", unix.RTM_DELROUTE: "RTM_DELROUTE",
		unix.RTM_NEWNEIGH: "RTM_NEWNEIGH", unix.RTM_DELNEIGH: "RTM_DELNEIGH", unix.RTM_GETNEIGH: "RTM_GETNEIGH",
		unix.RTM_NEWRULE: "RTM_NEWRULE", unix.RTM_DELRULE: "RTM_DELRULE",
		unix.RTM_NEWNSID: "RTM_NEWNSID", unix.RTM_DELNSID: "RTM_DELNSID",
	}
	if n, ok := names[t]; ok {
		return n
	}
	return fmt.Sprintf("type %d", t)
}

// EventKind is a kind of object a Monitor reports, for DumpEvents.
type EventKind int

// The kinds DumpEvents can list.
const (
	KindLink EventKind = iota
	KindAddr
	KindRoute
	KindNeigh
	KindRule
	KindNSID
)

// dumpRequests are the request type and the zeroed family header of each
// kind's dump (strict checking wants the header at its full size).
var dumpRequests = [...]struct {
	typ    netlink.HeaderType
	hdrLen int
	op     string
}{
	KindLink:  {unix.RTM_GETLINK, 16, "dump links"},
	KindAddr:  {unix.RTM_GETADDR, 8, "dump addresses"},
	KindRoute: {unix.RTM_GETROUTE, rtmsgLen, "dump routes"},
	KindNeigh: {unix.RTM_GETNEIGH, ndmsgLen, "dump neighbours"},
	KindRule:  {unix.RTM_GETRULE, fibRuleHdrLen, "dump rules"},
	KindNSID:  {unix.RTM_GETNSID, 4, "dump nsids"},
}

// DumpEvents lists every object of a kind (all families, all tables) as
// the events that would have created them: what a monitor that lost
// events prints to catch up.
func (c *Conn) DumpEvents(kind EventKind) ([]*Event, error) {
	if kind < 0 || int(kind) >= len(dumpRequests) {
		return nil, fmt.Errorf("dump events: unknown kind %d", kind)
	}
	r := dumpRequests[kind]
	var out []*Event
	var derr error
	err := c.dumpEach(r.op, r.typ, make([]byte, r.hdrLen), func() { out = out[:0] }, func(nm netlink.Message) error {
		e, err := DecodeEvent(nm.Header.Type, nm.Data)
		if err != nil {
			derr = err
			return err
		}
		if e != nil {
			out = append(out, e)
		}
		return nil
	})
	if derr != nil {
		return out, derr
	}
	return out, err
}
