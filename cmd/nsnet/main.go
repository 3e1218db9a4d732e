// Command nsnet does network-namespace plumbing — named namespaces, links,
// addresses, routes, sysctls and NAT — by talking to the kernel directly,
// with iproute2's command grammar. Run `nsnet help` for the objects.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nsnet/nsnet/rtnl"
)

// version is stamped at build time with -ldflags "-X main.version=...".
var version = "dev"

const usageText = `Usage: nsnet [OPTIONS] OBJECT { COMMAND | help }
       nsnet -batch FILE
where  OBJECT := { address | route | rule | neigh | link | netns | nat | sysctl | ping | capture |
                   tuntap | monitor | genl | ethtool | topology | ip }
       OPTIONS := { -V[ersion] | -n[etns] NAME | -j[son] | -p[retty] | -d[etails] |
                    -br[ief] | -o[neline] | -4 | -6 | -0 | -f[amily] FAMILY |
                    -s[tatistics] | -h[uman] | -iec | -t[imestamp] | -ts[hort] | -c[olor][=WHEN] |
                    -a[ll] | -force | -batch FILE | --trace[=hex] | --trace-pcap FILE | -help }

Objects and commands may be abbreviated as in iproute2 (nsnet a, nsnet l ls, nsnet netns a X).
"nsnet OBJECT help" shows an object's commands.

  -n NAME      run the command in the named namespace (/run/netns/NAME); sockets
               are opened inside it, nsnet itself does not move
  -j, -p       JSON output (iproute2's keys), pretty-printed with -p as ip lays it out
  -o           one line per record, "\" where ip breaks a record's lines
  -f FAMILY    inet, inet6 or link (-4, -6, -0); -s -s adds the error counters,
               -h prints them as 1.2k, 3.4M (-iec: powers of 1024)
  --trace      print every netlink message sent and received, decoded, on stderr;
               --trace=hex adds a hex dump of each message
  --trace-pcap FILE  write every netlink message sent and received to FILE as
               pcap (LINKTYPE_NETLINK) for Wireshark or tshark; - is stdout
  -t, -ts      monitor: a "Timestamp:" line before each event, or a short
               [YYYY-MM-DDTHH:MM:SS.USEC] prefix
  -V           print the version

Options are matched as ip matches them: -f is -family, -h -human, -c -color.
Run as "ip" (a symlink ip -> nsnet) nsnet words its errors as iproute2 does;
"nsnet ip help" says what that covers.

Exit status, as ip's: 0 success, 1 for most local failures ("Cannot find
device") and some bad arguments (a bad prefix, an unknown object), 2 the kernel
refused the request, 255 other usage errors; netns exec exits with the
command's status (1 when it cannot be run).

As a CNI plugin (CNI_COMMAND set and no arguments, or run as bridge, ptp,
host-local, static, portmap or loopback) nsnet reads the network
configuration on stdin; see docs/CNI.md.
`

func main() {
	if face, ok := cniFace(os.Args); ok {
		os.Exit(runCNI(face, os.Stdin, os.Stdout, os.Stderr))
	}
	ctx := &signalContext{}
	ipMode = filepath.Base(os.Args[0]) == "ip"
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	ctx.stop()
	os.Exit(code)
}

// signalContext is canceled by SIGINT or SIGTERM, but asks for those
// signals only when first used: signal.Notify starts a goroutine and a
// locked thread of its own, two more threads and a fifth of the start-up
// time of a command that never looks at its context (they run to the end
// or die of the signal, as ip does). The commands that wait (ping,
// capture, netns monitor) use it, and so do batch files, so that a signal
// is taken the same way for every line.
type signalContext struct {
	once    sync.Once
	ctx     context.Context
	cancel  context.CancelFunc
	stopped bool
}

func (c *signalContext) get() context.Context {
	c.once.Do(func() {
		if c.stopped {
			c.ctx, c.cancel = context.WithCancel(context.Background())
			c.cancel()
			return
		}
		c.ctx, c.cancel = signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	})
	return c.ctx
}

// stop stops taking the signals.
func (c *signalContext) stop() {
	c.once.Do(func() { c.stopped = true })
	if c.cancel != nil {
		c.cancel()
	}
}

// Deadline implements context.Context.
func (c *signalContext) Deadline() (time.Time, bool) { return c.get().Deadline() }

// Done implements context.Context.
func (c *signalContext) Done() <-chan struct{} { return c.get().Done() }

