package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/nsnet/nsnet/nat"
	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/plan"
)

// upScope is where the effect of an up line lives, for plan.Scoped: in
// is the key of an object an earlier line creates whose deletion undoes
// the line entirely, creates the key of the object the line creates.
type upScope struct{ in, creates string }

// upScopes reads an up file, line by line, for what each line's undo
// depends on (see plan.Scoped). It only knows the file: what the lines
// create, by name, in the order they run. The keys name their creating
// line, so a name made twice is two objects.
//
//   - netns add X creates X; a line acting in X (-n X) after it lives in X
//     when its effect cannot leave X: an address, route, neighbour entry,
//     rule or nat object there, lo's settings, or a link made there;
//   - link add creates a link (a veth: both ends, one object, since the
//     kernel deletes a pair together); settings, addresses, routes and
//     neighbour entries on it by name live in it (in any namespace: a
//     veth end outside X that line made lives in it too); a link of a
//     kind that dies with its namespace (veth, bridge, macvlan, vxlan),
//     made in X or with its veth peer in X, lives in X;
//   - what moves a link to another namespace, or changes its kind, lives
//     in nothing; what renames a link carries its key to the new name;
//     what moves or deletes a link, or deletes a namespace, ends what is
//     known of them; any other kind of line ends everything known.
//
// A sysctl or ethtool line lives in nothing: a sysctl key may be global,
// a device may be a physical one moved in, which outlives the namespace.
func upScopes(steps []step) []upScope {
	out := make([]upScope, len(steps))
	ns := map[string]string{}               // namespace name -> key
	links := map[string]map[string]string{} // namespace -> link name -> key
	setLink := func(n, name, key string) {
		if links[n] == nil {
			links[n] = map[string]string{}
		}
		links[n][name] = key
	}
	delLink := func(n, name string) { delete(links[n], name) }
	forgetNS := func(name string) {
		delete(ns, name)
		delete(links, name)
	}
	// nsOf is the namespace of a line as the keys spell it: "" for
	// nsnet's own, the name of a named one, and "?" for one given any
	// other way (a path, a PID), which no key matches.
	nsOf := func(key string) string {
		if key == "" {
			return ""
		}
		r, err := nsfs.ParseKey(key)
		if err != nil || r.Kind != nsfs.RefName {
			return "?"
		}
		return r.Name
	}
	refNS := func(r *nsRef, def string) string {
		if r == nil {
			return def
		}
		if r.Kind != nsfs.RefName {
			return "?"
		}
		return r.Name
	}
	for i, st := range steps {
		n := nsOf(st.l.ns)
		here := ns[n] // the key of the line's namespace, if made by the file
		dev := func(name string) string {
			return links[n][name]
		}
		inNSOrDev := func(name string) string {
			if here != "" {
				return here
			}
			return dev(name)
		}
		switch c := st.l.cmd.(type) {
		case readOnly:
		case netnsAdd:
			key := "netns " + c.name + "#" + strconv.Itoa(i)
			forgetNS(c.name)
			ns[c.name] = key
			out[i].creates = key
		case netnsDel:
			if c.all {
				clear(ns)
				clear(links)
			} else {
				forgetNS(c.name)
			}
		case linkAdd:
			if c.change || c.spec.name == "" {
				clear(ns)
				clear(links)
				break
			}
			key := "link " + strconv.Itoa(i)
			t := refNS(c.spec.netns, n)
			dies := c.kind == "veth" || c.kind == "bridge" || c.kind == "macvlan" || c.kind == "vxlan"
			if k := ns[t]; k != "" && dies {
				out[i].in = k
			}
			setLink(t, c.spec.name, key)
			if c.peer != nil && c.peer.name != "" {
				p := refNS(c.peer.netns, n)
				if k := ns[p]; k != "" && out[i].in == "" {
					out[i].in = k
				}
				setLink(p, c.peer.name, key)
			}
			out[i].creates = key
		case linkSet:
			k := dev(c.dev)
			if k == "" && c.dev == "lo" {
				k = here
			}
			switch {
			case c.spec.netns != nil:
				// Moved: the link is known no more, here or there.
				t := refNS(c.spec.netns, n)
				name := c.dev
				if c.spec.name != "" {
					name = c.spec.name
				}
				delLink(n, c.dev)
				delLink(t, name)
			case c.kind != nil:
				// Its undo is refused: up must find that out as before.
			default:
				out[i].in = k
				if c.spec.name != "" && c.spec.name != c.dev {
					// The link's own key goes with its new name.
					lk := dev(c.dev)
					delLink(n, c.dev)
					if lk != "" {
						setLink(n, c.spec.name, lk)
					} else {
						delLink(n, c.spec.name)
					}
				}
			}
		case linkDel:
			if k := dev(c.dev); k != "" {
				for _, names := range links {
					for name, v := range names {
						if v == k {
							delete(names, name)
						}
					}
				}
			}
			delLink(n, c.dev)
		case addrChange:
			out[i].in = inNSOrDev(c.dev)
		case routeChange:
			if c.dev != "" {
				out[i].in = inNSOrDev(c.dev)
			} else {
				out[i].in = here
			}
		case neighChange:
			out[i].in = inNSOrDev(c.dev)
		case ruleChange, natAdd, natDel:
			out[i].in = here
		case sysctlSet, ethtoolFeatures, ethtoolChannels, ethtoolRings, addrFlush, routeFlush, natFlush:
		default:
			clear(ns)
			clear(links)
		}
	}
	return out
}

