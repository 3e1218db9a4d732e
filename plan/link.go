package plan

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"

	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nlattr"
	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/rtnl"
)

// ErrIrreversible is wrapped by the error of an Inverse that cannot be
// computed: the change cannot be undone from what the kernel reports.
var ErrIrreversible = errors.New("cannot be undone")

// LinkOptions are the attributes `ip link add` and `ip link set` share,
// and a veth's peer takes; nil and zero fields are not sent.
type LinkOptions struct {
	Address    net.HardwareAddr `json:",omitempty"`
	MTU        *uint32          `json:",omitempty"`
	TxQueueLen *uint32          `json:",omitempty"`
	// NetNS is the namespace to create the link in, or to move it to.
	NetNS *nsfs.Ref `json:",omitempty"`
	Up    *bool     `json:",omitempty"`
	// Lower is the link this one sits on (IFLA_LINK: a macvlan's).
	Lower  string  `json:",omitempty"`
	Master *string `json:",omitempty"` // "": no master
	Alias  *string `json:",omitempty"`
	// FlagMask are the interface flags (promisc, arp, multicast, ...)
	// to set to their value in Flags.
	FlagMask    rtnl.LinkFlags `json:",omitempty"`
	Flags       rtnl.LinkFlags `json:",omitempty"`
	Group       *uint32        `json:",omitempty"`
	AddrGenMode *uint8         `json:",omitempty"`
	// Broadcast is the link-layer broadcast address (IFLA_BROADCAST).
	Broadcast net.HardwareAddr `json:",omitempty"`
	// GSOMaxSize, GSOMaxSegs and GROMaxSize bound the link's segment
	// offloads; Carrier and ProtoDown (0 or 1) set its carrier and its
	// protocol-down state, where its driver allows.
	GSOMaxSize *uint32 `json:",omitempty"`
	GSOMaxSegs *uint32 `json:",omitempty"`
	GROMaxSize *uint32 `json:",omitempty"`
	Carrier    *uint8  `json:",omitempty"`
	ProtoDown  *uint8  `json:",omitempty"`
	// NumTxQueues and NumRxQueues are the queues a new link gets, and
	// Index its interface index (0: the kernel's choice); a change of an
	// existing link leaves them out.
	NumTxQueues *uint32 `json:",omitempty"`
	NumRxQueues *uint32 `json:",omitempty"`
	Index       uint32  `json:",omitempty"`
}

// apply sets the options on m, resolving link names on conn and opening
// NetNS in s.
func (o *LinkOptions) apply(s *Session, conn *rtnl.Conn, m *rtnl.LinkMessage) error {
	a := &m.Attrs
	a.Address, a.MTU, a.TxQueueLen, a.Alias = o.Address, o.MTU, o.TxQueueLen, o.Alias
	a.Group, a.AddrGenMode = o.Group, o.AddrGenMode
	a.Broadcast, a.GSOMaxSize, a.GSOMaxSegs, a.GROMaxSize = o.Broadcast, o.GSOMaxSize, o.GSOMaxSegs, o.GROMaxSize
	a.Carrier, a.ProtoDown, a.NumTxQueues, a.NumRxQueues = o.Carrier, o.ProtoDown, o.NumTxQueues, o.NumRxQueues
	if o.Index != 0 {
		m.Index = o.Index
	}
	m.Change |= o.FlagMask
	m.Flags |= o.Flags
	if o.Up != nil {
		m.Change |= rtnl.LinkUp
		if *o.Up {
			m.Flags |= rtnl.LinkUp
		}
	}
	if o.Lower != "" {
		i, err := linkIndex(conn, "link", o.Lower)
		if err != nil {
			return err
		}
		a.Link = &i
	}
	if o.Master != nil {
		i := uint32(0)
		if *o.Master != "" {
			var err error
			if i, err = linkIndex(conn, "master", *o.Master); err != nil {
				return err
			}
		}
		a.Master = &i
	}
	if o.NetNS != nil {
		fd, err := nsFD(s, *o.NetNS)
		if err != nil {
			return err
		}
		a.NetNSFD = &fd
	}
	return nil
}

