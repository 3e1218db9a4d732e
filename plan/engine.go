package plan

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

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

// A Scoped step says what its undo depends on, so that Up and Down can
// skip the work that deleting a whole object does for them. Keys are
// opaque strings the caller chooses; Up and Down only match them.
//
// in is the key of an object that a step before this one creates (a
// namespace, a link) and whose deletion undoes this step entirely: an
// address, a route, a link or a link's settings inside a namespace die
// with it; a veth pair dies with either end's namespace. "" means the
// step's effect outlives every object of the plan (a nat rule in the
// host's table, a sysctl, a link moved to another namespace).
//
// creates is the key of the object this step creates ("" for none), the
// one later steps name as their in.
type Scoped interface {
	Scope() (in, creates string)
}

// A Grouped step can be applied ahead of its turn, together with the
// later steps of its group, in fewer requests (nat objects in one
// nf_tables transaction). Up groups the steps of a group up to the first
// step that is neither in the group nor Neutral to it.
type Grouped interface {
	// Group returns the key of the steps it can be applied with ("" for
	// none).
	Group() string
	// ApplyGroup applies steps (this one first, all of its group, in
	// plan order) and returns how many of them, from the first, were
	// applied; the others were not (err says why).
	ApplyGroup(ctx context.Context, s *Session, steps []Step) (int, error)
}

// A GroupChecker is a Grouped step that checks the steps of its group
// together: AppliedGroup reports for each of steps (this one first, all
// of its group) what its Applied would report, reading what they act on
// once (nat objects: one generation of the ruleset) instead of once each.
type GroupChecker interface {
	AppliedGroup(ctx context.Context, s *Session, steps []Step) ([]bool, error)
}

// A Neutral step neither sees nor changes what the steps of group act
// on, so that they can be applied before it with the same outcome.
type Neutral interface {
	Neutral(group string) bool
}

// A GroupUndoer is a Grouped step whose group Down can undo together:
// UndoGroup undoes steps (all of one group, each applied, in the order
// Down undoes them) as their inverses would, and returns how many of
// them, from the first, it undid; the others are undone one by one.
type GroupUndoer interface {
	UndoGroup(ctx context.Context, s *Session, steps []Step) (int, error)
}

// An Early step can be started ahead of its turn, while the steps before
// it run: Up starts the work of Apply (making a namespace: an unshare and
// a bind mount, on a thread of their own) a few steps ahead, so that it
// overlaps the netlink work of the steps before it on another processor.
//
// Up starts step k early, while step i is next, only when every step from
// i to k-1 is Neutral to k's EarlyKey (it neither sees nor changes what k
// makes, so that k's check gives the same answer then as in its turn), k
// is not inside an object (Scoped in is ""), and k's check says it is not
// applied. It records k's undo in the journal before it starts k, as it
// does before any Apply, so a crash at any point leaves the record of
// everything started; at k's turn it takes the outcome there, in order
// (an error is k's, and rolls back as in k's turn). When Up stops before
// k's turn (a failing step, cancellation), it waits for k's outcome and
// undoes it if k was applied. Up keeps at most EarlyMax steps started
// ahead, and looks at most earlyScan steps ahead.
type Early interface {
	// EarlyKey returns the key the steps before it must be Neutral to
	// ("" when it cannot start ahead).
	EarlyKey() string
	// StartEarly starts the work of Apply and returns what waits for
	// its outcome (Apply's error), called once, on Up's goroutine.
	StartEarly(ctx context.Context, s *Session) (wait func() error)
}

// EarlyMax is how many Early steps Up keeps started ahead of their turn.
const EarlyMax = 4

// earlyScan bounds how far ahead of the next step Up looks for an Early
// step.
const earlyScan = 64

// earlyRun is an Early step started ahead: its undo, record and outcome.
type earlyRun struct {
	wait func() error
	inv  Step
	id   int
}