// Err implements context.Context.
func (c *signalContext) Err() error { return c.get().Err() }

// Value implements context.Context.
func (c *signalContext) Value(key any) any { return c.get().Value(key) }

// holdSignals makes the process ignore SIGINT and SIGTERM when ctx is its
// signalContext and nothing asked for them yet: a command that runs to its
// end whatever comes needs no goroutine and locked thread receiving them
// (signal.Ignore only sets the handler). A later use of the context takes
// them again (signal.Notify undoes Ignore).
func holdSignals(ctx context.Context) {
	c, ok := ctx.(*signalContext)
	if !ok || c.ctx != nil {
		return
	}
	signal.Ignore(os.Interrupt, syscall.SIGTERM)
}

// AfterFunc lets context.AfterFunc ask for the signals at once, instead of
// from the goroutine it would otherwise start to wait on Done.
func (c *signalContext) AfterFunc(f func()) func() bool { return context.AfterFunc(c.get(), f) }

// run is nsnet without the process around it: it parses args, runs the
// command and returns the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	s := newSession(ctx, stdin, stdout, stderr)
	defer s.close()
	defer func() { code = s.endCapture(code) }()
	g, rest, err := parseGlobals(args)
	if err == nil {
		err = g.apply(s)
	}
	if err != nil {
		return report(stderr, err)
	}
	if g.version {
		if ipMode {
			// ip's first words, for scripts that look for "ip utility".
			fmt.Fprintf(stdout, "ip utility, nsnet %s (iproute2-compatible)\n", version)
			return 0
		}
		fmt.Fprintf(stdout, "nsnet %s\n", version)
		return 0
	}
	if len(rest) == 0 {
		if g.batch != "" {
			ctx.Done() // take the signals now (see signalContext)
			return report(stderr, runBatch(s, g, g.batch))
		}
		io.WriteString(stderr, usageText)
		return 255
	}
	if f, ok := stdout.(*os.File); ok {
		enableColor(g.opt, f)
	} else {
		enableColor(g.opt, nil)
	}
	cmd, err := parseCommand(rest, g.opt)
	if err != nil {
		return report(stderr, err)
	}
	switch cmd.(type) {
	case upCmd, downCmd:
		ctx.Done() // as for a batch file
	case netnsAdd, netnsAttach, netnsDel:
		// Several steps each (a file under /run/netns, a mount): SIGINT
		// and SIGTERM are ignored while they run, so that the command
		// runs to its end or rolls back instead of dying between two
		// steps. None of them waits on the context.
		holdSignals(ctx)
	}
	return report(stderr, cmd.run(s.env(g.ns, g.opt)))
}

// report prints err as one line and returns the exit status for it.
func report(stderr io.Writer, err error) int {
	if err == nil {
		return 0
	}
	if ipMode {
		return ipReport(stderr, err)
	}
	msg := oneLine(err.Error())
	if h := capHint(err, msg); h != "" {
		msg += " (" + h + ")"
	}
	var x *exitStatus
	if errors.As(err, &x) {
		if x.err != nil {
			fmt.Fprintf(stderr, "nsnet: %s\n", msg)
		}
		return x.code
	}
	fmt.Fprintf(stderr, "nsnet: %s\n", msg)
	return exitCode(err)
}

// capHint names the capability a permission error most likely lacks, unless
// the message (msg) already names one: entering a named namespace (setns)
// needs CAP_SYS_ADMIN, a packet socket CAP_NET_RAW, and everything else nsnet
// asks the kernel for (links, addresses, routes, nf_tables, net.* sysctls)
// CAP_NET_ADMIN.
//
// Two permission errors are not about a capability and say what is
// missing instead: an error that carries its own hint (a write-only
// sysctl read, a read-only one written), and a file-system path nsnet may
// not create or open (its journal under /run as a user holding
// CAP_NET_ADMIN but no write access there).
func capHint(err error, msg string) string {
	var h *hinted
	if errors.As(err, &h) {
		return h.hint
	}
	if !errors.Is(err, os.ErrPermission) || strings.Contains(msg, "CAP_") {
		return ""
	}
	var pe *os.PathError
	if errors.As(err, &pe) && errors.Is(pe.Err, syscall.EACCES) && pe.Path != "" &&
		!strings.HasPrefix(pe.Path, "/proc/") && !strings.HasPrefix(pe.Path, "/run/netns") {
		return "no file-system permission on " + pe.Path + ": a capability is not what is missing"
	}
	c := "CAP_NET_ADMIN"
	var se *os.SyscallError
	if errors.As(err, &se) {
		switch se.Syscall {
		case "setns":
			c = "CAP_SYS_ADMIN"
		case "socket":
			c = "CAP_NET_RAW"
		}
	}
	if os.Geteuid() != 0 {
		return "needs root: " + c
	}
	return "needs " + c
}

