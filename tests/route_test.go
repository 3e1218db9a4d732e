package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ipRoutes returns `ip -j [-6] route show table all` as dst-keyed
// entries ("table/dst/metric" to route).
func ipRoutes(t *testing.T, sb *Sandbox, six bool) map[string]map[string]any {
	t.Helper()
	args := []string{"ip", "-j", "-d", "route", "show", "table", "all"}
	if six {
		args = []string{"ip", "-6", "-j", "-d", "route", "show", "table", "all"}
	}
	out := map[string]map[string]any{}
	for _, r := range mustParseJSON(t, "ip route", sb.Must(args...)).([]any) {
		m := r.(map[string]any)
		out[fmt.Sprintf("%v/%v/%v", m["table"], m["dst"], m["metric"])] = m
	}
	return out
}

// routeSandbox is a sandbox with va (192.168.11.100/24, 2001:db8::1/64)
// up and its peer vb up in namespace t (192.168.11.1, 2001:db8::2).
func routeSandbox(t *testing.T) *Sandbox {
	sb := NewSandbox(t)
	sb.MustSh(`set -e
ip netns add t
ip link add va type veth peer vb netns t
ip addr add 192.168.11.100/24 dev va; ip addr add 2001:db8::1/64 dev va nodad
ip -n t addr add 192.168.11.1/24 dev vb; ip -n t addr add 2001:db8::2/64 dev vb nodad
ip link set va up; ip -n t link set vb up`)
	return sb
}

func TestRouteAddDelete(t *testing.T) {
	sb := routeSandbox(t)
	sb.MustNSNet("route", "add", "10.9.0.0/16", "dev", "va")
	sb.MustNSNet("route", "add", "default", "via", "192.168.11.1")
	sb.MustNSNet("route", "add", "10.8.0.0/16", "via", "192.168.11.1", "table", "100", "metric", "5", "src", "192.168.11.100")
	sb.MustNSNet("route", "add", "10.7.0.0/16", "via", "192.168.11.1", "dev", "va", "table", "1000", "proto", "static", "mtu", "1400")
	sb.MustNSNet("r", "add", "10.5.5.5", "dev", "va", "scope", "host")
	sb.MustNSNet("route", "add", "blackhole", "10.4.0.0/16")
	sb.MustNSNet("route", "add", "10.3.0.0/16", "via", "10.99.0.1", "dev", "va", "onlink")
	sb.MustNSNet("route", "add", "2001:db8:5::/48", "via", "2001:db8::2", "metric", "7")
	sb.MustNSNet("-6", "route", "add", "default", "via", "2001:db8::2")
	v4, v6 := ipRoutes(t, sb, false), ipRoutes(t, sb, true)
	for key, want := range map[string]map[string]any{
		"main/10.9.0.0/16/<nil>": {"dev": "va", "scope": "link", "protocol": "boot", "type": "unicast"},
		"main/default/<nil>":     {"gateway": "192.168.11.1", "dev": "va", "scope": "global"},
		"100/10.8.0.0/16/5":      {"gateway": "192.168.11.1", "prefsrc": "192.168.11.100"},
		"1000/10.7.0.0/16/<nil>": {"protocol": "static"},
		"main/10.5.5.5/<nil>":    {"scope": "host"},
		"main/10.4.0.0/16/<nil>": {"type": "blackhole"},
		"main/10.3.0.0/16/<nil>": {"gateway": "10.99.0.1"},
	} {
		r := v4[key]
		if r == nil {
			t.Fatalf("ip lacks %s: %v", key, v4)
		}
		for k, v := range want {
			if fmt.Sprint(r[k]) != fmt.Sprint(v) {
				t.Errorf("%s: %s is %v, want %v", key, k, r[k], v)
			}
		}
	}
	if r := v4["main/10.3.0.0/16/<nil>"]; !strings.Contains(fmt.Sprint(r["flags"]), "onlink") {
		t.Errorf("onlink missing: %v", r)
	}
	if r := v4["1000/10.7.0.0/16/<nil>"]; fmt.Sprint(r["metrics"]) != "[map[mtu:1400]]" {
		t.Errorf("mtu metric: %v", r)
	}
	if v6["main/2001:db8:5::/48/7"] == nil || v6["main/default/1024"] == nil {
		t.Fatalf("IPv6 routes: %v", v6)
	}
	// replace, append, change.
	sb.MustNSNet("route", "replace", "10.9.0.0/16", "via", "192.168.11.1")
	if r := ipRoutes(t, sb, false)["main/10.9.0.0/16/<nil>"]; r["gateway"] != "192.168.11.1" {
		t.Fatalf("replace: %v", r)
	}
	sb.MustNSNet("route", "append", "10.9.0.0/16", "dev", "va", "metric", "9")
	sb.MustNSNet("route", "change", "10.9.0.0/16", "dev", "va", "metric", "9", "proto", "static")
	if r := ipRoutes(t, sb, false)["main/10.9.0.0/16/9"]; r == nil || r["protocol"] != "static" {
		t.Fatalf("append/change: %v", r)
	}
	// Delete them again.
	for _, args := range [][]string{
		{"route", "del", "10.9.0.0/16", "via", "192.168.11.1"}, {"route", "del", "10.9.0.0/16", "metric", "9"},
		{"route", "del", "default"}, {"route", "del", "10.8.0.0/16", "table", "100", "metric", "5"},
		{"route", "delete", "10.7.0.0/16", "table", "1000"}, {"route", "del", "10.5.5.5", "dev", "va"},
		{"route", "del", "blackhole", "10.4.0.0/16"}, {"route", "del", "10.3.0.0/16"},
		{"route", "del", "2001:db8:5::/48"}, {"-6", "route", "del", "default"},
	} {
		sb.MustNSNet(args...)
	}
	for _, six := range []bool{false, true} {
		for key, r := range ipRoutes(t, sb, six) {
			if r["protocol"] != "kernel" {
				t.Errorf("left behind: %s %v", key, r)
			}
		}
	}
}

