package tests

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"
)

// faultJSON decodes a JSON array of objects printed by nsnet or ip.
func faultJSON(t *testing.T, what, s string) []map[string]any {
	t.Helper()
	var v []map[string]any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%s: not a JSON array (%v): %.300q", what, err, s)
	}
	return v
}

// faultAddrs returns "ifname local/prefixlen" for every address in an
// "ip -j addr show" style list.
func faultAddrs(t *testing.T, what, s string) []string {
	t.Helper()
	var out []string
	for _, l := range faultJSON(t, what, s) {
		infos, _ := l["addr_info"].([]any)
		for _, a := range infos {
			m, _ := a.(map[string]any)
			out = append(out, fmt.Sprintf("%v %v/%v", l["ifname"], m["local"], m["prefixlen"]))
		}
	}
	return out
}

// TestFaultInterruptedDump dumps links and addresses while another process
// adds and deletes them as fast as it can, so that the kernel marks dumps
// NLM_F_DUMP_INTR. nsnet must never print a torn or duplicated list: each
// dump either holds every one of the links and addresses that never
// change, each once, or fails with one clear error line.
func TestFaultInterruptedDump(t *testing.T) {
	sb := NewSandbox(t)
	sb.MustSh(`set -e
sysctl -qw net.ipv6.conf.default.addr_gen_mode=1
for i in $(seq 1 40); do echo "link add s$i type bridge"; echo "addr add 2001:db8:1::$i/128 dev lo"; done | ip -batch -
for i in $(seq 0 299); do echo "link add c$((i%8)) type bridge"; echo "addr add 2001:db8:2::$((i%8))/128 dev lo";
  echo "link del c$((i%8))"; echo "addr del 2001:db8:2::$((i%8))/128 dev lo"; done > /run/churn.batch`)
	// The churn: small ip batches, one after the other, until stopped.
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for n := 0; n < 1000; n++ {
			select {
			case <-stop:
				return
			default:
			}
			sb.Cmd("ip", "-force", "-batch", "/run/churn.batch").Run()
		}
	}()
	defer func() { close(stop); <-done }()

	ok, failed := 0, 0
	for i := 0; i < 30; i++ {
		for _, obj := range []string{"link", "addr"} {
			r := sb.NSNet("-j", obj, "show")
			if r.Code != 0 {
				WantFail(t, r, r.Code, "interrupted")
				failed++
				continue
			}
			seen := map[string]int{}
			if obj == "link" {
				idx := map[any]int{}
				for _, l := range faultJSON(t, "nsnet -j link show", r.Stdout) {
					seen[fmt.Sprint(l["ifname"])]++
					idx[l["ifindex"]]++
				}
				for k, n := range idx {
					if n != 1 {
						t.Fatalf("ifindex %v listed %d times", k, n)
					}
				}
				for j := 1; j <= 40; j++ {
					if n := seen[fmt.Sprintf("s%d", j)]; n != 1 {
						t.Fatalf("dump %d: link s%d listed %d times:\n%.2000s", i, j, n, r.Stdout)
					}
				}
			} else {
				for _, a := range faultAddrs(t, "nsnet -j addr show", r.Stdout) {
					seen[a]++
				}
				for a, n := range seen {
					if n != 1 {
						t.Fatalf("dump %d: address %s listed %d times", i, a, n)
					}
				}
				for j := 1; j <= 40; j++ {
					if a := fmt.Sprintf("lo 2001:db8:1::%d/128", j); seen[a] != 1 {
						t.Fatalf("dump %d: %s missing:\n%.2000s", i, a, r.Stdout)
					}
				}
			}
			ok++
		}
	}
	// How often the kernel did interrupt a dump (nsnet then retried).
	intr := 0
	for i := 0; i < 10; i++ {
		intr += strings.Count(sb.NSNet("--trace", "addr", "show").Stderr, "DUMP_INTR")
	}
	select {
	case <-done:
		t.Fatal("the churn ended before the dumps did: the test proves nothing")
	default:
	}
	t.Logf("%d complete dumps, %d failed with a clear error, under churn; %d DUMP_INTR replies in 10 traced dumps", ok, failed, intr)
	if ok == 0 {
		t.Fatal("no dump ever completed under churn")
	}
}

