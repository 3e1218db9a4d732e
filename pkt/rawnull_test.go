package pkt

import (
	"testing"
	"time"
)

// TestFormatRawAndNull: LINKTYPE_RAW (an IP header first) and LINKTYPE_NULL
// (a 4-byte address family in either byte order) print as tcpdump prints
// them: the IP line without a link-layer part.
func TestFormatRawAndNull(t *testing.T) {
	f := Formatter{Location: time.UTC}
	ip := ip4Packet(h2, h1, protoICMP, echo4(false, 7, 1, 56))
	want := "14:02:03.123456 IP 198.51.100.2 > 198.51.100.1: ICMP echo request, id 7, seq 1, length 64"
	for name, p := range map[string]Packet{
		"raw":     {LinkType: LinkTypeRaw, Data: ip},
		"null le": {LinkType: LinkTypeNull, Data: append([]byte{2, 0, 0, 0}, ip...)},
		"null be": {LinkType: LinkTypeNull, Data: append([]byte{0, 0, 0, 2}, ip...)},
	} {
		p.Time, p.Length = testTime, len(p.Data)
		if got := f.Format(p); got != want {
			t.Errorf("%s:\n got %q\nwant %q", name, got, want)
		}
	}
	for _, p := range []Packet{{LinkType: LinkTypeRaw}, {LinkType: LinkTypeRaw, Data: []byte{0x50}}, {LinkType: LinkTypeNull, Data: []byte{2}},
		{LinkType: LinkTypeNull, Data: []byte{99, 0, 0, 0, 1}}} {
		f.Format(p) // must not panic
	}
	if _, err := CompileFilter("icmp", LinkTypeRaw); err == nil {
		t.Error("a filter compiled for LINKTYPE_RAW, which has no EtherType to load")
	}
	if LinkTypeRaw.String() != "RAW (Raw IP)" || LinkTypeNull.String() != "NULL (BSD loopback)" {
		t.Error("names differ from tcpdump's")
	}
}
