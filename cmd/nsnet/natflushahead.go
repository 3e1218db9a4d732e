package main

import (
	"github.com/nsnet/nsnet/nat"
)

// flushAhead runs a batch's `nat flush` line at the start of the run of
// `netns del NAME` lines right before it, on another goroutine, so that
// the kernel's release of the nf_tables socket, which waits for an RCU
// grace period after a commit (6 to 30 ms), overlaps the run's unmounts
// instead of following them. The lines' outcomes stay as if each ran in
// its place:
//   - only a flush of the batch's own namespace (no -n) right after a run
//     of `netns del NAME` lines (delRun's) runs ahead: deleting other
//     namespaces neither reads nor changes this namespace's nat table;
//   - the file is not traced (--trace and --trace-pcap keep the order of
//     the messages of the file);
//   - the flush ahead dumps the table at the generation it deletes it at
//     (nat.Conn.FlushSaved). When the batch stops before the flush's line
//     (a failing line without -force, a signal), undo makes the table
//     again from that dump in one transaction (nat.Conn.Restore): the same
//     chains, counters and rules, with new handles;
//   - a table FlushSaved cannot make again (nat.ErrUnkept), no table, or
//     any error: nothing was deleted ahead, and the line runs in its place
//     and reports its outcome there as usual.
type flushAhead struct {
	s    *session
	b    *batchFile
	line int // the flush's line, -1 when none runs ahead
	res  chan flushResult
	kept *nat.Saved // what the flush ahead deleted, until its line
	took bool       // the result was taken
}

type flushResult struct {
	kept *nat.Saved
	err  error
}

func newFlushAhead(s *session, b *batchFile) *flushAhead {
	return &flushAhead{s: s, b: b, line: -1}
}

// start is called at line i before it runs: when i starts a run of
// `netns del NAME` lines followed by a `nat flush` of the batch's own
// namespace, the flush starts on its own connection.
func (f *flushAhead) start(i int) {
	if f.line >= i || f.s.trace != nil || f.s.capture != nil {
		return
	}
	if !isDelRun(f.b, i) || (i > 0 && isDelRun(f.b, i-1)) {
		return // not the first line of a run
	}
	j := i
	for j < len(f.b.lines) && isDelRun(f.b, j) {
		j++
	}
	if j == len(f.b.lines) || f.b.lines[j].kind != kindNatFlush || f.b.ns(j) != "" {
		return
	}
	ref, err := f.s.env(f.b.ns(j), f.b.opt(j)).ref()
	if err != nil {
		return
	}
	conn, err := f.s.ps.DialNAT(ref, false)
	if err != nil {
		return // the line runs in its place and reports it
	}
	f.line, f.took = j, false
	f.res = make(chan flushResult, 1)
	go func() {
		kept, err := conn.FlushSaved()
		f.res <- flushResult{kept: kept, err: err}
		conn.Close() // waits for the grace period; the batch goes on
	}()
}

// isDelRun reports whether line i is one delRun takes.
func isDelRun(b *batchFile, i int) bool {
	_, ok := delName(b, i)
	return ok
}

// wait takes the flush's result once.
func (f *flushAhead) wait() {
	if f.line < 0 || f.took {
		return
	}
	r := <-f.res
	f.took = true
	if r.err == nil {
		f.kept = r.kept
	}
}

// take runs line i when it is the flush that ran ahead: done is false
// when it is not, or when nothing was deleted ahead (the line then runs in
// its place).
func (f *flushAhead) take(i int) (done bool) {
	if i != f.line {
		return false
	}
	f.wait()
	f.line = -1
	done = f.kept != nil
	f.kept = nil
	return done
}

// undo adds back what a flush ahead deleted when the batch stops before
// its line. A failure is reported: the objects not added back stay gone.
func (f *flushAhead) undo() {
	if f.line < 0 {
		return
	}
	f.wait()
	kept := f.kept
	e := f.s.env(f.b.ns(f.line), f.b.opt(f.line))
	f.line, f.kept = -1, nil
	if kept == nil {
		return
	}
	conn, err := e.nat()
	if err == nil {
		err = conn.Restore(kept)
	}
	if err != nil {
		e.warnf("nat flush ran ahead of a line not reached, and its table (%d rules) stays deleted: %v", kept.Rules(), err)
	}
}
