package main

import (
	"runtime"
	"strings"

	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/rtnl"
)

// nsAhead creates the namespaces of a batch's `netns add` lines a few
// lines ahead, on another goroutine (and so another thread: nsfs runs the
// unshare and bind mount on a locked one), while the batch's goroutine
// does the rtnetlink work of the lines before them. Each line still has
// its outcome in its own place: the batch takes the result when it
// reaches the line, reports an error there, and caches the new
// namespace's handle and socket then. A `netns add X` runs ahead only when
// nothing between the running line and it could tell the difference:
//   - every line in between is a link, address, route or nat add change,
//     or another netns add (see aheadNeutral); any other line (netns del,
//     exec, sysctl, a listing ...) ends the look-ahead until it has run;
//   - no line in between names X (a -n X, a link moved or created in X);
//   - the file is not traced (--trace and --trace-pcap keep the order of
//     the messages of the file).
//
// When the batch stops before a line whose namespace was made ahead (a
// failing line without -force, a signal), stop deletes that namespace:
// the batch leaves what the lines before the stop made, and nothing more.
type nsAhead struct {
	s      *session
	b      *batchFile
	window int
	c      *nsfs.Creator
	// pending holds the lines whose namespace is being (or was) made,
	// with their connection; order lists them in line order; next is the
	// first line not yet looked at.
	pending map[int]nsPending
	order   []int
	next    int
	// blocked is the index of a line that ended the look-ahead, or -1.
	blocked int
	// procs is GOMAXPROCS before the look-ahead (see spareP).
	procs int
}

type nsPending struct {
	res  <-chan nsfs.Created
	conn **rtnl.Conn // set on the Creator's thread before res is sent
}

// newNSAhead starts the look-ahead of a batch, or returns nil when it
// does not apply (a traced file, one processor).
func newNSAhead(s *session, b *batchFile) *nsAhead {
	if s.trace != nil || s.capture != nil || runtime.GOMAXPROCS(0) < 2 {
		return nil
	}
	// A namespace made ahead holds two descriptors (its handle and its
	// socket) until its line; the session keeps up to four per cached
	// namespace (see nsCacheLimit). The look-ahead takes its room from
	// that cache, and steps aside under a limit too small to share.
	window := min(4, (s.ps.MaxNS()-2)/2)
	if window < 1 {
		return nil
	}
	s.ps.SetMaxNS(s.ps.MaxNS() - window)
	return &nsAhead{s: s, b: b, window: window, c: nsfs.NewCreator(window),
		pending: map[int]nsPending{}, blocked: -1, procs: spareP()}
}

// spareP gives the Go runtime one P (GOMAXPROCS) more than it has while
// the look-ahead runs, and returns the number it had. The batch's
// goroutine and the Creator's thread each spend most of their time in
// system calls (netlink writes, unshare, mount) of 0.02 to a few ms.
// With every P held by a thread in a system call, the runtime's monitor
// takes the P of any call older than 20 µs, wakes a thread to look for
// work that is not there, and polls again 20 µs later; the thread whose
// call returns then has to get a P back. With one P idle, a call of
// under 10 ms keeps its P and the monitor backs off (at N=1000: half the
// monitor's wake-ups, a third fewer futex calls and context switches).
// The batch has two goroutines with work (its own and the Creator's), so
// the P more does not put more Go code on the processors than before.
func spareP() int {
	return runtime.GOMAXPROCS(runtime.GOMAXPROCS(0) + 1)
}

// aheadNeutral reports whether a batch line of kind k can run after a
// namespace of a later `netns add` line was made, with the same outcome,
// when it does not name that namespace.
func aheadNeutral(k lineKind) bool {
	switch k {
	case kindLinkAdd, kindLinkChange, kindLinkSet, kindLinkSetOther, kindAddr, kindRoute, kindNatAdd, kindNetnsAdd:
		return true
	}
	return false
}

// schedule is called before line i runs: it hands the worker the
// `netns add` lines that can run ahead, up to the window.
func (a *nsAhead) schedule(i int) {
	if a == nil {
		return
	}
	if a.blocked >= 0 {
		if a.blocked >= i {
			return
		}
		a.blocked = -1
	}
	if a.next <= i {
		a.next = i + 1
	}
	lines := a.b.lines
	for ; a.next < len(lines) && len(a.order) < a.window; a.next++ {
		k := a.next
		l := &lines[k]
		if !aheadNeutral(l.kind) {
			a.blocked = k
			return
		}
		if l.kind != kindNetnsAdd || a.b.ns(k) != "" {
			continue
		}
		add := netnsAdd{name: a.b.nsName(k)}
		named := -1
		for j := i; j < k; j++ {
			if a.b.ns(j) == add.name || strings.Contains(lines[j].text, add.name) {
				named = j
			}
		}
		if named >= 0 {
			// Wait until the lines that name it have run.
			a.blocked = named
			return
		}
		var inside func() error
		conn := new(*rtnl.Conn)
		if last, ok := a.s.last[add.name]; ok && last > k {
			// Open the socket of the lines that act in the namespace while
			// the Creator's thread is inside it. A failure is not this
			// line's: the next line dials again and reports it.
			inside = func() error {
				*conn, _ = rtnl.Dial(&rtnl.Config{})
				return nil
			}
		}
		a.pending[k] = nsPending{res: a.c.Create(add.name, inside), conn: conn}
		a.order = append(a.order, k)
	}
}

// take returns the outcome of line i when its namespace was made ahead:
// done is false when it was not, and the line runs as usual.
func (a *nsAhead) take(i int) (done bool, err error) {
	if a == nil {
		return false, nil
	}
	p, ok := a.pending[i]
	if !ok {
		return false, nil
	}
	delete(a.pending, i)
	a.order = a.order[1:]
	a.s.ps.Begin() // a command of its own, as env counts one (see plan.Session)
	r := <-p.res
	name := a.b.nsName(i)
	if r.Err != nil {
		return true, netnsAddErr(name, r.Err)
	}
	if *p.conn == nil && !a.s.usedLater(name) {
		r.NS.Close() // as netns add: nothing kept for a name no later line uses
		return true, nil
	}
	// Should caching fail, the namespace is there all the same: later
	// lines open it by name.
	_ = a.s.adopt(name, r.NS, *p.conn)
	return true, nil
}

// stop ends the look-ahead. With undo, the namespaces made ahead of lines
// the batch did not reach are deleted.
func (a *nsAhead) stop(undo bool) {
	if a == nil || a.c == nil {
		return
	}
	a.c.Close()
	a.c = nil
	a.s.ps.SetMaxNS(a.s.ps.MaxNS() + a.window)
	defer runtime.GOMAXPROCS(a.procs)
	for _, k := range a.order {
		p := a.pending[k]
		r := <-p.res
		if r.Err != nil {
			continue
		}
		if *p.conn != nil {
			(*p.conn).Close()
		}
		r.NS.Close()
		name := a.b.nsName(k)
		if undo {
			if err := nsfs.Delete(name); err != nil {
				a.s.env("", options{}).warnf("netns %s (made ahead of a line not reached) stays: %v", name, err)
			}
		}
	}
	a.order, a.pending = nil, nil
}