// hinted is an error that knows what is missing better than capHint
// would guess.
type hinted struct {
	err  error
	hint string
}

func (h *hinted) Error() string { return h.err.Error() }
func (h *hinted) Unwrap() error { return h.err }

// exitCode is ip's exit status for err.
func exitCode(err error) int {
	// A line of a batch file that failed when run: ip -batch exits 1.
	var le *lineError
	if errors.As(err, &le) && !isUsage(le.err) {
		return 1
	}
	var ie *ipErr
	if errors.As(err, &ie) {
		return ie.code
	}
	if isUsage(err) {
		return 255
	}
	var ne *rtnl.Error
	if errors.As(err, &ne) && ne.Kernel() {
		return 2
	}
	return 1
}

// oneLine folds s onto one line and shortens any word longer than 256
// bytes (a 100 KB argument quoted back), so an error stays one readable line.
func oneLine(s string) string {
	f := strings.Fields(strings.ReplaceAll(s, "\n", " "))
	for i, w := range f {
		if len(w) > 256 {
			f[i] = fmt.Sprintf("%s...(%d bytes)", strings.ToValidUTF8(w[:64], ""), len(w))
		}
	}
	return strings.Join(f, " ")
}

// globals are the options before the object.
type globals struct {
	opt      options
	ns       string
	version  bool
	batch    string
	trace    bool
	traceHex bool
	pcap     string // --trace-pcap FILE
}

func (g *globals) apply(s *session) error {
	if g.trace {
		s.trace = s.stderr
		s.traceHex = g.traceHex
		s.ps.SetTrace(s.trace, s.traceHex)
	}
	if g.pcap != "" {
		return s.startCapture(g.pcap)
	}
	return nil
}

