package pkt

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"
)

// Packet is one captured packet.
type Packet struct {
	// Time is when the kernel received or sent the packet.
	Time time.Time
	// LinkType says which header Data starts with.
	LinkType LinkType
	// Data holds the captured bytes, from the link-layer header on. It
	// may be shorter than the packet (see Length): a capture keeps at
	// most its snapshot length.
	Data []byte
	// Length is the length of the whole packet on the wire, link-layer
	// header included; at least len(Data).
	Length int
	// Iface names the interface a capture on all interfaces ("any") saw
	// the packet on; empty otherwise, and for packets read from a file.
	Iface string
}

// A Formatter turns packets into one-line descriptions in the style of
// `tcpdump -n`: a timestamp, then the protocols from the network layer up,
// such as
//
//	14:02:03.123456 IP 198.51.100.2 > 198.51.100.1: ICMP echo request, id 7, seq 1, length 64
//
// Packets of the cooked (SLL) link type that carry an interface name get
// the name and the direction first, as tcpdump prints for "-i any":
// "veth0 In  IP ...". Like tcpdump, a Formatter remembers the initial
// sequence numbers of TCP connections and prints later sequence and
// acknowledgement numbers relative to them, so feed it every packet of a
// capture in order. Application protocols are not decoded: a UDP or TCP
// payload is shown as its length. The zero Formatter is ready to use; it
// is not safe for concurrent use.
type Formatter struct {
	// Location is the time zone of timestamps; nil means time.Local.
	Location *time.Location

	tcp map[tcpConv]*tcpISN
}

// FormatPacket formats one packet on its own, as a fresh Formatter does:
// TCP sequence numbers are printed as they are on the wire.
func FormatPacket(p Packet) string {
	var f Formatter
	return f.Format(p)
}

// tcpConv names a TCP connection, lower endpoint first.
type tcpConv struct {
	a, b netip.AddrPort
}

// tcpISN holds the initial sequence numbers of both ends of a connection.
type tcpISN struct{ a, b uint32 }

// SLL packet types (sll_pkttype) and how tcpdump names the direction.
var pktTypeNames = [...]string{0: "In", 1: "B", 2: "M", 3: "P", 4: "Out"}

// pktTypeName is the direction's name, "?" for a type tcpdump does not name.
func pktTypeName(t uint16) string {
	if int(t) < len(pktTypeNames) {
		return pktTypeNames[t]
	}
	return "?"
}

func be16(b []byte) uint16 { return binary.BigEndian.Uint16(b) }
func be32(b []byte) uint32 { return binary.BigEndian.Uint32(b) }

// Format returns the packet's line, without a trailing newline.
func (f *Formatter) Format(p Packet) string {
	var b strings.Builder
	loc := f.Location
	if loc == nil {
		loc = time.Local
	}
	b.WriteString(p.Time.In(loc).Format("15:04:05.000000"))
	b.WriteByte(' ')
	d := p.Data
	wire := max(p.Length, len(d))
	switch p.LinkType {
	case LinkTypeEthernet:
		if len(d) < 14 {
			b.WriteString("[|ether]")
			break
		}
		f.ether(&b, d, wire)
	case LinkTypeLinuxSLL:
		if len(d) < 16 {
			b.WriteString("[|sll]")
			break
		}
		if p.Iface != "" {
			fmt.Fprintf(&b, "%-5s %-3s ", p.Iface, pktTypeName(be16(d)))
		}
		f.etherType(&b, be16(d[14:]), d[16:], wire-16)
	case LinkTypeLinuxSLL2:
		if len(d) < 20 {
			b.WriteString("[|sll2]")
			break
		}
		name := p.Iface
		if name == "" {
			name = fmt.Sprintf("ifindex %d", be32(d[4:]))
		}
		dirName := pktTypeName(uint16(d[10]))
		fmt.Fprintf(&b, "%-5s %-3s ", name, dirName)
		f.etherType(&b, be16(d), d[20:], wire-20)
	case LinkTypeRaw:
		switch {
		case len(d) > 0 && d[0]>>4 == 4:
			f.etherType(&b, 0x0800, d, wire)
		case len(d) > 0 && d[0]>>4 == 6:
			f.etherType(&b, 0x86dd, d, wire)
		default:
			fmt.Fprintf(&b, "raw IP packet of an unknown version, length %d", wire)
		}
	case LinkTypeNull:
		if len(d) < 4 {
			b.WriteString("[|null]")
			break
		}
		// The family is in the byte order of the machine that wrote the
		// file: a family fits in one byte, so the non-zero end says which.
		fam := uint32(d[0]) | uint32(d[1])<<8 | uint32(d[2])<<16 | uint32(d[3])<<24
		if d[0] == 0 {
			fam = be32(d)
		}
		switch fam {
		case 2:
			f.etherType(&b, 0x0800, d[4:], wire-4)
		case 10, 24, 28, 30:
			f.etherType(&b, 0x86dd, d[4:], wire-4)
		default:
			fmt.Fprintf(&b, "AF %d, length %d", fam, wire)
		}
	default:
		fmt.Fprintf(&b, "link type %d, length %d", p.LinkType, wire)
	}
	return b.String()
}

