package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ruleSandbox is a sandbox with namespace t holding va (192.168.11.100/24)
// and policy rules of every kind added by nsnet.
func ruleSandbox(t *testing.T) *Sandbox {
	sb := NewSandbox(t)
	sb.MustSh(`set -e
ip netns add t
ip -n t link add va type veth peer vb
ip -n t addr add 192.168.11.100/24 dev va
ip -n t link set va up; ip -n t link set vb up
$NSNET -n t rule add from 10.1.0.0/16 table 100
$NSNET -n t rule add not to 10.2.0.0/16 fwmark 0x10/0xff iif va oif vb pref 500 lookup main
$NSNET -n t rule add tos 0x10 ipproto tcp sport 80 dport 1000-2000 uidrange 100-200 table 200 suppress_prefixlength 0
$NSNET -n t rule add fwmark 7 prohibit
$NSNET -n t rule add pref 700 goto 800
$NSNET -n t rule add pref 800 blackhole
$NSNET -n t rule add from 10.9.9.9 unreachable
$NSNET -n t rule add l3mdev pref 1000
$NSNET -n t rule add pref 100 nop
$NSNET -n t rule add pref 101 tun_id 55 table 10
$NSNET -n t rule add pref 102 iif nosuch table 11
$NSNET -n t rule add suppress_ifgroup 5 table 9
$NSNET -n t rule add dsfield 0x04 table 12 protocol static pref 1200
$NSNET -n t ru add pref 1300 dport 53 table 1300
$NSNET -n t rule add pref 1400 from 10.0.0.0/8 to 10.1.0.0/16 table 7 realms 3/4
$NSNET -n t -6 rule add from 2001:db8::/32 table 7
$NSNET -n t rule add to 2001:db8:1::1 table 8 pref 5`)
	return sb
}

// TestRuleShowLikeIP compares nsnet's listings with ip's, byte for byte.
func TestRuleShowLikeIP(t *testing.T) {
	sb := ruleSandbox(t)
	for _, args := range []string{
		"rule", "-6 rule", "-j -6 rule", "-d rule", "rule show pref 500", "rule show table 7", "rule show from 10.0.0.0/8",
		"rule list not", "rule show iif va", "rule show fwmark 0x10/0xff", "rule show to 10.2.0.0/16", "-6 rule show from 2001:db8::/16",
		"ru", "rule show lookup 100", "-j rule show pref 1200", "-j rule show l3mdev", "-j rule show pref 500",
	} {
		a := append([]string{"-n", "t"}, strings.Fields(args)...)
		want := sb.Must(append([]string{"ip"}, a...)...)
		got := sb.MustNSNet(a...)
		if got != want {
			t.Errorf("nsnet %s:\n%s\nip:\n%s", args, got, want)
		}
	}
	// Without a port, -j is ip's too (ip 6.1 omits the sport_mask the
	// kernel adds to a single port; so does nsnet).
	for _, pref := range []string{"0", "100", "101", "102", "497", "498", "700", "800", "1400", "32765", "32766"} {
		a := []string{"-n", "t", "-j", "rule", "show", "pref", pref}
		if want, got := sb.Must(append([]string{"ip"}, a...)...), sb.MustNSNet(a...); got != want {
			t.Errorf("nsnet -j rule show pref %s:\n%s\nip:\n%s", pref, got, want)
		}
	}
	// Read back by ip: the rule nsnet made of each line.
	out := sb.Must("ip", "-n", "t", "rule")
	for _, w := range []string{
		"500:\tnot from all to 10.2.0.0/16 fwmark 0x10/0xff iif va oif vb lookup main\n",
		"from all tos 0x10 uidrange 100-200 ipproto tcp sport 80 dport 1000-2000 lookup 200 suppress_prefixlength 0\n",
		"from all fwmark 0x7 prohibit\n", "700:\tfrom all goto 800\n", "800:\tfrom all blackhole\n",
		"1000:\tfrom all lookup [l3mdev-table]\n", "1200:\tfrom all tos 0x04 lookup 12 proto static\n",
		"1300:\tfrom all dport 53 lookup 1300\n", "1400:\tfrom 10.0.0.0/8 to 10.1.0.0/16 lookup 7 realms 3/4\n", "from 10.1.0.0/16 lookup 100\n",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("ip rule lacks %q:\n%s", w, out)
		}
	}
	if out := sb.Must("ip", "-n", "t", "-6", "rule"); !strings.Contains(out, "5:\tfrom all to 2001:db8:1::1 lookup 8\n") ||
		!strings.Contains(out, "from 2001:db8::/32 lookup 7\n") {
		t.Errorf("ip -6 rule:\n%s", out)
	}
}

// TestRuleRoutes shows the rules doing their job: ip route get picks the
// table a fwmark or source rule selects.
func TestRuleRoutes(t *testing.T) {
	sb := NewSandbox(t)
	sb.MustSh(`set -e
ip link add va type veth peer vb
ip addr add 192.168.11.100/24 dev va
ip link set va up; ip link set vb up
ip route add 10.50.0.0/16 via 192.168.11.1 table 100
ip route add blackhole 10.50.0.0/16 table 200`)
	get := func(args ...string) Result {
		return sb.Run(append([]string{"ip", "route", "get", "10.50.1.1"}, args...)...)
	}
	if r := get(); r.Code == 0 {
		t.Fatalf("10.50.1.1 is routed before any rule: %s", r)
	}
	sb.MustNSNet("rule", "add", "fwmark", "7", "table", "100", "pref", "100")
	sb.MustNSNet("rule", "add", "from", "192.168.11.100", "lookup", "200", "pref", "200")
	if r := get("mark", "7"); r.Code != 0 || !strings.Contains(r.Stdout, "via 192.168.11.1") || !strings.Contains(r.Stdout, "table 100") {
		t.Errorf("route get mark 7: %s", r)
	}
	if r := get("from", "192.168.11.100"); r.Code == 0 {
		t.Errorf("route get from 192.168.11.100 crossed the blackhole of table 200: %s", r)
	}
	if r := get("from", "192.168.11.100", "mark", "7"); r.Code != 0 || !strings.Contains(r.Stdout, "table 100") {
		t.Errorf("route get from 192.168.11.100 mark 7 (pref 100 first): %s", r)
	}
	sb.MustNSNet("rule", "del", "fwmark", "7")
	if r := get("mark", "7"); r.Code == 0 {
		t.Errorf("route get mark 7 after rule del: %s", r)
	}
}

