package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// neighSandbox is a sandbox with namespace t holding va (10.0.0.1/24,
// 2001:db8::1/64) whose peer vb is in namespace u (10.0.0.2/24), and
// neighbour entries of several kinds added by nsnet.
func neighSandbox(t *testing.T) *Sandbox {
	sb := NewSandbox(t)
	sb.MustSh(`set -e
ip netns add t; ip netns add u
ip -n t link add va type veth peer vb netns u
ip -n t addr add 10.0.0.1/24 dev va; ip -n t addr add 2001:db8::1/64 dev va nodad
ip -n u addr add 10.0.0.2/24 dev vb
ip -n t link set va up; ip -n u link set vb up
$NSNET -n t neigh add 10.0.0.3 lladdr 02:00:00:00:00:03 dev va
$NSNET -n t neighbour add 10.0.0.4 lladdr 02:00:00:00:00:04 nud stale router dev va
$NSNET -n t n add 10.0.0.5 dev va nud noarp lladdr 02:00:00:00:00:05
$NSNET -n t neighbor add 2001:db8::5 lladdr 02:00:00:00:00:06 dev va nud reachable router
$NSNET -n t neigh add proxy 10.0.0.9 dev va
$NSNET -n t neigh add 10.0.0.6 dev va nud none`)
	return sb
}

// TestNeighShowLikeIP compares nsnet's listings with ip's, byte for byte,
// in text and JSON.
func TestNeighShowLikeIP(t *testing.T) {
	sb := neighSandbox(t)
	for _, args := range []string{
		"neigh", "neigh show dev va", "-4 neigh show nud all", "neigh show proxy", "-j neigh", "-j neigh show proxy",
		"-s neigh", "-j -s neigh", "-4 neigh", "-6 neigh", "neigh show to 10.0.0.0/30", "neigh show 10.0.0.4",
		"neigh show nud stale nud permanent", "neigh show nud none", "-4 neigh show nud noarp", "-j -4 neigh show nud all",
		"neigh get 10.0.0.3 dev va", "-4 neigh list dev va nud all", "-br neigh", "-br -j neigh", "-br neigh show proxy",
	} {
		a := append([]string{"-n", "t"}, strings.Fields(args)...)
		// -s prints ages in seconds: a second may tick between the two
		// listings, so a difference is checked again.
		var got, want string
		for range 3 {
			want = sb.Must(append([]string{"ip"}, a...)...)
			if got = sb.MustNSNet(a...); got == want {
				break
			}
		}
		if got != want {
			t.Errorf("nsnet %s:\n%s\nip:\n%s", args, got, want)
		}
	}
	// The entries as the kernel has them, read back by ip. (Only IPv4 for
	// "nud all": the kernel adds IPv6 multicast entries as it goes.)
	out := sb.Must("ip", "-n", "t", "-j", "neigh", "show", "nud", "all")
	for _, w := range []string{
		`{"dst":"10.0.0.3","dev":"va","lladdr":"02:00:00:00:00:03","state":["PERMANENT"]}`,
		`{"dst":"10.0.0.4","dev":"va","lladdr":"02:00:00:00:00:04","router":null,"state":["STALE"]}`,
		`{"dst":"10.0.0.5","dev":"va","lladdr":"02:00:00:00:00:05","state":["NOARP"]}`,
		`{"dst":"2001:db8::5","dev":"va","lladdr":"02:00:00:00:00:06","router":null,"state":["REACHABLE"]}`,
		`{"dst":"10.0.0.6","dev":"va"}`,
	} {
		if !strings.Contains(out, w) {
			t.Errorf("ip -j neigh lacks %s:\n%s", w, out)
		}
	}
	if out := sb.Must("ip", "-n", "t", "neigh", "show", "proxy", "dev", "va"); out != "10.0.0.9 proxy \n" {
		t.Errorf("ip neigh show proxy: %q", out)
	}
}

