package nsfs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"
)

// lockRunDir creates RunDir if needed, takes an exclusive flock on it (as
// iproute2 does since v5.10, so that parallel adds don't race on the shared
// mount) and makes it a shared mount point. The returned func unlocks.
func lockRunDir() (func(), error) {
	if err := os.MkdirAll(RunDir, 0o755); err != nil {
		return nil, explainRunDir(err)
	}
	fd, err := unix.Open(RunDir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, explainRunDir(&os.PathError{Op: "open", Path: RunDir, Err: err})
	}
	if err := unix.Flock(fd, unix.LOCK_EX); err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "lock", Path: RunDir, Err: err}
	}
	unlock := func() { unix.Flock(fd, unix.LOCK_UN); unix.Close(fd) }
	if err := makeShared(); err != nil {
		unlock()
		return nil, err
	}
	return unlock, nil
}

// makeShared makes RunDir a shared mount point, bind-mounting it onto
// itself the first time, so namespaces mounted later propagate to mount
// namespaces that were created earlier (containers).
func makeShared() error {
	err := unix.Mount("", RunDir, "none", unix.MS_SHARED|unix.MS_REC, "")
	if err == nil {
		return nil
	}
	if err != unix.EINVAL {
		return explainRunDir(&os.PathError{Op: "make shared mount", Path: RunDir, Err: err})
	}
	if err := unix.Mount(RunDir, RunDir, "none", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return explainRunDir(&os.PathError{Op: "bind mount", Path: RunDir, Err: err})
	}
	// A fresh peer group, so the next step does not join the parent's.
	if err := unix.Mount("", RunDir, "none", unix.MS_PRIVATE|unix.MS_REC, ""); err != nil {
		return &os.PathError{Op: "make private mount", Path: RunDir, Err: err}
	}
	if err := unix.Mount("", RunDir, "none", unix.MS_SHARED|unix.MS_REC, ""); err != nil {
		return &os.PathError{Op: "make shared mount", Path: RunDir, Err: err}
	}
	return nil
}

// explainRunDir adds what the user can do about common failures.
func explainRunDir(err error) error {
	switch {
	case errors.Is(err, unix.EROFS):
		return fmt.Errorf("%w (%s is on a read-only file system: mount a tmpfs on /run)", err, RunDir)
	case errors.Is(err, unix.EPERM), errors.Is(err, unix.EACCES):
		return fmt.Errorf("%w (named namespaces need root: CAP_SYS_ADMIN to mount)", err)
	}
	return err
}

// Add creates a new network namespace and names it: RunDir/name becomes a
// bind mount of it. On any failure nothing is left behind. A name that is
// taken gives an error that matches os.ErrExist.
func Add(name string) error {
	return addNamed(name, func(path string) error {
		return onThrowawayThread(func() error {
			if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
				return explainCap(fmt.Errorf("create network namespace: %w", err), "CAP_SYS_ADMIN")
			}
			src := "/proc/self/task/" + strconv.Itoa(unix.Gettid()) + "/ns/net"
			if err := unix.Mount(src, path, "none", unix.MS_BIND, ""); err != nil {
				return &os.PathError{Op: "bind mount namespace on", Path: path, Err: err}
			}
			return nil
		})
	})
}

// Attach names the network namespace of process pid: RunDir/name becomes a
// bind mount of /proc/PID/ns/net.
func Attach(name string, pid int) error {
	src := "/proc/" + strconv.Itoa(pid) + "/ns/net"
	ns, err := OpenPID(pid)
	if err != nil {
		return err
	}
	ns.Close()
	return addNamed(name, func(path string) error {
		if err := unix.Mount(src, path, "none", unix.MS_BIND, ""); err != nil {
			return &os.PathError{Op: "bind mount namespace on", Path: path, Err: err}
		}
		return nil
	})
}

func addNamed(name string, mount func(path string) error) error {
	if err := ValidName(name); err != nil {
		return err
	}
	unlock, err := lockRunDir()
	if err != nil {
		return err
	}
	defer unlock()
	path := filepath.Join(RunDir, name)
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		if err == unix.EEXIST {
			return fmt.Errorf("netns %q: %w", name, os.ErrExist)
		}
		return explainRunDir(&os.PathError{Op: "create", Path: path, Err: err})
	}
	unix.Close(fd)
	if err := mount(path); err != nil {
		unix.Unmount(path, unix.MNT_DETACH)
		os.Remove(path)
		return err
	}
	return nil
}

func explainCap(err error, capName string) error {
	if errors.Is(err, unix.EPERM) {
		return fmt.Errorf("%w (needs %s)", err, capName)
	}
	return err
}

