package plan

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// mk makes object path in a world (key path), and rm deletes it with
// everything under it (keys path/...): a namespace and what lives in it.
type mk struct {
	w    *world
	path string
}

func (m mk) Apply(ctx context.Context, _ *Session) error {
	if _, ok := m.w.v[m.path]; ok {
		return fmt.Errorf("%s: %w", m.path, os.ErrExist)
	}
	m.w.v[m.path] = "obj"
	m.w.log = append(m.w.log, "mk "+m.path)
	return nil
}

func (m mk) Applied(ctx context.Context, _ *Session) (bool, error) {
	m.w.log = append(m.w.log, "check "+m.path)
	_, ok := m.w.v[m.path]
	return ok, nil
}

func (m mk) Inverse(ctx context.Context, _ *Session) (Step, error) {
	m.w.log = append(m.w.log, "inverse "+m.path)
	return rm(m), nil
}

type rm mk

func (r rm) Apply(ctx context.Context, _ *Session) error {
	if _, ok := r.w.v[r.path]; !ok {
		return fmt.Errorf("%s: %w", r.path, os.ErrNotExist)
	}
	for k := range r.w.v {
		if k == r.path || strings.HasPrefix(k, r.path+"/") {
			delete(r.w.v, k)
		}
	}
	r.w.log = append(r.w.log, "rm "+r.path)
	return nil
}

func (r rm) Applied(ctx context.Context, s *Session) (bool, error) {
	ok, err := mk(r).Applied(ctx, s)
	return !ok, err
}

func (r rm) Inverse(ctx context.Context, _ *Session) (Step, error) { return mk(r), nil }

// add sets key=val and fails when the key is there (as a kernel's create).
type add struct{ set }

func (a add) Apply(ctx context.Context, s *Session) error {
	if _, ok := a.w.v[a.key]; ok {
		return fmt.Errorf("%s: %w", a.key, os.ErrExist)
	}
	return a.set.Apply(ctx, s)
}

func (a add) Applied(ctx context.Context, s *Session) (bool, error) {
	a.w.log = append(a.w.log, "check "+a.key)
	return a.set.Applied(ctx, s)
}

func (a add) Inverse(ctx context.Context, s *Session) (Step, error) {
	a.w.log = append(a.w.log, "inverse "+a.key)
	return set{w: a.w, key: a.key}, nil
}

// in gives a step its scope keys.
type in struct {
	Step
	in, creates string
}

func (s in) Scope() (string, string) { return s.in, s.creates }

// scopedPlan: namespace X, a setting inside, a link Y inside X (a veth
// end outside it would be path "Y"), a setting on Y, and a host setting.
func scopedPlan(w *world, y string) []Step {
	return []Step{
		in{Step: mk{w, "X"}, creates: "X"},
		in{Step: add{set{w: w, key: "X/a", val: "1"}}, in: "X"},
		in{Step: mk{w, y}, in: "X", creates: "Y"},
		in{Step: add{set{w: w, key: y + "/b", val: "2"}}, in: "Y"},
		add{set{w: w, key: "host", val: "3"}},
	}
}

func has(log []string, s string) bool {
	for _, l := range log {
		if l == s {
			return true
		}
	}
	return false
}

func TestUpInsideMadeObjectSkipsChecks(t *testing.T) {
	w := newWorld()
	j := newJournal()
	if err := Up(context.Background(), NewSession(nil), scopedPlan(w, "X/Y"), j); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"X": "obj", "X/a": "1", "X/Y": "obj", "X/Y/b": "2", "host": "3"}
	if !reflect.DeepEqual(w.v, want) {
		t.Fatalf("world %v, want %v", w.v, want)
	}
	for _, k := range []string{"check X/a", "inverse X/a", "check X/Y", "check X/Y/b", "inverse X/Y/b"} {
		if has(w.log, k) {
			t.Errorf("%q ran for a step inside an object this Up made: %v", k, w.log)
		}
	}
	for _, k := range []string{"check X", "inverse X", "inverse X/Y", "check host", "inverse host"} {
		if !has(w.log, k) {
			t.Errorf("%q did not run: %v", k, w.log)
		}
	}
	// Journaled: X, Y (an object made: Down must know), host; not the
	// settings inside.
	u := j.undos()
	if len(u) != 3 || u[0] == nil || u[2] == nil || u[4] == nil {
		t.Fatalf("journal: %v", u)
	}
}

func TestUpInsidePreExistingObjectIsChecked(t *testing.T) {
	w := newWorld()
	w.v["X"] = "obj" // there before: nothing inside it is new
	j := newJournal()
	if err := Up(context.Background(), NewSession(nil), scopedPlan(w, "X/Y"), j); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"check X/a", "inverse X/a", "check X/Y", "inverse X/Y"} {
		if !has(w.log, k) {
			t.Errorf("%q did not run inside an object Up did not make: %v", k, w.log)
		}
	}
	// Y was made by this run: what is inside it is not checked.
	if has(w.log, "check X/Y/b") {
		t.Errorf("Y/b checked: %v", w.log)
	}
	if u := j.undos(); len(u) != 3 || u[0] != nil || u[3] != nil {
		t.Fatalf("journal: %v", u)
	}
	// Down undoes each step of X by itself (X has no record: Down
	// deletes it as it finds it, as before), and Y with what is in it.
	if err := Down(context.Background(), NewSession(nil), scopedPlan(w, "X/Y"), DownOptions{Undo: memUndo(j), Done: func(int) {}}); err != nil {
		t.Fatal(err)
	}
	if len(w.v) != 0 {
		t.Fatalf("after down: %v", w.v)
	}
	if !has(w.log, "X/a=") || has(w.log, "X/Y/b=") {
		t.Fatalf("down: %v", w.log)
	}
}

