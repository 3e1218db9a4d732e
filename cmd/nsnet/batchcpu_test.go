package main

import (
	"errors"
	"io"
	"math/rand/v2"
	"reflect"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/nsnet/nsnet/plan"
)

// TestBatchParseAhead: a large file's lines, parsed again parseAhead at a
// time, are the lines the check parsed, whatever the order they are asked
// for in (forward as the batch runs, backward, at random, one alone as
// the nat groups ask), across the edges of the lines held.
func TestBatchParseAhead(t *testing.T) {
	p := benchFile(t, 40) // 362 lines: three parseAhead windows
	s := newSession(t.Context(), nil, io.Discard, io.Discard)
	b, err := readBatch(s, globals{ns: "g0", opt: options{json: true}}, p, false)
	if err != nil || b.cmds == nil {
		t.Fatalf("%v; commands kept: %v", err, b.cmds != nil)
	}
	n := len(b.lines)
	if n <= 2*parseAhead {
		t.Fatalf("%d lines: too few to cross the windows", n)
	}
	var order []int
	for i := range n {
		order = append(order, i)
	}
	for i := n - 1; i >= 0; i-- {
		order = append(order, i)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range n {
		order = append(order, r.IntN(n))
	}
	again := *b
	again.cmds = nil
	for k, i := range order {
		kept, err1 := b.parse(i)
		parse := again.parse
		if k%7 == 0 {
			parse = again.parseOne
		}
		got, err2 := parse(i)
		if err1 != nil || err2 != nil || !reflect.DeepEqual(kept, got) {
			t.Fatalf("line %d: kept %#v (%v), parsed again %#v (%v)", i+1, kept, err1, got, err2)
		}
		if len(again.ahead) > parseAhead {
			t.Fatalf("%d commands held, want at most %d", len(again.ahead), parseAhead)
		}
	}
}

// TestBatchParseAheadError: a line that does not parse when parsed again
// (none can, the file being checked; here its text is changed after the
// check) fails as parsing it alone fails, and the lines before it in the
// same window are still returned.
func TestBatchParseAheadError(t *testing.T) {
	p := benchFile(t, 3)
	s := newSession(t.Context(), nil, io.Discard, io.Discard)
	b, err := readBatch(s, globals{}, p, false)
	if err != nil {
		t.Fatal(err)
	}
	b.cmds = nil
	b.lines[2].text = "addr add nonsense dev h0"
	if _, err := b.parse(0); err != nil {
		t.Fatalf("line 1: %v", err)
	}
	if _, err := b.parse(1); err != nil {
		t.Fatalf("line 2: %v", err)
	}
	_, err = b.parse(2)
	_, want := parseLine(b.g, b.name, int(b.lines[2].num), b.lines[2].text)
	if err == nil || want == nil || err.Error() != want.Error() {
		t.Fatalf("line 3: %v, want %v", err, want)
	}
	if _, err := b.parse(3); err != nil {
		t.Fatalf("line 4, after the bad one: %v", err)
	}
}

// TestBatchStepNoErrorNoAlloc: a step that succeeds costs no allocation
// for the wording of the error it does not have.
func TestBatchStepNoErrorNoAlloc(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() {
		if stepErr(nil, "10.0.0.1/24 dev h0") != nil || noDevice(nil) {
			t.Fatal("an error from nil")
		}
	}); n != 0 {
		t.Errorf("%v allocations a step without error, want 0", n)
	}
	// And an error is still worded: a missing namespace as ip says it.
	err := stepErr(&plan.NSError{Err: errors.New("gone")}, "x")
	if err == nil {
		t.Fatal("an error lost")
	}
}

// TestBatchSpareP: the namespace look-ahead runs with one P more than the
// process had, and gives it back when it stops.
func TestBatchSpareP(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	s := newSession(t.Context(), nil, io.Discard, io.Discard)
	defer s.close()
	b, err := readBatch(s, globals{}, benchFile(t, 1), false)
	if err != nil {
		t.Fatal(err)
	}
	a := newNSAhead(s, b)
	if a == nil {
		t.Fatal("no look-ahead with two processors")
	}
	if got := runtime.GOMAXPROCS(0); got != 3 {
		t.Errorf("GOMAXPROCS %d while the look-ahead runs, want 3", got)
	}
	a.stop(false)
	if got := runtime.GOMAXPROCS(0); got != 2 {
		t.Errorf("GOMAXPROCS %d after the look-ahead, want 2", got)
	}
}

// TestBatchGCPercent: a batch runs with GOGC=200 under its memory limit,
// and both are given back after it; GOGC set by the user wins.
func TestBatchGCPercent(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	t.Setenv("GOMEMLIMIT", "")
	t.Setenv("GOGC", "")
	oldLimit := debug.SetMemoryLimit(-1)
	restore := limitMemory("netns add a\n")
	if got := debug.SetGCPercent(-1); got != batchGCPercent {
		t.Errorf("GOGC %d while the batch runs, want %d", got, batchGCPercent)
	}
	debug.SetGCPercent(batchGCPercent)
	if got := debug.SetMemoryLimit(-1); got != 20<<20 {
		t.Errorf("memory limit %d while the batch runs, want 20 MiB", got)
	}
	restore()
	if got := debug.SetGCPercent(-1); got != 100 {
		t.Errorf("GOGC %d after the batch, want 100 back", got)
	}
	debug.SetGCPercent(100)
	if got := debug.SetMemoryLimit(-1); got != oldLimit {
		t.Errorf("memory limit %d after the batch, want %d back", got, oldLimit)
	}

	t.Setenv("GOGC", "50")
	debug.SetGCPercent(50)
	restore = limitMemory("netns add a\n")
	if got := debug.SetGCPercent(-1); got != 50 {
		t.Errorf("GOGC %d with GOGC=50 set, want 50", got)
	}
	debug.SetGCPercent(50)
	restore()
}
