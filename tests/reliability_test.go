package tests

import (
	"sort"
	"strings"
	"testing"
	"time"
)

// relTopology sets up a small world in the sandbox so that "nothing
// changed" means something: a namespace r1, a veth pair v0 (here) / v1
// (in r1) with addresses, a route through it, a bridge, two NAT rules,
// and a few batch files. IPv6 link-local addresses are not generated, so
// the state does not move by itself while a test looks at it.
func relTopology(t *testing.T, sb *Sandbox) {
	t.Helper()
	sb.MustSh(`set -e
sysctl -qw net.ipv6.conf.default.addr_gen_mode=1 net.ipv6.conf.default.accept_dad=0
$NSNET netns add r1
ip netns exec r1 sysctl -qw net.ipv6.conf.default.addr_gen_mode=1 net.ipv6.conf.default.accept_dad=0
$NSNET link add v0 type veth peer name v1 netns r1
$NSNET addr add 192.0.2.1/24 dev v0
$NSNET addr add 2001:db8::1/64 dev v0
$NSNET link set v0 up
$NSNET -n r1 addr add 192.0.2.2/24 dev v1
$NSNET -n r1 link set v1 up
$NSNET route add 198.51.100.0/24 via 192.0.2.2
$NSNET link add br0 type bridge
$NSNET nat masquerade add 192.0.2.0/24 2>/dev/null
$NSNET nat publish add 8080/tcp to 192.0.2.2:80
mkdir -p /run/rel
printf 'netns add q1\nlink frobnicate\n' > /run/rel/badcmd.nsnet
printf "netns add 'q2\n" > /run/rel/quote.nsnet
printf 'netns add q3\nlink add x0 type dummy \\\n' > /run/rel/cont.nsnet
printf 'netns add q4\n-batch /run/rel/quote.nsnet\n' > /run/rel/nested.nsnet
printf '\000\377\376 link\n' > /run/rel/binary.nsnet
printf 'netns add q5\nnetns exec q5 true\n' > /run/rel/irreversible.nsnet
printf 'link add v0 type dummy\nnetns add q6\n' > /run/rel/dup.nsnet
printf 'netns add q7\nlink set v0 mtu 1400\naddr add 192.0.2.9/24 dev nosuch\n' > /run/rel/rollback.nsnet
head -c 1100000 /dev/zero | tr '\0' 'x' > /run/rel/longline.nsnet
`)
	// Wait for carrier and the routes that follow it to settle.
	prev := ""
	for i := 0; i < 50; i++ {
		s := relState(t, sb)
		if s == prev && !strings.Contains(s, "NO-CARRIER") {
			return
		}
		prev = s
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the topology did not settle:\n%s", prev)
}

// lineDiff returns the lines only in a and only in b.
func lineDiff(a, b string) string {
	count := map[string]int{}
	for _, l := range strings.Split(a, "\n") {
		count[l]++
	}
	for _, l := range strings.Split(b, "\n") {
		count[l]--
	}
	var out []string
	for l, n := range count {
		if n > 0 {
			out = append(out, "- "+l)
		} else if n < 0 {
			out = append(out, "+ "+l)
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// relState is everything a rejected command must leave as it was.
func relState(t *testing.T, sb *Sandbox) string {
	t.Helper()
	return sb.MustSh(`ls -A /run/netns /etc/netns; ip -o link show | sed 's/ state [A-Z]*//'; ip -o addr show
ip route show table all; ip -6 route show table all; nft list ruleset; sysctl net.ipv4.ip_forward net.ipv6.conf.all.forwarding
ip -n r1 -o link show | sed 's/ state [A-Z]*//'; ip -n r1 -o addr show; ip -n r1 route show table all
grep -c ' - nsfs ' /proc/self/mountinfo; ls -A /run/nsnet/up 2>/dev/null; true`)
}

type relCase struct {
	name  string
	args  []string
	code  int      // 255 usage, 1 local, 2 kernel
	words []string // what the error line must name
}

func relCases() []relCase {
	long := strings.Repeat("x", 100*1024)
	return []relCase{
		// Global options and objects.
		{"unknown object", []string{"frobnicate"}, 1, []string{`"frobnicate"`}},
		{"unknown option", []string{"-frob", "link"}, 255, []string{`"-frob"`}},
		{"-n missing value", []string{"-n"}, 255, []string{`"-n"`}},
		{"-n nonexistent", []string{"-n", "nosuch", "link"}, 255, []string{"nosuch"}},
		{"-n path trick", []string{"-n", "../x", "link"}, 255, []string{`"../x"`}},
		{"-n dotdot", []string{"-n", "..", "addr"}, 255, []string{`".."`}},
		{"bad --trace", []string{"--trace=bogus", "link"}, 255, []string{"--trace=bogus"}},
		{"non-UTF-8 object", []string{"\xff\xfe"}, 1, []string{`\xff\xfe`}},
		{"100KB object", []string{long}, 1, []string{"unknown object"}},

		// netns.
		{"netns unknown command", []string{"netns", "frobnicate"}, 255, []string{`"frobnicate"`}},
		{"netns add dotdot slash", []string{"netns", "add", "../x"}, 255, []string{`"../x"`}},
		{"netns add a/b", []string{"netns", "add", "a/b"}, 255, []string{`"a/b"`}},
		{"netns add empty", []string{"netns", "add", ""}, 255, []string{"netns name"}},
		{"netns add 256 bytes", []string{"netns", "add", strings.Repeat("n", 256)}, 255, []string{"netns name"}},
		{"netns add 100KB", []string{"netns", "add", long}, 255, []string{"netns name"}},
		{"netns add missing name", []string{"netns", "add"}, 255, []string{"netns add"}},
		{"netns add two names", []string{"netns", "add", "q1", "q2"}, 255, []string{`"q2"`}},
		{"netns add existing", []string{"netns", "add", "r1"}, 1, []string{"r1", "exists"}},
		{"netns del nonexistent", []string{"netns", "del", "nosuch"}, 1, []string{"nosuch"}},
		{"netns del path trick", []string{"netns", "del", "../netns/r1"}, 255, []string{`"../netns/r1"`}},
		{"netns exec nonexistent", []string{"netns", "exec", "nosuch", "true"}, 255, []string{"nosuch"}},
		{"netns exec path trick", []string{"netns", "exec", "../r1", "true"}, 255, []string{`"../r1"`}},
		{"netns set bad id", []string{"netns", "set", "r1", "x7"}, 255, []string{`"x7"`}},
		{"netns attach bad pid", []string{"netns", "attach", "q1", "12x"}, 255, []string{`"12x"`}},
		{"netns pids nonexistent", []string{"netns", "pids", "nosuch"}, 1, []string{"nosuch"}},

		// link.
		{"link unknown command", []string{"link", "frobnicate"}, 255, []string{`"frobnicate"`}},
		{"link add 16-byte name", []string{"link", "add", "0123456789abcdef", "type", "dummy"}, 255, []string{`"0123456789abcdef"`}},
		{"link add name with /", []string{"link", "add", "a/b", "type", "dummy"}, 255, []string{`"a/b"`}},
		{"link add name with :", []string{"link", "add", "a:b", "type", "dummy"}, 255, []string{`"a:b"`}},
		{"link add name with space", []string{"link", "add", "a b", "type", "dummy"}, 255, []string{`"a b"`}},
		{"link add name dotdot", []string{"link", "add", "..", "type", "dummy"}, 255, []string{`".."`}},
		{"link add 100KB name", []string{"link", "add", long, "type", "dummy"}, 255, []string{"device name"}},
		{"link add existing", []string{"link", "add", "v0", "type", "dummy"}, 2, []string{"v0", "exists"}},
		{"link add unknown kind", []string{"link", "add", "d0", "type", "frobnicate"}, 2, []string{"d0"}},
		{"link add missing type", []string{"link", "add", "d0", "type"}, 255, []string{`"type"`}},
		{"link add veth peer exists", []string{"link", "add", "d0", "type", "veth", "peer", "name", "br0"}, 2, []string{"d0"}},
		{"link add veth peer in nonexistent ns", []string{"link", "add", "d0", "type", "veth", "peer", "name", "d1", "netns", "nosuch"}, 255, []string{"nosuch"}},
		{"link set mtu -1", []string{"link", "set", "v0", "mtu", "-1"}, 255, []string{`"-1"`}},
		{"link set mtu too big", []string{"link", "set", "v0", "mtu", "99999999999"}, 255, []string{`"99999999999"`}},
		{"link set mtu kernel range", []string{"link", "set", "v0", "mtu", "10"}, 2, []string{"v0"}},
		{"link set txqlen x", []string{"link", "set", "v0", "txqlen", "x"}, 255, []string{`"x"`}},
		{"link set bad MAC", []string{"link", "set", "v0", "address", "zz:zz:zz:zz:zz:zz"}, 1, []string{`"zz:zz:zz:zz:zz:zz"`}},
		{"link set short MAC", []string{"link", "set", "v0", "address", "00:11:22:33:44"}, 1, []string{`"00:11:22:33:44"`}},
		{"link set multicast MAC", []string{"link", "set", "v0", "address", "01:00:5e:00:00:01"}, 2, []string{"v0"}},
		{"link set nonexistent", []string{"link", "set", "nosuch", "up"}, 1, []string{"nosuch"}},
		{"link set missing value", []string{"link", "set", "v0", "name"}, 255, []string{`"name"`}},
		{"link set unknown keyword", []string{"link", "set", "v0", "frobnicate"}, 255, []string{`"frobnicate"`}},
		{"link set rename to existing", []string{"link", "set", "v0", "name", "br0"}, 2, []string{"v0"}},
		{"link set master nonexistent", []string{"link", "set", "v0", "master", "nosuch"}, 255, []string{"nosuch"}},
		{"link set netns nonexistent", []string{"link", "set", "v0", "netns", "nosuch"}, 255, []string{"nosuch"}},
		{"link set netns not a namespace", []string{"link", "set", "v0", "netns", "/etc/passwd"}, 1, []string{"/etc/passwd"}},
		{"link del nonexistent", []string{"link", "del", "nosuch"}, 1, []string{"nosuch"}},
		{"link show nonexistent", []string{"link", "show", "nosuch"}, 1, []string{"nosuch"}},
		{"link set repeated mtu", []string{"link", "set", "v0", "mtu", "1400", "mtu", "1500"}, 255, []string{"duplicate", `"mtu"`, `"1500"`}},
		{"link set repeated address", []string{"link", "set", "v0", "address", "02:00:00:00:00:01", "address", "02:00:00:00:00:02"}, 255, []string{"duplicate", `"02:00:00:00:00:02"`}},
		{"link add repeated name", []string{"link", "add", "d0", "name", "d1", "type", "bridge"}, 255, []string{"duplicate", `"name"`}},
		{"link set master and nomaster", []string{"link", "set", "v0", "master", "br0", "nomaster"}, 255, []string{"conflicting", "nomaster"}},
		{"link set non-UTF-8 mtu", []string{"link", "set", "v0", "mtu", "1\xff"}, 255, []string{`1\xff`}},

		// address.
		{"addr add existing", []string{"addr", "add", "192.0.2.1/24", "dev", "v0"}, 2, []string{"192.0.2.1/24", "exists"}},
		{"addr add bad octet", []string{"addr", "add", "192.0.2.300/24", "dev", "v0"}, 1, []string{`"192.0.2.300/24"`}},
		{"addr add bad prefix", []string{"addr", "add", "192.0.2.3/33", "dev", "v0"}, 1, []string{`"192.0.2.3/33"`}},
		{"addr add bad v6", []string{"addr", "add", "2001:db8::g/64", "dev", "v0"}, 1, []string{`"2001:db8::g/64"`}},
		{"addr add missing dev", []string{"addr", "add", "192.0.2.3/24"}, 1, []string{"dev"}},
		{"addr add nonexistent dev", []string{"addr", "add", "192.0.2.3/24", "dev", "nosuch"}, 1, []string{"nosuch"}},
		{"addr add bad scope", []string{"addr", "add", "192.0.2.3/24", "dev", "v0", "scope", "frobnicate"}, 255, []string{`"frobnicate"`}},
		{"addr add unknown keyword", []string{"addr", "add", "192.0.2.3/24", "dev", "v0", "frobnicate"}, 255, []string{`"frobnicate"`}},
		{"addr add non-UTF-8", []string{"addr", "add", "192.0.2.\xff/24", "dev", "v0"}, 1, []string{`\xff`}},
		{"addr add 100KB", []string{"addr", "add", long, "dev", "v0"}, 1, []string{"invalid address"}},
		{"addr del absent", []string{"addr", "del", "192.0.2.99/24", "dev", "v0"}, 2, []string{"192.0.2.99/24"}},
		{"addr show nonexistent", []string{"addr", "show", "dev", "nosuch"}, 1, []string{"nosuch"}},

		// route.
		{"route add existing", []string{"route", "add", "198.51.100.0/24", "via", "192.0.2.2"}, 2, []string{"198.51.100.0/24", "exists"}},
		{"route add bad via", []string{"route", "add", "203.0.113.0/24", "via", "192.0.2.300"}, 1, []string{`"192.0.2.300"`}},
		{"route add mixed families", []string{"route", "add", "203.0.113.0/24", "via", "2001:db8::2"}, 1, []string{"families"}},
		{"route add nonexistent dev", []string{"route", "add", "203.0.113.0/24", "dev", "nosuch"}, 1, []string{"nosuch"}},
		{"route add bad table", []string{"route", "add", "203.0.113.0/24", "dev", "v0", "table", "frobnicate"}, 255, []string{`"frobnicate"`}},
		{"route add bad metric", []string{"route", "add", "203.0.113.0/24", "dev", "v0", "metric", "x"}, 255, []string{`"x"`}},
		{"route add unreachable gateway", []string{"route", "add", "203.0.113.0/24", "via", "198.18.0.1"}, 2, []string{"203.0.113.0/24"}},
		{"route del absent", []string{"route", "del", "203.0.113.0/24"}, 2, []string{"203.0.113.0/24"}},
		{"route get bad address", []string{"route", "get", "999.1.1.1"}, 1, []string{`"999.1.1.1"`}},

		// sysctl.
		{"sysctl dotdot", []string{"sysctl", "net/../../kernel/x"}, 255, []string{`"net/../../kernel/x"`}},
		{"sysctl write dotdot", []string{"sysctl", "-w", "net/../../kernel/core_pattern=x"}, 255, []string{"net/../../kernel/core_pattern"}},
		{"sysctl /proc/..", []string{"sysctl", "/proc/.."}, 255, []string{`"/proc/.."`}},
		{"sysctl empty component", []string{"sysctl", "net..ipv4"}, 255, []string{`"net..ipv4"`}},
		{"sysctl not net", []string{"sysctl", "-w", "kernel.hostname=x"}, 255, []string{`"kernel.hostname"`}},
		{"sysctl write without value", []string{"sysctl", "-w", "net.ipv4.ip_forward"}, 255, []string{"net.ipv4.ip_forward"}},
		{"sysctl bad value", []string{"sysctl", "-w", "net.ipv4.ip_forward=abc"}, 1, []string{"net.ipv4.ip_forward"}},
		{"sysctl unknown key", []string{"sysctl", "net.ipv4.nosuch"}, 1, []string{"net.ipv4.nosuch"}},
		{"sysctl nonexistent device", []string{"sysctl", "-w", "net.ipv4.conf.nosuch.forwarding=1"}, 1, []string{"nosuch"}},

		// nat.
		{"nat unknown command", []string{"nat", "frobnicate"}, 255, []string{`"frobnicate"`}},
		{"nat publish bad port", []string{"nat", "publish", "add", "99999/tcp", "to", "192.0.2.2:80"}, 255, []string{`"99999/tcp"`}},
		{"nat publish bad proto", []string{"nat", "publish", "add", "80/sctp", "to", "192.0.2.2:80"}, 255, []string{`"80/sctp"`}},
		{"nat publish target without port", []string{"nat", "publish", "add", "80/tcp", "to", "192.0.2.2"}, 255, []string{`"192.0.2.2"`}},
		{"nat publish target port 0", []string{"nat", "publish", "add", "80/tcp", "to", "192.0.2.2:0"}, 255, []string{`"192.0.2.2:0"`}},
		{"nat publish missing to", []string{"nat", "publish", "add", "80/tcp", "192.0.2.2:80"}, 255, []string{"to ADDR:PORT"}},
		{"nat publish mixed families", []string{"nat", "publish", "add", "192.0.2.1:80/tcp", "to", "[2001:db8::2]:80"}, 255, []string{"192.0.2.1"}},
		{"nat masquerade bad prefix", []string{"nat", "masquerade", "add", "192.0.2.0/33"}, 255, []string{`"192.0.2.0/33"`}},
		{"nat masquerade del absent", []string{"nat", "masquerade", "del", "198.51.100.0/24"}, 1, []string{"198.51.100.0/24"}},
		{"nat forward one iface", []string{"nat", "forward", "add", "v0"}, 255, []string{"two interfaces"}},
		{"nat forward bad iface", []string{"nat", "forward", "add", "v0", "a/b"}, 255, []string{`"a/b"`}},

		// ping and capture.
		{"ping missing host", []string{"ping"}, 255, []string{"HOST"}},
		{"ping bad count", []string{"ping", "-c", "x", "192.0.2.2"}, 255, []string{`"x"`}},
		{"ping bad size", []string{"ping", "-c", "1", "-s", "99999", "192.0.2.2"}, 255, []string{`"99999"`}},
		{"ping negative interval", []string{"ping", "-i", "-1", "192.0.2.2"}, 255, []string{`"-1"`}},
		{"ping unknown host", []string{"ping", "-c", "1", "nosuchhost.invalid"}, 2, []string{"nosuchhost.invalid"}},
		{"ping two hosts", []string{"ping", "-c", "1", "192.0.2.2", "198.51.100.1"}, 255, []string{`"198.51.100.1"`}},
		{"capture nonexistent iface", []string{"capture", "-i", "nosuch", "-c", "1"}, 1, []string{"nosuch"}},
		{"capture bad count", []string{"capture", "-c", "x"}, 255, []string{`"x"`}},
		{"capture bad filter", []string{"capture", "-c", "1", "tcp", "and", "and"}, 255, []string{`"and"`}},
		{"capture bad filter port", []string{"capture", "-c", "1", "port", "99999"}, 255, []string{`"99999"`}},
		{"capture bad filter host", []string{"capture", "-c", "1", "host", "999.1.1.1"}, 255, []string{`"999.1.1.1"`}},
		{"capture unbalanced parens", []string{"capture", "-c", "1", "(", "tcp"}, 255, []string{"filter"}},
		{"capture read nonexistent", []string{"capture", "-r", "/nonexistent"}, 1, []string{"/nonexistent"}},
		{"capture read not pcap", []string{"capture", "-r", "/etc/passwd"}, 1, []string{"/etc/passwd"}},

		// batch, up and down files.
		{"batch nonexistent", []string{"-batch", "/nonexistent"}, 1, []string{"/nonexistent"}},
		{"batch directory", []string{"-batch", "/run/rel"}, 1, []string{"/run/rel"}},
		{"batch bad command", []string{"-batch", "/run/rel/badcmd.nsnet"}, 255, []string{"badcmd.nsnet:2:", `"frobnicate"`}},
		{"batch unterminated quote", []string{"-batch", "/run/rel/quote.nsnet"}, 255, []string{"quote.nsnet:1:", "quote"}},
		{"batch ends in continuation", []string{"-batch", "/run/rel/cont.nsnet"}, 255, []string{"cont.nsnet:2:", "continued"}},
		{"batch nested -batch", []string{"-batch", "/run/rel/nested.nsnet"}, 255, []string{"nested.nsnet:2:", "-batch"}},
		{"batch binary junk", []string{"-batch", "/run/rel/binary.nsnet"}, 1, []string{"binary.nsnet:1:"}},
		{"batch line over 1 MB", []string{"-batch", "/run/rel/longline.nsnet"}, 1, []string{"longline.nsnet"}},
		{"batch duplicate link", []string{"-batch", "/run/rel/dup.nsnet"}, 1, []string{"dup.nsnet:1:", "v0"}},
		{"up irreversible line", []string{"up", "/run/rel/irreversible.nsnet"}, 255, []string{"irreversible.nsnet:2:", "cannot be undone"}},
		{"up failing line rolls back", []string{"up", "/run/rel/rollback.nsnet"}, 1, []string{"rollback.nsnet:3:", "nosuch", "rolled back 2"}},
		{"up missing file", []string{"up"}, 255, []string{"FILE"}},
		{"down two files", []string{"down", "/run/rel/dup.nsnet", "/run/rel/x"}, 255, []string{`"/run/rel/x"`}},
	}
}

// TestReliabilityBadInput runs every bad input against a small topology:
// each must fail with the right exit status and one "nsnet: " line naming
// the problem, and must change nothing.
func TestReliabilityBadInput(t *testing.T) {
	sb := NewSandbox(t)
	relTopology(t, sb)
	cases := relCases()
	if len(cases) < 60 {
		t.Fatalf("only %d cases", len(cases))
	}
	before := relState(t, sb)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := sb.NSNet(c.args...)
			if strings.Contains(r.Stderr, "panic") || strings.Contains(r.Stderr, "goroutine ") {
				t.Fatalf("crashed: %s", r)
			}
			if r.Stdout != "" {
				t.Errorf("printed on stdout: %q", r.Stdout)
			}
			WantFail(t, r, c.code, c.words...)
			if len(r.Stderr) > 4096 {
				t.Errorf("error line is %d bytes long", len(r.Stderr))
			}
			if after := relState(t, sb); after != before {
				t.Fatalf("the state changed:\n%s", lineDiff(before, after))
			}
		})
	}
}

// TestReliabilityPrivileges runs nsnet without a capability it needs (or
// as nobody): the error must name the capability, and nothing changes.
func TestReliabilityPrivileges(t *testing.T) {
	sb := NewSandbox(t)
	relTopology(t, sb)
	before := relState(t, sb)
	drop := func(c string) []string {
		return []string{"setpriv", "--inh-caps=-all", "--bounding-set=-" + c, nsnetBin}
	}
	nobody := []string{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", nsnetBin}
	for _, c := range []struct {
		as    []string
		args  []string
		code  int
		words []string
	}{
		{drop("net_admin"), []string{"link", "add", "d0", "type", "dummy"}, 2, []string{"d0", "needs CAP_NET_ADMIN"}},
		{drop("net_admin"), []string{"link", "set", "v0", "down"}, 2, []string{"v0", "needs CAP_NET_ADMIN"}},
		{drop("net_admin"), []string{"addr", "add", "192.0.2.5/24", "dev", "v0"}, 2, []string{"192.0.2.5", "needs CAP_NET_ADMIN"}},
		{drop("net_admin"), []string{"route", "add", "203.0.113.0/24", "dev", "v0"}, 2, []string{"203.0.113.0/24", "needs CAP_NET_ADMIN"}},
		{drop("net_admin"), []string{"nat", "masquerade", "add", "198.51.100.0/24"}, 2, []string{"needs CAP_NET_ADMIN"}},
		{drop("net_admin"), []string{"sysctl", "-w", "net.ipv4.ip_forward=1"}, 1, []string{"net.ipv4.ip_forward", "needs CAP_NET_ADMIN"}},
		{drop("net_admin"), []string{"netns", "set", "r1", "7"}, 2, []string{"needs CAP_NET_ADMIN"}},
		{drop("sys_admin"), []string{"netns", "add", "q1"}, 1, []string{"CAP_SYS_ADMIN"}},
		{drop("sys_admin"), []string{"netns", "del", "r1"}, 1, []string{"CAP_SYS_ADMIN"}},
		{drop("sys_admin"), []string{"-n", "r1", "link", "add", "d0", "type", "dummy"}, 1, []string{"needs CAP_SYS_ADMIN"}},
		{drop("sys_admin"), []string{"netns", "exec", "r1", "true"}, 1, []string{"r1", "needs CAP_SYS_ADMIN"}},
		{drop("net_raw"), []string{"capture", "-c", "1"}, 1, []string{"needs CAP_NET_RAW"}},
		{nobody, []string{"link", "add", "d0", "type", "dummy"}, 2, []string{"needs root: CAP_NET_ADMIN"}},
		{nobody, []string{"nat", "show"}, 2, []string{"needs root: CAP_NET_ADMIN"}},
		{nobody, []string{"sysctl", "-w", "net.ipv4.ip_forward=1"}, 1, []string{"needs root: CAP_NET_ADMIN"}},
		{nobody, []string{"netns", "add", "q1"}, 1, []string{"root", "CAP_SYS_ADMIN"}},
		{nobody, []string{"-n", "r1", "addr", "show"}, 1, []string{"needs root: CAP_SYS_ADMIN"}},
		{nobody, []string{"capture", "-c", "1"}, 1, []string{"needs root: CAP_NET_RAW"}},
	} {
		argv := append(append([]string{}, c.as...), c.args...)
		r := sb.Run(argv...)
		WantFail(t, r, c.code, c.words...)
		if after := relState(t, sb); after != before {
			t.Fatalf("%v changed the state:\n%s", argv, lineDiff(before, after))
		}
	}
}

// TestReliabilityReadOnlyRun makes /run/netns, then /run, read-only: adding
// or deleting a namespace fails with a clear message and leaves the
// namespace as it was (delete must not unmount what it cannot remove).
func TestReliabilityReadOnlyRun(t *testing.T) {
	sb := NewSandbox(t)
	relTopology(t, sb)
	before := relState(t, sb)
	sb.Must("mount", "-o", "remount,ro", "/run/netns")
	WantFail(t, sb.NSNet("netns", "add", "q1"), 1, "q1", "read-only")
	WantFail(t, sb.NSNet("netns", "del", "r1"), 1, "r1", "read-only")
	sb.MustNSNet("-n", "r1", "link", "show", "v1") // still a namespace
	sb.Must("mount", "-o", "remount,rw", "/run/netns")
	if after := relState(t, sb); after != before {
		t.Fatalf("the state changed:\n%s", lineDiff(before, after))
	}
	sb.MustSh("printf 'netns add q2\\n' > /run/rel/up.nsnet && mount -o remount,ro /run")
	WantFail(t, sb.NSNet("up", "/run/rel/up.nsnet"), 1, "/run/nsnet", "read-only")
	sb.Must("mount", "-o", "remount,rw", "/run")
	if after := relState(t, sb); after != before {
		t.Fatalf("the state changed:\n%s", lineDiff(before, after))
	}
}

// TestReliabilityHostileFiles extends TestNetnsStaleAndHostile: a symlink
// in /run/netns to a real namespace is never followed, a file holding
// another kind of namespace is refused, an /etc/netns/NAME that is a
// symlink is not bound, and a /run/netns that is itself a symlink to a
// directory is followed, as iproute2 does.
func TestReliabilityHostileFiles(t *testing.T) {
	sb := NewSandbox(t)
	sb.MustNSNet("netns", "add", "r1")
	r1 := func() string { return sb.Must("ip", "-n", "r1", "-o", "link", "show") }
	links := r1()
	sb.Must("ln", "-s", "/run/netns/r1", "/run/netns/lnk")
	for _, args := range [][]string{
		{"-n", "lnk", "link", "add", "evil", "type", "dummy"},
		{"-n", "lnk", "sysctl", "-w", "net.ipv4.ip_forward=1"},
		{"netns", "exec", "lnk", "ip", "link", "add", "evil", "type", "dummy"},
		{"netns", "set", "lnk", "5"},
		{"netns", "pids", "lnk"},
		{"link", "add", "evil", "type", "veth", "peer", "name", "evil1", "netns", "lnk"},
	} {
		WantFail(t, sb.NSNet(args...), 1, "lnk", "symbolic link")
	}
	sb.MustNSNet("netns", "del", "lnk")
	if r1() != links || sb.Must("ip", "netns", "exec", "r1", "sysctl", "-n", "net.ipv4.ip_forward") != "0\n" {
		t.Fatal("a command through the symlink acted on its target")
	}
	if got := names(t, sb); strings.Join(got, " ") != "r1" || mountCount(t, sb) != 1 {
		t.Fatalf("netns del of the symlink touched its target: %v, %d mounts", got, mountCount(t, sb))
	}

	// A namespace of another kind (uts) mounted on a /run/netns name.
	sb.MustSh("touch /run/netns/uts && mount --bind /proc/self/ns/uts /run/netns/uts")
	WantFail(t, sb.NSNet("-n", "uts", "link", "show"), 1, "uts", "not a network namespace")
	WantFail(t, sb.NSNet("netns", "exec", "uts", "true"), 1, "uts", "not a network namespace")
	if out := sb.MustNSNet("netns", "list"); !strings.Contains(out, "uts (stale") {
		t.Fatalf("list: %q", out)
	}
	sb.MustNSNet("netns", "del", "uts")
	// A directory and a plain file: refused, and del does not recurse.
	sb.MustSh("mkdir /run/netns/adir && touch /run/netns/adir/keep && echo junk > /run/netns/junk")
	WantFail(t, sb.NSNet("-n", "adir", "link"), 1, "adir", "not a network namespace")
	WantFail(t, sb.NSNet("-n", "junk", "link"), 1, "junk", "not a network namespace")
	WantFail(t, sb.NSNet("netns", "del", "adir"), 1, "adir")
	sb.Must("test", "-f", "/run/netns/adir/keep")
	sb.MustNSNet("netns", "del", "junk")
	// A FIFO: opening it must not block nsnet forever.
	sb.Must("mkfifo", "/run/netns/fifo")
	WantFail(t, sb.NSNet("-n", "fifo", "link"), 1, "fifo", "not a network namespace")
	WantFail(t, sb.NSNet("netns", "exec", "fifo", "true"), 1, "fifo", "not a network namespace")
	if out := sb.MustNSNet("netns", "list"); !strings.Contains(out, "fifo (stale") {
		t.Fatalf("list: %q", out)
	}
	sb.MustNSNet("netns", "del", "fifo")
	if n := mountCount(t, sb); n != 1 {
		t.Fatalf("%d nsfs mounts, want 1", n)
	}

	// /etc/netns/r1 is a symlink to a directory: not bound over /etc.
	sb.MustSh("mkdir -p /run/evil && echo 'nameserver 192.0.2.66' > /run/evil/resolv.conf && ln -s /run/evil /etc/netns/r1")
	r := sb.NSNet("netns", "exec", "r1", "cat", "/etc/resolv.conf")
	if r.Code != 0 || strings.Contains(r.Stdout, "192.0.2.66") || !strings.Contains(r.Stderr, "/etc/netns/r1") {
		t.Fatalf("symlinked /etc/netns/r1: %s", r)
	}

	// /run/netns itself a symlink to a directory: followed, as by ip.
	sb.MustSh("umount -l /run/netns/r1 && umount -l /run/netns && rm -rf /run/netns && mkdir /run/elsewhere && ln -s /run/elsewhere /run/netns")
	sb.MustNSNet("netns", "add", "moved")
	sb.Must("test", "-e", "/run/elsewhere/moved")
	if !strings.Contains(sb.Must("ip", "netns", "list"), "moved") {
		t.Fatal("ip does not see the namespace made through the symlinked /run/netns")
	}
	sb.MustNSNet("-n", "moved", "link", "show", "lo")
	sb.MustNSNet("netns", "del", "moved")
	if out := sb.Must("ls", "-A", "/run/elsewhere"); out != "" || mountCount(t, sb) != 0 {
		t.Fatalf("left in /run/elsewhere: %q, %d mounts", out, mountCount(t, sb))
	}
}
