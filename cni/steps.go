package cni

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"

	"github.com/nsnet/nsnet/nat"
	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/plan"
	"github.com/nsnet/nsnet/rtnl"
)

// The steps of a CNI ADD that package plan has no type for: each is a
// plan.Step, run by plan.Up with the others, so that a failed ADD is
// rolled back by plan's engine. Their Applied reports false unless a step
// says otherwise: an ADD makes a new attachment, and what it finds of its
// own (a host veth of its name, an address of its container) is an error,
// not something to skip. Shared host state that other attachments rely on
// (a bridge that was there, forwarding, route_localnet) has no inverse:
// the reference plugins never undo it either.

// named prefixes err with a step's name (an *Error keeps its code);
// an empty name leaves err as it is.
func named(name string, err error) error {
	if err == nil || name == "" {
		return err
	}
	var e *Error
	if errors.As(err, &e) {
		return &Error{Code: e.Code, Msg: name + ": " + e.Msg, Details: e.Details}
	}
	return fmt.Errorf("%s: %w", name, err)
}

// bridgeAdd makes bridge Name in the host's namespace when it is missing:
// up, with MTU when set, and its MAC pinned so that it does not follow its
// ports. A bridge already there is applied (and so never removed by a
// rollback); a link of that name that is no bridge is an error. Made is
// set when Apply made the bridge: its inverse removes it only then (a
// concurrent ADD may have made it first), and only with no ports on it.
type bridgeAdd struct {
	Name string
	MTU  *uint32
	made *bool
}

func (b bridgeAdd) Applied(ctx context.Context, s *plan.Session) (bool, error) {
	conn, err := s.Rtnl(nsfs.Self())
	if err != nil {
		return false, named("bridge "+b.Name, err)
	}
	l, err := conn.LinkByName(b.Name)
	if notExist(err) {
		return false, nil
	}
	if err != nil {
		return false, named("bridge "+b.Name, err)
	}
	if l.Attrs.Info == nil || l.Attrs.Info.Kind != "bridge" {
		return false, named("bridge "+b.Name, fmt.Errorf("%q already exists but is not a bridge", b.Name))
	}
	return true, nil
}

func (b bridgeAdd) Apply(ctx context.Context, s *plan.Session) error {
	return named("bridge "+b.Name, b.apply(s))
}

func (b bridgeAdd) apply(s *plan.Session) error {
	conn, err := s.Rtnl(nsfs.Self())
	if err != nil {
		return err
	}
	m := &rtnl.LinkMessage{Flags: rtnl.LinkUp, Change: rtnl.LinkUp, Attrs: rtnl.LinkAttrs{
		Name: b.Name, MTU: b.MTU, Info: &rtnl.LinkInfo{Kind: "bridge"}}}
	if err := conn.AddLink(m); err != nil {
		if errors.Is(err, os.ErrExist) {
			// A concurrent ADD made it: bridgeAdd.Applied's checks.
			l, err := conn.LinkByName(b.Name)
			if err != nil {
				return err
			}
			if l.Attrs.Info == nil || l.Attrs.Info.Kind != "bridge" {
				return fmt.Errorf("%q already exists but is not a bridge", b.Name)
			}
			return nil
		}
		return err
	}
	*b.made = true
	l, err := conn.LinkByName(b.Name)
	if err != nil {
		return err // the inverse removes it
	}
	// Pin the bridge's address: otherwise it takes its ports' lowest and
	// changes as containers come and go. Apply does all or nothing: a
	// bridge it made and could not pin goes again.
	if err := conn.SetLink(&rtnl.LinkMessage{Index: l.Index, Attrs: rtnl.LinkAttrs{Address: l.Attrs.Address}}); err != nil {
		*b.made = false
		if derr := conn.DeleteLink(&rtnl.LinkMessage{Index: l.Index}); derr != nil && !notExist(derr) {
			return errors.Join(err, derr)
		}
		return err
	}
	return nil
}

func (b bridgeAdd) Inverse(ctx context.Context, s *plan.Session) (plan.Step, error) {
	return bridgeDelIfMade{Name: b.Name, made: b.made}, nil
}

// bridgeDelIfMade deletes host bridge Name when made says this ADD made
// it and it has no ports: a concurrent ADD that found it may have put its
// container's veth on it since.
type bridgeDelIfMade struct {
	Name string
	made *bool
}

func (d bridgeDelIfMade) Applied(ctx context.Context, s *plan.Session) (bool, error) {
	return false, nil
}

