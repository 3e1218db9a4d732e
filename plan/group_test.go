package plan

import (
	"context"
	"errors"
	"os"
	"reflect"
	"testing"
)

// grp is an add step of group "g"; ApplyGroup applies steps in order and
// stops at the first key in w.failGroup.
type grp struct{ add }

func (g grp) Group() string { return "g" }

func (g grp) ApplyGroup(ctx context.Context, s *Session, steps []Step) (int, error) {
	g.w.log = append(g.w.log, "group")
	for n, st := range steps {
		a := st.(grp)
		if err := g.w.failGroup[a.key]; err != nil {
			return n, err
		}
		if err := a.Apply(ctx, s); err != nil {
			return n, err
		}
	}
	return len(steps), nil
}

// neutral is a step the group may be applied across.
type neutral struct{ Step }

func (neutral) Neutral(g string) bool { return g == "g" }

func g(w *world, key, val string) grp { return grp{add{set{w: w, key: key, val: val}}} }

func count(log []string, s string) int {
	n := 0
	for _, l := range log {
		if l == s {
			n++
		}
	}
	return n
}

func TestUpGroupAppliedAheadAcrossNeutralSteps(t *testing.T) {
	w := newWorld()
	j := newJournal()
	steps := []Step{g(w, "a", "1"), neutral{set{w: w, key: "x", val: "1"}}, g(w, "b", "2"), neutral{set{w: w, key: "y", val: "1"}}, g(w, "c", "3"),
		set{w: w, key: "z", val: "1"}, g(w, "d", "4"), g(w, "e", "5")}
	if err := Up(context.Background(), NewSession(nil), steps, j); err != nil {
		t.Fatal(err)
	}
	want := []string{"group", "a=1", "b=2", "c=3", "x=1", "y=1", "z=1", "group", "d=4", "e=5"}
	var got []string
	for _, l := range w.log {
		if l == "group" || len(l) > 1 && l[1] == '=' {
			got = append(got, l)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	if len(j.undos()) != len(steps) {
		t.Fatalf("journal %v", j.undos())
	}
}

func TestUpGroupRolledBackWhenUpStopsBeforeItsSteps(t *testing.T) {
	w := newWorld()
	w.failSet["y"] = errors.New("refused")
	j := newJournal()
	steps := []Step{g(w, "a", "1"), neutral{set{w: w, key: "x", val: "1"}}, g(w, "b", "2"), neutral{set{w: w, key: "y", val: "1"}}, g(w, "c", "3")}
	err := Up(context.Background(), NewSession(nil), steps, j)
	var ue *UpError
	if !errors.As(err, &ue) || ue.Index != 3 || ue.RolledBack != 3 {
		t.Fatalf("want step 4 to fail after 3 steps: %v", err)
	}
	if len(w.v) != 0 || len(j.recs) != 0 {
		t.Fatalf("left %v, journal %v", w.v, j.recs)
	}
}

func TestUpGroupRefusedAppliesEachAlone(t *testing.T) {
	w := newWorld()
	w.v["c"] = "0" // step 5 fails alone, with its own error
	w.failGroup = map[string]error{"b": errors.New("refused as a group")}
	w.v["d"] = "4" // found applied: skipped
	steps := []Step{g(w, "a", "1"), neutral{set{w: w, key: "x", val: "1"}}, g(w, "b", "2"), g(w, "d", "4"), g(w, "c", "3")}
	err := Up(context.Background(), NewSession(nil), steps, newJournal())
	var ue *UpError
	if !errors.As(err, &ue) || ue.Index != 4 || !errors.Is(err, os.ErrExist) {
		t.Fatalf("want step 5 to fail alone: %v", err)
	}
	if want := map[string]string{"c": "0", "d": "4"}; !reflect.DeepEqual(w.v, want) {
		t.Fatalf("left %v", w.v)
	}
	if count(w.log, "b=2") != 1 || count(w.log, "group") != 1 {
		t.Fatalf("log %v", w.log)
	}
}

// UndoGroup deletes the keys of steps, stopping at one in w.failGroup.
func (g grp) UndoGroup(ctx context.Context, s *Session, steps []Step) (int, error) {
	g.w.log = append(g.w.log, "undo group")
	for n, st := range steps {
		a := st.(grp)
		if err := g.w.failGroup[a.key]; err != nil {
			return n, err
		}
		delete(g.w.v, a.key)
	}
	return len(steps), nil
}

func TestDownGroupUndoneTogether(t *testing.T) {
	w := newWorld()
	steps := []Step{set{w: w, key: "z", val: "1"}, g(w, "a", "1"), neutral{set{w: w, key: "x", val: "1"}}, g(w, "b", "2"), g(w, "c", "3"), g(w, "d", "4")}
	if err := Up(context.Background(), NewSession(nil), steps, nil); err != nil {
		t.Fatal(err)
	}
	w.v["c"] = "0" // not what c's step makes: not applied, left as it is
	w.failGroup = map[string]error{"a": errors.New("refused as a group")}
	w.log = nil
	var done []int
	if err := Down(context.Background(), NewSession(nil), steps, DownOptions{Done: func(i int) { done = append(done, i) }}); err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"c": "0"}; !reflect.DeepEqual(w.v, want) {
		t.Fatalf("left %v", w.v)
	}
	// d and b in one group (c skipped); a refused there, deleted alone.
	if count(w.log, "undo group") != 1 || !has(w.log, "a=") {
		t.Fatalf("log %v", w.log)
	}
	if !reflect.DeepEqual(done, []int{5, 3, 2, 1, 0}) {
		t.Fatalf("done %v", done)
	}
}
