package tests

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// state is what up/down must restore: namespaces, links, addresses,
// routes, forwarding and the nftables ruleset of the sandbox.
func state(t *testing.T, sb *Sandbox) string {
	t.Helper()
	return sb.MustSh(`ls -A /run/netns; ip -o link show | sed 's/ state [A-Z]*//'; ip -o addr show; ip route show table all
sysctl net.ipv4.ip_forward; nft list ruleset`)
}

// writeFile writes a file inside the sandbox (on its own /run tmpfs).
func writeFile(t *testing.T, sb *Sandbox, path, text string) {
	t.Helper()
	sb.MustSh("cat > " + path + " <<'EOF'\n" + text + "EOF\n")
}

func seedText(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../examples/seed.nsnet")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestBatch(t *testing.T) {
	sb := NewSandbox(t)
	writeFile(t, sb, "/run/b.nsnet", `# a comment line

netns add "blue ns"          # quoted name, trailing comment
netns add red
link add h0 type veth peer name e0 netns red
-n red link set e0 up
-n red addr add 192.0.2.2/24 dev e0
nsnet addr add 192.0.2.1/24 dev h0
link set h0 up
-n red netns list
`)
	r := sb.NSNet("-batch", "/run/b.nsnet")
	if r.Code != 0 {
		t.Fatal(r)
	}
	if !strings.Contains(sb.Must("ls", "/run/netns"), "blue ns") {
		t.Fatal("quoted name not created")
	}
	if !strings.Contains(sb.Must("ip", "-n", "red", "-o", "addr", "show", "dev", "e0"), "192.0.2.2/24") {
		t.Fatal("-n on a batch line did not act in red")
	}
	sb.Must("ping", "-c1", "-W2", "192.0.2.2")

	// Stop at the first error, naming FILE:LINE; nothing after it runs.
	writeFile(t, sb, "/run/c.nsnet", "netns add one\nlink add h0 type veth peer name x0\nnetns add two\n")
	WantFail(t, sb.NSNet("-batch", "/run/c.nsnet"), 1, "/run/c.nsnet:2:", "h0") // 1, as ip -batch
	if out := sb.Must("ls", "/run/netns"); strings.Contains(out, "two") {
		t.Fatal("the batch went on after a failed line")
	}
	// -force goes on and exits non-zero.
	writeFile(t, sb, "/run/d.nsnet", "netns add three\nlink add h0 type veth peer name x0\nnetns add four\n")
	r = sb.NSNet("-force", "-batch", "/run/d.nsnet")
	if r.Code == 0 || !strings.Contains(r.Stderr, "/run/d.nsnet:2:") || !strings.Contains(sb.Must("ls", "/run/netns"), "four") {
		t.Fatalf("-force: %s", r)
	}
	// A syntax error anywhere: nothing runs at all.
	writeFile(t, sb, "/run/e.nsnet", "netns add five\nlink frobnicate\n")
	WantFail(t, sb.NSNet("-batch", "/run/e.nsnet"), 255, "/run/e.nsnet:2:", "frobnicate")
	if strings.Contains(sb.Must("ls", "/run/netns"), "five") {
		t.Fatal("a line ran although a later line does not parse")
	}
	// stdin.
	if r := sb.RunInput("netns add six\n", nsnetBin, "-batch", "-"); r.Code != 0 {
		t.Fatal(r)
	}
	// Unterminated quote.
	writeFile(t, sb, "/run/f.nsnet", "netns add 'oops\n")
	WantFail(t, sb.NSNet("-batch", "/run/f.nsnet"), 255, "/run/f.nsnet:1:", "quote")
}

// TestBatchOneSocketPerNamespace counts the netlink sockets a batch opens:
// one per namespace it touches, whatever the number of lines.
func TestBatchOneSocketPerNamespace(t *testing.T) {
	sb := NewSandbox(t)
	sb.MustNSNet("netns", "add", "a")
	sb.MustNSNet("netns", "add", "b")
	var lines []string
	for i := 0; i < 10; i++ {
		lines = append(lines, fmt.Sprintf("-n a addr add 192.0.2.%d/32 dev lo", i+1))
		lines = append(lines, fmt.Sprintf("-n b addr add 198.51.100.%d/32 dev lo", i+1))
		lines = append(lines, fmt.Sprintf("addr add 203.0.113.%d/32 dev lo", i+1))
	}
	writeFile(t, sb, "/run/s.nsnet", strings.Join(lines, "\n")+"\n")
	r := sb.Run("strace", "-f", "-qq", "-e", "trace=socket", "-o", "/run/socket.log", nsnetBin, "-batch", "/run/s.nsnet")
	if r.Code != 0 {
		t.Fatal(r)
	}
	log := sb.Must("cat", "/run/socket.log")
	if n := strings.Count(log, "AF_NETLINK"); n != 3 {
		t.Fatalf("want 3 netlink sockets (3 namespaces), got %d:\n%s", n, log)
	}
}

