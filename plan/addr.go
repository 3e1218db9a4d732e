package plan

import (
	"context"
	"errors"
	"net/netip"
	"os"

	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/rtnl"
)

// AddrAdd adds address Prefix (ADDR/PLEN) to link Dev in namespace NS, as
// `ip address add`. The fields after Prefix are ip's options; their zero
// values send nothing (no broadcast address, the kernel's defaults).
type AddrAdd struct {
	NS     nsfs.Ref `json:",omitempty"`
	Dev    string
	Prefix netip.Prefix
	// AnyLength: the address was given without a length (Prefix is a
	// host prefix); finding it on the link, and deleting it, match
	// whatever length it has.
	AnyLength bool `json:",omitempty"`
	// Peer is the other end of a point-to-point address; its length is
	// the prefix length sent.
	Peer netip.Prefix
	// Broadcast is the IPv4 broadcast address. BroadcastCalc "+" or "-"
	// computes it instead from a prefix of /30 or shorter, as ip's "brd +"
	// (the prefix's last address) and "brd -" (its first) do.
	Broadcast     netip.Addr
	BroadcastCalc string `json:",omitempty"`
	Label         string `json:",omitempty"`
	// Scope: nil is the universe (host for 127.0.0.0/8, as ip).
	Scope *rtnl.Scope    `json:",omitempty"`
	Flags rtnl.AddrFlags `json:",omitempty"` // NoDAD, NoPrefixRoute, HomeAddress, ...
	// Valid and Preferred are lifetimes in seconds (nil: forever).
	Valid, Preferred *uint32 `json:",omitempty"`
	Metric           *uint32 `json:",omitempty"`
	// DevIndex, when not 0, is Dev's index as the caller knows it (a
	// link it just made): no lookup is made. It is not journaled.
	DevIndex uint32 `json:"-"`
}

// AddrDel deletes the address.
type AddrDel AddrAdd

// AddrReplace adds the address, or changes the one there to what the step
// says.
type AddrReplace AddrAdd

// message builds the request of op on link idx.
func (c AddrAdd) message(op string, idx uint32) *rtnl.AddrMessage {
	local := c.Prefix.Addr()
	m := &rtnl.AddrMessage{Family: rtnl.FamilyOf(local), PrefixLen: uint8(c.Prefix.Bits()), Flags: c.Flags, Index: idx}
	m.Attrs.Local, m.Attrs.Address = local, local
	if c.Peer.IsValid() {
		m.Attrs.Address = c.Peer.Addr()
		m.PrefixLen = uint8(c.Peer.Bits())
	}
	if op == "delete" && c.AnyLength && !c.Peer.IsValid() {
		m.Attrs.Address = netip.Addr{}
	}
	m.Attrs.Label = c.Label
	if c.Scope != nil {
		m.Scope = *c.Scope
	} else if op != "delete" && local.Is4() && local.As4()[0] == 127 {
		m.Scope = rtnl.ScopeHost
	}
	m.Attrs.Broadcast = c.Broadcast
	if c.BroadcastCalc != "" && local.Is4() && c.Prefix.Bits() <= 30 {
		b := c.Prefix.Masked().Addr().As4()
		if c.BroadcastCalc == "+" {
			host := 32 - c.Prefix.Bits()
			for i := 3; i >= 0 && host > 0; i-- {
				n := min(host, 8)
				b[i] |= byte(1<<n - 1)
				host -= n
			}
		}
		m.Attrs.Broadcast = netip.AddrFrom4(b)
	}
	if c.Valid != nil || c.Preferred != nil {
		ci := &rtnl.AddrCacheInfo{Valid: rtnl.LifetimeForever, Preferred: rtnl.LifetimeForever}
		if c.Valid != nil {
			ci.Valid = *c.Valid
		}
		if c.Preferred != nil {
			ci.Preferred = *c.Preferred
		}
		m.Attrs.CacheInfo = ci
	}
	m.Attrs.Priority = c.Metric
	return m
}

// index is Dev's index: DevIndex, or a lookup.
func (c AddrAdd) index(conn *rtnl.Conn) (uint32, error) {
	if c.DevIndex != 0 {
		return c.DevIndex, nil
	}
	return linkIndex(conn, "dev", c.Dev)
}

// find returns the address on link idx c is about, or nil.
func (c AddrAdd) find(conn *rtnl.Conn, idx uint32) (*rtnl.AddrMessage, error) {
	addrs, err := conn.Addrs(rtnl.FamilyOf(c.Prefix.Addr()), idx)
	if err != nil {
		return nil, err
	}
	want := c.message("add", idx).PrefixLen
	for i := range addrs {
		a := &addrs[i]
		local := a.Attrs.Local
		if !local.IsValid() {
			local = a.Attrs.Address
		}
		if local != c.Prefix.Addr() || !c.AnyLength && a.PrefixLen != want {
			continue
		}
		return a, nil
	}
	return nil, nil
}

