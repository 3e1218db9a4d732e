// Package procs starts the nsnet binary with one P (GOMAXPROCS=1) and
// gives the P back to the commands that run work on two threads.
//
// Most nsnet processes run one command and exit within about 2 ms. The Go
// runtime sizes its P count from the CPUs before any Go code runs, and with
// a second P idle every goroutine the runtime starts during its own
// start-up (the sweeper, the scavenger) or that a command hands work to
// wakes another thread to look for work. On the 2-CPU bench VM that is one
// or two threads more, twice the context switches and about a quarter more
// CPU per process than the same process with GOMAXPROCS=1 (see "Issue 12:
// one P at start" in docs/BENCHMARKS.md).
//
// The runtime reads GOMAXPROCS from the environment only, before any
// package's initialisation, so the one place to set it is the ELF entry
// point. A binary linked with
//
//	-ldflags '-E github.com/nsnet/nsnet/internal/procs.entry'
//
// (the Makefile's build, on amd64 and arm64) starts at entry, which adds
// GOMAXPROCS=1 to the process's environment unless the environment already
// sets GOMAXPROCS, then jumps to the runtime's own entry point. This
// package's initialisation takes the added variable out of the environment
// again, so that nothing nsnet starts (netns exec) inherits it, and
// Parallel restores the runtime's default for the commands that overlap
// work on two threads (-batch, up, down).
//
// A binary linked without -E (go build, go install, tests) starts as any
// Go program does: Single reports false and Parallel does nothing.
package procs

import (
	"os"
	"runtime"
)

func init() {
	if inserted != 0 {
		os.Unsetenv("GOMAXPROCS")
	}
}

// Single reports whether the entry point started the process with
// GOMAXPROCS=1 and Parallel has not run since.
func Single() bool { return inserted != 0 && !parallel }

// parallel is set by Parallel.
var parallel bool

// Parallel gives the process the GOMAXPROCS the runtime would have chosen
// itself (the CPUs it may run on, within a cgroup's CPU limit) when the
// entry point lowered it; otherwise it changes nothing, and a GOMAXPROCS
// the user set stays. It is for the main goroutine, before the work it
// speeds up starts.
func Parallel() {
	if inserted != 0 && !parallel {
		parallel = true
		runtime.SetDefaultGOMAXPROCS()
	}
}
