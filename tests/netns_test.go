package tests

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// names lists /run/netns inside the sandbox, sorted.
func names(t *testing.T, sb *Sandbox) []string {
	t.Helper()
	out := strings.Fields(sb.Must("ls", "-A", "/run/netns"))
	sort.Strings(out)
	return out
}

// mountCount counts the nsfs mounts on /run/netns entries in the sandbox.
func mountCount(t *testing.T, sb *Sandbox) int {
	t.Helper()
	out := sb.Must("cat", "/proc/self/mountinfo")
	n := 0
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, " /run/netns/") && strings.Contains(l, " - nsfs ") {
			n++
		}
	}
	return n
}

func TestNetnsAddListDelete(t *testing.T) {
	sb := NewSandbox(t)
	sb.MustNSNet("netns", "add", "blue")
	sb.MustNSNet("netns", "a", "red") // iproute2 abbreviation
	if got := names(t, sb); strings.Join(got, " ") != "blue red" {
		t.Fatalf("/run/netns holds %v", got)
	}
	// The files are real namespaces: the kernel gives each its own inode.
	st := sb.Must("stat", "-f", "-c", "%T", "/run/netns/blue")
	if strings.TrimSpace(st) != "nsfs" {
		t.Fatalf("/run/netns/blue is on %q, want nsfs", st)
	}
	if mountCount(t, sb) != 2 {
		t.Fatalf("want 2 nsfs mounts, got %d", mountCount(t, sb))
	}
	// ip sees them; nsnet lists them (ls abbreviation).
	ipList := sb.Must("ip", "netns", "list")
	for _, n := range []string{"blue", "red"} {
		if !strings.Contains(ipList, n) {
			t.Fatalf("ip netns list lacks %s: %q", n, ipList)
		}
	}
	if out := sb.MustNSNet("netns", "ls"); out != ipList { // ip's (directory) order
		t.Fatalf("netns ls: %q", out)
	}
	r := sb.NSNet("netns", "add", "blue")
	WantFail(t, r, 1, "blue", "exists")
	sb.MustNSNet("netns", "del", "blue")
	if got := names(t, sb); strings.Join(got, " ") != "red" {
		t.Fatalf("after del: %v", got)
	}
	if mountCount(t, sb) != 1 {
		t.Fatalf("mount leaked after del: %d", mountCount(t, sb))
	}
	WantFail(t, sb.NSNet("netns", "del", "blue"), 1, "blue", "not exist")
}

func TestNetnsJSONMatchesIP(t *testing.T) {
	sb := NewSandbox(t)
	sb.MustNSNet("netns", "add", "a")
	sb.MustNSNet("netns", "add", "b")
	sb.MustNSNet("netns", "set", "a", "7")
	type entry struct {
		Name string `json:"name"`
		ID   *int   `json:"id"`
	}
	parse := func(s string) map[string]string {
		var es []entry
		if err := json.Unmarshal([]byte(s), &es); err != nil {
			t.Fatalf("bad JSON %q: %v", s, err)
		}
		m := map[string]string{}
		for _, e := range es {
			m[e.Name] = "none"
			if e.ID != nil {
				m[e.Name] = strconv.Itoa(*e.ID)
			}
		}
		return m
	}
	ours := parse(sb.MustNSNet("-j", "netns", "list"))
	theirs := parse(sb.Must("ip", "-j", "netns", "list"))
	if fmt.Sprint(ours) != fmt.Sprint(theirs) || ours["a"] != "7" {
		t.Fatalf("nsnet %v, ip %v", ours, theirs)
	}
	if out := sb.MustNSNet("netns", "list"); !strings.Contains(out, "a (id: 7)\n") {
		t.Fatalf("text list lacks id: %q", out)
	}
	// set auto: the kernel picks an id, which ip then shows.
	sb.MustNSNet("netns", "set", "b", "auto")
	if !strings.Contains(sb.Must("ip", "netns", "list"), "b (id: ") {
		t.Fatal("ip does not see the id nsnet set")
	}
	out := sb.MustNSNet("netns", "list-id")
	if !strings.Contains(out, "nsid 7 (iproute2 netns name: a)") {
		t.Fatalf("list-id: %q", out)
	}
}

func TestNetnsInteropWithIP(t *testing.T) {
	sb := NewSandbox(t)
	// ip creates, nsnet uses and deletes.
	sb.Must("ip", "netns", "add", "fromip")
	if !strings.Contains(sb.MustNSNet("netns", "list"), "fromip") {
		t.Fatal("nsnet does not list ip's namespace")
	}
	if out := sb.MustNSNet("netns", "exec", "fromip", "cat", "/proc/net/dev"); strings.Count(out, ":") != 1 {
		t.Fatalf("fromip should hold only lo:\n%s", out)
	}
	sb.MustNSNet("netns", "del", "fromip")
	if strings.Contains(sb.Must("ip", "netns", "list"), "fromip") {
		t.Fatal("ip still lists the namespace nsnet deleted")
	}
	// nsnet creates, ip uses and deletes.
	sb.MustNSNet("netns", "add", "fromnsnet")
	sb.Must("ip", "netns", "exec", "fromnsnet", "ip", "link", "set", "lo", "up")
	if out := sb.MustNSNet("netns", "exec", "fromnsnet", "cat", "/sys/class/net/lo/operstate"); strings.TrimSpace(out) != "unknown" {
		t.Fatalf("lo operstate via nsnet exec: %q", out)
	}
	sb.Must("ip", "netns", "del", "fromnsnet")
	if len(names(t, sb)) != 0 || mountCount(t, sb) != 0 {
		t.Fatal("something left after ip netns del")
	}
}

