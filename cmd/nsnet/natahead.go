package main

import (
	"fmt"

	"github.com/nsnet/nsnet/nat"
)

// natAhead groups the `nat ... add` lines of a batch into few nf_tables
// transactions, also when rtnetlink lines come between them (a file that
// builds each namespace and then forwards to it). No rtnetlink line
// depends on nsnet's nat table, so a group runs at its first line, ahead
// of the later lines it holds. What the batch guarantees stays as if each
// line ran in its place:
//   - a group ends at the first line that is not neutral (see natNeutral),
//     so the nat lines keep their order relative to every line that could
//     see or change the table (other nat lines, sysctl, netns del, exec ...);
//   - the kernel takes or refuses a group in transactions (nat.Conn.AddAll);
//     the lines of a refused transaction run one by one in their own
//     places, each reporting its own outcome;
//   - when the batch stops before a line that ran ahead (a failing line
//     without -force, a signal), undo deletes what ran ahead of it, so the
//     batch leaves what the lines before the stop made, and nothing more.
type natAhead struct {
	s    *session
	ran  map[int]aheadObj // line index -> object added ahead of that line
	solo map[int]bool     // lines to run in their place, one by one
}

type aheadObj struct {
	e   *env
	obj nat.Object
}

func newNatAhead(s *session) *natAhead {
	return &natAhead{s: s, ran: map[int]aheadObj{}, solo: map[int]bool{}}
}

// natNeutral reports whether batch line l neither reads nor changes the
// nat table of namespace ns: rtnetlink changes of links, addresses and
// routes, and creating another namespace.
func natNeutral(b *batchFile, j int, ns string) bool {
	return kindNatNeutral(b.lines[j].kind, b.nsName(j), ns)
}

// kindNatNeutral is natNeutral for a line of kind k whose netns add (if
// it is one) names name.
func kindNatNeutral(k lineKind, name, ns string) bool {
	switch k {
	case kindLinkAdd, kindLinkChange, kindLinkSet, kindLinkSetOther, kindAddr, kindRoute:
		return true
	case kindNetnsAdd:
		return name != ns
	}
	return false
}

// natGroupMax is the most nat lines one group holds (its objects stay in
// memory until their lines are reached); the next line starts the next.
const natGroupMax = 1024

// group returns the indices of the nat add lines that can run with line
// i, a nat add: those of the same namespace and options up to the first
// line that is neither one of them nor neutral, at most natGroupMax.
func (a *natAhead) group(b *batchFile, i int) []int {
	first, ns := &b.lines[i], b.ns(i)
	var idx []int
	for j := i; j < len(b.lines); j++ {
		l := &b.lines[j]
		if l.kind == kindNatAdd && l.opt == first.opt && !a.solo[j] && b.ns(j) == ns {
			idx = append(idx, j)
			if len(idx) == natGroupMax {
				break
			}
			continue
		}
		if !natNeutral(b, j, ns) {
			break
		}
	}
	return idx
}

// run is called at line i before it runs. It reports whether line i has
// been done already: as part of a group that ran at an earlier line, or
// of the group that starts at it.
func (a *natAhead) run(b *batchFile, i int) bool {
	if b.lines[i].kind != kindNatAdd {
		return false // only nat add lines run ahead: no map lookup for the others
	}
	if _, ok := a.ran[i]; ok {
		delete(a.ran, i)
		return true
	}
	if a.solo[i] {
		return false
	}
	idx := a.group(b, i)
	if len(idx) < 2 {
		return false
	}
	e := a.s.env(b.ns(i), b.opt(i))
	conn, err := e.nat()
	if err != nil {
		return false // the line runs alone and reports the error
	}
	objs := make([]nat.Object, len(idx))
	for k, j := range idx {
		l, err := b.parseOne(j)
		c, ok := l.cmd.(natAdd)
		if err != nil || !ok {
			return false // cannot be: the file was checked
		}
		objs[k] = c.obj
	}
	done, err := conn.AddAll(objs)
	if err != nil {
		for _, j := range idx[done:min(done+nat.AddAllChunk, len(idx))] {
			a.solo[j] = true
		}
	}
	for k, j := range idx[:done] {
		a.ran[j] = aheadObj{e: e, obj: objs[k]}
	}
	natWarnAll(e, conn, objs[:done])
	_, ok := a.ran[i]
	delete(a.ran, i)
	return ok
}

// natWarnAll says what natWarn says of objects added together, once per
// kind of object and address family.
func natWarnAll(e *env, conn *nat.Conn, objs []nat.Object) {
	warned := map[string]bool{}
	for _, o := range objs {
		kind := fmt.Sprintf("%T", o)
		switch o := o.(type) {
		case nat.Masquerade:
			kind += fmt.Sprint(o.Source.Addr().Is4())
		case nat.Publish:
			kind += fmt.Sprint(o.To.Addr().Is4())
		}
		if !warned[kind] {
			warned[kind] = true
			natWarn(e, conn, o)
		}
	}
}

// undo deletes what ran ahead of lines the batch did not reach. A failure
// is reported: the object stays in the table.
func (a *natAhead) undo() {
	for j, o := range a.ran {
		conn, err := o.e.nat()
		if err == nil {
			err = conn.Delete(o.obj)
		}
		if err != nil {
			o.e.warnf("nat %s (added ahead of a line not reached) stays: %v", o.obj, err)
		}
		delete(a.ran, j)
	}
}
