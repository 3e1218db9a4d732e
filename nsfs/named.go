package nsfs

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// lockRunDir creates RunDir if needed, takes an exclusive flock on it (as
// iproute2 does since v5.10, so that parallel adds don't race on the shared
// mount) and makes it a shared mount point. The returned func unlocks.
func lockRunDir() (func(), error) {
	unlock, err := flockRunDir()
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(RunDir, 0o755); err != nil {
			return nil, explainRunDir(err)
		}
		unlock, err = flockRunDir()
	}
	if err != nil {
		return nil, err
	}
	if err := makeShared(); err != nil {
		unlock()
		return nil, err
	}
	return unlock, nil
}

// flockRunDir takes an exclusive flock on RunDir; the returned func
// unlocks.
func flockRunDir() (func(), error) {
	fd, err := unix.Open(RunDir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, explainRunDir(&os.PathError{Op: "open", Path: RunDir, Err: err})
	}
	if err := unix.Flock(fd, unix.LOCK_EX); err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "lock", Path: RunDir, Err: err}
	}
	// Closing the descriptor releases the lock.
	return func() { unix.Close(fd) }, nil
}

// shared remembers, for the life of the process, which RunDir mount this
// process made shared (its mount id, from statx), so that a batch of adds
// remounts it once and not once per namespace: with MS_REC the remount
// walks every namespace already mounted under RunDir, which makes N adds
// cost O(N²) in the kernel. Another process replacing the mount changes
// its id, and then the next add makes the new one shared again.
var shared struct {
	sync.Mutex
	mntID uint64
	ok    bool
}

// runDirMountID returns the id of the mount RunDir is the root of, and
// false when RunDir is not a mount root or the kernel cannot tell (statx
// needs Linux 5.8 for mount ids).
func runDirMountID() (uint64, bool) {
	var stx unix.Statx_t
	if err := unix.Statx(unix.AT_FDCWD, RunDir, unix.AT_SYMLINK_NOFOLLOW, unix.STATX_MNT_ID, &stx); err != nil {
		return 0, false
	}
	if stx.Mask&unix.STATX_MNT_ID == 0 || stx.Attributes_mask&unix.STATX_ATTR_MOUNT_ROOT == 0 ||
		stx.Attributes&unix.STATX_ATTR_MOUNT_ROOT == 0 {
		return 0, false
	}
	return stx.Mnt_id, true
}

// runDirIsShared reports whether RunDir is the root of a mount whose
// propagation is shared, as far as the kernel can tell without a walk of
// /proc/self/mountinfo: statmount(2) needs Linux 6.8; on older kernels
// the answer is false.
func runDirIsShared() bool {
	var stx unix.Statx_t
	if err := unix.Statx(unix.AT_FDCWD, RunDir, unix.AT_SYMLINK_NOFOLLOW, unix.STATX_MNT_ID_UNIQUE, &stx); err != nil {
		return false
	}
	if stx.Mask&unix.STATX_MNT_ID_UNIQUE == 0 || stx.Attributes_mask&unix.STATX_ATTR_MOUNT_ROOT == 0 ||
		stx.Attributes&unix.STATX_ATTR_MOUNT_ROOT == 0 {
		return false
	}
	// struct mnt_id_req (version 0) and the head of struct statmount
	// (linux/mount.h): mask at byte 8, mnt_propagation at byte 72.
	const statmountMntBasic = 0x2 // STATMOUNT_MNT_BASIC
	req := struct {
		size, spare uint32
		mntID       uint64
		param       uint64
	}{size: unix.MNT_ID_REQ_SIZE_VER0, mntID: stx.Mnt_id, param: statmountMntBasic}
	var buf [512]byte
	_, _, errno := unix.Syscall6(unix.SYS_STATMOUNT, uintptr(unsafe.Pointer(&req)),
		uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)), 0, 0, 0)
	if errno != 0 {
		return false
	}
	mask := binary.NativeEndian.Uint64(buf[8:])
	propagation := binary.NativeEndian.Uint64(buf[72:])
	return mask&statmountMntBasic != 0 && propagation&unix.MS_SHARED != 0
}

// makeShared makes RunDir a shared mount point, bind-mounting it onto
// itself the first time, so namespaces mounted later propagate to mount
// namespaces that were created earlier (containers). It does nothing when
// this process made the same mount shared before (see shared), or when
// the kernel says it is shared already: iproute2 remounts every time, and
// with MS_REC that walks every namespace mounted under RunDir.
func makeShared() error {
	shared.Lock()
	defer shared.Unlock()
	if shared.ok {
		if id, ok := runDirMountID(); ok && id == shared.mntID {
			return nil
		}
		shared.ok = false
	}
	if !runDirIsShared() {
		if err := remountShared(); err != nil {
			return err
		}
	}
	shared.mntID, shared.ok = runDirMountID()
	return nil
}

