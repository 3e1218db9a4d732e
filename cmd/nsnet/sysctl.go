package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/plan"
	"github.com/nsnet/nsnet/sysctl"
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
			return nil, usagef("sysctl -w: invalid value %q for %s: a NUL byte", value, k.Name)
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

// sysctlKey is a validated key (package sysctl).
type sysctlKey = sysctl.Key

// parseSysctlKey turns a dotted or slashed key into a path that cannot
// leave /proc/sys/net; a bad key is a usage error.
func parseSysctlKey(key string) (sysctlKey, error) {
	k, err := sysctl.ParseKey(key)
	if err != nil {
		return k, usagef("%v", err)
	}
	return k, nil
}

// sysctlErr turns a package sysctl error into nsnet's words: a missing key
// says so, a refused one carries its hint, a failed write shows the value.
func sysctlErr(err error, value string) error {
	var se *sysctl.Error
	if !errors.As(err, &se) {
		return err
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return notFound(fmt.Sprintf("sysctl %s: no such key", se.Key.Name))
	case se.Op == "write":
		return fmt.Errorf("sysctl %s=%s: %w", se.Key.Name, shownValue(value), se.Err)
	case se.Hint != "":
		return &hinted{err: err, hint: se.Hint}
	}
	return err
}

// sysctlNS returns the command's namespace for package sysctl (nil for
// nsnet's own); a missing namespace is not a missing key.
func sysctlNS(e *env) (*nsfs.NS, error) { return e.nsHandle() }

// readSysctl returns a key's value without its trailing newline.
func readSysctl(e *env, k sysctlKey) (string, error) {
	ns, err := sysctlNS(e)
	if err != nil {
		return "", err
	}
	v, err := sysctl.Read(ns, k)
	return v, sysctlErr(err, "")
}

// writeSysctl sets a key.
func writeSysctl(e *env, k sysctlKey, value string) error {
	ns, err := sysctlNS(e)
	if err != nil {
		return err
	}
	return sysctlErr(sysctl.Write(ns, k, value), value)
}

// sysctlEntry is one key and value as printed.
type sysctlEntry = sysctl.Entry

// walkSysctl reads every readable key below dir (a path under /proc/sys).
func walkSysctl(e *env, dir string) ([]sysctlEntry, error) {
	ns, err := sysctlNS(e)
	if err != nil {
		return nil, err
	}
	return sysctl.Walk(ns, dir)
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
		if errors.Is(err, sysctl.ErrIsDir) {
			// A directory key lists everything below it, as sysctl(8).
			sub, werr := walkSysctl(e, k.Path)
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
		entries = append(entries, sysctlEntry{Key: k.Name, Value: v})
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

// step is the line as a plan step (plan.SysctlSet holds apply, applied
// and inverse).
func (c sysctlSet) step(e *env) (plan.SysctlSet, error) {
	ref, err := e.ref()
	st := plan.SysctlSet{NS: ref}
	for _, p := range c.pairs {
		st.Values = append(st.Values, plan.SysctlValue{Key: p.key, Value: p.value})
	}
	return st, err
}

// sysctlFromStep is the command of a plan step.
func sysctlFromStep(st plan.SysctlSet) sysctlSet {
	var c sysctlSet
	for _, v := range st.Values {
		c.pairs = append(c.pairs, sysctlPair{key: v.Key, value: v.Value})
	}
	return c
}

// applied reports whether every key already has its value.
func (c sysctlSet) applied(e *env) (bool, error) {
	st, err := c.step(e)
	if err != nil {
		return false, err
	}
	ok, err := st.Applied(e.ctx, e.s.ps)
	return ok, sysctlErr(err, "")
}

// inverse writes back the values the keys have now.
func (c sysctlSet) inverse(e *env) (command, error) {
	st, err := c.step(e)
	if err != nil {
		return nil, err
	}
	inv, err := st.Inverse(e.ctx, e.s.ps)
	if err != nil {
		return nil, sysctlErr(err, "")
	}
	return sysctlFromStep(inv.(plan.SysctlSet)), nil
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
