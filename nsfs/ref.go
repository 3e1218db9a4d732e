package nsfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// RefKind says how a Ref names its namespace.
type RefKind uint8

// The kinds of namespace reference.
const (
	// RefSelf is the caller's own namespace (the zero Ref).
	RefSelf RefKind = iota
	// RefName is a named namespace, RunDir/NAME.
	RefName
	// RefPath is a namespace file anywhere (/proc/PID/ns/net, a bind mount).
	RefPath
	// RefPID is the namespace of a process.
	RefPID
	// RefFD is a namespace file descriptor the caller holds open.
	RefFD
)

// Ref is a typed reference to a network namespace: one of a name, a path,
// a process id or a file descriptor, or (the zero value) the caller's own
// namespace. ParseRef reads the forms a user types; ParseKey reads back
// what Key wrote.
type Ref struct {
	Kind RefKind
	Name string // RefName
	Path string // RefPath
	PID  int    // RefPID
	FD   int    // RefFD
}

// Self is the caller's own namespace.
func Self() Ref { return Ref{} }

// NameRef refers to the named namespace RunDir/name.
func NameRef(name string) Ref { return Ref{Kind: RefName, Name: name} }

// PathRef refers to the namespace file at path.
func PathRef(path string) Ref { return Ref{Kind: RefPath, Path: path} }

// PIDRef refers to the namespace of process pid.
func PIDRef(pid int) Ref { return Ref{Kind: RefPID, PID: pid} }

// FDRef refers to a namespace file descriptor the caller keeps open.
func FDRef(fd int) Ref { return Ref{Kind: RefFD, FD: fd} }

// IsSelf reports whether r is the caller's own namespace.
func (r Ref) IsSelf() bool { return r.Kind == RefSelf }

// ParseRef reads a reference the way `ip link set DEV netns X` takes it: a
// number is a PID unless RunDir/X exists, a word with '/' is a path,
// anything else a name (checked by ValidName).
func ParseRef(s string) (Ref, error) {
	if s == "" {
		return Ref{}, errors.New("empty netns argument")
	}
	if strings.ContainsRune(s, 0) {
		return Ref{}, fmt.Errorf("invalid netns %q: a NUL byte", s)
	}
	if n, err := strconv.ParseUint(s, 10, 31); err == nil {
		if _, err := os.Stat(filepath.Join(RunDir, s)); err == nil {
			return NameRef(s), nil
		}
		if n == 0 {
			return Ref{}, fmt.Errorf("invalid PID %q for netns", s)
		}
		return PIDRef(int(n)), nil
	}
	if strings.ContainsRune(s, '/') {
		return PathRef(s), nil
	}
	if err := ValidName(s); err != nil {
		return Ref{}, err
	}
	return NameRef(s), nil
}

// Key is the reference as one string that ParseKey reads back to the same
// reference whatever exists on the machine: "" for the caller's own
// namespace, the name for a named one (a name never holds '/'), and an
// absolute path for the others (/proc/PID/ns/net for a PID,
// /proc/self/fd/N for a descriptor). Sessions cache namespaces under it and
// journals record it.
func (r Ref) Key() string {
	switch r.Kind {
	case RefName:
		return r.Name
	case RefPID:
		return "/proc/" + strconv.Itoa(r.PID) + "/ns/net"
	case RefFD:
		return "/proc/self/fd/" + strconv.Itoa(r.FD)
	case RefPath:
		return r.Path
	}
	return ""
}

// ParseKey reads a Key back: "" is the caller's own namespace, a string
// with '/' a path, anything else a name (checked by ValidName).
func ParseKey(key string) (Ref, error) {
	switch {
	case key == "":
		return Ref{}, nil
	case strings.ContainsRune(key, 0):
		return Ref{}, fmt.Errorf("bad namespace %q: a NUL byte", key)
	case !strings.ContainsRune(key, '/'):
		if err := ValidName(key); err != nil {
			return Ref{}, err
		}
		return NameRef(key), nil
	}
	return PathRef(key), nil
}

// String returns the reference as it would be typed.
func (r Ref) String() string {
	switch r.Kind {
	case RefName:
		return r.Name
	case RefPID:
		return strconv.Itoa(r.PID)
	case RefFD:
		return "fd " + strconv.Itoa(r.FD)
	case RefPath:
		return r.Path
	}
	return "(own namespace)"
}

// Open opens the namespace r refers to. Missing namespaces match
// os.ErrNotExist; the caller's own namespace is opened through
// /proc/self/ns/net. A RefFD is duplicated: closing the NS leaves the
// caller's descriptor open.
func (r Ref) Open() (*NS, error) {
	switch r.Kind {
	case RefName:
		return OpenName(r.Name)
	case RefPID:
		return OpenPID(r.PID)
	case RefFD:
		return Open("/proc/self/fd/" + strconv.Itoa(r.FD))
	case RefPath:
		return Open(r.Path)
	}
	return Current()
}

// MarshalText writes the reference as its Key, so that a step holding it
// journals it as one string.
func (r Ref) MarshalText() ([]byte, error) { return []byte(r.Key()), nil }

// UnmarshalText reads a Key back (ParseKey).
func (r *Ref) UnmarshalText(b []byte) error {
	ref, err := ParseKey(string(b))
	if err != nil {
		return err
	}
	*r = ref
	return nil
}