func macString(b []byte) string { return net.HardwareAddr(b).String() }

func (f *Formatter) ether(b *strings.Builder, d []byte, wire int) {
	et := be16(d[12:])
	payload, plen := d[14:], wire-14
	if et == 0x8100 || et == 0x88a8 { // 802.1Q / 802.1ad tag
		if len(payload) < 4 {
			b.WriteString("[|vlan]")
			return
		}
		tci := be16(payload)
		fmt.Fprintf(b, "vlan %d, p %d, ", tci&0xfff, tci>>13)
		et = be16(payload[2:])
		payload, plen = payload[4:], plen-4
		fmt.Fprintf(b, "ethertype %s (0x%04x), ", etherTypeName(et), et)
	}
	if !f.etherType(b, et, payload, plen) {
		// tcpdump shows the Ethernet header of what it cannot decode.
		fmt.Fprintf(b, "%s > %s, ", macString(d[6:12]), macString(d[0:6]))
		if et < 0x0600 {
			fmt.Fprintf(b, "802.3, length %d", wire)
			return
		}
		fmt.Fprintf(b, "ethertype %s (0x%04x), length %d", etherTypeName(et), et, wire)
	}
}

func etherTypeName(et uint16) string {
	switch et {
	case etherIPv4:
		return "IPv4"
	case etherIPv6:
		return "IPv6"
	case etherARP:
		return "ARP"
	case etherRARP:
		return "Reverse ARP"
	case 0x8100:
		return "802.1Q"
	case 0x88a8:
		return "802.1Q-QinQ"
	case 0x88cc:
		return "LLDP"
	case 0x888e:
		return "EAPOL"
	case 0x8847:
		return "MPLS unicast"
	case 0x8848:
		return "MPLS multicast"
	case 0x8863:
		return "PPPoE D"
	case 0x8864:
		return "PPPoE S"
	}
	return "Unknown"
}

// etherType prints the packet above the link layer and reports whether it
// knew how.
func (f *Formatter) etherType(b *strings.Builder, et uint16, d []byte, wire int) bool {
	switch et {
	case etherIPv4:
		f.ipv4(b, d, wire)
	case etherIPv6:
		f.ipv6(b, d, wire)
	case etherARP, etherRARP:
		arp(b, d, wire)
	default:
		return false
	}
	return true
}

