package plan

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
)

// world is a fake kernel state for engine tests: a set of keys with values.
type world struct {
	v map[string]string
	// failSet and failDel make setting or deleting a key fail.
	failSet, failDel map[string]error
	// failGroup makes a group step's ApplyGroup stop at a key.
	failGroup map[string]error
	log       []string
}

func newWorld() *world {
	return &world{v: map[string]string{}, failSet: map[string]error{}, failDel: map[string]error{}}
}

// set is a step: key=val (val "" deletes).
type set struct {
	w        *world
	key, val string
	// appliedErr and inverseErr make Applied or Inverse fail.
	appliedErr, inverseErr error
	noUndo                 bool
}

func (s set) Apply(ctx context.Context, _ *Session) error {
	if s.val == "" {
		if err := s.w.failDel[s.key]; err != nil {
			return err
		}
		if _, ok := s.w.v[s.key]; !ok {
			return fmt.Errorf("%s: %w", s.key, os.ErrNotExist)
		}
		delete(s.w.v, s.key)
	} else {
		if err := s.w.failSet[s.key]; err != nil {
			return err
		}
		s.w.v[s.key] = s.val
	}
	s.w.log = append(s.w.log, s.key+"="+s.val)
	return nil
}

func (s set) Applied(ctx context.Context, _ *Session) (bool, error) {
	if s.appliedErr != nil {
		return false, s.appliedErr
	}
	v, ok := s.w.v[s.key]
	if s.val == "" {
		return !ok, nil
	}
	return ok && v == s.val, nil
}

func (s set) Inverse(ctx context.Context, _ *Session) (Step, error) {
	if s.inverseErr != nil {
		return nil, s.inverseErr
	}
	if s.noUndo {
		return nil, nil
	}
	if s.w.v[s.key] == s.val {
		// Applied already (Down without a journal): undo by deleting.
		return set{w: s.w, key: s.key}, nil
	}
	return set{w: s.w, key: s.key, val: s.w.v[s.key]}, nil
}

// memJournal records what Up journals.
type memJournal struct {
	recs    map[int]Step
	by      map[int]int // id -> step index
	next    int
	failRec error
	failAt  int // Done of this id fails
}

func newJournal() *memJournal { return &memJournal{recs: map[int]Step{}, by: map[int]int{}} }

func (j *memJournal) Record(i int, undo Step) (int, error) {
	if j.failRec != nil {
		return 0, j.failRec
	}
	j.next++
	j.recs[j.next], j.by[j.next] = undo, i
	return j.next, nil
}

func (j *memJournal) Done(id int) error {
	if id != 0 && id == j.failAt {
		return errors.New("journal write failed")
	}
	delete(j.recs, id)
	return nil
}

func (j *memJournal) undos() map[int]Step {
	m := map[int]Step{}
	for id, u := range j.recs {
		m[j.by[id]] = u
	}
	return m
}

func plan3(w *world) []Step {
	return []Step{set{w: w, key: "a", val: "1"}, set{w: w, key: "b", val: "2"}, set{w: w, key: "c", val: "3"}}
}

func TestUpAppliesAndSkipsApplied(t *testing.T) {
	w := newWorld()
	w.v["b"] = "2"
	j := newJournal()
	s := NewSession(nil)
	if err := Up(context.Background(), s, plan3(w), j); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(w.log, []string{"a=1", "c=3"}) {
		t.Fatalf("ran %v (b was applied)", w.log)
	}
	if len(j.recs) != 2 {
		t.Fatalf("journal %v", j.recs)
	}
	// A second Up changes nothing.
	w.log = nil
	if err := Up(context.Background(), s, plan3(w), j); err != nil || w.log != nil {
		t.Fatalf("second up: %v, ran %v", err, w.log)
	}
	// Down with the journal: a and c are undone by their records, b (no
	// record: it was there before) from the state found.
	done := []int{}
	err := Down(context.Background(), s, plan3(w), DownOptions{
		Undo: func(i int) (Step, bool) { u, ok := j.undos()[i]; return u, ok },
		Done: func(i int) { done = append(done, i) },
	})
	if err != nil || len(w.v) != 0 || !reflect.DeepEqual(done, []int{2, 1, 0}) {
		t.Fatalf("down: %v, left %v, done %v", err, w.v, done)
	}
}

