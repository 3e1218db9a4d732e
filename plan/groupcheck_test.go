package plan

import (
	"context"
	"errors"
	"reflect"
	"testing"
)

// gc is a group step that checks its group at once (GroupChecker): it
// logs "checkgroup N" and answers from the world, or fails with
// w.failGroup["check"].
type gc struct{ grp }

func (c gc) AppliedGroup(ctx context.Context, s *Session, steps []Step) ([]bool, error) {
	c.w.log = append(c.w.log, "checkgroup "+string(rune('0'+len(steps))))
	if err := c.w.failGroup["check"]; err != nil {
		return nil, err
	}
	out := make([]bool, len(steps))
	for i, st := range steps {
		out[i] = st.(gc).w.v[st.(gc).key] == st.(gc).val
	}
	return out, nil
}

func (c gc) ApplyGroup(ctx context.Context, s *Session, steps []Step) (int, error) {
	plain := make([]Step, len(steps))
	for i, st := range steps {
		plain[i] = st.(gc).grp
	}
	return c.grp.ApplyGroup(ctx, s, plain)
}

func gcs(w *world, key, val string) gc { return gc{g(w, key, val)} }

// TestUpGroupCheckedAtOnce: a GroupChecker's group is checked in one call,
// not step by step; what it reports applied is skipped.
func TestUpGroupCheckedAtOnce(t *testing.T) {
	w := newWorld()
	w.failGroup = map[string]error{}
	w.v["b"] = "2"
	steps := []Step{gcs(w, "a", "1"), neutral{set{w: w, key: "x", val: "1"}}, gcs(w, "b", "2"), gcs(w, "c", "3")}
	if err := Up(context.Background(), NewSession(nil), steps, newJournal()); err != nil {
		t.Fatal(err)
	}
	if count(w.log, "checkgroup 3") != 1 || count(w.log, "check a") != 0 || count(w.log, "check b") != 0 {
		t.Fatalf("log %v", w.log)
	}
	want := map[string]string{"a": "1", "b": "2", "c": "3", "x": "1"}
	if !reflect.DeepEqual(w.v, want) || count(w.log, "b=2") != 0 {
		t.Fatalf("world %v, log %v", w.v, w.log)
	}
}

// TestUpGroupCheckFailsEachAlone: a failed group check leaves each step
// to its own turn, where its own check runs.
func TestUpGroupCheckFailsEachAlone(t *testing.T) {
	w := newWorld()
	w.failGroup = map[string]error{"check": errors.New("no table")}
	steps := []Step{gcs(w, "a", "1"), gcs(w, "b", "2")}
	if err := Up(context.Background(), NewSession(nil), steps, newJournal()); err != nil {
		t.Fatal(err)
	}
	if count(w.log, "group") != 0 || count(w.log, "check a") != 1 || count(w.log, "check b") != 1 || w.v["b"] != "2" {
		t.Fatalf("log %v, world %v", w.log, w.v)
	}
}
