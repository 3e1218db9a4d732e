package tests

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// The test binary doubles as a tiny TCP server and client for the traffic
// tests (nc is not installed): with NSNET_NAT_HELPER=serve:ADDR it
// listens, says "ready", and answers every connection with the peer's
// address; with dial:ADDR it connects and prints the answer.
func init() {
	if mode := os.Getenv("NSNET_NAT_HELPER"); mode != "" {
		os.Exit(natHelper(mode))
	}
}

func natHelper(mode string) int {
	verb, addr, _ := strings.Cut(mode, ":")
	switch verb {
	case "serve":
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			fmt.Println("error:", err)
			return 1
		}
		fmt.Println("ready")
		for {
			c, err := ln.Accept()
			if err != nil {
				return 1
			}
			fmt.Fprintf(c, "peer=%s\n", c.RemoteAddr().(*net.TCPAddr).IP)
			c.Close()
		}
	case "dial":
		c, err := net.DialTimeout("tcp", addr, 3*time.Second)
		if err != nil {
			fmt.Println("error:", err)
			return 1
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(3 * time.Second))
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			fmt.Println("error:", err)
			return 1
		}
		fmt.Print(line)
		return 0
	}
	return 2
}

// natTopology builds the seed's network in the sandbox with iproute2: the
// sandbox itself is the router; netns client (192.168.11.101, default
// route via the router's veth0s0) and netns wan (198.51.100.1 behind the
// router's ens33, with no route back to 192.168.11.0/24) stand for a
// container and the Internet.
func natTopology(t *testing.T, sb *Sandbox) {
	t.Helper()
	sb.MustSh(`set -e
ip netns add client
ip netns add wan
ip link add veth0s0 type veth peer name veth0s1 netns client
ip addr add 192.168.11.1/24 dev veth0s0
ip link set veth0s0 up
ip -n client addr add 192.168.11.101/24 dev veth0s1
ip -n client link set veth0s1 up
ip -n client link set lo up
ip -n client route add default via 192.168.11.1
ip link add ens33 type veth peer name eth0 netns wan
ip addr add 198.51.100.2/24 dev ens33
ip link set ens33 up
ip -n wan addr add 198.51.100.1/24 dev eth0
ip -n wan link set eth0 up
ip -n wan link set lo up
echo 1 > /proc/sys/net/ipv4/ip_forward
`)
}

// serve starts the helper server in namespace ns ("" for the sandbox
// itself) and stops it when the test ends.
func serve(t *testing.T, sb *Sandbox, ns, addr string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	argv := []string{exe}
	if ns != "" {
		argv = append([]string{"ip", "netns", "exec", ns}, argv...)
	}
	cmd := sb.Cmd(argv...)
	cmd.Env = append(os.Environ(), "NSNET_NAT_HELPER=serve:"+addr)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, _ := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		t.Fatalf("server in %q on %s: %q", ns, addr, line)
	}
	go io.Copy(io.Discard, out)
}

// dial connects from namespace ns to addr with the helper and returns
// what the server said ("peer=ADDR") or the error.
func dial(t *testing.T, sb *Sandbox, ns, addr string) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	argv := []string{exe}
	if ns != "" {
		argv = append([]string{"ip", "netns", "exec", ns}, argv...)
	}
	cmd := sb.Cmd(argv...)
	cmd.Env = append(os.Environ(), "NSNET_NAT_HELPER=dial:"+addr)
	out, _ := cmd.CombinedOutput()
	return strings.TrimSpace(string(out))
}

// nftRules returns the rules of table inet nsnet as nft -j decodes them:
// comment -> list of expression lists, inline counters zeroed (a named
// counter, {"counter":"NAME"}, stays as it is).
func nftRules(t *testing.T, sb *Sandbox) map[string][]any {
	t.Helper()
	var doc struct {
		Nftables []map[string]json.RawMessage `json:"nftables"`
	}
	if err := json.Unmarshal([]byte(sb.Must("nft", "-j", "list", "ruleset")), &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string][]any{}
	for _, o := range doc.Nftables {
		raw, ok := o["rule"]
		if !ok {
			continue
		}
		var r struct {
			Family, Table, Chain, Comment string
			Expr                          []any
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatal(err)
		}
		if r.Family != "inet" || r.Table != "nsnet" {
			continue
		}
		for _, e := range r.Expr {
			if m, ok := e.(map[string]any); ok {
				if _, ok := m["counter"].(map[string]any); ok {
					m["counter"] = map[string]any{"packets": 0.0, "bytes": 0.0}
				}
			}
		}
		out[r.Comment] = append(out[r.Comment], map[string]any{"chain": r.Chain, "expr": r.Expr})
	}
	return out
}

func mustJSON(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad JSON in test: %v\n%s", err, s)
	}
	return v
}

