package pkt

import (
	"encoding/binary"
	"net"
	"net/netip"
	"time"
)

// Hand-built frames for the tests. Checksums other than ICMPv4's are left
// zero: nothing here checks them.

var (
	macA  = mustMAC("02:00:00:00:00:0a")
	macB  = mustMAC("02:00:00:00:00:0b")
	bcast = mustMAC("ff:ff:ff:ff:ff:ff")
	// testTime is 14:02:03.123456 UTC.
	testTime = time.Date(2024, 5, 6, 14, 2, 3, 123456000, time.UTC)
)

func mustMAC(s string) net.HardwareAddr {
	m, err := net.ParseMAC(s)
	if err != nil {
		panic(err)
	}
	return m
}

func ethFrame(src, dst net.HardwareAddr, et uint16, payload []byte) []byte {
	b := make([]byte, 14, 14+len(payload))
	copy(b[0:], dst)
	copy(b[6:], src)
	binary.BigEndian.PutUint16(b[12:], et)
	return append(b, payload...)
}

func ip4Packet(src, dst string, proto uint8, payload []byte) []byte {
	b := make([]byte, 20, 20+len(payload))
	b[0] = 0x45
	binary.BigEndian.PutUint16(b[2:], uint16(20+len(payload)))
	binary.BigEndian.PutUint16(b[4:], 0x1234)
	binary.BigEndian.PutUint16(b[6:], 0x4000) // DF
	b[8] = 64
	b[9] = proto
	s, d := netip.MustParseAddr(src).As4(), netip.MustParseAddr(dst).As4()
	copy(b[12:], s[:])
	copy(b[16:], d[:])
	binary.BigEndian.PutUint16(b[10:], Checksum(b))
	return append(b, payload...)
}

func ip6Packet(src, dst string, nh uint8, payload []byte) []byte {
	b := make([]byte, 40, 40+len(payload))
	b[0] = 0x60
	binary.BigEndian.PutUint16(b[4:], uint16(len(payload)))
	b[6] = nh
	b[7] = 64
	s, d := netip.MustParseAddr(src).As16(), netip.MustParseAddr(dst).As16()
	copy(b[8:], s[:])
	copy(b[24:], d[:])
	return append(b, payload...)
}

func udpDatagram(sport, dport uint16, payload []byte) []byte {
	b := make([]byte, 8, 8+len(payload))
	binary.BigEndian.PutUint16(b[0:], sport)
	binary.BigEndian.PutUint16(b[2:], dport)
	binary.BigEndian.PutUint16(b[4:], uint16(8+len(payload)))
	return append(b, payload...)
}

func tcpSegment(sport, dport uint16, seq, ack uint32, flags uint8, win uint16, opts, payload []byte) []byte {
	hl := 20 + len(opts)
	b := make([]byte, hl, hl+len(payload))
	binary.BigEndian.PutUint16(b[0:], sport)
	binary.BigEndian.PutUint16(b[2:], dport)
	binary.BigEndian.PutUint32(b[4:], seq)
	binary.BigEndian.PutUint32(b[8:], ack)
	b[12] = byte(hl/4) << 4
	b[13] = flags
	binary.BigEndian.PutUint16(b[14:], win)
	copy(b[20:], opts)
	return append(b, payload...)
}

func arpPacket(op uint16, sha net.HardwareAddr, spa string, tha net.HardwareAddr, tpa string) []byte {
	b := make([]byte, 28)
	binary.BigEndian.PutUint16(b[0:], 1)
	binary.BigEndian.PutUint16(b[2:], etherIPv4)
	b[4], b[5] = 6, 4
	binary.BigEndian.PutUint16(b[6:], op)
	s, t := netip.MustParseAddr(spa).As4(), netip.MustParseAddr(tpa).As4()
	copy(b[8:], sha)
	copy(b[14:], s[:])
	copy(b[18:], tha)
	copy(b[24:], t[:])
	return b
}

