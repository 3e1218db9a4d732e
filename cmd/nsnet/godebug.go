// Runtime settings of the nsnet binary, chosen for a process that runs one
// command and exits in milliseconds (see "One process per step" in
// docs/BENCHMARKS.md):
//   - updatemaxprocs=0: no goroutine watching the cgroup CPU limit to update
//     GOMAXPROCS, one goroutine start (and the thread wake-up it causes)
//     fewer per process;
//   - decoratemappings=0: no prctl naming each of the runtime's memory
//     mappings, on kernels that support the names.

//go:debug updatemaxprocs=0
//go:debug decoratemappings=0

package main

// The main goroutine's stack is grown once, before any package's
// initialisation, to the size every command fits in (internal/mainstack).
import _ "github.com/nsnet/nsnet/internal/mainstack"
