package main

import (
	"github.com/nsnet/nsnet/nat"
)

// flushAhead runs a batch's `nat flush` line before the run of
// `netns del NAME` lines right before it, on its own socket, and closes
// that socket on another goroutine while the run goes on: closing an
// nf_tables socket after a commit waits for an RCU grace period, which
// then overlaps the unmounts instead of following them. The dump and the
// deletion run on the batch's goroutine before the first unmount, never
// beside the unmounts (docs/BENCHMARKS.md, "Stop 22", has the measurements
// behind both choices). The lines' outcomes stay as if each ran in its
// place:
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
	line int        // the flush's line, -1 when none ran ahead
	kept *nat.Saved // what the flush ahead deleted, until its line
}

func newFlushAhead(s *session, b *batchFile) *flushAhead {
	return &flushAhead{s: s, b: b, line: -1}
}

// start is called at line i before it runs: when i starts a run of
// `netns del NAME` lines followed by a `nat flush` of the batch's own
// namespace, the flush runs now.
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
	kept, err := conn.FlushSaved()
	go conn.Close() // waits for the grace period; the process's exit waits for it too
	if err == nil {
		f.line, f.kept = j, kept
	}
}

// isDelRun reports whether line i is one delRun takes.
func isDelRun(b *batchFile, i int) bool {
	_, ok := delName(b, i)
	return ok
}

// take reports whether line i is the flush that ran ahead (it is then
// done); any other line, or a flush that did not run ahead, runs in its
// place.
func (f *flushAhead) take(i int) bool {
	if i != f.line {
		return false
	}
	f.line, f.kept = -1, nil
	return true
}

// undo makes the table again when the batch stops before the line of a
// flush that ran ahead. A failure is reported: the table stays deleted.
func (f *flushAhead) undo() {
	if f.line < 0 {
		return
	}
	kept, e := f.kept, f.s.env(f.b.ns(f.line), f.b.opt(f.line))
	f.line, f.kept = -1, nil
	conn, err := e.nat()
	if err == nil {
		err = conn.Restore(kept)
	}
	if err != nil {
		e.warnf("nat flush ran ahead of a line not reached, and its table (%d rules) stays deleted: %v", kept.Rules(), err)
	}
}