func TestRuleDeleteFlushErrors(t *testing.T) {
	sb := ruleSandbox(t)
	sb.MustNSNet("-n", "t", "rule", "del", "pref", "500")
	sb.MustNSNet("-n", "t", "rule", "del", "fwmark", "7", "prohibit")
	sb.MustNSNet("-n", "t", "rule", "delete", "from", "10.1.0.0/16")
	out := sb.Must("ip", "-n", "t", "rule")
	for _, w := range []string{"500:", "fwmark 0x7", "from 10.1.0.0/16"} {
		if strings.Contains(out, w) {
			t.Errorf("after del, ip rule still has %q:\n%s", w, out)
		}
	}
	WantFail(t, sb.NSNet("-n", "t", "rule", "del", "pref", "4242"), 2, "4242")
	WantFail(t, sb.NSNet("-n", "t", "rule", "add", "pref", "700", "goto", "800"), 2, "exists")
	WantFail(t, sb.NSNet("-n", "t", "rule", "add", "from", "10.0.0.0/40"), 1, "10.0.0.0/40")
	WantFail(t, sb.NSNet("-n", "t", "rule", "add", "frobnicate"), 255, "frobnicate")
	WantFail(t, sb.NSNet("-n", "t", "rule", "add"), 255, "rule add")

	// flush: what ip's flush removes, the rules of priority 0 spared.
	sb.MustNSNet("-n", "t", "rule", "flush", "protocol", "static")
	if out := sb.Must("ip", "-n", "t", "rule"); strings.Contains(out, "proto static") || !strings.Contains(out, "1300:") {
		t.Errorf("after flush protocol static:\n%s", out)
	}
	sb.MustNSNet("-n", "t", "rule", "flush")
	if out := sb.Must("ip", "-n", "t", "rule"); out != "0:\tfrom all lookup local\n" {
		t.Errorf("after flush: %q", out)
	}
	if out := sb.Must("ip", "-n", "t", "-6", "rule"); !strings.Contains(out, "2001:db8") {
		t.Errorf("IPv4 flush touched IPv6 rules:\n%s", out)
	}
	sb.MustNSNet("-n", "t", "-6", "rule", "flush")
	if out := sb.Must("ip", "-n", "t", "-6", "rule"); out != "0:\tfrom all lookup local\n" {
		t.Errorf("after -6 flush: %q", out)
	}
}

// TestRuleUpDown: rule add/del in an up file, undone by down; flush
// refused.
func TestRuleUpDown(t *testing.T) {
	sb := ruleSandbox(t)
	before := sb.Must("ip", "-n", "t", "rule") + sb.Must("ip", "-n", "t", "-6", "rule")
	dir := t.TempDir()
	up := filepath.Join(dir, "r.up")
	// Line 1 is like pref 500 but for "not": its undo must delete the
	// rule it made, not pref 500, which comes first.
	os.WriteFile(up, []byte(`rule add to 10.2.0.0/16 lookup main
rule add from 10.3.0.0/16 table 300 pref 300
rule add fwmark 9/0xff iif va lookup 9
rule del pref 500
rule del from 10.9.9.9 unreachable
-6 rule add to 2001:db8:9::/48 prohibit pref 90
`), 0o644)
	sb.MustNSNet("-n", "t", "up", up)
	got := sb.Must("ip", "-n", "t", "rule") + sb.Must("ip", "-n", "t", "-6", "rule")
	for _, w := range []string{"300:\tfrom 10.3.0.0/16 lookup 300\n", "from all to 10.2.0.0/16 lookup main\n", "from all fwmark 0x9/0xff iif va lookup 9\n", "90:\tfrom all to 2001:db8:9::/48 prohibit\n"} {
		if !strings.Contains(got, w) {
			t.Errorf("after up, ip rule lacks %q:\n%s", w, got)
		}
	}
	for _, w := range []string{"500:", "10.9.9.9"} {
		if strings.Contains(got, w) {
			t.Errorf("after up, ip rule still has %q:\n%s", w, got)
		}
	}
	sb.MustNSNet("-n", "t", "up", up) // applied: changes nothing
	sb.MustNSNet("-n", "t", "down", up)
	if after := sb.Must("ip", "-n", "t", "rule") + sb.Must("ip", "-n", "t", "-6", "rule"); after != before {
		t.Errorf("down did not restore the rules:\n%s\nwant:\n%s", after, before)
	}
	bad := filepath.Join(dir, "f.up")
	os.WriteFile(bad, []byte("rule add pref 42 table 42\nrule flush\n"), 0o644)
	WantFail(t, sb.NSNet("-n", "t", "up", bad), 255, "rule flush", "cannot be undone")
	if strings.Contains(sb.Must("ip", "-n", "t", "rule"), "42:") {
		t.Error("a refused up file applied its first line")
	}
}