// upEarly starts the Early steps after steps[i] that can start now (see
// Early), from *next on; *next is left at the first step it has not
// looked at for good.
func upEarly(ctx context.Context, s *Session, steps []Step, i int, j Journal, early map[int]earlyRun, next *int) {
	*next = max(*next, i+1)
	for ; *next < len(steps) && *next < i+1+earlyScan && len(early) < EarlyMax; *next++ {
		k := *next
		e, ok := steps[k].(Early)
		if !ok {
			continue
		}
		key := e.EarlyKey()
		if in, _ := scopeOf(steps[k]); key == "" || in != "" {
			continue
		}
		for m := i; m < k; m++ {
			if n, ok := steps[m].(Neutral); !ok || !n.Neutral(key) {
				return // try again once steps[m] has run
			}
		}
		s.Begin()
		if ok, err := steps[k].Applied(ctx, s); err != nil || ok {
			continue // its turn checks again, and reports or skips it
		}
		inv, err := steps[k].Inverse(ctx, s)
		if err != nil {
			continue
		}
		id := 0
		if j != nil && inv != nil {
			if id, err = j.Record(k, inv); err != nil {
				continue
			}
		}
		early[k] = earlyRun{wait: e.StartEarly(ctx, s), inv: inv, id: id}
	}
}

// pick returns the steps at indices idx, in that order.
func pick(steps []Step, idx []int) []Step {
	out := make([]Step, len(idx))
	for n, k := range idx {
		out[n] = steps[k]
	}
	return out
}

// groupOf returns st's group key, "" when it has none.
func groupOf(st Step) string {
	if g, ok := st.(Grouped); ok {
		return g.Group()
	}
	return ""
}

// scopeOf returns st's scope keys, "" when it has none.
func scopeOf(st Step) (in, creates string) {
	if sc, ok := st.(Scoped); ok {
		return sc.Scope()
	}
	return "", ""
}

