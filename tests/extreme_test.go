package tests

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// extremeValues are fed to every numeric argument: zero, negative, 2^31,
// 2^32, 2^63, 2^64 and 10^20; with NSNET_EXTREME=all also the values just
// below the 31, 32, 63 and 64-bit limits.
func extremeValues() []string {
	v := []string{"0", "-1", "2147483648", "4294967296", "9223372036854775808", "18446744073709551616", "100000000000000000000"}
	if os.Getenv("NSNET_EXTREME") == "all" {
		v = append(v, "2147483647", "4294967295", "9223372036854775807", "18446744073709551615")
	}
	return v
}

// numericTemplates are every command with a numeric argument, N marking
// it. None of the values can be a PID that exists (they are 0, negative or
// above pid_max), so nothing moves to another namespace.
var numericTemplates = []string{
	// link
	"link add x0 mtu N type bridge", "link add x0 txqueuelen N type bridge",
	"link add x0 type bridge stp_state N", "link add x0 type bridge vlan_filtering N",
	"link add x0 type bridge priority N", "link add x0 type bridge forward_delay N",
	"link add x0 type bridge hello_time N", "link add x0 type bridge max_age N",
	"link add x0 type bridge ageing_time N", "link add x0 type bridge mcast_snooping N",
	"link add x0 type vxlan id N dstport 4789 dev v0", "link add x0 type vxlan id 5 dstport N dev v0",
	"link add x0 type vxlan id 5 ttl N dev v0", "link add x0 type vxlan id 5 ageing N dev v0",
	"link add x0 type veth peer name x1 mtu N", "link add x0 netns N type bridge",
	"link add x0 type veth peer name x1 netns N",
	"link set v0 mtu N", "link set v0 txqueuelen N", "link set v0 netns N",
	"link set N up", "link show N", "link del N",
	// address
	"addr add 192.0.2.50/N dev v0", "addr add 2001:db8::50/N dev v0", "addr add 10.0.0.N/24 dev v0",
	"addr add 192.0.2.51/24 dev v0 scope N", "addr add 192.0.2.52/24 dev v0 valid_lft N",
	"addr add 192.0.2.53/24 dev v0 preferred_lft N valid_lft 100", "addr add 192.0.2.54/24 dev v0 metric N",
	"addr add 192.0.2.55/24 peer 192.0.2.56/N dev v0", "addr del 192.0.2.1/N dev v0", "addr show N",
	// route
	"route add 203.0.113.0/N dev v0", "route add 203.0.113.0/24 dev v0 metric N",
	"route add 203.0.113.0/24 dev v0 table N", "route add 203.0.113.0/24 dev v0 proto N",
	"route add 203.0.113.0/24 dev v0 scope N", "route add 203.0.113.0/24 dev v0 mtu N",
	"route add 203.0.113.0/24 dev v0 mtu lock N", "route add 203.0.113.0/24 dev v0 advmss N",
	"route add 203.0.113.0/24 via 192.0.2.N", "route show table N", "route get 192.0.2.2 mark N",
	"route get N", "route del 198.51.100.0/N",
	// netns
	"netns attach q9 N", "netns set r1 N", "netns identify N", "netns pids N", "netns del N",
	// nat
	"nat publish add N/tcp to 192.0.2.2:80", "nat publish add 8080/tcp to 192.0.2.2:N",
	"nat publish add 192.0.2.1:N/udp to 192.0.2.2:80", "nat masquerade add 10.0.0.0/N",
	"nat masquerade add 10.0.0.N/24", "nat publish del N/tcp to 192.0.2.2:80",
	// sysctl
	"sysctl -w net.ipv4.ip_forward=N", "sysctl -w net.core.somaxconn=N", "sysctl -w net.ipv4.conf.v0.mtu_expires=N",
	"sysctl -w net.ipv4.ip_local_port_range=N", "sysctl net.ipv4.conf.N.forwarding",
	// ping (a timeout stops the accepted ones)
	"ping -c N 192.0.2.2", "ping -c 1 -i N 192.0.2.2", "ping -c 1 -W N 192.0.2.2",
	"ping -c 1 -s N 192.0.2.2", "ping -c 1 -W 1 192.0.2.N",
	// capture
	"capture -i lo -c N", "capture -i lo -c 1 -s N", "capture -r /dev/null -c N",
	"capture -i lo -c 1 port N", "capture -i lo -c 1 net 10.0.0.0/N", "capture -i lo -c 1 host 10.0.0.N",
}

// TestRound2ExtremeNumbers feeds every numeric argument of every command
// the extreme values: no run may crash the Go runtime (no "panic:",
// "goroutine " or "fatal error" on stderr, no signal exit), and every run
// that fails must leave the sandbox's state exactly as it was. Runs that
// succeed (a value in range) may change it; the next comparison starts
// from there.
func TestRound2ExtremeNumbers(t *testing.T) {
	sb := NewSandbox(t)
	relTopology(t, sb)
	var script strings.Builder
	script.WriteString(`snap() { printf 'link show\naddr show\nroute show table all\n-6 route show table all\n' | ip -o -batch - | sed -e 's/ state [A-Z]*//' -e 's/valid_lft [0-9a-z]* preferred_lft [0-9a-z]*//'
nft -s list ruleset; cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/core/somaxconn; ip -n r1 -o addr show; ls -A /run/netns /run/nsnet/up 2>/dev/null; }
snap > /run/base
one() {
  timeout -s INT 0.3 "$NSNET" "$@" >/dev/null 2>/run/x.err; rc=$?
  snap > /run/now; changed=0
  if ! cmp -s /run/now /run/base; then changed=1; diff /run/base /run/now | head -c 300 >> /run/x.err; mv /run/now /run/base; fi
  crash=0; grep -q -e 'goroutine ' -e 'panic:' -e 'fatal error' /run/x.err && crash=1
  printf '%s\t%s\t%s\t%s\n' "$rc" "$changed" "$crash" "$(head -c 600 /run/x.err | tr '\n\t' '  ')"
}
`)
	type kase struct{ args string }
	var cases []kase
	values := extremeValues()
	for _, tpl := range numericTemplates {
		for _, v := range values {
			args := strings.ReplaceAll(tpl, "N", v)
			cases = append(cases, kase{args})
			fmt.Fprintf(&script, "one %s\n", args)
		}
	}
	out := sb.MustSh(script.String())
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != len(cases) {
		t.Fatalf("%d results for %d cases:\n%s", len(lines), len(cases), out)
	}
	failed, accepted := 0, 0
	for i, l := range lines {
		f := strings.SplitN(l, "\t", 4)
		rc, changed, crash, msg := f[0], f[1], f[2], f[3]
		c := cases[i]
		if crash == "1" {
			t.Errorf("%s: the Go runtime crashed: %s", c.args, msg)
		}
		switch rc {
		case "0", "124":
			accepted++ // in range (124: still running, stopped by the timeout)
			continue
		case "1", "2", "255":
		default:
			t.Errorf("%s: exit %s: %s", c.args, rc, msg)
		}
		failed++
		if changed == "1" {
			t.Errorf("%s: failed (exit %s: %s) but changed the state", c.args, rc, msg)
		}
		if !strings.HasPrefix(msg, "nsnet: ") {
			t.Errorf("%s: exit %s without an nsnet error line: %q", c.args, rc, msg)
		}
	}
	t.Logf("%d runs (%d templates x %d values): %d refused with nothing changed, %d accepted", len(cases), len(numericTemplates), len(values), failed, accepted)
}