// TestNatRulesAsNftSeesThem: nft, the oracle, decodes every rule nsnet
// writes into the intended statement.
func TestNatRulesAsNftSeesThem(t *testing.T) {
	sb := NewSandbox(t)
	sb.MustNSNet("nat", "masquerade", "add", "192.168.11.0/24", "out", "ens33")
	sb.MustNSNet("nat", "masquerade", "add", "2001:db8:11::/60")
	sb.MustNSNet("nat", "forward", "add", "veth0s0", "ens33")
	sb.MustNSNet("nat", "publish", "add", "8080", "to", "192.168.11.101:80")
	sb.MustNSNet("nat", "publish", "add", "[2001:db8::1]:8053/udp", "to", "[2001:db8:11::101]:53", "in", "ens33")
	// Every rule counts into its object's named counter.
	counter := func(name string) string { return `{"counter":"` + name + `"}` }
	nfp := func(v string) string {
		return `{"match":{"op":"==","left":{"meta":{"key":"nfproto"}},"right":"` + v + `"}}`
	}
	local := `{"match":{"op":"==","left":{"fib":{"result":"type","flags":["daddr"]}},"right":"local"}}`
	dport := func(p string, n int) string {
		return fmt.Sprintf(`{"match":{"op":"==","left":{"payload":{"protocol":"%s","field":"dport"}},"right":%d}}`, p, n)
	}
	fwd := func(in, out string) string {
		return `{"chain":"forward","expr":[{"match":{"op":"==","left":{"meta":{"key":"iifname"}},"right":"` + in + `"}},` +
			`{"match":{"op":"==","left":{"meta":{"key":"oifname"}},"right":"` + out + `"}},` +
			`{"match":{"op":"in","left":{"ct":{"key":"state"}},"right":["established","related","new"]}},` +
			counter("forward/ens33/veth0s0") + `,{"accept":null}]}`
	}
	dnat4 := `{"dnat":{"family":"ip","addr":"192.168.11.101","port":80}}`
	want := map[string]string{
		"nsnet masquerade 192.168.11.0/24 out ens33": `[{"chain":"postrouting","expr":[
			{"match":{"op":"==","left":{"payload":{"protocol":"ip","field":"saddr"}},"right":{"prefix":{"addr":"192.168.11.0","len":24}}}},
			{"match":{"op":"==","left":{"meta":{"key":"oifname"}},"right":"ens33"}},` + counter("masquerade/192.168.11.0/24/ens33") + `,{"masquerade":null}]}]`,
		"nsnet masquerade 2001:db8:11::/60": `[{"chain":"postrouting","expr":[
			{"match":{"op":"==","left":{"payload":{"protocol":"ip6","field":"saddr"}},"right":{"prefix":{"addr":"2001:db8:11::","len":60}}}},` +
			counter("masquerade/2001-db8-11--/60") + `,{"masquerade":null}]}]`,
		"nsnet forward veth0s0 ens33": `[` + fwd("veth0s0", "ens33") + `,` + fwd("ens33", "veth0s0") + `]`,
		"nsnet publish 8080/tcp to 192.168.11.101:80": `[{"chain":"prerouting","expr":[` + nfp("ipv4") + `,` + local + `,` +
			dport("tcp", 8080) + `,` + counter("publish/tcp/8080") + `,` + dnat4 + `]},{"chain":"output","expr":[` + local + `,` +
			`{"match":{"op":"!=","left":{"payload":{"protocol":"ip","field":"daddr"}},"right":{"prefix":{"addr":"127.0.0.0","len":8}}}},` +
			dport("tcp", 8080) + `,` + counter("publish/tcp/8080") + `,` + dnat4 + `]}]`,
		"nsnet publish [2001:db8::1]:8053/udp to [2001:db8:11::101]:53 in ens33": `[{"chain":"prerouting","expr":[` +
			`{"match":{"op":"==","left":{"payload":{"protocol":"ip6","field":"daddr"}},"right":"2001:db8::1"}},` +
			`{"match":{"op":"==","left":{"meta":{"key":"iifname"}},"right":"ens33"}},` + dport("udp", 8053) + `,` +
			counter("publish/udp/2001-db8--1/8053/in/ens33") + `,` +
			`{"dnat":{"family":"ip6","addr":"2001:db8:11::101","port":53}}]}]`,
	}
	got := nftRules(t, sb)
	if len(got) != len(want) {
		t.Errorf("nft shows %d commented objects, want %d: %v", len(got), len(want), got)
	}
	for c, w := range want {
		if !reflect.DeepEqual(got[c], mustJSON(t, w)) {
			g, _ := json.Marshal(got[c])
			t.Errorf("%s:\n got %s\nwant %s", c, g, mustJSON(t, w))
		}
	}
	// The chains are what the design says.
	chains := sb.Must("nft", "list", "table", "inet", "nsnet")
	for _, c := range []string{
		"type nat hook postrouting priority srcnat; policy accept;",
		"type nat hook prerouting priority dstnat; policy accept;",
		"type nat hook output priority -100; policy accept;",
		"type filter hook forward priority filter; policy accept;",
	} {
		if !strings.Contains(chains, c) {
			t.Errorf("table lacks %q:\n%s", c, chains)
		}
	}
	// nsnet reads back what it wrote, intact, in the same words.
	show := sb.MustNSNet("nat", "show")
	for c := range want {
		if !strings.Contains(show, strings.TrimPrefix(c, "nsnet ")+"\n") {
			t.Errorf("nat show lacks %q:\n%s", c, show)
		}
	}
	if strings.Contains(show, "modified") {
		t.Errorf("nat show says modified:\n%s", show)
	}
	var entries []struct {
		Type   string `json:"type"`
		Intact bool   `json:"intact"`
		Rules  []struct {
			Statement string `json:"statement"`
		} `json:"rules"`
	}
	if err := json.Unmarshal([]byte(sb.MustNSNet("-j", "nat", "show")), &entries); err != nil || len(entries) != 5 {
		t.Fatalf("nat show -j: %v %v", err, entries)
	}
	if s := entries[0].Rules[0].Statement; s != `meta nfproto ipv4 ip saddr 192.168.11.0/24 oifname "ens33" counter name "masquerade/192.168.11.0/24/ens33" masquerade` {
		t.Errorf("decoded statement: %q", s)
	}
	// One named counter per object, and `nft list ruleset` is a file nft
	// loads again (the names need no quotes).
	counters := sb.Must("nft", "list", "counters", "table", "inet", "nsnet")
	for _, n := range []string{"masquerade/192.168.11.0/24/ens33", "masquerade/2001-db8-11--/60", "forward/ens33/veth0s0",
		"publish/tcp/8080", "publish/udp/2001-db8--1/8053/in/ens33"} {
		if !strings.Contains(counters, "counter "+n+" {") {
			t.Errorf("no counter %s:\n%s", n, counters)
		}
	}
	if n := strings.Count(counters, "counter "); n != 5 {
		t.Errorf("%d counters, want 5:\n%s", n, counters)
	}
	writeFile(t, sb, "/run/ruleset.nft", "flush ruleset\n"+sb.Must("nft", "list", "ruleset"))
	sb.Must("nft", "-c", "-f", "/run/ruleset.nft")
}

