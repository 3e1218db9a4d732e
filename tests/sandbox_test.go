// Package tests holds nsnet's integration tests. They need root and run
// every test in a sandbox of its own: a holder process in new network and
// mount namespaces, with tmpfs on /run (and /run/netns) and an overlay on
// /etc with a tmpfs on /etc/netns, so nothing a test does reaches the host.
// Commands run inside the sandbox through nsenter. TestMain compares the
// host's network state before and after the whole run.
package tests

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// nsnetBin is the nsnet binary under test, built once by TestMain.
var nsnetBin string

var keep = flag.Bool("keep", false, "print the sandbox holder's PID and leave a failed test's sandbox running for inspection")

func TestMain(m *testing.M) {
	flag.Parse()
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "\n*** SKIPPING ALL INTEGRATION TESTS: they need root (CI and the dev machine are root) ***")
		os.Exit(0)
	}
	dir, err := os.MkdirTemp("", "nsnet-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	nsnetBin = filepath.Join(dir, "nsnet")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", entryLDFlag(), "-o", nsnetBin, "../cmd/nsnet")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building nsnet: %v\n%s", err, out)
		os.Exit(1)
	}
	before := hostState()
	code := m.Run()
	after := hostState()
	if before != after {
		fmt.Fprintf(os.Stderr, "FAIL: the tests changed the host's network state\n--- before\n%s\n--- after\n%s\n", before, after)
		code = 1
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// hostState is a text snapshot of what the tests must never change.
func hostState() string {
	var b strings.Builder
	for _, c := range [][]string{
		{"ip", "-o", "link", "show"},
		{"ip", "-o", "addr", "show"},
		{"ip", "route", "show", "table", "all"},
		{"ip", "-6", "route", "show", "table", "all"},
		{"nft", "list", "ruleset"},
		{"sh", "-c", "ls -la /run/netns 2>&1; ls -la /etc/netns 2>&1; sysctl net.ipv4.ip_forward net.ipv6.conf.all.forwarding 2>&1"},
	} {
		out, err := exec.Command(c[0], c[1:]...).CombinedOutput()
		fmt.Fprintf(&b, "$ %s\n%s", strings.Join(c, " "), out)
		if err != nil {
			fmt.Fprintf(&b, "(%v)\n", err)
		}
	}
	return b.String()
}

// Sandbox is a throw-away pair of network and mount namespaces.
type Sandbox struct {
	t      testing.TB
	holder *exec.Cmd
	pid    int
}

// sandboxInit runs in the holder, inside the new namespaces: it mounts
// tmpfs on /run and /run/netns, overlays /etc with a tmpfs /etc/netns,
// brings lo up, then waits forever.
const sandboxInit = `set -e
mount --make-rprivate /
mount -t tmpfs sandbox-run /run
mkdir -p /run/netns /run/.etc/up /run/.etc/work
mount -t tmpfs sandbox-netns /run/netns
mount -t overlay sandbox-etc -o lowerdir=/etc,upperdir=/run/.etc/up,workdir=/run/.etc/work /etc
mkdir -p /etc/netns
mount -t tmpfs sandbox-etc-netns /etc/netns
ip link set lo up
echo ready
exec sleep infinity
`

// NewSandbox starts a sandbox that is torn down when the test ends.
func NewSandbox(t testing.TB) *Sandbox {
	t.Helper()
	cmd := exec.Command("unshare", "--net", "--mount", "--propagation", "private", "sh", "-c", sandboxInit)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start sandbox: %v", err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ready" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("sandbox did not start: %q %v: %s", line, err, stderr.String())
	}
	sb := &Sandbox{t: t, holder: cmd, pid: cmd.Process.Pid}
	// The sandbox must not be the host: compare namespace identities.
	if self, _ := os.Readlink("/proc/self/ns/net"); self == sb.readlink("net") {
		sb.kill()
		t.Fatal("sandbox shares the host's network namespace")
	}
	if self, _ := os.Readlink("/proc/self/ns/mnt"); self == sb.readlink("mnt") {
		sb.kill()
		t.Fatal("sandbox shares the host's mount namespace")
	}
	t.Cleanup(func() {
		if *keep && t.Failed() {
			t.Logf("sandbox kept: nsenter -t %d -n -m", sb.pid)
			return
		}
		sb.kill()
	})
	return sb
}

