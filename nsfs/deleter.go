package nsfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

// ErrNotAhead is the outcome of a Deleter.Delete that changed nothing
// because the name is not a mounted network namespace (a stale file, a
// symbolic link, something else): such a name cannot be given back by
// Restore, so the caller deletes it in its place with DeleteNow.
var ErrNotAhead = errors.New("nsfs: not a mounted network namespace, not deleted ahead")

// Deleter removes named network namespaces as Delete does, several at
// once: each unmount can wait for the kernel (a grace period before the
// mount is freed), and the Deleter's goroutines overlap those waits.
//
// RunDir's lock, the one Delete and every add take, is held from
// NewDeleter to Close: no add of another process interleaves with the
// Deleter's removals, and a Delete or add of this process in that time
// would wait for it (use DeleteNow instead).
//
// Each namespace deleted is kept open until Release or Restore: Restore
// names it again (a bind mount of the namespace kept open onto a new
// RunDir/NAME), for a caller that must undo a removal it made ahead of
// its turn. Only mounted network namespaces are deleted ahead; for any
// other name Delete changes nothing and reports ErrNotAhead.
type Deleter struct {
	jobs   chan delJob
	wg     sync.WaitGroup
	unlock func()
}

type delJob struct {
	name string
	res  chan<- Deleted
}

// Deleted is the outcome of one Deleter.Delete: Err is what Delete would
// have returned (or ErrNotAhead).
type Deleted struct {
	Name string
	Err  error
	fd   int // the namespace, held for Restore; -1 when there is none
}

// NewDeleter takes RunDir's lock and starts workers goroutines (at least
// one). Close ends it.
func NewDeleter(workers int) (*Deleter, error) {
	unlock, err := flockRunDir()
	if err != nil {
		return nil, err
	}
	d := &Deleter{jobs: make(chan delJob, max(1, workers)), unlock: unlock}
	for range max(1, workers) {
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			for j := range d.jobs {
				fd, err := deleteLocked(j.name, true)
				j.res <- Deleted{Name: j.name, Err: err, fd: fd}
			}
		}()
	}
	return d, nil
}

// Delete asks for the removal of namespace name; the outcome arrives on
// the returned channel. Removals of different names run in any order:
// ask for a name at most once before its outcome arrived.
func (d *Deleter) Delete(name string) <-chan Deleted {
	res := make(chan Deleted, 1)
	d.jobs <- delJob{name: name, res: res}
	return res
}

// DeleteNow removes namespace name on the caller's goroutine, as Delete
// (the package function) does, under the Deleter's lock.
func (d *Deleter) DeleteNow(name string) error {
	_, err := deleteLocked(name, false)
	return err
}

// Close waits for the removals asked for and releases RunDir's lock. The
// outcomes stay on their channels.
func (d *Deleter) Close() {
	close(d.jobs)
	d.wg.Wait()
	d.unlock()
}

// Release lets the namespace of a removal go (the kernel frees it when
// nothing else holds it).
func (r *Deleted) Release() {
	if r.fd >= 0 {
		unix.Close(r.fd)
		r.fd = -1
	}
}

// Restore names the namespace of a successful removal again, under its
// old name, and releases it. Called before the Deleter's Close, it runs
// under RunDir's lock; after, without it (an add of the same name by
// another process in between makes it fail, and the name is theirs).
func (r *Deleted) Restore() error {
	if r.Err != nil || r.fd < 0 {
		return r.Err
	}
	defer r.Release()
	path := filepath.Join(RunDir, r.Name)
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return &os.PathError{Op: "create", Path: path, Err: err}
	}
	unix.Close(fd)
	src := "/proc/self/fd/" + strconv.Itoa(r.fd)
	if err := unix.Mount(src, path, "none", unix.MS_BIND, ""); err != nil {
		unix.Unlink(path)
		return &os.PathError{Op: "bind mount namespace on", Path: path, Err: err}
	}
	return nil
}

// deleteLocked is Delete's work, with RunDir's lock held by the caller.
// With hold, only a mounted network namespace is removed, and it is
// returned open (else -1 and ErrNotAhead, nothing changed).
func deleteLocked(name string, hold bool) (int, error) {
	if err := ValidName(name); err != nil {
		return -1, err
	}
	path := filepath.Join(RunDir, name)
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		if err == unix.ENOENT {
			return -1, fmt.Errorf("netns %q: %w", name, os.ErrNotExist)
		}
		return -1, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	// Check the name can be removed before the mount is detached: on a
	// read-only RunDir the unmount would succeed and leave a stale file.
	if err := unix.Access(RunDir, unix.W_OK); err != nil {
		return -1, explainRunDir(&os.PathError{Op: "remove", Path: path, Err: err})
	}
	fd := -1
	if hold {
		if st.Mode&unix.S_IFMT != unix.S_IFREG {
			return -1, ErrNotAhead
		}
		ns, err := open(path, unix.O_NOFOLLOW)
		if err != nil {
			return -1, ErrNotAhead
		}
		fd = ns.fd
	}
	fail := func(err error) (int, error) {
		if fd >= 0 {
			unix.Close(fd)
		}
		return -1, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFLNK {
		// As in iproute2, a failure is no reason to stop: a stale file has
		// no mount (EINVAL) and is simply removed below. A missing
		// CAP_SYS_ADMIN is, as the unlink would then only say "busy".
		if err := unix.Unmount(path, unix.MNT_DETACH|unix.UMOUNT_NOFOLLOW); err == unix.EPERM {
			return fail(explainRunDir(&os.PathError{Op: "unmount", Path: path, Err: err}))
		}
	}
	if err := unix.Unlink(path); err != nil {
		if err == unix.EBUSY {
			return fail(fmt.Errorf("netns %q: %s is busy: another mount namespace still holds its mount (stop the container or process that holds it, then try again)", name, path))
		}
		return fail(explainRunDir(&os.PathError{Op: "remove", Path: path, Err: err}))
	}
	return fd, nil
}