func (d bridgeDelIfMade) Apply(ctx context.Context, s *plan.Session) error {
	if !*d.made {
		return nil
	}
	_, _, busy, err := otherPorts(s, d.Name, "")
	if busy || err != nil {
		return err
	}
	return plan.LinkDel{Name: d.Name}.Apply(ctx, s)
}

// otherPorts reports whether host bridge name has ports other than link
// except, with the bridge's index; a bridge that is gone is busy (there
// is nothing left to undo on it).
func otherPorts(s *plan.Session, name, except string) (*rtnl.Conn, uint32, bool, error) {
	conn, err := s.Rtnl(nsfs.Self())
	if err != nil {
		return nil, 0, false, err
	}
	idx, err := conn.LinkIndex(name)
	if notExist(err) {
		return conn, 0, true, nil
	}
	if err != nil {
		return nil, 0, false, err
	}
	links, err := conn.Links()
	if err != nil {
		return nil, 0, false, err
	}
	for _, l := range links {
		if l.Attrs.Master != nil && *l.Attrs.Master == idx && l.Attrs.Name != except {
			return conn, idx, true, nil
		}
	}
	return conn, idx, false, nil
}

func (d bridgeDelIfMade) Inverse(ctx context.Context, s *plan.Session) (plan.Step, error) {
	return nil, nil
}

// bridgeUp brings bridge Name up (and promiscuous when Promisc) whether
// this ADD made it or not; other attachments rely on it, so it has no
// inverse.
type bridgeUp struct {
	Name    string
	Promisc bool
}

func (b bridgeUp) Applied(ctx context.Context, s *plan.Session) (bool, error) { return false, nil }

func (b bridgeUp) Apply(ctx context.Context, s *plan.Session) error {
	conn, err := s.Rtnl(nsfs.Self())
	if err != nil {
		return named("bridge "+b.Name, err)
	}
	idx, err := conn.LinkIndex(b.Name)
	if err != nil {
		return named("bridge "+b.Name, err)
	}
	set := &rtnl.LinkMessage{Index: idx, Flags: rtnl.LinkUp, Change: rtnl.LinkUp}
	if b.Promisc {
		set.Flags |= rtnl.LinkPromisc
		set.Change |= rtnl.LinkPromisc
	}
	return named("bridge "+b.Name, conn.SetLink(set))
}

func (b bridgeUp) Inverse(ctx context.Context, s *plan.Session) (plan.Step, error) { return nil, nil }

// vethAdd makes an attachment's veth pair in one request: host end Host
// in the host's namespace, up, on bridge Master when set; container end
// Peer made directly in namespace PeerNS (a path, as CNI_NETNS gives it),
// with MAC when set. A host end of that name is an error naming the
// attachment ID/Peer. Its inverse deletes the host end (the container end
// goes with it).
type vethAdd struct {
	Host, Peer string
	PeerNS     nsfs.Ref
	MTU        *uint32
	MAC        net.HardwareAddr
	Master     string
	ID         string // the container id, for the error
}

func (v vethAdd) Applied(ctx context.Context, s *plan.Session) (bool, error) { return false, nil }

func (v vethAdd) Apply(ctx context.Context, s *plan.Session) error {
	return named("veth "+v.Host, v.apply(s))
}

func (v vethAdd) apply(s *plan.Session) error {
	conn, err := s.Rtnl(nsfs.Self())
	if err != nil {
		return err
	}
	h, err := s.Open(v.PeerNS)
	if err != nil {
		return err
	}
	peer := &rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Name: v.Peer, MTU: v.MTU, Address: v.MAC}}
	if h != nil {
		peer.Attrs.NetNSFD = ptr(uint32(h.Fd()))
	}
	m := &rtnl.LinkMessage{Flags: rtnl.LinkUp, Change: rtnl.LinkUp, Attrs: rtnl.LinkAttrs{
		Name: v.Host, MTU: v.MTU, Info: &rtnl.LinkInfo{Kind: "veth", Data: &rtnl.Veth{Peer: peer}}}}
	if v.Master != "" {
		idx, err := conn.LinkIndex(v.Master)
		if err != nil {
			return err
		}
		m.Attrs.Master = &idx
	}
	if err := conn.AddLink(m); err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("attachment %s/%s exists (host link %s)", v.ID, v.Peer, v.Host)
		}
		return err
	}
	return nil
}

func (v vethAdd) Inverse(ctx context.Context, s *plan.Session) (plan.Step, error) {
	return plan.LinkDel{Name: v.Host}, nil
}

// ipamAdd reserves the attachment's addresses with its IPAM (host-local
// and static in this process, other types by running their plugin) and
// stores the result in Got. Its inverse releases them.
type ipamAdd struct {
	IPAM *ipam
	Name string // the step's name in errors ("" for none)
	Got  *Result
}

