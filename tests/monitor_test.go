package tests

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// monitorPair is a shell script that runs the two monitor commands $A and
// $B (ip's and nsnet's) in the background with their output in files,
// makes sure both listen (a marker change that both print), runs the
// changes, marks the end the same way and stops both with SIGTERM. It
// prints nsnet's exit status. $MARK is a command that changes something
// both monitors watch, with $i in it.
const monitorPair = `set -e
cd "$(mktemp -d)"; trap 'rm -rf "$PWD"' EXIT
eval "exec $A" > a.out 2>a.err & pa=$!
eval "exec $B" > b.out 2>b.err & pb=$!
mark() { # wait until both outputs show the change $MARK makes for $1
	for i in $(seq $1 $(($1 + 50))); do
		eval "$MARK"
		for t in 1 2 3 4 5 6 7 8 9 10; do
			if grep -q "$MARKWORD$i" a.out && grep -q "$MARKWORD$i" b.out; then echo $i; return; fi
			sleep 0.02
		done
	done
	echo "monitors not listening" >&2; exit 1
}
s=$(mark 100)
eval "$CHANGES"
e=$(mark 200)
# SIGTERM: a background job of a non-interactive shell ignores SIGINT.
kill -TERM $pa $pb
wait $pa || true
wait $pb; echo "nsnet exit $?"
# What each printed after the start marker's line, up to the end marker.
for f in a b; do
	awk -v s="$MARKWORD$s" -v e="$MARKWORD$e" 'index($0, e) { exit } on { print } index($0, s) { on = 1; skip = 1 }' $f.out > $f.cut
done
`

var tsPrefix = regexp.MustCompile(`(?m)^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\] `)

// runMonitorPair runs monitorPair and returns ip's and nsnet's output
// between the markers, without -ts timestamps.
func runMonitorPair(t *testing.T, sb *Sandbox, a, b, mark, markWord, changes string) (string, string) {
	t.Helper()
	r := sb.Run("env", "NSNET="+nsnetBin, "A="+a, "B="+b, "MARK="+mark, "MARKWORD="+markWord, "CHANGES="+changes,
		"sh", "-c", monitorPair+"cat a.cut; echo =====; cat b.cut; echo =====; cat b.err")
	if r.Code != 0 {
		t.Fatalf("monitor script: %s", r)
	}
	out := r.Stdout
	if !strings.Contains(out, "nsnet exit 0\n") {
		t.Fatalf("nsnet monitor did not exit 0 at SIGTERM:\n%s", out)
	}
	parts := strings.Split(out[strings.Index(out, "nsnet exit 0\n")+len("nsnet exit 0\n"):], "=====\n")
	if len(parts) != 3 {
		t.Fatalf("bad script output:\n%s", out)
	}
	if parts[2] != "" {
		t.Fatalf("nsnet monitor wrote on stderr: %q", parts[2])
	}
	return tsPrefix.ReplaceAllString(parts[0], ""), tsPrefix.ReplaceAllString(parts[1], "")
}

// ipChanges are made by ip, in another process than the monitors: one of
// each object kind, then their removal.
const ipChanges = `
ip link add v0 type veth peer name v1
ip link set v0 up; ip link set v1 up
ip addr add 10.9.0.1/24 dev v0
ip addr add 2001:db8::1/64 dev v0 nodad
ip route add 10.10.0.0/16 via 10.9.0.2 dev v0 metric 7
ip route add 10.11.0.0/16 dev v0 table 100 proto static
ip neigh add 10.9.0.7 lladdr 02:00:00:00:00:07 dev v0
ip neigh add 2001:db8::7 lladdr 02:00:00:00:00:08 dev v0 router
ip rule add from 10.9.0.0/24 lookup 100 prio 1000
ip rule add not to 10.12.0.0/16 fwmark 0x10/0xff iif v0 lookup main prio 1001
ip -6 rule add from 2001:db8::/64 ipproto tcp dport 80-90 prohibit prio 1002
ip netns add peer; ip netns set peer 5
ip rule del prio 1000; ip rule del prio 1001; ip -6 rule del prio 1002
ip neigh del 10.9.0.7 dev v0
ip route del 10.10.0.0/16 via 10.9.0.2 dev v0 metric 7
ip addr del 10.9.0.1/24 dev v0
ip link set v0 mtu 1400
ip link set v0 down
ip link del v0
ip netns del peer
`

