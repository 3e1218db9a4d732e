package main

import (
	"context"
	"runtime"
	"strings"

	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/plan"
	"github.com/nsnet/nsnet/rtnl"
)

// upEarly makes the namespaces of an up file's `netns add` lines a few
// lines ahead on a thread of its own (nsfs.Creator), as a batch does
// (nsAhead), through plan.Early: plan.Up checks the line and journals its
// undo before the namespace is asked for, and takes the outcome in the
// line's turn. It applies under the conditions of nsAhead: the lines in
// between are link, address, route and nat add lines and other netns
// adds that do not name the namespace (aheadNeutral), the file is not
// traced, and there are two processors; the runtime gets one P more
// while it runs (spareP).
type upEarly struct {
	c *nsfs.Creator
	// procs is GOMAXPROCS before the look-ahead (see spareP).
	procs int
}

// earlyKey is the plan.Early key of `netns add NAME`.
const earlyKey = "netns\x00"

// startUpEarly starts the look-ahead of an up run, or returns nil when it
// does not apply. The namespaces it holds ahead take their room from the
// session's cache of open namespaces, as nsAhead's do.
func startUpEarly(s *session) *upEarly {
	if s.trace != nil || s.capture != nil || runtime.GOMAXPROCS(0) < 2 {
		return nil
	}
	if (s.ps.MaxNS()-2)/2 < plan.EarlyMax {
		return nil
	}
	s.ps.SetMaxNS(s.ps.MaxNS() - plan.EarlyMax)
	return &upEarly{c: nsfs.NewCreator(plan.EarlyMax), procs: spareP()}
}

// stop ends the look-ahead once plan.Up returned (it has taken the
// outcome of every namespace it asked for).
func (u *upEarly) stop(s *session) {
	if u == nil {
		return
	}
	u.c.Close()
	runtime.GOMAXPROCS(u.procs)
	s.ps.SetMaxNS(s.ps.MaxNS() + plan.EarlyMax)
}

// EarlyKey is the key of a `netns add` line of nsnet's own namespace
// while the look-ahead runs ("" otherwise: the line runs in its turn).
func (l lineStep) EarlyKey() string {
	if l.s.early == nil || !l.own || l.st.l.ns != "" {
		return ""
	}
	if c, ok := l.cmd.(netnsAdd); ok {
		return earlyKey + c.name
	}
	return ""
}

// StartEarly asks the Creator for the namespace; the wait takes the
// outcome as netnsAdd.run would have had it, and caches the namespace's
// handle and the socket of the lines that act in it.
func (l lineStep) StartEarly(ctx context.Context, _ *plan.Session) func() error {
	name := l.cmd.(netnsAdd).name
	conn := new(*rtnl.Conn)
	var inside func() error
	later := false
	if last, ok := l.s.last[name]; ok && last > l.idx {
		later = true
		// Opened on the Creator's thread while it is inside the new
		// namespace. A failure is not this line's: the next line dials
		// again and reports it.
		inside = func() error {
			*conn, _ = rtnl.Dial(&rtnl.Config{})
			return nil
		}
	}
	res := l.s.early.c.Create(name, inside)
	return func() error {
		r := <-res
		if r.Err != nil {
			return netnsAddErr(name, r.Err)
		}
		if !later {
			r.NS.Close() // as netns add: nothing kept for a name no later line uses
			return nil
		}
		// Should caching fail, the namespace is there all the same: later
		// lines open it by name.
		_ = l.s.adopt(name, r.NS, *conn)
		return nil
	}
}

// earlyNeutral reports whether line l can run after the namespace name
// of a later `netns add` line was made, with the same outcome: a line of
// a kind aheadNeutral allows that does not name it.
func earlyNeutral(l line, name string) bool {
	k, _ := classify(l)
	return aheadNeutral(k) && l.ns != name && !strings.Contains(l.text, name)
}
