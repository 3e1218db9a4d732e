package tests

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// pktBuffer is a bytes.Buffer safe for a process writing and a test
// reading.
type pktBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (p *pktBuffer) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.b.Write(b)
}

func (p *pktBuffer) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.b.String()
}

// pktProc is a capture (nsnet or tcpdump) running in the background.
type pktProc struct {
	t        *testing.T
	cmd      *exec.Cmd
	out, err pktBuffer
	done     chan error
}

// pktStart starts argv in the sandbox and waits until it says on stderr
// that it is listening (nsnet and tcpdump both do).
func pktStart(t *testing.T, sb *Sandbox, argv ...string) *pktProc {
	t.Helper()
	p := &pktProc{t: t, cmd: sb.Cmd(argv...), done: make(chan error, 1)}
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.err
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %v: %v", argv, err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() { p.cmd.Process.Kill(); <-p.done; p.done <- nil })
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(p.err.String(), "listening on") {
		select {
		case err := <-p.done:
			p.done <- err
			t.Fatalf("%v exited before listening: %v\n%s", argv, err, p.err.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%v not listening after 10s: %s", argv, p.err.String())
		}
	}
	return p
}

// stop interrupts the process, as Ctrl-C does, and returns its output.
func (p *pktProc) stop() (stdout, stderr string) {
	p.t.Helper()
	p.cmd.Process.Signal(syscall.SIGINT)
	return p.wait()
}

// wait waits for the process to end by itself and returns its output.
func (p *pktProc) wait() (stdout, stderr string) {
	p.t.Helper()
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			p.t.Fatalf("%v: %v\n%s", p.cmd.Args, err, p.err.String())
		}
	case <-time.After(15 * time.Second):
		p.t.Fatalf("%v still running after 15s: %s", p.cmd.Args, p.err.String())
	}
	return p.out.String(), p.err.String()
}

// pktInNS runs fn on a thread inside the network namespace at path. The
// thread is never given back to the Go scheduler: it ends with fn, so no
// other goroutine ever runs in that namespace. Sockets fn opens stay there.
func pktInNS(t *testing.T, path string, fn func() error) {
	t.Helper()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // no unlock: the thread dies with the goroutine
		f, err := os.Open(path)
		if err != nil {
			errc <- err
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns %s: %w", path, err)
			return
		}
		errc <- fn()
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// pktTraffic sends, from the sandbox to peer: a TCP connection carrying
// "hello" (port 40001), a TCP connection refused (40003), UDP over IPv4 and
// IPv6 to a closed port (40002, so ICMP errors come back), and one echo
// request each way with iputils ping. Ports are fixed, and away from those
// tcpdump decodes as application protocols.
func pktTraffic(t *testing.T, sb *Sandbox) {
	t.Helper()
	peer := fmt.Sprintf("/proc/%d/root/run/netns/peer", sb.PID())
	home := fmt.Sprintf("/proc/%d/ns/net", sb.PID())
	var ln net.Listener
	pktInNS(t, peer, func() (err error) {
		ln, err = net.Listen("tcp4", "198.51.100.2:40001")
		return err
	})
	defer ln.Close()
	got := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(c)
		c.Close()
		got <- string(b)
	}()
	pktInNS(t, home, func() error {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("198.51.100.1"), Port: 40011}}
		c, err := d.Dial("tcp4", "198.51.100.2:40001")
		if err != nil {
			return err
		}
		c.Write([]byte("hello"))
		c.Close()
		d = net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("198.51.100.1"), Port: 40013}}
		if _, err := d.Dial("tcp4", "198.51.100.2:40003"); err == nil {
			return fmt.Errorf("connected to a closed port")
		}
		for _, u := range []struct{ net, src, dst, msg string }{
			{"udp4", "198.51.100.1:40012", "198.51.100.2:40002", "hello"},
			{"udp6", "[2001:db8::1]:40012", "[2001:db8::2]:40002", "hey"},
		} {
			src, _ := net.ResolveUDPAddr(u.net, u.src)
			d := net.Dialer{LocalAddr: src}
			c, err := d.Dial(u.net, u.dst)
			if err != nil {
				return err
			}
			c.Write([]byte(u.msg))
			c.Close()
		}
		return nil
	})
	select {
	case s := <-got:
		if s != "hello" {
			t.Fatalf("peer received %q", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("peer received nothing")
	}
	sb.Must("ping", "-c", "1", "198.51.100.2")
	sb.Must("ping", "-c", "1", "2001:db8::2")
	sb.Must("ip", "netns", "exec", "peer", "ping", "-c", "1", "198.51.100.1")
	time.Sleep(100 * time.Millisecond) // let the last ICMP errors arrive
}

var pktStamp = regexp.MustCompile(`^\d\d:\d\d:\d\d\.\d{6} `)

// pktLines splits capture output into lines, checking every line starts
// with a timestamp, and returns them without it when strip is set.
func pktLines(t *testing.T, out string, strip bool) []string {
	t.Helper()
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if l == "" {
			continue
		}
		if !pktStamp.MatchString(l) {
			t.Fatalf("line without a timestamp: %q", l)
		}
		if strip {
			l = l[16:]
		}
		lines = append(lines, l)
	}
	return lines
}