// TestFaultLargeDumps lists 5000 addresses and 1000 links, more than one
// receive buffer holds: nsnet's JSON must have exactly what ip's has.
func TestFaultLargeDumps(t *testing.T) {
	sb := NewSandbox(t)
	sb.MustSh(`set -e
sysctl -qw net.ipv6.conf.default.addr_gen_mode=1
for i in $(seq 1 5000); do printf 'addr add 2001:db8:%x::%x/128 dev lo\n' $((i/256)) $i; done | ip -batch -
for i in $(seq 1 1000); do echo "link add b$i type bridge"; done | ip -batch -
# Let the kernel settle after 6000 changes: ip says when its dump was
# interrupted ("Dump was interrupted and may be inconsistent.").
for i in $(seq 1 100); do ip addr show 2>&1 >/dev/null | grep -q interrupted || break; sleep 0.1; done`)
	// A dump the kernel keeps interrupting may fail, clearly (the kernel
	// is still settling after 6000 changes); it must not come out torn.
	dump := func(args ...string) string {
		for i := 0; ; i++ {
			r := sb.NSNet(args...)
			if r.Code == 0 {
				return r.Stdout
			}
			WantFail(t, r, 1, "interrupted")
			if i == 2 {
				t.Fatalf("%v interrupted three times in a row", args)
			}
			t.Logf("%v: %s", args, r.Stderr)
		}
	}
	ours := faultAddrs(t, "nsnet", dump("-j", "addr", "show"))
	theirs := faultAddrs(t, "ip", sb.Must("ip", "-j", "addr", "show"))
	if len(ours) < 5000 || strings.Join(ours, "\n") != strings.Join(theirs, "\n") {
		t.Fatalf("nsnet lists %d addresses, ip %d", len(ours), len(theirs))
	}
	nl := faultJSON(t, "nsnet", dump("-j", "link", "show"))
	il := faultJSON(t, "ip", sb.Must("ip", "-j", "link", "show"))
	if len(nl) != 1001 || len(il) != 1001 {
		t.Fatalf("nsnet lists %d links, ip %d, want 1001", len(nl), len(il))
	}
	for i := range nl {
		if nl[i]["ifname"] != il[i]["ifname"] || nl[i]["ifindex"] != il[i]["ifindex"] {
			t.Fatalf("link %d: nsnet %v/%v, ip %v/%v", i, nl[i]["ifname"], nl[i]["ifindex"], il[i]["ifname"], il[i]["ifindex"])
		}
	}
}

