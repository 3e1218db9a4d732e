package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/plan"
	"github.com/nsnet/nsnet/rtnl"
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
	// early makes the namespaces of an up file ahead (nil outside up;
	// see upEarly).
	early *upEarly
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

// warnf prints a warning on stderr; it does not fail the command.
func (e *env) warnf(format string, args ...any) {
	fmt.Fprintf(e.s.stderr, "nsnet: warning: "+format+"\n", args...)
}

// noteF prints an informational line on stderr (for example "already
// exists, nothing to do").
func (e *env) notef(format string, args ...any) {
	fmt.Fprintf(e.s.stderr, "nsnet: "+format+"\n", args...)
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
