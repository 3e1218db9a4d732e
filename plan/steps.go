package plan

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"

	"github.com/nsnet/nsnet/nat"
	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/rtnl"
	"github.com/nsnet/nsnet/sysctl"
)

// Where each step's Apply, Applied and Inverse live: in this file, one
// type per kind, next to each other. The NS field of a step is the
// namespace it acts in (the zero nsfs.Ref: the caller's own).

// NetnsAdd creates the named namespace Name (as `ip netns add`).
type NetnsAdd struct{ Name string }

// Apply creates the namespace.
func (c NetnsAdd) Apply(ctx context.Context, s *Session) error {
	h, err := nsfs.Create(c.Name, nil)
	if err != nil {
		return err
	}
	// Later steps acting in it find it open.
	return s.Adopt(nsfs.NameRef(c.Name), h, nil)
}

// Applied reports whether the namespace exists.
func (c NetnsAdd) Applied(ctx context.Context, s *Session) (bool, error) {
	_, err := s.Open(nsfs.NameRef(c.Name))
	if Gone(err) {
		return false, nil
	}
	return err == nil, err
}

// Inverse deletes it.
func (c NetnsAdd) Inverse(ctx context.Context, s *Session) (Step, error) { return NetnsDel(c), nil }

// NetnsDel deletes the named namespace Name.
type NetnsDel struct{ Name string }

// Apply deletes the namespace (its links go with it).
func (c NetnsDel) Apply(ctx context.Context, s *Session) error {
	s.Forget(nsfs.NameRef(c.Name))
	return nsfs.Delete(c.Name)
}

// Applied reports whether the namespace is gone.
func (c NetnsDel) Applied(ctx context.Context, s *Session) (bool, error) {
	ok, err := NetnsAdd(c).Applied(ctx, s)
	return !ok && err == nil, err
}

// Inverse creates an empty namespace of that name: what was inside it is
// not restored.
func (c NetnsDel) Inverse(ctx context.Context, s *Session) (Step, error) { return NetnsAdd(c), nil }

// SysctlSet writes sysctls of namespace NS, in order.
type SysctlSet struct {
	NS     nsfs.Ref
	Values []SysctlValue
}

// SysctlValue is one key and the value to write.
type SysctlValue struct {
	Key   sysctl.Key
	Value string
}

// Apply writes the values, stopping at the first failure.
func (c SysctlSet) Apply(ctx context.Context, s *Session) error {
	h, err := s.Open(c.NS)
	if err != nil {
		return err
	}
	for _, v := range c.Values {
		if err := sysctl.Write(h, v.Key, v.Value); err != nil {
			return err
		}
	}
	return nil
}

// Applied reports whether every key already has its value.
func (c SysctlSet) Applied(ctx context.Context, s *Session) (bool, error) {
	if s.Absent(c.NS) {
		return false, nil
	}
	h, err := s.Open(c.NS)
	if err != nil {
		return false, err
	}
	for _, v := range c.Values {
		cur, err := sysctl.Read(h, v.Key)
		if err != nil {
			return false, err
		}
		if !sysctl.SameValue(cur, v.Value) {
			return false, nil
		}
	}
	return true, nil
}

// Inverse writes back the values the keys have now, in reverse order.
func (c SysctlSet) Inverse(ctx context.Context, s *Session) (Step, error) {
	h, err := s.Open(c.NS)
	if err != nil {
		return nil, err
	}
	inv := SysctlSet{NS: c.NS}
	for i := len(c.Values) - 1; i >= 0; i-- {
		cur, err := sysctl.Read(h, c.Values[i].Key)
		if err != nil {
			return nil, err
		}
		inv.Values = append(inv.Values, SysctlValue{Key: c.Values[i].Key, Value: sysctl.Normalize(cur)})
	}
	return inv, nil
}

// Veth is a veth pair: LinkAdd's Kind "veth" with Peer, and PeerNS the
// namespace its peer is created in (the zero Ref: the link's own).
type Veth struct {
	Peer   string
	PeerNS nsfs.Ref
}

// LinkAdd creates link Name in namespace NS: a bridge (Kind "bridge") or a
// veth pair (Kind "veth" and Veth).
type LinkAdd struct {
	NS   nsfs.Ref
	Name string
	Kind string
	Veth *Veth
	MTU  uint32 // 0: the kernel's default
}

