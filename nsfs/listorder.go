package nsfs

import (
	"errors"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// ListDirOrder is List in the order the directory gives its entries
// (newest first on tmpfs), the order in which ip netns list prints them.
func ListDirOrder() ([]Entry, error) {
	d, err := os.Open(RunDir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, name := range names {
		e := Entry{Name: name}
		var st unix.Stat_t
		p := filepath.Join(RunDir, name)
		if unix.Lstat(p, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
			e.Stale = true // a symlink, directory, FIFO or device
		} else if ns, err := open(p, unix.O_NOFOLLOW); err != nil {
			e.Stale = true // no mount, or a namespace of another kind
		} else {
			ns.Close()
		}
		out = append(out, e)
	}
	return out, nil
}