// NSError is the failure to open a namespace a step names as a link's
// new home.
type NSError struct {
	Ref nsfs.Ref
	Err error
}

// Error is the opening's error: a caller names the namespace as it words
// it.
func (e *NSError) Error() string { return e.Err.Error() }

// Unwrap returns the opening's error.
func (e *NSError) Unwrap() error { return e.Err }

// nsFD returns a descriptor of namespace ref for IFLA_NET_NS_FD, held open
// by the session (the caller's own namespace included).
func nsFD(s *Session, ref nsfs.Ref) (uint32, error) {
	if ref.IsSelf() {
		ref = nsfs.PathRef("/proc/self/ns/net")
	}
	h, err := s.Open(ref)
	if err != nil {
		return 0, &NSError{Ref: ref, Err: err}
	}
	return uint32(h.Fd()), nil
}

// Veth is the peer of a veth pair (LinkAdd's Kind "veth"): its name, the
// namespace it is created in (PeerNS; the zero Ref: the link's own, unless
// Options.NetNS names one) and its own options.
type Veth struct {
	Peer    string
	PeerNS  nsfs.Ref
	Options LinkOptions
	// UpAfter sets the peer up once the pair exists (a peer cannot be
	// created up).
	UpAfter bool `json:",omitempty"`
}

// VxlanData is a vxlan's IFLA_INFO_DATA with its underlying device by name.
type VxlanData struct {
	Data rtnl.Vxlan
	Dev  string `json:",omitempty"`
}

// KindAttr is one IFLA_INFO_DATA attribute of a kind nsnet does not
// decode: its type, and its value (nil: a flag) or a device name sent as
// the device's index.
type KindAttr struct {
	Type uint16
	Data []byte `json:",omitempty"`
	Dev  string `json:",omitempty"`
}

// LinkAdd creates link Name of Kind in namespace NS, as `ip link add`:
// a bridge, a veth pair (Veth; without it the kernel names the peer), a
// vxlan, a macvlan, or a kind whose data is given raw (Data).
type LinkAdd struct {
	NS   nsfs.Ref `json:",omitempty"`
	Name string
	Kind string
	Veth *Veth `json:",omitempty"`
	// MTU, when not 0, is the link's MTU and its veth peer's.
	MTU     uint32      `json:",omitempty"`
	Options LinkOptions // the link's
	Bridge  *rtnl.Bridge
	Vxlan   *VxlanData
	Macvlan *rtnl.MacvlanMode
	Data    []KindAttr `json:",omitempty"`
	// Echo, when set, is given the kernel's copy of the new link (its
	// index; a veth's peer's in Attrs.Link). It is not journaled.
	Echo func(*rtnl.LinkMessage) `json:"-"`
}

// message builds the RTM_NEWLINK request.
func (c LinkAdd) message(s *Session, conn *rtnl.Conn) (*rtnl.LinkMessage, error) {
	m := &rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Name: c.Name}}
	if err := c.Options.apply(s, conn, m); err != nil {
		return nil, err
	}
	if c.MTU != 0 && m.Attrs.MTU == nil {
		m.Attrs.MTU = &c.MTU
	}
	info := &rtnl.LinkInfo{Kind: c.Kind}
	switch {
	case c.Veth != nil:
		peer := &rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Name: c.Veth.Peer}}
		if err := c.Veth.Options.apply(s, conn, peer); err != nil {
			return nil, err
		}
		if c.MTU != 0 && peer.Attrs.MTU == nil {
			peer.Attrs.MTU = &c.MTU
		}
		if c.Veth.Options.NetNS == nil && !c.Veth.PeerNS.IsSelf() && c.Veth.PeerNS.Key() != c.NS.Key() {
			fd, err := nsFD(s, c.Veth.PeerNS)
			if err != nil {
				return nil, err
			}
			peer.Attrs.NetNSFD = &fd
		}
		info.Data = &rtnl.Veth{Peer: peer}
	case c.Bridge != nil:
		info.Data = c.Bridge
	case c.Vxlan != nil:
		v := c.Vxlan.Data
		if c.Vxlan.Dev != "" {
			i, err := linkIndex(conn, "dev", c.Vxlan.Dev)
			if err != nil {
				return nil, err
			}
			v.Link = &i
		}
		info.Data = &v
	case c.Macvlan != nil:
		info.Data = &rtnl.Macvlan{Mode: c.Macvlan}
	case len(c.Data) > 0:
		b, err := encodeKindAttrs(c.Data, conn, "dev")
		if err != nil {
			return nil, err
		}
		info.Data = &rtnl.RawLinkData{Data: b}
	}
	m.Attrs.Info = info
	return m, nil
}

