package tests

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// pktPair gives the sandbox a namespace "peer" joined to it by a veth pair:
// veth0 (198.51.100.1/24, 2001:db8::1/64) in the sandbox, veth1
// (198.51.100.2/24, 2001:db8::2/64) in peer. It is set up with iproute2,
// so that the tests of ping and capture depend on nothing else of nsnet.
func pktPair(t *testing.T, sb *Sandbox) {
	t.Helper()
	sb.MustSh(`set -e
ip netns add peer
ip link add veth0 type veth peer name veth1 netns peer
ip addr add 198.51.100.1/24 dev veth0
ip addr add 2001:db8::1/64 dev veth0 nodad
ip link set veth0 up
ip -n peer link set lo up
ip -n peer addr add 198.51.100.2/24 dev veth1
ip -n peer addr add 2001:db8::2/64 dev veth1 nodad
ip -n peer link set veth1 up
`)
}

// pktNormalize replaces what changes from run to run in ping's output
// (times, ids) with fixed words, so nsnet's and iputils' output compare.
func pktNormalize(s string) string {
	for _, r := range []struct{ re, by string }{
		{`time=[0-9.]+ ms`, "time=T ms"},
		{`time [0-9]+ms`, "time Tms"},
		{`= [0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+ ms`, "= A/B/C/D ms"},
	} {
		s = regexp.MustCompile(r.re).ReplaceAllString(s, r.by)
	}
	return s
}

func TestPingVeth(t *testing.T) {
	sb := NewSandbox(t)
	pktPair(t, sb)
	r := sb.NSNet("ping", "-c", "3", "-i", "0.2", "198.51.100.2")
	if r.Code != 0 {
		t.Fatalf("nsnet ping: %s", r)
	}
	line := regexp.MustCompile(`(?m)^64 bytes from 198\.51\.100\.2: icmp_seq=[123] ttl=64 time=[0-9.]+ ms$`)
	if n := len(line.FindAllString(r.Stdout, -1)); n != 3 {
		t.Fatalf("want 3 reply lines, got %d:\n%s", n, r.Stdout)
	}
	// The same run of iputils ping prints the same text, numbers aside.
	ip := sb.Must("ping", "-c", "3", "-i", "0.2", "198.51.100.2")
	if got, want := pktNormalize(r.Stdout), pktNormalize(ip); got != want {
		t.Fatalf("nsnet ping:\n%s\niputils ping:\n%s", got, want)
	}
	if !strings.Contains(r.Stdout, "3 packets transmitted, 3 received, 0% packet loss") {
		t.Fatalf("summary: %s", r.Stdout)
	}
}

func TestPingNoAnswer(t *testing.T) {
	sb := NewSandbox(t)
	pktPair(t, sb)
	// 198.51.100.77 is on the link but nobody has it: iputils exits 1.
	args := []string{"-c", "2", "-i", "0.2", "-W", "1", "198.51.100.77"}
	ip := sb.Run(append([]string{"ping"}, args...)...)
	r := sb.NSNet(append([]string{"ping"}, args...)...)
	if ip.Code != 1 || r.Code != 1 {
		t.Fatalf("want exit 1 from both; iputils: %s\nnsnet: %s", ip, r)
	}
	if !strings.Contains(r.Stdout, "2 packets transmitted, 0 received") || !strings.Contains(r.Stdout, "100% packet loss") {
		t.Fatalf("summary: %s", r.Stdout)
	}
	if strings.Contains(r.Stdout, "rtt ") {
		t.Fatalf("rtt line without replies: %s", r.Stdout)
	}
}

func TestPingNamespaceIPv6(t *testing.T) {
	sb := NewSandbox(t)
	pktPair(t, sb)
	// From inside peer, with the global -6 and the local one.
	for _, args := range [][]string{
		{"-n", "peer", "ping", "-6", "-c", "2", "-i", "0.2", "2001:db8::1"},
		{"-n", "peer", "-6", "ping", "-c", "2", "-i", "0.2", "2001:db8::1"},
	} {
		r := sb.NSNet(args...)
		if r.Code != 0 {
			t.Fatalf("nsnet %v: %s", args, r)
		}
		if !strings.HasPrefix(r.Stdout, "PING 2001:db8::1(2001:db8::1) 56 data bytes\n") {
			t.Fatalf("header: %s", r.Stdout)
		}
		if !regexp.MustCompile(`(?m)^64 bytes from 2001:db8::1: icmp_seq=2 ttl=64 time=[0-9.]+ ms$`).MatchString(r.Stdout) {
			t.Fatalf("no reply to seq 2: %s", r.Stdout)
		}
	}
	// The socket really is in peer: its own address answers from lo there.
	r := sb.NSNet("-n", "peer", "ping", "-c", "1", "198.51.100.2")
	if r.Code != 0 || !strings.Contains(r.Stdout, "64 bytes from 198.51.100.2") {
		t.Fatalf("ping peer's own address from peer: %s", r)
	}
	// IPv4 from peer, matching iputils run in peer.
	r = sb.NSNet("-n", "peer", "ping", "-c", "2", "-i", "0.2", "198.51.100.1")
	ip := sb.Must("ip", "netns", "exec", "peer", "ping", "-c", "2", "-i", "0.2", "198.51.100.1")
	if r.Code != 0 || pktNormalize(r.Stdout) != pktNormalize(ip) {
		t.Fatalf("nsnet -n peer ping:\n%s\niputils:\n%s", r, ip)
	}
}

