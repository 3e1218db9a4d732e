package procs

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"testing"
)

type shown struct {
	Procs       int      `json:"procs"`
	Single      bool     `json:"single"`
	Args        []string `json:"args"`
	Env         []string `json:"env"`
	Parallel    int      `json:"parallel"`
	SingleAfter bool     `json:"singleAfter"`
}

// build links testdata/show, with the entry point when entry is set.
func build(t *testing.T, entry bool) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "show")
	args := []string{"build", "-o", bin}
	if entry {
		args = append(args, "-ldflags=-E=github.com/nsnet/nsnet/internal/procs.entry")
	}
	cmd := exec.Command("go", append(args, "./testdata/show")...)
	cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func show(t *testing.T, bin string, env []string, args ...string) shown {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %q: %v", bin, args, err)
	}
	var s shown
	if err := json.Unmarshal(out, &s); err != nil {
		t.Fatalf("%s: %v in %q", bin, err, out)
	}
	return s
}

// TestEntry runs a program linked with the entry point and the same
// program linked without it: the entry point starts the process with one
// P unless GOMAXPROCS is set, the process sees exactly the arguments and
// the environment it was given, and Parallel brings back the P count the
// runtime chooses on its own.
func TestEntry(t *testing.T) {
	with, without := build(t, true), build(t, false)
	args := []string{"", "a=b", "GOMAXPROCS=7", "two words", "-n", "x"}
	base := []string{"PATH=/usr/bin:/bin", "gomaxprocs=5", "GOMAXPROCSX=6", "GOMAXPROC=4", "A="}

	def := show(t, without, base, args...)
	if def.Single || def.Parallel != def.Procs {
		t.Fatalf("without the entry point: %+v", def)
	}
	for _, env := range [][]string{base, {}, {"GOMAXPROCS"}} {
		got := show(t, with, env, args...)
		if got.Procs != 1 || !got.Single || got.SingleAfter {
			t.Errorf("env %q: GOMAXPROCS %d, Single %v then %v; want 1, true then false", env, got.Procs, got.Single, got.SingleAfter)
		}
		if got.Parallel != def.Procs {
			t.Errorf("env %q: after Parallel GOMAXPROCS %d, want the runtime's default %d", env, got.Parallel, def.Procs)
		}
		if !slices.Equal(got.Args, args) {
			t.Errorf("env %q: args %q, want %q", env, got.Args, args)
		}
		if len(got.Env) != len(env) || (len(env) > 0 && !reflect.DeepEqual(got.Env, env)) {
			t.Errorf("env %q: the process sees %q", env, got.Env)
		}
	}
	for _, set := range []string{"GOMAXPROCS=3", "GOMAXPROCS=", "GOMAXPROCS=x"} {
		env := append(slices.Clone(base), set)
		got := show(t, with, env, args...)
		want := show(t, without, env, args...)
		if got.Single || got.Procs != want.Procs || got.Parallel != want.Parallel {
			t.Errorf("%s: with the entry point %+v, without %+v", set, got, want)
		}
		if !reflect.DeepEqual(got.Env, env) || !slices.Equal(got.Args, args) {
			t.Errorf("%s: the process sees env %q, args %q", set, got.Env, got.Args)
		}
	}
	if runtime.NumCPU() < 2 {
		t.Logf("one CPU: the default GOMAXPROCS is 1 too, only the environment is checked")
	}
}
