package nsfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// The directories of the iproute2 convention.
const (
	// RunDir holds one file per named namespace, each a bind mount of the
	// namespace (a read-only look at /var/run/netns finds the same files).
	RunDir = "/run/netns"
	// EtcDir holds, per namespace, files that `netns exec` binds over /etc
	// (EtcDir/NAME/resolv.conf becomes /etc/resolv.conf).
	EtcDir = "/etc/netns"
)

// nsfsMagic is the statfs magic of the nsfs pseudo file system.
const nsfsMagic = 0x6e736673

// nsGetNstype is the NS_GET_NSTYPE ioctl (linux/nsfs.h).
const nsGetNstype = 0xb703

// ErrNotNamespace is returned when a file is not a network namespace: most
// often a stale /run/netns entry whose bind mount is gone.
var ErrNotNamespace = errors.New("not a network namespace")

// NS is an open network namespace. Its zero value is not usable; get one
// from Open, OpenName, OpenPID or Current. Close is idempotent.
type NS struct {
	// fd is the namespace file, held without an *os.File: the runtime's
	// poller cannot wait on nsfs files, and registering one costs two
	// system calls per open for nothing.
	fd   int
	open bool // fd is valid (false after Close)
	name string
}

// Open opens the network namespace file at path (a /run/netns entry,
// /proc/PID/ns/net, or any bind mount of one). It checks that the file
// really is a network namespace.
func Open(path string) (*NS, error) { return open(path, 0) }

// open opens path with extra open(2) flags (O_NOFOLLOW for RunDir entries,
// so that a planted symbolic link is never followed out of RunDir).
func open(path string, flags int) (*NS, error) {
	// O_NONBLOCK: a FIFO planted in RunDir must not block the open forever.
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NONBLOCK|flags, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	if err := checkNetNS(fd); err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return &NS{fd: fd, open: true, name: path}, nil
}

func checkNetNS(fd int) error {
	var st unix.Statfs_t
	if err := unix.Fstatfs(fd, &st); err != nil {
		return err
	}
	if st.Type != nsfsMagic {
		return ErrNotNamespace
	}
	t, err := unix.IoctlRetInt(fd, nsGetNstype)
	if err == nil && t != unix.CLONE_NEWNET {
		return ErrNotNamespace
	}
	return nil
}

// OpenName opens the named namespace RunDir/name.
func OpenName(name string) (*NS, error) {
	if err := ValidName(name); err != nil {
		return nil, err
	}
	path := filepath.Join(RunDir, name)
	// A named namespace is a regular file (an nsfs inode mounted on one):
	// a device, socket, FIFO or directory planted there is refused
	// without being opened, so that opening it has no side effect.
	var st unix.Stat_t
	if unix.Lstat(path, &st) == nil {
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFREG, unix.S_IFLNK:
		default:
			return nil, fmt.Errorf("netns %q: %s is not a regular file: %w", name, path, ErrNotNamespace)
		}
	}
	ns, err := open(path, unix.O_NOFOLLOW)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			switch {
			case errors.Is(pe.Err, unix.ENOENT):
				return nil, fmt.Errorf("netns %q: %w", name, os.ErrNotExist)
			case errors.Is(pe.Err, ErrNotNamespace):
				return nil, fmt.Errorf("netns %q: %w (stale %s entry: its mount is gone; `nsnet netns del %s` removes it)",
					name, ErrNotNamespace, RunDir, name)
			case errors.Is(pe.Err, unix.ELOOP):
				return nil, fmt.Errorf("netns %q: %s is a symbolic link, not a namespace: %w", name, pe.Path, ErrNotNamespace)
			}
		}
		return nil, err
	}
	ns.name = name
	return ns, nil
}

// OpenPID opens the network namespace of process pid.
func OpenPID(pid int) (*NS, error) {
	ns, err := Open("/proc/" + strconv.Itoa(pid) + "/ns/net")
	if err != nil && errors.Is(err, unix.ENOENT) {
		return nil, fmt.Errorf("process %d: %w", pid, os.ErrNotExist)
	}
	return ns, err
}

// Current opens the network namespace of the process.
func Current() (*NS, error) { return Open("/proc/self/ns/net") }

// Fd returns the namespace's file descriptor, valid until Close; -1
// after Close.
func (n *NS) Fd() int {
	if !n.open {
		return -1
	}
	return n.fd
}

// Name returns the namespace's name, or the path it was opened from.
func (n *NS) Name() string { return n.name }

// Close closes the file descriptor; closing twice is harmless.
func (n *NS) Close() error {
	if n == nil || !n.open {
		return nil
	}
	n.open = false
	if err := unix.Close(n.fd); err != nil {
		return &os.PathError{Op: "close", Path: n.name, Err: err}
	}
	return nil
}

// ID returns the device and inode that identify the namespace.
func (n *NS) ID() (dev, ino uint64, err error) {
	var st unix.Stat_t
	if err := unix.Fstat(n.Fd(), &st); err != nil {
		return 0, 0, err
	}
	return st.Dev, st.Ino, nil
}

// Equal reports whether two handles refer to the same namespace.
func (n *NS) Equal(o *NS) bool {
	d1, i1, err1 := n.ID()
	d2, i2, err2 := o.ID()
	return err1 == nil && err2 == nil && d1 == d2 && i1 == i2
}

// ValidName checks a namespace name as iproute2 does: not empty, at most
// 255 bytes, no '/', not "." or "..". It also refuses NUL bytes, which no
// file name can hold.
func ValidName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("invalid netns name %q: empty", name)
	case len(name) > 255:
		return fmt.Errorf("invalid netns name %q: longer than 255 bytes", shorten(name))
	case strings.ContainsRune(name, '/'):
		return fmt.Errorf("invalid netns name %q: contains '/'", name)
	case strings.ContainsRune(name, 0):
		return fmt.Errorf("invalid netns name %q: contains a NUL byte", name)
	case name == "." || name == "..":
		return fmt.Errorf("invalid netns name %q", name)
	}
	return nil
}

func shorten(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}