func TestNeighChangeFlushErrors(t *testing.T) {
	sb := neighSandbox(t)
	sb.MustNSNet("-n", "t", "neigh", "replace", "10.0.0.4", "dev", "va", "lladdr", "02:00:00:00:00:44", "nud", "reachable")
	sb.MustNSNet("-n", "t", "neigh", "change", "10.0.0.3", "dev", "va", "lladdr", "02:00:00:00:00:33")
	sb.MustNSNet("-n", "t", "neigh", "del", "2001:db8::5", "dev", "va")
	sb.MustNSNet("-n", "t", "neigh", "del", "proxy", "10.0.0.9", "dev", "va")
	got := sb.Must("ip", "-n", "t", "neigh")
	for _, w := range []string{"10.0.0.3 dev va lladdr 02:00:00:00:00:33 PERMANENT \n", "10.0.0.4 dev va lladdr 02:00:00:00:00:44 REACHABLE \n"} {
		if !strings.Contains(got, w) {
			t.Errorf("after replace/change/del, ip neigh lacks %q:\n%s", w, got)
		}
	}
	if strings.Contains(got, "2001:db8::5") {
		t.Errorf("after del, ip neigh still has 2001:db8::5:\n%s", got)
	}
	// (dev va: a proxy entry of no link can outlive a namespace of an
	// earlier test and show up in this one.)
	if got := sb.Must("ip", "-n", "t", "neigh", "show", "proxy", "dev", "va"); got != "" {
		t.Errorf("proxy entry left: %q", got)
	}
	WantFail(t, sb.NSNet("-n", "t", "neigh", "add", "10.0.0.3", "dev", "va", "lladdr", "02:00:00:00:00:03"), 2, "10.0.0.3", "exists")
	WantFail(t, sb.NSNet("-n", "t", "neigh", "del", "10.0.0.77", "dev", "va"), 2, "10.0.0.77")
	WantFail(t, sb.NSNet("-n", "t", "neigh", "change", "10.0.0.78", "dev", "va", "lladdr", "02:00:00:00:00:78"), 2, "10.0.0.78")
	WantFail(t, sb.NSNet("-n", "t", "neigh", "get", "10.0.0.79", "dev", "va"), 2, "10.0.0.79")
	if r := sb.NSNet("-n", "t", "neigh", "add", "10.0.0.3", "dev", "nosuch"); r.Code == 0 || !strings.Contains(r.Stderr, "nosuch") {
		t.Errorf("neigh add on a missing device: %s", r)
	}
	WantFail(t, sb.NSNet("-n", "t", "neigh", "add", "10.0.0.8", "dev", "va", "nud", "bogus"), 255, "bogus")
	WantFail(t, sb.NSNet("-n", "t", "neigh", "flush"), 1, "flush")

	// flush spares PERMANENT and NOARP entries unless nud says otherwise;
	// -s counts as ip does.
	sb.MustNSNet("-n", "t", "neigh", "add", "10.0.0.7", "dev", "va", "lladdr", "02:00:00:00:00:07", "nud", "stale")
	got = sb.MustNSNet("-n", "t", "-s", "neigh", "flush", "dev", "va")
	if want := "\n*** Round 1, deleting 3 entries ***\n*** Flush is complete after 1 round ***\n"; got != want {
		t.Errorf("neigh -s flush printed %q, want %q", got, want)
	}
	left := sb.Must("ip", "-n", "t", "neigh", "show", "nud", "all", "dev", "va")
	for _, w := range []string{"10.0.0.3 ", "10.0.0.5 "} {
		if !strings.Contains(left, w) {
			t.Errorf("flush removed %s:\n%s", w, left)
		}
	}
	for _, w := range []string{"10.0.0.4 ", "10.0.0.6 ", "10.0.0.7 "} {
		if strings.Contains(left, w) {
			t.Errorf("flush left %s:\n%s", w, left)
		}
	}
	sb.MustNSNet("-n", "t", "neigh", "flush", "all", "nud", "permanent")
	if left := sb.Must("ip", "-n", "t", "-4", "neigh", "show", "nud", "all"); left != "10.0.0.5 dev va lladdr 02:00:00:00:00:05 NOARP \n" {
		t.Errorf("after flush all nud permanent: %q", left)
	}
}

// TestNeighStaticARP shows an entry doing its job: with ARP off on va,
// t reaches u only through the entries nsnet adds on both sides.
func TestNeighStaticARP(t *testing.T) {
	sb := neighSandbox(t)
	sb.MustSh(`set -e
ip -n t link set va arp off
ip -n t neigh flush dev va nud all
ip -n u neigh flush dev vb nud all`)
	ping := func() int { return sb.Run("ip", "netns", "exec", "t", "ping", "-c1", "-W1", "10.0.0.2").Code }
	if ping() == 0 {
		t.Fatal("ping crossed before any entry was added")
	}
	mac := func(ns, dev string) string {
		out := sb.Must("ip", "-n", ns, "-br", "link", "show", dev)
		return strings.Fields(out)[2]
	}
	sb.MustNSNet("-n", "t", "neigh", "replace", "10.0.0.2", "lladdr", mac("u", "vb"), "dev", "va")
	sb.MustNSNet("-n", "u", "neigh", "replace", "10.0.0.1", "lladdr", mac("t", "va"), "dev", "vb")
	if code := ping(); code != 0 {
		t.Fatalf("ping with static entries: exit %d", code)
	}
	sb.MustNSNet("-n", "u", "neigh", "del", "10.0.0.1", "dev", "vb")
	if ping() == 0 {
		t.Fatal("ping crossed after u's entry was deleted (ARP is off on va)")
	}
}

// ownNeigh drops from ip's neighbour listing the IPv6 multicast entries
// (ff00::/8) the kernel adds by itself whenever the link sends an MLD
// report, at times no test controls.
func ownNeigh(list string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(list, "\n") {
		if !strings.HasPrefix(l, "ff") {
			b.WriteString(l)
		}
	}
	return b.String()
}

