package tests

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Helpers shared by the link, addr, route, sysctl and seed tests.

// mustParseJSON parses out or fails the test.
func mustParseJSON(t testing.TB, what, out string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("%s: bad JSON %q: %v", what, out, err)
	}
	return v
}

// jsonDiff lists the differences between two parsed JSON values; keys in
// ignore are skipped wherever they appear.
func jsonDiff(a, b any, path string, ignore map[string]bool) []string {
	var out []string
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: object vs %T", path, b)}
		}
		keys := map[string]bool{}
		for k := range av {
			keys[k] = true
		}
		for k := range bv {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			if ignore[k] {
				continue
			}
			x, inA := av[k]
			y, inB := bv[k]
			switch {
			case !inA:
				out = append(out, fmt.Sprintf("%s.%s: missing in nsnet (ip has %v)", path, k, y))
			case !inB:
				out = append(out, fmt.Sprintf("%s.%s: only in nsnet (%v)", path, k, x))
			default:
				out = append(out, jsonDiff(x, y, path+"."+k, ignore)...)
			}
		}
	case []any:
		bv, ok := b.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: array vs %T", path, b)}
		}
		if len(av) != len(bv) {
			out = append(out, fmt.Sprintf("%s: %d elements in nsnet, %d in ip", path, len(av), len(bv)))
		}
		for i := range min(len(av), len(bv)) {
			out = append(out, jsonDiff(av[i], bv[i], fmt.Sprintf("%s[%d]", path, i), ignore)...)
		}
	default:
		if fmt.Sprint(a) != fmt.Sprint(b) {
			out = append(out, fmt.Sprintf("%s: nsnet %v, ip %v", path, a, b))
		}
	}
	return out
}

// sameAsIP runs `nsnet ARGS` and `ip ARGS` (the same words) and compares
// their JSON, key by key, ignoring the keys in ignore.
func sameAsIP(t *testing.T, sb *Sandbox, ignore []string, args ...string) {
	t.Helper()
	ign := map[string]bool{}
	for _, k := range ignore {
		ign[k] = true
	}
	ours := mustParseJSON(t, "nsnet "+strings.Join(args, " "), sb.MustNSNet(args...))
	theirs := mustParseJSON(t, "ip "+strings.Join(args, " "), sb.Must(append([]string{"ip"}, args...)...))
	if d := jsonDiff(ours, theirs, "", ign); len(d) > 0 {
		t.Errorf("nsnet %s differs from ip:\n  %s", strings.Join(args, " "), strings.Join(d, "\n  "))
	}
}

// volatileKeys are keys whose values change on their own: counters,
// lifetimes, timers and what follows carrier and DAD.
var volatileKeys = []string{"stats64", "valid_life_time", "preferred_life_time", "gc_timer", "hello_timer",
	"tcn_timer", "topology_change_timer", "operstate", "tentative", "flags"}

// snapshot is the network state of a namespace ("" for the sandbox's
// own) as iproute2 sees it, with volatileKeys values left out: what a failed
// command must not change.
func snapshot(t *testing.T, sb *Sandbox, ns string) string {
	t.Helper()
	var b strings.Builder
	for _, c := range [][]string{{"-j", "link"}, {"-j", "addr"}, {"-j", "route", "show", "table", "all"}} {
		args := append([]string{"ip"}, c...)
		if ns != "" {
			args = append([]string{"ip", "-n", ns}, c...)
		}
		v := mustParseJSON(t, strings.Join(args, " "), sb.Must(args...))
		stripVolatile(v)
		out, _ := json.Marshal(v)
		b.Write(out)
		b.WriteString("\n")
	}
	return b.String()
}

// stripVolatile removes the volatileKeys keys from a parsed JSON value, in place.
func stripVolatile(v any) {
	switch v := v.(type) {
	case map[string]any:
		for _, k := range volatileKeys {
			delete(v, k)
		}
		for _, x := range v {
			stripVolatile(x)
		}
	case []any:
		for _, x := range v {
			stripVolatile(x)
		}
	}
}