// TestMonitorMatchesIP: nsnet monitor prints what ip monitor prints, in
// the same order, for links, addresses, routes, neighbours, rules and
// nsids changed by ip in another process, with labels and -ts.
func TestMonitorMatchesIP(t *testing.T) {
	sb := NewSandbox(t)
	objs := "link address route neigh rule nsid"
	ipOut, nsOut := runMonitorPair(t, sb,
		"ip -ts monitor label "+objs, "$NSNET -ts monitor label "+objs,
		`ip link set lo mtu $((60000 + i))`, "mtu 60", ipChanges)
	if ipOut != nsOut {
		t.Fatalf("nsnet monitor differs from ip monitor\n--- ip\n%s\n--- nsnet\n%s", ipOut, nsOut)
	}
	for _, want := range []string{"[LINK]", "[ADDR]", "[ROUTE]", "[NEIGH]", "[RULE]", "[NSID]", "Deleted ", "lladdr 02:00:00:00:00:07",
		"1001:\tnot from all to 10.12.0.0/16 fwmark 0x10/0xff iif v0 lookup main", "nsid 5 (iproute2 netns name: peer)"} {
		if !strings.Contains(nsOut, want) {
			t.Errorf("no %q in the events:\n%s", want, nsOut)
		}
	}
}

// TestMonitorTimestampAndNamespace: -t lines, -n (the socket inside a
// named namespace) and all-nsid, against ip.
func TestMonitorTimestampAndNamespace(t *testing.T) {
	sb := NewSandbox(t)
	sb.Must("ip", "netns", "add", "a")
	sb.Must("ip", "netns", "set", "a", "3")
	sb.Must("ip", "-n", "a", "link", "set", "lo", "up")
	changes := `ip -n a addr add 10.1.1.1/32 dev lo; ip addr add 10.2.2.2/32 dev lo; ip -n a route add 10.3.0.0/16 dev lo`
	ipOut, nsOut := runMonitorPair(t, sb, "ip -t -n a monitor link address route", "$NSNET -t -n a monitor link address route",
		`ip -n a link set lo mtu $((60000 + i))`, "mtu 60", changes)
	stamp := regexp.MustCompile(`(?m)^Timestamp: \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} \d+ usec$`)
	if n := len(stamp.FindAllString(nsOut, -1)); n < 3 || len(stamp.FindAllString(ipOut, -1)) != n {
		t.Fatalf("want as many Timestamp lines as ip, 3 or more\n--- ip\n%s\n--- nsnet\n%s", ipOut, nsOut)
	}
	ipOut, nsOut = stamp.ReplaceAllString(ipOut, "T"), stamp.ReplaceAllString(nsOut, "T")
	if ipOut != nsOut || !strings.Contains(nsOut, "10.1.1.1/32") || strings.Contains(nsOut, "10.2.2.2") {
		t.Fatalf("-n a: want a's events only, as ip\n--- ip\n%s\n--- nsnet\n%s", ipOut, nsOut)
	}
	ipOut, nsOut = runMonitorPair(t, sb, "ip monitor all-nsid address", "$NSNET monitor all-nsid address",
		`ip -n a addr add 10.5.0.$i/32 dev lo`, "10.5.0.", `ip -n a addr add 10.1.1.9/32 dev lo; ip addr add 10.2.2.9/32 dev lo`)
	if ipOut != nsOut || !strings.Contains(nsOut, "[nsid 3]1: lo    inet 10.1.1.9/32") || !strings.Contains(nsOut, "[nsid current]1: lo    inet 10.2.2.9/32") {
		t.Fatalf("all-nsid differs from ip\n--- ip\n%s\n--- nsnet\n%s", ipOut, nsOut)
	}
}

// TestMonitorNetns: names added to and deleted from /run/netns by ip, as
// ip netns monitor prints them.
func TestMonitorNetns(t *testing.T) {
	sb := NewSandbox(t)
	ipOut, nsOut := runMonitorPair(t, sb, "stdbuf -oL ip netns monitor", "$NSNET monitor netns",
		`ip netns add mk$i`, "add mk", `ip netns add blue; ip netns del blue; ip netns add red`)
	if ipOut != nsOut || nsOut != "add blue\ndelete blue\nadd red\n" {
		t.Fatalf("netns events\n--- ip\n%q\n--- nsnet\n%q", ipOut, nsOut)
	}
}