// Apply creates the link.
func (c LinkAdd) Apply(ctx context.Context, s *Session) error {
	conn, err := s.Rtnl(c.NS)
	if err != nil {
		return err
	}
	m := &rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Name: c.Name, Info: &rtnl.LinkInfo{Kind: c.Kind}}}
	if c.MTU != 0 {
		m.Attrs.MTU = &c.MTU
	}
	if c.Kind == "veth" {
		if c.Veth == nil || c.Veth.Peer == "" {
			return fmt.Errorf("link add %s: a veth needs a peer name", c.Name)
		}
		peer := &rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Name: c.Veth.Peer}}
		if c.MTU != 0 {
			peer.Attrs.MTU = &c.MTU
		}
		if !c.Veth.PeerNS.IsSelf() && c.Veth.PeerNS.Key() != c.NS.Key() {
			h, err := s.Open(c.Veth.PeerNS)
			if err != nil {
				return err
			}
			if h == nil {
				// The caller's own namespace, from another one.
				if h, err = nsfs.Current(); err != nil {
					return err
				}
				defer h.Close()
			}
			fd := uint32(h.Fd())
			peer.Attrs.NetNSFD = &fd
		}
		m.Attrs.Info.Data = &rtnl.Veth{Peer: peer}
	}
	return conn.AddLink(m)
}

// Applied reports whether a link of that name and kind exists.
func (c LinkAdd) Applied(ctx context.Context, s *Session) (bool, error) {
	if s.Absent(c.NS) {
		return false, nil
	}
	l, err := link(s, c.NS, c.Name)
	if err != nil || l == nil {
		return false, err
	}
	return l.Attrs.Info != nil && l.Attrs.Info.Kind == c.Kind, nil
}

// Inverse deletes the link (a veth's peer goes with it).
func (c LinkAdd) Inverse(ctx context.Context, s *Session) (Step, error) {
	return LinkDel{NS: c.NS, Name: c.Name}, nil
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
	NS   nsfs.Ref
	Name string
}

// Apply deletes the link.
func (c LinkDel) Apply(ctx context.Context, s *Session) error {
	conn, err := s.Rtnl(c.NS)
	if err != nil {
		return err
	}
	return conn.DeleteLink(&rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Name: c.Name}})
}

// Applied reports whether the link is gone.
func (c LinkDel) Applied(ctx context.Context, s *Session) (bool, error) {
	if s.Absent(c.NS) {
		return true, nil
	}
	l, err := link(s, c.NS, c.Name)
	return l == nil && err == nil, err
}

// Inverse re-creates a bridge of that name (with its MTU); other kinds
// cannot be re-created from what a link shows of itself.
func (c LinkDel) Inverse(ctx context.Context, s *Session) (Step, error) {
	l, err := link(s, c.NS, c.Name)
	if err != nil {
		return nil, err
	}
	if l == nil {
		return nil, nil
	}
	if l.Attrs.Info == nil || l.Attrs.Info.Kind != "bridge" {
		return nil, fmt.Errorf("link del %s: a deleted link of this kind cannot be re-created", c.Name)
	}
	add := LinkAdd{NS: c.NS, Name: c.Name, Kind: "bridge"}
	if l.Attrs.MTU != nil {
		add.MTU = *l.Attrs.MTU
	}
	return add, nil
}

// LinkSet changes link Dev in namespace NS: its state (Up), MTU and
// bridge (Master: "" detaches it). Nil fields are left as they are.
type LinkSet struct {
	NS     nsfs.Ref
	Dev    string
	Up     *bool
	MTU    *uint32
	Master *string
}

// Apply makes the change in one request.
func (c LinkSet) Apply(ctx context.Context, s *Session) error {
	conn, err := s.Rtnl(c.NS)
	if err != nil {
		return err
	}
	idx, err := conn.LinkIndex(c.Dev)
	if err != nil {
		return err
	}
	m := &rtnl.LinkMessage{Index: idx}
	if c.Up != nil {
		m.Change = rtnl.LinkFlags(1) // IFF_UP
		if *c.Up {
			m.Flags = rtnl.LinkFlags(1)
		}
	}
	m.Attrs.MTU = c.MTU
	if c.Master != nil {
		var mi uint32
		if *c.Master != "" {
			if mi, err = conn.LinkIndex(*c.Master); err != nil {
				return err
			}
		}
		m.Attrs.Master = &mi
	}
	return conn.SetLink(m)
}

// state returns what the fields of c are now on the link, and the
// link's bridge's name.
func (c LinkSet) state(s *Session) (LinkSet, error) {
	conn, err := s.Rtnl(c.NS)
	if err != nil {
		return LinkSet{}, err
	}
	l, err := conn.LinkByName(c.Dev)
	if err != nil {
		return LinkSet{}, err
	}
	now := LinkSet{NS: c.NS, Dev: c.Dev}
	if c.Up != nil {
		up := l.Flags&1 != 0
		now.Up = &up
	}
	if c.MTU != nil && l.Attrs.MTU != nil {
		mtu := *l.Attrs.MTU
		now.MTU = &mtu
	}
	if c.Master != nil {
		name := ""
		if l.Attrs.Master != nil && *l.Attrs.Master != 0 {
			ml, err := conn.LinkByIndex(*l.Attrs.Master)
			if err != nil {
				return LinkSet{}, err
			}
			name = ml.Attrs.Name
		}
		now.Master = &name
	}
	return now, nil
}