// encodeKindAttrs encodes attrs, resolving device names on conn (a
// missing one is a DeviceError naming keyword).
func encodeKindAttrs(attrs []KindAttr, conn *rtnl.Conn, keyword string) ([]byte, error) {
	ae := nlattr.NewEncoder(binary.NativeEndian)
	for _, a := range attrs {
		switch {
		case a.Dev != "":
			i, err := linkIndex(conn, keyword, a.Dev)
			if err != nil {
				return nil, err
			}
			ae.Uint32(a.Type, i)
		case a.Data == nil:
			ae.Flag(a.Type)
		default:
			ae.Bytes(a.Type, a.Data)
		}
	}
	return ae.Encode()
}

// Apply creates the link (and sets a veth's peer up after, with UpAfter).
func (c LinkAdd) Apply(ctx context.Context, s *Session) error {
	conn, err := s.Rtnl(c.NS)
	if err != nil {
		return err
	}
	m, err := c.message(s, conn)
	if err != nil {
		return err
	}
	if c.Echo == nil {
		err = conn.AddLink(m)
	} else {
		var got *rtnl.LinkMessage
		if got, err = conn.AddLinkEcho(m); err == nil && got != nil {
			c.Echo(got)
		}
	}
	if err != nil || c.Veth == nil || !c.Veth.UpAfter {
		return err
	}
	ns := c.Veth.PeerNS
	if c.Veth.Options.NetNS != nil {
		ns = *c.Veth.Options.NetNS
	} else if ns.IsSelf() {
		ns = c.NS
	}
	return LinkSet{NS: ns, Dev: c.Veth.Peer, Up: new(true)}.Apply(ctx, s)
}

// home is the namespace the link is made in.
func (c LinkAdd) home() nsfs.Ref {
	if c.Options.NetNS != nil {
		return *c.Options.NetNS
	}
	return c.NS
}

// Applied reports whether a link of that name and kind exists.
func (c LinkAdd) Applied(ctx context.Context, s *Session) (bool, error) {
	if s.Absent(c.NS) {
		return false, nil
	}
	l, err := link(s, c.home(), c.Name)
	if err != nil || l == nil {
		return false, err
	}
	return l.Attrs.Info != nil && l.Attrs.Info.Kind == c.Kind, nil
}

// Inverse deletes the link (a veth's peer goes with it), where it was
// made.
func (c LinkAdd) Inverse(ctx context.Context, s *Session) (Step, error) {
	if c.Name == "" {
		return nil, fmt.Errorf("link add without a name %w: name the link", ErrIrreversible)
	}
	return LinkDel{NS: c.home(), Name: c.Name}, nil
}

// link returns the link called name in ns, nil if there is none.
func link(s *Session, ns nsfs.Ref, name string) (*rtnl.LinkMessage, error) {
	conn, err := s.Rtnl(ns)
	if err != nil {
		return nil, err
	}
	l, err := conn.LinkByName(name)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return l, err
}

// LinkDel deletes link Name in namespace NS.
type LinkDel struct {
	NS   nsfs.Ref `json:",omitempty"`
	Name string
}

