package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"unicode/utf8"
)

const sysctlHelp = `Usage: nsnet sysctl [ -n ] [ -e ] KEY...
       nsnet sysctl [ -q ] [ -e ] -w KEY=VALUE...
       nsnet sysctl [ -n ] -a

Reads and writes the network sysctls (/proc/sys/net) of the namespace the
command acts in: nsnet's own, or the one named by -n. KEY is dotted
(net.ipv4.ip_forward) or slashed (net/ipv4/ip_forward); in the dotted form a
'/' stands for a '.' in a name (net.ipv4.conf.eth0/10.forwarding). Only net.*
keys are allowed. An argument with '=' is a write even without -w; writes stop
at the first failure and print nothing.
  -a  every readable net.* key     -n  values only     -e  ignore unknown keys
  -q  quiet (writes never print)   -j  JSON: [{"key":..,"value":..}]
`

// sysctlRoot is where the sysctls are; only its net subtree is used.
const sysctlRoot = "/proc/sys"

func parseSysctl(args []string, opt options) (command, error) {
	var show sysctlShow
	var set sysctlSet
	write := false
	for _, w := range args {
		if len(w) > 1 && w[0] == '-' && !strings.Contains(w, "=") {
			for _, f := range w[1:] {
				switch f {
				case 'w':
					write = true
				case 'n':
					show.valuesOnly = true
				case 'a', 'A', 'X':
					show.all = true
				case 'e':
					show.ignore, set.ignore = true, true
				case 'q':
				default:
					return nil, usagef("sysctl: unknown option %q", w)
				}
			}
			continue
		}
		if isHelp(w) {
			return helpCmd{text: sysctlHelp}, nil
		}
		key, value, isSet := strings.Cut(w, "=")
		key = strings.TrimSpace(key)
		k, err := parseSysctlKey(key)
		if err != nil {
			return nil, err
		}
		if isSet && strings.IndexByte(value, 0) >= 0 {
			return nil, usagef("sysctl -w: invalid value %q for %s: a NUL byte", value, k.name)
		}
		if isSet {
			set.pairs = append(set.pairs, sysctlPair{key: k, value: strings.TrimSpace(value)})
			continue
		}
		if write {
			return nil, usagef("sysctl -w: %q is not KEY=VALUE", w)
		}
		show.keys = append(show.keys, k)
	}
	switch {
	case len(set.pairs) > 0 && (len(show.keys) > 0 || show.all):
		return nil, usagef("sysctl: cannot both read and write in one command")
	case len(set.pairs) > 0:
		return set, nil
	case write:
		return nil, usagef("sysctl -w: missing KEY=VALUE")
	case show.all && len(show.keys) > 0:
		return nil, usagef("sysctl -a takes no keys")
	case !show.all && len(show.keys) == 0:
		return nil, usagef("sysctl: missing KEY (try \"nsnet sysctl help\")")
	}
	return show, nil
}

// sysctlKey is a validated key: its path below /proc/sys and its dotted
// name.
type sysctlKey struct {
	path string // "net/ipv4/ip_forward"
	name string // "net.ipv4.ip_forward"
}

// parseSysctlKey turns a dotted or slashed key into a path that cannot
// leave /proc/sys/net.
func parseSysctlKey(key string) (sysctlKey, error) {
	bad := func(why string) (sysctlKey, error) {
		return sysctlKey{}, usagef("invalid sysctl key %q: %s", key, why)
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
	return sysctlKey{path: strings.Join(parts, "/"), name: sysctlName(parts)}, nil
}

// sysctlName is the dotted name of path components (a '.' inside one is
// written '/').
func sysctlName(parts []string) string {
	names := make([]string, len(parts))
	for i, p := range parts {
		names[i] = strings.ReplaceAll(p, ".", "/")
	}
	return strings.Join(names, ".")
}

// openSysctl opens a sysctl file of the command's namespace. The file is
// opened on a thread inside that namespace and stays bound to it, so it
// can be read or written from anywhere afterwards.
func openSysctl(e *env, k sysctlKey, flag int) (*os.File, error) {
	// A missing namespace is not a missing key.
	if _, err := e.nsHandle(); err != nil {
		return nil, err
	}
	var f *os.File
	err := e.do(func() error {
		var err error
		f, err = os.OpenFile(filepath.Join(sysctlRoot, k.path), flag|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		var pe *fs.PathError
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, notFound(fmt.Sprintf("sysctl %s: no such key", k.name))
		case errors.As(err, &pe):
			err = fmt.Errorf("sysctl %s: %w", k.name, pe.Err)
			if h := modeHint(filepath.Join(sysctlRoot, k.path), flag); h != "" {
				return nil, &hinted{err: err, hint: h}
			}
			return nil, err
		}
		return nil, err
	}
	return f, nil
}

// readSysctl returns a key's value without its trailing newline.
func readSysctl(e *env, k sysctlKey) (string, error) {
	f, err := openSysctl(e, k, os.O_RDONLY)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		if errors.Is(err, syscall.EISDIR) {
			return "", fmt.Errorf("sysctl %s: is a directory, not a key", k.name)
		}
		return "", fmt.Errorf("sysctl %s: %w", k.name, unwrapPath(err))
	}
	return strings.TrimSuffix(string(b), "\n"), nil
}

// writeSysctl sets a key.
func writeSysctl(e *env, k sysctlKey, value string) error {
	f, err := openSysctl(e, k, os.O_WRONLY)
	if err != nil {
		return err
	}
	_, err = f.WriteString(value)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sysctl %s=%s: %w", k.name, shownValue(value), unwrapPath(err))
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

// sysctlEntry is one key and value as printed.
type sysctlEntry struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// walkSysctl reads every readable key below dir (a path under
// /proc/sys), all on one thread inside the namespace.
func walkSysctl(e *env, dir string) ([]sysctlEntry, error) {
	var out []sysctlEntry
	err := e.do(func() error {
		root := filepath.Join(sysctlRoot, dir)
		return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if p == root {
					return err
				}
				return nil // an unreadable directory is skipped
			}
			if d.IsDir() || !d.Type().IsRegular() {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return nil // write-only or refusing keys are skipped, as sysctl -a does
			}
			rel, _ := filepath.Rel(sysctlRoot, p)
			out = append(out, sysctlEntry{Key: sysctlName(strings.Split(rel, "/")), Value: strings.TrimSuffix(string(b), "\n")})
			return nil
		})
	})
	return out, err
}