func TestRouteJSONMatchesIP(t *testing.T) {
	sb := routeSandbox(t)
	sb.MustSh(`set -e
ip route add 10.9.0.0/16 dev va; ip route add default via 192.168.11.1
ip route add 10.8.0.0/16 via 192.168.11.1 table 100 metric 5 src 192.168.11.100
ip route add 10.6.0.0/16 via 192.168.11.1 mtu 1400 proto static; ip route add 10.5.5.5 dev va
ip route add blackhole 10.4.0.0/16; ip route add unreachable 10.4.1.0/24 table 100
ip -6 route add default via 2001:db8::2; ip -6 route add 2001:db8:7::/48 dev va table 200 metric 10`)
	for _, args := range [][]string{
		{"-j", "route"}, {"-j", "-6", "route"}, {"-j", "route", "show", "table", "all"}, {"-j", "-6", "route", "show", "table", "all"},
		{"-j", "route", "show", "table", "100"}, {"-j", "-d", "route"}, {"-j", "route", "show", "dev", "va"},
		{"-j", "route", "show", "table", "local"}, {"-j", "-6", "route", "show", "table", "200"},
		{"-j", "route", "get", "192.168.11.5"}, {"-j", "route", "get", "10.6.1.1"}, {"-j", "route", "get", "127.0.0.1"},
		{"-j", "route", "get", "2001:db8::5"}, {"-j", "route", "get", "192.168.11.5", "from", "192.168.11.100"},
		{"-j", "route", "show", "10.9.0.0/16"}, {"-j", "route", "show", "proto", "kernel"},
	} {
		sameAsIP(t, sb, nil, args...)
	}
	for _, args := range [][]string{
		{"route"}, {"-6", "route"}, {"route", "show", "table", "all"}, {"route", "get", "192.168.11.5"},
		{"route", "get", "127.0.0.1"}, {"-6", "route", "get", "2001:db8::5"}, {"-d", "route", "show", "table", "100"},
	} {
		if ours, theirs := sb.MustNSNet(args...), sb.Must(append([]string{"ip"}, args...)...); ours != theirs {
			t.Errorf("nsnet %v:\n%s\nip:\n%s", args, ours, theirs)
		}
	}
	if sb.MustNSNet("r") != sb.Must("ip", "route") {
		t.Error("nsnet r is not ip route")
	}
}

