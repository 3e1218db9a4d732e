package main

import (
	"errors"

	"github.com/nsnet/nsnet/nsfs"
)

// delWindow is how many `netns del` lines of a batch run at once.
const delWindow = 8

// delAhead runs a batch's consecutive `netns del NAME` lines several at
// once (nsfs.Deleter): each unmount waits for the kernel, and the waits
// overlap. Each line still has its outcome in its own place, in line
// order:
//   - only a run of consecutive `netns del NAME` lines (no -all, no -n)
//     goes ahead, up to delWindow lines past the running one, and a name
//     goes ahead only once its earlier line in the run has been reached
//     (`netns del a` twice: the second fails, as in order);
//   - RunDir's lock is held while the run's removals go on, and released
//     before any other line runs (a line run in its place takes it
//     itself);
//   - a name that is not a mounted namespace (a stale file, a link) is
//     not removed ahead: its line removes it in its place;
//   - when the batch stops before a line whose namespace was removed
//     ahead (a failing line without -force, a signal), stop names that
//     namespace again: it was kept open until its line was reached, so
//     it is the same namespace, with everything in it.
type delAhead struct {
	s       *session
	b       *batchFile
	d       *nsfs.Deleter
	pending map[int]<-chan nsfs.Deleted
	names   map[string]bool // names of pending lines
	order   []int
	next    int
}

func newDelAhead(s *session, b *batchFile) *delAhead {
	return &delAhead{s: s, b: b, pending: map[int]<-chan nsfs.Deleted{}, names: map[string]bool{}}
}

// delName returns the name of a `netns del NAME` line that can run ahead.
func delName(b *batchFile, i int) (string, bool) {
	name := b.nsName(i)
	if b.lines[i].kind != kindNetnsDel || b.ns(i) != "" || name == "" {
		return "", false
	}
	return name, true
}

// schedule is called before line i runs: when it is a `netns del`, it
// hands the Deleter the lines of its run that can go ahead.
func (a *delAhead) schedule(i int) {
	if _, ok := delName(a.b, i); !ok {
		return
	}
	a.next = max(a.next, i)
	for ; a.next < len(a.b.lines) && len(a.order) < delWindow; a.next++ {
		k := a.next
		name, ok := delName(a.b, k)
		if !ok || a.names[name] {
			return
		}
		if a.d == nil {
			d, err := nsfs.NewDeleter(delWindow)
			if err != nil {
				return // the line runs in its place and reports it
			}
			a.d = d
		}
		a.s.forget(name) // its sockets close before the namespace goes
		a.pending[k] = a.d.Delete(name)
		a.names[name] = true
		a.order = append(a.order, k)
	}
}

// take returns the outcome of line i when it went ahead: done is false
// when it did not, and the line runs as usual (the Deleter's lock is
// released first).
func (a *delAhead) take(i int) (done bool, err error) {
	ch, ok := a.pending[i]
	if !ok {
		a.close()
		return false, nil
	}
	delete(a.pending, i)
	a.order = a.order[1:]
	r := <-ch
	delete(a.names, r.Name)
	r.Release()
	if errors.Is(r.Err, nsfs.ErrNotAhead) {
		if a.d != nil {
			r.Err = a.d.DeleteNow(r.Name)
		} else {
			r.Err = nsfs.Delete(r.Name)
		}
	}
	if len(a.order) == 0 {
		a.close()
	}
	return true, netnsDelErr(r.Name, r.Err)
}

// close waits for the removals asked for and releases RunDir's lock; their
// outcomes stay pending until their lines take them.
func (a *delAhead) close() {
	if a.d != nil {
		a.d.Close()
		a.d = nil
	}
}

// stop ends the look-ahead. With undo, the namespaces removed ahead of
// lines the batch did not reach are named again.
func (a *delAhead) stop(undo bool) {
	for _, k := range a.order {
		r := <-a.pending[k]
		if undo && r.Err == nil {
			if err := r.Restore(); err != nil {
				a.s.env("", options{}).warnf("netns %s (deleted ahead of a line not reached) stays deleted: %v", r.Name, err)
			}
		}
		r.Release()
	}
	a.order, a.pending, a.names = nil, map[int]<-chan nsfs.Deleted{}, map[string]bool{}
	a.close()
}
