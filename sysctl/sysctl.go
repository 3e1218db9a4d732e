// Package sysctl reads and writes the network sysctls (/proc/sys/net) of
// any network namespace.
//
// Keys are validated by ParseKey into a path that cannot leave
// /proc/sys/net: only net.* keys, no empty, "." or ".." components, no NUL
// byte. Files are opened with O_NOFOLLOW on a thread inside the target
// namespace (nsfs.Do), since /proc/sys/net shows the namespace of the
// thread that opens it; an open file stays bound to that namespace, so it is
// read or written afterwards from any thread.
//
// Errors: a missing key matches fs.ErrNotExist; other file-system errors
// are returned as *Error, carrying the key and, when the file's mode
// explains a refusal even root gets, a Hint.
package sysctl

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/nsnet/nsnet/nsfs"
)

// Root is where the sysctls are; only its net subtree is used. Unit tests
// of the code above this package point it at a directory of their own,
// so that writes never reach the machine's; nothing else changes it.
var Root = "/proc/sys"

// Key is a validated key: its path below Root and its dotted name.
type Key struct {
	Path string // "net/ipv4/ip_forward"
	Name string // "net.ipv4.ip_forward"
}

// String returns the dotted name.
func (k Key) String() string { return k.Name }

// ParseKey turns a dotted (net.ipv4.ip_forward) or slashed
// (net/ipv4/ip_forward) key into a Key whose path cannot leave
// /proc/sys/net. In the dotted form a '/' stands for a '.' inside a
// component (net.ipv4.conf.eth0/10.forwarding).
func ParseKey(key string) (Key, error) {
	bad := func(why string) (Key, error) {
		return Key{}, fmt.Errorf("invalid sysctl key %q: %s", key, why)
	}
	if key == "" {
		return bad("empty")
	}
	if strings.ContainsRune(key, 0) {
		return bad("contains a NUL byte")
	}
	var parts []string
	slash, dot := strings.IndexByte(key, '/'), strings.IndexByte(key, '.')
	if slash >= 0 && (dot < 0 || slash < dot) {
		parts = strings.Split(key, "/")
	} else {
		parts = strings.Split(key, ".")
		for i, p := range parts {
			parts[i] = strings.ReplaceAll(p, "/", ".")
		}
	}
	for _, p := range parts {
		if p == "" {
			return bad("empty component (a leading, trailing or doubled separator)")
		}
		if p == "." || p == ".." {
			return bad("\".\" and \"..\" are not allowed")
		}
	}
	if parts[0] != "net" {
		return bad("only net.* keys are allowed")
	}
	return Key{Path: strings.Join(parts, "/"), Name: name(parts)}, nil
}

// MustKey is ParseKey for keys known to be valid; it panics otherwise.
func MustKey(key string) Key {
	k, err := ParseKey(key)
	if err != nil {
		panic(err)
	}
	return k
}

// name is the dotted name of path components (a '.' inside one is written
// '/').
func name(parts []string) string {
	names := make([]string, len(parts))
	for i, p := range parts {
		names[i] = strings.ReplaceAll(p, ".", "/")
	}
	return strings.Join(names, ".")
}

// Error is a sysctl file that could not be opened, read or written.
type Error struct {
	Key  Key
	Op   string // "open", "read" or "write"
	Err  error
	Hint string // why even root is refused (write-only or read-only key), or ""
}

func (e *Error) Error() string { return fmt.Sprintf("sysctl %s: %v", e.Key.Name, e.Err) }

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// ErrIsDir is wrapped by the error of a read of a key that is a directory.
var ErrIsDir = errors.New("is a directory, not a key")

// do runs fn on a thread inside ns (directly for nil, the caller's own).
func do(ns *nsfs.NS, fn func() error) error {
	if ns == nil {
		return fn()
	}
	return nsfs.Do(ns, fn)
}

// Open opens a sysctl file of namespace ns (nil: the caller's own) with
// flag (os.O_RDONLY or os.O_WRONLY). The file stays bound to ns.
func Open(ns *nsfs.NS, k Key, flag int) (*os.File, error) {
	var f *os.File
	err := do(ns, func() error {
		var err error
		f, err = os.OpenFile(filepath.Join(Root, k.Path), flag|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		op := "open"
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &Error{Key: k, Op: op, Err: fmt.Errorf("no such key: %w", fs.ErrNotExist)}
		}
		return nil, &Error{Key: k, Op: op, Err: err, Hint: modeHint(filepath.Join(Root, k.Path), flag)}
	}
	return f, nil
}

// Read returns a key's value in namespace ns without its trailing newline.
func Read(ns *nsfs.NS, k Key) (string, error) {
	f, err := Open(ns, k, os.O_RDONLY)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		if errors.Is(err, syscall.EISDIR) {
			return "", &Error{Key: k, Op: "read", Err: ErrIsDir}
		}
		return "", &Error{Key: k, Op: "read", Err: unwrapPath(err)}
	}
	return strings.TrimSuffix(string(b), "\n"), nil
}

// Write sets a key in namespace ns.
func Write(ns *nsfs.NS, k Key, value string) error {
	if strings.IndexByte(value, 0) >= 0 {
		return &Error{Key: k, Op: "open", Err: errors.New("a NUL byte in the value")}
	}
	// O_TRUNC as the shell's > and sysctl(8): procfs takes it, and a
	// regular file under a test's Root then holds the new value alone.
	f, err := Open(ns, k, os.O_WRONLY|os.O_TRUNC)
	if err != nil {
		return err
	}
	_, err = f.WriteString(value)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return &Error{Key: k, Op: "write", Err: unwrapPath(err)}
	}
	return nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Entry is one key and its value.
type Entry struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Walk reads every readable key below dir (a Key's Path, or "net"), all on
// one thread inside ns. Unreadable directories and keys (write-only ones)
// are skipped, as sysctl -a does.
func Walk(ns *nsfs.NS, dir string) ([]Entry, error) {
	if dir != "net" {
		k, err := ParseKey(dir)
		if err != nil {
			return nil, err
		}
		dir = k.Path
	}
	var out []Entry
	err := do(ns, func() error {
		root := filepath.Join(Root, dir)
		return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if p == root {
					return err
				}
				return nil
			}
			if d.IsDir() || !d.Type().IsRegular() {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return nil
			}
			rel, _ := filepath.Rel(Root, p)
			out = append(out, Entry{Key: name(strings.Split(rel, "/")), Value: strings.TrimSuffix(string(b), "\n")})
			return nil
		})
	})
	return out, err
}

// SameValue compares values the way they mean: "4096 16384" and
// "4096\t16384\n" are the same.
func SameValue(a, b string) bool { return Normalize(a) == Normalize(b) }

// Normalize returns a value with its fields separated by single spaces.
func Normalize(v string) string { return strings.Join(strings.Fields(v), " ") }

// modeHint says why a sysctl file refuses even root: a key without read
// bits is write-only, one without write bits read-only.
func modeHint(path string, flag int) string {
	st, err := os.Stat(path)
	if err != nil {
		return ""
	}
	m := st.Mode().Perm()
	switch {
	case flag&(os.O_WRONLY|os.O_RDWR) == 0 && m&0o444 == 0:
		return "the key is write-only: it cannot be read"
	case flag&(os.O_WRONLY|os.O_RDWR) != 0 && m&0o222 == 0:
		return "the key is read-only: it cannot be written"
	}
	return ""
}
