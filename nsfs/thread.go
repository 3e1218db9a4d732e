package nsfs

import (
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// This file is the one place in nsnet that changes a thread's namespace.
//
// The rules, learned the hard way by the Go ecosystem (see STYLE.md):
//   - the work runs on a fresh goroutine locked to its OS thread, never on
//     the caller's;
//   - the thread is unlocked only after its namespace was restored; if the
//     restore fails the goroutine exits still locked, and the Go runtime
//     then terminates the thread instead of reusing it;
//   - fn must not start goroutines: they would not run in the namespace.

// Do runs fn on an OS thread that is inside ns, and returns fn's error.
// fn must not start goroutines or lock/unlock the OS thread. File
// descriptors that fn opens (sockets, /proc/sys files) stay bound to ns
// after Do returns, which is the way to use them from any goroutine.
func Do(ns *NS, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("open current namespace: %w", err)
			return
		}
		defer orig.Close()
		if err := unix.Setns(ns.Fd(), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("enter netns %s: %w", ns.Name(), err)
			return
		}
		ferr := fn()
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			// Stay locked: the thread dies with this goroutine.
			errc <- fmt.Errorf("restore namespace (terminating OS thread): %w", err)
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// onThrowawayThread runs fn on a locked OS thread that is never returned to
// the Go scheduler: fn may change the thread's namespaces (unshare, setns)
// freely, and the thread ends when fn returns.
func onThrowawayThread(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// No unlock: the goroutine exits locked and the runtime ends the thread.
		errc <- fn()
	}()
	return <-errc
}