// sysctlShow is "sysctl KEY..." and "sysctl -a".
type sysctlShow struct {
	keys       []sysctlKey
	all        bool
	valuesOnly bool
	ignore     bool
}

func (c sysctlShow) run(e *env) error {
	var entries []sysctlEntry
	if c.all {
		var err error
		if entries, err = walkSysctl(e, "net"); err != nil {
			return err
		}
	}
	for _, k := range c.keys {
		v, err := readSysctl(e, k)
		if err != nil && strings.Contains(err.Error(), "is a directory") {
			// A directory key lists everything below it, as sysctl(8).
			sub, werr := walkSysctl(e, k.path)
			if werr != nil {
				return werr
			}
			entries = append(entries, sub...)
			continue
		}
		if err != nil {
			if c.ignore && errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return err
		}
		entries = append(entries, sysctlEntry{Key: k.name, Value: v})
	}
	if e.opt.json {
		if entries == nil {
			entries = []sysctlEntry{}
		}
		return e.printJSON(entries)
	}
	var b strings.Builder
	for _, en := range entries {
		if c.valuesOnly {
			fmt.Fprintln(&b, en.Value)
		} else {
			fmt.Fprintf(&b, "%s = %s\n", en.Key, en.Value)
		}
	}
	_, err := io.WriteString(e.out, b.String())
	return err
}

// sysctlPair is one KEY=VALUE.
type sysctlPair struct {
	key   sysctlKey
	value string
}

// sysctlSet is "sysctl -w KEY=VALUE...".
type sysctlSet struct {
	pairs  []sysctlPair
	ignore bool
}

func (c sysctlSet) run(e *env) error {
	for _, p := range c.pairs {
		if err := writeSysctl(e, p.key, p.value); err != nil {
			if c.ignore && errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return err
		}
	}
	return nil
}

// sameValue compares sysctl values the way they mean: "4096 16384" and
// "4096\t16384\n" are the same.
func sameValue(a, b string) bool {
	return strings.Join(strings.Fields(a), " ") == strings.Join(strings.Fields(b), " ")
}

// applied reports whether every key already has its value.
func (c sysctlSet) applied(e *env) (bool, error) {
	if nsAbsent(e) {
		return false, nil
	}
	for _, p := range c.pairs {
		v, err := readSysctl(e, p.key)
		if err != nil {
			return false, err
		}
		if !sameValue(v, p.value) {
			return false, nil
		}
	}
	return true, nil
}

// inverse writes back the values the keys have now.
func (c sysctlSet) inverse(e *env) (command, error) {
	inv := sysctlSet{}
	for i := len(c.pairs) - 1; i >= 0; i-- {
		p := c.pairs[i]
		v, err := readSysctl(e, p.key)
		if err != nil {
			return nil, err
		}
		inv.pairs = append(inv.pairs, sysctlPair{key: p.key, value: strings.Join(strings.Fields(v), " ")})
	}
	return inv, nil
}

// shownValue is a value as an error message shows it: as given when it
// is printable, Go-quoted otherwise (a NUL or a control byte is escaped,
// never dropped by the terminal).
func shownValue(v string) string {
	for _, r := range v {
		if r < ' ' && r != '\t' || r == 0x7f || r == utf8.RuneError {
			return strconv.Quote(v)
		}
	}
	return v
}

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
