//go:build amd64 || arm64

package procs

// inserted is set to 1 by entry when it added GOMAXPROCS=1 to the
// environment. It is written before the Go runtime starts and only read
// afterwards.
var inserted uint8

// entry is the binary's ELF entry point (entry_amd64.s, entry_arm64.s), named by the
// linker's -E flag and called by nothing else.
//
//lint:ignore U1000 the linker's entry point, named by -E
func entry()