// Up applies steps in order as a unit. Steps already applied are skipped.
// Before each step runs, its inverse is computed and recorded in j. When a
// step fails, or ctx is cancelled before a step, what this Up applied is
// undone in reverse order and the error is an *UpError. Undos that fail
// stay recorded (not marked done) and are listed in UpError.Failed; an
// undo finding its object already gone counts as done.
//
// A step inside an object this Up created (Scoped: its in was created by
// an earlier step of this very run, not found there) cannot have been
// there before, and deleting that object undoes it: Up applies it without
// asking first whether it is applied, computes no inverse for it and
// journals nothing for it (the object's own record covers it), except
// for a step that creates an object itself, whose undo is journaled so
// that Down knows the object was made. When such a step fails, Up asks
// then whether its state is there (made by an earlier step, such as a
// route the kernel adds with an address), and skips it if so, as it would
// have skipped it before: the outcome of every step is today's.
//
// The steps of a group (Grouped, not inside an object) are checked,
// journaled and applied together at the first of them, when the steps
// between are Neutral to the group; each still counts in its own place.
// When the group is refused, its steps are applied one by one in their
// places, each with its own error. When Up stops before steps applied
// ahead of their turn, it undoes them first.
func Up(ctx context.Context, s *Session, steps []Step, j Journal) error {
	type done = upDone
	var applied []done
	// ahead holds the steps applied ahead of their turn with their
	// group, skip those found applied then, solo those to apply alone.
	ahead := map[int]done{}
	skip, solo := map[int]bool{}, map[int]bool{}
	early := map[int]earlyRun{}
	earlyNext := 0
	fail := func(i int, err error) error {
		ue := &UpError{Index: i, Err: err, RolledBack: len(applied)}
		// undo applies step k's inverse (when it has one) and marks its
		// journal record done; a failure leaves the record for Down.
		undo := func(k int, inv Step, id int) {
			if inv != nil {
				s.Begin()
				if err := inv.Apply(ctx, s); err != nil && !Gone(err) {
					ue.Failed = append(ue.Failed, StepError{Index: k, Err: err})
					return
				}
			}
			if j != nil && id != 0 {
				if err := j.Done(id); err != nil {
					ue.Failed = append(ue.Failed, StepError{Index: k, Err: err})
				}
			}
		}
		// The steps started ahead of turns not reached: their outcome is
		// taken, and what they made undone, latest first.
		started := slices.Sorted(maps.Keys(early))
		for k := len(started) - 1; k >= 0; k-- {
			r := early[started[k]]
			delete(early, started[k])
			s.Begin()
			inv := r.inv
			if r.wait() != nil {
				inv = nil // it made nothing: only its record goes
			}
			undo(started[k], inv, r.id)
		}
		later := slices.Sorted(maps.Keys(ahead))
		for k := len(later) - 1; k >= 0; k-- {
			if d := ahead[later[k]]; d.inv != nil {
				undo(d.i, d.inv, d.id)
			}
		}
		// A made object is deleted by its own undo even inside another:
		// once Up returns, nothing of it may be left, and the kernel
		// deletes what a namespace held only some time after the
		// namespace is removed. A step inside an object with no inverse
		// only has its record marked done.
		for k := len(applied) - 1; k >= 0; k-- {
			if d := applied[k]; d.inv != nil || d.id != 0 {
				undo(d.i, d.inv, d.id)
			}
		}
		return ue
	}
	// made holds the objects this run created (Scoped creates keys).
	made := map[string]bool{}
	for i, st := range steps {
		if err := ctx.Err(); err != nil {
			return fail(i, err)
		}
		s.Begin()
		if d, ok := ahead[i]; ok {
			delete(ahead, i)
			applied = append(applied, d)
			continue
		}
		if skip[i] {
			continue
		}
		in, creates := scopeOf(st)
		if r, ok := early[i]; ok {
			// Started ahead: its outcome is this step's.
			delete(early, i)
			if err := r.wait(); err != nil {
				if j != nil && r.id != 0 {
					j.Done(r.id) // it did not happen: nothing to undo
				}
				return fail(i, err)
			}
			applied = append(applied, done{i: i, inv: r.inv, id: r.id})
			if creates != "" {
				made[creates] = true
			}
			continue
		}
		upEarly(ctx, s, steps, i, j, early, &earlyNext)
		s.Begin()
		if g := groupOf(st); g != "" && in == "" && !solo[i] {
			upGroup(ctx, s, steps, i, g, j, ahead, skip, solo)
			if d, ok := ahead[i]; ok {
				delete(ahead, i)
				applied = append(applied, d)
				continue
			}
			if skip[i] {
				continue
			}
		}
		if in != "" && made[in] {
			id := 0
			var inv Step
			if creates != "" {
				var err error
				if inv, err = st.Inverse(ctx, s); err != nil {
					return fail(i, err)
				}
				if j != nil && inv != nil {
					if id, err = j.Record(i, inv); err != nil {
						return fail(i, err)
					}
				}
			}
			if err := st.Apply(ctx, s); err != nil {
				if id != 0 {
					j.Done(id)
				}
				s.Begin()
				if ok, aerr := st.Applied(ctx, s); aerr == nil && ok {
					continue // there before this step: skipped, as by the check
				}
				return fail(i, err)
			}
			applied = append(applied, done{i: i, inv: inv, id: id})
			if creates != "" {
				made[creates] = true
			}
			continue
		}
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
		if creates != "" {
			made[creates] = true
		}
	}
	return nil
}

// upDone is a step Up applied, with what undoes it.
type upDone struct {
	i   int
	inv Step
	id  int // its journal record, 0 for none
}