func TestRouteBadInput(t *testing.T) {
	sb := routeSandbox(t)
	sb.MustNSNet("route", "add", "10.9.0.0/16", "dev", "va")
	before := snapshot(t, sb, "")
	for _, c := range []struct {
		args  []string
		code  int
		words []string
	}{
		{[]string{"route", "add", "10.8.0.0/16", "via", "10.99.0.1"}, 2, []string{"10.8.0.0/16 via 10.99.0.1", "unreachable"}},
		{[]string{"route", "add", "10.9.0.0/16", "dev", "va"}, 2, []string{"10.9.0.0/16", "exists"}},
		{[]string{"route", "add", "10.8.0.0/16", "dev", "nosuch"}, 1, // as ip: Cannot find device
			[]string{"nosuch"}},
		{[]string{"route", "add", "10.8.0.0/33", "dev", "va"}, 1, []string{"10.8.0.0/33"}},
		{[]string{"route", "add", "10.8.1.0/16", "dev", "va"}, 2, []string{"10.8.1.0/16"}},
		{[]string{"route", "add", "10.8.0.0/16", "via", "2001:db8::2"}, 1, []string{"families"}},
		{[]string{"-6", "route", "add", "10.8.0.0/16", "dev", "va"}, 1, []string{"families"}},
		{[]string{"route", "add", "via", "192.168.11.1"}, 255, []string{"destination"}},
		{[]string{"route", "add", "10.8.0.0/16", "table", "nosuch", "dev", "va"}, 255, []string{"nosuch"}},
		{[]string{"route", "add", "10.8.0.0/16", "dev", "va", "metric", "x"}, 255, []string{"metric"}},
		{[]string{"route", "del", "10.77.0.0/16"}, 2, []string{"10.77.0.0/16"}},
		{[]string{"route", "get", "10.0.0.300"}, 1, []string{"10.0.0.300"}},
		{[]string{"route", "frob"}, 255, []string{"frob"}},
	} {
		WantFail(t, sb.NSNet(c.args...), c.code, c.words...)
	}
	if after := snapshot(t, sb, ""); after != before {
		t.Fatalf("failed commands changed the state\nbefore %s\nafter  %s", before, after)
	}
}

// TestRouteAddrTrace checks that --trace decodes address and route
// messages by name, headers included.
func TestRouteAddrTrace(t *testing.T) {
	sb := routeSandbox(t)
	r := sb.NSNet("--trace", "addr", "add", "10.2.2.2/24", "dev", "va", "label", "va:2")
	if r.Code != 0 {
		t.Fatal(r)
	}
	for _, w := range []string{"→ RTM_GETLINK flags=REQUEST", `IFLA_IFNAME "va"`,
		"→ RTM_NEWADDR flags=REQUEST|ACK|EXCL|CREATE", "ifaddrmsg family=AF_INET prefixlen=24 flags=0x0 scope=global index=",
		"IFA_LOCAL 10.2.2.2", `IFA_LABEL "va:2"`, "ack for RTM_NEWADDR"} {
		if !strings.Contains(r.Stderr, w) {
			t.Errorf("addr trace lacks %q:\n%s", w, r.Stderr)
		}
	}
	r = sb.NSNet("--trace", "route", "add", "10.8.0.0/16", "via", "192.168.11.1", "table", "1000", "mtu", "1400")
	if r.Code != 0 {
		t.Fatal(r)
	}
	for _, w := range []string{"→ RTM_NEWROUTE flags=REQUEST|ACK|EXCL|CREATE",
		"rtmsg family=AF_INET dst_len=16 src_len=0 tos=0 table=unspec protocol=boot scope=global type=unicast",
		"RTA_DST 10.8.0.0", "RTA_GATEWAY 192.168.11.1", "RTA_TABLE 1000", "RTA_METRICS\n      RTAX_MTU 1400"} {
		if !strings.Contains(r.Stderr, w) {
			t.Errorf("route trace lacks %q:\n%s", w, r.Stderr)
		}
	}
	r = sb.NSNet("--trace", "-n", "t", "route", "get", "192.168.11.100")
	for _, w := range []string{"netns=t", "← RTM_NEWROUTE", "flags=0x200<cloned>", "RTA_PREFSRC 192.168.11.1", "RTA_TABLE main (254)"} {
		if r.Code != 0 || !strings.Contains(r.Stderr, w) {
			t.Errorf("route get trace lacks %q:\n%s", w, r)
		}
	}
}

