package tests

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nsnet/nsnet/nat"
)

// The test binary doubles as a client of package nat's attachment API
// (which nsnet's CNI plugin drives; nothing on the command line does):
// with NSNET_ATTACH_HELPER=add it reads a JSON nat.Attachment from stdin
// and adds it (check: checks it), with del:ID/IFNAME it deletes one, with gc it reads a JSON
// list of keys to keep and prints the keys removed, with list it prints
// the keys present, one "ID/IFNAME" a line. Each runs in the network
// namespace it is started in, as a separate process.
func init() {
	if mode := os.Getenv("NSNET_ATTACH_HELPER"); mode != "" {
		os.Exit(attachHelper(mode))
	}
}

func attachHelper(mode string) int {
	verb, arg, _ := strings.Cut(mode, ":")
	switch verb {
	case "udprecv":
		// Print every datagram's payload, one a line.
		pc, err := net.ListenPacket("udp", arg)
		if err != nil {
			fmt.Println("error:", err)
			return 1
		}
		fmt.Println("ready")
		buf := make([]byte, 512)
		for {
			n, _, err := pc.ReadFrom(buf)
			if err != nil {
				return 1
			}
			fmt.Println(string(buf[:n]))
		}
	case "udpsend":
		// udpsend:SRCPORT,DST,PAYLOAD from an unconnected socket (ICMP
		// errors do not stop it).
		f := strings.SplitN(arg, ",", 3)
		pc, err := net.ListenPacket("udp", ":"+f[0])
		if err != nil {
			fmt.Println("error:", err)
			return 1
		}
		defer pc.Close()
		dst, err := net.ResolveUDPAddr("udp", f[1])
		if err == nil {
			_, err = pc.WriteTo([]byte(f[2]), dst)
		}
		if err != nil {
			fmt.Println("error:", err)
			return 1
		}
		return 0
	}
	c, err := nat.Dial(nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer c.Close()
	switch verb {
	case "add":
		var a nat.Attachment
		if err := json.NewDecoder(os.Stdin).Decode(&a); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		err = c.AddAttachment(a)
	case "check":
		var a nat.Attachment
		if err := json.NewDecoder(os.Stdin).Decode(&a); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		err = c.CheckAttachment(a)
	case "conntrack":
		var a nat.Attachment
		if err := json.NewDecoder(os.Stdin).Decode(&a); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		var n int
		n, err = c.DeleteStaleConntrack(a)
		fmt.Println(n)
	case "del":
		id, ifname, _ := strings.Cut(arg, "/")
		err = c.DelAttachment(id, ifname)
	case "gc":
		var keep []nat.AttachmentKey
		if err := json.NewDecoder(os.Stdin).Decode(&keep); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		var removed []nat.AttachmentKey
		removed, err = c.GCAttachments(keep)
		for _, k := range removed {
			fmt.Println(k)
		}
	case "list":
		var keys []nat.AttachmentKey
		keys, err = c.Attachments()
		for _, k := range keys {
			fmt.Println(k)
		}
	default:
		return 2
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// attach runs the attachment helper in the sandbox with stdin and returns
// its result.
func attach(t *testing.T, sb *Sandbox, mode string, stdin any) Result {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	in, err := json.Marshal(stdin)
	if err != nil {
		t.Fatal(err)
	}
	cmd := sb.Cmd(exe)
	cmd.Env = append(os.Environ(), "NSNET_ATTACH_HELPER="+mode)
	cmd.Stdin = strings.NewReader(string(in))
	var o, e strings.Builder
	cmd.Stdout, cmd.Stderr = &o, &e
	r := Result{}
	if err := cmd.Run(); err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatal(err)
		}
		r.Code = ee.ExitCode()
	}
	r.Stdout, r.Stderr = o.String(), e.String()
	return r
}

func mustAttach(t *testing.T, sb *Sandbox, mode string, stdin any) string {
	t.Helper()
	r := attach(t, sb, mode, stdin)
	if r.Code != 0 {
		t.Fatalf("attachment helper %s: %s", mode, r)
	}
	return r.Stdout
}

// attachTopology builds a container network in the sandbox, which is the
// host: bridge br0 (10.99.0.1/24, fd99::1/64) with containers c1 (.2,
// ::2) and c2 (.3, ::3), and netns ext, a stand-in outside host
// (192.0.2.2, 2001:db8::2) behind the host's ext0 (192.0.2.1,
// 2001:db8::1) with no route to the containers' network, so that only
// masquerade gets their traffic back. br0 has route_localnet (what
// nat.RouteLocalnetSysctl names) and c1's port hairpin, as the bridge
// plugin's hairpinMode sets it.
func attachTopology(t *testing.T, sb *Sandbox) {
	t.Helper()
	sb.MustSh(`set -e
sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip link add br0 type bridge
ip link set br0 up
ip addr add 10.99.0.1/24 dev br0
ip addr add fd99::1/64 dev br0 nodad
sysctl -qw ` + nat.RouteLocalnetSysctl("br0") + `=1
for n in 2 3; do
  ip netns add c$n
  ip link add vc$n type veth peer name eth0 netns c$n
  ip link set vc$n master br0 up
  ip -n c$n link set lo up
  ip -n c$n link set eth0 up
  ip -n c$n addr add 10.99.0.$n/24 dev eth0
  ip -n c$n addr add fd99::$n/64 dev eth0 nodad
  ip -n c$n route add default via 10.99.0.1
  ip -n c$n route add default via fd99::1
done
bridge link set dev vc2 hairpin on
ip netns add ext
ip link add ext0 type veth peer name eth0 netns ext
ip link set ext0 up
ip addr add 192.0.2.1/24 dev ext0
ip addr add 2001:db8::1/64 dev ext0 nodad
ip -n ext link set lo up
ip -n ext link set eth0 up
ip -n ext addr add 192.0.2.2/24 dev eth0
ip -n ext addr add 2001:db8::2/64 dev eth0 nodad
`)
}

var (
	attachNet4 = netip.MustParsePrefix("10.99.0.0/24")
	attachNet6 = netip.MustParsePrefix("fd99::/64")
)

// containerAttachment is the attachment of container cN (N = 2, 3, ...)
// with masquerade of its addresses except to the network, and the port
// mappings given as host port -> container port (IPv4 and IPv6 each).
func containerAttachment(n int, ports map[uint16]uint16) nat.Attachment {
	a4 := netip.MustParseAddr(fmt.Sprintf("10.99.0.%d", n))
	a6 := netip.MustParseAddr(fmt.Sprintf("fd99::%x", n))
	a := nat.Attachment{
		ID: fmt.Sprintf("c%d", n), IfName: "eth0",
		Masquerade:        []netip.Prefix{netip.PrefixFrom(a4, 32), netip.PrefixFrom(a6, 128)},
		MasqueradeExclude: []netip.Prefix{attachNet4, attachNet6},
		SNATHairpin:       true,
		HostLocalhost:     true,
	}
	hps := make([]uint16, 0, len(ports))
	for hp := range ports {
		hps = append(hps, hp)
	}
	slices.Sort(hps)
	for _, hp := range hps {
		for _, ip := range []netip.Addr{a4, a6} {
			a.PortMaps = append(a.PortMaps, nat.PortMap{HostPort: hp, ContainerIP: ip, ContainerPort: ports[hp], Proto: "tcp"})
		}
	}
	return a
}

// nsnetRuleset returns `nft list table inet nsnet` without handles and
// counter values, or "" when there is no table.
func nsnetRuleset(t *testing.T, sb *Sandbox) string {
	t.Helper()
	r := sb.Run("nft", "list", "table", "inet", "nsnet")
	if r.Code != 0 {
		return ""
	}
	return regexp.MustCompile(`packets \d+ bytes \d+`).ReplaceAllString(r.Stdout, "packets 0 bytes 0")
}

// attachLinesWith returns the lines of s that contain sub.
func attachLinesWith(s, sub string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, strings.TrimSpace(l))
		}
	}
	return out
}

