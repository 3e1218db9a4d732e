package tests

import (
	"strings"
	"testing"
)

// ipAddrs returns `ip -j addr show dev DEV`'s addr_info in namespace ns.
func ipAddrs(t *testing.T, sb *Sandbox, ns, dev string) []map[string]any {
	t.Helper()
	args := []string{"ip", "-j", "addr", "show", "dev", dev}
	if ns != "" {
		args = append([]string{"ip", "-n", ns}, args[1:]...)
	}
	links := mustParseJSON(t, "ip addr", sb.Must(args...)).([]any)
	var out []map[string]any
	for _, a := range links[0].(map[string]any)["addr_info"].([]any) {
		out = append(out, a.(map[string]any))
	}
	return out
}

// findAddr returns the addr_info entry with local address local.
func findAddr(addrs []map[string]any, local string) map[string]any {
	for _, a := range addrs {
		if a["local"] == local {
			return a
		}
	}
	return nil
}

func TestAddrAddDelete(t *testing.T) {
	sb := NewSandbox(t)
	sb.MustNSNet("link", "add", "va", "type", "veth", "peer", "vb")
	sb.MustNSNet("addr", "add", "192.168.11.100/24", "dev", "va")
	sb.MustNSNet("address", "add", "local", "10.1.1.1/24", "broadcast", "+", "label", "va:1", "dev", "va")
	sb.MustNSNet("a", "add", "10.2.2.2", "peer", "10.2.2.3/32", "dev", "va", "scope", "link")
	sb.MustNSNet("addr", "add", "2001:db8::1/64", "dev", "va", "nodad", "noprefixroute")
	sb.MustNSNet("-6", "addr", "add", "2001:db8:1::7", "dev", "va", "nodad", "valid_lft", "300", "preferred_lft", "100")
	sb.MustNSNet("addr", "add", "10.3.3.3", "dev", "va") // a host address: /32
	addrs := ipAddrs(t, sb, "", "va")
	for local, want := range map[string]map[string]any{
		"192.168.11.100": {"prefixlen": 24.0, "scope": "global", "label": "va"},
		"10.1.1.1":       {"prefixlen": 24.0, "broadcast": "10.1.1.255", "label": "va:1"},
		"10.2.2.2":       {"address": "10.2.2.3", "prefixlen": 32.0, "scope": "link"},
		"2001:db8::1":    {"prefixlen": 64.0, "nodad": true, "noprefixroute": true},
		"2001:db8:1::7":  {"prefixlen": 128.0, "dynamic": true},
		"10.3.3.3":       {"prefixlen": 32.0},
	} {
		a := findAddr(addrs, local)
		if a == nil {
			t.Fatalf("ip does not see %s: %v", local, addrs)
		}
		for k, v := range want {
			if a[k] != v {
				t.Errorf("%s: %s is %v, want %v", local, k, a[k], v)
			}
		}
	}
	// noprefixroute: no route for 2001:db8::/64.
	if strings.Contains(sb.Must("ip", "-6", "route"), "2001:db8::/64") {
		t.Error("noprefixroute made a prefix route")
	}
	// nsnet reads what ip added.
	sb.Must("ip", "addr", "add", "172.16.0.1/12", "dev", "vb")
	sameAsIP(t, sb, volatileKeys, "-j", "addr")
	// Delete: with and without the length, IPv4 and IPv6.
	sb.MustNSNet("addr", "del", "10.1.1.1/24", "dev", "va")
	sb.MustNSNet("addr", "del", "2001:db8:1::7", "dev", "va")
	sb.MustNSNet("addr", "delete", "172.16.0.1", "dev", "vb")
	addrs = ipAddrs(t, sb, "", "va")
	if findAddr(addrs, "10.1.1.1") != nil || findAddr(addrs, "2001:db8:1::7") != nil || findAddr(ipAddrs(t, sb, "", "vb"), "172.16.0.1") != nil {
		t.Fatalf("still there after del: %v", addrs)
	}
	// Replace changes flags in place.
	sb.MustNSNet("addr", "replace", "2001:db8::1/64", "dev", "va", "nodad")
	if a := findAddr(ipAddrs(t, sb, "", "va"), "2001:db8::1"); a["noprefixroute"] != nil {
		t.Fatalf("replace kept noprefixroute: %v", a)
	}
	// Flush: -4 only, then everything.
	sb.MustNSNet("-4", "addr", "flush", "dev", "va")
	for _, a := range ipAddrs(t, sb, "", "va") {
		if a["family"] == "inet" {
			t.Fatalf("-4 flush left %v", a)
		}
	}
	sb.MustNSNet("addr", "flush", "va")
	if addrs := ipAddrs(t, sb, "", "va"); len(addrs) != 0 {
		t.Fatalf("flush left %v", addrs)
	}
}