// ipLink returns `ip -j -d link show DEV` in namespace ns, or nil when
// the link does not exist.
func ipLink(t *testing.T, sb *Sandbox, ns, dev string) map[string]any {
	t.Helper()
	args := []string{"ip", "-j", "-d", "link", "show", "dev", dev}
	if ns != "" {
		args = []string{"ip", "-n", ns, "-j", "-d", "link", "show", "dev", dev}
	}
	r := sb.Run(args...)
	if r.Code != 0 {
		return nil
	}
	links := mustParseJSON(t, "ip link", r.Stdout).([]any)
	if len(links) != 1 {
		t.Fatalf("ip link show %s: %d links", dev, len(links))
	}
	return links[0].(map[string]any)
}

// hasFlag reports whether a link's JSON flags include f.
func hasFlag(l map[string]any, f string) bool {
	for _, x := range l["flags"].([]any) {
		if x == f {
			return true
		}
	}
	return false
}

func linkKind(l map[string]any) string {
	if li, ok := l["linkinfo"].(map[string]any); ok {
		return fmt.Sprint(li["info_kind"])
	}
	return ""
}

// requestsSent counts the netlink requests of each type in a --trace output.
func requestsSent(trace string) map[string]int {
	m := map[string]int{}
	for _, l := range strings.Split(trace, "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[0] == "→" {
			m[f[1]]++
		}
	}
	return m
}

func TestLinkVethAddShowDelete(t *testing.T) {
	sb := NewSandbox(t)
	sb.MustNSNet("link", "add", "veth0s0", "type", "veth", "peer", "veth0s1")
	// ip reads back what nsnet made.
	a, b := ipLink(t, sb, "", "veth0s0"), ipLink(t, sb, "", "veth0s1")
	if linkKind(a) != "veth" || linkKind(b) != "veth" || a["link"] != "veth0s1" || b["link"] != "veth0s0" {
		t.Fatalf("ip sees %v and %v", a, b)
	}
	// nsnet reads back what ip made, the same way ip does.
	sb.Must("ip", "link", "add", "ipa", "type", "veth", "peer", "name", "ipb")
	sameAsIP(t, sb, nil, "-j", "link")
	sameAsIP(t, sb, nil, "-j", "link", "show", "ipa")
	sameAsIP(t, sb, nil, "-j", "-d", "link", "show", "dev", "ipb")
	// "link" alone, abbreviations, and the text form.
	if out := sb.MustNSNet("l"); out != sb.Must("ip", "link") {
		t.Fatalf("nsnet l:\n%s\nip link:\n%s", out, sb.Must("ip", "link"))
	}
	if out := sb.MustNSNet("link", "ls", "veth0s0"); !strings.Contains(out, "veth0s0@veth0s1: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\n    link/ether ") {
		t.Fatalf("link ls: %q", out)
	}
	// Deleting one end deletes the pair.
	sb.MustNSNet("link", "del", "veth0s0")
	if ipLink(t, sb, "", "veth0s1") != nil {
		t.Fatal("the peer survived link del")
	}
	sb.MustNSNet("link", "delete", "dev", "ipa")
	if ipLink(t, sb, "", "ipb") != nil {
		t.Fatal("ipb survived")
	}
}

func TestLinkVethPeerInNamespace(t *testing.T) {
	sb := NewSandbox(t)
	sb.MustNSNet("netns", "add", "t")
	r := sb.NSNet("--trace", "link", "add", "va", "mtu", "1400", "address", "02:00:00:00:00:0a", "up", "type", "veth",
		"peer", "name", "vb", "netns", "t", "mtu", "1300", "address", "02:00:00:00:00:0b")
	if r.Code != 0 {
		t.Fatal(r)
	}
	// One request, with the peer nested in it.
	if n := requestsSent(r.Stderr); n["RTM_NEWLINK"] != 1 || len(n) != 1 {
		t.Fatalf("requests sent: %v\n%s", n, r.Stderr)
	}
	for _, w := range []string{"VETH_INFO_PEER", "IFLA_NET_NS_FD", `IFLA_IFNAME "vb"`, `IFLA_INFO_KIND "veth"`, "flags=0x1<UP> change=0x1<UP>", "IFLA_MTU 1300"} {
		if !strings.Contains(r.Stderr, w) {
			t.Errorf("trace lacks %q:\n%s", w, r.Stderr)
		}
	}
	va, vb := ipLink(t, sb, "", "va"), ipLink(t, sb, "t", "vb")
	if va == nil || vb == nil {
		t.Fatalf("va %v vb %v", va, vb)
	}
	if va["mtu"] != 1400.0 || va["address"] != "02:00:00:00:00:0a" || va["link_netnsid"] == nil || !hasFlag(va, "UP") {
		t.Fatalf("va: %v", va)
	}
	if vb["mtu"] != 1300.0 || vb["address"] != "02:00:00:00:00:0b" || hasFlag(vb, "UP") {
		t.Fatalf("vb: %v", vb)
	}
	if out := sb.MustNSNet("link", "show", "va"); !strings.Contains(out, "va@if2:") || !strings.Contains(out, "link-netns t") {
		t.Fatalf("link show va: %q", out)
	}
	sameAsIP(t, sb, nil, "-j", "link")
	sameAsIP(t, sb, nil, "-n", "t", "-j", "link")
	// A peer name taken in the target namespace: the kernel refuses the
	// one request, and nothing is left in either namespace.
	sb.Must("ip", "-n", "t", "link", "add", "taken", "type", "bridge")
	before, beforeT := snapshot(t, sb, ""), snapshot(t, sb, "t")
	WantFail(t, sb.NSNet("link", "add", "vc", "type", "veth", "peer", "taken", "netns", "t"), 2, "add link vc", "exists")
	if snapshot(t, sb, "") != before || snapshot(t, sb, "t") != beforeT {
		t.Fatal("a refused veth left something behind")
	}
}