// TestNatAttachmentTraffic: one attachment's port mappings are reachable
// from outside, from the host at its own address and at 127.0.0.1, from a
// neighbour container and from the target itself (hairpin), in IPv4 and
// IPv6; container traffic to the outside host is masqueraded; nft, the
// oracle, lists the rules under the attachment's comment and counter.
func TestNatAttachmentTraffic(t *testing.T) {
	sb := NewSandbox(t)
	attachTopology(t, sb)
	mustAttach(t, sb, "add", containerAttachment(2, map[uint16]uint16{8080: 80}))
	mustAttach(t, sb, "add", containerAttachment(3, nil))
	if r := attach(t, sb, "add", containerAttachment(2, nil)); r.Code == 0 || !strings.Contains(r.Stderr, "already") {
		t.Errorf("second add of c2/eth0: %s", r)
	}
	serve(t, sb, "c2", "[::]:80")
	serve(t, sb, "ext", "[::]:9000")

	rs := nsnetRuleset(t, sb)
	if got := len(attachLinesWith(rs, `comment "nsnet attachment c2 eth0"`)); got != 2+2*2+3 {
		t.Errorf("c2 has %d rules, want 9 (2 masquerade, 4 dnat, 3 hairpin):\n%s", got, rs)
	}
	for _, want := range []string{
		`counter cni/c2/eth0`, `counter cni/c3/eth0`,
		`ip saddr 10.99.0.2 ip daddr != 10.99.0.0/24 ip daddr != 224.0.0.0/4 counter name "cni/c2/eth0" masquerade`,
		`ip6 saddr fd99::2 ip6 daddr != fd99::/64 ip6 daddr != ff00::/8 counter name "cni/c2/eth0" masquerade`,
		`fib daddr type local tcp dport 8080 counter name "cni/c2/eth0" dnat ip to 10.99.0.2:80`,
		`fib daddr type local tcp dport 8080 counter name "cni/c2/eth0" dnat ip6 to [fd99::2]:80`,
		`ct status dnat ip saddr 10.99.0.0/24 ip daddr 10.99.0.2 tcp dport 80 counter name "cni/c2/eth0" masquerade`,
		`ct status dnat ip saddr 127.0.0.0/8 ip daddr 10.99.0.2 tcp dport 80 counter name "cni/c2/eth0" masquerade`,
	} {
		if !strings.Contains(rs, want) {
			t.Errorf("nft list lacks %q:\n%s", want, rs)
		}
	}

	// nsnet nat show lists the attachments, one line each.
	if got := sb.MustNSNet("nat", "show"); got != "attachment c2/eth0\nattachment c3/eth0\n" {
		t.Errorf("nat show:\n%s", got)
	}

	// Linux sends nothing from ::1 out of another interface: ::1 is not
	// mapped, and a connection to it finds no listener on the host.
	if got := dial(t, sb, "", "[::1]:8080"); !strings.Contains(got, "refused") {
		t.Errorf("to [::1]:8080: %q, want connection refused", got)
	}
	for _, c := range []struct{ from, addr, want string }{
		{"ext", "192.0.2.1:8080", "peer=192.0.2.2"},
		{"ext", "[2001:db8::1]:8080", "peer=2001:db8::2"},
		{"", "192.0.2.1:8080", "peer=192.0.2.1"},
		{"", "10.99.0.1:8080", "peer=10.99.0.1"},
		{"", "127.0.0.1:8080", "peer=10.99.0.1"},
		{"", "[2001:db8::1]:8080", "peer=2001:db8::1"},
		{"c3", "192.0.2.1:8080", "peer=10.99.0.1"},
		{"c3", "[2001:db8::1]:8080", "peer=fd99::1"},
		{"c2", "192.0.2.1:8080", "peer=10.99.0.1"},
		{"c2", "[2001:db8::1]:8080", "peer=fd99::1"},
		{"c2", "192.0.2.2:9000", "peer=192.0.2.1"},
		{"c2", "[2001:db8::2]:9000", "peer=2001:db8::1"},
		{"c3", "192.0.2.2:9000", "peer=192.0.2.1"},
	} {
		if got := dial(t, sb, c.from, c.addr); got != c.want {
			t.Errorf("from %q to %s: %q, want %q", c.from, c.addr, got, c.want)
		}
	}
}

