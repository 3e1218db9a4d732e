package pkt

import (
	"bytes"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestChecksum(t *testing.T) {
	// RFC 1071's example: the sum of these words is 0xddf2.
	b := []byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}
	if got := Checksum(b); got != ^uint16(0xddf2) {
		t.Errorf("Checksum = %#04x, want %#04x", got, ^uint16(0xddf2))
	}
	// Odd length: the last byte is padded with zero.
	if got, want := Checksum([]byte{0x01}), ^uint16(0x0100); got != want {
		t.Errorf("Checksum(odd) = %#04x, want %#04x", got, want)
	}
	// A message with its checksum in place sums to zero.
	msg := Echo{ID: 0x1234, Seq: 9, Data: []byte("abcde")}.Marshal()
	if Checksum(msg) != 0 {
		t.Errorf("checksum of a marshalled echo does not verify")
	}
}

func TestEchoRoundTrip(t *testing.T) {
	for _, e := range []Echo{
		{ID: 7, Seq: 1, Data: make([]byte, 56)},
		{Reply: true, ID: 0xffff, Seq: 0xfffe, Data: []byte{1, 2, 3}},
		{V6: true, ID: 5, Seq: 2, Data: []byte("ping")},
		{V6: true, Reply: true, ID: 1, Seq: 1},
	} {
		b := e.Marshal()
		if len(b) != 8+len(e.Data) {
			t.Fatalf("%+v: %d bytes", e, len(b))
		}
		got, err := ParseEcho(b, e.V6)
		if err != nil {
			t.Fatalf("%+v: %v", e, err)
		}
		if got.Reply != e.Reply || got.V6 != e.V6 || got.ID != e.ID || got.Seq != e.Seq || !bytes.Equal(got.Data, e.Data) {
			t.Errorf("round trip: got %+v, want %+v", got, e)
		}
	}
	// Wire format of a request: type 8, code 0, checksum, id, seq.
	b := Echo{ID: 0x0102, Seq: 0x0304}.Marshal()
	if want := []byte{8, 0, 0xf3, 0xf9, 1, 2, 3, 4}; !bytes.Equal(b, want) {
		t.Errorf("request = % x, want % x", b, want)
	}
	bad := Echo{ID: 1, Seq: 1}.Marshal()
	bad[7] ^= 1
	if _, err := ParseEcho(bad, false); err == nil {
		t.Error("ParseEcho accepted a bad checksum")
	}
	if _, err := ParseEcho([]byte{3, 1, 0, 0, 0, 0, 0, 0}, false); err == nil {
		t.Error("ParseEcho accepted a destination unreachable")
	}
	if _, err := ParseEcho([]byte{129, 0, 0}, true); err == nil {
		t.Error("ParseEcho accepted 3 bytes")
	}
}

func TestPingStatsString(t *testing.T) {
	ms := func(f float64) time.Duration { return time.Duration(f * 1e6) }
	tests := []struct {
		st   PingStats
		want string
	}{
		{PingStats{Transmitted: 3, Received: 3, Min: ms(0.041), Avg: ms(0.049), Max: ms(0.056), Mdev: ms(0.006), Time: ms(2003.4)},
			"3 packets transmitted, 3 received, 0% packet loss, time 2003ms\nrtt min/avg/max/mdev = 0.041/0.049/0.056/0.006 ms"},
		{PingStats{Transmitted: 2, Time: ms(1001)},
			"2 packets transmitted, 0 received, 100% packet loss, time 1001ms"},
		{PingStats{Transmitted: 3, Received: 1, Errors: 2, Duplicates: 1, Min: ms(1), Avg: ms(1), Max: ms(1), Time: ms(2000)},
			"3 packets transmitted, 1 received, +1 duplicates, +2 errors, 66.6667% packet loss, time 2000ms\nrtt min/avg/max/mdev = 1.000/1.000/1.000/0.000 ms"},
		{PingStats{}, "0 packets transmitted, 0 received"},
	}
	for _, tt := range tests {
		if got := tt.st.String(); got != tt.want {
			t.Errorf("got\n%s\nwant\n%s", got, tt.want)
		}
	}
}