func echo4(reply bool, id, seq uint16, n int) []byte {
	return Echo{Reply: reply, ID: id, Seq: seq, Data: make([]byte, n)}.Marshal()
}

func echo6(reply bool, id, seq uint16, n int) []byte {
	return Echo{V6: true, Reply: reply, ID: id, Seq: seq, Data: make([]byte, n)}.Marshal()
}

// icmpError builds an ICMP error of type and code quoting the packet orig.
func icmpError(typ, code uint8, rest uint32, orig []byte) []byte {
	b := make([]byte, 8, 8+len(orig))
	b[0], b[1] = typ, code
	binary.BigEndian.PutUint32(b[4:], rest)
	return append(b, orig...)
}

// sllFrame builds a LINKTYPE_LINUX_SLL header and payload.
func sllFrame(pktType uint16, et uint16, payload []byte) []byte {
	b := make([]byte, 16, 16+len(payload))
	binary.BigEndian.PutUint16(b[0:], pktType)
	binary.BigEndian.PutUint16(b[2:], 1) // ARPHRD_ETHER
	binary.BigEndian.PutUint16(b[4:], 6)
	copy(b[6:], macA)
	binary.BigEndian.PutUint16(b[14:], et)
	return append(b, payload...)
}

// Options of a Linux SYN: mss 1460, sackOK, TS, nop, wscale 7.
var synOpts = []byte{2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7}

// sackOpt returns nop, nop and a SACK option with one block.
func sackOpt(l, r uint32) []byte {
	b := []byte{1, 1, 5, 10}
	b = binary.BigEndian.AppendUint32(b, l)
	return binary.BigEndian.AppendUint32(b, r)
}

// tsOpts: nop, nop, TS val 2 ecr 1.
var tsOpts = []byte{1, 1, 8, 10, 0, 0, 0, 2, 0, 0, 0, 1}

const (
	h1  = "198.51.100.1"
	h2  = "198.51.100.2"
	h61 = "2001:db8::1"
	h62 = "2001:db8::2"
)

func eth4(src, dst string, proto uint8, payload []byte) []byte {
	return ethFrame(macA, macB, etherIPv4, ip4Packet(src, dst, proto, payload))
}

func eth6(src, dst string, nh uint8, payload []byte) []byte {
	return ethFrame(macA, macB, etherIPv6, ip6Packet(src, dst, nh, payload))
}