func arp(b *strings.Builder, d []byte, wire int) {
	b.WriteString("ARP, ")
	if len(d) < 8 {
		b.WriteString("[|arp]")
		return
	}
	pro, hln, pln, op := be16(d[2:]), int(d[4]), int(d[5]), be16(d[6:])
	if len(d) < 8+2*hln+2*pln {
		b.WriteString("[|arp]")
		return
	}
	sha, spa := d[8:8+hln], d[8+hln:8+hln+pln]
	tha, tpa := d[8+hln+pln:8+2*hln+pln], d[8+2*hln+pln:8+2*hln+2*pln]
	if pro != etherIPv4 || pln != 4 || hln == 0 {
		fmt.Fprintf(b, "%s (len %d), %s (len %d), length %d", arpHrdName(be16(d)), hln, arpProName(pro), pln, wire)
		return
	}
	ip := func(a []byte) string { return netip.AddrFrom4([4]byte(a)).String() }
	switch op {
	case 1:
		b.WriteString("Request who-has " + ip(tpa))
		if !allZero(tha) {
			b.WriteString(" (" + macString(tha) + ")")
		}
		b.WriteString(" tell " + ip(spa))
	case 2:
		b.WriteString("Reply " + ip(spa) + " is-at " + macString(sha))
	case 3:
		b.WriteString("Reverse Request who-is " + macString(tha) + " tell " + macString(sha))
	case 4:
		b.WriteString("Reverse Reply " + macString(tha) + " at " + ip(tpa))
	case 8:
		b.WriteString("Inverse Request who-is " + macString(tha) + " tell " + macString(sha))
	case 9:
		b.WriteString("Inverse Reply " + macString(sha) + " at " + ip(spa))
	default:
		fmt.Fprintf(b, "Unknown (%d)", op)
	}
	fmt.Fprintf(b, ", length %d", wire)
}

func arpHrdName(h uint16) string {
	switch h {
	case 1:
		return "Ethernet"
	case 6:
		return "IEEE 802"
	}
	return fmt.Sprintf("Unknown Hardware (%d)", h)
}