// TestNatMasqueradeTraffic: the client reaches the wan host only once
// masquerade is on, and the wan host sees the router's address.
func TestNatMasqueradeTraffic(t *testing.T) {
	sb := NewSandbox(t)
	natTopology(t, sb)
	serve(t, sb, "wan", "198.51.100.1:7000")
	if out := dial(t, sb, "client", "198.51.100.1:7000"); !strings.HasPrefix(out, "error:") {
		t.Fatalf("reached wan without masquerade: %q", out)
	}
	sb.MustNSNet("nat", "masquerade", "add", "192.168.11.0/24", "out", "ens33")
	if out := dial(t, sb, "client", "198.51.100.1:7000"); out != "peer=198.51.100.2" {
		t.Fatalf("with masquerade: %q, want the router's address", out)
	}
	// Counted, and shown with -s.
	if out := sb.MustNSNet("-s", "nat", "show"); strings.Contains(out, "packets 0 ") {
		t.Errorf("counter did not count: %q", out)
	}
	sb.MustNSNet("nat", "masquerade", "del", "192.168.11.0/24", "out", "ens33")
	if out := sb.Must("nft", "list", "ruleset"); strings.Contains(out, "nsnet") {
		t.Fatalf("table left after the last delete:\n%s", out)
	}
}