// TestRouteTOSAndFromUpDown: routes keyed by TOS and source-specific
// IPv6 routes (from), added by an up file and removed by its down, with
// the selectors that find them as ip reads them.
func TestRouteTOSAndFromUpDown(t *testing.T) {
	sb := routeSandbox(t)
	up := filepath.Join(t.TempDir(), "r.up")
	if err := os.WriteFile(up, []byte(`route add 10.73.0.0/16 dev va metric 20 tos 0x10
route add 10.73.0.0/16 dev va metric 20
route add 2001:db8:71::/48 from 2001:db8:99::/48 via 2001:db8::2 dev va
`), 0o644); err != nil {
		t.Fatal(err)
	}
	sb.MustNSNet("up", up)
	if out := sb.Must("ip", "route", "show", "tos", "0x10"); out != "10.73.0.0/16 dev va scope link metric 20 \n" {
		t.Errorf("ip route show tos 0x10 after up: %q", out)
	}
	if out := sb.Must("ip", "route", "show", "10.73.0.0/16"); strings.Count(out, "10.73.0.0/16") != 2 {
		t.Errorf("both 10.73.0.0/16 routes (tos 0x10 and none): %q", out)
	}
	if out := sb.Must("ip", "-6", "route", "show", "from", "2001:db8:99::/48"); !strings.HasPrefix(out, "2001:db8:71::/48 from 2001:db8:99::/48 via 2001:db8::2 dev va") {
		t.Errorf("ip -6 route show from ... after up: %q", out)
	}
	// nsnet's selectors give what ip's give.
	for _, args := range [][]string{{"route", "show", "tos", "0x10"}, {"-6", "route", "show", "from", "2001:db8:99::/48"},
		{"route", "show", "metric", "20"}, {"route", "show", "via", "192.168.11.0/24"}, {"-6", "route", "show", "via", "2001:db8::2"}} {
		if got, want := sb.MustNSNet(args...), sb.Must(append([]string{"ip"}, args...)...); got != want {
			t.Errorf("%v: nsnet %q, ip %q", args, got, want)
		}
	}
	// A deletion with tos removes that route only.
	sb.MustNSNet("route", "del", "10.73.0.0/16", "tos", "0x10", "metric", "20")
	if out := sb.Must("ip", "route", "show", "10.73.0.0/16"); out != "10.73.0.0/16 dev va scope link metric 20 \n" {
		t.Errorf("after route del ... tos 0x10: %q", out)
	}
	sb.MustNSNet("down", up)
	if out := sb.Must("ip", "route", "show", "10.73.0.0/16"); out != "" {
		t.Errorf("down left %q", out)
	}
	if out := sb.Must("ip", "-6", "route", "show", "2001:db8:71::/48"); out != "" {
		t.Errorf("down left %q", out)
	}
}