func TestUpDown(t *testing.T) {
	sb := NewSandbox(t)
	writeFile(t, sb, "/run/seed.nsnet", seedText(t))
	before := state(t, sb)

	if out := sb.MustNSNet("up", "--dry-run", "/run/seed.nsnet"); !strings.Contains(out, "seed.nsnet:5: apply") {
		t.Fatalf("dry run: %q", out)
	}
	if state(t, sb) != before {
		t.Fatal("--dry-run changed something")
	}
	sb.MustNSNet("up", "/run/seed.nsnet")
	applied := state(t, sb)
	if applied == before || !strings.Contains(applied, "nstest") || !strings.Contains(applied, "ip_forward = 1") {
		t.Fatalf("up did not apply:\n%s", applied)
	}
	sb.Must("ip", "netns", "exec", "nstest", "ping", "-c1", "-W2", "192.168.11.100")
	// up again: already applied, nothing changes, success.
	sb.MustNSNet("up", "/run/seed.nsnet")
	if state(t, sb) != applied {
		t.Fatal("a second up changed the state")
	}
	if out := sb.MustNSNet("up", "--dry-run", "/run/seed.nsnet"); strings.Contains(out, ": apply") {
		t.Fatalf("dry run after up still plans work: %q", out)
	}
	sb.MustNSNet("down", "/run/seed.nsnet")
	if after := state(t, sb); after != before {
		t.Fatalf("down did not restore the state\nbefore:\n%s\nafter:\n%s", before, after)
	}
	// down again tolerates what is gone.
	sb.MustNSNet("down", "/run/seed.nsnet")
}

// TestUpRollsBack makes line K fail and checks that lines 1..K-1 are undone.
func TestUpRollsBack(t *testing.T) {
	sb := NewSandbox(t)
	sb.Must("ip", "link", "add", "taken", "type", "veth", "peer", "name", "taken1")
	sb.Must("sysctl", "-qw", "net.ipv4.ip_forward=0")
	before := state(t, sb)
	seed := seedText(t)
	writeFile(t, sb, "/run/bad.nsnet", seed+"link add taken type bridge\n")
	r := sb.NSNet("up", "/run/bad.nsnet")
	WantFail(t, r, 1, // a failed line exits 1, as with ip -batch
		fmt.Sprintf("/run/bad.nsnet:%d:", strings.Count(seed, "\n")+1), "taken", "rolled back")
	if after := state(t, sb); after != before {
		t.Fatalf("rollback left changes\nbefore:\n%s\nafter:\n%s", before, after)
	}
	// A line that cannot be undone is refused before anything runs.
	writeFile(t, sb, "/run/exec.nsnet", "netns add z\nnetns exec z true\n")
	WantFail(t, sb.NSNet("up", "/run/exec.nsnet"), 255, "/run/exec.nsnet:2:", "cannot be undone")
	if state(t, sb) != before {
		t.Fatal("a refused file changed something")
	}
}

// TestUpKilledThenDown kills up at several points and checks that down
// always leaves nothing behind.
func TestUpKilledThenDown(t *testing.T) {
	sb := NewSandbox(t)
	writeFile(t, sb, "/run/seed.nsnet", seedText(t))
	before := state(t, sb)
	for _, delay := range []time.Duration{0, 2 * time.Millisecond, 5 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond} {
		cmd := sb.Cmd(nsnetBin, "up", "/run/seed.nsnet")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay)
		cmd.Process.Kill()
		cmd.Wait()
		// nsenter forwards nothing on SIGKILL: kill the nsnet child too.
		sb.Sh("pkill -9 -f 'nsnet up /run/seed.nsnet'; sleep 0.05")
		sb.MustNSNet("down", "/run/seed.nsnet")
		if after := state(t, sb); after != before {
			t.Fatalf("kill -9 after %v, then down, left changes\nbefore:\n%s\nafter:\n%s", delay, before, after)
		}
	}
}