// TestNatPublishTraffic: a server in the client namespace answers the wan
// host, and the router itself, through publish.
func TestNatPublishTraffic(t *testing.T) {
	sb := NewSandbox(t)
	natTopology(t, sb)
	serve(t, sb, "client", "0.0.0.0:80")
	if out := dial(t, sb, "wan", "198.51.100.2:8080"); !strings.HasPrefix(out, "error:") {
		t.Fatalf("port open before publish: %q", out)
	}
	sb.MustNSNet("nat", "publish", "add", "8080", "to", "192.168.11.101:80")
	sb.MustNSNet("nat", "forward", "add", "veth0s0", "ens33")
	if out := dial(t, sb, "wan", "198.51.100.2:8080"); out != "peer=198.51.100.1" {
		t.Fatalf("wan -> router:8080: %q", out)
	}
	// From the router itself to its own addresses (output hook).
	for _, a := range []string{"198.51.100.2:8080", "192.168.11.1:8080"} {
		if out := dial(t, sb, "", a); out != "peer="+strings.Split(a, ":")[0] {
			t.Fatalf("router -> %s: %q", a, out)
		}
	}
	// Only local addresses are published: the client's own connections to
	// port 8080 elsewhere pass through untouched.
	sb.MustNSNet("nat", "masquerade", "add", "192.168.11.0/24")
	if out := dial(t, sb, "client", "198.51.100.1:8080"); !strings.Contains(out, "refused") {
		t.Fatalf("transit connection to 8080 was hijacked: %q", out)
	}
	// Another target for the same port is refused; deleting works.
	WantFail(t, sb.NSNet("nat", "publish", "add", "8080/tcp", "to", "192.168.11.102:80"), 1, "already published", "192.168.11.101:80")
	sb.MustNSNet("nat", "publish", "del", "8080/tcp", "to", "192.168.11.101:80")
	if out := dial(t, sb, "wan", "198.51.100.2:8080"); !strings.HasPrefix(out, "error:") {
		t.Fatalf("port still open after del: %q", out)
	}
}

// foreignTables creates tables nsnet must never touch: iptables-nft's
// shape in ip filter (FORWARD policy drop, as Docker sets it) and ip nat,
// and a user's inet table.
const foreignTables = `set -e
nft add table ip filter
nft add chain ip filter INPUT '{ type filter hook input priority 0; policy accept; }'
nft add chain ip filter FORWARD '{ type filter hook forward priority 0; policy drop; }'
nft add chain ip filter OUTPUT '{ type filter hook output priority 0; policy accept; }'
nft add rule ip filter FORWARD iifname '"docker0"' counter accept
nft add table ip nat
nft add chain ip nat POSTROUTING '{ type nat hook postrouting priority 100; policy accept; }'
nft add rule ip nat POSTROUTING ip saddr 192.0.2.0/24 counter masquerade
nft add table inet mine
nft add chain inet mine c '{ type filter hook forward priority 10; policy accept; }'
nft add rule inet mine c tcp dport 22 accept comment '"nsnet masquerade 192.0.2.0/24"'

`

func foreignState(t *testing.T, sb *Sandbox) string {
	return sb.Must("nft", "-a", "list", "table", "ip", "filter") +
		sb.Must("nft", "-a", "list", "table", "ip", "nat") +
		sb.Must("nft", "-a", "list", "table", "inet", "mine")
}

// TestNatForeignTablesUntouched: add, del and flush leave other tables
// byte-identical, and forward add warns about the drop policy.
func TestNatForeignTablesUntouched(t *testing.T) {
	sb := NewSandbox(t)
	sb.MustSh(foreignTables)
	before := foreignState(t, sb)
	r := sb.NSNet("nat", "forward", "add", "veth0s0", "ens33")
	if r.Code != 0 || !strings.Contains(r.Stderr, "table ip filter chain FORWARD") || !strings.Contains(r.Stderr, "policy drop") {
		t.Fatalf("forward add with a drop policy elsewhere: %s", r)
	}
	sb.MustNSNet("nat", "masquerade", "add", "192.0.2.0/24")
	sb.MustNSNet("nat", "publish", "add", "8080", "to", "192.168.11.101:80")
	if got := foreignState(t, sb); got != before {
		t.Fatalf("add changed other tables:\n--- before\n%s--- after\n%s", before, got)
	}
	// The user's rule with an nsnet-like comment in another table is not ours.
	if out := sb.MustNSNet("nat", "show"); strings.Count(out, "masquerade 192.0.2.0/24") != 1 {
		t.Fatalf("show: %q", out)
	}
	sb.MustNSNet("nat", "masquerade", "del", "192.0.2.0/24")
	if got := foreignState(t, sb); got != before {
		t.Fatalf("del changed other tables:\n--- before\n%s--- after\n%s", before, got)
	}
	sb.MustNSNet("nat", "flush")
	if got := foreignState(t, sb); got != before {
		t.Fatalf("flush changed other tables:\n--- before\n%s--- after\n%s", before, got)
	}
	if strings.Contains(sb.Must("nft", "list", "tables"), "nsnet") {
		t.Fatal("flush left the nsnet table")
	}
	// Flushing again is a note, not an error.
	if r := sb.NSNet("nat", "flush"); r.Code != 0 || !strings.Contains(r.Stderr, "nothing to do") {
		t.Fatalf("second flush: %s", r)
	}
}

