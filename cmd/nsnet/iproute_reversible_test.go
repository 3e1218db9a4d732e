package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// inSandbox re-runs the calling test in new network and mount namespaces
// (unshare, with a tmpfs on /run and so on /run/netns), so that it can
// create links and namespaces without touching the machine. It returns
// true in the re-run, where the test goes on, and false in the parent,
// which has nothing more to do. It skips without root.
func inSandbox(t *testing.T) bool {
	if os.Getenv("NSNET_CMD_SANDBOX") == t.Name() {
		return true
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root: runs in network namespaces of its own")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("needs unshare(1)")
	}
	const script = `set -e
mount --make-rprivate /
mount -t tmpfs nsnet-test /run
mkdir -p /run/netns
exec "$@"`
	cmd := exec.Command("unshare", "--net", "--mount", "--propagation", "private", "sh", "-c", script, "sh",
		os.Args[0], "-test.run=^"+regexp.QuoteMeta(t.Name())+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "NSNET_CMD_SANDBOX="+t.Name())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sandboxed run: %v\n%s", err, out)
	}
	t.Logf("sandboxed run:\n%s", out)
	return false
}

// nsnetRun runs an nsnet command line in this process and fails the test
// if it fails; it returns what it printed.
func nsnetRun(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(context.Background(), args, nil, &out, &errb); code != 0 {
		t.Fatalf("nsnet %s: exit %d: %s", strings.Join(args, " "), code, errb.String())
	}
	return out.String()
}

// state is the network state of namespace ns ("" for this one) as nsnet
// -j prints it, less what changes by itself or with re-creation (index
// numbers, carrier, DAD, lifetimes).
func state(t *testing.T, ns string) string {
	t.Helper()
	var b strings.Builder
	for _, c := range [][]string{{"-j", "link"}, {"-j", "addr"}, {"-j", "route", "show", "table", "all"}} {
		if ns != "" {
			c = append([]string{"-n", ns}, c...)
		}
		var v any
		if err := json.Unmarshal([]byte(nsnetRun(t, c...)), &v); err != nil {
			t.Fatal(err)
		}
		normalize(v)
		if c[len(c)-1] == "all" {
			v = kernelMade(v.([]any))
		}
		out, _ := json.Marshal(v)
		b.Write(out)
		b.WriteString("\n")
	}
	return b.String()
}

// normalize drops what the kernel does by itself, and late: carrier
// flags, DAD, IPv6 link-local addresses and routes, a bridge's address
// (it follows its ports).
func normalize(v any) {
	switch v := v.(type) {
	case map[string]any:
		for _, k := range []string{"ifindex", "link_index", "operstate", "tentative", "valid_life_time", "preferred_life_time"} {
			delete(v, k)
		}
		if f, ok := v["flags"].([]any); ok {
			v["flags"] = slices.DeleteFunc(f, func(x any) bool {
				return x == "LOWER_UP" || x == "NO-CARRIER" || x == "M-DOWN" || x == "linkdown"
			})
		}
		if name, _ := v["ifname"].(string); strings.HasPrefix(name, "br") {
			delete(v, "address")
		}
		if ai, ok := v["addr_info"].([]any); ok {
			v["addr_info"] = slices.DeleteFunc(ai, func(x any) bool {
				a := x.(map[string]any)
				return a["family"] == "inet6" && a["scope"] == "link"
			})
		}
		for _, x := range v {
			normalize(x)
		}
	case []any:
		for _, x := range v {
			normalize(x)
		}
		// Re-created links and re-added addresses come back in a
		// different order.
		slices.SortStableFunc(v, func(a, b any) int {
			return strings.Compare(sortKey(a), sortKey(b))
		})
	}
}

func sortKey(x any) string {
	m, ok := x.(map[string]any)
	if !ok {
		return ""
	}
	for _, k := range []string{"ifname", "local"} {
		if s, ok := m[k].(string); ok {
			return s
		}
	}
	return ""
}

// kernelMade drops the IPv6 routes the kernel makes for links as they
// come up.
func kernelMade(routes []any) []any {
	return slices.DeleteFunc(routes, func(x any) bool {
		r := x.(map[string]any)
		return r["dst"] == "fe80::/64" || r["dst"] == "ff00::/8"
	})
}

// pick keeps the lines of a state that scope names: L the links, A the
// addresses, R the routes.
func pick(st, scope string) string {
	lines := strings.Split(st, "\n")
	var out []string
	for i, k := range "LAR" {
		if strings.ContainsRune(scope, k) && i < len(lines) {
			out = append(out, lines[i])
		}
	}
	return strings.Join(out, "\n")
}

// lineDiff shows the lines of two states that differ.
func lineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out strings.Builder
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			out.WriteString("before " + al[i] + "\nafter  " + bl[i] + "\n")
		}
	}
	return out.String()
}

