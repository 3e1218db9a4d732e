package main

import (
	"github.com/nsnet/nsnet/nsfs"
)

// delRun runs a batch's consecutive `netns del NAME` lines under one hold
// of RunDir's lock (nsfs.Deleter), each in its place, in line order: the
// kernel's cost is one unmount and one unlink per line, and the lock and
// the check of RunDir are paid once per run of lines. The lock is released
// before any other line runs (a line run in its place takes it itself).
// Lines with -n, `netns del -all` and any line the Deleter cannot take run
// as usual.
type delRun struct {
	s *session
	b *batchFile
	d *nsfs.Deleter
}

func newDelRun(s *session, b *batchFile) *delRun {
	return &delRun{s: s, b: b}
}

// delName returns the name of a `netns del NAME` line a run can take.
func delName(b *batchFile, i int) (string, bool) {
	name := b.nsName(i)
	if b.lines[i].kind != kindNetnsDel || b.ns(i) != "" || name == "" {
		return "", false
	}
	return name, true
}

// take runs line i when it is a `netns del NAME` line: done is false when
// it is not, and the line runs as usual (the run's lock is released
// first).
func (r *delRun) take(i int) (done bool, err error) {
	name, ok := delName(r.b, i)
	if !ok {
		r.close()
		return false, nil
	}
	if r.d == nil {
		d, err := nsfs.NewDeleter()
		if err != nil {
			return false, nil // the line runs in its place and reports it
		}
		r.d = d
	}
	r.s.forget(name) // its sockets close before the namespace goes
	return true, netnsDelErr(name, r.d.Delete(name))
}

// close releases RunDir's lock.
func (r *delRun) close() {
	if r.d != nil {
		r.d.Close()
		r.d = nil
	}
}