func (sb *Sandbox) readlink(ns string) string {
	s, _ := os.Readlink("/proc/" + strconv.Itoa(sb.pid) + "/ns/" + ns)
	return s
}

func (sb *Sandbox) kill() {
	sb.holder.Process.Kill()
	sb.holder.Wait()
}

// PID returns the holder's process id (its namespaces are the sandbox's).
func (sb *Sandbox) PID() int { return sb.pid }

// Result is what a command did.
type Result struct {
	Stdout, Stderr string
	Code           int
}

func (r Result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
}

// Cmd returns a command that runs argv inside the sandbox.
func (sb *Sandbox) Cmd(argv ...string) *exec.Cmd {
	args := append([]string{"-t", strconv.Itoa(sb.pid), "-n", "-m", "--"}, argv...)
	return exec.Command("nsenter", args...)
}

// Run runs argv inside the sandbox and returns what it did; it fails the
// test only if the command cannot be started or runs for over a minute.
func (sb *Sandbox) Run(argv ...string) Result {
	sb.t.Helper()
	return sb.RunInput("", argv...)
}

// RunInput is Run with stdin.
func (sb *Sandbox) RunInput(stdin string, argv ...string) Result {
	sb.t.Helper()
	cmd := sb.Cmd(argv...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	cmd.Stdin = strings.NewReader(stdin)
	if err := cmd.Start(); err != nil {
		sb.t.Fatalf("start %v: %v", argv, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		<-done
		sb.t.Fatalf("%v: still running after a minute", argv)
	}
	r := Result{Stdout: o.String(), Stderr: e.String()}
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			sb.t.Fatalf("%v: %v", argv, err)
		}
		r.Code = ee.ExitCode()
	}
	return r
}

// Must runs argv and fails the test unless it exits 0; it returns stdout.
func (sb *Sandbox) Must(argv ...string) string {
	sb.t.Helper()
	r := sb.Run(argv...)
	if r.Code != 0 {
		sb.t.Fatalf("%s: %s", strings.Join(argv, " "), r)
	}
	return r.Stdout
}

// NSNet runs nsnet with args inside the sandbox.
func (sb *Sandbox) NSNet(args ...string) Result {
	sb.t.Helper()
	return sb.Run(append([]string{nsnetBin}, args...)...)
}

// MustNSNet runs nsnet and fails the test unless it exits 0.
func (sb *Sandbox) MustNSNet(args ...string) string {
	sb.t.Helper()
	return sb.Must(append([]string{nsnetBin}, args...)...)
}

// Sh runs a shell script inside the sandbox; $NSNET is the binary.
func (sb *Sandbox) Sh(script string) Result {
	sb.t.Helper()
	return sb.Run("env", "NSNET="+nsnetBin, "sh", "-c", script)
}

// MustSh runs a shell script and fails the test unless it exits 0.
func (sb *Sandbox) MustSh(script string) string {
	sb.t.Helper()
	r := sb.Sh(script)
	if r.Code != 0 {
		sb.t.Fatalf("script failed: %s\n%s", script, r)
	}
	return r.Stdout
}

// WantFail checks that r failed with exit status code and a one-line
// error on stderr that contains every one of words.
func WantFail(t testing.TB, r Result, code int, words ...string) {
	t.Helper()
	if r.Code != code {
		t.Fatalf("want exit %d, got %s", code, r)
	}
	lines := strings.Split(strings.TrimRight(r.Stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "nsnet: ") {
		t.Fatalf("want one error line starting with \"nsnet: \", got %q", r.Stderr)
	}
	for _, w := range words {
		if !strings.Contains(r.Stderr, w) {
			t.Fatalf("error %q does not mention %q", r.Stderr, w)
		}
	}
}