// Scope is the line's plan.Scoped: an undo (cmd is not the line's own
// command) has none.
func (l lineStep) Scope() (in, creates string) { return l.sc.in, l.sc.creates }

// Group is the line's plan.Grouped key: the `nat ... add` lines of one
// namespace and options go to nf_tables together (as in a batch, see
// natAhead); an undo has none.
func (l lineStep) Group() string {
	if _, ok := l.cmd.(natAdd); !ok || !l.own {
		return ""
	}
	return fmt.Sprintf("nat\x00%s\x00%+v", l.st.l.ns, l.st.l.opt)
}

// Neutral reports whether the line leaves the nat table of group's
// namespace as it is and does not read it (natNeutral), or, for the key
// of a later `netns add` line (EarlyKey), whether the line can run after
// that namespace was made (earlyNeutral).
func (l lineStep) Neutral(group string) bool {
	if name, ok := strings.CutPrefix(group, earlyKey); ok {
		return l.own && earlyNeutral(l.st.l, name)
	}
	rest, ok := strings.CutPrefix(group, "nat\x00")
	if !ok || !l.own {
		return false
	}
	ns, _, _ := strings.Cut(rest, "\x00")
	k, name := classify(l.st.l)
	return kindNatNeutral(k, name, ns)
}

// ApplyGroup adds the nat objects of steps (lines of l's group) in as few
// transactions as it can (nat.Conn.AddAll).
func (l lineStep) ApplyGroup(ctx context.Context, _ *plan.Session, steps []plan.Step) (int, error) {
	e := l.env()
	conn, err := e.nat()
	if err != nil {
		return 0, err
	}
	objs := make([]nat.Object, len(steps))
	for i, st := range steps {
		objs[i] = st.(lineStep).cmd.(natAdd).obj
	}
	done, err := conn.AddAll(objs)
	natWarnAll(e, conn, objs[:done])
	return done, err
}

// AppliedGroup checks the nat objects of steps (lines of l's group) as
// their applied would, reading the table once (plan.NATAppliedEach).
func (l lineStep) AppliedGroup(ctx context.Context, _ *plan.Session, steps []plan.Step) ([]bool, error) {
	e := l.env()
	ref, err := e.ref()
	if err != nil {
		return nil, err
	}
	objs := make([]nat.Object, len(steps))
	for i, st := range steps {
		objs[i] = st.(lineStep).cmd.(natAdd).obj
	}
	return plan.NATAppliedEach(e.ctx, e.s.ps, ref, objs)
}

// UndoGroup deletes the nat objects of steps (lines of l's group, each
// there) in as few transactions as it can (nat.Conn.DeleteAll).
func (l lineStep) UndoGroup(ctx context.Context, _ *plan.Session, steps []plan.Step) (int, error) {
	conn, err := l.env().nat()
	if err != nil {
		return 0, err
	}
	objs := make([]nat.Object, len(steps))
	for i, st := range steps {
		objs[i] = st.(lineStep).cmd.(natAdd).obj
	}
	return conn.DeleteAll(objs)
}
