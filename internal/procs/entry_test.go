//go:build amd64 || arm64

package procs

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
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

// build links testdata/show for goarch, with the entry point when entry
// is set.
func build(t *testing.T, goarch string, entry bool) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "show")
	args := []string{"build", "-o", bin}
	if entry {
		args = append(args, "-ldflags=-E=github.com/nsnet/nsnet/internal/procs.entry")
	}
	cmd := exec.Command("go", append(args, "./testdata/show")...)
	cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0", "GOARCH="+goarch)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// show runs bin, through the emulator emu when it is not empty.
func show(t *testing.T, emu, bin string, env []string, args ...string) shown {
	t.Helper()
	cmd := exec.Command(bin, args...)
	if emu != "" {
		cmd = exec.Command(emu, append([]string{bin}, args...)...)
	}
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
	testEntry(t, runtime.GOARCH, "")
}

// testEntry is TestEntry for goarch, run through the emulator emu when it
// is not empty. The program linked without the entry point is the
// reference for what the process is given: an emulator passes the
// environment on in its own way (qemu reverses it and drops entries
// without "="), and natively the reference must see exactly its input.
func testEntry(t *testing.T, goarch, emu string) {
	with, without := build(t, goarch, true), build(t, goarch, false)
	args := []string{"", "a=b", "GOMAXPROCS=7", "two words", "-n", "x"}
	base := []string{"PATH=/usr/bin:/bin", "gomaxprocs=5", "GOMAXPROCSX=6", "GOMAXPROC=4", "A="}
	run := func(env []string) (got, ref shown) {
		got, ref = show(t, emu, with, env, args...), show(t, emu, without, env, args...)
		if emu == "" && !slices.Equal(ref.Env, env) {
			t.Fatalf("env %q: the reference program sees %q", env, ref.Env)
		}
		if !slices.Equal(got.Env, ref.Env) || !slices.Equal(got.Args, args) || !slices.Equal(ref.Args, args) {
			t.Errorf("env %q: with the entry point env %q, args %q; without: env %q, args %q", env, got.Env, got.Args, ref.Env, ref.Args)
		}
		return got, ref
	}
	for _, env := range [][]string{base, {}, {"GOMAXPROCS"}} {
		got, ref := run(env)
		if ref.Single || ref.Parallel != ref.Procs {
			t.Fatalf("without the entry point: %+v", ref)
		}
		if got.Procs != 1 || !got.Single || got.SingleAfter {
			t.Errorf("env %q: GOMAXPROCS %d, Single %v then %v; want 1, true then false", env, got.Procs, got.Single, got.SingleAfter)
		}
		if got.Parallel != ref.Procs {
			t.Errorf("env %q: after Parallel GOMAXPROCS %d, want the runtime's default %d", env, got.Parallel, ref.Procs)
		}
	}
	for _, set := range []string{"GOMAXPROCS=3", "GOMAXPROCS=", "GOMAXPROCS=x"} {
		got, ref := run(append(slices.Clone(base), set))
		if got.Single || got.Procs != ref.Procs || got.Parallel != ref.Parallel {
			t.Errorf("%s: with the entry point %+v, without %+v", set, got, ref)
		}
	}
	if runtime.NumCPU() < 2 {
		t.Logf("one CPU: the default GOMAXPROCS is 1 too, only the environment is checked")
	}
}