// TestBridgeExample applies examples/bridge.nsnet: three namespaces on a
// bridge reach each other and the bridge, the NAT rules are in place, and
// down removes everything.
func TestBridgeExample(t *testing.T) {
	sb := NewSandbox(t)
	b, err := os.ReadFile("../examples/bridge.nsnet")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, sb, "/run/bridge.nsnet", string(b))
	before := state(t, sb)
	sb.MustNSNet("up", "/run/bridge.nsnet")
	sb.Must("ip", "netns", "exec", "c1", "ping", "-c1", "-W2", "172.18.0.12")
	sb.Must("ip", "netns", "exec", "c3", "ping", "-c1", "-W2", "172.18.0.1")
	if out := sb.Must("ip", "-o", "link", "show", "master", "br0"); strings.Count(out, "veth-c") != 3 {
		t.Fatalf("bridge ports: %q", out)
	}
	rules := sb.Must("nft", "list", "table", "inet", "nsnet")
	for _, w := range []string{"masquerade", `oifname "ens33"`, "dnat", "172.18.0.11"} {
		if !strings.Contains(rules, w) {
			t.Fatalf("nsnet's table lacks %q:\n%s", w, rules)
		}
	}
	sb.MustNSNet("down", "/run/bridge.nsnet")
	if after := state(t, sb); after != before {
		t.Fatalf("down left changes\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// TestUpDownMoveByPIDAndPath moves a link into the namespace of a process
// given by PID, by /proc path and by name: up twice is a no-op, and down
// brings the link back each time.
func TestUpDownMoveByPIDAndPath(t *testing.T) {
	sb := NewSandbox(t)
	sb.MustNSNet("netns", "add", "t")
	out := sb.MustSh(`ip netns exec t sleep 60 >/dev/null 2>&1 & echo $!`)
	pid := strings.TrimSpace(out)
	defer sb.Sh("kill " + pid)
	sb.Must("ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1")
	for _, target := range []string{"/proc/" + pid + "/ns/net", pid, "t"} {
		writeFile(t, sb, "/run/move.nsnet", "link set v1 netns "+target+"\n")
		sb.MustNSNet("up", "/run/move.nsnet")
		if r := sb.Run("ip", "link", "show", "v1"); r.Code == 0 {
			t.Fatalf("%s: v1 still here after up", target)
		}
		sb.Must("ip", "-n", "t", "link", "show", "v1")
		sb.MustNSNet("up", "/run/move.nsnet")
		sb.MustNSNet("down", "/run/move.nsnet")
		sb.Must("ip", "link", "show", "v1")
	}
}

// TestInterruptStopsBatchAndRollsBackUp: SIGINT stops a batch before its
// next line (what ran stays), and makes up roll back every step it did,
// so that the file is applied as a unit or not at all.
func TestInterruptStopsBatchAndRollsBackUp(t *testing.T) {
	sb := NewSandbox(t)
	var lines strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&lines, "netns add n%d\n", i)
	}
	writeFile(t, sb, "/run/many.nsnet", lines.String())
	count := func() int {
		var n int
		fmt.Sscan(sb.Must("sh", "-c", "ls /run/netns | wc -l"), &n)
		return n
	}
	interrupt := func(args ...string) Result {
		t.Helper()
		cmd := sb.Cmd(append([]string{nsnetBin}, args...)...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for count() < 50 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		cmd.Process.Signal(os.Interrupt)
		err := cmd.Wait()
		r := Result{Stderr: stderr.String()}
		if cmd.ProcessState != nil {
			r.Code = cmd.ProcessState.ExitCode()
		}
		if err == nil && r.Code == 0 {
			t.Fatalf("%v: not interrupted (finished before the signal?)", args)
		}
		return r
	}

	r := interrupt("-batch", "/run/many.nsnet")
	if n := count(); r.Code != 1 || !strings.Contains(r.Stderr, "interrupted by a signal before this line") || n < 50 || n >= 3000 {
		t.Fatalf("batch: %d namespaces after SIGINT; %s", n, r)
	}
	sb.MustSh("for f in /run/netns/*; do umount $f; rm $f; done")

	r = interrupt("up", "/run/many.nsnet")
	if n := count(); r.Code != 1 || !strings.Contains(r.Stderr, "interrupted by a signal") || !strings.Contains(r.Stderr, "rolled back") || n != 0 {
		t.Fatalf("up: %d namespaces left after SIGINT; %s", n, r)
	}
}