// upGroup applies the group g that starts at steps[i] ahead of the
// later steps' turns (see Up): it checks each, records the undos of those
// not applied, and applies them together. What it applied goes to ahead,
// what it found applied to skip; what the kernel refused goes to solo, to
// be applied one by one in its place. A check or an inverse that fails
// leaves the whole group to its places, where it reports the failure; so
// does a group of one step.
func upGroup(ctx context.Context, s *Session, steps []Step, i int, g string, j Journal, ahead map[int]upDone, skip, solo map[int]bool) {
	members := []int{i}
	for k := i + 1; k < len(steps); k++ {
		st := steps[k]
		if groupOf(st) == g {
			if in, _ := scopeOf(st); in != "" || solo[k] {
				break
			}
			members = append(members, k)
			continue
		}
		if n, ok := st.(Neutral); !ok || !n.Neutral(g) {
			break
		}
	}
	alone := func() {
		for _, k := range members {
			solo[k] = true
		}
	}
	if len(members) < 2 {
		solo[i] = true
		return
	}
	var todo, there []int
	var checked []bool
	if gc, ok := steps[i].(GroupChecker); ok {
		s.Begin()
		res, err := gc.AppliedGroup(ctx, s, pick(steps, members))
		if err != nil || len(res) != len(members) {
			alone()
			return
		}
		checked = res
	}
	for n, k := range members {
		ok := checked != nil && checked[n]
		if checked == nil {
			s.Begin()
			var err error
			if ok, err = steps[k].Applied(ctx, s); err != nil {
				alone()
				return
			}
		}
		if ok {
			there = append(there, k)
		} else {
			todo = append(todo, k)
		}
	}
	recs := make([]upDone, len(todo))
	for n, k := range todo {
		inv, err := steps[k].Inverse(ctx, s)
		id := 0
		if err == nil && j != nil && inv != nil {
			id, err = j.Record(k, inv)
		}
		if err != nil {
			for _, d := range recs[:n] {
				if d.id != 0 {
					j.Done(d.id)
				}
			}
			alone()
			return
		}
		recs[n] = upDone{i: k, inv: inv, id: id}
	}
	for _, k := range there {
		skip[k] = true
	}
	if len(todo) == 0 {
		return
	}
	s.Begin()
	// The steps not applied are applied alone in their places, where each
	// reports its own error.
	applied, _ := steps[todo[0]].(Grouped).ApplyGroup(ctx, s, pick(steps, todo))
	for n, k := range todo {
		if n < applied {
			ahead[k] = recs[n]
			continue
		}
		if recs[n].id != 0 {
			j.Done(recs[n].id)
		}
		solo[k] = true
	}
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
//
// A step inside an object (Scoped) whose creating step has a journaled
// undo is not undone by itself: deleting the object, which the creating
// step's undo does later (it comes first in the plan), undoes it. Its own
// records, if any, are still handed to opt.Undo (to be checked) and
// reported done. Without opt.Undo, every step is undone by itself.
//
// The steps of a group (GroupUndoer) are undone together at the last of
// them, when the steps between are Neutral to the group; what the group
// could not undo is undone one by one in its turn.
func Down(ctx context.Context, s *Session, steps []Step, opt DownOptions) error {
	de := &DownError{Stopped: -1}
	failed := func(i int, err error) {
		de.Failed = append(de.Failed, StepError{Index: i, Err: err})
		if opt.Report != nil {
			opt.Report(i, err)
		}
	}
	// Which objects a journaled step made, and so which steps their
	// deletion undoes. A creating step's undo is asked for once, here.
	type undo struct {
		inv Step
		ok  bool
	}
	asked := map[int]undo{}
	inside := make([]bool, len(steps))
	if opt.Undo != nil {
		made := map[string]bool{}
		for i, st := range steps {
			in, creates := scopeOf(st)
			inside[i] = in != "" && made[in]
			if creates != "" {
				inv, ok := opt.Undo(i)
				asked[i] = undo{inv, ok}
				made[creates] = ok
			}
		}
	}
	// undoOf asks opt.Undo for the journaled undo of step i, once.
	undoOf := func(i int) (Step, bool) {
		u, ok := asked[i]
		if !ok {
			if opt.Undo != nil {
				u.inv, u.ok = opt.Undo(i)
			}
			asked[i] = u
		}
		return u.inv, u.ok
	}
	// grouped are the steps undone with their group ahead of their turn,
	// none those of a group found not applied, solo those to undo alone.
	grouped, none, solo := map[int]bool{}, map[int]bool{}, map[int]bool{}
	downGroup := func(i int, g string, gu GroupUndoer) {
		members := []int{i}
		for k := i - 1; k >= 0; k-- {
			if groupOf(steps[k]) == g {
				if inside[k] || solo[k] {
					break
				}
				members = append(members, k)
				continue
			}
			if n, ok := steps[k].(Neutral); !ok || !n.Neutral(g) {
				break
			}
		}
		if len(members) < 2 {
			solo[i] = true
			return
		}
		var todo, absent []int
		for _, k := range members {
			if _, journaled := undoOf(k); journaled {
				todo = append(todo, k)
				continue
			}
			s.Begin()
			ok, err := steps[k].Applied(ctx, s)
			switch {
			case Gone(err) || err == nil && !ok:
				absent = append(absent, k)
			case err != nil:
				for _, m := range members {
					solo[m] = true // each reports its error in its turn
				}
				return
			default:
				todo = append(todo, k)
			}
		}
		for _, k := range absent {
			none[k] = true
		}
		if len(todo) == 0 {
			return
		}
		s.Begin()
		n, _ := gu.UndoGroup(ctx, s, pick(steps, todo))
		for m, k := range todo {
			if m >= n {
				solo[k] = true // undone alone in its turn, with its own error
				continue
			}
			grouped[k] = true
			if opt.Done != nil {
				opt.Done(k)
			}
		}
	}
	// linger are the made objects left to the deletion of the object
	// they are in: Down waits for them to be gone.
	var linger []int
	for i := len(steps) - 1; i >= 0; i-- {
		if err := ctx.Err(); err != nil {
			de.Stopped, de.Err = i, err
			return de
		}
		s.Begin()
		st := steps[i]
		if g := groupOf(st); g != "" && !inside[i] && !grouped[i] && !none[i] && !solo[i] {
			if gu, ok := st.(GroupUndoer); ok {
				downGroup(i, g, gu)
			}
		}
		if grouped[i] || none[i] {
			continue
		}
		inv, journaled := undoOf(i)
		if inside[i] {
			if _, creates := scopeOf(st); creates != "" {
				// Done once it is gone: a Down killed before that
				// finds its record, and deletes it by its own undo.
				linger = append(linger, i)
				continue
			}
			if opt.Done != nil {
				opt.Done(i)
			}
			continue
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
	for k := len(linger) - 1; k >= 0; k-- {
		i := linger[k]
		if err := awaitGone(ctx, s, steps[i], asked[i].inv); err != nil && !Gone(err) {
			failed(i, err)
			continue
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

// LingerWait bounds how long Down waits for an object made inside a
// deleted one (a veth whose peer was in a deleted namespace) to be gone
// before it deletes it by its own undo.
var LingerWait = 10 * time.Second

// awaitGone waits until made object st is not there any more (Applied
// false): the kernel deletes a namespace's links, and the other end of
// their veth pairs, only after the namespace is removed, on a work
// queue of its own. One still there after LingerWait (cancellation
// included) is deleted by undo.
func awaitGone(ctx context.Context, s *Session, st, undo Step) error {
	deadline := time.Now().Add(LingerWait)
	for wait := 100 * time.Microsecond; ; wait = min(2*wait, 10*time.Millisecond) {
		s.Begin()
		ok, err := st.Applied(ctx, s)
		if err != nil || !ok {
			return nil
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(wait)
	}
	if undo == nil {
		return nil
	}
	s.Begin()
	return undo.Apply(ctx, s)
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