func arpProName(p uint16) string {
	if p == etherIPv4 {
		return "IPv4"
	}
	if p == etherIPv6 {
		return "IPv6"
	}
	return fmt.Sprintf("Unknown Protocol (0x%04x)", p)
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func (f *Formatter) ipv4(b *strings.Builder, d []byte, wire int) {
	b.WriteString("IP ")
	if len(d) < 20 {
		b.WriteString("[|ip]")
		return
	}
	if v := d[0] >> 4; v != 4 {
		fmt.Fprintf(b, "bad-version %d", v)
		return
	}
	hl := int(d[0]&0x0f) * 4
	if hl < 20 {
		fmt.Fprintf(b, "bad-hlen %d", hl)
		return
	}
	length := int(be16(d[2:]))
	if length == 0 { // TSO: the kernel leaves the length to the NIC
		length = wire
	}
	if length < hl {
		fmt.Fprintf(b, "bad-len %d", length)
		return
	}
	if wire < length {
		fmt.Fprintf(b, "truncated-ip - %d bytes missing! ", length-wire)
		length = wire
	}
	if len(d) < hl {
		b.WriteString("[|ip]")
		return
	}
	src := netip.AddrFrom4([4]byte(d[12:16]))
	dst := netip.AddrFrom4([4]byte(d[16:20]))
	proto := d[9]
	payload := d[hl:min(len(d), length)]
	plen := length - hl
	if be16(d[6:])&0x1fff != 0 {
		// Not the first fragment: no transport header to show.
		fmt.Fprintf(b, "%s > %s: ip-proto-%d", src, dst, proto)
		return
	}
	f.transport(b, proto, src, dst, payload, plen)
}

func (f *Formatter) ipv6(b *strings.Builder, d []byte, wire int) {
	b.WriteString("IP6 ")
	if len(d) < 40 {
		b.WriteString("[|ip6]")
		return
	}
	if v := d[0] >> 4; v != 6 {
		fmt.Fprintf(b, "bad-version %d", v)
		return
	}
	length := int(be16(d[4:]))
	if length == 0 { // jumbogram or TSO
		length = wire - 40
	}
	if wire-40 < length {
		fmt.Fprintf(b, "truncated-ip6 - %d bytes missing!", length-(wire-40))
		length = max(wire-40, 0)
	}
	src := netip.AddrFrom16([16]byte(d[8:24]))
	dst := netip.AddrFrom16([16]byte(d[24:40]))
	nh := d[6]
	payload := d[40:min(len(d), 40+length)]
	plen := length
	if nh != protoTCP && nh != protoUDP && nh != protoSCTP {
		fmt.Fprintf(b, "%s > %s: ", src, dst)
	}
	for {
		switch nh {
		case 0, 60, 43: // hop-by-hop, destination options, routing
			if len(payload) < 2 {
				b.WriteString("[|ip6]")
				return
			}
			hlen := (int(payload[1]) + 1) * 8
			switch nh {
			case 0:
				b.WriteString("HBH ")
			case 60:
				b.WriteString("DSTOPT ")
			default:
				b.WriteString("srcrt ")
			}
			if len(payload) < hlen || plen < hlen {
				b.WriteString("[|ip6]")
				return
			}
			nh = payload[0]
			payload, plen = payload[hlen:], plen-hlen
			continue
		case protoIPv6Fr:
			if len(payload) < 8 || plen < 8 {
				b.WriteString("[|frag]")
				return
			}
			off := be16(payload[2:]) &^ 7
			fmt.Fprintf(b, "frag (%d|%d) ", off, plen-8)
			if off != 0 {
				return
			}
			nh = payload[0]
			payload, plen = payload[8:], plen-8
			continue
		}
		break
	}
	f.transport(b, nh, src, dst, payload, plen)
}

// transport prints what an IP packet carries; src > dst is already printed
// except for TCP and UDP, which print addresses with ports.
func (f *Formatter) transport(b *strings.Builder, proto uint8, src, dst netip.Addr, d []byte, length int) {
	switch {
	case proto == protoTCP:
		f.tcpSegment(b, src, dst, d, length)
		return
	case proto == protoUDP:
		udp(b, src, dst, d, length)
		return
	}
	if src.Is4() {
		fmt.Fprintf(b, "%s > %s: ", src, dst)
	}
	switch {
	case proto == protoICMP && src.Is4():
		icmp4(b, d, length)
	case proto == protoICMPv6 && src.Is6():
		icmp6(b, d, length)
	case proto == 2 && src.Is4():
		igmp(b, d, length)
	default:
		fmt.Fprintf(b, " ip-proto-%d %d", proto, length)
	}
}

func hostPort(a netip.Addr, port uint16) string {
	return fmt.Sprintf("%s.%d", a, port)
}

func udp(b *strings.Builder, src, dst netip.Addr, d []byte, length int) {
	if len(d) < 8 {
		if len(d) >= 4 {
			fmt.Fprintf(b, "%s > %s: ", hostPort(src, be16(d)), hostPort(dst, be16(d[2:])))
		} else {
			fmt.Fprintf(b, "%s > %s: ", src, dst)
		}
		b.WriteString("[|udp]")
		return
	}
	fmt.Fprintf(b, "%s > %s: ", hostPort(src, be16(d)), hostPort(dst, be16(d[2:])))
	ulen := int(be16(d[4:]))
	if ulen == 0 && length > 65535 {
		ulen = length
	}
	if ulen < 8 {
		fmt.Fprintf(b, "truncated-udplength %d", ulen)
		return
	}
	fmt.Fprintf(b, "UDP, length %d", ulen-8)
}

// TCP flag bits.
const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpRST = 0x04
	tcpPSH = 0x08
	tcpACK = 0x10
	tcpURG = 0x20
	tcpECE = 0x40
	tcpCWR = 0x80
)

func tcpFlags(fl uint8) string {
	var s strings.Builder
	for _, x := range []struct {
		bit uint8
		c   byte
	}{{tcpFIN, 'F'}, {tcpSYN, 'S'}, {tcpRST, 'R'}, {tcpPSH, 'P'}, {tcpACK, '.'}, {tcpURG, 'U'}, {tcpECE, 'E'}, {tcpCWR, 'W'}} {
		if fl&x.bit != 0 {
			s.WriteByte(x.c)
		}
	}
	if s.Len() == 0 {
		return "none"
	}
	return s.String()
}