// monEvent is one line of nsnet -j monitor.
type monEvent struct {
	Event   string   `json:"event"`
	Object  string   `json:"object"`
	IfName  string   `json:"ifname"`
	MTU     int      `json:"mtu"`
	Local   string   `json:"local"`
	Dev     string   `json:"dev"`
	Dst     string   `json:"dst"`
	Time    string   `json:"time"`
	Count   int      `json:"count"`
	Objects []string `json:"objects"`
}

func parseEvents(t *testing.T, out string) []monEvent {
	t.Helper()
	var evs []monEvent
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if l == "" {
			continue
		}
		var e monEvent
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("not one JSON object per line: %q: %v", l, err)
		}
		evs = append(evs, e)
	}
	return evs
}

// TestMonitorJSONPipe: -j in a shell pipe read line by line, stopped by
// SIGTERM; each event is a line as it happens.
func TestMonitorJSONPipe(t *testing.T) {
	sb := NewSandbox(t)
	out := sb.MustSh(`set -e
cd "$(mktemp -d)"; trap 'rm -rf "$PWD"' EXIT
sh -c 'echo $$ > $PWD/pid; exec $NSNET -j monitor link address 2>$PWD/err' | while read -r line; do echo "$line" >> $PWD/seen; done &
sleep 0.3
ip link add v0 type veth peer name v1
ip addr add 10.9.0.1/24 dev v0
# Each event reaches the reader as it happens, not when a buffer fills.
for i in $(seq 50); do grep -q 10.9.0.1 $PWD/seen 2>/dev/null && break; sleep 0.05; done
grep -c 10.9.0.1 $PWD/seen
ip addr del 10.9.0.1/24 dev v0
ip link del v0
sleep 0.3
kill -TERM $(cat $PWD/pid)
wait
cat $PWD/err
cat $PWD/seen`)
	if !strings.HasPrefix(out, "1\n") {
		t.Fatalf("the address event did not reach the pipe at once:\n%s", out)
	}
	evs := parseEvents(t, strings.SplitN(out, "\n", 2)[1])
	var got []string
	for _, e := range evs {
		switch e.Object {
		case "address":
			got = append(got, e.Event+" address "+e.Local+" "+e.Dev)
		case "link":
			if e.Event == "del" {
				got = append(got, "del link "+e.IfName)
			}
		}
	}
	want := "new address 10.9.0.1 v0|del address 10.9.0.1 v0|del link v0|del link v1"
	if strings.Join(got, "|") != want {
		t.Fatalf("events %q, want %q\n%s", strings.Join(got, "|"), want, out)
	}
}

// burstScript makes 10,000 link changes with ip -batch (an mtu flip on a
// veth: one RTM_NEWLINK each) under nsnet -j -ts monitor link with the
// given extra arguments, and prints the events and nsnet's stderr.
const burstScript = `set -e
cd "$(mktemp -d)"; trap 'rm -rf "$PWD"' EXIT
ip link add v0 type veth peer name v1
for i in $(seq 1 10000); do echo "link set v0 mtu $((1300 + i % 2 + (i == 10000) * 100))"; done > $PWD/burst
: > $PWD/ev
$NSNET -j -ts monitor link $ARGS > $PWD/ev 2>$PWD/err & p=$!
for i in $(seq 100); do ip link set lo mtu $((60000 + i)); grep -q mtu $PWD/ev && break; sleep 0.05; done
[ -z "$STOP" ] || kill -STOP $p
ip -batch $PWD/burst
[ -z "$STOP" ] || { date +%s.%N > $PWD/cont; kill -CONT $p; }
# Wait until nsnet has printed the last change (mtu 1400) and is quiet.
for i in $(seq 300); do tail -n 3 $PWD/ev | grep -q '"mtu":1400' && break; sleep 0.05; done
kill -INT $p; wait $p
echo "final $(ip -o link show v0 | grep -o 'mtu [0-9]*') $(cat $PWD/cont 2>/dev/null)"
ip link del v0
cat $PWD/err >&2
cat $PWD/ev
`

// burstEvents counts the "new" events of v0 in a burst's output and
// returns the time of the last one.
func burstEvents(t *testing.T, out string) (seen, overruns int, first, last time.Time) {
	t.Helper()
	for _, e := range parseEvents(t, out) {
		if e.Event == "overrun" {
			overruns++
		}
		if e.Event != "new" || e.IfName != "v0" {
			continue
		}
		ts, err := time.Parse(time.RFC3339Nano, e.Time)
		if err != nil {
			t.Fatalf("bad time %q", e.Time)
		}
		if seen == 0 {
			first = ts
		}
		last = ts
		seen++
	}
	return seen, overruns, first, last
}