func TestNetnsRejectedNames(t *testing.T) {
	sb := NewSandbox(t)
	long := strings.Repeat("x", 256)
	for _, name := range []string{"", ".", "..", "a/b", "../etc", long, "/abs"} {
		r := sb.NSNet("netns", "add", name)
		if r.Code != 255 {
			t.Errorf("netns add %q: %s", name, r)
		}
	}
	if got := names(t, sb); len(got) != 0 {
		t.Fatalf("rejected names left files: %v", got)
	}
	// 255 bytes is the limit and works.
	sb.MustNSNet("netns", "add", strings.Repeat("y", 255))
	WantFail(t, sb.NSNet("netns", "frobnicate"), 255, "frobnicate")
	WantFail(t, sb.NSNet("-n", "nosuch", "netns", "set", "nosuch", "auto"), 1, "nosuch")
}

func TestNetnsParallelAdd(t *testing.T) {
	sb := NewSandbox(t)
	var wg sync.WaitGroup
	res := make([]Result, 40)
	for i := range res {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = sb.NSNet("netns", "add", fmt.Sprintf("p%02d", i))
		}()
	}
	wg.Wait()
	for i, r := range res {
		if r.Code != 0 {
			t.Errorf("add p%02d: %s", i, r)
		}
	}
	if n := len(names(t, sb)); n != 40 {
		t.Fatalf("want 40 namespaces, got %d", n)
	}
	if n := mountCount(t, sb); n != 40 {
		t.Fatalf("want 40 mounts, got %d", n)
	}
	// 16 racing for one name: exactly one wins, no mount leaks.
	res = make([]Result, 16)
	for i := range res {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = sb.NSNet("netns", "add", "contested")
		}()
	}
	wg.Wait()
	won := 0
	for _, r := range res {
		switch {
		case r.Code == 0:
			won++
		case !strings.Contains(r.Stderr, "exists"):
			t.Errorf("loser failed for the wrong reason: %s", r)
		}
	}
	if won != 1 {
		t.Fatalf("%d winners for one name", won)
	}
	if n := mountCount(t, sb); n != 41 {
		t.Fatalf("want 41 mounts, got %d", n)
	}
	sb.MustNSNet("netns", "del", "-all")
	if len(names(t, sb)) != 0 || mountCount(t, sb) != 0 {
		t.Fatal("netns del -all left something")
	}
}

func TestNetnsExec(t *testing.T) {
	sb := NewSandbox(t)
	sb.MustNSNet("netns", "add", "x")
	sb.Must("ip", "link", "add", "hostonly0", "type", "veth", "peer", "name", "hostonly1")
	// /sys is the namespace's own: only lo, not the sandbox's veths.
	if out := sb.MustNSNet("netns", "exec", "x", "ls", "/sys/class/net"); strings.TrimSpace(out) != "lo" {
		t.Fatalf("/sys/class/net inside x: %q", out)
	}
	// /etc/netns/x/* is bound over /etc.
	sb.MustSh("mkdir -p /etc/netns/x && echo 'nameserver 192.0.2.53' > /etc/netns/x/resolv.conf")
	if out := sb.MustNSNet("netns", "exec", "x", "cat", "/etc/resolv.conf"); out != "nameserver 192.0.2.53\n" {
		t.Fatalf("resolv.conf inside x: %q", out)
	}
	// ... and not outside.
	if out := sb.Must("cat", "/etc/resolv.conf"); strings.Contains(out, "192.0.2.53") {
		t.Fatal("the bind leaked out of exec")
	}
	// A symlink in /etc/netns/x is not followed.
	sb.MustSh("ln -s /etc/shadow /etc/netns/x/hosts")
	r := sb.NSNet("netns", "exec", "x", "cat", "/etc/hosts")
	if r.Code != 0 || strings.Contains(r.Stdout, "root:") || !strings.Contains(r.Stderr, "symbolic link") {
		t.Fatalf("symlink entry: %s", r)
	}
	// The command is looked up inside the namespace, after the /etc
	// binds (as ip): without the symlink the failures below are one line.
	sb.MustSh("rm /etc/netns/x/hosts")
	// Exit statuses.
	if r := sb.NSNet("netns", "exec", "x", "sh", "-c", "exit 7"); r.Code != 7 {
		t.Fatalf("exit status: %s", r)
	}
	WantFail(t, sb.NSNet("netns", "exec", "x", "no-such-command-here"), 1, "not found") // as ip
	sb.MustSh("printf 'x' > /run/notexec && chmod 644 /run/notexec")
	if r := sb.NSNet("netns", "exec", "x", "/run/notexec"); r.Code != 1 {
		t.Fatalf("not executable: %s", r)
	}
	WantFail(t, sb.NSNet("netns", "exec", "nosuch", "true"), 255, "nosuch") // as ip
	// -all runs in each namespace in turn.
	sb.MustNSNet("netns", "add", "y")
	out := sb.MustNSNet("-all", "netns", "exec", "cat", "/proc/sys/net/ipv4/ip_forward")
	// In the directory's order, as ip: either x or y first.
	if out != "\nnetns: x\n0\n\nnetns: y\n0\n" && out != "\nnetns: y\n0\n\nnetns: x\n0\n" {
		t.Fatalf("-all exec: %q", out)
	}
}

