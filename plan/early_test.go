package plan

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// early is a namespace made ahead: StartEarly makes it at once (the
// world is not concurrent) and logs "start PATH"; the wait logs "take
// PATH" and returns the outcome. j, when set, must hold the step's record
// when it starts.
type early struct {
	mk
	j *memJournal
}

func (e early) EarlyKey() string { return "e:" + e.path }

func (e early) StartEarly(ctx context.Context, s *Session) func() error {
	e.w.log = append(e.w.log, "start "+e.path)
	if e.j != nil {
		found := false
		for _, u := range e.j.recs {
			if r, ok := u.(rm); ok && r.path == e.path {
				found = true
			}
		}
		if !found {
			e.w.log = append(e.w.log, "UNJOURNALED "+e.path)
		}
	}
	err := e.w.failSet[e.path]
	if err == nil {
		err = e.mk.Apply(ctx, s)
	}
	return func() error {
		e.w.log = append(e.w.log, "take "+e.path)
		return err
	}
}

func (e early) Scope() (string, string) { return "", e.path }

// Neutral: making one namespace does not change what makes another.
func (e early) Neutral(g string) bool { return g != e.EarlyKey() }

// nx is a step neutral to every early key but those naming its key's
// first letter (as a line naming a namespace).
type nx struct{ set }

func (n nx) Neutral(g string) bool {
	name, ok := strings.CutPrefix(g, "e:")
	return ok && !strings.HasPrefix(n.key, name)
}

func mkE(w *world, j *memJournal, path string) early { return early{mk: mk{w, path}, j: j} }

// logOf keeps the entries of log that start with one of the prefixes.
func logOf(log []string, prefixes ...string) []string {
	var out []string
	for _, l := range log {
		for _, p := range prefixes {
			if strings.HasPrefix(l, p) {
				out = append(out, l)
				break
			}
		}
	}
	return out
}

func TestUpEarlyStartsAheadAcrossNeutralSteps(t *testing.T) {
	w := newWorld()
	j := newJournal()
	steps := []Step{
		mkE(w, j, "A"), nx{set{w: w, key: "A/x", val: "1"}}, mkE(w, j, "B"), nx{set{w: w, key: "B/y", val: "1"}},
		mkE(w, j, "C"), set{w: w, key: "z", val: "1"}, mkE(w, j, "D"), nx{set{w: w, key: "D/q", val: "1"}}, mkE(w, j, "E"),
	}
	if err := Up(context.Background(), NewSession(nil), steps, j); err != nil {
		t.Fatal(err)
	}
	// B and C start before A, the next step, runs (it and A/x are
	// neutral to them); D not before z (neutral to nothing), so in its
	// turn; E starts before it (D/q names D only).
	want := []string{"start B", "start C", "mk A", "A/x=1", "take B", "B/y=1", "take C", "z=1", "start E", "mk D", "D/q=1", "take E"}
	if got := logOf(w.log, "mk A", "mk D", "start", "take", "UNJOURNALED", "A/", "B/", "D/", "z="); !reflect.DeepEqual(got, want) {
		t.Fatalf("order %v\nwant  %v", got, want)
	}
	if len(j.undos()) != len(steps) {
		t.Fatalf("journal %v", j.undos())
	}
	for _, k := range []int{0, 2, 4, 6, 8} {
		if _, ok := j.undos()[k].(rm); !ok {
			t.Fatalf("no undo of step %d: %v", k, j.undos())
		}
	}
}