// Apply deletes the link.
func (c LinkDel) Apply(ctx context.Context, s *Session) error {
	conn, err := s.Rtnl(c.NS)
	if err != nil {
		return err
	}
	err = conn.DeleteLink(&rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Name: c.Name}})
	if err != nil {
		return &DeviceError{Keyword: "dev", Name: c.Name, Err: err}
	}
	return nil
}

// Applied reports whether the link is gone.
func (c LinkDel) Applied(ctx context.Context, s *Session) (bool, error) {
	if s.Absent(c.NS) {
		return true, nil
	}
	l, err := link(s, c.NS, c.Name)
	return l == nil && err == nil, err
}

// Inverse re-creates the link as well as the kernel describes it:
// bridges, macvlans, vxlans and veth pairs (the peer where it is now),
// with their MTU, address and up state.
func (c LinkDel) Inverse(ctx context.Context, s *Session) (Step, error) {
	conn, err := s.Rtnl(c.NS)
	if err != nil {
		return nil, err
	}
	l, err := conn.LinkByName(c.Name)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil // nothing to re-create
	}
	if err != nil {
		return nil, err
	}
	if l.Attrs.Info == nil {
		return nil, fmt.Errorf("cannot undo deleting %s: the kernel does not say what kind of link it is", c.Name)
	}
	add := LinkAdd{NS: c.NS, Name: c.Name, Kind: l.Attrs.Info.Kind, Options: LinkOptions{Address: setAddress(l), MTU: l.Attrs.MTU}}
	if l.Flags&rtnl.LinkUp != 0 {
		add.Options.Up = new(true)
	}
	switch add.Kind {
	case "bridge":
		// Only what differs from a new bridge's defaults: a kernel
		// without VLAN filtering refuses even vlan_filtering 0.
		add.Bridge = &rtnl.Bridge{}
		if d, ok := l.Attrs.Info.Data.(*rtnl.Bridge); ok {
			if d.STPState != nil && *d.STPState != 0 {
				add.Bridge.STPState = d.STPState
			}
			if d.VlanFiltering != nil && *d.VlanFiltering != 0 {
				add.Bridge.VlanFiltering = d.VlanFiltering
			}
		}
		// A bridge takes its address from its ports unless one was set.
		add.Options.Address = nil
	case "macvlan", "macvtap":
		if d, ok := l.Attrs.Info.Data.(*rtnl.Macvlan); ok {
			add.Macvlan = d.Mode
		}
		if l.Attrs.Link != nil {
			add.Options.Lower = linkName(conn, *l.Attrs.Link)
		}
	case "vxlan":
		d, _ := l.Attrs.Info.Data.(*rtnl.Vxlan)
		if d == nil {
			d = &rtnl.Vxlan{}
		}
		vs := &VxlanData{Data: rtnl.Vxlan{ID: d.ID, Group: d.Group, Local: d.Local, Port: d.Port, TTL: d.TTL, Learning: d.Learning}}
		if d.Link != nil && *d.Link != 0 {
			vs.Dev = linkName(conn, *d.Link)
		}
		add.Vxlan = vs
	default:
		if add.Kind != "veth" {
			return nil, fmt.Errorf("cannot undo deleting %s: recreating a %s link is not supported", c.Name, add.Kind)
		}
		peer, err := vethPeer(s, c.NS, conn, l)
		if err != nil {
			return nil, fmt.Errorf("cannot undo deleting %s: %w", c.Name, err)
		}
		add.Veth = peer
	}
	return add, nil
}

// linkName is the name of link i, or "ifN" as iproute2 prints an unknown
// index.
func linkName(conn *rtnl.Conn, i uint32) string {
	if l, err := conn.LinkByIndex(i); err == nil {
		return l.Attrs.Name
	}
	return fmt.Sprintf("if%d", i)
}

// setAddress is the address to give a re-created link: none when it has
// no real one (all zero).
func setAddress(l *rtnl.LinkMessage) net.HardwareAddr {
	for _, b := range l.Attrs.Address {
		if b != 0 {
			return l.Attrs.Address
		}
	}
	return nil
}