// memUndo is DownOptions.Undo over a memJournal.
func memUndo(j *memJournal) func(int) (Step, bool) {
	return func(i int) (Step, bool) {
		u, ok := j.undos()[i]
		return u, ok
	}
}

func TestUpInsideStateAlreadyThereIsSkipped(t *testing.T) {
	w := newWorld()
	steps := []Step{
		in{Step: mk{w, "X"}, creates: "X"},
		in{Step: add{set{w: w, key: "X/a", val: "1"}}, in: "X"},
		in{Step: add{set{w: w, key: "X/a", val: "1"}}, in: "X"}, // made by the line before
		in{Step: add{set{w: w, key: "X/a", val: "2"}}, in: "X"}, // refused: not what is there
	}
	err := Up(context.Background(), NewSession(nil), steps[:3], newJournal())
	if err != nil {
		t.Fatalf("a step whose state an earlier step made must be skipped: %v", err)
	}
	w2 := newWorld()
	for i := range steps {
		switch s := steps[i].(in).Step.(type) {
		case mk:
			s.w = w2
			steps[i] = in{Step: s, in: steps[i].(in).in, creates: steps[i].(in).creates}
		case add:
			s.w = w2
			steps[i] = in{Step: s, in: steps[i].(in).in}
		}
	}
	err = Up(context.Background(), NewSession(nil), steps, newJournal())
	var ue *UpError
	if !errors.As(err, &ue) || ue.Index != 3 || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("want step 4 refused with its own error, got %v", err)
	}
	if len(w2.v) != 0 {
		t.Fatalf("rollback left %v", w2.v)
	}
}

func TestUpInsideRollsBackMadeObjects(t *testing.T) {
	w := newWorld()
	w.v["host"] = "0" // step 5 fails
	j := newJournal()
	err := Up(context.Background(), NewSession(nil), scopedPlan(w, "Y"), j)
	var ue *UpError
	if !errors.As(err, &ue) || ue.Index != 4 {
		t.Fatalf("want step 5 to fail: %v", err)
	}
	// Y (outside X, as a veth end in the host) is deleted by its own undo,
	// then X; the settings inside go with them.
	if want := map[string]string{"host": "0"}; !reflect.DeepEqual(w.v, want) {
		t.Fatalf("after rollback: %v", w.v)
	}
	if !has(w.log, "rm Y") || !has(w.log, "rm X") || len(j.recs) != 0 {
		t.Fatalf("rollback: %v, journal %v", w.log, j.recs)
	}
}

func TestDownLeavesInsideStepsToTheirObject(t *testing.T) {
	w := newWorld()
	j := newJournal()
	steps := scopedPlan(w, "X/Y")
	if err := Up(context.Background(), NewSession(nil), steps, j); err != nil {
		t.Fatal(err)
	}
	w.log = nil
	asked := map[int]int{}
	var done []int
	err := Down(context.Background(), NewSession(nil), steps, DownOptions{
		Undo: func(i int) (Step, bool) {
			asked[i]++
			u, ok := j.undos()[i]
			return u, ok
		},
		Done: func(i int) { done = append(done, i) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(w.v) != 0 {
		t.Fatalf("down left %v", w.v)
	}
	// Only X and the host setting are undone by themselves.
	for _, l := range w.log {
		if strings.HasPrefix(l, "rm ") && l != "rm X" || strings.HasPrefix(l, "X/") {
			t.Fatalf("undone by itself: %q in %v", l, w.log)
		}
	}
	for i := range steps {
		if asked[i] != 1 {
			t.Fatalf("Undo of step %d asked %d times", i, asked[i])
		}
	}
	// Y, made inside X, is done last: once it is gone.
	if !reflect.DeepEqual(done, []int{4, 3, 1, 0, 2}) {
		t.Fatalf("done %v", done)
	}
}

func TestDownWaitsForMadeObjectsOutside(t *testing.T) {
	defer func(d time.Duration) { LingerWait = d }(LingerWait)
	LingerWait = 20 * time.Millisecond
	w := newWorld()
	j := newJournal()
	steps := scopedPlan(w, "Y") // Y outlives X here: the wait ends in its own undo
	if err := Up(context.Background(), NewSession(nil), steps, j); err != nil {
		t.Fatal(err)
	}
	if err := Down(context.Background(), NewSession(nil), steps, DownOptions{Undo: memUndo(j)}); err != nil {
		t.Fatal(err)
	}
	if len(w.v) != 0 {
		t.Fatalf("down left %v", w.v)
	}
	if !has(w.log, "rm Y") {
		t.Fatalf("Y was not deleted after the wait: %v", w.log)
	}
}

func TestDownWithoutRecordOfTheObjectUndoesEachStep(t *testing.T) {
	w := newWorld()
	steps := scopedPlan(w, "X/Y")
	if err := Up(context.Background(), NewSession(nil), steps, nil); err != nil {
		t.Fatal(err)
	}
	w.log = nil
	if err := Down(context.Background(), NewSession(nil), steps, DownOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(w.v) != 0 || !has(w.log, "host=") || !has(w.log, "rm X") {
		t.Fatalf("down: %v, left %v", w.log, w.v)
	}
}