func (f *Formatter) tcpSegment(b *strings.Builder, src, dst netip.Addr, d []byte, length int) {
	if len(d) < 4 {
		fmt.Fprintf(b, "%s > %s: [|tcp]", src, dst)
		return
	}
	sport, dport := be16(d), be16(d[2:])
	fmt.Fprintf(b, "%s > %s: ", hostPort(src, sport), hostPort(dst, dport))
	if len(d) < 20 {
		b.WriteString("[|tcp]")
		return
	}
	hlen := int(d[12]>>4) * 4
	if hlen < 20 {
		fmt.Fprintf(b, "tcp %d [bad hdr length %d - too short, < 20]", length, hlen)
		return
	}
	flags := d[13]
	seq, ack := be32(d[4:]), be32(d[8:])
	win, urp := be16(d[14:]), be16(d[18:])
	fmt.Fprintf(b, "Flags [%s]", tcpFlags(flags))
	if hlen > length {
		fmt.Fprintf(b, " [bad hdr length %d - too long, > %d]", hlen, length)
		return
	}
	// Relative sequence numbers, as tcpdump does without -S: the first
	// packet with ACK set records both initial sequence numbers.
	var peerSeq uint32 // initial sequence number of the receiver
	if flags&tcpACK != 0 {
		from, to := netip.AddrPortFrom(src, sport), netip.AddrPortFrom(dst, dport)
		forward := from.Compare(to) < 0
		conv := tcpConv{a: from, b: to}
		if !forward {
			conv = tcpConv{a: to, b: from}
		}
		if f.tcp == nil {
			f.tcp = make(map[tcpConv]*tcpISN)
		}
		isn, ok := f.tcp[conv]
		if !ok || flags&tcpSYN != 0 {
			if len(f.tcp) >= 4096 { // bound memory on long captures
				clear(f.tcp)
			}
			isn = &tcpISN{}
			f.tcp[conv] = isn
			if forward {
				isn.a, isn.b = seq, ack-1
			} else {
				isn.b, isn.a = seq, ack-1
			}
		} else if forward {
			seq, ack = seq-isn.a, ack-isn.b
		} else {
			seq, ack = seq-isn.b, ack-isn.a
		}
		peerSeq = isn.b
		if !forward {
			peerSeq = isn.a
		}
	}
	datalen := length - hlen
	if datalen > 0 || flags&(tcpSYN|tcpFIN|tcpRST) != 0 {
		fmt.Fprintf(b, ", seq %d", seq)
		if datalen > 0 {
			fmt.Fprintf(b, ":%d", seq+uint32(datalen))
		}
	}
	if flags&tcpACK != 0 {
		fmt.Fprintf(b, ", ack %d", ack)
	}
	fmt.Fprintf(b, ", win %d", win)
	if flags&tcpURG != 0 {
		fmt.Fprintf(b, ", urg %d", urp)
	}
	if hlen > 20 {
		if len(d) < hlen {
			b.WriteString(", options [|tcp]")
			return
		}
		b.WriteString(", options [")
		tcpOptions(b, d[20:hlen], peerSeq)
		b.WriteString("]")
	}
	fmt.Fprintf(b, ", length %d", datalen)
}

// tcpOptions prints TCP options; peerSeq is the receiver's initial
// sequence number, which relative SACK blocks are measured from.
func tcpOptions(b *strings.Builder, o []byte, peerSeq uint32) {
	first := true
	for len(o) > 0 {
		if !first {
			b.WriteByte(',')
		}
		first = false
		kind := o[0]
		if kind == 0 {
			b.WriteString("eol")
			return
		}
		if kind == 1 {
			b.WriteString("nop")
			o = o[1:]
			continue
		}
		if len(o) < 2 || int(o[1]) < 2 || int(o[1]) > len(o) {
			b.WriteString("[bad opt]")
			return
		}
		n := int(o[1])
		v := o[2:n]
		switch {
		case kind == 2 && n == 4:
			fmt.Fprintf(b, "mss %d", be16(v))
		case kind == 3 && n == 3:
			fmt.Fprintf(b, "wscale %d", v[0])
		case kind == 4 && n == 2:
			b.WriteString("sackOK")
		case kind == 5 && (n-2)%8 == 0:
			fmt.Fprintf(b, "sack %d ", (n-2)/8)
			for i := 0; i+8 <= len(v); i += 8 {
				// SACK blocks are in the receiver's sequence space.
				fmt.Fprintf(b, "{%d:%d}", be32(v[i:])-peerSeq, be32(v[i+4:])-peerSeq)
			}
		case kind == 8 && n == 10:
			fmt.Fprintf(b, "TS val %d ecr %d", be32(v), be32(v[4:]))
		case kind == 19:
			b.WriteString("md5")
		case kind == 28 && n == 4:
			fmt.Fprintf(b, "uto %d", be16(v))
		case kind == 30:
			b.WriteString("mptcp")
		case kind == 34:
			b.WriteString("tfo")
		default:
			fmt.Fprintf(b, "unknown-%d ", kind)
			for _, c := range v {
				fmt.Fprintf(b, "%02x", c)
			}
		}
		o = o[n:]
	}
}