// vethPeer describes the other end of veth l where it is: its name, its
// options, the namespace it is in when that is not l's (a named one), and
// whether it is up.
func vethPeer(s *Session, ns nsfs.Ref, conn *rtnl.Conn, l *rtnl.LinkMessage) (*Veth, error) {
	if l.Attrs.Link == nil {
		return nil, fmt.Errorf("the peer of %s is unknown", l.Attrs.Name)
	}
	peer := &Veth{}
	pc := conn
	if l.Attrs.LinkNetNSID != nil {
		name, ok := NSIDNames(conn)[*l.Attrs.LinkNetNSID]
		if !ok {
			return nil, fmt.Errorf("the peer of %s is in a namespace without a name (nsid %d)", l.Attrs.Name, *l.Attrs.LinkNetNSID)
		}
		ref := nsfs.NameRef(name)
		peer.Options.NetNS = &ref
		var err error
		if pc, err = s.Rtnl(ref); err != nil {
			return nil, err
		}
	}
	p, err := pc.LinkByIndex(*l.Attrs.Link)
	if err != nil {
		return nil, err
	}
	peer.Peer, peer.Options.Address, peer.Options.MTU = p.Attrs.Name, setAddress(p), p.Attrs.MTU
	peer.UpAfter = p.Flags&rtnl.LinkUp != 0
	return peer, nil
}

// NSIDNames maps the ids conn's namespace gave to named namespaces (those
// under nsfs.RunDir) back to their names; a namespace it cannot open or
// that has no id there is left out.
func NSIDNames(conn *rtnl.Conn) map[int32]string {
	m := map[int32]string{}
	entries, err := nsfs.List()
	if err != nil {
		return m
	}
	for _, ent := range entries {
		if ent.Stale {
			continue
		}
		ns, err := nsfs.OpenName(ent.Name)
		if err != nil {
			continue
		}
		id, err := conn.NSID(ns.Fd())
		ns.Close()
		if err == nil && id >= 0 {
			m[int32(id)] = ent.Name
		}
	}
	return m
}

// LinkSet changes link Dev in namespace NS, as `ip link set`: its name,
// state (Up), MTU, bridge (Master: "" detaches it), namespace (NetNS) and
// the other options; nil and zero fields are left as they are. Kind
// changes a kind's data (its Kind and data fields; LinkAdd's Name, NS and
// Options are not used).
type LinkSet struct {
	NS         nsfs.Ref `json:",omitempty"`
	Dev        string
	Name       string `json:",omitempty"` // a new name
	Up         *bool  `json:",omitempty"`
	MTU        *uint32
	Master     *string          `json:",omitempty"`
	Address    net.HardwareAddr `json:",omitempty"`
	TxQueueLen *uint32          `json:",omitempty"`
	NetNS      *nsfs.Ref        `json:",omitempty"`
	Alias      *string          `json:",omitempty"`
	// FlagMask are the interface flags (promisc, arp, multicast, ...)
	// to set to their value in Flags.
	FlagMask    rtnl.LinkFlags `json:",omitempty"`
	Flags       rtnl.LinkFlags `json:",omitempty"`
	Group       *uint32        `json:",omitempty"`
	AddrGenMode *uint8         `json:",omitempty"`
	// Broadcast, GSOMaxSize, GSOMaxSegs, GROMaxSize, Carrier and
	// ProtoDown are LinkOptions'.
	Broadcast  net.HardwareAddr `json:",omitempty"`
	GSOMaxSize *uint32          `json:",omitempty"`
	GSOMaxSegs *uint32          `json:",omitempty"`
	GROMaxSize *uint32          `json:",omitempty"`
	Carrier    *uint8           `json:",omitempty"`
	ProtoDown  *uint8           `json:",omitempty"`
	Kind       *LinkAdd         `json:",omitempty"`
	// BridgePort, when not nil, are bridge port settings of the link
	// (IFLA_BRPORT_* attributes, with KindAttr.Dev for a backup port),
	// sent as ip's "type bridge_slave" sends them: IFLA_INFO_SLAVE_KIND
	// "bridge" and IFLA_INFO_SLAVE_DATA. IFLA_BRPORT_FLUSH empties the
	// port's learned entries and has nothing to undo.
	BridgePort []KindAttr `json:",omitempty"`
}

