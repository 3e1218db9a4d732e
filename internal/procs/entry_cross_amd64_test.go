package procs

import (
	"os/exec"
	"testing"
)

// TestEntryArm64 is TestEntry for entry_arm64.s, run under qemu's user
// emulator (`make test` installs it with the other test programs).
func TestEntryArm64(t *testing.T) {
	emu, err := exec.LookPath("qemu-aarch64")
	if err != nil {
		t.Skip("qemu-aarch64 is not installed (tests/oracles.sh installs it): entry_arm64.s is not run")
	}
	testEntry(t, "arm64", emu)
}