var icmpUnreach = [...]string{
	5:  "%s unreachable - source route failed",
	6:  "net %s unreachable - unknown",
	7:  "host %s unreachable - unknown",
	8:  "%s unreachable - source host isolated",
	9:  "net %s unreachable - admin prohibited",
	10: "host %s unreachable - admin prohibited",
	11: "net %s unreachable - tos prohibited",
	12: "host %s unreachable - tos prohibited",
	13: "host %s unreachable - admin prohibited filter",
	14: "host %s unreachable - host precedence violation",
	15: "host %s unreachable - precedence cutoff",
}

var icmpTypes = [...]string{
	0: "echo reply", 4: "source quench", 8: "echo request", 10: "router solicitation",
	13: "time stamp request", 14: "time stamp reply", 15: "information request",
	16: "information reply", 17: "address mask request", 18: "address mask reply",
}

// tableName is t[i], or "" beyond t.
func tableName(t []string, i uint8) string {
	if int(i) < len(t) {
		return t[i]
	}
	return ""
}

func icmp4(b *strings.Builder, d []byte, length int) {
	b.WriteString("ICMP ")
	if len(d) < 4 {
		b.WriteString("[|icmp]")
		return
	}
	typ, code := d[0], d[1]
	// The offending packet's header, for error messages.
	var inner []byte
	innerDst := ""
	if len(d) >= 28 {
		inner = d[8:]
		innerDst = netip.AddrFrom4([4]byte(inner[16:20])).String()
	}
	needInner := func() bool {
		if inner == nil {
			b.WriteString("[|icmp]")
			return false
		}
		return true
	}
	switch typ {
	case 0, 8:
		if len(d) < 8 {
			b.WriteString("[|icmp]")
			return
		}
		kind := "request"
		if typ == 0 {
			kind = "reply"
		}
		fmt.Fprintf(b, "echo %s, id %d, seq %d", kind, be16(d[4:]), be16(d[6:]))
	case 3:
		if !needInner() {
			return
		}
		switch code {
		case 0:
			fmt.Fprintf(b, "net %s unreachable", innerDst)
		case 1:
			fmt.Fprintf(b, "host %s unreachable", innerDst)
		case 2:
			fmt.Fprintf(b, "%s protocol %d unreachable", innerDst, inner[9])
		case 3:
			ihl := int(inner[0]&0xf) * 4
			if len(inner) < ihl+4 {
				b.WriteString("[|icmp]")
				return
			}
			dport := be16(inner[ihl+2:])
			switch inner[9] {
			case protoTCP:
				fmt.Fprintf(b, "%s tcp port %d unreachable", innerDst, dport)
			case protoUDP:
				fmt.Fprintf(b, "%s udp port %d unreachable", innerDst, dport)
			default:
				fmt.Fprintf(b, "%s protocol %d port %d unreachable", innerDst, inner[9], dport)
			}
		case 4:
			if mtu := be16(d[6:]); mtu != 0 {
				fmt.Fprintf(b, "%s unreachable - need to frag (mtu %d)", innerDst, mtu)
			} else {
				fmt.Fprintf(b, "%s unreachable - need to frag", innerDst)
			}
		default:
			if format := tableName(icmpUnreach[:], code); format != "" {
				fmt.Fprintf(b, format, innerDst)
			} else {
				fmt.Fprintf(b, "#%d %s unreachable", code, innerDst)
			}
		}
	case 5:
		if !needInner() {
			return
		}
		gw := netip.AddrFrom4([4]byte(d[4:8]))
		kinds := []string{"redirect %s to net %s", "redirect %s to host %s", "redirect-tos %s to net %s", "redirect-tos %s to host %s"}
		format := "redirect-#%d %s to %s"
		if int(code) < len(kinds) {
			fmt.Fprintf(b, kinds[code], innerDst, gw)
		} else {
			fmt.Fprintf(b, format, code, innerDst, gw)
		}
	case 11:
		switch code {
		case 0:
			b.WriteString("time exceeded in-transit")
		case 1:
			b.WriteString("ip reassembly time exceeded")
		default:
			fmt.Fprintf(b, "time exceeded-#%d", code)
		}
	case 12:
		switch {
		case code != 0:
			fmt.Fprintf(b, "parameter problem - code %d", code)
		case len(d) < 5:
			b.WriteString("[|icmp]")
			return
		default:
			fmt.Fprintf(b, "parameter problem - octet %d", d[4])
		}
	default:
		if s := tableName(icmpTypes[:], typ); s != "" {
			b.WriteString(s)
		} else {
			fmt.Fprintf(b, "type-#%d", typ)
		}
	}
	fmt.Fprintf(b, ", length %d", length)
}