func (c LinkSet) options() LinkOptions {
	return LinkOptions{Address: c.Address, MTU: c.MTU, TxQueueLen: c.TxQueueLen, NetNS: c.NetNS, Up: c.Up, Master: c.Master,
		Alias: c.Alias, FlagMask: c.FlagMask, Flags: c.Flags, Group: c.Group, AddrGenMode: c.AddrGenMode,
		Broadcast: c.Broadcast, GSOMaxSize: c.GSOMaxSize, GSOMaxSegs: c.GSOMaxSegs, GROMaxSize: c.GROMaxSize,
		Carrier: c.Carrier, ProtoDown: c.ProtoDown}
}

// Apply makes the change in one request.
func (c LinkSet) Apply(ctx context.Context, s *Session) error {
	conn, err := s.Rtnl(c.NS)
	if err != nil {
		return err
	}
	m := &rtnl.LinkMessage{}
	switch {
	case c.NetNS != nil && (c.Name == "" || c.Name == c.Dev):
		// A move to another namespace finds the link by index and sends
		// no IFLA_IFNAME, as ip does: with the name in the request the
		// kernel leaves a moved veth's operstate DOWN instead of
		// LOWERLAYERDOWN.
		if m.Index, err = linkIndex(conn, "dev", c.Dev); err != nil {
			return err
		}
	case c.Name != "" && c.Name != c.Dev:
		// A rename carries the new name in IFLA_IFNAME, so the link is
		// found by index.
		if m.Index, err = linkIndex(conn, "dev", c.Dev); err != nil {
			return err
		}
		m.Attrs.Name = c.Name
	default:
		// The kernel finds the link by IFLA_IFNAME: no lookup first.
		m.Attrs.Name = c.Dev
	}
	o := c.options()
	if err := o.apply(s, conn, m); err != nil {
		return err
	}
	if c.Kind != nil {
		km, err := c.Kind.message(s, conn)
		if err != nil {
			return err
		}
		m.Attrs.Info = km.Attrs.Info
	}
	if c.BridgePort != nil {
		data, err := encodeKindAttrs(c.BridgePort, conn, "backup_port")
		if err != nil {
			return err
		}
		m.Attrs.Info = &rtnl.LinkInfo{SlaveKind: "bridge", SlaveData: data}
	}
	err = conn.SetLink(m)
	if err != nil && m.Index == 0 {
		return &DeviceError{Keyword: "dev", Name: c.Dev, Err: err}
	}
	return err
}