func TestUpEarlyWaitsForALineNamingIt(t *testing.T) {
	w := newWorld()
	steps := []Step{set{w: w, key: "h", val: "1"}, nx{set{w: w, key: "B/y", val: "1"}}, mkE(w, nil, "B")}
	if err := Up(context.Background(), NewSession(nil), steps, nil); err != nil {
		t.Fatal(err)
	}
	want := []string{"h=1", "B/y=1", "mk B"}
	if got := logOf(w.log, "start", "mk", "h=", "B/"); !reflect.DeepEqual(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
}

// TestUpEarlyRolledBackWhenStopped: a step fails after later namespaces
// were made ahead; they are deleted with the rest, and their records
// marked done.
func TestUpEarlyRolledBackWhenStopped(t *testing.T) {
	w := newWorld()
	j := newJournal()
	boom := errors.New("boom")
	w.failSet["A/x"] = boom
	steps := []Step{mkE(w, j, "A"), nx{set{w: w, key: "A/x", val: "1"}}, mkE(w, j, "B"), mkE(w, j, "C")}
	err := Up(context.Background(), NewSession(nil), steps, j)
	var ue *UpError
	if !errors.As(err, &ue) || ue.Index != 1 || !errors.Is(err, boom) || ue.RolledBack != 1 || len(ue.Failed) != 0 {
		t.Fatalf("%v", err)
	}
	if len(w.v) != 0 || len(j.recs) != 0 {
		t.Fatalf("left %v, journal %v", w.v, j.undos())
	}
	want := []string{"start B", "mk B", "start C", "mk C", "mk A", "take C", "rm C", "take B", "rm B", "rm A"}
	if got := logOf(w.log, "mk", "rm", "start", "take"); !reflect.DeepEqual(got, want) {
		t.Fatalf("order %v\nwant  %v", got, want)
	}
}

// TestUpEarlyFailureIsItsLine: a namespace made ahead that failed fails
// its own step, in its turn, after the steps before it ran.
func TestUpEarlyFailureIsItsLine(t *testing.T) {
	w := newWorld()
	j := newJournal()
	boom := errors.New("no room")
	w.failSet["B"] = boom
	steps := []Step{mkE(w, j, "A"), nx{set{w: w, key: "A/x", val: "1"}}, mkE(w, j, "B"), mkE(w, j, "C")}
	err := Up(context.Background(), NewSession(nil), steps, j)
	var ue *UpError
	if !errors.As(err, &ue) || ue.Index != 2 || !errors.Is(err, boom) || ue.RolledBack != 2 {
		t.Fatalf("%v", err)
	}
	if len(w.v) != 0 || len(j.recs) != 0 {
		t.Fatalf("left %v, journal %v", w.v, j.undos())
	}
	if !has(w.log, "A/x=1") || !has(w.log, "rm C") || has(w.log, "rm B") {
		t.Fatalf("log %v", w.log)
	}
}

// TestUpEarlyFoundAppliedIsSkipped: a namespace there before is not made
// ahead, and its step skips it in its turn; a rollback leaves it.
func TestUpEarlyFoundAppliedIsSkipped(t *testing.T) {
	w := newWorld()
	w.v["B"] = "obj"
	j := newJournal()
	boom := errors.New("boom")
	w.failSet["late"] = boom
	steps := []Step{mkE(w, j, "A"), mkE(w, j, "B"), set{w: w, key: "late", val: "1"}}
	err := Up(context.Background(), NewSession(nil), steps, j)
	if !errors.Is(err, boom) {
		t.Fatalf("%v", err)
	}
	if !reflect.DeepEqual(w.v, map[string]string{"B": "obj"}) || len(j.recs) != 0 || has(w.log, "start B") {
		t.Fatalf("left %v, journal %v, log %v", w.v, j.undos(), w.log)
	}
}

// TestUpEarlyCancelled: cancellation before the turn of a namespace made
// ahead deletes it.
func TestUpEarlyCancelled(t *testing.T) {
	w := newWorld()
	j := newJournal()
	ctx, cancel := context.WithCancel(context.Background())
	steps := []Step{mkE(w, j, "A"), canceller{Step: nx{set{w: w, key: "h", val: "1"}}, cancel: cancel}, nx{set{w: w, key: "i", val: "1"}}, mkE(w, j, "B")}
	// canceller hides nx's Neutral: B starts only once h ran, at i.
	steps[1] = neutralCanceller{canceller: steps[1].(canceller)}
	err := Up(ctx, NewSession(nil), steps, j)
	var ue *UpError
	if !errors.As(err, &ue) || ue.Index != 2 || !errors.Is(err, context.Canceled) {
		t.Fatalf("%v", err)
	}
	if len(w.v) != 0 || len(j.recs) != 0 || !has(w.log, "start B") || !has(w.log, "rm B") {
		t.Fatalf("left %v, journal %v, log %v", w.v, j.undos(), w.log)
	}
}

type neutralCanceller struct{ canceller }

func (n neutralCanceller) Neutral(g string) bool { return true }

// TestUpEarlyUndoFailureKeepsRecord: a namespace made ahead whose
// deletion fails in the rollback stays in the journal and in Failed.
func TestUpEarlyUndoFailureKeepsRecord(t *testing.T) {
	w := newWorld()
	j := newJournal()
	boom := errors.New("boom")
	w.failSet["A/x"] = boom
	w.failSet["stuck"] = boom
	steps := []Step{mkE(w, j, "A"), nx{set{w: w, key: "A/x", val: "1"}}, undoFails{mkE(w, j, "B")}}
	err := Up(context.Background(), NewSession(nil), steps, j)
	var ue *UpError
	if !errors.As(err, &ue) || len(ue.Failed) != 1 || ue.Failed[0].Index != 2 {
		t.Fatalf("%v", err)
	}
	if _, ok := j.undos()[2]; !ok || len(j.recs) != 1 {
		t.Fatalf("journal %v", j.undos())
	}
}

// undoFails is an early step whose undo fails.
type undoFails struct{ early }

func (u undoFails) Inverse(ctx context.Context, s *Session) (Step, error) {
	return set{w: u.w, key: "stuck", val: "x"}, nil
}
