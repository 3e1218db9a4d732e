package pkt

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFormatter(t *testing.T) {
	f := Formatter{Location: time.UTC}
	for _, tt := range sampleFrames {
		got := f.Format(Packet{Time: testTime, LinkType: LinkTypeEthernet, Data: tt.frame, Length: len(tt.frame)})
		want := "14:02:03.123456 " + tt.line
		if got != want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, want)
		}
	}
}

func TestFormatPacketAbsoluteSeq(t *testing.T) {
	// On its own, an ACK is the first of its connection: numbers as on the wire.
	frame := eth4(h1, h2, protoTCP, tcpSegment(39984, 7000, 4094944530, 3475830358, tcpACK, 502, nil, nil))
	got := FormatPacket(Packet{Time: testTime, LinkType: LinkTypeEthernet, Data: frame})
	if !strings.HasSuffix(got, "Flags [.], ack 3475830358, win 502, length 0") {
		t.Errorf("got %q", got)
	}
}

func TestFormatCooked(t *testing.T) {
	f := Formatter{Location: time.UTC}
	ip := ip4Packet(h2, h1, protoICMP, echo4(false, 7, 1, 56))
	tests := []struct {
		pktType uint16
		iface   string
		want    string
	}{
		{0, "veth0", "14:02:03.123456 veth0 In  IP 198.51.100.2 > 198.51.100.1: ICMP echo request, id 7, seq 1, length 64"},
		{4, "lo", "14:02:03.123456 lo    Out IP 198.51.100.2 > 198.51.100.1: ICMP echo request, id 7, seq 1, length 64"},
		{2, "br-long0", "14:02:03.123456 br-long0 M   IP 198.51.100.2 > 198.51.100.1: ICMP echo request, id 7, seq 1, length 64"},
		// From a file there is no interface, and tcpdump shows no direction.
		{0, "", "14:02:03.123456 IP 198.51.100.2 > 198.51.100.1: ICMP echo request, id 7, seq 1, length 64"},
	}
	for _, tt := range tests {
		d := sllFrame(tt.pktType, etherIPv4, ip)
		got := f.Format(Packet{Time: testTime, LinkType: LinkTypeLinuxSLL, Data: d, Length: len(d), Iface: tt.iface})
		if got != tt.want {
			t.Errorf("got  %q\nwant %q", got, tt.want)
		}
	}
}

func TestFormatTruncated(t *testing.T) {
	// Every prefix of every sample must format without panicking, and
	// short ones must say so.
	var f Formatter
	for _, tt := range sampleFrames {
		for n := 0; n < len(tt.frame); n++ {
			line := f.Format(Packet{Time: testTime, LinkType: LinkTypeEthernet, Data: tt.frame[:n], Length: len(tt.frame)})
			if n < 14 && !strings.Contains(line, "[|ether]") {
				t.Errorf("%s cut at %d: %q", tt.name, n, line)
			}
		}
	}
}

// TestFormatMatchesTcpdump writes the sample frames to a pcap file and
// checks that tcpdump -n prints the same lines, when tcpdump is installed.
func TestFormatMatchesTcpdump(t *testing.T) {
	tcpdump, err := exec.LookPath("tcpdump")
	if err != nil {
		t.Skip("tcpdump not installed")
	}
	path := filepath.Join(t.TempDir(), "samples.pcap")
	var buf bytes.Buffer
	w, err := NewWriter(&buf, LinkTypeEthernet, 0)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	f := Formatter{Location: time.UTC}
	for i, tt := range sampleFrames {
		p := Packet{Time: testTime.Add(time.Duration(i) * time.Millisecond), LinkType: LinkTypeEthernet, Data: tt.frame, Length: len(tt.frame)}
		if err := w.WritePacket(p); err != nil {
			t.Fatal(err)
		}
		want = append(want, f.Format(p))
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(tcpdump, "-n", "-r", path)
	cmd.Env = append(cmd.Environ(), "TZ=UTC")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tcpdump: %v", err)
	}
	// tcpdump adds a hex dump of what it cannot decode on lines of their
	// own; pkt prints one line per packet.
	var got []string
	for _, l := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if !strings.HasPrefix(l, "\t") {
			got = append(got, strings.TrimSuffix(l, ": "))
		}
	}
	if len(got) != len(want) {
		t.Fatalf("tcpdump printed %d lines, want %d:\n%s", len(got), len(want), out)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s:\ntcpdump %q\npkt     %q", sampleFrames[i].name, got[i], want[i])
		}
	}
}