// Applied reports whether the link already is as c makes it.
func (c LinkSet) Applied(ctx context.Context, s *Session) (bool, error) {
	if s.Absent(c.NS) {
		return false, nil
	}
	conn, err := s.Rtnl(c.NS)
	if err != nil {
		return false, err
	}
	name := c.Dev
	if c.NetNS != nil {
		// Moved already: gone from here and present there.
		if _, err := conn.LinkByName(c.Dev); err == nil {
			return false, nil
		}
		target := c.Name
		if target == "" {
			target = c.Dev
		}
		if s.Absent(*c.NetNS) {
			return false, nil
		}
		l, err := link(s, *c.NetNS, target)
		return l != nil, err
	}
	if c.Name != "" {
		name = c.Name
	}
	l, err := conn.LinkByName(name)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	a := l.Attrs
	switch {
	case c.Up != nil && *c.Up != (l.Flags&rtnl.LinkUp != 0):
		return false, nil
	case c.MTU != nil && (a.MTU == nil || *a.MTU != *c.MTU):
		return false, nil
	case c.Address != nil && a.Address.String() != c.Address.String():
		return false, nil
	case c.TxQueueLen != nil && (a.TxQueueLen == nil || *a.TxQueueLen != *c.TxQueueLen):
		return false, nil
	case c.Alias != nil && (a.Alias == nil && *c.Alias != "" || a.Alias != nil && *a.Alias != *c.Alias):
		return false, nil
	case l.Flags&c.FlagMask != c.Flags:
		return false, nil
	case c.Group != nil && deref32(a.Group) != *c.Group:
		return false, nil
	case c.AddrGenMode != nil && (a.AddrGenMode == nil || *a.AddrGenMode != *c.AddrGenMode):
		return false, nil
	case c.Broadcast != nil && a.Broadcast.String() != c.Broadcast.String():
		return false, nil
	case !same32(c.GSOMaxSize, a.GSOMaxSize) || !same32(c.GSOMaxSegs, a.GSOMaxSegs) || !same32(c.GROMaxSize, a.GROMaxSize):
		return false, nil
	case c.Carrier != nil && (a.Carrier == nil || *a.Carrier != *c.Carrier):
		return false, nil
	case c.ProtoDown != nil && (a.ProtoDown == nil || *a.ProtoDown != *c.ProtoDown):
		return false, nil
	case c.Kind != nil:
		return false, nil
	case c.BridgePort != nil:
		for _, at := range c.BridgePort {
			if at.Type == unix.IFLA_BRPORT_FLUSH {
				return false, nil // a flush is never "there"
			}
		}
		now, err := bridgePortNow(conn, l, c.BridgePort, c.Dev)
		if err != nil {
			return false, nil
		}
		for i, at := range c.BridgePort {
			want := at.Data
			if at.Dev != "" {
				idx, err := conn.LinkIndex(at.Dev)
				if err != nil {
					return false, nil
				}
				want = binary.NativeEndian.AppendUint32(nil, idx)
			}
			if !bytes.Equal(now[i].Data, want) {
				return false, nil
			}
		}
	}
	if c.Master != nil {
		want := uint32(0)
		if *c.Master != "" {
			if want, err = conn.LinkIndex(*c.Master); err != nil {
				return false, nil
			}
		}
		if deref32(a.Master) != want {
			return false, nil
		}
	}
	return true, nil
}

// same32 reports whether a wanted value want (nil: any) is the reported
// value have.
func same32(want, have *uint32) bool { return want == nil || have != nil && *have == *want }

func deref32(p *uint32) uint32 {
	if p == nil {
		return 0
	}
	return *p
}

