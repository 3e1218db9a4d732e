package nsfs

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"

	"golang.org/x/sys/unix"
)

// This file is the one place in nsnet that changes a thread's namespace.
//
// The rules, learned the hard way by the Go ecosystem (see STYLE.md):
//   - the work runs on a goroutine of its own locked to its OS thread,
//     never on the caller's;
//   - a thread returns to the scheduler only in the namespace it started
//     in, checked after every switch back; if the restore fails, or the
//     check does, the goroutine exits still locked and the Go runtime
//     terminates the thread instead of reusing it;
//   - fn must not start goroutines: they would not run in the namespace.
//
// The goroutine is a long-lived worker, so that a batch that makes a
// thousand namespaces does not pay a thread (clone, signal set-up) or a
// goroutine hand-off storm per namespace. The worker stays locked for its
// whole life and is never given back to the scheduler at all; between
// calls it sits in its original namespace, verified. When it is busy (a
// call from inside fn, or from two goroutines at once) the call runs on a
// fresh locked goroutine instead, under the same rules.

// worker is a goroutine locked to its OS thread for as long as it lives.
type worker struct {
	work chan func() bool // a job returns false when the thread must die
	done chan struct{}    // one receive per finished job
	// orig is the thread's own network namespace, where every job must
	// leave it; dev and ino identify it.
	orig     int
	dev, ino uint64
}

var (
	// workerMu is held by the goroutine whose job the worker runs.
	workerMu sync.Mutex
	// cur is the worker, or nil before the second call and after a worker
	// died. Guarded by workerMu.
	cur *worker
	// used is set by the first call, which runs on a fresh thread: a
	// process that moves into a namespace once (one command with -n) is
	// cheaper without a worker, whose thread would be its main thread,
	// locked away from the main goroutine. Guarded by workerMu.
	used bool
)

// netnsOfThread returns the device and inode of the calling thread's
// network namespace.
func netnsOfThread() (dev, ino uint64, err error) {
	var st unix.Stat_t
	if err := unix.Stat("/proc/thread-self/ns/net", &st); err != nil {
		return 0, 0, &os.PathError{Op: "stat", Path: "/proc/thread-self/ns/net", Err: err}
	}
	return st.Dev, st.Ino, nil
}

// lockedThread locks the calling goroutine to its OS thread and opens the
// thread's network namespace, to come back to. On error the thread is
// unlocked again: nothing was changed.
func lockedThread() (orig int, dev, ino uint64, err error) {
	runtime.LockOSThread()
	orig, err = unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		runtime.UnlockOSThread()
		return -1, 0, 0, fmt.Errorf("open current namespace: %w", err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(orig, &st); err != nil {
		unix.Close(orig)
		runtime.UnlockOSThread()
		return -1, 0, 0, fmt.Errorf("open current namespace: %w", err)
	}
	return orig, st.Dev, st.Ino, nil
}

// restore moves the calling, locked thread back into namespace orig and
// checks that it is there. An error means the thread must die.
func restore(orig int, dev, ino uint64) error {
	if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("restore namespace (terminating OS thread): %w", os.NewSyscallError("setns", err))
	}
	d, i, err := netnsOfThread()
	if err != nil {
		return fmt.Errorf("restore namespace (terminating OS thread): %w", err)
	}
	if d != dev || i != ino {
		return errors.New("restore namespace (terminating OS thread): the thread is not back in its namespace")
	}
	return nil
}

// startWorker starts a worker and waits until its thread is ready.
func startWorker() (*worker, error) {
	w := &worker{work: make(chan func() bool), done: make(chan struct{})}
	errc := make(chan error, 1)
	go func() {
		var err error
		w.orig, w.dev, w.ino, err = lockedThread()
		errc <- err
		if err != nil {
			return
		}
		// Never unlocked: this goroutine owns the thread until it exits,
		// and then the runtime ends the thread with it.
		for job := range w.work {
			ok := job()
			if !ok {
				// The thread may be in a foreign namespace: exit locked.
				unix.Close(w.orig)
				w.done <- struct{}{}
				return
			}
			w.done <- struct{}{}
		}
		unix.Close(w.orig)
	}()
	if err := <-errc; err != nil {
		return nil, err
	}
	return w, nil
}

// onWorker runs job on the worker's thread, starting a worker if there is
// none; job returns false when the thread must not be used again. It
// reports false when the worker is busy, or on the first call: the caller
// then uses a fresh thread.
func onWorker(job func(w *worker) bool) (bool, error) {
	if !workerMu.TryLock() {
		return false, nil
	}
	defer workerMu.Unlock()
	if !used {
		used = true
		return false, nil
	}
	if cur == nil {
		w, err := startWorker()
		if err != nil {
			return true, err
		}
		cur = w
	}
	w := cur
	alive := true
	w.work <- func() bool { alive = job(w); return alive }
	<-w.done
	if !alive {
		close(w.work)
		cur = nil
	}
	return true, nil
}

// onFreshThread runs job on a new goroutine locked to its thread; the
// thread is unlocked afterwards only when job says it may be reused.
func onFreshThread(job func(w *worker) bool) error {
	errc := make(chan error, 1)
	go func() {
		var w worker
		var err error
		w.orig, w.dev, w.ino, err = lockedThread()
		if err != nil {
			errc <- err
			return
		}
		defer unix.Close(w.orig)
		if job(&w) {
			runtime.UnlockOSThread()
		}
		// Otherwise the goroutine exits locked and the thread ends.
		errc <- nil
	}()
	return <-errc
}

// inNetNS runs fn on a locked thread that enter has moved into a network
// namespace (setns, or unshare for a new one), then brings the thread
// back. fn's error is returned; a failure to enter or to restore wins.
func inNetNS(enter func() error, fn func() error) error {
	return inNetNSWith(runJob, enter, fn)
}

// runJob runs job on the worker's thread, or on a fresh one when the
// worker is busy.
func runJob(job func(w *worker) bool) error {
	ran, err := onWorker(job)
	if !ran {
		err = onFreshThread(job)
	}
	return err
}

// inNetNSWith is inNetNS with the thread job runs on chosen by run.
func inNetNSWith(run func(job func(w *worker) bool) error, enter func() error, fn func() error) error {
	var err error
	job := func(w *worker) bool {
		if err = enter(); err != nil {
			// setns and unshare change nothing when they fail, but check
			// anyway: the thread is reused only in its own namespace.
			if d, i, serr := netnsOfThread(); serr != nil || d != w.dev || i != w.ino {
				return false
			}
			return true
		}
		ferr := fn()
		if rerr := restore(w.orig, w.dev, w.ino); rerr != nil {
			err = rerr
			return false
		}
		err = ferr
		return true
	}
	if werr := run(job); werr != nil {
		return werr
	}
	return err
}

// Do runs fn on an OS thread that is inside ns, and returns fn's error.
// fn must not start goroutines or lock/unlock the OS thread. File
// descriptors that fn opens (sockets, /proc/sys files) stay bound to ns
// after Do returns, which is the way to use them from any goroutine.
func Do(ns *NS, fn func() error) error {
	return DoFD(ns.Fd(), ns.Name(), fn)
}

// DoFD is Do for a namespace given as an open file descriptor (as
// netlink.Config.NetNS takes it); name is used in errors only.
func DoFD(nsFD int, name string, fn func() error) error {
	return inNetNS(func() error {
		if err := unix.Setns(nsFD, unix.CLONE_NEWNET); err != nil {
			return fmt.Errorf("enter netns %s: %w", name, os.NewSyscallError("setns", err))
		}
		return nil
	}, fn)
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