func TestPingHostsAndJSON(t *testing.T) {
	sb := NewSandbox(t)
	pktPair(t, sb)
	sb.MustSh(`mkdir -p /etc/netns/peer && printf '2001:db8::1 home\n198.51.100.1 home\n' > /etc/netns/peer/hosts
printf '198.51.100.2 far # comment\n' >> /etc/hosts`)
	r := sb.NSNet("ping", "-c", "1", "far")
	if r.Code != 0 || !strings.HasPrefix(r.Stdout, "PING far (198.51.100.2) 56(84) bytes of data.") {
		t.Fatalf("ping far: %s", r)
	}
	// -n peer reads /etc/netns/peer/hosts, first address of the family.
	r = sb.NSNet("-n", "peer", "ping", "-4", "-c", "1", "home")
	if r.Code != 0 || !strings.Contains(r.Stdout, "64 bytes from 198.51.100.1:") {
		t.Fatalf("ping -4 home: %s", r)
	}
	r = sb.NSNet("-n", "peer", "-j", "ping", "-c", "2", "-i", "0.2", "home")
	if r.Code != 0 {
		t.Fatalf("ping -j: %s", r)
	}
	var j struct {
		Address     string  `json:"address"`
		Transmitted int     `json:"transmitted"`
		Received    int     `json:"received"`
		Loss        float64 `json:"packet_loss"`
		RTTMax      float64 `json:"rtt_max_ms"`
		Replies     []struct {
			Seq int `json:"icmp_seq"`
			TTL int `json:"ttl"`
		} `json:"replies"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &j); err != nil {
		t.Fatalf("ping -j is not JSON: %v\n%s", err, r.Stdout)
	}
	if j.Address != "2001:db8::1" || j.Transmitted != 2 || j.Received != 2 || j.Loss != 0 || j.RTTMax <= 0 || len(j.Replies) != 2 || j.Replies[1].Seq != 2 {
		t.Fatalf("ping -j: %+v", j)
	}
	WantFail(t, sb.NSNet("ping", "-c", "1", "nosuchname"), 2, "nosuchname", "/etc/hosts")
	WantFail(t, sb.NSNet("ping", "-4", "-c", "1", "2001:db8::2"), 2, "2001:db8::2")
	WantFail(t, sb.NSNet("ping", "-c", "0", "198.51.100.2"), 255, "-c")
	WantFail(t, sb.NSNet("ping"), 255, "HOST")
	WantFail(t, sb.NSNet("ping", "-x", "198.51.100.2"), 255, "-x")
	if out := sb.MustNSNet("ping", "help"); !strings.Contains(out, "ping_group_range") {
		t.Fatalf("ping help: %s", out)
	}
}

// TestPingUnprivileged runs nsnet as nobody: no raw socket, so it must
// fall back to an ICMP datagram socket, which ping_group_range allows.
func TestPingUnprivileged(t *testing.T) {
	sb := NewSandbox(t)
	pktPair(t, sb)
	sb.MustSh(fmt.Sprintf(`cp %s /run/nsnet-u && chmod 755 /run/nsnet-u`, nsnetBin))
	sb.MustSh(`sysctl -qw net.ipv4.ping_group_range="65534 65534"`)
	run := func(args ...string) Result {
		return sb.Run(append([]string{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/run/nsnet-u"}, args...)...)
	}
	for _, dst := range []string{"198.51.100.2", "2001:db8::2"} {
		r := run("ping", "-c", "2", "-i", "0.2", dst)
		if r.Code != 0 || !strings.Contains(r.Stdout, "64 bytes from "+dst+": icmp_seq=2 ttl=64") {
			t.Fatalf("unprivileged ping %s: %s", dst, r)
		}
	}
	sb.MustSh(`sysctl -qw net.ipv4.ping_group_range="1 0"`)
	r := run("ping", "-c", "1", "198.51.100.2")
	WantFail(t, r, 2, "ping_group_range")
}