// TestFaultNamespaceDeleted deletes a namespace while nsnet captures and
// pings in it, and while a batch file still has lines for it.
func TestFaultNamespaceDeleted(t *testing.T) {
	sb := NewSandbox(t)
	pktPair(t, sb)
	capture := pktStart(t, sb, nsnetBin, "-n", "peer", "capture", "-i", "veth1", "icmp")
	ping := pktStart(t, sb, "sh", "-c", "echo listening on >&2; exec "+nsnetBin+" -n peer ping -c 30 -i 0.05 198.51.100.1")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(ping.out.String(), "bytes from") {
		if time.Now().After(deadline) {
			t.Fatalf("no reply before the delete: %s", ping.out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	sb.MustNSNet("netns", "del", "peer")
	// Both hold the namespace, so it lives on until they end: ping
	// finishes normally, capture stops on Ctrl-C with its counts.
	out, errs := ping.wait()
	if !strings.Contains(out, "30 packets transmitted, 30 received") || strings.Contains(errs, "panic") {
		t.Fatalf("ping in a deleted namespace:\n%s\n%s", out, errs)
	}
	out, errs = capture.stop()
	if !strings.Contains(out, "ICMP echo request") || !strings.Contains(errs, "packets captured") || strings.Contains(errs, "panic") {
		t.Fatalf("capture in a deleted namespace:\n%s\n%s", out, errs)
	}
	if len(names(t, sb)) != 0 || mountCount(t, sb) != 0 {
		t.Fatal("something left in /run/netns")
	}
	// A batch whose namespace another process deletes mid-file: the next
	// line for it fails, naming the namespace; it does not act on the
	// unreachable namespace nsnet still holds open.
	sb.MustNSNet("netns", "add", "m")
	sb.MustNSNet("netns", "add", "other")
	writeFile(t, sb, "/run/gone.nsnet", `-n m link add d0 type bridge
netns exec other ip netns del m
-n m link add d1 type bridge
netns add after
`)
	WantFail(t, sb.NSNet("-batch", "/run/gone.nsnet"), 1, "/run/gone.nsnet:3:", `"m"`)
	if got := strings.Join(names(t, sb), " "); got != "other" {
		t.Fatalf("/run/netns: %q", got)
	}
	// The same with a namespace put back under the same name: line 3
	// acts in the new one.
	sb.MustNSNet("netns", "add", "m")
	writeFile(t, sb, "/run/again.nsnet", `-n m link add d0 type bridge
netns exec other sh -c 'nsenter --mount=/proc/$PPID/ns/mnt -- sh -c "ip netns del m && ip netns add m"'
-n m link add d1 type bridge
`)
	sb.MustNSNet("-batch", "/run/again.nsnet")
	if out := sb.Must("ip", "-n", "m", "-o", "link", "show"); strings.Contains(out, " d0:") || !strings.Contains(out, " d1:") {
		t.Fatalf("the new m holds:\n%s", out)
	}
}

// TestFaultUpKilled kills "nsnet up" of examples/bridge.nsnet with SIGKILL
// at random points, then runs down: nothing may be left behind.
func TestFaultUpKilled(t *testing.T) {
	sb := NewSandbox(t)
	b, err := os.ReadFile("../examples/bridge.nsnet")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, sb, "/run/bridge.nsnet", string(b))
	sb.Must("ip", "link", "add", "ens33", "type", "bridge") // the uplink (no dummy driver in the sandbox)
	before := state(t, sb)
	start := time.Now()
	sb.MustNSNet("up", "/run/bridge.nsnet")
	full := time.Since(start)
	sb.MustNSNet("down", "/run/bridge.nsnet")
	if after := state(t, sb); after != before {
		t.Fatalf("up then down left changes\nbefore:\n%s\nafter:\n%s", before, after)
	}
	// The window a kill can hit between creating /run/netns/c1 and mounting
	// the namespace on it leaves a stale file: down must still clean up.
	sb.MustNSNet("up", "/run/bridge.nsnet")
	sb.Must("umount", "/run/netns/c1")
	if r := sb.NSNet("down", "/run/bridge.nsnet"); r.Code != 0 {
		t.Fatalf("down with c1 stale: %s", r)
	}
	if after := state(t, sb); after != before {
		t.Fatalf("down with c1 stale left changes\nbefore:\n%s\nafter:\n%s", before, after)
	}
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 7))
	t.Logf("a full up takes %v; seed %d", full, seed)
	for i := 0; i < 8; i++ {
		delay := time.Duration(rng.Int64N(int64(full)))
		cmd := sb.Cmd(nsnetBin, "up", "/run/bridge.nsnet")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay)  // the fault's point, not a wait for a result
		cmd.Process.Kill() // nsenter has exec'd nsnet: this is nsnet
		cmd.Wait()
		if r := sb.NSNet("down", "/run/bridge.nsnet"); r.Code != 0 {
			t.Fatalf("down after kill -9 at %v: %s", delay, r)
		}
		if after := state(t, sb); after != before {
			t.Fatalf("kill -9 at %v (seed %d), then down, left changes\nbefore:\n%s\nafter:\n%s", delay, seed, before, after)
		}
		if out := sb.Must("sh", "-c", "ls -A /run/nsnet/up 2>/dev/null; true"); out != "" {
			t.Fatalf("journal left after down: %q", out)
		}
	}
}
