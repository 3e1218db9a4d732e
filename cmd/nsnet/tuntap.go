package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/nsnet/nsnet/plan"
	"github.com/nsnet/nsnet/rtnl"
	"github.com/nsnet/nsnet/tuntap"
	"golang.org/x/sys/unix"
)

const tuntapHelp = `Usage: nsnet tuntap { add | del | show | list | lst | help } [ dev NAME ]
       [ mode { tun | tap } ] [ user USER ] [ group GROUP ]
       [ one_queue ] [ pi ] [ vnet_hdr ] [ multi_queue ] [ name NAME ]

Where: USER  := { STRING | NUMBER }
       GROUP := { STRING | NUMBER }

As ip tuntap: "add" makes a persistent TUN (IP packets) or TAP (Ethernet
frames) device through /dev/net/tun in the command's namespace (-n NS), that
USER or GROUP may then attach to without CAP_NET_ADMIN; "del" clears its
persistence, which removes it once no process holds it (mode and multi_queue
must be the device's). Packet information headers are off unless "pi".
"show" lists the TUN/TAP devices with their flags, read from the kernel's
rtnetlink description (so "one_queue", which the kernel ignores, is not
shown); -d adds the processes attached to each. USER and GROUP names are
looked up in /etc/passwd and /etc/group. In an up file, add and del are
undone by del and add. "nsnet tap" is "nsnet tuntap".
`

func parseTuntap(args []string, opt options) (command, error) {
	a := &argv{w: args}
	if !a.more() {
		return tuntapShow{}, nil
	}
	word := a.next()
	switch {
	case matches(word, "add"):
		return parseTuntapChange(a, "add")
	case matches(word, "delete"):
		return parseTuntapChange(a, "del")
	case matches(word, "show") || matches(word, "lst") || matches(word, "list"):
		return tuntapShow{}, nil
	case matches(word, "help") || isHelp(word):
		return helpCmd{text: tuntapHelp}, nil
	}
	return nil, errUnknownCommand("tuntap", word)
}

// tuntapChange is "tuntap add|del".
type tuntapChange struct {
	op string
	t  plan.TunTapAdd // without its namespace
}

// parseTuntapChange reads ip's tuntap arguments in ip's order
// (parse_args); del takes no user or group.
func parseTuntapChange(a *argv, op string) (command, error) {
	c := tuntapChange{op: op}
	t := &c.t
	for a.more() {
		word := a.next()
		var err error
		switch {
		case matches(word, "mode"):
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			m := ""
			switch {
			case matches(v, "tun"):
				m = "tun"
			case matches(v, "tap"):
				m = "tap"
			default:
				return nil, ipUsage(255, fmt.Sprintf("Unknown tunnel mode %q", v), usagef("tuntap: unknown mode %q (tun or tap)", v))
			}
			if t.Mode != "" && t.Mode != m {
				return nil, ipUsage(255, "You managed to ask for more than one tunnel mode.", usagef("tuntap: two modes, %s and %s", t.Mode, m))
			}
			t.Mode = m
		case op == "add" && matches(word, "user"):
			if t.Owner, err = idArg(a, word, "user", "/etc/passwd"); err != nil {
				return nil, err
			}
		case op == "add" && matches(word, "group"):
			if t.Group, err = idArg(a, word, "group", "/etc/group"); err != nil {
				return nil, err
			}
		case matches(word, "pi"):
			t.PI = true
		case matches(word, "one_queue"):
			t.OneQueue = true
		case matches(word, "vnet_hdr"):
			t.VnetHdr = true
		case matches(word, "multi_queue"):
			t.MultiQueue = true
		case matches(word, "dev"):
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			if err := checkDevName(v); err != nil {
				return nil, errInvarg(`"dev" not a valid ifname`, v, err)
			}
			t.Name = v
		default:
			if matches(word, "name") {
				v, err := a.value(word)
				if err != nil {
					return nil, err
				}
				word = v
			} else if matches(word, "help") {
				return helpCmd{text: tuntapHelp}, nil
			}
			if t.Name != "" {
				return nil, errGarbage("name", word, usagef("tuntap %s: a second name %q", op, word))
			}
			if err := checkDevName(word); err != nil {
				return nil, errInvarg(`"name" not a valid ifname`, word, err)
			}
			t.Name = word
		}
	}
	if t.Mode == "" {
		return nil, ipUsage(1, "You failed to specify a tunnel mode", usagef("tuntap %s: no mode (mode tun or mode tap)", op))
	}
	return c, nil
}

// idArg reads keyword's value, a user or group (what) given as a number
// or as a name that file (/etc/passwd, /etc/group) lists.
func idArg(a *argv, keyword, what, file string) (*uint32, error) {
	v, err := a.value(keyword)
	if err != nil {
		return nil, err
	}
	if n, err := strconv.ParseUint(v, 10, 32); err == nil {
		id := uint32(n)
		return &id, nil
	}
	if _, id, ok := idLine(file, 0, v); ok && v != "" {
		return &id, nil
	}
	return nil, ipUsage(255, fmt.Sprintf("invalid %s %q", what, v), usagef("tuntap: no %s %q (a number, or a name in %s)", what, v, file))
}

// step is the command as a plan step in e's namespace.
func (c tuntapChange) step(e *env) (plan.Step, error) {
	ref, err := e.ref()
	if err != nil {
		return nil, err
	}
	t := c.t
	t.NS = ref
	if c.op == "del" {
		return plan.TunTapDel(t), nil
	}
	return t, nil
}

// run applies the step; a failed system call is said as ip says it
// ("ioctl(TUNSETIFF): Device or resource busy", exit 1).
func (c tuntapChange) run(e *env) error { return tuntapErr(runStep(e, c, "")) }