// pktSame fails unless two captures printed the same lines.
func pktSame(t *testing.T, what string, nsnet, tcpdump []string) {
	t.Helper()
	if strings.Join(nsnet, "\n") != strings.Join(tcpdump, "\n") {
		t.Fatalf("%s: nsnet and tcpdump differ\n--- nsnet\n%s\n--- tcpdump\n%s", what, strings.Join(nsnet, "\n"), strings.Join(tcpdump, "\n"))
	}
}

func TestCaptureLines(t *testing.T) {
	sb := NewSandbox(t)
	pktPair(t, sb)
	n := pktStart(t, sb, nsnetBin, "capture", "-i", "veth0", "icmp")
	td := pktStart(t, sb, "tcpdump", "-l", "-n", "-i", "veth0", "icmp")
	sb.Must("ping", "-c", "2", "-i", "0.2", "198.51.100.2")
	time.Sleep(100 * time.Millisecond)
	out, errOut := n.stop()
	tdOut, _ := td.stop()
	lines := pktLines(t, out, true)
	req := regexp.MustCompile(`^IP 198\.51\.100\.1 > 198\.51\.100\.2: ICMP echo request, id \d+, seq [12], length 64$`)
	rep := regexp.MustCompile(`^IP 198\.51\.100\.2 > 198\.51\.100\.1: ICMP echo reply, id \d+, seq [12], length 64$`)
	if len(lines) != 4 || !req.MatchString(lines[0]) || !rep.MatchString(lines[1]) || !req.MatchString(lines[2]) || !rep.MatchString(lines[3]) {
		t.Fatalf("capture printed:\n%s", out)
	}
	pktSame(t, "capture -i veth0 icmp", lines, pktLines(t, tdOut, true))
	for _, w := range []string{"listening on veth0, link-type EN10MB (Ethernet)", "\n4 packets captured\n", "4 packets received by filter\n", "0 packets dropped by kernel\n"} {
		if !strings.Contains(errOut, w) {
			t.Fatalf("stderr lacks %q:\n%s", w, errOut)
		}
	}
}

