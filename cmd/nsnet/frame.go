package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/plan"
	"github.com/nsnet/nsnet/rtnl"
)

// A command is one parsed nsnet command line, ready to run. Parsing and
// running are separate so that a batch file can be parsed whole before
// anything runs, and --dry-run can print the plan.
type command interface {
	run(e *env) error
}

// options are the global options that change how a command prints.
type options struct {
	json    bool
	pretty  bool
	details bool
	brief   bool
	stats   bool
	family  int  // 0 all, 4 or 6
	all     bool // -all (netns exec/del in every namespace)
	force   bool // -force (batch: go on after errors)
	// timestamp is monitor's -t (1) or -ts (2); accepted everywhere.
	timestamp int

	// iproute2's other global options.
	linkOnly   bool // -0, -family link: link-layer information only
	oneline    bool // -oneline: one record per line, "\\" between its lines
	color      colorWhen
	human      bool // -human: counters with K, M, G suffixes
	iec        bool // -iec: powers of 1024 with -human
	statsLevel int  // how many -s were given
}

// colorWhen is the -color option's value.
type colorWhen uint8

const (
	colorNever colorWhen = iota
	colorAlways
	colorAuto
)

// session holds what lives as long as the process: output streams, the
// trace writer, and one netlink connection per (namespace, family),
// opened on first use and reused by every later command.
type session struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	ctx            context.Context
	trace          io.Writer
	traceHex       bool
	// capture is --trace-pcap's writer (nil without it), and pcap its
	// file (see tracepcap.go).
	capture netlinkTap
	pcap    *pcapOut

	// batch is set while running a batch, up or down file: netns exec then
	// runs its command as a child instead of replacing nsnet.
	batch bool

	// ps holds the open namespaces and their connections (plan.Session:
	// opened on first use, reused, at most a quarter of RLIMIT_NOFILE
	// open at once).
	ps *plan.Session

	// last and line are set by runBatch: the index of the last line that
	// acts in each namespace, and of the line that runs now. netns add
	// uses them to open the socket of the lines that follow while it is
	// inside the new namespace anyway.
	last map[string]int
	line int
	// names is what a batch knows of the links it made (nil outside
	// runBatch; see linkNames).
	names linkNames
}

// openNS returns the namespace the session holds open under key (a name
// or a path), if it still is what the name refers to; nil otherwise. A
// nil session holds none.
func (s *session) openNS(key string) *nsfs.NS {
	if s == nil {
		return nil
	}
	ref, err := nsfs.ParseKey(key)
	if err != nil {
		return nil
	}
	return s.ps.Cached(ref)
}

// usedLater reports whether a batch line after the current one acts in
// namespace ns.
func (s *session) usedLater(ns string) bool {
	i, ok := s.last[ns]
	return ok && i > s.line
}

// adopt caches an open namespace handle, and its rtnetlink connection when
// conn is not nil, under the name ns.
func (s *session) adopt(ns string, h *nsfs.NS, conn *rtnl.Conn) error {
	return s.ps.Adopt(nsfs.NameRef(ns), h, conn)
}

// sessionOptions are the plan.Options of every session: nil (real
// sockets) except in unit tests, which hand out connections to a fake
// kernel (nltest).
var sessionOptions *plan.Options

func newSession(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) *session {
	return &session{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr, ps: plan.NewSession(sessionOptions)}
}

// close releases every cached connection and namespace handle.
func (s *session) close() { s.ps.Close() }

// forgetAll drops every cached connection and namespace handle.
func (s *session) forgetAll() { s.ps.Close() }

// forget drops what is cached for namespace ns (a name or a path).
func (s *session) forget(ns string) {
	delete(s.names, ns)
	if ref, err := nsfs.ParseKey(ns); err == nil {
		s.ps.Forget(ref)
	}
}

// env is what a command runs with: the session, the namespace it acts in
// ("" is nsnet's own) and the options of its line.
type env struct {
	s   *session
	ns  string
	opt options
	out io.Writer
	ctx context.Context
}

func (s *session) env(ns string, opt options) *env {
	s.ps.Begin()
	return &env{s: s, ns: ns, opt: opt, out: s.stdout, ctx: s.ctx}
}

// ref is the command's namespace as a reference.
func (e *env) ref() (nsfs.Ref, error) { return nsfs.ParseKey(e.ns) }