func TestNetnsStaleAndHostile(t *testing.T) {
	sb := NewSandbox(t)
	sb.MustNSNet("netns", "add", "good")
	// A stale file whose mount is gone, and a planted symlink.
	sb.MustSh("touch /run/netns/stale /run/target && ln -s /run/target /run/netns/link")
	out := sb.MustNSNet("netns", "list")
	if !strings.Contains(out, "good\n") || !strings.Contains(out, "stale (stale") || !strings.Contains(out, "link (stale") {
		t.Fatalf("list: %q", out)
	}
	WantFail(t, sb.NSNet("netns", "exec", "link", "true"), 1, "link")
	WantFail(t, sb.NSNet("netns", "exec", "stale", "true"), 1, "stale")
	sb.MustNSNet("netns", "del", "stale")
	sb.MustNSNet("netns", "del", "link")
	// The symlink's target is untouched.
	sb.Must("test", "-f", "/run/target")
	if got := names(t, sb); strings.Join(got, " ") != "good" {
		t.Fatalf("left: %v", got)
	}
}

func TestNetnsIdentifyPidsAttach(t *testing.T) {
	sb := NewSandbox(t)
	sb.MustNSNet("netns", "add", "x")
	out := sb.MustSh(`ip netns exec x sleep 30 & p=$!; sleep 0.3
$NSNET netns identify $p; echo --; $NSNET netns pids x; echo --; $NSNET netns attach y $p; $NSNET netns list; kill $p`)
	parts := strings.Split(out, "--\n")
	if len(parts) != 3 || parts[0] != "x\n" {
		t.Fatalf("identify/pids/attach: %q", out)
	}
	if len(strings.Fields(parts[1])) != 1 {
		t.Fatalf("pids: %q", parts[1])
	}
	if !strings.Contains(parts[2], "x\n") || !strings.Contains(parts[2], "y\n") {
		t.Fatalf("attach: %q", parts[2])
	}
	// x and y are the same namespace now.
	a := sb.Must("stat", "-L", "-c", "%i", "/run/netns/x")
	b := sb.Must("stat", "-L", "-c", "%i", "/run/netns/y")
	if a != b {
		t.Fatalf("attach made a different namespace: %s vs %s", a, b)
	}
	WantFail(t, sb.NSNet("netns", "attach", "z", "999999999"), 1, "999999999")
	WantFail(t, sb.NSNet("netns", "attach", "z", "12x"), 255, "12x")
}

func TestNetnsMonitor(t *testing.T) {
	sb := NewSandbox(t)
	out := sb.MustSh(`$NSNET netns monitor > /run/mon & m=$!; sleep 0.3
$NSNET netns add m1; ip netns add m2; $NSNET netns del m1; sleep 0.3; kill -INT $m; wait $m; cat /run/mon`)
	want := "add m1\nadd m2\ndelete m1\n"
	if out != want {
		t.Fatalf("monitor printed %q, want %q", out, want)
	}
}

// TestNetnsTrace checks that --trace decodes what nsnet sends.
func TestNetnsTrace(t *testing.T) {
	sb := NewSandbox(t)
	sb.MustNSNet("netns", "add", "t")
	r := sb.NSNet("--trace", "netns", "set", "t", "9")
	if r.Code != 0 {
		t.Fatal(r)
	}
	for _, w := range []string{"→ RTM_NEWNSID flags=REQUEST|ACK ", "NETNSA_NSID 9", "NETNSA_FD", "← NLMSG_ERROR", "ack for RTM_NEWNSID"} {
		if !strings.Contains(r.Stderr, w) {
			t.Errorf("trace lacks %q:\n%s", w, r.Stderr)
		}
	}
	r = sb.NSNet("--trace=hex", "netns", "set", "t", "10")
	if r.Code != 2 || !strings.Contains(r.Stderr, "| 00000000") || !strings.Contains(r.Stderr, "EEXIST") {
		t.Fatalf("hex trace of a refused request: %s", r)
	}
}