// TestNatAttachmentDelAndGC: DelAttachment removes exactly one
// attachment's rules and counter (nft lists the others byte for byte as
// before), twice is fine, the mapping stops working, and the table goes
// with the last attachment; GCAttachments removes every attachment not
// kept; other tables are untouched.
func TestNatAttachmentDelAndGC(t *testing.T) {
	sb := NewSandbox(t)
	attachTopology(t, sb)
	sb.MustSh(`nft add table ip other; nft add chain ip other post '{ type nat hook postrouting priority 50; }'; nft add rule ip other post ip saddr 10.1.0.0/16 masquerade`)
	other := sb.Must("nft", "list", "table", "ip", "other")
	mustAttach(t, sb, "add", containerAttachment(3, nil))
	before := nsnetRuleset(t, sb)
	mustAttach(t, sb, "add", containerAttachment(2, map[uint16]uint16{8080: 80, 8443: 443}))
	serve(t, sb, "c2", "0.0.0.0:80")
	if got := dial(t, sb, "ext", "192.0.2.1:8080"); got != "peer=192.0.2.2" {
		t.Fatalf("before del: %q", got)
	}
	// CHECK: as added, then with one rule deleted behind nsnet's back.
	c2 := containerAttachment(2, map[uint16]uint16{8080: 80, 8443: 443})
	mustAttach(t, sb, "check", c2)
	handle := regexp.MustCompile(`dport 8443 .*"nsnet attachment c2 eth0" # handle (\d+)`).FindStringSubmatch(sb.Must("nft", "-a", "list", "chain", "inet", "nsnet", "prerouting"))
	if handle == nil {
		t.Fatal("no rule for port 8443 in prerouting")
	}
	sb.Must("nft", "delete", "rule", "inet", "nsnet", "prerouting", "handle", handle[1])
	if r := attach(t, sb, "check", c2); r.Code == 0 || !strings.Contains(r.Stderr, "1 of its 16 rules missing") {
		t.Errorf("check after nft delete rule: %s", r)
	}
	mustAttach(t, sb, "del:c2/eth0", nil)
	if after := nsnetRuleset(t, sb); after != before {
		t.Errorf("del c2/eth0 left the table other than before its add:\n--- before\n%s\n--- after\n%s", before, after)
	}
	mustAttach(t, sb, "del:c2/eth0", nil)
	if got := dial(t, sb, "ext", "192.0.2.1:8080"); strings.HasPrefix(got, "peer=") {
		t.Errorf("port mapping still works after del: %q", got)
	}
	mustAttach(t, sb, "del:c3/eth0", nil)
	if rs := nsnetRuleset(t, sb); rs != "" {
		t.Errorf("table left after the last del:\n%s", rs)
	}

	for n := 2; n <= 6; n++ {
		mustAttach(t, sb, "add", containerAttachment(n, map[uint16]uint16{uint16(8000 + n): 80}))
	}
	removed := mustAttach(t, sb, "gc", []nat.AttachmentKey{{ID: "c3", IfName: "eth0"}, {ID: "c5", IfName: "eth0"}, {ID: "gone", IfName: "eth0"}})
	if got := attachSorted(removed); got != "c2/eth0\nc4/eth0\nc6/eth0" {
		t.Errorf("gc removed %q", got)
	}
	if got := attachSorted(mustAttach(t, sb, "list", nil)); got != "c3/eth0\nc5/eth0" {
		t.Errorf("after gc: %q", got)
	}
	rs := nsnetRuleset(t, sb)
	for _, id := range []string{"c2", "c4", "c6"} {
		if strings.Contains(rs, id+"/eth0") || strings.Contains(rs, " "+id+" eth0") {
			t.Errorf("gc left something of %s:\n%s", id, rs)
		}
	}
	if n := len(attachLinesWith(rs, "nsnet attachment c5 eth0")); n != 2+2*2+3 {
		t.Errorf("c5 has %d rules after gc, want 9:\n%s", n, rs)
	}
	if got := sb.Must("nft", "list", "table", "ip", "other"); got != other {
		t.Errorf("table ip other changed:\n%s\n---\n%s", other, got)
	}
	if got := mustAttach(t, sb, "gc", []nat.AttachmentKey{}); attachSorted(got) != "c3/eth0\nc5/eth0" {
		t.Errorf("gc of all removed %q", got)
	}
	if rs := nsnetRuleset(t, sb); rs != "" {
		t.Errorf("table left after gc of all:\n%s", rs)
	}
}