// TestMonitorBurst: 10,000 link changes, none lost with a large enough
// receive buffer. Two rates are logged: live (nsnet keeps up with ip
// -batch, so this is ip's rate) and draining (nsnet stopped during the
// burst, so the 10,000 notifications wait in the socket, then resumed:
// nsnet's own rate of decoding and printing).
func TestMonitorBurst(t *testing.T) {
	sb := NewSandbox(t)
	for _, stop := range []string{"", "1"} {
		r := sb.Run("env", "NSNET="+nsnetBin, "ARGS=rcvbuf 268435456", "STOP="+stop, "sh", "-c", burstScript)
		if r.Code != 0 {
			t.Fatalf("burst: %s", r.Stderr)
		}
		head, rest, _ := strings.Cut(r.Stdout, "\n")
		seen, overruns, first, last := burstEvents(t, rest)
		mode, from := "live", first
		if stop != "" {
			f := strings.Fields(head)
			sec, err := strconv.ParseFloat(f[len(f)-1], 64)
			if err != nil {
				t.Fatalf("no resume time in %q", head)
			}
			mode, from = "draining", time.Unix(0, int64(sec*1e9))
		}
		rate := float64(seen) / last.Sub(from).Seconds()
		t.Logf("burst (%s): %d of 10000 link events seen, %d dropped, %d overruns, %.0f events/s", mode, seen, 10000-seen, overruns, rate)
		if seen != 10000 || overruns != 0 || r.Stderr != "" {
			t.Fatalf("want all 10000 events and no overrun; got %d, %d overruns, stderr %q", seen, overruns, r.Stderr)
		}
	}
}

// TestMonitorOverrunResync: with a tiny receive buffer the same burst
// overruns the socket; nsnet says so on stderr and in the stream, dumps
// the links again, and what it reports last is the link's real state.
// Live, nsnet may keep up or not: whatever it misses is reported. Stopped
// during the burst, it cannot keep up however fast it is: the queue
// overflows for sure.
func TestMonitorOverrunResync(t *testing.T) {
	sb := NewSandbox(t)
	for _, stop := range []string{"", "1"} {
		r := sb.Run("env", "NSNET="+nsnetBin, "ARGS=rcvbuf 4096", "STOP="+stop, "sh", "-c", burstScript)
		if r.Code != 0 {
			t.Fatalf("burst: %s", r.Stderr)
		}
		head, rest, _ := strings.Cut(r.Stdout, "\n")
		if f := strings.Fields(head); len(f) < 3 || f[0]+" "+f[1]+" "+f[2] != "final mtu 1400" {
			t.Fatalf("the link's final state is %q", head)
		}
		seen, overruns, syncs := 0, 0, 0
		lastMTU := 0
		for _, e := range parseEvents(t, rest) {
			switch {
			case e.Event == "overrun":
				overruns++
				if len(e.Objects) != 1 || e.Objects[0] != "link" {
					t.Fatalf("overrun line names %v", e.Objects)
				}
			case e.Event == "synced":
				syncs++
			case e.IfName == "v0" && (e.Event == "new" || e.Event == "sync"):
				if e.Event == "new" {
					seen++
				}
				lastMTU = e.MTU
			}
		}
		warned := strings.Count(r.Stderr, "nsnet: monitor: the kernel dropped events")
		mode := map[string]string{"": "live", "1": "stopped"}[stop]
		t.Logf("rcvbuf 4096, %s: %d of 10000 events seen, %d overruns (each reported on stderr: %d), %d resyncs", mode, seen, overruns, warned, syncs)
		if warned != overruns || syncs != overruns {
			t.Fatalf("want each overrun reported on stderr and in the stream, and followed by a resync: %d overruns, %d warnings, %d syncs",
				overruns, warned, syncs)
		}
		if seen < 10000 && overruns == 0 || stop != "" && overruns == 0 {
			t.Fatalf("%d of 10000 events seen and no overrun reported", seen)
		}
		if lastMTU != 1400 {
			t.Fatalf("the last state reported for v0 has mtu %d, the link has 1400", lastMTU)
		}
		if overruns > 0 && seen >= 10000 {
			t.Fatalf("an overrun but all %d events seen", seen)
		}
	}
}

