package nsfs

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// ErrCommandNotFound and ErrNotExecutable say why a command could not be
// started; nsnet exits 127 and 126 for them, as shells do.
var (
	ErrCommandNotFound = errors.New("command not found")
	ErrNotExecutable   = errors.New("permission denied: not executable")
)

// enter prepares the calling thread, which must be locked and must never
// return to the scheduler, for running a command "in" the named namespace
// the way `ip netns exec` does: it joins the network namespace, unshares
// the mount namespace, makes / a slave mount so nothing propagates back to
// the host, mounts a sysfs of this namespace on /sys, and binds each entry
// of EtcDir/NAME over the file of the same name in /etc. Problems with
// single /etc entries are reported to warn and skipped.
func enter(name string, warn io.Writer) error {
	ns, err := OpenName(name)
	if err != nil {
		return err
	}
	defer ns.Close()
	if err := unix.Setns(ns.Fd(), unix.CLONE_NEWNET); err != nil {
		return explainCap(fmt.Errorf("enter netns %q: %w", name, err), "CAP_SYS_ADMIN")
	}
	if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
		return explainCap(fmt.Errorf("unshare mount namespace: %w", err), "CAP_SYS_ADMIN")
	}
	if err := unix.Mount("", "/", "none", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("make / a slave mount: %w", err)
	}
	// A sysfs of this namespace, so /sys/class/net lists its links.
	var flags uintptr
	if err := unix.Unmount("/sys", unix.MNT_DETACH); err != nil {
		var st unix.Statfs_t
		if unix.Statfs("/sys", &st) == nil && st.Flags&unix.ST_RDONLY != 0 {
			flags = unix.MS_RDONLY
		}
	}
	if err := unix.Mount(name, "/sys", "sysfs", flags, ""); err != nil {
		return fmt.Errorf("mount sysfs on /sys: %w", err)
	}
	bindEtc(name, warn)
	return nil
}

// maxEtcEntries bounds the entries of EtcDir/name that are bound over /etc.
const maxEtcEntries = 1024

// bindEtc binds every entry of EtcDir/name over /etc. Symbolic links in
// EtcDir/name are not followed: they could point anywhere, and a bind
// mount would follow them.
func bindEtc(name string, warn io.Writer) {
	dir := filepath.Join(EtcDir, name)
	if fi, err := os.Lstat(dir); err != nil || !fi.IsDir() {
		if err == nil {
			fmt.Fprintf(warn, "nsnet: %s is not a directory; not binding it over /etc\n", dir)
		}
		return
	}
	f, err := os.Open(dir)
	if err != nil {
		fmt.Fprintf(warn, "nsnet: %v\n", err)
		return
	}
	des, err := f.ReadDir(maxEtcEntries + 1)
	f.Close()
	if err != nil && len(des) == 0 {
		fmt.Fprintf(warn, "nsnet: %v\n", err)
		return
	}
	if len(des) > maxEtcEntries {
		fmt.Fprintf(warn, "nsnet: %s has over %d entries; binding the first %d\n", dir, maxEtcEntries, maxEtcEntries)
		des = des[:maxEtcEntries]
	}
	for _, de := range des {
		src := filepath.Join(dir, de.Name())
		dst := filepath.Join("/etc", de.Name())
		if de.Type()&os.ModeSymlink != 0 {
			fmt.Fprintf(warn, "nsnet: %s is a symbolic link; not binding it over %s\n", src, dst)
			continue
		}
		if !de.Type().IsRegular() && !de.IsDir() {
			// A FIFO bound over /etc/hosts would hang every program that
			// reads it; a device would give /etc a device node.
			fmt.Fprintf(warn, "nsnet: %s is not a regular file or directory; not binding it over %s\n", src, dst)
			continue
		}
		if err := unix.Mount(src, dst, "none", unix.MS_BIND, ""); err != nil {
			fmt.Fprintf(warn, "nsnet: bind %s over %s: %v\n", src, dst, err)
		}
	}
}

// lookCommand resolves argv[0] through PATH as a shell would.
func lookCommand(argv []string) (string, error) {
	if len(argv) == 0 {
		return "", fmt.Errorf("no command given")
	}
	p, err := lookPath(argv[0])
	if err != nil {
		if errors.Is(err, ErrCommandNotFound) {
			return "", err
		}
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("%s: %w", argv[0], ErrCommandNotFound)
		}
		if errors.Is(err, os.ErrPermission) {
			return "", fmt.Errorf("%s: %w", argv[0], ErrNotExecutable)
		}
		return "", err
	}
	return p, nil
}

// Exec replaces the calling process with argv running in the named
// namespace, set up as `ip netns exec` does (see the package doc). It
// returns only on failure; the process's exit status is then the
// command's own.
func Exec(name string, argv []string, env []string, warn io.Writer) error {
	return onThrowawayThread(func() error {
		// The namespace first, then the command, as ip: a missing
		// namespace is the error even when the command is missing too.
		if err := enter(name, warn); err != nil {
			return err
		}
		path, err := lookCommand(argv)
		if err != nil {
			return err
		}
		err = unix.Exec(path, argv, env)
		if err == unix.EACCES {
			return fmt.Errorf("%s: %w", argv[0], ErrNotExecutable)
		}
		return fmt.Errorf("exec %s: %w", argv[0], err)
	})
}