func attachSorted(s string) string {
	l := strings.Fields(s)
	sort.Strings(l)
	return strings.Join(l, "\n")
}

// TestNatAttachmentParallel: 50 processes at once each add an attachment,
// and every other one deletes it again; the table then holds exactly the
// attachments kept, each with all its rules and its counter.
func TestNatAttachmentParallel(t *testing.T) {
	sb := NewSandbox(t)
	const n = 50
	var wg sync.WaitGroup
	errs := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := nat.Attachment{
				ID: fmt.Sprintf("p%02d", i), IfName: "eth0",
				Masquerade:        []netip.Prefix{netip.MustParsePrefix(fmt.Sprintf("10.98.%d.2/32", i))},
				MasqueradeExclude: []netip.Prefix{netip.MustParsePrefix(fmt.Sprintf("10.98.%d.0/24", i))},
				SNATHairpin:       true,
				PortMaps: []nat.PortMap{{HostPort: uint16(20000 + i), ContainerIP: netip.MustParseAddr(fmt.Sprintf("10.98.%d.2", i)),
					ContainerPort: 80, Proto: "tcp"}},
			}
			if r := attach(t, sb, "add", a); r.Code != 0 {
				errs[i] = "add: " + r.String()
				return
			}
			if i%2 == 0 {
				if r := attach(t, sb, "del:"+a.ID+"/eth0", nil); r.Code != 0 {
					errs[i] = "del: " + r.String()
				}
			}
		}()
	}
	wg.Wait()
	for i, e := range errs {
		if e != "" {
			t.Errorf("process %d: %s", i, e)
		}
	}
	var want []string
	for i := 1; i < n; i += 2 {
		want = append(want, fmt.Sprintf("p%02d/eth0", i))
	}
	if got := attachSorted(mustAttach(t, sb, "list", nil)); got != strings.Join(want, "\n") {
		t.Errorf("attachments after the parallel run:\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
	rs := nsnetRuleset(t, sb)
	for i := range n {
		rules := len(attachLinesWith(rs, fmt.Sprintf(`comment "nsnet attachment p%02d eth0"`, i)))
		ctr := strings.Contains(rs, fmt.Sprintf("counter cni/p%02d/eth0 {", i))
		if i%2 == 1 && (rules != 4 || !ctr) || i%2 == 0 && (rules != 0 || ctr) {
			t.Errorf("p%02d: %d rules, counter %v", i, rules, ctr)
		}
	}
	if got := len(attachLinesWith(rs, "comment")); got != 4*n/2 {
		t.Errorf("%d rules in the table, want %d", got, 4*n/2)
	}
}

// TestNatAttachmentStaleConntrack: a UDP flow to a host port seen before
// its mapping existed keeps bypassing the mapping (NAT is decided on a
// flow's first packet) until DeleteStaleConntrack removes its conntrack
// entry, and only that one; then the flow's next datagram reaches the
// container.
func TestNatAttachmentStaleConntrack(t *testing.T) {
	sb := NewSandbox(t)
	attachTopology(t, sb)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := sb.Cmd("ip", "netns", "exec", "c2", exe)
	cmd.Env = append(os.Environ(), "NSNET_ATTACH_HELPER=udprecv:[::]:5000")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string, 10)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	if l := <-lines; l != "ready" {
		t.Fatalf("udp server: %q", l)
	}
	send := func(src int, dst, payload string) {
		t.Helper()
		c := sb.Cmd("ip", "netns", "exec", "ext", exe)
		c.Env = append(os.Environ(), fmt.Sprintf("NSNET_ATTACH_HELPER=udpsend:%d,%s,%s", src, dst, payload))
		if o, err := c.CombinedOutput(); err != nil {
			t.Fatalf("udpsend: %v %s", err, o)
		}
	}
	received := func() string {
		select {
		case l := <-lines:
			return l
		case <-time.After(time.Second):
			return ""
		}
	}
	// NAT hooks that exist when a flow starts decide its NAT then (with
	// none registered, the flow's NAT would be decided on its next
	// packet): another container's attachment makes them exist.
	mustAttach(t, sb, "add", containerAttachment(3, nil))
	send(40000, "192.0.2.1:5000", "before")
	send(40001, "192.0.2.1:5001", "other port")
	a := containerAttachment(2, nil)
	a.PortMaps = []nat.PortMap{{HostPort: 5000, ContainerIP: netip.MustParseAddr("10.99.0.2"), ContainerPort: 5000, Proto: "udp"}}
	mustAttach(t, sb, "add", a)
	send(40000, "192.0.2.1:5000", "stale")
	if got := received(); got != "" {
		t.Fatalf("the flow seen before the mapping reached the container: %q", got)
	}
	if got := strings.TrimSpace(mustAttach(t, sb, "conntrack", a)); got != "1" {
		t.Errorf("deleted %s conntrack entries, want 1", got)
	}
	send(40000, "192.0.2.1:5000", "after")
	if got := received(); got != "after" {
		t.Errorf("after DeleteStaleConntrack the container got %q, want \"after\"", got)
	}
	send(40002, "192.0.2.1:5000", "new flow")
	if got := received(); got != "new flow" {
		t.Errorf("a new flow: %q", got)
	}
}