// TestNatIdempotentAndConcurrent: adding twice notes and succeeds; ten
// nsnet processes adding one rule at once leave exactly one; deleting
// what is absent fails with one line naming it.
func TestNatIdempotentAndConcurrent(t *testing.T) {
	sb := NewSandbox(t)
	sb.MustNSNet("nat", "masquerade", "add", "192.168.11.0/24", "out", "ens33")
	r := sb.NSNet("nat", "masquerade", "add", "192.168.11.0/24", "out", "ens33")
	if r.Code != 0 || !strings.Contains(r.Stderr, "already there") {
		t.Fatalf("second add: %s", r)
	}
	// forward B A is forward A B.
	sb.MustNSNet("nat", "forward", "add", "veth0s0", "ens33")
	if r := sb.NSNet("nat", "forward", "add", "ens33", "veth0s0"); r.Code != 0 || !strings.Contains(r.Stderr, "already") {
		t.Fatalf("reversed forward add: %s", r)
	}
	var wg sync.WaitGroup
	res := make([]Result, 10)
	for i := range res {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = sb.NSNet("nat", "publish", "add", "8443", "to", "192.168.11.101:443")
		}()
	}
	wg.Wait()
	for i, r := range res {
		if r.Code != 0 {
			t.Errorf("concurrent add %d: %s", i, r)
		}
	}
	if n := len(nftRules(t, sb)["nsnet publish 8443/tcp to 192.168.11.101:443"]); n != 2 {
		t.Fatalf("concurrent adds left %d rules, want 2 (prerouting and output)", n)
	}
	// Concurrent adds of different objects all land.
	for i := range res {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = sb.NSNet("nat", "masquerade", "add", fmt.Sprintf("192.0.2.%d/32", i))
		}()
	}
	wg.Wait()
	rules := nftRules(t, sb)
	for i := range res {
		if res[i].Code != 0 || len(rules[fmt.Sprintf("nsnet masquerade 192.0.2.%d/32", i)]) != 1 {
			t.Errorf("masquerade 192.0.2.%d/32: %s", i, res[i])
		}
	}
	WantFail(t, sb.NSNet("nat", "masquerade", "del", "198.51.100.0/24"), 1, "masquerade 198.51.100.0/24", "not in table")
	WantFail(t, sb.NSNet("nat", "masquerade", "add", "300.1.1.0/24"), 255, "300.1.1.0/24")
	WantFail(t, sb.NSNet("nat", "publish", "add", "8080", "to", "192.168.11.101"), 255, "192.168.11.101")
	WantFail(t, sb.NSNet("nat", "frob"), 255, "frob")
}

// TestNatRepairsEditedRules: a rule of nsnet's removed behind its back
// shows as modified, and add puts it back.
func TestNatRepairsEditedRules(t *testing.T) {
	sb := NewSandbox(t)
	sb.MustNSNet("nat", "forward", "add", "veth0s0", "ens33")
	sb.MustSh(`h=$(nft -a list chain inet nsnet forward | awk '/iifname "ens33"/ {print $NF}'); nft delete rule inet nsnet forward handle $h`)
	if out := sb.MustNSNet("nat", "show"); !strings.Contains(out, "modified") {
		t.Fatalf("show does not see the missing rule: %q", out)
	}
	sb.MustNSNet("nat", "forward", "add", "veth0s0", "ens33")
	if out := sb.MustNSNet("nat", "show"); strings.Contains(out, "modified") || len(nftRules(t, sb)["nsnet forward veth0s0 ens33"]) != 2 {
		t.Fatalf("add did not repair: %q", out)
	}
}

// TestNatBatchGroupsAdds: consecutive nat add lines of a batch go to the
// kernel as a few transactions of up to 64 objects, not one each; the
// warnings come once; a line whose object is there makes its transaction
// fall back to one line at a time, which reports just that line.
func TestNatBatchGroupsAdds(t *testing.T) {
	sb := NewSandbox(t)
	sb.MustNSNet("nat", "forward", "add", "up0", "h100")
	sb.MustNSNet("sysctl", "-w", "net.ipv4.ip_forward=0")
	var lines strings.Builder
	lines.WriteString("nat masquerade add 10.200.0.0/16\n")
	for i := range 150 {
		fmt.Fprintf(&lines, "nat forward add up0 h%d\n", i)
	}
	writeFile(t, sb, "/run/group.nsnet", lines.String())
	r := sb.NSNet("--trace", "-batch", "/run/group.nsnet")
	if r.Code != 0 {
		t.Fatal(r)
	}
	// 151 objects: two transactions of 64 (the second holds h100, which
	// is there: refused, then its 64 lines one by one), then one of 23.
	for w, n := range map[string]int{
		"→ NFNL_MSG_BATCH_END ":      1 + 1 + 64 + 1,
		"ack for NFNL_MSG_BATCH_END": 1 + 63 + 1,
		"→ NFT_MSG_GETRULE ":         1,
	} {
		if got := strings.Count(r.Stderr, w); got != n {
			t.Errorf("%d × %q, want %d", got, w, n)
		}
	}
	if n := strings.Count(r.Stderr, "already there"); n != 1 {
		t.Errorf("%d notes \"already there\", want 1 (h100)", n)
	}
	if n := strings.Count(r.Stderr, "ip_forward is 0"); n != 1 {
		t.Errorf("%d forwarding warnings, want 1", n)
	}
	rules := nftRules(t, sb)
	for i := range 150 {
		if c := fmt.Sprintf("nsnet forward up0 h%d", i); len(rules[c]) != 2 {
			t.Errorf("%s: %d rules", c, len(rules[c]))
		}
	}
	if len(rules) != 151 {
		t.Errorf("%d objects in the table, want 151", len(rules))
	}
}

