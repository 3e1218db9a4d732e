package plan

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/nsnet/nsnet/nsfs"
)

// A Step is one change of kernel state. Steps are values: build them in
// Go, or let cmd/nsnet parse them from words.
type Step interface {
	// Apply makes the change.
	Apply(ctx context.Context, s *Session) error
	// Applied reports whether the state Apply would make is already
	// there, so that Up on an applied plan changes nothing.
	Applied(ctx context.Context, s *Session) (bool, error)
	// Inverse returns the step that undoes this one, computed from the
	// state found now, before Apply runs (the old value of a sysctl, the
	// old name of a link). A nil Step means there is nothing to undo.
	Inverse(ctx context.Context, s *Session) (Step, error)
}

// A Journal keeps the undos Up computes, so that a Down after a crash of
// the process running Up still knows the old state. Up records each undo
// before its step runs, and reports it done once it ran or once its step
// failed (leaving nothing to undo). package journal keeps them in a file;
// nil means no journal.
type Journal interface {
	// Record keeps undo, the inverse of steps[i], and returns an id for
	// Done (0 when it was not kept).
	Record(i int, undo Step) (id int, err error)
	// Done marks the undo recorded as id as run.
	Done(id int) error
}

// Gone reports whether err says that the object, or the namespace a step
// acts in, is not there: a step with nothing to undo. A stale RunDir entry
// (its mount gone) holds nothing to undo either.
func Gone(err error) bool {
	return errors.Is(err, os.ErrNotExist) || errors.Is(err, nsfs.ErrNotNamespace)
}

// StepError is the failure of one step, or of its undo.
type StepError struct {
	Index int // the step's index in the plan
	Err   error
}

func (e StepError) Error() string { return fmt.Sprintf("step %d: %v", e.Index+1, e.Err) }

// UpError is the failure of Up: the step that failed and what the rollback
// did. When Failed is not empty, the journal still holds those undos, and
// a Down finishes them.
type UpError struct {
	Index      int   // the step that failed (or the next one, when cancelled)
	Err        error // its error (the context's error on cancellation)
	RolledBack int   // how many steps this Up had applied and rolled back
	// Failed are the undos that failed during the rollback, by the index
	// of the step they undo.
	Failed []StepError
}

func (e *UpError) Error() string {
	msg := fmt.Sprintf("step %d: %v (rolled back %d step(s)", e.Index+1, e.Err, e.RolledBack)
	if len(e.Failed) > 0 {
		msg += "; the undo of step(s) " + indexes(e.Failed) + " failed"
	}
	return msg + ")"
}

// Unwrap returns the failed step's error.
func (e *UpError) Unwrap() error { return e.Err }

// indexes lists the steps of errs from 1, the first ten and a count.
func indexes(errs []StepError) string {
	var n []string
	for _, e := range errs {
		n = append(n, strconv.Itoa(e.Index+1))
	}
	if len(n) > 10 {
		return strings.Join(n[:10], ", ") + fmt.Sprintf(" and %d more", len(n)-10)
	}
	return strings.Join(n, ", ")
}

// Up applies steps in order as a unit. Steps already applied are skipped.
// Before each step runs, its inverse is computed and recorded in j. When a
// step fails, or ctx is cancelled before a step, what this Up applied is
// undone in reverse order and the error is an *UpError. Undos that fail
// stay recorded (not marked done) and are listed in UpError.Failed; an
// undo finding its object already gone counts as done.
func Up(ctx context.Context, s *Session, steps []Step, j Journal) error {
	type done struct {
		i   int
		inv Step
		id  int
	}
	var applied []done
	fail := func(i int, err error) error {
		ue := &UpError{Index: i, Err: err, RolledBack: len(applied)}
		for k := len(applied) - 1; k >= 0; k-- {
			d := applied[k]
			if d.inv == nil {
				continue
			}
			s.Begin()
			if err := d.inv.Apply(ctx, s); err != nil && !Gone(err) {
				ue.Failed = append(ue.Failed, StepError{Index: d.i, Err: err})
				continue
			}
			if j != nil {
				if err := j.Done(d.id); err != nil {
					ue.Failed = append(ue.Failed, StepError{Index: d.i, Err: err})
				}
			}
		}
		return ue
	}
	for i, st := range steps {
		if err := ctx.Err(); err != nil {
			return fail(i, err)
		}
		s.Begin()
		ok, err := st.Applied(ctx, s)
		if err != nil {
			return fail(i, err)
		}
		if ok {
			continue
		}
		inv, err := st.Inverse(ctx, s)
		if err != nil {
			return fail(i, err)
		}
		id := 0
		if j != nil && inv != nil {
			if id, err = j.Record(i, inv); err != nil {
				return fail(i, err)
			}
		}
		if err := st.Apply(ctx, s); err != nil {
			if j != nil && inv != nil {
				// The step did not happen: its record has nothing to undo.
				j.Done(id)
			}
			return fail(i, err)
		}
		applied = append(applied, done{i: i, inv: inv, id: id})
	}
	return nil
}

