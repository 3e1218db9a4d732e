package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/rtnl"
)

const netnsHelp = `Usage: nsnet netns list                      (also: show, ls; the default)
       nsnet netns add NAME
       nsnet netns attach NAME PID
       nsnet netns set NAME { auto | NSID }
       nsnet [-all] netns delete [ NAME | -all ]
       nsnet netns identify [ PID ]
       nsnet netns pids NAME
       nsnet [-all] netns exec [ NAME ] COMMAND...
       nsnet netns monitor
       nsnet netns list-id

Named namespaces are bind mounts under /run/netns, as with "ip netns": the two
tools see each other's namespaces. NAME: 1-255 bytes, no '/', not "." or "..".

exec runs COMMAND in the namespace with a sysfs of its own on /sys and each file
of /etc/netns/NAME bound over /etc (e.g. /etc/netns/NAME/resolv.conf). Its exit
status is the command's; 1 when the command cannot be run (not found, not
executable), as with ip. With -all it runs in every namespace in turn.
`

// parseNetns parses "netns ..." in iproute2's order of abbreviations.
func parseNetns(args []string, opt options) (command, error) {
	a := &argv{w: args}
	if !a.more() {
		return netnsList{}, nil
	}
	word := a.next()
	switch {
	case matches(word, "list") || matches(word, "show") || matches(word, "lst"):
		return netnsList{}, a.noMore()
	case matches(word, "list-id"):
		return netnsListID{}, a.noMore()
	case matches(word, "add"):
		name, err := nameArg(a, "add")
		if err != nil {
			return nil, err
		}
		return netnsAdd{name: name}, a.noMore()
	case matches(word, "set"):
		name, err := nameArg(a, "set")
		if err != nil {
			return nil, err
		}
		v, err := a.value(name)
		if err != nil {
			return nil, err
		}
		id := rtnl.NSIDNone
		if v != "auto" {
			n, err := strconv.ParseUint(v, 10, 31)
			if err != nil {
				return nil, usagef("invalid nsid %q (want \"auto\" or 0..%d)", v, 1<<31-1)
			}
			id = int(n)
		}
		return netnsSet{name: name, id: id}, a.noMore()
	case matches(word, "delete"):
		if opt.all || a.peek() == "-all" || a.peek() == "--all" {
			if a.peek() == "-all" || a.peek() == "--all" {
				a.next()
			}
			return netnsDel{all: true}, a.noMore()
		}
		name, err := nameArg(a, "delete")
		if err != nil {
			return nil, err
		}
		// As ip, words after the name are ignored: scripts feed "netns
		// list" lines back ("blue (id: 0)").
		return netnsDel{name: name}, nil
	case matches(word, "identify"):
		c := netnsIdentify{pid: os.Getpid(), self: true}
		if a.more() {
			var err error
			if c.pid, err = pidArg(a.next()); err != nil {
				return nil, err
			}
			c.self = false
		}
		return c, a.noMore()
	case matches(word, "pids"):
		name, err := nameArg(a, "pids")
		if err != nil {
			return nil, err
		}
		return netnsPids{name: name}, a.noMore()
	case matches(word, "exec"):
		if opt.all {
			if !a.more() {
				return nil, usagef("netns exec: missing command")
			}
			return netnsExec{all: true, argv: a.rest()}, nil
		}
		name, err := nameArg(a, "exec")
		if err != nil {
			return nil, err
		}
		if !a.more() {
			return nil, usagef("netns exec %s: missing command", name)
		}
		return netnsExec{name: name, argv: a.rest()}, nil
	case matches(word, "monitor"):
		return netnsMonitor{}, a.noMore()
	case matches(word, "attach"):
		name, err := nameArg(a, "attach")
		if err != nil {
			return nil, err
		}
		p, err := a.value(name)
		if err != nil {
			return nil, err
		}
		pid, err := pidArg(p)
		if err != nil {
			return nil, err
		}
		return netnsAttach{name: name, pid: pid}, a.noMore()
	}
	return nil, errUnknownCommand("netns", word)
}

func nameArg(a *argv, cmd string) (string, error) {
	if !a.more() {
		return "", usagef("netns %s: missing NAME", cmd)
	}
	name := a.next()
	if err := nsfs.ValidName(name); err != nil {
		return "", ipUsage(255, fmt.Sprintf("Invalid netns name %q", name), &usageError{msg: err.Error()})
	}
	return name, nil
}

func pidArg(s string) (int, error) {
	pid, err := strconv.ParseUint(s, 10, 31)
	if err != nil || pid == 0 {
		return 0, usagef("invalid PID %q", s)
	}
	return int(pid), nil
}

type netnsAdd struct{ name string }