// TestMonitorBadInput: bad words are usage errors naming the token.
func TestMonitorBadInput(t *testing.T) {
	sb := NewSandbox(t)
	WantFail(t, sb.NSNet("monitor", "bogus"), 255, "bogus")
	WantFail(t, sb.NSNet("monitor", "link", "rcvbuf", "12"), 255, "12")
	WantFail(t, sb.NSNet("-n", "nope", "monitor", "link"), 255, "nope")
	if out := sb.MustNSNet("monitor", "help"); !strings.Contains(out, "all-nsid") {
		t.Fatalf("help: %q", out)
	}
}

// TestNatMonitorMatchesNft: nsnet nat monitor prints what nft monitor
// prints for tables, chains, rules, sets, elements and counters made and
// deleted by nft in another process; -j gives one object per change.
func TestNatMonitorMatchesNft(t *testing.T) {
	sb := NewSandbox(t)
	changes := `nft add table ip t
nft add chain ip t c '{ type nat hook postrouting priority srcnat; policy accept; }'
nft add chain ip t plain
nft add rule ip t c oifname "eth0" counter masquerade
nft add set ip t s '{ type ipv4_addr; }'
nft add element ip t s '{ 10.0.0.1, 10.0.0.2 }'
nft add counter ip t cnt
nft delete element ip t s '{ 10.0.0.1 }'
nft flush chain ip t c
nft add chain ip t p '{ type nat hook prerouting priority dstnat - 10; }'
nft add rule ip t p ip daddr 10.1.2.3 tcp dport 80 dnat to 10.0.0.2:8080
nft add chain ip t f '{ type filter hook forward priority filter + 5; }'
nft add rule ip t f ct state established,related accept
nft add rule ip t f ip saddr 10.0.0.0/24 iifname "v0" oifname "v1" accept
nft delete table ip t
nft add table ip6 t6
nft add chain ip6 t6 c '{ type filter hook input priority 0; policy drop; }'
nft add rule ip6 t6 c ip6 saddr 2001:db8::/64 udp sport 53 accept
nft add table inet x
nft add chain inet x c '{ type filter hook input priority 0; }'
nft add rule inet x c ip saddr 10.0.0.1 accept
nft add rule inet x c tcp dport '{ 22, 80 }' accept
nft delete table inet x
nft delete table ip6 t6`
	nftOut, nsOut := runMonitorPair(t, sb, "stdbuf -oL nft monitor", "$NSNET nat monitor",
		`nft add table ip mk$i`, "table ip mk", changes)
	if nftOut != nsOut {
		t.Fatalf("nsnet nat monitor differs from nft monitor\n--- nft\n%s\n--- nsnet\n%s", nftOut, nsOut)
	}
	for _, want := range []string{"add chain ip t c { type nat hook postrouting priority srcnat; policy accept; }",
		`add rule ip t c oifname "eth0" counter packets 0 bytes 0 masquerade`, "add element ip t s { 10.0.0.1 }\nadd element ip t s { 10.0.0.2 }",
		"add counter ip t cnt { packets 0 bytes 0 }", "delete rule ip t c handle", "delete table ip t", "# new generation",
		"priority dstnat - 10;", "priority filter + 5;", "dnat to 10.0.0.2:8080", "udp sport 53 accept", "tcp dport { 22, 80 } accept"} {
		if !strings.Contains(nsOut, want) {
			t.Errorf("no %q in:\n%s", want, nsOut)
		}
	}
	_, jsOut := runMonitorPair(t, sb, "stdbuf -oL nft monitor", "$NSNET -j nat monitor",
		`nft add table ip mj$i`, "mj", `nft add table inet x; nft add chain inet x y; nft delete table inet x`)
	var kinds []string
	for _, l := range strings.Split(strings.TrimSpace(jsOut), "\n") {
		var e struct{ Event, Object, Name string }
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("not JSON: %q", l)
		}
		if e.Object != "gen" {
			kinds = append(kinds, e.Event+" "+e.Object+" "+e.Name)
		}
	}
	if got := strings.Join(kinds, "|"); got != "new table x|new chain y|del chain y|del table x" {
		t.Fatalf("-j events %q\n%s", got, jsOut)
	}
}

