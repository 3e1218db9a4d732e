package plan

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/netip"
	"os"

	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/rtnl"
)

// NeighAdd adds the neighbour (ARP or NDP) entry of Dst on link Dev in
// namespace NS, as `ip neigh add`.
type NeighAdd struct {
	NS  nsfs.Ref
	Dst netip.Addr
	// Dev is the entry's link; "" only for a proxy entry of no link.
	Dev    string
	LLAddr net.HardwareAddr // nil: none
	State  *rtnl.NeighState // nil: PERMANENT
	Flags  rtnl.NeighFlags  // NeighRouter, NeighProxy, NeighUse, NeighExtLearned
	// Managed asks the kernel to keep the entry resolved (state NONE,
	// NTF_EXT_MANAGED); State is then ignored.
	Managed  bool
	Protocol *rtnl.RouteProtocol
}

// NeighDel deletes the entry of Dst on Dev (a proxy one when Flags has
// NeighProxy).
type NeighDel NeighAdd

// NeighChange changes an existing entry; the kernel refuses it when there
// is none.
type NeighChange NeighAdd

// NeighReplace makes the entry what the step says, creating it if needed.
type NeighReplace NeighAdd

// message builds the request with ip's defaults (PERMANENT).
func (c NeighAdd) message(conn *rtnl.Conn) (*rtnl.NeighMessage, error) {
	m := &rtnl.NeighMessage{Family: rtnl.FamilyOf(c.Dst), State: rtnl.NeighPermanent, Flags: c.Flags}
	if c.State != nil {
		m.State = *c.State
	}
	if c.Managed {
		m.State = rtnl.NeighNone
		m.Attrs.FlagsExt = new(rtnl.NeighExtManaged)
	}
	m.Attrs.Dst, m.Attrs.LLAddr, m.Attrs.Protocol = c.Dst, c.LLAddr, c.Protocol
	if c.Dev != "" {
		i, err := linkIndex(conn, "dev", c.Dev)
		if err != nil {
			return nil, err
		}
		m.Index = i
	}
	return m, nil
}

// find returns the entry as the kernel has it, or nil.
func (c NeighAdd) find(s *Session) (*rtnl.NeighMessage, error) {
	if s.Absent(c.NS) {
		return nil, nil
	}
	conn, err := s.Rtnl(c.NS)
	if err != nil {
		return nil, err
	}
	m, err := c.message(conn)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil // no such device: no such entry
	}
	if err != nil {
		return nil, err
	}
	list, err := conn.Neighs(rtnl.NeighFilter{Family: m.Family, Index: m.Index, Proxy: c.Flags&rtnl.NeighProxy != 0})
	if err != nil {
		return nil, err
	}
	for i := range list {
		// (A proxy entry without Dev is one of no link, as the kernel
		// matches them.)
		if list[i].Attrs.Dst == c.Dst && list[i].Index == m.Index {
			return &list[i], nil
		}
	}
	return nil, nil
}

// has reports whether the entry is there with the state, link-layer
// address and router flag c sets. An entry in another state or with
// another address (one the kernel learnt) is not what c makes.
func (c NeighAdd) has(s *Session) (bool, error) {
	cur, err := c.find(s)
	if err != nil || cur == nil {
		return false, err
	}
	if c.Flags&rtnl.NeighProxy != 0 {
		return true, nil
	}
	want := rtnl.NeighPermanent
	if c.State != nil {
		want = *c.State
	}
	return cur.State == want && (c.LLAddr == nil || bytes.Equal(cur.Attrs.LLAddr, c.LLAddr)) &&
		cur.Flags&rtnl.NeighRouter == c.Flags&rtnl.NeighRouter, nil
}

// deletion is the step that deletes the entry c is about.
func (c NeighAdd) deletion() NeighDel {
	return NeighDel{NS: c.NS, Dst: c.Dst, Dev: c.Dev, Flags: c.Flags & rtnl.NeighProxy}
}

// restore is the inverse of a change of the entry c is about: it deletes
// what the change creates, and puts back (with op) the kernel's copy of
// an entry the change overwrites.
func (c NeighAdd) restore(s *Session, del bool, put func(NeighAdd) Step) (Step, error) {
	cur, err := c.find(s)
	switch {
	case err != nil:
		return nil, err
	case cur == nil && del:
		return nil, nil
	case cur == nil:
		return c.deletion(), nil
	}
	return put(neighFrom(c.NS, c.Dev, cur)), nil
}