func TestCaptureAnyAndCount(t *testing.T) {
	sb := NewSandbox(t)
	pktPair(t, sb)
	n := pktStart(t, sb, nsnetBin, "capture", "-i", "any", "-c", "4", "icmp", "and", "host", "198.51.100.2")
	td := pktStart(t, sb, "tcpdump", "-l", "-n", "-i", "any", "-c", "4", "icmp and host 198.51.100.2")
	sb.Must("ping", "-c", "2", "-i", "0.2", "198.51.100.2")
	out, errOut := n.wait() // -c 4 ends it
	tdOut, _ := td.wait()
	lines := pktLines(t, out, true)
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "veth0 Out IP 198.51.100.1 > 198.51.100.2: ICMP echo request") ||
		!strings.HasPrefix(lines[1], "veth0 In  IP 198.51.100.2 > 198.51.100.1: ICMP echo reply") {
		t.Fatalf("capture -i any printed:\n%s", out)
	}
	pktSame(t, "capture -i any", lines, pktLines(t, tdOut, true))
	if !strings.Contains(errOut, "link-type LINUX_SLL (Linux cooked v1)") || !strings.Contains(errOut, "4 packets captured") {
		t.Fatalf("stderr: %s", errOut)
	}
}

func TestCaptureInNamespace(t *testing.T) {
	sb := NewSandbox(t)
	pktPair(t, sb)
	// veth1 exists only in peer; -n peer opens the socket there.
	n := pktStart(t, sb, nsnetBin, "-n", "peer", "capture", "-i", "veth1", "-c", "2", "icmp")
	sb.Must("ping", "-c", "1", "198.51.100.2")
	out, _ := n.wait()
	lines := pktLines(t, out, true)
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "IP 198.51.100.1 > 198.51.100.2: ICMP echo request") {
		t.Fatalf("capture in peer printed:\n%s", out)
	}
	// On "any" inside peer, interface names are peer's.
	n = pktStart(t, sb, nsnetBin, "-n", "peer", "capture", "-c", "1", "icmp")
	sb.Must("ping", "-c", "1", "198.51.100.2")
	out, _ = n.wait()
	if lines := pktLines(t, out, true); len(lines) != 1 || !strings.HasPrefix(lines[0], "veth1 In  IP 198.51.100.1") {
		t.Fatalf("capture any in peer printed:\n%s", out)
	}
	WantFail(t, sb.NSNet("capture", "-i", "veth1"), 1, "veth1")
	WantFail(t, sb.NSNet("capture", "host"), 255, "filter")
	WantFail(t, sb.NSNet("capture", "-q"), 255, "-q")
	if out := sb.MustNSNet("capture", "help"); !strings.Contains(out, "portrange") {
		t.Fatalf("capture help: %s", out)
	}
}

// TestCaptureWriteRead writes pcap files, Ethernet and cooked, that
// tcpdump reads back as nsnet does.
func TestCaptureWriteRead(t *testing.T) {
	sb := NewSandbox(t)
	pktPair(t, sb)
	dir := t.TempDir()
	eth, sll := filepath.Join(dir, "eth.pcap"), filepath.Join(dir, "sll.pcap")
	n1 := pktStart(t, sb, nsnetBin, "capture", "-i", "veth0", "-w", eth)
	n2 := pktStart(t, sb, nsnetBin, "capture", "-i", "any", "-w", sll, "not", "ip6")
	pktTraffic(t, sb)
	if out, _ := n1.stop(); out != "" {
		t.Fatalf("capture -w printed on stdout: %q", out)
	}
	n2.stop()
	for _, f := range []string{eth, sll} {
		td := sb.Must("tcpdump", "-n", "-r", f)
		ours := sb.MustNSNet("capture", "-r", f)
		pktSame(t, "read "+filepath.Base(f), pktLines(t, ours, false), pktLines(t, td, false))
		for _, w := range []string{"Flags [S]", "Flags [S.]", "Flags [P.], seq 1:6, ack 1", "Flags [R.]", "UDP, length 5", "udp port 40002 unreachable", "ICMP echo reply"} {
			if !strings.Contains(ours, w) {
				t.Fatalf("%s lacks %q:\n%s", f, w, ours)
			}
		}
	}
	if td := sb.Must("tcpdump", "-n", "-r", eth); !strings.Contains(td, "IP6 2001:db8::1.40012 > 2001:db8::2.40002: UDP, length 3") {
		t.Fatalf("tcpdump -r %s:\n%s", eth, td)
	}
	// -c and a filter on reading.
	if out := sb.MustNSNet("capture", "-r", eth, "-c", "1", "tcp"); len(pktLines(t, out, true)) != 1 || !strings.Contains(out, "Flags [S]") {
		t.Fatalf("capture -r -c 1 tcp: %s", out)
	}
}

