//go:build !amd64 && !arm64

package procs

// inserted is 0: there is no entry point outside amd64 and arm64, and the process
// starts with the runtime's default GOMAXPROCS.
const inserted = 0
