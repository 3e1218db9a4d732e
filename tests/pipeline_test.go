package tests

import (
	"fmt"
	"strings"
	"testing"
)

// interleaved writes a batch file as a person writes one: each
// namespace's lines followed by its own `nat forward add`; bad (if >= 0)
// gets a default route through a gateway outside its /30, which the
// kernel refuses. It returns the file's text and the number of the bad
// line.
func interleaved(n, bad int) (string, int) {
	var b strings.Builder
	num, badLine := 0, 0
	add := func(format string, args ...any) {
		fmt.Fprintf(&b, format+"\n", args...)
		num++
	}
	add("sysctl -w net.ipv4.ip_forward=1")
	add("nat masquerade add 10.200.0.0/16")
	for i := range n {
		add("netns add ns%d", i)
		add("link add h%d type veth peer name eth0 netns ns%d", i, i)
		add("addr add 10.200.0.%d/30 dev h%d", 4*i+1, i)
		add("link set h%d up", i)
		add("-n ns%d addr add 10.200.0.%d/30 dev eth0", i, 4*i+2)
		add("-n ns%d link set eth0 up", i)
		if i == bad {
			add("-n ns%d route add default via 192.0.2.1 dev eth0", i)
			badLine = num
		} else {
			add("-n ns%d route add default via 10.200.0.%d dev eth0", i, 4*i+1)
		}
		add("nat forward add up0 h%d", i)
	}
	return b.String(), badLine
}

// TestBatchInterleavedNat: the nat lines of a file that interleaves them
// with each namespace's rtnetlink lines go to the kernel in one
// transaction; a refused rtnetlink line in the middle stops the batch
// naming its line, and the nat lines after it are not in the table (they
// had run ahead and are taken back); with -force every other line is
// applied.
func TestBatchInterleavedNat(t *testing.T) {
	sb := NewSandbox(t)
	text, _ := interleaved(4, -1)
	writeFile(t, sb, "/run/il.nsnet", text)
	r := sb.NSNet("--trace", "-batch", "/run/il.nsnet")
	if r.Code != 0 {
		t.Fatal(r)
	}
	if n := strings.Count(r.Stderr, "→ NFNL_MSG_BATCH_END "); n != 1 {
		t.Errorf("%d nf_tables transactions for 5 nat lines, want 1", n)
	}
	rules := nftRules(t, sb)
	for i := range 4 {
		if c := fmt.Sprintf("nsnet forward up0 h%d", i); len(rules[c]) != 2 {
			t.Errorf("%s: %d rules", c, len(rules[c]))
		}
	}
	sb.Must("ip", "netns", "exec", "ns3", "ping", "-c1", "-W2", "10.200.0.13")

	// A refusal in the middle: the error names the route line of ns1.
	sb2 := NewSandbox(t)
	text, bad := interleaved(3, 1)
	writeFile(t, sb2, "/run/bad.nsnet", text)
	r = sb2.NSNet("-batch", "/run/bad.nsnet")
	WantFail(t, r, 1, fmt.Sprintf("/run/bad.nsnet:%d:", bad))
	rules = nftRules(t, sb2)
	if len(rules["nsnet forward up0 h0"]) != 2 || len(rules["nsnet masquerade 10.200.0.0/16"]) != 1 {
		t.Errorf("the nat lines before the refused line are missing: %v", rules)
	}
	for _, c := range []string{"nsnet forward up0 h1", "nsnet forward up0 h2"} {
		if len(rules[c]) != 0 {
			t.Errorf("%s is in the table, but its line comes after the refused one", c)
		}
	}
	if out := sb2.Must("ls", "/run/netns"); strings.Contains(out, "ns2") {
		t.Errorf("ns2 was created after the refused line: %s", out)
	}

	// -force: the refused line is reported, everything else applied.
	sb3 := NewSandbox(t)
	writeFile(t, sb3, "/run/bad.nsnet", text)
	r = sb3.NSNet("-force", "-batch", "/run/bad.nsnet")
	if r.Code == 0 || !strings.Contains(r.Stderr, fmt.Sprintf("/run/bad.nsnet:%d:", bad)) {
		t.Fatalf("-force: %s", r)
	}
	rules = nftRules(t, sb3)
	for i := range 3 {
		if c := fmt.Sprintf("nsnet forward up0 h%d", i); len(rules[c]) != 2 {
			t.Errorf("-force: %s: %d rules", c, len(rules[c]))
		}
	}
	sb3.Must("ip", "netns", "exec", "ns2", "ping", "-c1", "-W2", "10.200.0.9")
}

