package tests

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
)

// upWorkload is the benchmark's file (bench/nsnet-adapter.sh, interleaved
// order) for n namespaces: each a veth pair from the sandbox's own
// namespace, addresses, routes and a nat forward.
func upWorkload(n int) string {
	var b strings.Builder
	b.WriteString("sysctl -w net.ipv4.ip_forward=1\nnat masquerade add 10.200.0.0/16\n")
	for i := range n {
		x, y := i*4/256, i*4%256
		fmt.Fprintf(&b, "netns add ns%d\nlink add h%d type veth peer name eth0 netns ns%d\n", i, i, i)
		fmt.Fprintf(&b, "addr add 10.200.%d.%d/30 dev h%d\nlink set h%d up\n", x, y+1, i, i)
		fmt.Fprintf(&b, "-n ns%d addr add 10.200.%d.%d/30 dev eth0\n", i, x, y+2)
		fmt.Fprintf(&b, "-n ns%d link set lo up\n-n ns%d link set eth0 up\n", i, i)
		fmt.Fprintf(&b, "-n ns%d route add default via 10.200.%d.%d dev eth0\n", i, x, y+1)
		fmt.Fprintf(&b, "nat forward add up0 h%d\n", i)
	}
	return b.String()
}

// upScopeSandbox is a sandbox with an uplink, a namespace of its own
// (pre) and a nat object, and the state to compare with: the sandbox's namespace and pre's.
func upScopeSandbox(t *testing.T) (*Sandbox, func() string) {
	sb := NewSandbox(t)
	sb.Must("ip", "link", "add", "up0", "type", "veth", "peer", "name", "up0p")
	sb.Must("ip", "netns", "add", "pre")
	sb.Must("sysctl", "-qw", "net.ipv4.ip_forward=0")
	// An object of nsnet's table that is not the file's: down keeps it
	// (and so the table).
	sb.MustNSNet("nat", "forward", "add", "up0", "other")
	return sb, func() string {
		return state(t, sb) + sb.MustSh("ip -n pre -o link show | sed 's/ state [A-Z]*//'; ip -n pre -o addr show")
	}
}

// journalRecords returns the live records of the one journal in the
// sandbox as their quoted words: [kind, namespace, undo...].
func journalRecords(t *testing.T, sb *Sandbox) [][]string {
	t.Helper()
	text := sb.MustSh("cat /run/nsnet/up/*[0-9a-f]")
	undone := map[string]bool{}
	for _, l := range strings.Split(text, "\n") {
		if s, ok := strings.CutPrefix(l, "U "); ok {
			undone[s] = true
		}
	}
	var out [][]string
	for _, l := range strings.Split(text, "\n") {
		f := strings.SplitN(l, " ", 5)
		if len(f) != 5 || f[0] != "R" || undone[f[1]] {
			continue
		}
		var words []string
		for rest := f[4]; rest != ""; rest = strings.TrimPrefix(rest, " ") {
			q, err := strconv.QuotedPrefix(rest)
			if err != nil {
				t.Fatalf("journal line %q: %v", l, err)
			}
			w, _ := strconv.Unquote(q)
			words = append(words, w)
			rest = rest[len(q):]
		}
		out = append(out, words)
	}
	return out
}

