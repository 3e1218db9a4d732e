package nsfs

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Deleter removes named network namespaces as Delete does, one after the
// other on the caller's goroutine, under one hold of RunDir's lock: a run
// of removals takes the lock and checks that RunDir is writable once, and
// then costs the kernel an unmount and an unlink per name, as iproute2's
// `netns del` does.
//
// RunDir's lock, the one Delete and every add take, is held from
// NewDeleter to Close: no add or delete of another process interleaves
// with the Deleter's removals, and a Delete or add of this process in
// that time would wait for it.
type Deleter struct {
	unlock func()
}

// NewDeleter takes RunDir's lock and checks that RunDir is writable (on a
// read-only RunDir an unmount would succeed and leave a stale name). Close
// ends it.
func NewDeleter() (*Deleter, error) {
	unlock, err := flockRunDir()
	if err != nil {
		return nil, err
	}
	if err := unix.Access(RunDir, unix.W_OK); err != nil {
		unlock()
		return nil, explainRunDir(&os.PathError{Op: "remove in", Path: RunDir, Err: err})
	}
	return &Deleter{unlock: unlock}, nil
}

// Delete removes namespace name, with Delete's outcomes: a missing name is
// an error wrapping os.ErrNotExist; a stale file or a symbolic link is
// removed; a name whose mount another mount namespace still holds is
// refused as busy.
func (d *Deleter) Delete(name string) error {
	if err := ValidName(name); err != nil {
		return err
	}
	return unmountUnlink(name, filepath.Join(RunDir, name))
}

// Close releases RunDir's lock.
func (d *Deleter) Close() {
	d.unlock()
}

// deleteLocked is Delete's work, with RunDir's lock held by the caller.
func deleteLocked(name string) error {
	if err := ValidName(name); err != nil {
		return err
	}
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
	return unmountUnlink(name, path)
}

// unmountUnlink detaches the namespace mounted on path and removes the
// name. As in iproute2, a failed unmount is no reason to stop: a stale
// file has no mount (EINVAL), a symbolic link is not followed (EINVAL) and
// a missing name (ENOENT) is reported by the unlink. A missing
// CAP_SYS_ADMIN is, as the unlink would then only say "busy".
func unmountUnlink(name, path string) error {
	if err := unix.Unmount(path, unix.MNT_DETACH|unix.UMOUNT_NOFOLLOW); err == unix.EPERM {
		return explainRunDir(&os.PathError{Op: "unmount", Path: path, Err: err})
	}
	switch err := unix.Unlink(path); err {
	case nil:
		return nil
	case unix.ENOENT:
		return fmt.Errorf("netns %q: %w", name, os.ErrNotExist)
	case unix.EBUSY:
		return fmt.Errorf("netns %q: %s is busy: another mount namespace still holds its mount (stop the container or process that holds it, then try again)", name, path)
	default:
		return explainRunDir(&os.PathError{Op: "remove", Path: path, Err: err})
	}
}