func (a ipamAdd) Applied(ctx context.Context, s *plan.Session) (bool, error) { return false, nil }

func (a ipamAdd) Apply(ctx context.Context, s *plan.Session) error {
	res, err := a.IPAM.add()
	if err != nil {
		return named(a.Name, err)
	}
	*a.Got = *res
	return nil
}

func (a ipamAdd) Inverse(ctx context.Context, s *plan.Session) (plan.Step, error) {
	return ipamDel{IPAM: a.IPAM}, nil
}

// ipamDel releases an attachment's addresses; releasing nothing is no
// error.
type ipamDel struct{ IPAM *ipam }

func (d ipamDel) Applied(ctx context.Context, s *plan.Session) (bool, error) { return false, nil }
func (d ipamDel) Apply(ctx context.Context, s *plan.Session) error           { return d.IPAM.del() }
func (d ipamDel) Inverse(ctx context.Context, s *plan.Session) (plan.Step, error) {
	return nil, nil
}

// sysctlFunc writes a sysctl (path below /proc/sys, with slashes) in
// namespace ns (nil: the caller's own) unless it holds value already.
type sysctlFunc func(ns *nsfs.NS, key, value string) error

// sysctlsOn writes sysctls of namespace NS in order, skipping keys that
// do not exist when Optional. Those of a container's interface go with
// the interface, those of the host are shared by every attachment: either
// way there is nothing to undo. Fail, when set, is the start of the
// message of an *Error (code 999) on failure.
type sysctlsOn struct {
	NS       nsfs.Ref
	KV       [][2]string
	Optional bool
	Fail     string
	Name     string
	set      sysctlFunc
}

func (c sysctlsOn) Applied(ctx context.Context, s *plan.Session) (bool, error) { return false, nil }

func (c sysctlsOn) Apply(ctx context.Context, s *plan.Session) error {
	err := c.apply(s)
	if err != nil && c.Fail != "" {
		return errorf(ErrInternal, "%s: %v", c.Fail, err)
	}
	return named(c.Name, err)
}

func (c sysctlsOn) apply(s *plan.Session) error {
	h, err := s.Open(c.NS)
	if err != nil {
		return err
	}
	for _, p := range c.KV {
		if err := c.set(h, p[0], p[1]); err != nil {
			if c.Optional && errors.Is(err, os.ErrNotExist) {
				continue
			}
			return err
		}
	}
	return nil
}

func (c sysctlsOn) Inverse(ctx context.Context, s *plan.Session) (plan.Step, error) { return nil, nil }

// addrAdd adds address Msg in namespace NS (EEXIST is no error when
// ExistOK); its inverse deletes it.
type addrAdd struct {
	NS      nsfs.Ref
	Msg     *rtnl.AddrMessage
	ExistOK bool
	Name    string
}

func (a addrAdd) Applied(ctx context.Context, s *plan.Session) (bool, error) { return false, nil }

func (a addrAdd) Apply(ctx context.Context, s *plan.Session) error {
	conn, err := s.Rtnl(a.NS)
	if err != nil {
		return named(a.Name, err)
	}
	if err := conn.AddAddr(a.Msg); err != nil && !(a.ExistOK && errors.Is(err, os.ErrExist)) {
		return named(a.Name, err)
	}
	return nil
}

func (a addrAdd) Inverse(ctx context.Context, s *plan.Session) (plan.Step, error) {
	return addrDel{NS: a.NS, Msg: a.Msg}, nil
}

// addrDel deletes address Msg in namespace NS.
type addrDel struct {
	NS  nsfs.Ref
	Msg *rtnl.AddrMessage
}

func (d addrDel) Applied(ctx context.Context, s *plan.Session) (bool, error) { return false, nil }

func (d addrDel) Apply(ctx context.Context, s *plan.Session) error {
	conn, err := s.Rtnl(d.NS)
	if err != nil {
		return err
	}
	return conn.DeleteAddr(d.Msg)
}

func (d addrDel) Inverse(ctx context.Context, s *plan.Session) (plan.Step, error) {
	return addrAdd{NS: d.NS, Msg: d.Msg}, nil
}

// routeAdd adds route Msg in namespace NS (EEXIST is no error when
// ExistOK: a route given twice is one route); its inverse deletes it.
// Desc, when set, names the route in errors.
type routeAdd struct {
	NS      nsfs.Ref
	Msg     *rtnl.RouteMessage
	ExistOK bool
	Name    string
	Desc    string
}

func (a routeAdd) Applied(ctx context.Context, s *plan.Session) (bool, error) { return false, nil }

