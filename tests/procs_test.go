package tests

import (
	"os"
	"runtime"
	"strings"
)

// entryLDFlag is the Makefile's linker flag that makes internal/procs'
// entry point the binary's (amd64 and arm64): the tests run nsnet as make
// builds it.
func entryLDFlag() string {
	if runtime.GOARCH == "amd64" || runtime.GOARCH == "arm64" {
		return "-E github.com/nsnet/nsnet/internal/procs.entry"
	}
	return ""
}

// withoutGOMAXPROCS is the test's environment without GOMAXPROCS.
func withoutGOMAXPROCS() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GOMAXPROCS=") {
			env = append(env, kv)
		}
	}
	return env
}