// sampleFrames is a corpus of Ethernet frames with the line tcpdump -n
// prints for each (timestamps aside), in capture order: the TCP lines
// depend on the ones before them.
var sampleFrames = []struct {
	name  string
	frame []byte
	line  string
}{
	{"arp request", ethFrame(macA, bcast, etherARP, arpPacket(1, macA, h1, make(net.HardwareAddr, 6), h2)),
		"ARP, Request who-has 198.51.100.2 tell 198.51.100.1, length 28"},
	{"arp unicast probe", ethFrame(macA, macB, etherARP, arpPacket(1, macA, h1, macB, h2)),
		"ARP, Request who-has 198.51.100.2 (02:00:00:00:00:0b) tell 198.51.100.1, length 28"},
	{"arp reply", ethFrame(macB, macA, etherARP, arpPacket(2, macB, h2, macA, h1)),
		"ARP, Reply 198.51.100.2 is-at 02:00:00:00:00:0b, length 28"},
	{"icmp echo request", eth4(h2, h1, protoICMP, echo4(false, 7, 1, 56)),
		"IP 198.51.100.2 > 198.51.100.1: ICMP echo request, id 7, seq 1, length 64"},
	{"icmp echo reply", eth4(h1, h2, protoICMP, echo4(true, 7, 1, 56)),
		"IP 198.51.100.1 > 198.51.100.2: ICMP echo reply, id 7, seq 1, length 64"},
	{"icmp port unreachable", eth4(h2, h1, protoICMP, icmpError(3, 3, 0, ip4Packet(h1, h2, protoUDP, udpDatagram(41685, 9999, []byte("hello"))))),
		"IP 198.51.100.2 > 198.51.100.1: ICMP 198.51.100.2 udp port 9999 unreachable, length 41"},
	{"icmp host unreachable", eth4(h1, h1, protoICMP, icmpError(3, 1, 0, ip4Packet(h1, "198.51.100.9", protoICMP, echo4(false, 9, 3, 0)))),
		"IP 198.51.100.1 > 198.51.100.1: ICMP host 198.51.100.9 unreachable, length 36"},
	{"icmp time exceeded", eth4(h2, h1, protoICMP, icmpError(11, 0, 0, ip4Packet(h1, "192.0.2.9", protoUDP, udpDatagram(1000, 33434, nil)))),
		"IP 198.51.100.2 > 198.51.100.1: ICMP time exceeded in-transit, length 36"},
	{"icmp need frag", eth4(h2, h1, protoICMP, icmpError(3, 4, 1400, ip4Packet(h1, "192.0.2.9", protoUDP, udpDatagram(1000, 2000, nil)))),
		"IP 198.51.100.2 > 198.51.100.1: ICMP 192.0.2.9 unreachable - need to frag (mtu 1400), length 36"},
	{"udp", eth4(h1, h2, protoUDP, udpDatagram(41685, 9999, []byte("hello"))),
		"IP 198.51.100.1.41685 > 198.51.100.2.9999: UDP, length 5"},
	{"udp6", eth6(h61, h62, protoUDP, udpDatagram(48983, 9999, []byte("hey"))),
		"IP6 2001:db8::1.48983 > 2001:db8::2.9999: UDP, length 3"},
	{"tcp syn", eth4(h1, h2, protoTCP, tcpSegment(39984, 7000, 4094944529, 0, tcpSYN, 64240, synOpts, nil)),
		"IP 198.51.100.1.39984 > 198.51.100.2.7000: Flags [S], seq 4094944529, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0"},
	{"tcp syn-ack", eth4(h2, h1, protoTCP, tcpSegment(7000, 39984, 3475830357, 4094944530, tcpSYN|tcpACK, 65160, synOpts, nil)),
		"IP 198.51.100.2.7000 > 198.51.100.1.39984: Flags [S.], seq 3475830357, ack 4094944530, win 65160, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0"},
	{"tcp ack", eth4(h1, h2, protoTCP, tcpSegment(39984, 7000, 4094944530, 3475830358, tcpACK, 502, tsOpts, nil)),
		"IP 198.51.100.1.39984 > 198.51.100.2.7000: Flags [.], ack 1, win 502, options [nop,nop,TS val 2 ecr 1], length 0"},
	{"tcp push", eth4(h1, h2, protoTCP, tcpSegment(39984, 7000, 4094944530, 3475830358, tcpPSH|tcpACK, 502, tsOpts, []byte("hello"))),
		"IP 198.51.100.1.39984 > 198.51.100.2.7000: Flags [P.], seq 1:6, ack 1, win 502, options [nop,nop,TS val 2 ecr 1], length 5"},
	{"tcp sack", eth4(h2, h1, protoTCP, tcpSegment(7000, 39984, 3475830358, 4094944535,
		tcpACK, 509, sackOpt(4094944529+11, 4094944529+15), nil)),
		"IP 198.51.100.2.7000 > 198.51.100.1.39984: Flags [.], ack 6, win 509, options [nop,nop,sack 1 {11:15}], length 0"},
	{"tcp fin", eth4(h2, h1, protoTCP, tcpSegment(7000, 39984, 3475830358, 4094944535, tcpFIN|tcpACK, 509, nil, nil)),
		"IP 198.51.100.2.7000 > 198.51.100.1.39984: Flags [F.], seq 1, ack 6, win 509, length 0"},
	{"tcp rst", eth4(h2, h1, protoTCP, tcpSegment(8081, 59002, 0, 3100799901, tcpRST|tcpACK, 0, nil, nil)),
		"IP 198.51.100.2.8081 > 198.51.100.1.59002: Flags [R.], seq 0, ack 3100799901, win 0, length 0"},
	{"tcp bare rst", eth4(h1, h2, protoTCP, tcpSegment(59003, 8081, 12345, 0, tcpRST, 0, nil, nil)),
		"IP 198.51.100.1.59003 > 198.51.100.2.8081: Flags [R], seq 12345, win 0, length 0"},
	{"tcp6 syn", eth6(h61, h62, protoTCP, tcpSegment(47098, 8081, 3822890152, 0, tcpSYN, 64800, synOpts, nil)),
		"IP6 2001:db8::1.47098 > 2001:db8::2.8081: Flags [S], seq 3822890152, win 64800, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0"},
	{"icmp6 echo request", eth6(h61, h62, protoICMPv6, echo6(false, 5, 1, 56)),
		"IP6 2001:db8::1 > 2001:db8::2: ICMP6, echo request, id 5, seq 1, length 64"},
	{"icmp6 echo reply", eth6(h62, h61, protoICMPv6, echo6(true, 5, 1, 56)),
		"IP6 2001:db8::2 > 2001:db8::1: ICMP6, echo reply, id 5, seq 1, length 64"},
	{"icmp6 neighbor solicitation", eth6(h61, "ff02::1:ff00:2", protoICMPv6, append([]byte{135, 0, 0, 0, 0, 0, 0, 0}, netip.MustParseAddr(h62).AsSlice()...)),
		"IP6 2001:db8::1 > ff02::1:ff00:2: ICMP6, neighbor solicitation, who has 2001:db8::2, length 24"},
	{"icmp6 neighbor advertisement", eth6(h62, h61, protoICMPv6, append([]byte{136, 0, 0, 0, 0x60, 0, 0, 0}, netip.MustParseAddr(h62).AsSlice()...)),
		"IP6 2001:db8::2 > 2001:db8::1: ICMP6, neighbor advertisement, tgt is 2001:db8::2, length 24"},
	{"icmp6 port unreachable", eth6(h62, h61, protoICMPv6, icmpError(1, 4, 0, ip6Packet(h61, h62, protoUDP, udpDatagram(48983, 9999, []byte("hey"))))),
		"IP6 2001:db8::2 > 2001:db8::1: ICMP6, destination unreachable, unreachable port, 2001:db8::2 udp port 9999, length 59"},
	{"icmp6 router solicitation", eth6("fe80::1", "ff02::2", protoICMPv6, []byte{133, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 0, 0, 0, 0, 10}),
		"IP6 fe80::1 > ff02::2: ICMP6, router solicitation, length 16"},
	{"mld report behind hop-by-hop", eth6("fe80::1", "ff02::16", 0, append([]byte{protoICMPv6, 0, 5, 2, 0, 0, 1, 0},
		[]byte{143, 0, 0, 0, 0, 0, 0, 1, 4, 0, 0, 0, 0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 1}...)),
		"IP6 fe80::1 > ff02::16: HBH ICMP6, multicast listener report v2, 1 group record(s), length 28"},
	{"ipv4 later fragment", ethFrame(macA, macB, etherIPv4, func() []byte {
		b := ip4Packet(h1, h2, protoUDP, make([]byte, 100))
		binary.BigEndian.PutUint16(b[6:], 185) // offset 1480
		return b
	}()), "IP 198.51.100.1 > 198.51.100.2: ip-proto-17"},
	{"unknown ip protocol", eth4(h1, h2, 253, make([]byte, 20)),
		"IP 198.51.100.1 > 198.51.100.2:  ip-proto-253 20"},
	{"unknown ethertype", ethFrame(macA, macB, 0x88b5, make([]byte, 46)),
		"02:00:00:00:00:0a > 02:00:00:00:00:0b, ethertype Unknown (0x88b5), length 60"},
}
