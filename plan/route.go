package plan

import (
	"context"
	"encoding/binary"
	"errors"
	"net/netip"
	"os"

	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nlattr"
	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/rtnl"
)

// RouteAdd adds a route to Dst (0.0.0.0/0 or ::/0 for a default route) in
// namespace NS, through Gateway and/or out of Dev, as `ip route add`. The
// fields after Dev are ip's options; their zero values are ip's defaults
// (table main, protocol boot, the scope the type and gateway imply).
type RouteAdd struct {
	NS       nsfs.Ref `json:",omitempty"`
	Dst      netip.Prefix
	Gateway  netip.Addr
	Dev      string              `json:",omitempty"`
	Type     *rtnl.RouteType     `json:",omitempty"` // nil: unicast
	Src      netip.Addr          // the preferred source address
	Metric   *uint32             `json:",omitempty"`
	Table    *rtnl.Table         `json:",omitempty"`
	Scope    *rtnl.Scope         `json:",omitempty"`
	Protocol *rtnl.RouteProtocol `json:",omitempty"`
	Onlink   bool                `json:",omitempty"`
	MTU      *uint32             `json:",omitempty"`
	MTULock  bool                `json:",omitempty"` // "mtu lock"
	AdvMSS   *uint32             `json:",omitempty"`
	// TOS is the route's TOS (dsfield) key, 0 for none.
	TOS uint8 `json:",omitempty"`
	// From is the source prefix of a source-specific route, nil for none.
	From *netip.Prefix `json:",omitempty"`
	// Expires is an IPv6 route's lifetime in seconds (RTA_EXPIRES), nil
	// for none.
	Expires *uint32 `json:",omitempty"`
	// Realms is the route's realms (RTA_FLOW: source<<16 | destination),
	// nil for none.
	Realms *uint32 `json:",omitempty"`
	// Nexthops make a multipath route.
	Nexthops []Nexthop `json:",omitempty"`
	// DevIndex, when not 0, is Dev's index as the caller knows it (a
	// link it just made): no lookup is made. It is not journaled.
	DevIndex uint32 `json:"-"`
}

// Nexthop is one path of a multipath route.
type Nexthop struct {
	Via    netip.Addr
	Dev    string `json:",omitempty"`
	Weight uint32 `json:",omitempty"` // 1..256; 0 is 1
	Onlink bool   `json:",omitempty"`
}

// RouteDel deletes the route: the first one matching what the step gives,
// as the kernel matches a deletion.
type RouteDel RouteAdd

// RouteReplace adds the route or replaces the one to Dst.
type RouteReplace RouteAdd

// RouteAppend adds the route after others to Dst.
type RouteAppend RouteAdd

// RouteChange changes the route to Dst; the kernel refuses it when there
// is none.
type RouteChange RouteAdd

// message builds the request of op with iproute2's defaults.
func (c RouteAdd) message(op string, conn *rtnl.Conn) (*rtnl.RouteMessage, error) {
	fam := rtnl.FamilyOf(c.Dst.Addr())
	m := &rtnl.RouteMessage{Family: fam, Dst: c.Dst, Table: rtnl.TableMain, TOS: c.TOS}
	if c.From != nil {
		m.Src = *c.From
	}
	if op == "delete" {
		m.Scope = rtnl.ScopeNowhere
	} else {
		m.Protocol, m.Type = rtnl.ProtoBoot, rtnl.RouteUnicast
	}
	if c.Type != nil {
		m.Type = *c.Type
	}
	// As ip (iproute_modify): local, broadcast, nat and anycast routes
	// belong to table local unless a table is named; the scope follows
	// the type unless one is named.
	switch m.Type {
	case rtnl.RouteLocal, rtnl.RouteBroadcast, rtnl.RouteNAT, rtnl.RouteAnycast:
		m.Table = rtnl.TableLocal
	}
	if c.Table != nil {
		m.Table = *c.Table
	}
	switch {
	case fam == rtnl.FamilyInet6:
		m.Scope = rtnl.ScopeUniverse
	case m.Type == rtnl.RouteLocal || m.Type == rtnl.RouteNAT:
		m.Scope = rtnl.ScopeHost
	case m.Type == rtnl.RouteBroadcast || m.Type == rtnl.RouteMulticast || m.Type == rtnl.RouteAnycast:
		m.Scope = rtnl.ScopeLink
	case m.Type != rtnl.RouteUnicast && m.Type != rtnl.RouteUnspec:
		// blackhole, unreachable, prohibit, throw: ip's default, global
	case op == "delete":
		m.Scope = rtnl.ScopeNowhere
	case !c.Gateway.IsValid() && len(c.Nexthops) == 0:
		m.Scope = rtnl.ScopeLink
	}
	if c.Scope != nil {
		m.Scope = *c.Scope
	}
	if c.Protocol != nil {
		m.Protocol = *c.Protocol
	}
	if c.Onlink {
		m.Flags |= rtnl.RouteOnlink
	}
	a := &m.Attrs
	a.Gateway, a.PrefSrc, a.Priority = c.Gateway, c.Src, c.Metric
	if c.DevIndex != 0 {
		a.OIF = &c.DevIndex
	} else if c.Dev != "" {
		i, err := linkIndex(conn, "dev", c.Dev)
		if err != nil {
			return nil, err
		}
		a.OIF = &i
	}
	if len(c.Nexthops) > 0 {
		mp, err := encodeMultipath(c.Nexthops, conn)
		if err != nil {
			return nil, err
		}
		a.Multipath = mp
	}
	a.Expires, a.Flow = c.Expires, c.Realms
	if c.MTU != nil || c.AdvMSS != nil {
		a.Metrics = &rtnl.RouteMetrics{MTU: c.MTU, AdvMSS: c.AdvMSS}
		if c.MTULock {
			a.Metrics.Lock = new(uint32(1 << 2)) // 1 << RTAX_MTU
		}
	}
	return m, nil
}