// TestNatAddReadsNothing: a new process adding a new object sends one
// batch and reads none of the table's rules, however many there are
// (one-process-per-step scripts stay linear); the named counter is the
// kernel's index, so a duplicate in a new process is still found, and a
// delete takes the counter with the object.
func TestNatAddReadsNothing(t *testing.T) {
	sb := NewSandbox(t)
	var lines strings.Builder
	for i := range 200 {
		fmt.Fprintf(&lines, "nat forward add up0 h%d\n", i)
	}
	writeFile(t, sb, "/run/fwd.nsnet", lines.String())
	sb.MustNSNet("-batch", "/run/fwd.nsnet")
	r := sb.NSNet("--trace", "nat", "forward", "add", "up0", "h200")
	if r.Code != 0 {
		t.Fatal(r)
	}
	for w, n := range map[string]int{
		"→ NFT_MSG_GETRULE ": 0, "→ NFT_MSG_GETOBJ ": 0, "→ NFT_MSG_GETTABLE ": 0,
		"→ NFNL_MSG_BATCH_END ": 1, "→ NFT_MSG_NEWOBJ ": 1, "→ NFT_MSG_NEWRULE ": 2,
		"→ NFT_MSG_NEWCHAIN ": 0, "→ NFT_MSG_NEWTABLE ": 0,
	} {
		if got := strings.Count(r.Stderr, w); got != n {
			t.Errorf("%d × %q, want %d", got, w, n)
		}
	}
	if t.Failed() {
		t.Log(r.Stderr)
	}
	// A duplicate from a new process: refused by the kernel, then found.
	if r := sb.NSNet("nat", "forward", "add", "h7", "up0"); r.Code != 0 || !strings.Contains(r.Stderr, "already there") {
		t.Errorf("duplicate add: %s", r)
	}
	if n := len(nftRules(t, sb)["nsnet forward up0 h7"]); n != 2 {
		t.Errorf("forward up0 h7 has %d rules after a duplicate add, want 2", n)
	}
	// A publish of a published port to another target, from a new process.
	sb.MustNSNet("nat", "publish", "add", "8080", "to", "10.0.0.2:80")
	WantFail(t, sb.NSNet("nat", "publish", "add", "8080", "to", "10.0.0.3:80"), 1, "already published to 10.0.0.2:80")
	// Delete takes the counter along; the other counters stay.
	sb.MustNSNet("nat", "forward", "del", "up0", "h7")
	counters := sb.Must("nft", "list", "counters", "table", "inet", "nsnet")
	if strings.Contains(counters, "forward/h7/up0 ") || !strings.Contains(counters, "forward/h8/up0 ") {
		t.Errorf("counters after deleting forward up0 h7:\n%s", counters)
	}
	if n := strings.Count(counters, "counter "); n != 201 {
		t.Errorf("%d counters, want 201 (200 forwards and a publish)", n)
	}
}

// TestNatNamespaces: -n NAME acts inside the named namespace, as does
// nsnet inside netns exec; the sandbox's own ruleset stays empty.
func TestNatNamespaces(t *testing.T) {
	sb := NewSandbox(t)
	sb.MustNSNet("netns", "add", "router")
	r := sb.NSNet("-n", "router", "nat", "masquerade", "add", "192.168.11.0/24", "out", "ens33")
	if r.Code != 0 || !strings.Contains(r.Stderr, "net.ipv4.ip_forward is 0 in netns router") {
		t.Fatalf("-n router add: %s", r)
	}
	if out := sb.Must("ip", "netns", "exec", "router", "nft", "list", "ruleset"); !strings.Contains(out, `comment "nsnet masquerade 192.168.11.0/24 out ens33"`) {
		t.Fatalf("rule not in router:\n%s", out)
	}
	if out := sb.Must("nft", "list", "ruleset"); out != "" {
		t.Fatalf("the sandbox's own ruleset changed:\n%s", out)
	}
	if out := sb.MustNSNet("netns", "exec", "router", nsnetBin, "nat"); out != "masquerade 192.168.11.0/24 out ens33\n" {
		t.Fatalf("show inside netns exec: %q", out)
	}
	sb.MustNSNet("netns", "exec", "router", nsnetBin, "nat", "flush")
	if out := sb.Must("ip", "netns", "exec", "router", "nft", "list", "ruleset"); out != "" {
		t.Fatalf("flush inside netns exec left:\n%s", out)
	}
}

