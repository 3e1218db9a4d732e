package main

import (
	"errors"

	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/rtnl"
)

// pipeAhead sends the requests of several consecutive lines of a `-force`
// batch in one write (rtnl.Conn.ExecuteAll) instead of one write and one
// wait per line. The kernel handles the messages of a datagram in order
// and goes on after one it refuses, which is what -force does with lines:
// every line runs whatever the others did. Each line keeps its outcome,
// taken in its place like nsAhead's:
//   - a run is the lines from the running one on that are address, route
//     or link set changes (no rename, no move to another namespace, no
//     kind data), act in the same namespace, and each make exactly one
//     request that asks for nothing but its acknowledgement. Each line's
//     own code runs with the namespace's connection holding its requests
//     (rtnl.Conn.Hold): a line that needs a reply first (a device name
//     the batch has not seen made, so a lookup; a master; an IPv6 delete
//     that reads the length) is not held and ends the run, and runs
//     serially in its place. So no request of a run is built from the
//     reply to another, and each is the request the line sends serially;
//   - the run's requests go out in as few writes as the socket's buffers
//     allow, each acknowledgement matched to its request by sequence;
//   - a line the kernel refused runs its own code again with that
//     request answered by the recorded refusal (rtnl.Conn.Replay), so the
//     error is worded as serially, and reported as FILE:LINE in line
//     order; a line whose recorded index is stale (ENODEV on a link the
//     batch made) looks the name up and tries again then, as serially.
//
// The one difference from the serial path: when another process deletes
// a link the batch made while the batch runs, the retry of a line that
// named it by its recorded index comes after the rest of its run instead
// of before the next line; serially, a later line of the run that needs
// the retried line's effect (a route via its address) would succeed, and
// here it fails. A signal that comes while a run is in flight stops the
// batch after the run's lines, which happened (holds), as if it had come
// after the last of them.
//
// Without -force there is no run: the batch stops at the first failing
// line, and the lines after it must not have happened. Every request can
// be refused (the link deleted meanwhile, ENOMEM, an LSM, a limit), so
// no run of two lines is safe, and a refusal in a write cannot be undone
// without up's journal (undoing is itself visible: events, DAD, routes
// flushed with an address).
type pipeAhead struct {
	s    *session
	b    *batchFile
	done map[int]error // the outcomes of lines run ahead, by index
	held []heldLine    // the lines of the run being made, reused
}

// maxRun bounds the lines held for one run (ExecuteAll splits it into
// writes by the socket's buffers).
const maxRun = 256

// pipelineBatches turns pipeAhead on; tests turn it off to compare with
// the serial path.
var pipelineBatches = true

// newPipeAhead returns the pipeline of a batch, or nil without -force.
func newPipeAhead(s *session, b *batchFile, force bool) *pipeAhead {
	if !force || !pipelineBatches {
		return nil
	}
	return &pipeAhead{s: s, b: b, done: map[int]error{}}
}

// pipeable reports whether a line of kind k may be held in a run.
func pipeable(k lineKind) bool {
	return k == kindAddr || k == kindRoute || k == kindLinkSet
}

// holds reports whether line i was sent ahead: its outcome is known (so
// a signal does not stop the batch before it).
func (p *pipeAhead) holds(i int) bool {
	if p == nil {
		return false
	}
	_, ok := p.done[i]
	return ok
}

// take returns the outcome of line i when it ran ahead, starting a run
// at i when it can: done is false when line i runs as usual.
func (p *pipeAhead) take(i int) (done bool, err error) {
	if p == nil {
		return false, nil
	}
	if err, ok := p.done[i]; ok {
		delete(p.done, i)
		return true, err
	}
	lines := p.b.lines
	if i+1 >= len(lines) || !pipeable(lines[i].kind) || !pipeable(lines[i+1].kind) || p.b.ns(i) != p.b.ns(i+1) {
		return false, nil
	}
	p.run(i)
	if err, ok := p.done[i]; ok {
		delete(p.done, i)
		return true, err
	}
	return false, nil
}

// heldLine is a line of a run: its parsed command, and the index of its
// request among the held ones (-1: it made none, and err is its outcome).
type heldLine struct {
	i    int
	l    line
	call int
	err  error
}

// run holds the lines of the run that starts at line i, sends their
// requests, and records each line's outcome in done.
func (p *pipeAhead) run(i int) {
	ns := p.b.ns(i)
	ref, err := nsfs.ParseKey(ns)
	if err != nil {
		return
	}
	if _, err := p.s.env(ns, p.b.opt(i)).nsHandle(); err != nil {
		return // its line says so in its place
	}
	conn, err := p.s.ps.Rtnl(ref)
	if err != nil {
		return
	}
	run := p.held[:0]
	defer func() { clear(run); p.held = run[:0] }()
	conn.Hold()
	for k := i; k < len(p.b.lines) && k < i+maxRun; k++ {
		if !pipeable(p.b.lines[k].kind) || p.b.ns(k) != ns {
			break
		}
		l, err := p.b.parse(k)
		if err != nil {
			break
		}
		n0, _ := conn.Held()
		err = l.cmd.run(p.s.env(l.ns, l.opt))
		n1, refused := conn.Held()
		if refused || n1-n0 > 1 || n1 > n0 && err != nil {
			conn.DropHeld(n0)
			break
		}
		h := heldLine{i: k, l: l, call: -1, err: err}
		if n1 > n0 {
			h.call = n0
		}
		run = append(run, h)
	}
	calls := conn.Release()
	if len(calls) > 0 {
		_ = conn.ExecuteAll(calls) // a local failure is each waiting call's Err
	}
	for _, h := range run {
		if h.call < 0 {
			p.done[h.i] = h.err
			continue
		}
		c := calls[h.call]
		switch {
		case errors.Is(c.Err, rtnl.ErrNotSent):
			return // this line and the ones after it run serially
		case c.Err == nil:
			p.done[h.i] = nil
		default:
			p.done[h.i] = conn.Replay(c, func() error { return h.l.cmd.run(p.s.env(h.l.ns, h.l.opt)) })
		}
	}
}