// encodeMultipath builds RTA_MULTIPATH: struct rtnexthop and RTA_GATEWAY
// for each nexthop, with devices resolved by index.
func encodeMultipath(nhs []Nexthop, conn *rtnl.Conn) ([]byte, error) {
	var b []byte
	for _, nh := range nhs {
		var idx uint32
		if nh.Dev != "" {
			var err error
			if idx, err = linkIndex(conn, "dev", nh.Dev); err != nil {
				return nil, err
			}
		}
		var attrs []byte
		if nh.Via.IsValid() {
			ae := nlattr.NewEncoder(binary.NativeEndian)
			ae.Bytes(unix.RTA_GATEWAY, nh.Via.AsSlice())
			var err error
			if attrs, err = ae.Encode(); err != nil {
				return nil, err
			}
		}
		hops := uint8(0)
		if nh.Weight > 0 {
			hops = uint8(nh.Weight - 1)
		}
		flags := uint8(0)
		if nh.Onlink {
			flags |= unix.RTNH_F_ONLINK
		}
		h := make([]byte, 8)
		binary.NativeEndian.PutUint16(h[0:], uint16(8+len(attrs)))
		h[2], h[3] = flags, hops
		binary.NativeEndian.PutUint32(h[4:], idx)
		b = append(b, h...)
		b = append(b, attrs...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
	}
	return b, nil
}

// sendRoute sends a route request with op.
func sendRoute(conn *rtnl.Conn, op string, m *rtnl.RouteMessage) error {
	switch op {
	case "add":
		return conn.AddRoute(m)
	case "replace":
		return conn.ReplaceRoute(m)
	case "append":
		return conn.AppendRoute(m)
	case "change":
		return conn.ChangeRoute(m)
	}
	return conn.DeleteRoute(m)
}

func (c RouteAdd) apply(s *Session, op string) error {
	conn, err := s.Rtnl(c.NS)
	if err != nil {
		return err
	}
	m, err := c.message(op, conn)
	if err != nil {
		return err
	}
	return sendRoute(conn, op, m)
}

// find returns the route c is about as the kernel has it (nil if it, a
// link it names, its table or its namespace is absent).
func (c RouteAdd) find(s *Session, op string) (*rtnl.RouteMessage, *rtnl.Conn, error) {
	if s.Absent(c.NS) {
		return nil, nil, nil
	}
	conn, err := s.Rtnl(c.NS)
	if err != nil {
		return nil, nil, err
	}
	want, err := c.message(op, conn)
	if errors.Is(err, os.ErrNotExist) {
		return nil, conn, nil // no such device: no such route
	}
	if err != nil {
		return nil, nil, err
	}
	routes, err := conn.Routes(rtnl.RouteFilter{Family: want.Family, Table: want.Table})
	if errors.Is(err, os.ErrNotExist) {
		return nil, conn, nil // no such table yet
	}
	if err != nil {
		return nil, nil, err
	}
	for i := range routes {
		r := &routes[i]
		if r.Dst != want.Dst || r.TOS != want.TOS || r.Src != want.Src || r.Flags&rtnl.RouteCloned != 0 {
			continue
		}
		if c.Gateway.IsValid() && r.Attrs.Gateway != c.Gateway ||
			want.Attrs.OIF != nil && (r.Attrs.OIF == nil || *r.Attrs.OIF != *want.Attrs.OIF) ||
			c.Metric != nil && (r.Attrs.Priority == nil && *c.Metric != 0 || r.Attrs.Priority != nil && *r.Attrs.Priority != *c.Metric) ||
			c.Type != nil && r.Type != *c.Type {
			continue
		}
		return r, conn, nil
	}
	return nil, conn, nil
}

// has reports whether the route is there with what op would set.
func (c RouteAdd) has(s *Session, op string) (bool, error) {
	r, _, err := c.find(s, op)
	switch {
	case err != nil || r == nil:
		return false, err
	case op == "replace" || op == "change":
		return (c.Protocol == nil && r.Protocol == rtnl.ProtoBoot || c.Protocol != nil && r.Protocol == *c.Protocol) &&
			(c.Scope == nil || r.Scope == *c.Scope) && (!c.Src.IsValid() || r.Attrs.PrefSrc == c.Src) &&
			(c.Type == nil || r.Type == *c.Type), nil
	}
	return true, nil
}

// restore is the inverse of op: the deletion of what it creates, or the
// kernel's copy of the route it removes or overwrites, put back.
func (c RouteAdd) restore(s *Session, op string) (Step, error) {
	cur, conn, err := c.find(s, op)
	switch {
	case err != nil:
		return nil, err
	case op == "add" || op == "append" || (op == "replace" || op == "change") && cur == nil:
		return RouteDel(c), nil
	case cur == nil:
		return nil, nil
	}
	put := RouteRaw{NS: c.NS, Op: "add", Route: RestorableRoute(cur)}
	if op == "replace" || op == "change" {
		put.Op = "replace"
	}
	if oif := cur.Attrs.OIF; oif != nil && conn != nil {
		if l, err := conn.LinkByIndex(*oif); err == nil {
			put.Dev = l.Attrs.Name
		}
	}
	return put, nil
}

// RestorableRoute keeps what a request may carry of a dumped route.
func RestorableRoute(r *rtnl.RouteMessage) rtnl.RouteMessage {
	m := rtnl.RouteMessage{Family: r.Family, Dst: r.Dst, Src: r.Src, TOS: r.TOS, Table: r.Table,
		Protocol: r.Protocol, Scope: r.Scope, Type: r.Type, Flags: r.Flags & (rtnl.RouteOnlink | rtnl.RoutePervasive)}
	a := r.Attrs
	m.Attrs = rtnl.RouteAttrs{Gateway: a.Gateway, OIF: a.OIF, PrefSrc: a.PrefSrc, Priority: a.Priority,
		Metrics: a.Metrics, Pref: a.Pref, Multipath: a.Multipath}
	return m
}

// Apply adds the route.
func (c RouteAdd) Apply(ctx context.Context, s *Session) error { return c.apply(s, "add") }

// Applied reports whether the route is there.
func (c RouteAdd) Applied(ctx context.Context, s *Session) (bool, error) { return c.has(s, "add") }

// Inverse deletes the route.
func (c RouteAdd) Inverse(ctx context.Context, s *Session) (Step, error) { return RouteDel(c), nil }

// Apply deletes the route.
func (c RouteDel) Apply(ctx context.Context, s *Session) error { return RouteAdd(c).apply(s, "delete") }

// Applied reports whether the route is gone.
func (c RouteDel) Applied(ctx context.Context, s *Session) (bool, error) {
	if s.Absent(c.NS) {
		return true, nil
	}
	r, _, err := RouteAdd(c).find(s, "delete")
	return r == nil && err == nil, err
}

// Inverse puts back the kernel's copy of the route (nil when there is
// none).
func (c RouteDel) Inverse(ctx context.Context, s *Session) (Step, error) {
	return RouteAdd(c).restore(s, "delete")
}

// Apply replaces the route.
func (c RouteReplace) Apply(ctx context.Context, s *Session) error {
	return RouteAdd(c).apply(s, "replace")
}

// Applied reports whether the route is there with the protocol, scope,
// source and type c sets.
func (c RouteReplace) Applied(ctx context.Context, s *Session) (bool, error) {
	return RouteAdd(c).has(s, "replace")
}

// Inverse puts back the kernel's copy of the route, or deletes it when
// there is none.
func (c RouteReplace) Inverse(ctx context.Context, s *Session) (Step, error) {
	return RouteAdd(c).restore(s, "replace")
}

// Apply appends the route.
func (c RouteAppend) Apply(ctx context.Context, s *Session) error {
	return RouteAdd(c).apply(s, "append")
}

// Applied reports whether the route is there.
func (c RouteAppend) Applied(ctx context.Context, s *Session) (bool, error) {
	return RouteAdd(c).has(s, "append")
}

// Inverse deletes the route.
func (c RouteAppend) Inverse(ctx context.Context, s *Session) (Step, error) {
	return RouteAdd(c).restore(s, "append")
}

// Apply changes the route.
func (c RouteChange) Apply(ctx context.Context, s *Session) error {
	return RouteAdd(c).apply(s, "change")
}

// Applied reports whether the route is there with what c sets.
func (c RouteChange) Applied(ctx context.Context, s *Session) (bool, error) {
	return RouteAdd(c).has(s, "change")
}

// Inverse puts back the kernel's copy of the route.
func (c RouteChange) Inverse(ctx context.Context, s *Session) (Step, error) {
	return RouteAdd(c).restore(s, "change")
}

// RouteRaw sends route Route as it is, with Op "add", "replace" or
// "delete": the undo of a deletion or replacement puts the kernel's copy
// of a route back with every attribute it had. Dev, when set, names its
// output link, looked up again when the step runs (the link may have been
// made again since).
type RouteRaw struct {
	NS    nsfs.Ref `json:",omitempty"`
	Op    string
	Route rtnl.RouteMessage
	Dev   string `json:",omitempty"`
}

func (c RouteRaw) message(conn *rtnl.Conn) (*rtnl.RouteMessage, error) {
	m := c.Route
	if c.Dev != "" {
		i, err := linkIndex(conn, "dev", c.Dev)
		if err != nil {
			return nil, err
		}
		m.Attrs.OIF = &i
	}
	return &m, nil
}

// Apply sends the route.
func (c RouteRaw) Apply(ctx context.Context, s *Session) error {
	return send(s, c.NS, c.message, func(conn *rtnl.Conn, m *rtnl.RouteMessage) error { return sendRoute(conn, c.Op, m) })
}

// find returns the kernel's route equal to c's (destination, TOS, table,
// gateway, link, metric and type).
func (c RouteRaw) find(s *Session) (*rtnl.RouteMessage, error) {
	if s.Absent(c.NS) {
		return nil, nil
	}
	conn, err := s.Rtnl(c.NS)
	if err != nil {
		return nil, err
	}
	want, err := c.message(conn)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	routes, err := conn.Routes(rtnl.RouteFilter{Family: want.Family, Table: want.Table})
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	u32 := func(p *uint32) uint32 {
		if p == nil {
			return 0
		}
		return *p
	}
	for i := range routes {
		r := &routes[i]
		if r.Dst == want.Dst && r.TOS == want.TOS && r.Flags&rtnl.RouteCloned == 0 && r.Attrs.Gateway == want.Attrs.Gateway &&
			u32(r.Attrs.OIF) == u32(want.Attrs.OIF) && u32(r.Attrs.Priority) == u32(want.Attrs.Priority) && r.Type == want.Type {
			return r, nil
		}
	}
	return nil, nil
}

// Applied reports whether the route is there (gone, for a deletion).
func (c RouteRaw) Applied(ctx context.Context, s *Session) (bool, error) {
	r, err := c.find(s)
	if c.Op == "delete" {
		return r == nil && err == nil, err
	}
	return r != nil, err
}

// Inverse deletes what an add makes, adds back what a deletion removes,
// and puts back the route a replace overwrites.
func (c RouteRaw) Inverse(ctx context.Context, s *Session) (Step, error) {
	switch c.Op {
	case "add":
		c.Op = "delete"
		return c, nil
	case "delete":
		c.Op = "add"
		return c, nil
	}
	cur, err := c.find(s)
	if err != nil || cur == nil {
		c.Op = "delete"
		return c, err
	}
	c.Route = RestorableRoute(cur)
	return c, nil
}