// TestNatTrace: --trace decodes the batch and each expression.
func TestNatTrace(t *testing.T) {
	sb := NewSandbox(t)
	r := sb.NSNet("--trace", "nat", "masquerade", "add", "192.168.11.0/24", "out", "ens33")
	if r.Code != 0 {
		t.Fatal(r)
	}
	for _, w := range []string{
		"→ NFT_MSG_GETGEN", "← NFT_MSG_NEWGEN", "NFTA_GEN_ID",
		"→ NFNL_MSG_BATCH_BEGIN flags=REQUEST", "NFNL_BATCH_GENID",
		// A new object in a table not read: the first message asks for
		// an echo (the new generation comes back after the commit); the
		// counter is sent with EXCL, and the rule count into it.
		"→ NFT_MSG_GETCHAIN flags=REQUEST|DUMP",
		"→ NFT_MSG_NEWTABLE flags=REQUEST|ACK|ECHO|CREATE", "→ NFT_MSG_NEWCHAIN flags=REQUEST|ACK|CREATE ", "NFTA_HOOK_HOOKNUM postrouting (4)",
		"→ NFT_MSG_NEWOBJ flags=REQUEST|ACK|EXCL|CREATE", `NFTA_OBJ_NAME "masquerade/192.168.11.0/24/ens33"`, "NFTA_OBJ_TYPE counter (1)",
		"→ NFT_MSG_NEWRULE flags=REQUEST|ACK|CREATE|APPEND", "NFTA_EXPR_NAME \"payload\"", "NFTA_PAYLOAD_OFFSET 12",
		"NFTA_EXPR_NAME \"objref\"", `NFTA_OBJREF_IMM_NAME "masquerade/192.168.11.0/24/ens33"`, "← NFT_MSG_NEWGEN",
		"NFTA_META_KEY oifname (7)", "NFTA_DATA_VALUE 0xc0a80b", "NFTA_EXPR_NAME \"masq\"",
		`NFTA_RULE_USERDATA comment "nsnet masquerade 192.168.11.0/24 out ens33"`,
		"→ NFNL_MSG_BATCH_END flags=REQUEST|ACK", "ack for NFNL_MSG_BATCH_END",
	} {
		if !strings.Contains(r.Stderr, w) {
			t.Errorf("trace lacks %q", w)
		}
	}
	if t.Failed() {
		t.Log(r.Stderr)
	}
}

// TestNatBatchKeepsTable: an add of a new object reads nothing of the
// table: its named counter (NEWOBJ with NLM_F_EXCL) and its rules go in
// one batch, and the kernel refuses it if the counter is there. Only then
// (forward h1 up0, which is forward up0 h1) is the table read, once; from
// then on nsnet plans each line from what it last read or wrote, as long
// as the ruleset generation says nobody else changed anything: no dump,
// no NEWTABLE or NEWCHAIN after the first line, and one scan of other
// tables' forward chains.
func TestNatBatchKeepsTable(t *testing.T) {
	sb := NewSandbox(t)
	writeFile(t, sb, "/run/keep.nsnet", "nat masquerade add 10.200.0.0/16\n"+
		"nat forward add up0 h0\nnat forward add up0 h1\nnat forward add up0 h2\n"+
		"nat forward add h1 up0\nnat forward del up0 h2\nnat forward add up0 h2\n")
	r := sb.NSNet("--trace", "-batch", "/run/keep.nsnet")
	if r.Code != 0 {
		t.Fatal(r)
	}
	// The first five lines are adds, which the batch first tries as one
	// transaction (AddAll): GETGEN, GETCHAIN and a batch of the table,
	// its chains, 5 counters and 9 rules, which the kernel refuses (h1 up0
	// is up0 h1). Then they run one by one, as counted after the "+".
	for w, n := range map[string]int{
		"→ NFT_MSG_GETGEN ":     1 + 7 + 5, // each line, and each forward add's drop check
		"→ NFT_MSG_GETTABLE ":   1,         // the one read
		"→ NFT_MSG_GETRULE ":    1,         // the one read
		"→ NFT_MSG_GETOBJ ":     1,         // the one read
		"→ NFT_MSG_GETCHAIN ":   1 + 1 + 1, // the first add (which serves the drop check too), the one read
		"→ NFT_MSG_NEWTABLE ":   1 + 1,
		"→ NFT_MSG_NEWCHAIN ":   4 + 4,
		"→ NFT_MSG_NEWOBJ ":     5 + 1 + 3 + 1 + 1, // masquerade, 3 forwards, the refused one, h2 again
		"→ NFT_MSG_NEWRULE ":    9 + 1 + 2*3 + 2 + 2,
		"→ NFT_MSG_DELRULE ":    2,
		"→ NFT_MSG_DELOBJ ":     1,
		"→ NFNL_MSG_BATCH_END ": 1 + 7,
	} {
		if got := strings.Count(r.Stderr, w); got != n {
			t.Errorf("%d × %q, want %d", got, w, n)
		}
	}
	if !strings.Contains(r.Stderr, "EEXIST") {
		t.Errorf("no counter refused with EEXIST")
	}
	if n := strings.Count(sb.Must("nft", "list", "counters"), "counter "); n != 4 {
		t.Errorf("%d counters, want 4 (masquerade, forward up0 h0, h1, h2)", n)
	}
	if strings.Count(r.Stderr, "already there") != 1 {
		t.Errorf("want one \"already there\" (forward h1 up0):\n%s", r.Stderr)
	}
	rules := nftRules(t, sb)
	for _, c := range []string{"nsnet forward up0 h0", "nsnet forward up0 h1", "nsnet forward up0 h2"} {
		if len(rules[c]) != 2 {
			t.Errorf("%s: %d rules", c, len(rules[c]))
		}
	}
	if t.Failed() {
		t.Log(r.Stderr)
	}
}