// parseGlobals reads the options before the object word. Like iproute2 it
// accepts one or two leading dashes and abbreviations, tried in ip's order
// (so -f is -family, -h -human, -b -batch, -c -color).
func parseGlobals(args []string) (globals, []string, error) {
	var g globals
	a := &argv{w: args}
	for a.more() && strings.HasPrefix(a.peek(), "-") && a.peek() != "-" {
		word := a.next()
		if word == "--" {
			break
		}
		opt := strings.TrimLeft(word, "-")
		if val, ok := strings.CutPrefix(opt, "trace-pcap"); ok && (val == "" || val[0] == '=') {
			if val == "" {
				v, err := a.value(word)
				if err != nil {
					return g, nil, err
				}
				val = "=" + v
			}
			if g.pcap = val[1:]; g.pcap == "" {
				return g, nil, usagef("empty file name for %q", word)
			}
			continue
		}
		if val, ok := strings.CutPrefix(opt, "trace"); ok && (val == "" || val[0] == '=') {
			g.trace = true
			switch val {
			case "", "=text":
			case "=hex":
				g.traceHex = true
			default:
				return g, nil, usagef("bad value %q for --trace (want --trace or --trace=hex)", word)
			}
			continue
		}
		if name, val, ok := strings.Cut(opt, "="); ok || matches(name, "color") {
			if !matches(name, "color") {
				return g, nil, errUnknownOption(word)
			}
			switch val {
			case "", "always":
				g.opt.color = colorAlways
			case "auto":
				g.opt.color = colorAuto
			case "never":
				g.opt.color = colorNever
			default:
				return g, nil, errUnknownOption(word)
			}
			continue
		}
		switch {
		case matches(opt, "loops"):
			if _, err := a.value(word); err != nil {
				return g, nil, ipUsage(255, `Error: "loop count" requires an argument.`, err)
			}
		case matches(opt, "family"):
			v, err := a.value(word)
			if err != nil {
				return g, nil, ipUsage(255, `Error: "family type" requires an argument.`, err)
			}
			switch v {
			case "inet":
				g.opt.family = 4
			case "inet6":
				g.opt.family = 6
			case "link", "packet":
				g.opt.family, g.opt.linkOnly = 0, true
			default:
				return g, nil, errInvarg("invalid protocol family", v, usagef("invalid family %q (want inet, inet6 or link)", v))
			}
		case opt == "4":
			g.opt.family, g.opt.linkOnly = 4, false
		case opt == "6":
			g.opt.family, g.opt.linkOnly = 6, false
		case opt == "0":
			g.opt.family, g.opt.linkOnly = 0, true
		case matches(opt, "human") || matches(opt, "human-readable"):
			g.opt.human = true
		case matches(opt, "iec"):
			g.opt.iec = true
		case matches(opt, "stats") || matches(opt, "statistics"):
			g.opt.stats = true
			g.opt.statsLevel++
		case matches(opt, "details"):
			g.opt.details = true
		case matches(opt, "resolve"):
			// Names are never resolved: accepted as ip does.
		case matches(opt, "oneline"):
			g.opt.oneline = true
		case matches(opt, "timestamp"): // -t, as in ip, before -tshort
			g.opt.timestamp = 1
		case matches(opt, "tshort"):
			g.opt.timestamp = 2
		case matches(opt, "Version") || opt == "v" || opt == "version":
			g.version = true
		case matches(opt, "force"):
			g.opt.force = true
		case matches(opt, "batch"):
			v, err := a.value(word)
			if err != nil {
				return g, nil, ipUsage(255, `Error: "batch file" requires an argument.`, err)
			}
			g.batch = v
		case matches(opt, "brief") || opt == "br":
			g.opt.brief = true
		case matches(opt, "json"):
			g.opt.json = true
		case matches(opt, "pretty"):
			g.opt.pretty = true
		case matches(opt, "help"):
			return g, []string{"help"}, nil
		case matches(opt, "netns"):
			v, err := a.value(word)
			if err != nil {
				return g, nil, errIncomplete(err)
			}
			if err := validNSArg(v); err != nil {
				return g, nil, err
			}
			g.ns = v
		case matches(opt, "rcvbuf") && len(opt) >= 2:
			v, err := a.value(word)
			if err != nil {
				return g, nil, ipUsage(255, `Error: "rcvbuf size" requires an argument.`, err)
			}
			if _, err := strconv.ParseUint(v, 0, 32); err != nil {
				return g, nil, ipUsage(255, fmt.Sprintf("Invalid rcvbuf size '%s'", v), usagef("invalid -rcvbuf %q", v))
			}
			// Accepted: nsnet sizes its receive buffer itself.
		case matches(opt, "Numeric"):
			// Numbers are what nsnet prints for unnamed values anyway.
		case matches(opt, "all"):
			g.opt.all = true
		default:
			return g, nil, errUnknownOption(word)
		}
	}
	return g, a.rest(), nil
}

// errUnknownOption is a global option ip does not have.
func errUnknownOption(word string) error {
	return ipUsage(255, fmt.Sprintf("Option %q is unknown, try \"ip -help\".", word),
		usagef("unknown option %q (try \"nsnet help\")", word))
}

// validNSArg checks a -n argument before anything is opened.
func validNSArg(name string) error {
	if name == "" || strings.ContainsRune(name, '/') || name == "." || name == ".." || len(name) > 255 || strings.ContainsRune(name, 0) {
		return usagef("invalid netns name %q for -n", name)
	}
	return nil
}

// object is one top-level word of the grammar.
type object struct {
	name  string
	parse func(args []string, opt options) (command, error)
	help  string
	// shadow are ip objects nsnet lacks that come before this one in ip's
	// table: an abbreviation of one of them is that object, not this one.
	shadow []string
}

// parseCommand turns the words after the global options into a command.
func parseCommand(args []string, opt options) (command, error) {
	if isHelp(args[0]) {
		return helpCmd{text: usageText}, nil
	}
	for _, o := range objects {
		if matches(args[0], o.name) && !slices.ContainsFunc(o.shadow, func(n string) bool { return matches(args[0], n) }) {
			if len(args) > 1 && isHelp(args[1]) {
				return helpCmd{text: o.help}, nil
			}
			return o.parse(args[1:], opt)
		}
	}
	if err := errNotImplemented(args[0]); err != nil {
		return nil, err
	}
	return nil, ipUsage(1, fmt.Sprintf("Object %q is unknown, try \"ip help\".", args[0]),
		usagef("unknown object %q (try \"nsnet help\")", args[0]))
}