// icmp6TypeName is tcpdump's name of an ICMPv6 type, "" for none.
func icmp6TypeName(typ uint8) string {
	switch {
	case typ >= 128:
		return tableName(icmp6Types[:], typ-128+5)
	case typ < 5:
		return icmp6Types[typ]
	}
	return ""
}

// icmp6Types names the ICMPv6 error types 1 to 4 at their number and the
// informational types 128 to 143 at 5 + (type - 128).
var icmp6Types = [...]string{
	1: "destination unreachable", 2: "packet too big", 3: "time exceeded", 4: "parameter problem",
	5 + 0: "echo request", 5 + 1: "echo reply", 5 + 2: "multicast listener query", 5 + 3: "multicast listener report",
	5 + 4: "multicast listener done", 5 + 5: "router solicitation", 5 + 6: "router advertisement",
	5 + 7: "neighbor solicitation", 5 + 8: "neighbor advertisement", 5 + 9: "redirect", 5 + 10: "router renumbering",
	5 + 11: "node information query", 5 + 12: "node information reply", 5 + 13: "inverse neighbor solicitation",
	5 + 14: "inverse neighbor advertisement", 5 + 15: "multicast listener report v2",
}

var icmp6Unreach = [...]string{
	0: "unreachable route", 1: " unreachable prohibited", 2: "beyond scope",
	3: "unreachable address", 4: "unreachable port",
}