func (c netnsAdd) run(e *env) error {
	if !e.s.usedLater(c.name) {
		return netnsAddErr(c.name, nsfs.Add(c.name))
	}
	// Later lines of the batch act in the new namespace: open their
	// socket now, from the thread that is inside it to name it, instead
	// of moving a thread into it again on the next line.
	var conn *rtnl.Conn
	h, err := nsfs.Create(c.name, func() error {
		// A failure is not this line's: the next line dials again and
		// reports it.
		conn, _ = rtnl.Dial(&rtnl.Config{Trace: e.s.trace, TraceHex: e.s.traceHex, TraceNS: c.name, Capture: e.s.capture})
		return nil
	})
	if err != nil {
		return netnsAddErr(c.name, err)
	}
	// Should caching fail, the namespace is there all the same: later lines
	// open it by name.
	_ = e.s.adopt(c.name, h, conn)
	return nil
}

type netnsAttach struct {
	name string
	pid  int
}

func (c netnsAttach) run(e *env) error { return nsfs.Attach(c.name, c.pid) }

type netnsDel struct {
	name string
	all  bool
}

// netnsDelErr is the error of `netns del NAME` for nsfs.Delete's err, in
// ip's words for a missing name.
func netnsDelErr(name string, err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return &ipErr{ip: fmt.Sprintf("Cannot remove namespace file \"%s/%s\": No such file or directory", nsfs.RunDir, name), code: 1, err: err}
	}
	return err
}

func (c netnsDel) run(e *env) error {
	if !c.all {
		e.s.forget(c.name)
		return netnsDelErr(c.name, nsfs.Delete(c.name))
	}
	entries, err := nsfs.ListDirOrder()
	if err != nil {
		return err
	}
	failed := 0
	for _, ent := range entries {
		e.s.forget(ent.Name)
		if err := nsfs.Delete(ent.Name); err != nil {
			fmt.Fprintf(e.s.stderr, "nsnet: %v\n", err)
			failed++
		}
	}
	if failed > 0 {
		return &exitStatus{code: 1, err: fmt.Errorf("netns delete -all: %d of %d failed", failed, len(entries))}
	}
	return nil
}

// netnsEntry is one line of "netns list", in ip -j's shape.
type netnsEntry struct {
	Name  string `json:"name"`
	ID    *int   `json:"id,omitempty"`
	Stale bool   `json:"stale,omitempty"`
}

type netnsList struct{}

func (netnsList) run(e *env) error {
	entries, err := nsfs.ListDirOrder()
	if err != nil {
		return err
	}
	out := []netnsEntry{}
	for _, ent := range entries {
		ne := netnsEntry{Name: ent.Name, Stale: ent.Stale}
		if !ent.Stale {
			if id, err := nsidOf(e, ent.Name); err == nil && id >= 0 {
				ne.ID = &id
			}
		}
		out = append(out, ne)
	}
	if e.opt.json {
		return e.printJSON(out)
	}
	for _, ne := range out {
		switch {
		case ne.Stale:
			fmt.Fprintf(e.out, "%s (stale: not a namespace, its mount is gone; \"nsnet netns del %s\" removes it)\n", ne.Name, ne.Name)
		case ne.ID != nil:
			fmt.Fprintf(e.out, "%s (id: %d)\n", ne.Name, *ne.ID)
		default:
			fmt.Fprintln(e.out, ne.Name)
		}
	}
	return nil
}

// nsidOf asks the kernel which id the command's namespace gives to name.
func nsidOf(e *env, name string) (int, error) {
	ns, err := nsfs.OpenName(name)
	if err != nil {
		return 0, err
	}
	defer ns.Close()
	c, err := e.rtnl()
	if err != nil {
		return 0, err
	}
	return c.NSID(ns.Fd())
}

type netnsSet struct {
	name string
	id   int
}

func (c netnsSet) run(e *env) error {
	ns, err := nsfs.OpenName(c.name)
	if err != nil {
		return err
	}
	defer ns.Close()
	conn, err := e.rtnl()
	if err != nil {
		return err
	}
	return conn.SetNSID(ns.Fd(), c.id)
}

type netnsListID struct{}

func (netnsListID) run(e *env) error {
	c, err := e.rtnl()
	if err != nil {
		return err
	}
	ids, err := c.NSIDs()
	if err != nil {
		return err
	}
	names := map[int]string{}
	if entries, err := nsfs.ListDirOrder(); err == nil {
		for _, ent := range entries {
			if ent.Stale {
				continue
			}
			if id, err := nsidOf(e, ent.Name); err == nil && id >= 0 {
				names[id] = ent.Name
			}
		}
	}
	type idEntry struct {
		NSID int    `json:"nsid"`
		Name string `json:"name,omitempty"`
	}
	out := []idEntry{}
	for _, id := range ids {
		out = append(out, idEntry{NSID: id, Name: names[id]})
	}
	if e.opt.json {
		return e.printJSON(out)
	}
	for _, ie := range out {
		if ie.Name != "" {
			fmt.Fprintf(e.out, "nsid %d (iproute2 netns name: %s)\n", ie.NSID, ie.Name)
		} else {
			fmt.Fprintf(e.out, "nsid %d\n", ie.NSID)
		}
	}
	return nil
}