// Applied reports whether the link has every field c sets.
func (c LinkSet) Applied(ctx context.Context, s *Session) (bool, error) {
	if s.Absent(c.NS) {
		return false, nil
	}
	now, err := c.state(s)
	if err != nil {
		return false, err
	}
	return eq(c.Up, now.Up) && eq(c.MTU, now.MTU) && eq(c.Master, now.Master), nil
}

func eq[T comparable](a, b *T) bool { return a == nil || b != nil && *a == *b }

// Inverse sets back what c changes, as it is now.
func (c LinkSet) Inverse(ctx context.Context, s *Session) (Step, error) {
	return c.state(s)
}

// AddrAdd adds address Prefix (ADDR/PLEN) to link Dev in namespace NS.
type AddrAdd struct {
	NS     nsfs.Ref
	Dev    string
	Prefix netip.Prefix
}

func (c AddrAdd) message(conn *rtnl.Conn) (*rtnl.AddrMessage, error) {
	idx, err := conn.LinkIndex(c.Dev)
	if err != nil {
		return nil, err
	}
	a := c.Prefix.Addr()
	m := &rtnl.AddrMessage{Family: rtnl.FamilyOf(a), PrefixLen: uint8(c.Prefix.Bits()), Index: idx}
	m.Attrs.Local, m.Attrs.Address = a, a
	if a.Is4() && c.Prefix.Bits() <= 30 {
		// The broadcast address ip's "brd +" computes.
		b := c.Prefix.Masked().Addr().As4()
		host := 32 - c.Prefix.Bits()
		for i := 3; i >= 0 && host > 0; i-- {
			n := min(host, 8)
			b[i] |= byte(1<<n - 1)
			host -= n
		}
		m.Attrs.Broadcast = netip.AddrFrom4(b)
	}
	return m, nil
}

// Apply adds the address.
func (c AddrAdd) Apply(ctx context.Context, s *Session) error {
	return send(s, c.NS, c.message, (*rtnl.Conn).AddAddr)
}

// Applied reports whether the link has the address with that length.
func (c AddrAdd) Applied(ctx context.Context, s *Session) (bool, error) {
	if s.Absent(c.NS) {
		return false, nil
	}
	conn, err := s.Rtnl(c.NS)
	if err != nil {
		return false, err
	}
	idx, err := conn.LinkIndex(c.Dev)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	addrs, err := conn.Addrs(rtnl.FamilyOf(c.Prefix.Addr()), idx)
	if err != nil {
		return false, err
	}
	for _, a := range addrs {
		local := a.Attrs.Local
		if !local.IsValid() {
			local = a.Attrs.Address
		}
		if local == c.Prefix.Addr() && int(a.PrefixLen) == c.Prefix.Bits() {
			return true, nil
		}
	}
	return false, nil
}

// Inverse deletes the address.
func (c AddrAdd) Inverse(ctx context.Context, s *Session) (Step, error) { return AddrDel(c), nil }

// AddrDel deletes address Prefix from link Dev in namespace NS.
type AddrDel AddrAdd

// Apply deletes the address.
func (c AddrDel) Apply(ctx context.Context, s *Session) error {
	return send(s, c.NS, AddrAdd(c).message, (*rtnl.Conn).DeleteAddr)
}

// Applied reports whether the address is gone.
func (c AddrDel) Applied(ctx context.Context, s *Session) (bool, error) {
	ok, err := AddrAdd(c).Applied(ctx, s)
	return !ok && err == nil, err
}

// Inverse adds the address back.
func (c AddrDel) Inverse(ctx context.Context, s *Session) (Step, error) { return AddrAdd(c), nil }

// RouteAdd adds a route to Dst (0.0.0.0/0 or ::/0 for a default route) in
// the main table of namespace NS, through Gateway and/or out of Dev.
type RouteAdd struct {
	NS      nsfs.Ref
	Dst     netip.Prefix
	Gateway netip.Addr
	Dev     string
}

func (c RouteAdd) message(conn *rtnl.Conn) (*rtnl.RouteMessage, error) {
	fam := rtnl.FamilyOf(c.Dst.Addr())
	m := &rtnl.RouteMessage{Family: fam, Dst: c.Dst.Masked(), Table: rtnl.TableMain, Protocol: rtnl.ProtoBoot,
		Scope: rtnl.ScopeUniverse, Type: rtnl.RouteUnicast}
	m.Attrs.Gateway = c.Gateway
	if !c.Gateway.IsValid() {
		m.Scope = rtnl.ScopeLink
	}
	if c.Dev != "" {
		idx, err := conn.LinkIndex(c.Dev)
		if err != nil {
			return nil, err
		}
		m.Attrs.OIF = &idx
	}
	return m, nil
}