// DownOptions are what Down needs besides the steps; the zero value
// undoes every step from the state found now.
type DownOptions struct {
	// Undo returns the journaled undo of steps[i] (computed by Up before
	// the step ran), if there is one; without it Down undoes what is there
	// now.
	Undo func(i int) (Step, bool)
	// Done is called once steps[i] is undone (or had nothing to undo).
	Done func(i int)
	// Report, when not nil, is called with each step whose undo failed.
	Report func(i int, err error)
}

// DownError is the failure of Down: the undos that failed (each reported),
// and whether ctx stopped it before step Stopped (-1 if it did not).
type DownError struct {
	Failed  []StepError
	Stopped int
	Err     error // the context's error when stopped
}

func (e *DownError) Error() string {
	if e.Stopped >= 0 {
		return fmt.Sprintf("stopped before undoing step %d: %v", e.Stopped+1, e.Err)
	}
	return fmt.Sprintf("%d step(s) could not be undone: %s", len(e.Failed), indexes(e.Failed))
}

// Unwrap returns the context's error when Down was stopped.
func (e *DownError) Unwrap() error { return e.Err }

// Down undoes steps in reverse order and tolerates what is already gone:
// a step is undone by its journaled undo when opt.Undo has one, otherwise,
// when it is applied now, by its inverse computed now. Down goes on after
// a failed undo and returns a *DownError listing them; cancellation stops
// it before the next step (what is left stays in the journal).
func Down(ctx context.Context, s *Session, steps []Step, opt DownOptions) error {
	de := &DownError{Stopped: -1}
	failed := func(i int, err error) {
		de.Failed = append(de.Failed, StepError{Index: i, Err: err})
		if opt.Report != nil {
			opt.Report(i, err)
		}
	}
	for i := len(steps) - 1; i >= 0; i-- {
		if err := ctx.Err(); err != nil {
			de.Stopped, de.Err = i, err
			return de
		}
		s.Begin()
		st := steps[i]
		var inv Step
		journaled := false
		if opt.Undo != nil {
			inv, journaled = opt.Undo(i)
		}
		if !journaled {
			ok, err := st.Applied(ctx, s)
			if Gone(err) || err == nil && !ok {
				continue
			}
			if inv, err = st.Inverse(ctx, s); err != nil {
				if !Gone(err) {
					failed(i, err)
				}
				continue
			}
		}
		if inv != nil {
			if err := inv.Apply(ctx, s); err != nil && !Gone(err) {
				failed(i, err)
				continue
			}
		}
		if opt.Done != nil {
			opt.Done(i)
		}
	}
	if len(de.Failed) > 0 {
		return de
	}
	return nil
}

// MemoryJournal is a Journal kept in memory, for a program that runs Up
// and Down itself: pass it to Up, and its Undo to DownOptions, so that Down
// restores the state found before Up (a sysctl's old value) instead of
// undoing what it finds. The oldest undo of a step is kept: it holds the
// state before the first Up.
type MemoryJournal struct {
	undo map[int]memRecord // by step index
	ids  map[int]int       // record id -> step index
	next int
}

type memRecord struct {
	id   int
	step Step
}

// Record keeps undo as the undo of step i, unless one is kept already.
func (m *MemoryJournal) Record(i int, undo Step) (int, error) {
	if m.undo == nil {
		m.undo, m.ids = map[int]memRecord{}, map[int]int{}
	}
	if r, ok := m.undo[i]; ok {
		return r.id, nil
	}
	m.next++
	m.undo[i], m.ids[m.next] = memRecord{id: m.next, step: undo}, i
	return m.next, nil
}

// Done forgets the undo recorded as id.
func (m *MemoryJournal) Done(id int) error {
	if i, ok := m.ids[id]; ok {
		delete(m.undo, i)
		delete(m.ids, id)
	}
	return nil
}

// Undo returns the kept undo of step i (for DownOptions.Undo).
func (m *MemoryJournal) Undo(i int) (Step, bool) {
	r, ok := m.undo[i]
	return r.step, ok
}

// DownDone forgets the undo of step i once Down ran it (for
// DownOptions.Done).
func (m *MemoryJournal) DownDone(i int) {
	if r, ok := m.undo[i]; ok {
		m.Done(r.id)
	}
}

// Len is the number of undos kept.
func (m *MemoryJournal) Len() int { return len(m.undo) }