// TestUpRollsBackAtEveryStep: whichever step fails, what ran before it is
// undone in reverse order and the world is as it was.
func TestUpRollsBackAtEveryStep(t *testing.T) {
	for k := 0; k < 3; k++ {
		w := newWorld()
		w.v["b"] = "old"
		key := string(rune('a' + k))
		w.failSet[key] = errors.New("refused")
		j := newJournal()
		err := Up(context.Background(), NewSession(nil), plan3(w), j)
		var ue *UpError
		if !errors.As(err, &ue) || ue.Index != k || ue.RolledBack != k || len(ue.Failed) != 0 {
			t.Fatalf("fail at %d: %v", k, err)
		}
		if !reflect.DeepEqual(w.v, map[string]string{"b": "old"}) {
			t.Fatalf("fail at %d: left %v", k, w.v)
		}
		if len(j.recs) != 0 {
			t.Fatalf("fail at %d: journal keeps %v", k, j.recs)
		}
		if !strings.Contains(err.Error(), "refused") || !strings.Contains(err.Error(), fmt.Sprintf("rolled back %d", k)) {
			t.Errorf("message %q", err)
		}
	}
}

// TestUpFailedUndoKeepsJournal: an undo that fails during the rollback is
// reported and stays in the journal; Down then finishes it.
func TestUpFailedUndoKeepsJournal(t *testing.T) {
	w := newWorld()
	w.failSet["c"] = errors.New("refused")
	w.failDel["a"] = errors.New("busy")
	j := newJournal()
	s := NewSession(nil)
	err := Up(context.Background(), s, plan3(w), j)
	var ue *UpError
	if !errors.As(err, &ue) || len(ue.Failed) != 1 || ue.Failed[0].Index != 0 {
		t.Fatalf("up: %v", err)
	}
	if !strings.Contains(err.Error(), "the undo of step(s) 1 failed") {
		t.Errorf("message %q", err)
	}
	if _, ok := j.undos()[0]; !ok || len(j.recs) != 1 {
		t.Fatalf("journal %v", j.undos())
	}
	// Down with the record finishes it once the cause is gone.
	delete(w.failDel, "a")
	delete(w.failSet, "c")
	if err := Down(context.Background(), s, plan3(w), DownOptions{Undo: func(i int) (Step, bool) {
		u, ok := j.undos()[i]
		return u, ok
	}}); err != nil || len(w.v) != 0 {
		t.Fatalf("down: %v, left %v", err, w.v)
	}
}

func TestUpErrors(t *testing.T) {
	w := newWorld()
	boom := errors.New("boom")
	// Applied and Inverse failing stop Up and roll back.
	for _, st := range []Step{set{w: w, key: "x", val: "1", appliedErr: boom}, set{w: w, key: "x", val: "1", inverseErr: boom}} {
		err := Up(context.Background(), NewSession(nil), []Step{set{w: w, key: "a", val: "1"}, st}, nil)
		if !errors.Is(err, boom) || len(w.v) != 0 {
			t.Fatalf("%v, left %v", err, w.v)
		}
	}
	// A journal that cannot record stops Up before the step runs.
	j := newJournal()
	j.failRec = boom
	if err := Up(context.Background(), NewSession(nil), plan3(w), j); !errors.Is(err, boom) || len(w.v) != 0 {
		t.Fatalf("%v, left %v", err, w.v)
	}
	// A journal that cannot mark an undo done: the undo ran, but is
	// reported as not finished.
	j = newJournal()
	j.failAt = 1
	w.failSet["b"] = errors.New("refused")
	var ue *UpError
	if err := Up(context.Background(), NewSession(nil), plan3(w), j); !errors.As(err, &ue) || len(ue.Failed) != 1 {
		t.Fatalf("%v", err)
	}
	// A step without an undo is not journaled and not undone.
	w = newWorld()
	j = newJournal()
	w.failSet["b"] = errors.New("refused")
	steps := []Step{set{w: w, key: "a", val: "1", noUndo: true}, set{w: w, key: "b", val: "2"}}
	if err := Up(context.Background(), NewSession(nil), steps, j); err == nil || w.v["a"] != "1" || len(j.recs) != 0 {
		t.Fatalf("%v, %v, %v", err, w.v, j.recs)
	}
	// An undo finding its object gone counts as done.
	w = newWorld()
	w.failSet["b"] = errors.New("refused")
	gone := gonner{w: w}
	if err := Up(context.Background(), NewSession(nil), []Step{gone, set{w: w, key: "b", val: "2"}}, nil); !errors.As(err, &ue) || len(ue.Failed) != 0 {
		t.Fatalf("%v", err)
	}
}