// Inverse sets back what c changes, as it is now: the up state, name,
// MTU, address, queue length, alias, flags, group, address generation
// mode and master. A link moved to another namespace is moved back by a
// step acting there.
func (c LinkSet) Inverse(ctx context.Context, s *Session) (Step, error) {
	conn, err := s.Rtnl(c.NS)
	if err != nil {
		return nil, err
	}
	old, err := conn.LinkByName(c.Dev)
	if c.NetNS != nil && errors.Is(err, os.ErrNotExist) {
		// Already moved (a down without a journal): read the link where
		// it is now.
		tc, terr := s.Rtnl(*c.NetNS)
		if terr != nil {
			return nil, terr
		}
		name := c.Name
		if name == "" {
			name = c.Dev
		}
		old, err = tc.LinkByName(name)
	}
	if err != nil {
		return nil, err
	}
	if c.Kind != nil {
		// The kind's data before the change is not all in what the kernel
		// reports back (iproute2 has the same limit).
		return nil, fmt.Errorf("link set %s type %s %w: recreate the link with link add instead", c.Dev, c.Kind.Kind, ErrIrreversible)
	}
	inv := LinkSet{NS: c.NS, Dev: c.Dev}
	if c.Name != "" && c.Name != c.Dev {
		inv.Dev, inv.Name = c.Name, c.Dev
	}
	if c.BridgePort != nil {
		if inv.BridgePort, err = bridgePortNow(conn, old, c.BridgePort, c.Dev); err != nil {
			return nil, err
		}
	}
	// Flags, group and addrgenmode go back to what they were.
	inv.FlagMask = c.FlagMask
	inv.Flags = old.Flags & c.FlagMask
	if c.Group != nil {
		inv.Group = new(deref32(old.Attrs.Group))
	}
	if c.AddrGenMode != nil && old.Attrs.AddrGenMode != nil {
		inv.AddrGenMode = old.Attrs.AddrGenMode
	}
	if c.Up != nil {
		inv.Up = new(old.Flags&rtnl.LinkUp != 0)
	}
	if c.MTU != nil && old.Attrs.MTU != nil {
		inv.MTU = old.Attrs.MTU
	}
	if c.Address != nil {
		inv.Address = old.Attrs.Address
	}
	if c.TxQueueLen != nil {
		inv.TxQueueLen = old.Attrs.TxQueueLen
	}
	if c.Broadcast != nil {
		inv.Broadcast = old.Attrs.Broadcast
	}
	if c.GSOMaxSize != nil {
		inv.GSOMaxSize = old.Attrs.GSOMaxSize
	}
	if c.GSOMaxSegs != nil {
		inv.GSOMaxSegs = old.Attrs.GSOMaxSegs
	}
	if c.GROMaxSize != nil {
		inv.GROMaxSize = old.Attrs.GROMaxSize
	}
	if c.Carrier != nil {
		inv.Carrier = old.Attrs.Carrier
	}
	if c.ProtoDown != nil {
		inv.ProtoDown = old.Attrs.ProtoDown
	}
	if c.Alias != nil {
		inv.Alias = new("")
		if old.Attrs.Alias != nil {
			inv.Alias = old.Attrs.Alias
		}
	}
	if c.NetNS != nil {
		// Moving the link out took it down and off its master; moving it
		// back restores the name and the up state in the same request.
		origin := c.NS
		if origin.IsSelf() {
			origin = nsfs.PathRef("/proc/self/ns/net")
		}
		inv.NS, inv.NetNS = *c.NetNS, &origin
		if inv.Up == nil && old.Flags&rtnl.LinkUp != 0 {
			inv.Up = new(true)
		}
		return inv, nil
	}
	if c.Master != nil {
		inv.Master = new("")
		if old.Attrs.Master != nil && *old.Attrs.Master != 0 {
			m, err := conn.LinkByIndex(*old.Attrs.Master)
			if err != nil {
				return nil, err
			}
			inv.Master = &m.Attrs.Name
		}
	}
	return inv, nil
}

// bridgePortNow returns the values port l has now for the attributes of
// set (IFLA_BRPORT_FLUSH left out: nothing to put back), read from its
// IFLA_INFO_SLAVE_DATA: what sets them back. A backup port the kernel
// does not report is none (0). A link that is no bridge port, or a
// setting the kernel does not report, is an error.
func bridgePortNow(conn *rtnl.Conn, l *rtnl.LinkMessage, set []KindAttr, dev string) ([]KindAttr, error) {
	if l.Attrs.Info == nil || l.Attrs.Info.SlaveKind != "bridge" {
		return nil, fmt.Errorf("link set %s type bridge_slave: %s is not a bridge port", dev, dev)
	}
	have := map[uint16][]byte{}
	r := nlattr.NewReader(l.Attrs.Info.SlaveData, binary.NativeEndian)
	for r.Next() {
		have[r.Type] = append([]byte(nil), r.Data...)
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("link set %s type bridge_slave: %w", dev, err)
	}
	out := []KindAttr{}
	for _, at := range set {
		if at.Type == unix.IFLA_BRPORT_FLUSH {
			continue
		}
		v, ok := have[at.Type]
		switch {
		case !ok && at.Type == unix.IFLA_BRPORT_BACKUP_PORT:
			v = []byte{0, 0, 0, 0}
		case !ok:
			return nil, fmt.Errorf("link set %s type bridge_slave: the kernel does not report setting %d %w", dev, at.Type, ErrIrreversible)
		}
		out = append(out, KindAttr{Type: at.Type, Data: v})
	}
	return out, nil
}