func icmp6(b *strings.Builder, d []byte, length int) {
	b.WriteString("ICMP6, ")
	if len(d) < 4 {
		b.WriteString("[|icmp6]")
		return
	}
	typ, code := d[0], d[1]
	name := icmp6TypeName(typ)
	if name == "" {
		fmt.Fprintf(b, "unknown icmp6 type (%d), length %d", typ, length)
		return
	}
	b.WriteString(name)
	innerDst := func() (netip.Addr, bool) {
		if len(d) < 8+40 {
			b.WriteString("[|icmp6]")
			return netip.Addr{}, false
		}
		return netip.AddrFrom16([16]byte(d[8+24 : 8+40])), true
	}
	switch typ {
	case 1:
		cs := tableName(icmp6Unreach[:], code)
		if cs == "" {
			cs = fmt.Sprintf("unknown unreach code (%d)", code)
		}
		b.WriteString(", " + cs)
		switch code {
		case 0, 1, 3:
			a, ok := innerDst()
			if !ok {
				return
			}
			b.WriteString(" " + a.String())
		case 2:
			a, ok := innerDst()
			if !ok {
				return
			}
			fmt.Fprintf(b, " %s, source address %s", a, netip.AddrFrom16([16]byte(d[8+8:8+24])))
		case 4:
			a, ok := innerDst()
			if !ok {
				return
			}
			proto, th := upperLayer6(d[8:])
			if th == nil {
				b.WriteString("[|icmp6]")
				return
			}
			switch proto {
			case protoTCP:
				fmt.Fprintf(b, ", %s tcp port %d", a, be16(th[2:]))
			case protoUDP:
				fmt.Fprintf(b, ", %s udp port %d", a, be16(th[2:]))
			default:
				fmt.Fprintf(b, ", %s protocol %d port %d unreachable", a, proto, be16(th[2:]))
			}
		}
	case 2:
		if len(d) < 8 {
			b.WriteString("[|icmp6]")
			return
		}
		fmt.Fprintf(b, ", mtu %d", be32(d[4:]))
	case 3:
		switch code {
		case 0:
			a, ok := innerDst()
			if !ok {
				return
			}
			b.WriteString(" for " + a.String())
		case 1:
			b.WriteString(" (reassembly)")
		default:
			fmt.Fprintf(b, ", unknown code (%d)", code)
		}
	case 4:
		if len(d) < 8 {
			b.WriteString("[|icmp6]")
			return
		}
		switch code {
		case 0:
			fmt.Fprintf(b, ", erroneous - octet %d", be32(d[4:]))
		case 1:
			fmt.Fprintf(b, ", next header - octet %d", be32(d[4:]))
		case 2:
			fmt.Fprintf(b, ", option - octet %d", be32(d[4:]))
		default:
			fmt.Fprintf(b, ", code-#%d", code)
		}
	case 128, 129:
		if len(d) < 8 {
			b.WriteString("[|icmp6]")
			return
		}
		fmt.Fprintf(b, ", id %d, seq %d", be16(d[4:]), be16(d[6:]))
	case 135, 136:
		if len(d) < 24 {
			b.WriteString("[|icmp6]")
			return
		}
		word := ", who has "
		if typ == 136 {
			word = ", tgt is "
		}
		b.WriteString(word + netip.AddrFrom16([16]byte(d[8:24])).String())
	case 137:
		if len(d) < 40 {
			b.WriteString("[|icmp6]")
			return
		}
		fmt.Fprintf(b, ", %s to %s", netip.AddrFrom16([16]byte(d[24:40])), netip.AddrFrom16([16]byte(d[8:24])))
	case 143:
		if len(d) < 8 {
			b.WriteString("[|icmp6]")
			return
		}
		fmt.Fprintf(b, ", %d group record(s)", be16(d[6:]))
	}
	fmt.Fprintf(b, ", length %d", length)
}

// upperLayer6 finds the transport header in an IPv6 packet, skipping
// extension headers; it returns nil if it cannot.
func upperLayer6(ip6 []byte) (uint8, []byte) {
	if len(ip6) < 40 {
		return 0, nil
	}
	nh, p := ip6[6], ip6[40:]
	for range 16 {
		switch nh {
		case protoTCP, protoUDP:
			if len(p) < 4 {
				return nh, nil
			}
			return nh, p
		case 0, 60, 43:
			if len(p) < 2 {
				return nh, nil
			}
			n := (int(p[1]) + 1) * 8
			if len(p) < n {
				return nh, nil
			}
			nh, p = p[0], p[n:]
		case protoIPv6Fr:
			if len(p) < 8 || be16(p[2:])&^7 != 0 {
				return nh, nil
			}
			nh, p = p[0], p[8:]
		default:
			return nh, nil
		}
	}
	return nh, nil
}

func igmp(b *strings.Builder, d []byte, length int) {
	if len(d) < 8 {
		b.WriteString("[|igmp]")
		return
	}
	group := netip.AddrFrom4([4]byte(d[4:8]))
	switch d[0] {
	case 0x11:
		switch {
		case length == 8 && d[1] == 0:
			b.WriteString("igmp query")
		case length == 8:
			b.WriteString("igmp query v2")
		default:
			b.WriteString("igmp query v3")
		}
		if !group.IsUnspecified() {
			fmt.Fprintf(b, " [gaddr %s]", group)
		}
	case 0x12:
		fmt.Fprintf(b, "igmp v1 report %s", group)
	case 0x16:
		fmt.Fprintf(b, "igmp v2 report %s", group)
	case 0x17:
		fmt.Fprintf(b, "igmp leave %s", group)
	case 0x22:
		fmt.Fprintf(b, "igmp v3 report, %d group record(s)", be16(d[6:]))
	default:
		fmt.Fprintf(b, "igmp-%d", d[0])
	}
}