// gonner applies fine; its undo finds nothing to undo.
type gonner struct{ w *world }

func (g gonner) Apply(context.Context, *Session) error           { return nil }
func (g gonner) Applied(context.Context, *Session) (bool, error) { return false, nil }
func (g gonner) Inverse(context.Context, *Session) (Step, error) {
	return set{w: g.w, key: "nothing"}, nil
}

// TestUpCancelled: a cancelled context stops Up before the next step and
// rolls back what it did.
func TestUpCancelled(t *testing.T) {
	w := newWorld()
	ctx, cancel := context.WithCancel(context.Background())
	steps := plan3(w)
	steps[1] = canceller{Step: steps[1], cancel: cancel}
	err := Up(ctx, NewSession(nil), steps, nil)
	var ue *UpError
	if !errors.As(err, &ue) || ue.Index != 2 || !errors.Is(err, context.Canceled) || len(w.v) != 0 {
		t.Fatalf("%v, left %v", err, w.v)
	}
	// Down stops too, before any undo.
	w.v["a"] = "1"
	var de *DownError
	if err := Down(ctx, NewSession(nil), plan3(w), DownOptions{}); !errors.As(err, &de) || de.Stopped != 2 || w.v["a"] != "1" ||
		!errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "step 3") {
		t.Fatalf("down: %v", err)
	}
}

// canceller cancels the context once its step applied.
type canceller struct {
	Step
	cancel func()
}

func (c canceller) Apply(ctx context.Context, s *Session) error {
	err := c.Step.Apply(ctx, s)
	c.cancel()
	return err
}

func TestDownReportsFailures(t *testing.T) {
	w := newWorld()
	w.v = map[string]string{"a": "1", "b": "2", "c": "3"}
	w.failDel["b"] = errors.New("busy")
	boom := errors.New("boom")
	steps := append(plan3(w), set{w: w, key: "d", val: "4"}, set{w: w, key: "e", val: "5", appliedErr: boom, inverseErr: boom})
	var reported []int
	err := Down(context.Background(), NewSession(nil), steps, DownOptions{Report: func(i int, err error) { reported = append(reported, i) }})
	var de *DownError
	if !errors.As(err, &de) || !reflect.DeepEqual(reported, []int{4, 1}) || de.Stopped != -1 {
		t.Fatalf("%v, reported %v", err, reported)
	}
	if !strings.Contains(err.Error(), "2 step(s) could not be undone: 5, 2") {
		t.Errorf("message %q", err)
	}
	if !reflect.DeepEqual(w.v, map[string]string{"b": "2"}) {
		t.Fatalf("left %v", w.v)
	}
	// Gone errors are not failures.
	gone := set{w: w, key: "z", val: "1", appliedErr: fmt.Errorf("x: %w", os.ErrNotExist)}
	if err := Down(context.Background(), NewSession(nil), []Step{gone}, DownOptions{}); err != nil {
		t.Fatal(err)
	}
	gone.appliedErr, gone.inverseErr = boom, fmt.Errorf("x: %w", os.ErrNotExist)
	if err := Down(context.Background(), NewSession(nil), []Step{gone}, DownOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestIndexesListsTen(t *testing.T) {
	var errs []StepError
	for i := range 12 {
		errs = append(errs, StepError{Index: i})
	}
	if got := indexes(errs); got != "1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 2 more" {
		t.Error(got)
	}
	if s := (StepError{Index: 0, Err: errors.New("x")}).Error(); s != "step 1: x" {
		t.Error(s)
	}
}