// pktFilterExprs are compared between nsnet and tcpdump.
var pktFilterExprs = []string{
	"icmp", "icmp6", "tcp", "udp", "arp", "ip", "ip6",
	"host 198.51.100.2", "src host 198.51.100.1", "dst host 2001:db8::2",
	"net 198.51.100.0/24", "dst net 2001:db8::/32",
	"port 40001", "src port 40012", "udp port 40002", "tcp dst port 40003",
	"portrange 40000-40002", "tcp and not port 40001",
	"icmp or icmp6", "not ip6 and not arp", "src and dst net 198.51.100.0/24",
	"host 198.51.100.2 or 2001:db8::2", "(udp or icmp) and src 198.51.100.2",
	"ip6 and (udp or icmp6) and not host ff02::16",
}

// TestCaptureFilterMatchesTcpdump checks that for each expression nsnet
// keeps the packets tcpdump keeps: over one pcap file, and live.
func TestCaptureFilterMatchesTcpdump(t *testing.T) {
	sb := NewSandbox(t)
	pktPair(t, sb)
	all := filepath.Join(t.TempDir(), "all.pcap")
	td := pktStart(t, sb, "tcpdump", "-n", "-Z", "root", "-i", "veth0", "-w", all)

	// Live: every expression captured by both at once.
	live := []string{"tcp", "udp port 40002", "icmp or icmp6", "host 198.51.100.2 and not tcp", "arp or port 40001"}
	type pair struct{ ours, theirs *pktProc }
	var procs []pair
	for _, e := range live {
		procs = append(procs, pair{
			pktStart(t, sb, nsnetBin, "capture", "-i", "veth0", e),
			pktStart(t, sb, "tcpdump", "-l", "-n", "-i", "veth0", e),
		})
	}
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	pktTraffic(t, sb)
	end := time.Now()
	time.Sleep(200 * time.Millisecond)
	td.stop()
	// Compare what both saw while the traffic ran: lines outside the window
	// (link-local chatter at start-up) depend on when each process started.
	window := func(lines []string) []string {
		var out []string
		for _, l := range lines {
			ts, err := time.ParseInLocation("15:04:05.000000", l[:15], time.Local)
			if err != nil {
				t.Fatal(err)
			}
			y, m, d := start.Date()
			ts = time.Date(y, m, d, ts.Hour(), ts.Minute(), ts.Second(), ts.Nanosecond(), time.Local)
			if !ts.Before(start.Add(-time.Millisecond)) && !ts.After(end.Add(time.Millisecond)) {
				// Two sockets may see a packet a microsecond apart.
				out = append(out, l[16:])
			}
		}
		return out
	}
	for i, p := range procs {
		ours, _ := p.ours.stop()
		theirs, _ := p.theirs.stop()
		o, th := window(pktLines(t, ours, false)), window(pktLines(t, theirs, false))
		if len(o) == 0 {
			t.Fatalf("live %q: nothing captured", live[i])
		}
		// Packets of concurrent flows can reach two sockets in a different
		// order: compare which packets each kept, not their order.
		sort.Strings(o)
		sort.Strings(th)
		pktSame(t, "live "+live[i], o, th)
	}

	// From the file: tcpdump -r FILE EXPR and nsnet capture -r FILE EXPR.
	for _, e := range pktFilterExprs {
		theirs := sb.Must("tcpdump", "-n", "-r", all, e)
		ours := sb.MustNSNet("capture", "-r", all, e)
		pktSame(t, "read "+e, pktLines(t, ours, false), pktLines(t, theirs, false))
	}
}
