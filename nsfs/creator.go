package nsfs

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// Creator makes named network namespaces, as Create does, one after
// another on an OS thread of its own, while the goroutine that asked goes
// on with other work: a program that makes many namespaces and configures
// each overlaps the unshare and bind mount of the next ones with the
// netlink work of the current one, on another processor. The thread
// follows the rules of this package (thread.go): it is locked for the
// Creator's whole life, and after each namespace it is back in its own
// namespace, verified; if it cannot get back, it is never used again (the
// remaining namespaces are made the way Create makes them) and it ends
// with the Creator.
type Creator struct {
	jobs chan createJob
}

type createJob struct {
	name   string
	inside func() error
	res    chan<- Created
}

// Created is the outcome of one Creator.Create: Create's results.
type Created struct {
	NS  *NS
	Err error
}

// NewCreator starts a Creator; queue is how many namespaces can be asked
// for before Create blocks. Close ends it.
func NewCreator(queue int) *Creator {
	c := &Creator{jobs: make(chan createJob, queue)}
	go c.loop()
	return c
}

// Create asks for namespace name to be made as Create(name, inside)
// makes it (inside runs on the Creator's thread, inside the new
// namespace); the outcome arrives on the returned channel. Namespaces are
// made in the order they are asked for.
func (c *Creator) Create(name string, inside func() error) <-chan Created {
	res := make(chan Created, 1)
	c.jobs <- createJob{name: name, inside: inside, res: res}
	return res
}

// Close ends the Creator after the namespaces asked for are made.
func (c *Creator) Close() { close(c.jobs) }

func (c *Creator) loop() {
	var w worker
	var err error
	w.orig, w.dev, w.ino, err = lockedThread()
	alive := err == nil
	run := func(job func(w *worker) bool) error {
		if !alive {
			return runJob(job)
		}
		alive = job(&w)
		return nil
	}
	for j := range c.jobs {
		ns, cerr := createWith(run, j.name, true, j.inside)
		j.res <- Created{NS: ns, Err: cerr}
	}
	if err != nil {
		return // lockedThread failed: the thread was never locked
	}
	if alive {
		unix.Close(w.orig)
		runtime.UnlockOSThread()
	}
	// Otherwise the goroutine ends locked, and the thread with it.
}