// netnsIdentify names the namespace of process pid; self (no PID given)
// with -n NS names NS, as ip does after switching into it.
type netnsIdentify struct {
	pid  int
	self bool
}

func (c netnsIdentify) run(e *env) error {
	var names []string
	var err error
	if c.self && e.ns != "" {
		var h *nsfs.NS
		if h, err = e.nsHandle(); err == nil {
			names, err = nsfs.IdentifyNS(h)
		}
	} else {
		names, err = nsfs.Identify(c.pid)
	}
	if err != nil {
		return err
	}
	// As ip: one name (the last the directory lists), or an empty line.
	name := ""
	if len(names) > 0 {
		name = names[len(names)-1]
	}
	fmt.Fprintln(e.out, name)
	return nil
}

type netnsPids struct{ name string }

func (c netnsPids) run(e *env) error {
	pids, err := nsfs.Pids(c.name)
	if err != nil {
		return err
	}
	for _, p := range pids {
		fmt.Fprintln(e.out, p)
	}
	return nil
}

type netnsMonitor struct{}

func (netnsMonitor) run(e *env) error {
	return nsfs.Monitor(e.ctx, func(ev nsfs.Event) error {
		_, err := fmt.Fprintf(e.out, "%s %s\n", ev.Op, ev.Name)
		return err
	})
}

type netnsExec struct {
	name string
	argv []string
	all  bool
}

func (c netnsExec) run(e *env) error {
	if !c.all && !e.s.batch {
		err := nsfs.Exec(c.name, c.argv, os.Environ(), e.s.stderr)
		return execStatus(c.name, err)
	}
	if !c.all {
		// Inside a batch the command runs as a child, so the batch goes on.
		cmd := &nsfs.Command{Args: c.argv, Stdin: e.s.stdin, Stdout: e.out, Stderr: e.s.stderr}
		err := nsfs.Run(c.name, cmd, e.s.stderr)
		var ee *nsfs.ExitError
		if errors.As(err, &ee) {
			return &exitStatus{code: ee.ExitCode(), err: fmt.Errorf("netns exec %s: %s exited with status %d", c.name, c.argv[0], ee.ExitCode())}
		}
		return execStatus(c.name, err)
	}
	entries, err := nsfs.ListDirOrder()
	if err != nil {
		return err
	}
	failed := 0
	for _, ent := range entries {
		if ent.Stale {
			continue
		}
		fmt.Fprintf(e.out, "\nnetns: %s\n", ent.Name)
		cmd := &nsfs.Command{Args: c.argv, Stdin: e.s.stdin, Stdout: e.out, Stderr: e.s.stderr}
		if err := nsfs.Run(ent.Name, cmd, e.s.stderr); err != nil {
			fmt.Fprintf(e.s.stderr, "nsnet: netns %s: %v\n", ent.Name, err)
			failed++
		}
	}
	if failed > 0 {
		return &exitStatus{code: 1, err: fmt.Errorf("netns exec -all: failed in %d of %d namespaces", failed, len(entries))}
	}
	return nil
}

// execStatus maps a failure to start a command to the shell's statuses.
func execStatus(name string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, nsfs.ErrCommandNotFound):
		return &ipErr{ip: fmt.Sprintf("exec of %q failed: No such file or directory", cmdName(err)), code: 1, err: err}
	case errors.Is(err, nsfs.ErrNotExecutable):
		return &ipErr{ip: fmt.Sprintf("exec of %q failed: Permission denied", cmdName(err)), code: 1, err: err}
	case errors.Is(err, os.ErrNotExist):
		return &ipErr{ip: fmt.Sprintf("Cannot open network namespace %q: No such file or directory", name), code: 255, err: err}
	}
	return err
}

// cmdName is the command an exec error is about ("CMD: why").
func cmdName(err error) string {
	name, _, _ := strings.Cut(err.Error(), ": ")
	return name
}

// netnsAddErr words a failed netns add as ip does.
func netnsAddErr(name string, err error) error {
	if errors.Is(err, os.ErrExist) {
		return &ipErr{ip: fmt.Sprintf("Cannot create namespace file \"%s/%s\": File exists", nsfs.RunDir, name), code: 1, err: err}
	}
	return err
}