// nsHandle returns the open namespace the command acts in, or nil for
// nsnet's own namespace: a -n name, or the path of a namespace that an
// inverse must act in (a link moved back to the namespace of a PID or a
// file).
func (e *env) nsHandle() (*nsfs.NS, error) {
	ref, err := e.ref()
	if err != nil {
		return nil, err
	}
	h, err := e.s.ps.Open(ref)
	if errors.Is(err, os.ErrNotExist) {
		return nil, &ipErr{ip: fmt.Sprintf("Cannot open network namespace %q: No such file or directory", e.ns), code: 255, err: err}
	}
	return h, err
}

// nsFD returns the namespace's file descriptor for netlink.Config.NetNS
// (0 for nsnet's own namespace).
func (e *env) nsFD() (int, error) {
	h, err := e.nsHandle()
	if err != nil || h == nil {
		return 0, err
	}
	return h.Fd(), nil
}

// do runs fn on a thread inside the command's namespace (directly when it
// is nsnet's own). fn must not start goroutines.
func (e *env) do(fn func() error) error {
	h, err := e.nsHandle()
	if err != nil {
		return err
	}
	if h == nil {
		return fn()
	}
	return nsfs.Do(h, fn)
}

// conn returns the cached connection of a family in the command's
// namespace, dialling it on first use.
func (e *env) conn(family string, dial func(nsFD int) (io.Closer, error)) (io.Closer, error) {
	// nsHandle first: it names a missing namespace as ip does.
	if _, err := e.nsHandle(); err != nil {
		return nil, err
	}
	ref, _ := e.ref()
	return e.s.ps.Conn(ref, family, dial)
}

// rtnl returns the rtnetlink connection of the command's namespace.
func (e *env) rtnl() (*rtnl.Conn, error) {
	c, err := e.conn("rtnl", func(fd int) (io.Closer, error) {
		return rtnl.Dial(&rtnl.Config{NetNS: fd, Trace: e.s.trace, TraceHex: e.s.traceHex, TraceNS: e.ns, Capture: e.s.capture})
	})
	if err != nil {
		return nil, err
	}
	return c.(*rtnl.Conn), nil
}

// printJSON writes v as JSON on one line, or indented with -pretty.
func (e *env) printJSON(v any) error {
	var b []byte
	var err error
	switch v.(type) {
	case *obj, []*obj, []any:
		b, err = appendJSON(nil, v)
		if err == nil && e.opt.pretty {
			b = ipPretty(b)
		}
	default:
		b, err = json.Marshal(v)
		if err == nil && e.opt.pretty {
			b = ipPretty(b)
		}
	}
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = e.out.Write(b)
	return err
}

// warnf prints a warning on stderr; it does not fail the command.
func (e *env) warnf(format string, args ...any) {
	fmt.Fprintf(e.s.stderr, "nsnet: warning: "+format+"\n", args...)
}

// noteF prints an informational line on stderr (for example "already
// exists, nothing to do").
func (e *env) notef(format string, args ...any) {
	fmt.Fprintf(e.s.stderr, "nsnet: "+format+"\n", args...)
}

// usageError is bad input: nsnet exits 255, as iproute2 does.
type usageError struct{ msg string }

func (u *usageError) Error() string { return u.msg }

// usagef returns a usage error; name the offending token in the message.
func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// isUsage reports whether err is a usage error.
func isUsage(err error) bool {
	var u *usageError
	return errors.As(err, &u)
}

// exitStatus carries a command's own exit status (netns exec -all, ping).
type exitStatus struct {
	code int
	err  error // printed when not nil
}

func (x *exitStatus) Error() string {
	if x.err != nil {
		return x.err.Error()
	}
	return fmt.Sprintf("exit status %d", x.code)
}

// matches reports whether word is an abbreviation of keyword, the way
// iproute2 accepts "a" for "address" and "ls" for "list".
func matches(word, keyword string) bool {
	return word != "" && strings.HasPrefix(keyword, word)
}

// isHelp reports whether word asks for help.
func isHelp(word string) bool {
	return word == "help" || word == "-h" || word == "-help" || word == "--help"
}

// helpCmd prints a help text; it is what "OBJECT help" parses to.
type helpCmd struct{ text string }

func (h helpCmd) run(e *env) error {
	if ipMode {
		// As ip: help goes to stderr and exits 255.
		io.WriteString(e.s.stderr, strings.TrimLeft(h.text, "\n"))
		return &exitStatus{code: 255}
	}
	_, err := io.WriteString(e.out, strings.TrimLeft(h.text, "\n"))
	return err
}

// argv is a cursor over the words of a command line.
type argv struct {
	w []string
	i int
}

func (a *argv) more() bool { return a.i < len(a.w) }