// Apply adds the route.
func (c RouteAdd) Apply(ctx context.Context, s *Session) error {
	return send(s, c.NS, c.message, (*rtnl.Conn).AddRoute)
}

// Applied reports whether the main table has a route to Dst through the
// same gateway and link.
func (c RouteAdd) Applied(ctx context.Context, s *Session) (bool, error) {
	if s.Absent(c.NS) {
		return false, nil
	}
	conn, err := s.Rtnl(c.NS)
	if err != nil {
		return false, err
	}
	want, err := c.message(conn)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	routes, err := conn.Routes(rtnl.RouteFilter{Family: want.Family, Table: rtnl.TableMain})
	if err != nil {
		return false, err
	}
	for _, r := range routes {
		if r.Dst == want.Dst && r.Attrs.Gateway == want.Attrs.Gateway &&
			(want.Attrs.OIF == nil || r.Attrs.OIF != nil && *r.Attrs.OIF == *want.Attrs.OIF) {
			return true, nil
		}
	}
	return false, nil
}

// Inverse deletes the route.
func (c RouteAdd) Inverse(ctx context.Context, s *Session) (Step, error) { return RouteDel(c), nil }

// RouteDel deletes the route RouteAdd would add.
type RouteDel RouteAdd

// Apply deletes the route.
func (c RouteDel) Apply(ctx context.Context, s *Session) error {
	return send(s, c.NS, RouteAdd(c).message, (*rtnl.Conn).DeleteRoute)
}

// Applied reports whether the route is gone.
func (c RouteDel) Applied(ctx context.Context, s *Session) (bool, error) {
	ok, err := RouteAdd(c).Applied(ctx, s)
	return !ok && err == nil, err
}

// Inverse adds the route back.
func (c RouteDel) Inverse(ctx context.Context, s *Session) (Step, error) { return RouteAdd(c), nil }

// NATAdd adds a NAT object (nat.Masquerade, nat.Forward, nat.Publish) to
// nsnet's nf_tables table in namespace NS.
type NATAdd struct {
	NS     nsfs.Ref
	Object nat.Object
}

// Apply adds the object; one that is there already is not an error.
func (c NATAdd) Apply(ctx context.Context, s *Session) error {
	conn, err := s.NAT(c.NS)
	if err != nil {
		return err
	}
	if err := conn.Add(c.Object); err != nil && !errors.Is(err, nat.ErrExist) {
		return err
	}
	return nil
}

// Applied reports whether the object is there with all its rules.
func (c NATAdd) Applied(ctx context.Context, s *Session) (bool, error) {
	if s.Absent(c.NS) {
		return false, nil
	}
	ent, err := natEntry(s, c.NS, c.Object)
	return ent != nil && ent.Intact, err
}

// Inverse deletes the object.
func (c NATAdd) Inverse(ctx context.Context, s *Session) (Step, error) { return NATDel(c), nil }

// NATDel deletes a NAT object.
type NATDel NATAdd

// Apply deletes the object.
func (c NATDel) Apply(ctx context.Context, s *Session) error {
	conn, err := s.NAT(c.NS)
	if err != nil {
		return err
	}
	return conn.Delete(c.Object)
}

// Applied reports whether the object is gone.
func (c NATDel) Applied(ctx context.Context, s *Session) (bool, error) {
	if s.Absent(c.NS) {
		return true, nil
	}
	ent, err := natEntry(s, c.NS, c.Object)
	return ent == nil && err == nil, err
}

// Inverse adds the object back.
func (c NATDel) Inverse(ctx context.Context, s *Session) (Step, error) { return NATAdd(c), nil }

// natEntry finds o in nsnet's table of namespace ns (nil if absent).
func natEntry(s *Session, ns nsfs.Ref, o nat.Object) (*nat.Entry, error) {
	conn, err := s.NAT(ns)
	if err != nil {
		return nil, err
	}
	return conn.Entry(o)
}

// SameNAT reports whether two NAT objects are the same object:
// Forward{A, B} and Forward{B, A} are.
func SameNAT(a, b nat.Object) bool {
	if fa, ok := a.(nat.Forward); ok {
		if fb, ok := b.(nat.Forward); ok {
			return fa == fb || fa.A == fb.B && fa.B == fb.A
		}
		return false
	}
	return a.String() == b.String()
}

// send builds a request on namespace ns's rtnetlink connection (build may
// look a link up on it) and sends it with op: the shape of every address
// and route step's Apply.
func send[M any](s *Session, ns nsfs.Ref, build func(*rtnl.Conn) (M, error), op func(*rtnl.Conn, M) error) error {
	conn, err := s.Rtnl(ns)
	if err != nil {
		return err
	}
	m, err := build(conn)
	if err != nil {
		return err
	}
	return op(conn, m)
}