func TestLinkSet(t *testing.T) {
	sb := NewSandbox(t)
	sb.MustNSNet("link", "add", "va", "type", "veth", "peer", "vb")
	sb.MustNSNet("link", "add", "br0", "type", "bridge")
	// Several changes, one request, no lookup first (the kernel finds the
	// link by IFLA_IFNAME).
	r := sb.NSNet("--trace", "link", "set", "va", "up", "mtu", "1400", "address", "02:00:00:00:00:01",
		"txqueuelen", "500", "alias", "hello world", "master", "br0")
	if r.Code != 0 {
		t.Fatal(r)
	}
	if n := requestsSent(r.Stderr); n["RTM_NEWLINK"] != 1 || n["RTM_GETLINK"] != 1 {
		t.Fatalf("requests: %v (want one RTM_GETLINK, for br0, and one RTM_NEWLINK)", n)
	}
	va := ipLink(t, sb, "", "va")
	if !hasFlag(va, "UP") || va["mtu"] != 1400.0 || va["address"] != "02:00:00:00:00:01" ||
		va["txqlen"] != 500.0 || va["ifalias"] != "hello world" || va["master"] != "br0" {
		t.Fatalf("va after set: %v", va)
	}
	r = sb.NSNet("--trace", "link", "set", "dev", "vb", "up")
	if n := requestsSent(r.Stderr); r.Code != 0 || n["RTM_NEWLINK"] != 1 || len(n) != 1 {
		t.Fatalf("link set vb up: %v %s", n, r)
	}
	sb.MustNSNet("link", "set", "va", "down", "nomaster", "name", "vz", "txqlen", "1000")
	if ipLink(t, sb, "", "va") != nil {
		t.Fatal("va was not renamed")
	}
	vz := ipLink(t, sb, "", "vz")
	if hasFlag(vz, "UP") || vz["master"] != nil || vz["txqlen"] != 1000.0 {
		t.Fatalf("vz: %v", vz)
	}
	// nsnet reads ip's changes.
	sb.Must("ip", "link", "set", "vz", "master", "br0", "mtu", "1280")
	sameAsIP(t, sb, nil, "-j", "link", "show", "vz")
	if out := sb.MustNSNet("-br", "link", "show", "master", "br0"); !strings.HasPrefix(out, "vz@vb ") {
		t.Fatalf("link show master br0: %q", out)
	}
	if out := sb.MustNSNet("link", "show", "type", "bridge"); !strings.Contains(out, ": br0: ") || strings.Contains(out, "vz") {
		t.Fatalf("link show type bridge: %q", out)
	}
	if out := sb.MustNSNet("-br", "link", "show", "up"); !strings.Contains(out, "vb@vz") || strings.Contains(out, "br0") {
		t.Fatalf("link show up: %q", out)
	}
}

