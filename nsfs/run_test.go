package nsfs

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// lookPath resolves as exec.LookPath does, with the errors lookCommand
// turns into the shell's 127 and 126.
func TestLookPath(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "tool")
	plain := filepath.Join(dir, "data")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(plain, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", "/nonexistent:"+dir)
	if p, err := lookPath("tool"); err != nil || p != exe {
		t.Errorf("lookPath(tool) = %q, %v; want %q", p, err, exe)
	}
	if _, err := lookCommand([]string{"data"}); !errors.Is(err, ErrCommandNotFound) {
		t.Errorf("a file in PATH that is not executable: %v, want ErrCommandNotFound", err)
	}
	if _, err := lookCommand([]string{"nosuchtool"}); !errors.Is(err, ErrCommandNotFound) || err.Error() != "nosuchtool: command not found" {
		t.Errorf("missing: %v", err)
	}
	if _, err := lookCommand([]string{filepath.Join(dir, "missing")}); !errors.Is(err, ErrCommandNotFound) {
		t.Errorf("missing path: %v, want ErrCommandNotFound", err)
	}
	// Root too: faccessat2 with AT_EACCESS wants an x bit.
	if _, err := lookCommand([]string{plain}); !errors.Is(err, ErrNotExecutable) {
		t.Errorf("non-executable path: %v, want ErrNotExecutable", err)
	}
	if _, err := lookPath(dir); !errors.Is(err, syscall.EISDIR) {
		t.Errorf("a directory: %v, want EISDIR", err)
	}
	if p, err := lookPath(exe); err != nil || p != exe {
		t.Errorf("lookPath(%s) = %q, %v", exe, p, err)
	}
	t.Setenv("PATH", ":/nonexistent")
	t.Chdir(dir)
	if _, err := lookPath("tool"); err == nil || errors.Is(err, ErrCommandNotFound) {
		t.Errorf("a find in the current directory through an empty PATH entry: %v, want a refusal", err)
	}
}

func TestExitError(t *testing.T) {
	exited := &ExitError{Status: syscall.WaitStatus(3 << 8)}
	if exited.ExitCode() != 3 || exited.Error() != "exit status 3" {
		t.Errorf("exit 3: %d %q", exited.ExitCode(), exited.Error())
	}
	killed := &ExitError{Status: syscall.WaitStatus(syscall.SIGKILL)}
	if killed.ExitCode() != -1 || killed.Error() != "signal: killed" {
		t.Errorf("killed: %d %q", killed.ExitCode(), killed.Error())
	}
}