// neighFrom is the entry m as an add step on dev.
func neighFrom(ns nsfs.Ref, dev string, m *rtnl.NeighMessage) NeighAdd {
	c := NeighAdd{NS: ns, Dst: m.Attrs.Dst, Dev: dev, Flags: m.Flags & (rtnl.NeighRouter | rtnl.NeighProxy | rtnl.NeighExtLearned)}
	if m.Flags&rtnl.NeighProxy == 0 {
		st := m.State
		c.State = &st
		c.LLAddr = m.Attrs.LLAddr
	}
	if p := m.Attrs.Protocol; p != nil && *p != 0 {
		c.Protocol = p
	}
	return c
}

// neighSend builds c's request and sends it with op.
func neighSend(s *Session, c NeighAdd, op func(*rtnl.Conn, *rtnl.NeighMessage) error) error {
	return send(s, c.NS, c.message, op)
}

// Apply adds the entry.
func (c NeighAdd) Apply(ctx context.Context, s *Session) error {
	return neighSend(s, c, (*rtnl.Conn).AddNeigh)
}

// Applied reports whether the entry is there as c makes it.
func (c NeighAdd) Applied(ctx context.Context, s *Session) (bool, error) { return c.has(s) }

// Inverse deletes the entry.
func (c NeighAdd) Inverse(ctx context.Context, s *Session) (Step, error) { return c.deletion(), nil }

// Apply deletes the entry.
func (c NeighDel) Apply(ctx context.Context, s *Session) error {
	return neighSend(s, NeighAdd(c), (*rtnl.Conn).DeleteNeigh)
}

// Applied reports whether the entry is gone.
func (c NeighDel) Applied(ctx context.Context, s *Session) (bool, error) {
	cur, err := NeighAdd(c).find(s)
	return cur == nil && err == nil, err
}

// Inverse adds back the kernel's copy of the entry (nil if there is none).
func (c NeighDel) Inverse(ctx context.Context, s *Session) (Step, error) {
	return NeighAdd(c).restore(s, true, func(a NeighAdd) Step { return a })
}

// Apply changes the entry.
func (c NeighChange) Apply(ctx context.Context, s *Session) error {
	return neighSend(s, NeighAdd(c), (*rtnl.Conn).ChangeNeigh)
}

// Applied reports whether the entry is there as c makes it.
func (c NeighChange) Applied(ctx context.Context, s *Session) (bool, error) {
	return NeighAdd(c).has(s)
}

// Inverse replaces the entry with the kernel's copy of it now, or deletes
// it when there is none.
func (c NeighChange) Inverse(ctx context.Context, s *Session) (Step, error) {
	return NeighAdd(c).restore(s, false, func(a NeighAdd) Step { return NeighReplace(a) })
}

// Apply replaces (or creates) the entry.
func (c NeighReplace) Apply(ctx context.Context, s *Session) error {
	return neighSend(s, NeighAdd(c), (*rtnl.Conn).ReplaceNeigh)
}

// Applied reports whether the entry is there as c makes it.
func (c NeighReplace) Applied(ctx context.Context, s *Session) (bool, error) {
	return NeighAdd(c).has(s)
}

// Inverse replaces the entry with the kernel's copy of it now, or deletes
// it when there is none.
func (c NeighReplace) Inverse(ctx context.Context, s *Session) (Step, error) {
	return NeighAdd(c).restore(s, false, func(a NeighAdd) Step { return NeighReplace(a) })
}

// DeviceError is the failure to find a link a step names: its own device
// (Keyword "dev") or another one it refers to ("master", "link", ...).
type DeviceError struct {
	Keyword string // the field's keyword in ip's grammar
	Name    string
	Err     error
}

// Error is the kernel's error: a caller names the link as it words it.
func (e *DeviceError) Error() string { return e.Err.Error() }

// Unwrap returns the kernel's error.
func (e *DeviceError) Unwrap() error { return e.Err }

// linkIndex resolves a device name with one RTM_GETLINK; a failure is a
// *DeviceError naming the keyword.
func linkIndex(conn *rtnl.Conn, keyword, name string) (uint32, error) {
	i, err := conn.LinkIndex(name)
	if err != nil {
		return 0, &DeviceError{Keyword: keyword, Name: name, Err: err}
	}
	return i, nil
}