func (a routeAdd) Apply(ctx context.Context, s *plan.Session) error {
	conn, err := s.Rtnl(a.NS)
	if err != nil {
		return named(a.Name, err)
	}
	if err := conn.AddRoute(a.Msg); err != nil && !(a.ExistOK && errors.Is(err, os.ErrExist)) {
		if a.Desc != "" {
			err = fmt.Errorf("%s: %w", a.Desc, err)
		}
		return named(a.Name, err)
	}
	return nil
}

func (a routeAdd) Inverse(ctx context.Context, s *plan.Session) (plan.Step, error) {
	return routeDel{NS: a.NS, Msg: a.Msg}, nil
}

// routeDel deletes route Msg in namespace NS.
type routeDel struct {
	NS  nsfs.Ref
	Msg *rtnl.RouteMessage
}

func (d routeDel) Applied(ctx context.Context, s *plan.Session) (bool, error) { return false, nil }

func (d routeDel) Apply(ctx context.Context, s *plan.Session) error {
	conn, err := s.Rtnl(d.NS)
	if err != nil {
		return err
	}
	return conn.DeleteRoute(d.Msg)
}

func (d routeDel) Inverse(ctx context.Context, s *plan.Session) (plan.Step, error) {
	return routeAdd{NS: d.NS, Msg: d.Msg}, nil
}

// bridgeAddr puts gateway address GW on bridge Bridge of the host. An
// address of the same family already there (IPv4), or overlapping (IPv6),
// is an error unless Force replaces it; GW itself there is applied. Its
// inverse removes GW unless the bridge has other ports than Own (whose
// containers may have come meanwhile and use it).
type bridgeAddr struct {
	Bridge, Own string
	GW          netip.Prefix
	Force       bool
}

func (b bridgeAddr) name() string { return "address " + b.GW.String() + " on " + b.Bridge }

func (b bridgeAddr) addrs(s *plan.Session) (*rtnl.Conn, uint32, []rtnl.AddrMessage, error) {
	conn, err := s.Rtnl(nsfs.Self())
	if err != nil {
		return nil, 0, nil, err
	}
	idx, err := conn.LinkIndex(b.Bridge)
	if err != nil {
		return nil, 0, nil, err
	}
	addrs, err := conn.Addrs(rtnl.FamilyOf(b.GW.Addr()), idx)
	return conn, idx, addrs, err
}

func (b bridgeAddr) Applied(ctx context.Context, s *plan.Session) (bool, error) {
	_, _, addrs, err := b.addrs(s)
	if err != nil {
		return false, named(b.name(), err)
	}
	for _, a := range addrs {
		if a.Prefix() == b.GW {
			return true, nil
		}
	}
	return false, nil
}

func (b bridgeAddr) Apply(ctx context.Context, s *plan.Session) error {
	return named(b.name(), b.apply(s))
}

func (b bridgeAddr) apply(s *plan.Session) error {
	conn, idx, addrs, err := b.addrs(s)
	if err != nil {
		return err
	}
	fam := rtnl.FamilyOf(b.GW.Addr())
	for _, a := range addrs {
		if a.Prefix() == b.GW {
			// Another ADD on the same bridge put it there after Applied
			// looked: the bridge is as this step wants it.
			return nil
		}
	}
	for _, a := range addrs {
		p := a.Prefix()
		if a.Scope == rtnl.ScopeLink {
			continue
		}
		if fam == rtnl.FamilyInet || p.Overlaps(b.GW) {
			if !b.Force {
				return fmt.Errorf("%q already has an IP address different from %v", b.Bridge, b.GW)
			}
			if err := conn.DeleteAddr(&a); err != nil {
				return err
			}
		}
	}
	err = conn.AddAddr(addrMsg(idx, b.GW, fam == rtnl.FamilyInet6))
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	return err
}

func (b bridgeAddr) Inverse(ctx context.Context, s *plan.Session) (plan.Step, error) {
	return bridgeAddrDel(b), nil
}

// bridgeAddrDel removes a gateway address bridgeAddr put on the bridge,
// unless the bridge has other ports than Own (or is gone).
type bridgeAddrDel bridgeAddr

func (d bridgeAddrDel) Applied(ctx context.Context, s *plan.Session) (bool, error) { return false, nil }

func (d bridgeAddrDel) Apply(ctx context.Context, s *plan.Session) error {
	conn, idx, busy, err := otherPorts(s, d.Bridge, d.Own)
	if busy || err != nil {
		return err
	}
	return conn.DeleteAddr(addrMsg(idx, d.GW, false))
}