// TestNatBatchSeesChangesBehindItsBack: what nsnet keeps of its table
// between the lines of a batch is used only while the ruleset generation
// is the one it read or wrote. Changes made between two lines by nft or
// by another nsnet move the generation, and the next line reads the
// table again: a rule deleted behind nsnet's back is put back, a deleted
// table is created again, an object another process added is not added
// twice, one it deleted is added again, and a drop policy another table
// got is warned about.
func TestNatBatchSeesChangesBehindItsBack(t *testing.T) {
	sb := NewSandbox(t)
	writeFile(t, sb, "/run/delrule.sh", `h=$(nft -a list chain inet nsnet forward | awk '/iifname "b0"/ {print $NF}')
nft delete rule inet nsnet forward handle $h
`)
	writeFile(t, sb, "/run/drop.sh", `nft add table ip filter
nft add chain ip filter FORWARD '{ type filter hook forward priority 0; policy drop; }'
`)
	writeFile(t, sb, "/run/cache.nsnet", `netns add r
-n r nat forward add a0 b0
-n r nat forward add a1 b1
-n r nat masquerade add 192.0.2.0/24
netns exec r sh /run/delrule.sh
-n r nat forward add a0 b0
-n r nat forward add a0 b0
netns exec r nft delete table inet nsnet
-n r nat forward add a1 b1
netns exec r `+nsnetBin+` nat forward add a3 b3
-n r nat forward add a3 b3
-n r nat forward add a2 b2
netns exec r `+nsnetBin+` nat forward del a2 b2
-n r nat forward add a2 b2
-n r nat forward add a0 b0
-n r nat forward add a1 b1
netns exec r sh /run/drop.sh
-n r nat forward add a4 b4
`)
	r := sb.NSNet("-batch", "/run/cache.nsnet")
	if r.Code != 0 {
		t.Fatal(r)
	}
	// Already there: a0 b0 once repaired, a3 b3 that the other process
	// added, and a1 b1 once added again after the table was deleted.
	for _, o := range []string{"a0 b0", "a3 b3", "a1 b1"} {
		if n := strings.Count(r.Stderr, "nat forward "+o+": already there"); n != 1 {
			t.Errorf("forward %s: %d × \"already there\", want 1", o, n)
		}
	}
	if n := strings.Count(r.Stderr, "already there"); n != 3 {
		t.Errorf("%d × \"already there\", want 3:\n%s", n, r.Stderr)
	}
	// The drop policy added before the last line is seen by that line only.
	if n := strings.Count(r.Stderr, "table ip filter chain FORWARD"); n != 1 {
		t.Errorf("%d warnings about the FORWARD chain's drop, want 1:\n%s", n, r.Stderr)
	}
	out := sb.Must("ip", "netns", "exec", "r", "nft", "list", "ruleset")
	for _, c := range []string{"nsnet forward a0 b0", "nsnet forward a1 b1", "nsnet forward a2 b2", "nsnet forward a3 b3", "nsnet forward a4 b4"} {
		if n := strings.Count(out, `comment "`+c+`"`); n != 2 {
			t.Errorf("%s: %d rules, want 2", c, n)
		}
	}
	if strings.Contains(out, "masquerade") {
		t.Errorf("the masquerade went with the table, yet is back:\n%s", out)
	}
	if show := sb.MustNSNet("-n", "r", "nat", "show"); strings.Contains(show, "modified") {
		t.Errorf("show: %q", show)
	}
	if t.Failed() {
		t.Log(out)
	}
}
