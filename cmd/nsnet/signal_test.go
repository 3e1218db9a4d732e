package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"testing"
)

// holdSignals ignores SIGINT and SIGTERM for the process's own context
// only, and a later use of that context takes them again.
func TestHoldSignals(t *testing.T) {
	defer signal.Reset(os.Interrupt, syscall.SIGTERM)
	holdSignals(context.Background())
	if signal.Ignored(os.Interrupt) || signal.Ignored(syscall.SIGTERM) {
		t.Fatal("holdSignals ignored the signals for a context that is not the process's")
	}
	c := &signalContext{}
	holdSignals(c)
	if !signal.Ignored(os.Interrupt) || !signal.Ignored(syscall.SIGTERM) {
		t.Fatal("SIGINT and SIGTERM are not ignored after holdSignals")
	}
	c.Done()
	defer c.stop()
	holdSignals(c) // taken already: left as they are
	if signal.Ignored(os.Interrupt) || signal.Ignored(syscall.SIGTERM) {
		t.Fatal("the signals stay ignored once the context is used")
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-c.Done()
}