func (d bridgeAddrDel) Inverse(ctx context.Context, s *plan.Session) (plan.Step, error) {
	return nil, nil
}

// natAttach installs attachment A (masquerade and port mappings, tagged
// with the container's key) in nsnet's nf_tables table of the host in one
// transaction, replacing one of that key first when Replace, and drops
// stale conntrack entries of its UDP mappings. Its inverse removes exactly
// that attachment.
type natAttach struct {
	A       nat.Attachment
	Replace bool
	Name    string
}

func (n natAttach) Applied(ctx context.Context, s *plan.Session) (bool, error) { return false, nil }

func (n natAttach) Apply(ctx context.Context, s *plan.Session) error {
	return named(n.Name, n.apply(s))
}

func (n natAttach) apply(s *plan.Session) error {
	conn, err := s.NAT(nsfs.Self())
	if err != nil {
		return err
	}
	if n.Replace {
		if err := conn.DelAttachment(n.A.ID, n.A.IfName); err != nil {
			return err
		}
	}
	if err := conn.AddAttachment(n.A); err != nil {
		return err
	}
	if hasUDP(n.A) {
		_, err := conn.DeleteStaleConntrack(n.A)
		return err
	}
	return nil
}

func (n natAttach) Inverse(ctx context.Context, s *plan.Session) (plan.Step, error) {
	return natDetach{Key: nat.AttachmentKey{ID: n.A.ID, IfName: n.A.IfName}}, nil
}

// natDetach removes the NAT attachment of Key; one that is not there is
// no error.
type natDetach struct{ Key nat.AttachmentKey }

func (d natDetach) Applied(ctx context.Context, s *plan.Session) (bool, error) { return false, nil }

func (d natDetach) Apply(ctx context.Context, s *plan.Session) error {
	conn, err := s.NAT(nsfs.Self())
	if err != nil {
		return err
	}
	return conn.DelAttachment(d.Key.ID, d.Key.IfName)
}

func (d natDetach) Inverse(ctx context.Context, s *plan.Session) (plan.Step, error) {
	return nil, nil
}

// adder runs an ADD's steps with plan.Up in stages, the steps of a later
// stage built from what an earlier one made (the links, IPAM's
// addresses), each stage with a plan.MemoryJournal of its undos. Up rolls
// back the stage that fails; rollback undoes the stages applied before,
// newest first, with plan.Down and their journals. The journals live in
// memory: after a kill -9, DEL finds what an ADD left by the names and
// tags it derives from the container id and interface (the host veth's
// name, the IPAM reservation's owner, the NAT attachment's key).
type adder struct {
	ctx    context.Context
	s      *plan.Session
	stderr io.Writer
	stages []stage
}

type stage struct {
	steps []plan.Step
	j     *plan.MemoryJournal
}

// up applies steps as one stage. On failure the error is the failed
// step's own (an *Error keeps its code), and undos that failed are noted
// on stderr.
func (a *adder) up(steps ...plan.Step) error {
	j := &plan.MemoryJournal{}
	err := plan.Up(a.ctx, a.s, steps, j)
	var ue *plan.UpError
	if errors.As(err, &ue) {
		for _, f := range ue.Failed {
			fmt.Fprintf(a.stderr, "nsnet: rollback: %v\n", f.Err)
		}
		if a.ctx.Err() != nil && errors.Is(ue.Err, a.ctx.Err()) {
			return errorf(ErrInternal, "ADD interrupted: %v", ue.Err)
		}
		return ue.Err
	}
	if err != nil {
		return err
	}
	a.stages = append(a.stages, stage{steps: steps, j: j})
	return nil
}

// rollback undoes every stage up applied, newest first, going on past
// failures (noted on stderr). It runs to the end even when the ADD's
// context is cancelled.
func (a *adder) rollback() {
	for k := len(a.stages) - 1; k >= 0; k-- {
		st := a.stages[k]
		// Down's error lists the undos Report printed already.
		plan.Down(context.Background(), a.s, st.steps, plan.DownOptions{
			// Only what this ADD did: a step Up skipped, or one without an
			// inverse, has no undo.
			Undo: func(i int) (plan.Step, bool) { u, _ := st.j.Undo(i); return u, true },
			Done: st.j.DownDone,
			Report: func(i int, err error) {
				fmt.Fprintf(a.stderr, "nsnet: rollback: %v\n", err)
			},
		})
	}
	a.stages = nil
}

// namedStep is Step with its Apply's error prefixed by Name.
type namedStep struct {
	plan.Step
	Name string
}

func (n namedStep) Apply(ctx context.Context, s *plan.Session) error {
	return named(n.Name, n.Step.Apply(ctx, s))
}