// TestBatchNetnsAheadErrorsInLineOrder: namespaces are made ahead of their
// lines on another thread, but a refused `netns add` (the name is taken)
// is reported in its place, before the errors of later lines, and with
// -force the lines of that namespace act in the one already there.
func TestBatchNetnsAheadErrorsInLineOrder(t *testing.T) {
	sb := NewSandbox(t)
	sb.Must("ip", "netns", "add", "ns1")
	text, bad := interleaved(4, 2)
	writeFile(t, sb, "/run/order.nsnet", text)
	r := sb.NSNet("-force", "-batch", "/run/order.nsnet")
	if r.Code != 1 {
		t.Fatalf("want exit 1: %s", r)
	}
	exist := strings.Index(r.Stderr, "/run/order.nsnet:11:")
	route := strings.Index(r.Stderr, fmt.Sprintf("/run/order.nsnet:%d:", bad))
	if exist < 0 || route < 0 || exist > route || !strings.Contains(r.Stderr, "already exists") {
		t.Fatalf("errors not in line order (netns add ns1 on line 11, route on line %d):\n%s", bad, r.Stderr)
	}
	if out := sb.Must("ip", "-n", "ns1", "-o", "addr", "show", "dev", "eth0"); !strings.Contains(out, "10.200.0.6/30") {
		t.Errorf("ns1's lines did not act in the namespace already there: %s", out)
	}
	sb.Must("ip", "netns", "exec", "ns3", "ping", "-c1", "-W2", "10.200.0.13")
}

// TestBatchLinkRenamedMidBatch: a batch resolves the names of the links
// it made from the kernel's echo of each link add; another program that
// renames such a link between two lines (here a `netns exec` line) is
// seen: the line after it that names the old name fails, naming its
// line, and the renamed link gets nothing; the same batch with -force
// goes on and the new name works.
func TestBatchLinkRenamedMidBatch(t *testing.T) {
	sb := NewSandbox(t)
	// The sandbox's own namespace gets a name, for netns exec.
	sb.MustSh("touch /run/netns/top && mount --bind /proc/self/ns/net /run/netns/top")
	writeFile(t, sb, "/run/ren.nsnet", `link add a0 type veth peer name b0
addr add 10.9.0.1/24 dev b0
netns exec top ip link set a0 name c0
addr add 10.9.1.1/24 dev a0
addr add 10.9.2.1/24 dev c0
`)
	WantFail(t, sb.NSNet("-batch", "/run/ren.nsnet"), 1, "/run/ren.nsnet:4:")
	if out := sb.Must("ip", "-o", "addr", "show", "dev", "c0"); strings.Contains(out, "10.9.") {
		t.Errorf("the renamed link got an address meant for a0: %s", out)
	}
	if out := sb.Must("ip", "-o", "addr", "show", "dev", "b0"); !strings.Contains(out, "10.9.0.1/24") {
		t.Errorf("b0 (the peer, known from the echo) has no address: %s", out)
	}
	sb.Must("ip", "link", "del", "c0")
	r := sb.NSNet("-force", "-batch", "/run/ren.nsnet")
	if r.Code != 1 || !strings.Contains(r.Stderr, "/run/ren.nsnet:4:") {
		t.Fatalf("-force: %s", r)
	}
	if out := sb.Must("ip", "-o", "addr", "show", "dev", "c0"); !strings.Contains(out, "10.9.2.1/24") || strings.Contains(out, "10.9.1.1") {
		t.Errorf("-force: c0: %s", out)
	}
}