// current returns the address as it is now (nil if it, its link or its
// namespace is absent).
func (c AddrAdd) current(s *Session) (*rtnl.AddrMessage, error) {
	if s.Absent(c.NS) {
		return nil, nil
	}
	conn, err := s.Rtnl(c.NS)
	if err != nil {
		return nil, err
	}
	idx, err := linkIndex(conn, "dev", c.Dev)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return c.find(conn, idx)
}

// apply sends op's request.
func (c AddrAdd) apply(s *Session, op string) error {
	conn, err := s.Rtnl(c.NS)
	if err != nil {
		return err
	}
	idx, err := c.index(conn)
	if err != nil {
		return err
	}
	m := c.message(op, idx)
	switch op {
	case "add":
		return conn.AddAddr(m)
	case "replace":
		return conn.ReplaceAddr(m)
	}
	if c.AnyLength && !c.Peer.IsValid() && m.Family == rtnl.FamilyInet6 {
		// IPv6 deletes by prefix length: use the one it has.
		if cur, _ := c.find(conn, idx); cur != nil {
			m.PrefixLen = cur.PrefixLen
		}
	}
	return conn.DeleteAddr(m)
}

// restore is the inverse of op on the address: a deletion of what it
// creates, or the kernel's copy of what it removes or overwrites, put back
// by put.
func (c AddrAdd) restore(s *Session, op string, put func(AddrAdd) Step) (Step, error) {
	cur, err := c.current(s)
	switch {
	case err != nil:
		return nil, err
	case op == "add" || op == "replace" && cur == nil:
		return AddrDel(c), nil
	case cur == nil:
		return nil, nil
	}
	return put(AddrOf(c.NS, c.Dev, cur)), nil
}

// addrFrom is the step that makes address m on dev again.
func AddrOf(ns nsfs.Ref, dev string, m *rtnl.AddrMessage) AddrAdd {
	local := m.Attrs.Local
	if !local.IsValid() {
		local = m.Attrs.Address
	}
	c := AddrAdd{NS: ns, Dev: dev, Prefix: netip.PrefixFrom(local, int(m.PrefixLen)), Broadcast: m.Attrs.Broadcast, Scope: &m.Scope,
		Flags: m.Flags & (rtnl.AddrNoDAD | rtnl.AddrNoPrefixRoute | rtnl.AddrHomeAddress | rtnl.AddrManageTempAddr | rtnl.AddrMcAutoJoin)}
	if m.Attrs.Address.IsValid() && m.Attrs.Local.IsValid() && m.Attrs.Address != m.Attrs.Local {
		c.Peer = netip.PrefixFrom(m.Attrs.Address, int(m.PrefixLen))
		c.Prefix = netip.PrefixFrom(local, local.BitLen())
	}
	if m.Attrs.Label != "" && m.Attrs.Label != dev {
		c.Label = m.Attrs.Label
	}
	c.Metric = m.Attrs.Priority
	return c
}

// Apply adds the address.
func (c AddrAdd) Apply(ctx context.Context, s *Session) error { return c.apply(s, "add") }

// Applied reports whether the link has the address (with that length,
// unless AnyLength).
func (c AddrAdd) Applied(ctx context.Context, s *Session) (bool, error) {
	cur, err := c.current(s)
	return cur != nil, err
}

// Inverse deletes the address.
func (c AddrAdd) Inverse(ctx context.Context, s *Session) (Step, error) { return AddrDel(c), nil }

// Apply deletes the address.
func (c AddrDel) Apply(ctx context.Context, s *Session) error { return AddrAdd(c).apply(s, "delete") }

// Applied reports whether the address is gone.
func (c AddrDel) Applied(ctx context.Context, s *Session) (bool, error) {
	cur, err := AddrAdd(c).current(s)
	return cur == nil && err == nil, err
}

// Inverse adds the address back as it is now (prefix, broadcast, label,
// scope, flags, metric); nil when it is not there.
func (c AddrDel) Inverse(ctx context.Context, s *Session) (Step, error) {
	return AddrAdd(c).restore(s, "delete", func(a AddrAdd) Step { return a })
}

// Apply replaces the address.
func (c AddrReplace) Apply(ctx context.Context, s *Session) error {
	return AddrAdd(c).apply(s, "replace")
}

// Applied reports whether the address is there with what c sets: scope,
// flags, label and broadcast address.
func (c AddrReplace) Applied(ctx context.Context, s *Session) (bool, error) {
	cur, err := AddrAdd(c).current(s)
	if err != nil || cur == nil {
		return false, err
	}
	want := AddrAdd(c).message("replace", cur.Index)
	return (c.Scope == nil || cur.Scope == *c.Scope) && cur.Flags&c.Flags == c.Flags &&
		(c.Label == "" || cur.Attrs.Label == c.Label) &&
		(!want.Attrs.Broadcast.IsValid() || cur.Attrs.Broadcast == want.Attrs.Broadcast), nil
}

// Inverse puts the address back as it is now, or deletes it when it is
// not there.
func (c AddrReplace) Inverse(ctx context.Context, s *Session) (Step, error) {
	return AddrAdd(c).restore(s, "replace", func(a AddrAdd) Step { return AddrReplace(a) })
}