// TestUpInsideCreatedNamespaces: the lines acting in a namespace the file
// creates are neither checked nor journaled one by one, and down leaves
// them to the namespace's deletion; the sandbox's end of each veth pair
// (whose peer is in such a namespace) is gone when down returns; lines in
// a namespace that was there before are checked, journaled and undone.
func TestUpInsideCreatedNamespaces(t *testing.T) {
	sb, st := upScopeSandbox(t)
	before := st()
	file := upWorkload(3) +
		// In a namespace that was there: checked and undone one by one.
		"-n pre addr add 10.9.0.1/24 dev lo\n-n pre link set lo mtu 1400\n" +
		// The same state twice in a new one: the second is skipped, as
		// when it was checked first.
		"-n ns0 addr add 10.1.0.1/24 dev lo\n-n ns0 addr add 10.1.0.1/24 dev lo\n"
	writeFile(t, sb, "/run/w.nsnet", file)
	sb.MustNSNet("up", "/run/w.nsnet")
	sb.Must("ip", "netns", "exec", "ns2", "ping", "-c1", "-W2", "10.200.0.9")
	if out := sb.Must("ip", "-n", "pre", "-o", "addr", "show", "dev", "lo"); !strings.Contains(out, "10.9.0.1/24") {
		t.Fatalf("pre's lo: %q", out)
	}
	// Records: [kind, "", the undo step as JSON] (journal format 2).
	kinds := map[string]int{}
	for _, r := range journalRecords(t, sb) {
		kinds[r[0]]++
		if len(r) != 3 || strings.Contains(r[2], `"NS":"ns`) {
			t.Errorf("a line inside a namespace up made was journaled: %q", r)
		}
		if (r[0] == "addr-del" || r[0] == "link-set") && !strings.Contains(r[2], `"NS":"pre"`) {
			t.Errorf("unexpected record %q", r)
		}
	}
	if kinds["netns-del"] != 3 || kinds["link-del"] != 3 || kinds["addr-del"] != 1 || kinds["link-set"] != 1 {
		t.Fatalf("journal records by kind: %v", kinds)
	}
	applied := st()
	sb.MustNSNet("up", "/run/w.nsnet")
	if st() != applied {
		t.Fatal("a second up changed the state")
	}
	sb.MustNSNet("down", "/run/w.nsnet")
	if after := st(); after != before {
		t.Fatalf("down did not restore the state\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if out := sb.Must("sh", "-c", "ls -A /run/nsnet/up 2>/dev/null; true"); out != "" {
		t.Fatalf("journal left after down: %q", out)
	}
}

// TestUpInsideRollsBack: a failing line after namespaces and veth pairs
// were made undoes them, and nothing is left when up returns.
func TestUpInsideRollsBack(t *testing.T) {
	sb, st := upScopeSandbox(t)
	sb.Must("ip", "link", "add", "taken", "type", "veth", "peer", "name", "taken1")
	before := st()
	file := upWorkload(3) + "-n pre link set lo mtu 1400\nlink add taken type bridge\n"
	writeFile(t, sb, "/run/w.nsnet", file)
	WantFail(t, sb.NSNet("up", "/run/w.nsnet"), 1, fmt.Sprintf("/run/w.nsnet:%d:", strings.Count(file, "\n")), "rolled back")
	if after := st(); after != before {
		t.Fatalf("rollback left changes\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// TestUpInsideKilledThenDown: up killed (SIGKILL) at random points, then
// down, leaves nothing behind.
func TestUpInsideKilledThenDown(t *testing.T) {
	sb, st := upScopeSandbox(t)
	writeFile(t, sb, "/run/w.nsnet", upWorkload(30)+"-n pre link set lo mtu 1400\n")
	before := st()
	start := time.Now()
	sb.MustNSNet("up", "/run/w.nsnet")
	full := time.Since(start)
	sb.MustNSNet("down", "/run/w.nsnet")
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 15))
	t.Logf("a full up takes %v; seed %d", full, seed)
	for range 5 {
		delay := time.Duration(rng.Int64N(int64(full)))
		cmd := sb.Cmd(nsnetBin, "up", "/run/w.nsnet")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay)  // the fault's point, not a wait for a result
		cmd.Process.Kill() // nsenter has exec'd nsnet: this is nsnet
		cmd.Wait()
		if r := sb.NSNet("down", "/run/w.nsnet"); r.Code != 0 {
			t.Fatalf("down after kill -9 at %v: %s", delay, r)
		}
		if after := st(); after != before {
			t.Fatalf("kill -9 at %v (seed %d), then down, left changes\nbefore:\n%s\nafter:\n%s", delay, seed, before, after)
		}
		if out := sb.Must("sh", "-c", "ls -A /run/nsnet/up 2>/dev/null; true"); out != "" {
			t.Fatalf("journal left after down: %q", out)
		}
	}
}