func TestLinkSetNetns(t *testing.T) {
	sb := NewSandbox(t)
	sb.MustNSNet("netns", "add", "t")
	sb.MustNSNet("link", "add", "va", "type", "veth", "peer", "vb")
	// By name, then back by the PID of a process in the sandbox's own
	// namespace (the holder), as "netns 1" would on a real machine.
	sb.MustNSNet("link", "set", "va", "netns", "t")
	if ipLink(t, sb, "", "va") != nil || ipLink(t, sb, "t", "va") == nil {
		t.Fatal("va did not move to t")
	}
	sb.MustNSNet("-n", "t", "link", "set", "va", "netns", strconv.Itoa(sb.PID()))
	if ipLink(t, sb, "", "va") == nil {
		t.Fatal("va did not come back")
	}
	// By path, inside netns exec, and with a rename on the way.
	sb.MustNSNet("link", "set", "va", "netns", "/run/netns/t", "name", "vt")
	if ipLink(t, sb, "t", "vt") == nil {
		t.Fatal("va did not move to t as vt")
	}
	sb.MustNSNet("netns", "exec", "t", nsnetBin, "link", "set", "vt", "netns", "/proc/"+strconv.Itoa(sb.PID())+"/ns/net")
	if ipLink(t, sb, "", "vt") == nil {
		t.Fatal("vt did not come back by /proc path")
	}
	// A number is a name when /run/netns/NUMBER exists.
	sb.MustNSNet("netns", "add", "42")
	sb.MustNSNet("link", "set", "vt", "netns", "42")
	if ipLink(t, sb, "42", "vt") == nil {
		t.Fatal("vt is not in the namespace named 42")
	}
	// Namespaces that are not there.
	before := snapshot(t, sb, "")
	WantFail(t, sb.NSNet("link", "set", "vb", "netns", "nosuch"), 255, // as ip: Invalid "netns" value
		"nosuch", "no such namespace")
	WantFail(t, sb.NSNet("link", "set", "vb", "netns", "999999999"), 2, "999999999", "no such process") // 2: ip hands the PID to the kernel
	WantFail(t, sb.NSNet("link", "set", "vb", "netns", "/run/nothing-here"), 1, "/run/nothing-here")
	WantFail(t, sb.NSNet("link", "set", "vb", "netns", "/etc/hostname"), 1, "not a network namespace")
	if snapshot(t, sb, "") != before {
		t.Fatal("a failed move changed something")
	}
}

func TestLinkKinds(t *testing.T) {
	sb := NewSandbox(t)
	sb.MustNSNet("link", "add", "va", "type", "veth", "peer", "vb")
	sb.MustNSNet("link", "add", "br0", "type", "bridge", "stp_state", "1", "priority", "4096")
	sb.MustNSNet("link", "set", "va", "master", "br0", "up")
	sb.MustNSNet("link", "add", "vx0", "type", "vxlan", "id", "42", "remote", "10.0.0.2", "local", "10.0.0.1",
		"dev", "vb", "dstport", "4789")
	sb.MustNSNet("link", "add", "mv0", "link", "vb", "type", "macvlan", "mode", "private")
	sb.MustNSNet("link", "add", "mv1", "type", "macvlan", "link", "vb", "mode", "bridge")
	br := ipLink(t, sb, "", "br0")["linkinfo"].(map[string]any)["info_data"].(map[string]any)
	if br["stp_state"] != 1.0 || br["priority"] != 4096.0 {
		t.Fatalf("bridge: %v", br)
	}
	vx := ipLink(t, sb, "", "vx0")["linkinfo"].(map[string]any)["info_data"].(map[string]any)
	if vx["id"] != 42.0 || vx["remote"] != "10.0.0.2" || vx["local"] != "10.0.0.1" || vx["link"] != "vb" || vx["port"] != 4789.0 {
		t.Fatalf("vxlan: %v", vx)
	}
	mv := ipLink(t, sb, "", "mv0")
	if mv["link"] != "vb" || mv["linkinfo"].(map[string]any)["info_data"].(map[string]any)["mode"] != "private" {
		t.Fatalf("macvlan: %v", mv)
	}
	// -d JSON, key by key, bridge ports' info_slave_data included; the
	// timers tick and an STP port's state moves on.
	sameAsIP(t, sb, append(volatileKeys, "hold_timer", "message_age_timer", "forward_delay_timer", "state"), "-j", "-d", "link")
	sameAsIP(t, sb, volatileKeys, "-j", "-s", "link")
	sameAsIP(t, sb, nil, "-j", "-br", "link")
	// Operational states settle a moment after a change (linkwatch):
	// compare again while the two listings differ.
	for i := 0; ; i++ {
		out, want := sb.MustNSNet("-br", "link"), sb.Must("ip", "-br", "link")
		if out == want {
			break
		}
		if i == 3 {
			t.Errorf("-br link:\n%s\nip:\n%s", out, want)
			break
		}
		time.Sleep(time.Second)
	}
	// Kinds this kernel lacks are the kernel's to refuse.
	WantFail(t, sb.NSNet("link", "add", "d0", "type", "dummy"), 2, "add link d0")
}