func (a *argv) peek() string {
	if a.i < len(a.w) {
		return a.w[a.i]
	}
	return ""
}

func (a *argv) next() string {
	s := a.peek()
	a.i++
	return s
}

// rest returns the words not consumed yet.
func (a *argv) rest() []string {
	if a.i >= len(a.w) {
		return nil
	}
	return a.w[a.i:]
}

// value returns the word after keyword, or a usage error naming keyword.
func (a *argv) value(keyword string) (string, error) {
	if !a.more() {
		return "", errIncomplete(usagef("missing value after %q", keyword))
	}
	return a.next(), nil
}

// noMore fails when words are left over.
func (a *argv) noMore() error {
	if a.more() {
		return usagef("unexpected argument %q", a.peek())
	}
	return nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// reversible is implemented by every command that changes state, so that
// `nsnet up FILE` can undo a partly applied file and `nsnet down FILE` can
// undo a whole one.
type reversible interface {
	command
	// inverse returns the command that undoes this one. It is called
	// before the command runs and may look at the current state (sysctl -w
	// remembers the old value; link set netns remembers where the link
	// was). The inverse runs with the same env (namespace) unless it
	// says otherwise (see inNS).
	inverse(e *env) (command, error)
	// applied reports whether the state this command would create is
	// already there, so that `up` on an applied file changes nothing.
	applied(e *env) (bool, error)
}

// inNS runs cmd in namespace ns ("" is nsnet's own) whatever the env it is
// given: an inverse that must act elsewhere (moving a link back) uses it.
type inNS struct {
	ns  string
	cmd command
}

func (c inNS) run(e *env) error {
	sub := *e
	sub.ns = c.ns
	return c.cmd.run(&sub)
}

// netns add/del are each other's inverse (plan.NetnsAdd).
func (c netnsAdd) inverse(e *env) (command, error) { return netnsDel{name: c.name}, nil }

func (c netnsAdd) applied(e *env) (bool, error) {
	return plan.NetnsAdd{Name: c.name}.Applied(e.ctx, e.s.ps)
}

// appendJSON appends v as compact JSON. It writes the shapes the object
// printers build (ordered objects, slices, strings, numbers, booleans)
// directly, which is several times cheaper than encoding/json's reflection
// and re-validation of MarshalJSON output on a 10,000-link listing; other
// values go through encoding/json.
func appendJSON(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case *obj:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '{')
		for i, k := range v.keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			var err error
			if b, err = appendJSON(b, v.vals[i]); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	case []*obj:
		b = append(b, '[')
		for i, o := range v {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendJSON(b, o); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case []any:
		b = append(b, '[')
		for i, o := range v {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendJSON(b, o); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case []string:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, s := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, s)
		}
		return append(b, ']'), nil
	case string:
		return appendJSONString(b, v), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int32:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case uint8:
		return strconv.AppendUint(b, uint64(v), 10), nil
	case uint16:
		return strconv.AppendUint(b, uint64(v), 10), nil
	case uint32:
		return strconv.AppendUint(b, uint64(v), 10), nil
	case uint64:
		return strconv.AppendUint(b, v, 10), nil
	case json.RawMessage:
		return append(b, v...), nil
	}
	enc, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, enc...), nil
}

// appendJSONString appends s as a JSON string, escaping what JSON requires
// and replacing invalid UTF-8 with U+FFFD, as encoding/json does.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	// Most strings (names, addresses, flags) need no escaping: copy the
	// plain prefix in one go.
	i := 0
	for i < len(s) && jsonPlain[s[i]] {
		i++
	}
	b = append(b, s[:i]...)
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\t':
				b = append(b, '\\', 't')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\b':
				b = append(b, '\\', 'b')
			case c == '\f':
				b = append(b, '\\', 'f')
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// parsedValue reads the word after keyword and parses it, turning a parse
// error into a usage error ("scope", "proto", "type" and friends).
func parsedValue[T any](a *argv, keyword string, parse func(string) (T, error)) (*T, error) {
	v, err := a.value(keyword)
	if err != nil {
		return nil, err
	}
	x, err := parse(v)
	if err != nil {
		return nil, usagef("%v", err)
	}
	return &x, nil
}

// once records a keyword that takes a value (words maps its spellings to
// one name) and fails when the command line gives it a second time.
func once(seen map[string]bool, words map[string]string, word string, a *argv) error {
	name, ok := words[word]
	if !ok {
		return nil
	}
	if seen[name] {
		return usagef("duplicate %q: %q would be its second value", word, a.peek())
	}
	seen[name] = true
	return nil
}