func TestSeqNumber(t *testing.T) {
	for _, tt := range []struct {
		transmitted int
		seq         uint16
		want        int
	}{{5, 5, 5}, {5, 3, 3}, {65537, 1, 65537}, {65537, 65535, 65535}, {70000, 4464, 70000}} {
		if got := seqNumber(tt.transmitted, tt.seq); got != tt.want {
			t.Errorf("seqNumber(%d, %d) = %d, want %d", tt.transmitted, tt.seq, got, tt.want)
		}
	}
}

// TestParseReply checks how a pinger reads what its socket returns.
func TestParseReply(t *testing.T) {
	dst := netip.MustParseAddr(h2)
	p := &pinger{raw: true, id: 7}
	from := sockaddr(dst, 0)
	reply := ip4Packet(h2, h1, protoICMP, echo4(true, 7, 3, 56))
	r, ok := p.parse(reply, nil, from, dst)
	if !ok || r.Seq != 3 || r.TTL != 64 || r.Size != 64 || r.From != dst || r.Error != "" {
		t.Errorf("reply: ok=%v %+v", ok, r)
	}
	if _, ok := p.parse(ip4Packet(h2, h1, protoICMP, echo4(true, 8, 3, 56)), nil, from, dst); ok {
		t.Error("accepted a reply with another id")
	}
	if _, ok := p.parse(ip4Packet(h1, h2, protoICMP, echo4(false, 7, 3, 56)), nil, from, dst); ok {
		t.Error("accepted our own request")
	}
	// Host unreachable from the local host, quoting our request.
	unreach := ip4Packet(h1, h1, protoICMP, icmpError(3, 1, 0, ip4Packet(h1, h2, protoICMP, echo4(false, 7, 4, 56))))
	r, ok = p.parse(unreach, nil, sockaddr(netip.MustParseAddr(h1), 0), dst)
	if !ok || r.Seq != 4 || r.Error != "Destination Host Unreachable" || r.From.String() != h1 {
		t.Errorf("unreachable: ok=%v %+v", ok, r)
	}
	// ICMPv6: no IP header; the address-unreachable error quotes it.
	dst6 := netip.MustParseAddr(h62)
	p6 := &pinger{raw: true, v6: true, id: 9}
	r, ok = p6.parse(echo6(true, 9, 1, 56), nil, sockaddr(dst6, 0), dst6)
	if !ok || r.Seq != 1 || r.Size != 64 {
		t.Errorf("reply6: ok=%v %+v", ok, r)
	}
	err6 := icmpError(1, 3, 0, ip6Packet(h61, h62, protoICMPv6, echo6(false, 9, 2, 56)))
	r, ok = p6.parse(err6, nil, sockaddr(netip.MustParseAddr(h61), 0), dst6)
	if !ok || r.Seq != 2 || r.Error != "Destination unreachable: Address unreachable" {
		t.Errorf("unreachable6: ok=%v %+v", ok, r)
	}
}

func TestLookupHosts(t *testing.T) {
	const hosts = `# comment
127.0.0.1	localhost
198.51.100.2  peer peer.example.  # the peer
2001:db8::2   peer
bogus         peer
192.0.2.1 Other
`
	got, err := LookupHosts(strings.NewReader(hosts), "PEER.example")
	if err != nil {
		t.Fatal(err)
	}
	if want := []netip.Addr{netip.MustParseAddr("198.51.100.2")}; !slices.Equal(got, want) {
		t.Errorf("peer.example = %v, want %v", got, want)
	}
	got, _ = LookupHosts(strings.NewReader(hosts), "peer")
	if want := []netip.Addr{netip.MustParseAddr("198.51.100.2"), netip.MustParseAddr("2001:db8::2")}; !slices.Equal(got, want) {
		t.Errorf("peer = %v, want %v", got, want)
	}
	got, _ = LookupHosts(strings.NewReader(hosts), "nothere")
	if len(got) != 0 {
		t.Errorf("nothere = %v", got)
	}
}