func TestLinkJSONMatchesIP(t *testing.T) {
	sb := NewSandbox(t)
	// State made by ip, read by both.
	sb.MustSh(`set -e
ip netns add nstest
ip link add veth0s0 type veth peer veth0s1 netns nstest
ip link set veth0s0 up; ip -n nstest link set veth0s1 up
ip link add br0 type bridge; ip link add p0 type veth peer p1; ip link set p0 master br0
ip link set br0 up; ip link set p0 up
ip link set p1 alias "a port"; ip link property add dev p1 altname port1`)
	time.Sleep(time.Second) // let carrier settle
	for _, args := range [][]string{
		{"-j", "link"}, {"-j", "-p", "link"}, {"-j", "link", "show", "br0"}, {"-j", "-br", "link"},
		{"-n", "nstest", "-j", "link"}, {"-j", "link", "show", "master", "br0"},
	} {
		sameAsIP(t, sb, nil, args...)
	}
	sameAsIP(t, sb, append(volatileKeys, "info_slave_data"), "-j", "-d", "link")
	for _, args := range [][]string{{"link"}, {"-br", "link"}, {"link", "show", "p1"}} {
		if ours, theirs := sb.MustNSNet(args...), sb.Must(append([]string{"ip"}, args...)...); ours != theirs {
			t.Errorf("nsnet %v:\n%s\nip:\n%s", args, ours, theirs)
		}
	}
}

func TestLinkBadInput(t *testing.T) {
	sb := NewSandbox(t)
	sb.MustNSNet("netns", "add", "t")
	sb.MustNSNet("link", "add", "va", "type", "veth", "peer", "vb")
	before := snapshot(t, sb, "")
	for _, c := range []struct {
		args  []string
		code  int
		words []string
	}{
		{[]string{"link", "add", "sixteen-bytes-xx", "type", "bridge"}, 255, []string{"sixteen-bytes-xx", "15 bytes"}},
		{[]string{"link", "add", "a/b", "type", "bridge"}, 255, []string{"a/b"}},
		{[]string{"link", "add", "a:b", "type", "bridge"}, 255, []string{"a:b"}},
		{[]string{"link", "add", "a b", "type", "bridge"}, 255, []string{"white space"}},
		{[]string{"link", "add", "..", "type", "bridge"}, 255, []string{`".."`}},
		{[]string{"link", "add", "x0", "type", "veth", "peer", "sixteen-bytes-xx"}, 255, []string{"sixteen-bytes-xx"}},
		{[]string{"link", "add", "x0"}, 1, []string{"type"}},
		{[]string{"link", "add", "x0", "type", "veth", "peer", "x1", "netns", "nosuch"}, 255, []string{"nosuch"}},
		{[]string{"link", "add", "x0", "type", "veth", "peer", "va"}, 2, []string{"x0", "exists"}},
		{[]string{"link", "add", "va", "type", "bridge"}, 2, []string{"va", "exists"}},
		{[]string{"link", "set", "nosuch", "up"}, 1, []string{"nosuch", "no such device"}},
		{[]string{"link", "set", "va", "address", "02:zz"}, 1, []string{"02:zz"}},
		{[]string{"link", "set", "va", "mtu", "lots"}, 255, []string{"lots"}},
		{[]string{"link", "set", "va", "mtu", "10"}, 2, []string{"set link va", "mtu"}},
		{[]string{"link", "set", "va", "master", "nosuch"}, 255, // as ip: argument is wrong
			[]string{"nosuch"}},
		{[]string{"link", "set", "va", "frobnicate"}, 255, []string{"frobnicate"}},
		{[]string{"link", "del", "nosuch"}, 1, // as ip: Cannot find device
			[]string{"nosuch"}},
		{[]string{"link", "frob"}, 255, []string{"frob"}},
		{[]string{"link", "add", "vx", "type", "vxlan", "remote", "10.0.0.2"}, 1, []string{"id"}},
		{[]string{"link", "add", "mv", "type", "macvlan", "link", "nosuch"}, 1, // as ip
			[]string{"nosuch"}},
	} {
		WantFail(t, sb.NSNet(c.args...), c.code, c.words...)
	}
	if after := snapshot(t, sb, ""); after != before {
		t.Fatalf("failed commands changed the state\nbefore %s\nafter  %s", before, after)
	}
	var names []string
	for _, l := range strings.Split(strings.TrimSpace(sb.Must("ip", "-br", "link")), "\n") {
		names = append(names, strings.Fields(l)[0])
	}
	if !slices.Equal(names, []string{"lo", "vb@va", "va@vb"}) {
		t.Fatalf("links: %v", names)
	}
	WantFail(t, sb.NSNet("link", "add", "x0", "type", "veth", "peer", "x1", "up"), 255, "peer", "up")
}