func (c tuntapChange) applied(e *env) (bool, error) { return appliedStep(e, c) }

func (c tuntapChange) inverse(e *env) (command, error) { return inverseStep(e, c) }

// tuntapErr words a /dev/net/tun failure as ip's perror does.
func tuntapErr(err error) error {
	var se *os.SyscallError
	var pe *os.PathError
	var n syscall.Errno
	switch {
	case errors.As(err, &se) && errors.As(se.Err, &n):
		return ipUsage(1, se.Syscall+": "+strerror(n), err)
	case errors.As(err, &pe) && errors.As(pe.Err, &n):
		return ipUsage(1, pe.Op+": "+strerror(n), err)
	}
	return err
}

// tuntapShow is "tuntap show".
type tuntapShow struct{}

func (c tuntapShow) run(e *env) error {
	conn, err := e.rtnl()
	if err != nil {
		return err
	}
	// The kernel lists the tun links only (a dump filtered by kind, as
	// ip asks for it), without their counters.
	req := &rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Info: &rtnl.LinkInfo{Kind: "tun"}, ExtMask: new(rtnl.ExtFilterSkipStats)}}
	links, err := conn.DumpLinks(req)
	if err != nil {
		return err
	}
	var procs map[string][]tunProc
	if e.opt.details {
		procs = tunProcs()
	}
	var list *jsonList
	if e.opt.json {
		list = newJSONList(e)
	}
	var b strings.Builder
	for i := range links {
		l := &links[i]
		a := l.Attrs
		if a.Info == nil || a.Info.Kind != "tun" || l.Type != unix.ARPHRD_ETHER && l.Type != unix.ARPHRD_NONE {
			continue
		}
		d, _ := a.Info.Data.(*rtnl.Tun)
		if d == nil {
			d = &rtnl.Tun{}
		}
		flags := tunFlags(d)
		if list != nil {
			w := &list.jsonWriter
			w.beginObject()
			w.key("ifname")
			w.str(a.Name)
			w.key("flags")
			w.strs(flags)
			if d.Owner != nil {
				w.key("user")
				w.uint(uint64(*d.Owner))
			}
			if d.Group != nil {
				w.key("group")
				w.uint(uint64(*d.Group))
			}
			if e.opt.details {
				w.key("processes")
				w.beginArray()
				for _, p := range procs[a.Name] {
					w.beginObject()
					w.key("name")
					w.str(p.name)
					w.key("pid")
					w.uint(uint64(p.pid))
					w.endObject()
				}
				w.endArray()
			}
			w.endObject()
			list.flush()
			continue
		}
		b.WriteString(paint(colorIfname, a.Name+":"))
		for _, f := range flags {
			b.WriteString(" " + f)
		}
		if d.Owner != nil {
			fmt.Fprintf(&b, " user %d", *d.Owner)
		}
		if d.Group != nil {
			fmt.Fprintf(&b, " group %d", *d.Group)
		}
		if e.opt.details {
			b.WriteString("\n\tAttached to processes:")
			for _, p := range procs[a.Name] {
				fmt.Fprintf(&b, "%s(%d)", p.name, p.pid)
			}
		}
		b.WriteString("\n")
	}
	if list != nil {
		return list.finish()
	}
	_, err = e.out.Write([]byte(b.String()))
	return err
}

// tunFlags are a device's flags as ip's print_flags names them, from the
// kernel's rtnetlink description ("filter" is shown with "pi": the kernel's
// IFF_NOFILTER is IFF_NO_PI's bit).
func tunFlags(d *rtnl.Tun) []string {
	on := func(v *uint8) bool { return v != nil && *v != 0 }
	var f []string
	if d.Type != nil {
		f = append(f, tuntap.Mode(*d.Type).String())
	}
	if on(d.PI) {
		f = append(f, "pi")
	}
	if on(d.MultiQueue) {
		f = append(f, "multi_queue")
	}
	if on(d.VnetHdr) {
		f = append(f, "vnet_hdr")
	}
	if on(d.Persist) {
		f = append(f, "persist")
	}
	if on(d.PI) {
		f = append(f, "filter")
	}
	return f
}

// tunProc is a process with a descriptor attached to a TUN/TAP device.
type tunProc struct {
	name string
	pid  int
}

// tunProcs finds, as ip does, the processes whose descriptors of
// /dev/net/tun are attached to a device (fdinfo's "iff:" line), by device
// name; nsnet itself is left out.
func tunProcs() map[string][]tunProc {
	out := map[string][]tunProc{}
	fds, _ := filepath.Glob("/proc/[0-9]*/fd/[0-9]*")
	self := os.Getpid()
	for _, fd := range fds {
		parts := strings.Split(fd, "/") // "", proc, PID, fd, N
		pid, err := strconv.Atoi(parts[2])
		if err != nil || pid == self {
			continue
		}
		if t, err := os.Readlink(fd); err != nil || t != "/dev/net/tun" {
			continue
		}
		info, err := os.ReadFile("/proc/" + parts[2] + "/fdinfo/" + parts[4])
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(info), "\n") {
			if dev, ok := strings.CutPrefix(line, "iff:"); ok {
				dev = strings.TrimSpace(dev)
				comm, _ := os.ReadFile("/proc/" + parts[2] + "/comm")
				out[dev] = append(out[dev], tunProc{name: strings.TrimSpace(string(comm)), pid: pid})
			}
		}
	}
	for _, ps := range out {
		sort.Slice(ps, func(i, j int) bool { return ps[i].pid < ps[j].pid })
	}
	return out
}
