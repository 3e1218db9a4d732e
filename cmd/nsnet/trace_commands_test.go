package main

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestTraceOnFakeKernel: --trace prints on stderr each message sent and
// received, decoded (what iproute2 sends for ip link add br0 type bridge:
// RTM_NEWLINK with NLM_F_REQUEST|ACK|EXCL|CREATE, IFLA_IFNAME and
// IFLA_LINKINFO's kind, then the kernel's acknowledgement);
// --trace=hex adds the bytes; without it nothing is traced.
func TestTraceOnFakeKernel(t *testing.T) {
	onFakeHost(t)
	code, out, stderr := nsnet("", "--trace link add br0 type bridge")
	if code != 0 || out != "" {
		t.Fatalf("exit %d: %s%s", code, out, stderr)
	}
	for _, w := range []string{"→ RTM_NEWLINK flags=REQUEST|ACK|EXCL|CREATE seq=1 ", "\n    IFLA_IFNAME \"br0\"\n",
		"\n    IFLA_LINKINFO\n      IFLA_INFO_KIND \"bridge\"\n", "← NLMSG_ERROR ", "ack for RTM_NEWLINK seq=1"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("--trace: no %q in\n%s", w, stderr)
		}
	}
	_, _, stderr = nsnet("", "--trace=hex link set br0 up")
	if !strings.Contains(stderr, "→ RTM_NEWLINK") || !strings.Contains(stderr, "| 00000000  ") {
		t.Errorf("--trace=hex:\n%s", stderr)
	}
	if _, _, stderr = nsnet("", "link set br0 down"); stderr != "" {
		t.Errorf("traced without --trace: %q", stderr)
	}
	wantErr(t, "--trace=bogus link show", 255, "bogus")
}

// TestTracePcapOnFakeKernel: --trace-pcap writes a pcap file of link type
// LINKTYPE_NETLINK (253) whose records are the datagrams as they crossed
// the socket, behind the cooked header (packet type, netlink family): for
// a nat add, NETLINK_NETFILTER datagrams, the first one sent.
func TestTracePcapOnFakeKernel(t *testing.T) {
	onFakeHost(t)
	f := filepath.Join(t.TempDir(), "nl.pcap")
	if code, _, stderr := nsnet("", "--trace-pcap "+f+" nat masquerade add 10.0.0.0/8"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(f)
	if err != nil || len(b) < 24 {
		t.Fatalf("%d bytes: %v", len(b), err)
	}
	if m := binary.LittleEndian.Uint32(b); m != 0xa1b2c3d4 && m != 0xa1b23c4d {
		t.Fatalf("magic %#x", m)
	}
	if lt := binary.LittleEndian.Uint32(b[20:]); lt != 253 {
		t.Fatalf("link type %d, want 253", lt)
	}
	var sent, received int
	for p := b[24:]; len(p) > 0; {
		if len(p) < 16 {
			t.Fatalf("short record header: %d bytes", len(p))
		}
		n := int(binary.LittleEndian.Uint32(p[8:]))
		if len(p) < 16+n || n < 16+16 {
			t.Fatalf("record of %d bytes in %d", n, len(p)-16)
		}
		rec := p[16 : 16+n]
		if fam := binary.BigEndian.Uint16(rec[14:]); fam != unix.NETLINK_NETFILTER {
			t.Errorf("family %d, want NETLINK_NETFILTER", fam)
		}
		switch binary.BigEndian.Uint16(rec) {
		case 4:
			sent++
		case 0:
			received++
		}
		if sent == 1 && received == 0 {
			if l := binary.NativeEndian.Uint32(rec[16:]); int(l) > n-16 {
				t.Errorf("first datagram's message length %d in %d bytes", l, n-16)
			}
		}
		p = p[16+n:]
	}
	if sent < 2 || received < 2 {
		t.Errorf("%d datagrams sent, %d received", sent, received)
	}
	wantErr(t, "--trace-pcap "+filepath.Join(t.TempDir(), "no", "such", "dir.pcap")+" link show", 1, "dir.pcap")
}