// Delete removes the name of a namespace: it detaches the bind mount and
// removes the file. The namespace itself lives on while a process or a
// mount still holds it. A missing name matches os.ErrNotExist. EBUSY means
// another mount namespace still holds the mount.
func Delete(name string) error {
	if err := ValidName(name); err != nil {
		return err
	}
	unlock, err := lockRunDir()
	if err != nil {
		return err
	}
	defer unlock()
	path := filepath.Join(RunDir, name)
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		if err == unix.ENOENT {
			return fmt.Errorf("netns %q: %w", name, os.ErrNotExist)
		}
		return &os.PathError{Op: "stat", Path: path, Err: err}
	}
	// Check the name can be removed before the mount is detached: on a
	// read-only RunDir the unmount would succeed and leave a stale file.
	if err := unix.Access(RunDir, unix.W_OK); err != nil {
		return explainRunDir(&os.PathError{Op: "remove", Path: path, Err: err})
	}
	if st.Mode&unix.S_IFMT != unix.S_IFLNK {
		// The result is not checked, as in iproute2: a stale file has no
		// mount and is simply removed below.
		unix.Unmount(path, unix.MNT_DETACH|unix.UMOUNT_NOFOLLOW)
	}
	if err := unix.Unlink(path); err != nil {
		if err == unix.EBUSY {
			return fmt.Errorf("netns %q: %s is busy: another mount namespace still holds its mount (stop the container or process that holds it, then try again)", name, path)
		}
		return explainRunDir(&os.PathError{Op: "remove", Path: path, Err: err})
	}
	return nil
}

// Entry is one name in RunDir.
type Entry struct {
	Name string
	// Stale is set when the file is not a network namespace (its mount is
	// gone, or someone put a plain file or a link there).
	Stale bool
}

// List returns the named namespaces, sorted by name. A missing RunDir is
// an empty list.
func List() ([]Entry, error) {
	des, err := os.ReadDir(RunDir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var out []Entry
	for _, de := range des {
		e := Entry{Name: de.Name()}
		if !de.Type().IsRegular() {
			e.Stale = true // a symlink, directory, FIFO or device
		} else if ns, err := open(filepath.Join(RunDir, de.Name()), unix.O_NOFOLLOW); err != nil {
			e.Stale = true // no mount, or a namespace of another kind
		} else {
			ns.Close()
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Identify returns the names under which the network namespace of process
// pid is known (usually zero or one).
func Identify(pid int) ([]string, error) {
	ns, err := OpenPID(pid)
	if err != nil {
		return nil, err
	}
	defer ns.Close()
	dev, ino, err := ns.ID()
	if err != nil {
		return nil, err
	}
	entries, err := List()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.Stale {
			continue
		}
		var st unix.Stat_t
		if err := unix.Stat(filepath.Join(RunDir, e.Name), &st); err == nil && st.Dev == dev && st.Ino == ino {
			names = append(names, e.Name)
		}
	}
	return names, nil
}

// Pids returns the processes whose network namespace is the named one.
func Pids(name string) ([]int, error) {
	ns, err := OpenName(name)
	if err != nil {
		return nil, err
	}
	defer ns.Close()
	dev, ino, err := ns.ID()
	if err != nil {
		return nil, err
	}
	des, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, de := range des {
		pid, err := strconv.Atoi(de.Name())
		if err != nil {
			continue
		}
		var st unix.Stat_t
		if unix.Stat("/proc/"+de.Name()+"/ns/net", &st) == nil && st.Dev == dev && st.Ino == ino {
			pids = append(pids, pid)
		}
	}
	sort.Ints(pids)
	return pids, nil
}

// Event is a change to the set of named namespaces.
type Event struct {
	Op   string // "add" or "delete"
	Name string
}

// Monitor calls fn for every namespace name added to or deleted from
// RunDir until ctx is done or fn returns an error.
func Monitor(ctx context.Context, fn func(Event) error) error {
	if err := os.MkdirAll(RunDir, 0o755); err != nil {
		return explainRunDir(err)
	}
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return fmt.Errorf("inotify: %w", err)
	}
	f := os.NewFile(uintptr(fd), "inotify")
	defer f.Close()
	if _, err := unix.InotifyAddWatch(fd, RunDir, unix.IN_CREATE|unix.IN_DELETE); err != nil {
		return &os.PathError{Op: "watch", Path: RunDir, Err: err}
	}
	stop := context.AfterFunc(ctx, func() { f.Close() })
	defer stop()
	buf := make([]byte, 64*1024)
	for {
		n, err := f.Read(buf)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
			nameBytes := buf[off+unix.SizeofInotifyEvent : off+unix.SizeofInotifyEvent+int(ev.Len)]
			off += unix.SizeofInotifyEvent + int(ev.Len)
			name := string(nameBytes)
			for i := 0; i < len(name); i++ {
				if name[i] == 0 {
					name = name[:i]
					break
				}
			}
			op := "add"
			if ev.Mask&unix.IN_DELETE != 0 {
				op = "delete"
			}
			if err := fn(Event{Op: op, Name: name}); err != nil {
				return err
			}
		}
	}
}