func remountShared() error {
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
	case errors.Is(err, unix.EACCES) && checkSysAdmin("", "") == nil:
		// Holding CAP_SYS_ADMIN: what is missing is the right to write
		// in RunDir (its owner, mode or CAP_DAC_OVERRIDE).
		return fmt.Errorf("%w (no write permission on %s: file-system rights are missing, not CAP_SYS_ADMIN)", err, RunDir)
	case errors.Is(err, unix.EPERM), errors.Is(err, unix.EACCES):
		return fmt.Errorf("%w (named namespaces need root: CAP_SYS_ADMIN to mount)", err)
	}
	return err
}

// Add creates a new network namespace and names it: RunDir/name becomes a
// bind mount of it. On any failure nothing is left behind. A name that is
// taken gives an error that matches os.ErrExist.
func Add(name string) error {
	_, err := create(name, false, nil)
	return err
}

// Create is Add that also returns the new namespace open. When inside is
// not nil it runs on a thread in the new namespace before Create returns,
// with Do's rules: sockets it opens stay in the namespace, which spares a
// later Do or dial a switch into it. An error from inside undoes the Add.
func Create(name string, inside func() error) (*NS, error) {
	return create(name, true, inside)
}

func create(name string, keep bool, inside func() error) (*NS, error) {
	return createWith(runJob, name, keep, inside)
}

// createWith is create with the thread that unshares chosen by run.
func createWith(run func(job func(w *worker) bool) error, name string, keep bool, inside func() error) (*NS, error) {
	if err := ValidName(name); err != nil {
		return nil, err
	}
	if err := checkSysAdmin("add", name); err != nil {
		return nil, err
	}
	var ns *NS
	err := addNamed(name, func(path string) error {
		// The worker thread unshares into a new namespace, names it and,
		// verified, goes back: no thread is thrown away per namespace.
		return inNetNSWith(run, func() error {
			if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
				return explainCap(fmt.Errorf("create network namespace: %w", err), "CAP_SYS_ADMIN")
			}
			return nil
		}, func() error {
			if err := unix.Mount("/proc/thread-self/ns/net", path, "none", unix.MS_BIND, ""); err != nil {
				return &os.PathError{Op: "bind mount namespace on", Path: path, Err: err}
			}
			if !keep {
				return nil
			}
			fd, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				return &os.PathError{Op: "open", Path: "/proc/thread-self/ns/net", Err: err}
			}
			ns = &NS{fd: fd, open: true, name: name}
			if inside != nil {
				return inside()
			}
			return nil
		})
	})
	if err != nil {
		ns.Close()
		return nil, err
	}
	return ns, nil
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
	if err := checkSysAdmin("attach", name); err != nil {
		return err
	}
	return addNamed(name, func(path string) error {
		if err := unix.Mount(src, path, "none", unix.MS_BIND, ""); err != nil {
			return explainRunDir(&os.PathError{Op: "bind mount namespace on", Path: path, Err: err})
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
		if os.Geteuid() != 0 {
			return fmt.Errorf("%w (needs root: %s)", err, capName)
		}
		return fmt.Errorf("%w (needs %s)", err, capName)
	}
	return err
}

// sysAdminSeen is set once the process was seen to hold CAP_SYS_ADMIN.
var sysAdminSeen atomic.Bool

// checkSysAdmin fails without CAP_SYS_ADMIN in the effective set, which
// unshare and mount need: so that an add that cannot succeed fails before
// it creates anything (in iproute2, the shared remount that comes first
// fails), even when RunDir needs no remount. When the kernel cannot say,
// it lets the add try.
func checkSysAdmin(op, name string) error {
	if sysAdminSeen.Load() {
		return nil
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return nil
	}
	if data[unix.CAP_SYS_ADMIN/32].Effective&(1<<(unix.CAP_SYS_ADMIN%32)) == 0 {
		return explainCap(fmt.Errorf("netns %s %q: %w", op, name, unix.EPERM), "CAP_SYS_ADMIN")
	}
	sysAdminSeen.Store(true)
	return nil
}

// Delete removes the name of a namespace: it detaches the bind mount and
// removes the file. The namespace itself lives on while a process or a
// mount still holds it. A missing name matches os.ErrNotExist. EBUSY means
// another mount namespace still holds the mount.
func Delete(name string) error {
	if err := ValidName(name); err != nil {
		return err
	}
	// As iproute2: no shared remount to remove a name (nothing is mounted
	// that could propagate), only the lock against a concurrent add.
	unlock, err := flockRunDir()
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("netns %q: %w", name, os.ErrNotExist)
		}
		return err
	}
	defer unlock()
	err = deleteLocked(name)
	return err
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
	return IdentifyNS(ns)
}

// IdentifyNS returns the names under which network namespace ns is known
// (usually zero or one).
func IdentifyNS(ns *NS) ([]string, error) {
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