// TestReversible checks every state-changing command's applied and
// inverse: applied is false before and true after the command, and the
// inverse, computed before the command ran, puts the state back.
func TestReversible(t *testing.T) {
	if !inSandbox(t) {
		return
	}
	// Each command runs in a namespace of its own, s, set up afresh: it
	// also exercises -n and the moves between s and t.
	setup := [][]string{
		{"netns", "add", "s"}, {"netns", "add", "t"},
		{"-n", "s", "link", "set", "lo", "up"},
		{"-n", "s", "link", "add", "va", "type", "veth", "peer", "vb"},
		{"-n", "s", "link", "add", "br0", "type", "bridge"},
		{"-n", "s", "link", "set", "va", "up"}, {"-n", "s", "link", "set", "vb", "up"},
		{"-n", "s", "addr", "add", "192.168.11.100/24", "dev", "va"},
		{"-n", "s", "addr", "add", "10.1.1.1/24", "brd", "+", "label", "va:1", "dev", "va"},
		{"-n", "s", "route", "add", "10.9.0.0/16", "dev", "va", "metric", "7"},
	}
	// What each inverse can put back: links (L), addresses (A), routes
	// (R). Taking a link down or away also takes the routes through it,
	// deleting an address the routes that use it; an inverse restores
	// what its command changed, not what the kernel dropped with it.
	for _, tc := range []struct{ line, scope string }{
		{"link add vx type veth peer vy", "LAR"},
		{"link add vx type veth peer vy netns t", "LAR"},
		{"link add br1 type bridge", "LAR"},
		{"link set va down", "LA"},
		{"link set va mtu 1400 txqlen 500 alias hello address 02:00:00:00:00:07", "LAR"},
		{"link set va name vz", "LAR"},
		{"link set va promisc on arp off allmulticast on group 7", "LAR"},
		{"link set down dev va", "LA"},
		{"link set va master br0", "LAR"},
		{"link set vb netns t", "L"},
		{"link set vb netns t name vt", "L"},
		{"link del br0", "L"},
		{"link del va", "L"},
		{"addr add 10.2.2.2/24 dev vb", "LAR"},
		{"addr add 2001:db8::1/64 dev vb nodad", "LAR"},
		{"addr del 10.1.1.1/24 dev va", "LA"},
		{"addr del 192.168.11.100 dev va", "LA"},
		{"addr replace 10.3.3.3/24 dev va scope link", "LAR"},
		{"addr replace 2001:db8::1/64 dev vb nodad", "LA"},
		{"addr flush dev va", "LA"},
		{"route add 10.8.0.0/16 dev va table 100", "LAR"},
		{"route flush dev va", "LAR"},
		{"route add 10.6.0.0/16 nexthop via 192.168.11.1 weight 2 nexthop via 192.168.11.2", "LAR"},
		{"route add local 10.5.5.5 dev va", "LAR"},
		{"route del 10.9.0.0/16", "LAR"},
		{"route replace 10.9.0.0/16 dev va metric 7 proto static", "LAR"},
		{"route append 10.9.0.0/16 dev va metric 8", "LAR"},
		{"sysctl -w net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=2", "LAR"},
	} {
		line := tc.line
		t.Run(line, func(t *testing.T) {
			for _, args := range setup {
				nsnetRun(t, args...)
			}
			defer nsnetRun(t, "netns", "del", "-all")
			before, beforeT := state(t, "s"), state(t, "t")
			fwd := nsnetRun(t, "-n", "s", "sysctl", "-n", "net.ipv4.ip_forward", "net.ipv4.conf.all.rp_filter")
			s := newSession(context.Background(), nil, &bytes.Buffer{}, &bytes.Buffer{})
			defer s.close()
			e := s.env("s", options{})
			c, err := parseCommand(strings.Fields(line), options{})
			if err != nil {
				t.Fatal(err)
			}
			r := c.(reversible)
			if ok, err := r.applied(e); err != nil || ok {
				t.Fatalf("applied before: %v %v", ok, err)
			}
			inv, err := r.inverse(e)
			if err != nil {
				t.Fatalf("inverse: %v", err)
			}
			if err := r.run(e); err != nil {
				t.Fatalf("run: %v", err)
			}
			if ok, err := r.applied(e); err != nil || !ok {
				t.Fatalf("applied after: %v %v", ok, err)
			}
			if err := inv.run(e); err != nil {
				t.Fatalf("inverse %#v: %v", inv, err)
			}
			s.close() // as a later nsnet would, read afresh
			if after := state(t, "s"); pick(after, tc.scope) != pick(before, tc.scope) {
				t.Errorf("the inverse did not restore namespace s:\n%s", lineDiff(pick(before, tc.scope), pick(after, tc.scope)))
			}
			if after := state(t, "t"); pick(after, tc.scope) != pick(beforeT, tc.scope) {
				t.Errorf("the inverse did not restore namespace t:\n%s", lineDiff(pick(beforeT, tc.scope), pick(after, tc.scope)))
			}
			if got := nsnetRun(t, "-n", "s", "sysctl", "-n", "net.ipv4.ip_forward", "net.ipv4.conf.all.rp_filter"); got != fwd {
				t.Errorf("sysctls %q, were %q", got, fwd)
			}
		})
	}
}