// TestNeighUpDown: neigh add/del/replace in an up file, undone by down;
// flush refused.
func TestNeighUpDown(t *testing.T) {
	sb := neighSandbox(t)
	before := ownNeigh(sb.Must("ip", "-n", "t", "neigh", "show", "nud", "all"))
	dir := t.TempDir()
	up := filepath.Join(dir, "n.up")
	os.WriteFile(up, []byte(`neigh add 10.0.0.20 lladdr 02:00:00:00:00:20 dev va
neigh add 2001:db8::20 lladdr 02:00:00:00:00:21 dev va router
neigh del 10.0.0.3 dev va
neigh replace 10.0.0.4 lladdr 02:00:00:00:00:40 dev va
neigh add proxy 10.0.0.21 dev va
`), 0o644)
	// The file is read by nsnet in the sandbox, which shares the file system.
	sb.MustNSNet("-n", "t", "up", up)
	got := sb.Must("ip", "-n", "t", "neigh", "show", "nud", "all")
	for _, w := range []string{"10.0.0.20 dev va lladdr 02:00:00:00:00:20 PERMANENT", "2001:db8::20 dev va lladdr 02:00:00:00:00:21 router PERMANENT",
		"10.0.0.4 dev va lladdr 02:00:00:00:00:40 PERMANENT"} {
		if !strings.Contains(got, w) {
			t.Errorf("after up, ip neigh lacks %q:\n%s", w, got)
		}
	}
	if strings.Contains(got, "10.0.0.3 ") {
		t.Errorf("after up, 10.0.0.3 is still there:\n%s", got)
	}
	sb.MustNSNet("-n", "t", "up", up) // applied: changes nothing
	sb.MustNSNet("-n", "t", "down", up)
	if after := ownNeigh(sb.Must("ip", "-n", "t", "neigh", "show", "nud", "all")); after != before {
		t.Errorf("down did not restore the entries:\n%s\nwant:\n%s", after, before)
	}
	if p := sb.Must("ip", "-n", "t", "neigh", "show", "proxy", "dev", "va"); p != "10.0.0.9 proxy \n" {
		t.Errorf("down left proxy entries: %q", p)
	}
	// The same lines in a batch, one socket for all.
	r := sb.RunInput("-n t neigh add 10.0.0.40 lladdr 02:00:00:00:00:40 dev va\n-n t ru add pref 40 table 40\n-n t n del 10.0.0.40 dev va\n",
		nsnetBin, "-batch", "-")
	if r.Code != 0 {
		t.Fatalf("batch: %s", r)
	}
	if out := sb.Must("ip", "-n", "t", "rule", "show", "pref", "40"); out != "40:\tfrom all lookup 40\n" {
		t.Errorf("batch rule: %q", out)
	}
	if out := sb.Must("ip", "-n", "t", "neigh", "show", "10.0.0.40"); out != "" {
		t.Errorf("batch neigh del: %q", out)
	}
	bad := filepath.Join(dir, "f.up")
	os.WriteFile(bad, []byte("neigh add 10.0.0.30 lladdr 02:00:00:00:00:30 dev va\nneigh flush dev va\n"), 0o644)
	WantFail(t, sb.NSNet("-n", "t", "up", bad), 255, "neigh flush dev va", "cannot be undone")
	if strings.Contains(sb.Must("ip", "-n", "t", "neigh", "show", "nud", "all"), "10.0.0.30") {
		t.Error("a refused up file applied its first line")
	}
}

// TestNeighMasterFilter: "master DEV" and "nomaster" select by the link's
// bridge, as ip's (the kernel filters).
func TestNeighMasterFilter(t *testing.T) {
	sb := NewSandbox(t)
	sb.MustSh(`set -e
ip link add br0 type bridge; ip link set br0 up
ip link add va type veth peer vb; ip link set va master br0; ip link set va up
ip link add vc type veth peer vd; ip link set vc up
$NSNET neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev va
$NSNET neigh add 10.0.0.3 lladdr 02:00:00:00:00:03 dev vc`)
	for args, want := range map[string]string{
		"-4 neigh show master br0": "10.0.0.2 dev va lladdr 02:00:00:00:00:02 PERMANENT \n",
		"-4 neigh show nomaster":   "10.0.0.3 dev vc lladdr 02:00:00:00:00:03 PERMANENT \n",
	} {
		a := strings.Fields(args)
		if got, ip := sb.MustNSNet(a...), sb.Must(append([]string{"ip"}, a...)...); got != want || ip != want {
			t.Errorf("%s: nsnet %q, ip %q, want %q", args, got, ip, want)
		}
	}
	WantFail(t, sb.NSNet("neigh", "show", "vrf", "br0"), 255, "br0", "VRF")
}
