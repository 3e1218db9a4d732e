package plan

import (
	"context"
	"errors"

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

// NATAppliedEach reports for each of objs what NATAdd{NS: ns, Object: o}.Applied
// reports, reading the table once for all of them (nat.Conn.EntryEach).
func NATAppliedEach(ctx context.Context, s *Session, ns nsfs.Ref, objs []nat.Object) ([]bool, error) {
	out := make([]bool, len(objs))
	if s.Absent(ns) {
		return out, nil
	}
	conn, err := s.NAT(ns)
	if err != nil {
		return nil, err
	}
	ents, err := conn.EntryEach(objs)
	if err != nil {
		return nil, err
	}
	for i, e := range ents {
		out[i] = e != nil && e.Intact
	}
	return out, nil
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