// TestNatMonitorOverrun: a transaction of 600 notifications, made while
// the monitor is stopped, overruns its 1 KiB socket; nsnet nat monitor says so, lists the ruleset again (what
// nft list ruleset shows) and goes on with the next change.
func TestNatMonitorOverrun(t *testing.T) {
	sb := NewSandbox(t)
	r := sb.Sh(`set -e
cd "$(mktemp -d)"; trap 'rm -rf "$PWD"' EXIT
nft add table ip keep; nft add chain ip keep c; nft add rule ip keep c accept
: > ev
$NSNET -j nat monitor rcvbuf 1024 > ev 2>err & p=$!
for i in $(seq 100); do nft add table ip mk$i; grep -q mk ev && break; sleep 0.05; done
for i in $(seq 300); do echo "add table ip t$i"; echo "add chain ip t$i c"; done > batch.nft
kill -STOP $p # the notifications pile up: the queue overflows for sure
nft -f batch.nft
kill -CONT $p
for i in $(seq 100); do grep -q synced ev && break; sleep 0.05; done
nft delete table ip t7
for i in $(seq 100); do grep -q '"del","object":"table","family":"ip","name":"t7"' ev && break; sleep 0.05; done
kill -TERM $p; wait $p
cat err >&2; cat ev`)
	if r.Code != 0 || !strings.Contains(r.Stderr, "nsnet: nat monitor: the kernel dropped notifications") {
		t.Fatalf("want the overrun said on stderr: %s", r)
	}
	out := r.Stdout
	evs := strings.Split(strings.TrimSpace(out), "\n")
	overrun, synced, chains, del := -1, -1, 0, -1
	for i, l := range evs {
		var e struct{ Event, Object, Name, Table string }
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("not JSON: %q", l)
		}
		switch {
		case e.Event == "overrun" && overrun < 0:
			overrun = i
		case e.Event == "synced":
			synced = i
		case e.Event == "sync" && e.Object == "chain" && e.Name == "c":
			chains++
		case e.Event == "del" && e.Object == "table" && e.Name == "t7":
			del = i
		}
	}
	if overrun < 0 || synced < overrun || del < synced {
		t.Fatalf("want an overrun, a resync, then the deletion: %d %d %d\n%s", overrun, synced, del, out)
	}
	if chains < 301 { // keep's and the 300 new tables' (a resync lists them all)
		t.Fatalf("the last resync listed %d chains c", chains)
	}
}

// TestMonitorDev: "dev DEVICE" keeps one link's events, as ip does.
func TestMonitorDev(t *testing.T) {
	sb := NewSandbox(t)
	sb.Must("ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1")
	sb.Must("ip", "link", "add", "w0", "type", "veth", "peer", "name", "w1")
	changes := `ip link set v0 up; ip link set w0 up
ip addr add 10.9.0.1/24 dev v0; ip addr add 10.8.0.1/24 dev w0
ip route add 10.10.0.0/16 via 10.9.0.2; ip route add 10.11.0.0/16 via 10.8.0.2
ip neigh add 10.9.0.7 lladdr 02:00:00:00:00:07 dev v0
ip neigh add 10.8.0.7 lladdr 02:00:00:00:00:07 dev w0
ip addr del 10.9.0.1/24 dev v0`
	ipOut, nsOut := runMonitorPair(t, sb, "ip monitor link address route neigh dev v0", "$NSNET monitor link address route neigh dev v0",
		`ip link set v0 mtu 1$i`, "mtu 1", changes)
	if ipOut != nsOut || !strings.Contains(nsOut, "10.9.0.7 lladdr") || strings.Contains(nsOut, "10.8.0") || strings.Contains(nsOut, "w0") {
		t.Fatalf("dev v0\n--- ip\n%s\n--- nsnet\n%s", ipOut, nsOut)
	}
}

// TestMonitorPrivileges: a user can watch links and addresses as with ip;
// nf_tables notifications and other namespaces' events need a capability,
// which the error names.
func TestMonitorPrivileges(t *testing.T) {
	sb := NewSandbox(t)
	nobody := []string{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", nsnetBin}
	WantFail(t, sb.Run(append(nobody, "nat", "monitor")...), 1, "needs root: CAP_NET_ADMIN")
	WantFail(t, sb.Run(append(nobody, "monitor", "all-nsid")...), 1, "CAP_NET_BROADCAST")
	out := sb.MustSh(`cd "$(mktemp -d)"; trap 'rm -rf "$PWD"' EXIT
: > ev
setpriv --reuid=65534 --regid=65534 --clear-groups $NSNET monitor link > ev & p=$!
for i in $(seq 100); do ip link set lo mtu $((60000 + i)); grep -q mtu ev && break; sleep 0.05; done
kill -TERM $p; wait $p; echo "exit $?"; cat ev`)
	if !strings.HasPrefix(out, "exit 0\n1: lo: <LOOPBACK,UP,LOWER_UP> mtu 6") {
		t.Fatalf("nobody's monitor: %q", out)
	}
}
