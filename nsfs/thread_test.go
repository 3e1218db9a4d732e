package nsfs

import (
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// testNetNS returns a file descriptor of a new network namespace, made by
// a goroutine whose thread never runs anything else (it exits locked), and
// that thread's id, which the tests ignore when they check that no thread
// was left in a foreign namespace. It skips the test without the
// privilege to unshare.
func testNetNS(t *testing.T) (fd, tid int) {
	t.Helper()
	type res struct{ fd, tid int }
	c := make(chan res, 1)
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// Never unlocked: the thread ends with this goroutine.
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			errc <- err
			return
		}
		fd, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			errc <- err
			return
		}
		c <- res{fd, unix.Gettid()}
	}()
	select {
	case err := <-errc:
		t.Skipf("cannot make a network namespace: %v", err)
	case r := <-c:
		t.Cleanup(func() { unix.Close(r.fd) })
		return r.fd, r.tid
	}
	return -1, -1
}

func nsIno(t *testing.T, path string) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

// checkThreads fails when a thread of the process other than skip is in
// another network namespace than want.
func checkThreads(t *testing.T, want uint64, skip int) {
	t.Helper()
	des, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	for _, de := range des {
		// The main thread is not checked: when a goroutine exits locked on
		// it (testNetNS's, or a dying worker's), the runtime parks it for
		// good instead of ending it, so it may stay in a foreign namespace
		// without ever running anything again.
		if de.Name() == strconv.Itoa(skip) || de.Name() == strconv.Itoa(os.Getpid()) {
			continue
		}
		var st unix.Stat_t
		if err := unix.Stat("/proc/self/task/"+de.Name()+"/ns/net", &st); err != nil {
			continue // the thread ended meanwhile
		}
		if st.Ino != want {
			t.Errorf("thread %s is left in namespace %d, not in %d", de.Name(), st.Ino, want)
		}
	}
}

// TestDoFDRestoresThreads runs functions inside another namespace many
// times, sequentially, nested and from several goroutines at once (the
// worker, and fresh threads when it is busy): each must run inside, and
// afterwards every thread must be back in the process's namespace.
func TestDoFDRestoresThreads(t *testing.T) {
	// Not /proc/self: the helper of testNetNS may run on the main thread.
	home := nsIno(t, "/proc/thread-self/ns/net")
	fd, tid := testNetNS(t)
	inner := nsIno(t, "/proc/self/fd/"+strconv.Itoa(fd))
	inside := func() error {
		if got := nsIno(t, "/proc/thread-self/ns/net"); got != inner {
			t.Errorf("fn ran in namespace %d, want %d", got, inner)
		}
		return nil
	}
	for range 20 {
		if err := DoFD(fd, "test", inside); err != nil {
			t.Fatal(err)
		}
	}
	// Nested: the worker is busy, so the inner call takes a fresh thread.
	if err := DoFD(fd, "test", func() error {
		inside()
		return DoFD(fd, "test", inside)
	}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10 {
				if err := DoFD(fd, "test", inside); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	checkThreads(t, home, tid)
}

// TestWorkerDies checks that a job which says its thread must not be
// reused ends the worker and its thread, and that the next call gets a new
// worker.
func TestWorkerDies(t *testing.T) {
	home := nsIno(t, "/proc/thread-self/ns/net")
	fd, tid := testNetNS(t)
	// The first call in a process runs on a fresh thread; make sure a
	// worker exists.
	for range 2 {
		if err := DoFD(fd, "test", func() error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	var deadTID int
	ran, err := onWorker(func(w *worker) bool {
		deadTID = unix.Gettid()
		// Leave the thread in the foreign namespace, as a failed restore
		// would: it must never run anything again.
		if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
			t.Error(err)
		}
		return false
	})
	if !ran || err != nil {
		t.Fatalf("onWorker: ran %v, %v", ran, err)
	}
	workerMu.Lock()
	gone := cur == nil
	workerMu.Unlock()
	if !gone {
		t.Fatal("the worker survived a job that killed its thread")
	}
	if err := DoFD(fd, "test", func() error {
		if unix.Gettid() == deadTID {
			t.Error("the dead worker's thread ran a job")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// The dead thread ends shortly after its goroutine (unless it is the
	// main thread, which the runtime parks instead).
	if deadTID != os.Getpid() {
		deadline := time.Now().Add(5 * time.Second)
		for {
			if _, err := os.Stat("/proc/self/task/" + strconv.Itoa(deadTID)); err != nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the dead worker's thread %d is still there", deadTID)
			}
			time.Sleep(time.Millisecond)
		}
	}
	checkThreads(t, home, tid)
}
