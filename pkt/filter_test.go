package pkt

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseFilter(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "<nil>"},
		{"icmp", "icmp"},
		{"host 198.51.100.1", "host 198.51.100.1"},
		{"src host 198.51.100.1", "src host 198.51.100.1"},
		{"src or dst host 198.51.100.1", "host 198.51.100.1"},
		{"src and dst net 198.51.100.0/24", "src and dst net 198.51.100.0/24"},
		{"ip6 dst net 2001:db8::/32", "ip6 dst net 2001:db8::/32"},
		{"dst 2001:db8::/32", "dst net 2001:db8::/32"},
		{"src 192.0.2.1", "src host 192.0.2.1"},
		{"net 192.0.2.7", "host 192.0.2.7"},
		{"tcp port 80", "tcp port 80"},
		{"udp src portrange 1000-2000", "udp src portrange 1000-2000"},
		{"host 192.0.2.1 or 192.0.2.2", "(host 192.0.2.1 or host 192.0.2.2)"},
		{"tcp dst port 80 or 443 and not 8080", "(tcp dst port 80 or (tcp dst port 443 and not tcp dst port 8080))"},
		{"not tcp and !udp", "(not tcp and not udp)"},
		{"icmp || icmp6 && ip6", "(icmp or (icmp6 and ip6))"},
		{"(icmp or icmp6) and host 2001:db8::1", "((icmp or icmp6) and host 2001:db8::1)"},
		{"ICMP OR Host 192.0.2.1", "(icmp or host 192.0.2.1)"},
		{"tcp&&port 1", "(tcp and port 1)"},
	}
	for _, tt := range tests {
		n, err := parseFilter(tt.in)
		if err != nil {
			t.Errorf("parse %q: %v", tt.in, err)
			continue
		}
		got := "<nil>"
		if n != nil {
			got = n.String()
		}
		if got != tt.want {
			t.Errorf("parse %q = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestParseFilterErrors(t *testing.T) {
	tests := []struct {
		in  string
		pos int
	}{
		{"host", 4},
		{"host foo", 5},
		{"host 192.0.2.1 and", 18},
		{"port 65536", 5},
		{"portrange 20-10", 10},
		{"net 192.0.2.1/24", 4},
		{"(icmp", 5},
		{"icmp)", 4},
		{"tcp host 192.0.2.1", 9},
		{"ip host 2001:db8::1", 8},
		{"ip6 host 192.0.2.1", 9},
		{"arp port 1", 9},
		{"tcp 80", 4},
		{"80", 0},
		{"icmp or 80", 8},
		{"ether host 1", 0},
		{"host 192.0.2.1 &", 15},
		{"host fe80::1%eth0", 5},
		{strings.Repeat("(", 300) + "ip" + strings.Repeat(")", 300), 0},
	}
	for _, tt := range tests {
		_, err := CompileFilter(tt.in, LinkTypeEthernet)
		var fe *FilterError
		if !errors.As(err, &fe) {
			t.Errorf("compile %q: got %v, want a *FilterError", tt.in, err)
			continue
		}
		if tt.pos != 0 && fe.Pos != tt.pos {
			t.Errorf("compile %q: error at %d (%v), want %d", tt.in, fe.Pos, err, tt.pos)
		}
	}
}

// filterFrames are named frames for filter tests, including ones the
// formatter tests do not need.
func filterFrames() []struct {
	name  string
	frame []byte
} {
	var out []struct {
		name  string
		frame []byte
	}
	add := func(name string, frame []byte) {
		out = append(out, struct {
			name  string
			frame []byte
		}{name, frame})
	}
	for _, s := range sampleFrames {
		add(s.name, s.frame)
	}
	add("udp 192.0.2.7 dns", eth4("192.0.2.7", "192.0.2.53", protoUDP, udpDatagram(5353, 53, []byte("q"))))
	add("tcp 192.0.2.7 http", eth4("192.0.2.7", "203.0.113.80", protoTCP, tcpSegment(40000, 80, 1, 0, tcpSYN, 100, nil, nil)))
	add("tcp6 frag", eth6(h61, h62, protoIPv6Fr, append([]byte{protoTCP, 0, 0, 1, 0, 0, 0, 7}, tcpSegment(1, 2, 0, 0, tcpSYN, 0, nil, nil)...)))
	add("icmp6 2001:db8:1::5", eth6("2001:db8:1::5", "2001:db9::1", protoICMPv6, echo6(false, 1, 1, 8)))
	add("rarp", ethFrame(macA, bcast, etherRARP, arpPacket(3, macA, "192.0.2.7", macA, "0.0.0.0")))
	add("truncated ip", ethFrame(macA, macB, etherIPv4, []byte{0x45, 0}))
	add("runt", []byte{1, 2, 3})
	return out
}

func TestFilterMatch(t *testing.T) {
	frames := filterFrames()
	tests := []struct {
		expr string
		keep []string
	}{
		{"arp", []string{"arp request", "arp unicast probe", "arp reply"}},
		{"icmp6 and host 2001:db8::2", []string{"icmp6 echo request", "icmp6 echo reply", "icmp6 neighbor advertisement", "icmp6 port unreachable"}},
		{"dst port 53", []string{"udp 192.0.2.7 dns"}},
		{"tcp and src host 192.0.2.7", []string{"tcp 192.0.2.7 http"}},
		{"host 192.0.2.7 and not udp", []string{"tcp 192.0.2.7 http", "rarp"}},
		{"arp host 192.0.2.7", nil},
		{"tcp and ip6", []string{"tcp6 syn", "tcp6 frag"}},
		{"net 2001:db8::/32 and icmp6 and src net 2001:db8:1::/48", []string{"icmp6 2001:db8:1::5"}},
		// Later fragments have no UDP header but are UDP all the same.
		{"net 0.0.0.0/0 and udp", []string{"udp", "ipv4 later fragment", "udp 192.0.2.7 dns"}},
		{"portrange 7000-7001 and src port 7000", []string{"tcp syn-ack", "tcp sack", "tcp fin"}},
		{"not ip and not ip6 and not arp", []string{"unknown ethertype", "rarp"}},
		// A load beyond the end drops the packet whatever the logic around.
		{"ip and not icmp and not tcp and not udp", []string{"unknown ip protocol"}},
	}
	for _, tt := range tests {
		prog, err := CompileFilter(tt.expr, LinkTypeEthernet)
		if err != nil {
			t.Errorf("compile %q: %v", tt.expr, err)
			continue
		}
		f, err := NewFilter(prog)
		if err != nil {
			t.Fatalf("load %q: %v", tt.expr, err)
		}
		var got []string
		for _, fr := range frames {
			if f.Match(fr.frame) {
				got = append(got, fr.name)
			}
		}
		if !slices.Equal(got, tt.keep) {
			t.Errorf("%q keeps %q, want %q", tt.expr, got, tt.keep)
		}
	}
}

// TestFilterSLL runs the same program shape over cooked frames.
func TestFilterSLL(t *testing.T) {
	prog, err := CompileFilter("icmp and dst host 198.51.100.1", LinkTypeLinuxSLL)
	if err != nil {
		t.Fatal(err)
	}
	f, err := NewFilter(prog)
	if err != nil {
		t.Fatal(err)
	}
	yes := sllFrame(0, etherIPv4, ip4Packet(h2, h1, protoICMP, echo4(false, 1, 1, 0)))
	no := sllFrame(0, etherIPv4, ip4Packet(h1, h2, protoICMP, echo4(false, 1, 1, 0)))
	if !f.Match(yes) || f.Match(no) {
		t.Errorf("SLL filter: match(yes)=%v match(no)=%v", f.Match(yes), f.Match(no))
	}
	if _, err := compile("icmp", layoutCooked); err != nil {
		t.Errorf("cooked socket program: %v", err)
	}
}

// TestFilterLongJumps needs jumps beyond the 255 instructions a
// conditional jump reaches.
func TestFilterLongJumps(t *testing.T) {
	var terms []string
	for i := range 120 {
		terms = append(terms, fmt.Sprintf("192.0.2.%d", i+1))
	}
	expr := "(host " + strings.Join(terms, " or ") + ") and icmp"
	prog, err := CompileFilter(expr, LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	if len(prog) < 300 {
		t.Fatalf("program has %d instructions; the test wants over 255", len(prog))
	}
	f, err := NewFilter(prog)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		src  string
		want bool
	}{{"192.0.2.1", true}, {"192.0.2.120", true}, {"192.0.2.121", false}} {
		fr := eth4(tt.src, "203.0.113.1", protoICMP, echo4(false, 1, 1, 0))
		if got := f.Match(fr); got != tt.want {
			t.Errorf("from %s: match = %v, want %v", tt.src, got, tt.want)
		}
	}
	if _, err := CompileFilter(strings.Repeat("icmp or ", 2000)+"icmp", LinkTypeEthernet); err == nil {
		t.Error("a program over the kernel's 4096 instructions compiled")
	}
}

// oracleExprs are compared with tcpdump's own compiler over the frames.
var oracleExprs = []string{
	"", "ip", "ip6", "arp", "icmp", "icmp6", "tcp", "udp",
	"host 198.51.100.1", "src host 198.51.100.1", "dst host 198.51.100.2",
	"host 2001:db8::2", "src host 2001:db8::1", "ip6 host 2001:db8::1",
	"net 198.51.100.0/24", "dst net 192.0.2.0/24", "net 2001:db8::/32", "src net 2001:db8:1::/48",
	"net 0.0.0.0/0", "ip host 198.51.100.2", "arp host 198.51.100.2", "arp src host 198.51.100.1",
	"port 7000", "src port 9999", "dst port 9999", "tcp port 7000", "udp port 9999", "udp port 53",
	"portrange 7000-8081", "tcp dst portrange 8000-9000",
	"src and dst host 198.51.100.1", "src or dst host 198.51.100.1",
	"icmp or icmp6", "tcp and not port 7000", "not arp and not ip6",
	"host 198.51.100.1 or 198.51.100.9", "(udp or icmp) and src 198.51.100.2",
	"!tcp && (ip6 || arp)", "not (tcp or udp) and host 198.51.100.2",
	"ip and not icmp and not tcp and not udp",
}

func TestFilterMatchesTcpdump(t *testing.T) {
	tcpdump, err := exec.LookPath("tcpdump")
	if err != nil {
		t.Skip("tcpdump not installed")
	}
	frames := filterFrames()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, LinkTypeEthernet, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, fr := range frames {
		// Distinct timestamps name the frames in tcpdump's output.
		p := Packet{Time: time.Unix(int64(1000+i), 0), LinkType: LinkTypeEthernet, Data: fr.frame, Length: len(fr.frame)}
		if err := w.WritePacket(p); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "frames.pcap")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, expr := range oracleExprs {
		args := []string{"-n", "-tt", "-r", path}
		if expr != "" {
			args = append(args, expr)
		}
		out, err := exec.Command(tcpdump, args...).Output()
		if err != nil {
			t.Errorf("tcpdump %q: %v", expr, err)
			continue
		}
		var want []string
		for _, l := range strings.Split(string(out), "\n") {
			var sec int
			if _, err := fmt.Sscanf(l, "%d.", &sec); err == nil && sec >= 1000 {
				want = append(want, frames[sec-1000].name)
			}
		}
		prog, err := CompileFilter(expr, LinkTypeEthernet)
		if err != nil {
			t.Errorf("compile %q: %v", expr, err)
			continue
		}
		f, err := NewFilter(prog)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, fr := range frames {
			if f.Match(fr.frame) {
				got = append(got, fr.name)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q:\n pkt keeps     %q\n tcpdump keeps %q", expr, got, want)
		}
	}
}