// TestLinkSetBridgeSlaveUpDown: "link set DEV type bridge_slave ..." in an
// up file changes the port (as ip -d reports it), a second up finds it
// applied, and down puts back each setting as it was before up, the
// backup port included; a port the file did not make keeps existing.
func TestLinkSetBridgeSlaveUpDown(t *testing.T) {
	sb := NewSandbox(t)
	sb.Must("ip", "link", "add", "br0", "type", "bridge")
	for _, v := range []string{"v0", "v1"} {
		sb.Must("ip", "link", "add", v, "type", "veth", "peer", v+"p")
		sb.Must("ip", "link", "set", v, "master", "br0")
	}
	sb.Must("ip", "link", "set", "v0", "type", "bridge_slave", "cost", "7", "neigh_suppress", "on")
	port := func() map[string]any {
		l := ipLinkDetails(t, sb, "v0")
		info, _ := l["linkinfo"].(map[string]any)
		data, _ := info["info_slave_data"].(map[string]any)
		if data == nil {
			t.Fatalf("v0 is no bridge port: %v", l)
		}
		return data
	}
	before := port()
	writeFile(t, sb, "/run/port.nsnet", "link set v0 up type bridge_slave learning off cost 100 hairpin on neigh_suppress off backup_port v1 fdb_flush\n")
	sb.MustNSNet("up", "/run/port.nsnet")
	p := port()
	if p["learning"] != false || p["cost"] != 100.0 || p["hairpin"] != true || p["neigh_suppress"] != false || p["backup_port"] != "v1" {
		t.Fatalf("after up: %v", p)
	}
	if out := sb.MustNSNet("up", "--dry-run", "/run/port.nsnet"); !strings.Contains(out, "apply") {
		// fdb_flush is never "already there": the line runs again.
		t.Fatalf("dry run after up: %q", out)
	}
	sb.MustNSNet("down", "/run/port.nsnet")
	after := port()
	for _, k := range []string{"learning", "cost", "hairpin", "neigh_suppress", "backup_port"} {
		if fmt.Sprint(after[k]) != fmt.Sprint(before[k]) {
			t.Errorf("%s after down: %v, before up: %v", k, after[k], before[k])
		}
	}
	if before["cost"] != 7.0 || before["neigh_suppress"] != true {
		t.Fatalf("the settings before up were not ip's: %v", before)
	}
	// A link that is no bridge port: the kernel's refusal, one line.
	if r := sb.NSNet("link", "set", "v0p", "type", "bridge_slave", "cost", "5"); r.Code == 0 || strings.Count(r.Stderr, "\n") != 1 {
		t.Errorf("bridge_slave on a link that is no port: %s", r)
	}
}

// ipLinkDetails is `ip -d -j link show DEV`'s object.
func ipLinkDetails(t *testing.T, sb *Sandbox, dev string) map[string]any {
	t.Helper()
	var out []map[string]any
	if err := json.Unmarshal([]byte(sb.Must("ip", "-d", "-j", "link", "show", dev)), &out); err != nil || len(out) != 1 {
		t.Fatalf("ip -d -j link show %s: %v", dev, err)
	}
	return out[0]
}