func TestAddrJSONMatchesIP(t *testing.T) {
	sb := NewSandbox(t)
	sb.MustSh(`set -e
ip netns add nstest
ip link add veth0s0 type veth peer veth0s1 netns nstest
ip link set veth0s0 up; ip -n nstest link set veth0s1 up
ip addr add 192.168.11.100/24 dev veth0s0
ip addr add 192.168.11.102/24 dev veth0s0
ip addr add 10.1.1.1/24 brd + dev veth0s0 label veth0s0:1
ip addr add 2001:db8::1/64 dev veth0s0 nodad
ip addr add 2001:db8:2::1/64 dev veth0s0 nodad noprefixroute valid_lft 500 preferred_lft 400
ip -n nstest addr add 192.168.11.101/24 dev veth0s1
ip link add br0 type bridge; ip addr add 10.2.2.2 peer 10.2.2.3/32 dev br0`)
	for _, args := range [][]string{
		{"-j", "addr"}, {"-j", "-4", "addr"}, {"-j", "addr", "show", "dev", "veth0s0"}, {"-j", "-br", "addr"},
		{"-n", "nstest", "-j", "addr"},
	} {
		sameAsIP(t, sb, []string{"valid_life_time", "preferred_life_time", "tentative"}, args...)
	}
	// The text forms, where nothing ticks. (ip -j prints {} for each link
	// "up" filters out, an iproute2 bug nsnet does not copy.)
	for _, args := range [][]string{{"-4", "addr"}, {"-br", "-4", "addr"}, {"addr", "show", "br0"}, {"-br", "addr", "show", "up"}} {
		if ours, theirs := sb.MustNSNet(args...), sb.Must(append([]string{"ip"}, args...)...); ours != theirs {
			t.Errorf("nsnet %v:\n%s\nip:\n%s", args, ours, theirs)
		}
	}
	// "a" alone is addr show.
	if !strings.Contains(sb.MustNSNet("a"), "inet 10.1.1.1/24 brd 10.1.1.255 scope global veth0s0:1\n") {
		t.Fatal("nsnet a")
	}
}

func TestAddrBadInput(t *testing.T) {
	sb := NewSandbox(t)
	sb.MustNSNet("link", "add", "va", "type", "veth", "peer", "vb")
	sb.MustNSNet("addr", "add", "10.0.0.1/24", "dev", "va")
	before := snapshot(t, sb, "")
	for _, c := range []struct {
		args  []string
		code  int
		words []string
	}{
		{[]string{"addr", "add", "10.0.0.300/24", "dev", "va"}, 1, []string{"10.0.0.300/24"}},
		{[]string{"addr", "add", "10.0.0.1/33", "dev", "va"}, 1, []string{"10.0.0.1/33"}},
		{[]string{"addr", "add", "10.0.0.1/x", "dev", "va"}, 1, []string{"10.0.0.1/x"}},
		{[]string{"addr", "add", "10.0.0.7/24"}, 1, []string{"dev"}},
		{[]string{"addr", "add", "dev", "va"}, 255, []string{"missing"}},
		{[]string{"addr", "add", "10.0.0.1/24", "dev", "va"}, 2, []string{"10.0.0.1/24", "exists"}},
		{[]string{"addr", "add", "10.0.0.7/24", "dev", "nosuch"}, 1, // as ip: Cannot find device
			[]string{"nosuch"}},
		{[]string{"addr", "add", "10.0.0.7/24", "dev", "va", "label", "vb:1"}, 255, []string{"label"}},
		{[]string{"addr", "add", "10.0.0.7/24", "dev", "va", "nodad"}, 255, []string{"nodad"}},
		{[]string{"addr", "add", "10.0.0.7/24", "peer", "2001:db8::1", "dev", "va"}, 1, []string{"families"}},
		{[]string{"addr", "add", "10.0.0.7/24", "dev", "va", "scope", "galaxy"}, 255, []string{"galaxy"}},
		{[]string{"addr", "del", "10.0.0.9/24", "dev", "va"}, 2, []string{"10.0.0.9/24"}},
		{[]string{"addr", "flush"}, 1, []string{"dev"}},
		{[]string{"addr", "frob"}, 255, []string{"frob"}},
	} {
		WantFail(t, sb.NSNet(c.args...), c.code, c.words...)
	}
	if after := snapshot(t, sb, ""); after != before {
		t.Fatalf("failed commands changed the state\nbefore %s\nafter  %s", before, after)
	}
}
