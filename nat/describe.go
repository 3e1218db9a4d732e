package nat

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/bits"
	"net/netip"
	"reflect"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Describe renders expressions in nft's rule syntax, for example
// `meta nfproto ipv4 ip saddr 192.168.11.0/24 oifname "ens33" counter
// packets 0 bytes 0 masquerade`. It reads what the expressions do, not
// what a comment says, so it shows a rule as the kernel holds it. Unlike
// nft it keeps dependency matches (meta nfproto, meta l4proto) visible;
// what it cannot name it prints in hex.
func Describe(exprs []Expr) string {
	d := describer{regs: map[Register]*regInfo{}}
	for _, e := range exprs {
		d.expr(e)
	}
	return strings.Join(d.out, " ")
}

// DescribeIn renders a rule of a table of family f as nft lists it: in an
// ip or ip6 table the network header is IPv4's or IPv6's without a match
// on meta nfproto ("ip saddr 10.0.0.0/24"), and a dependency match that
// the next match implies is left out as nft leaves it out ("meta l4proto
// udp" before "udp sport 53", "meta nfproto ipv4" before "ip saddr").
func DescribeIn(f Family, exprs []Expr) string {
	d := describer{regs: map[Register]*regInfo{}}
	if f == FamilyIPv4 || f == FamilyIPv6 {
		d.nfproto = f
	}
	for _, e := range exprs {
		d.expr(e)
	}
	out := d.out[:0:0]
	for i, w := range d.out {
		if i+1 < len(d.out) && impliedBy(w, d.out[i+1]) {
			continue
		}
		if d.nfproto != FamilyUnspec {
			// The NAT family is the table's: nft names it only in inet.
			for _, nat := range []string{"snat", "dnat"} {
				for _, fam := range []string{" ip to ", " ip6 to "} {
					if r, ok := strings.CutPrefix(w, nat+fam); ok {
						w = nat + " to " + r
					}
				}
			}
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}

// impliedBy reports whether the match dep is a dependency nft leaves out
// before the match next.
func impliedBy(dep, next string) bool {
	if p, ok := strings.CutPrefix(dep, "meta l4proto "); ok {
		return strings.HasPrefix(next, p+" sport ") || strings.HasPrefix(next, p+" dport ")
	}
	switch dep {
	case "meta nfproto ipv4":
		return strings.HasPrefix(next, "ip saddr ") || strings.HasPrefix(next, "ip daddr ")
	case "meta nfproto ipv6":
		return strings.HasPrefix(next, "ip6 saddr ") || strings.HasPrefix(next, "ip6 daddr ")
	}
	return false
}

type valueKind uint8

const (
	kindRaw valueKind = iota
	kindAddr
	kindIface
	kindNfproto
	kindL4proto
	kindPort
	kindCtState
	kindCtStatus
	kindFibType
)

type regInfo struct {
	left  string
	kind  valueKind
	size  int    // address size for kindAddr
	mask  []byte // from a bitwise
	value []byte // from an immediate
}

type describer struct {
	regs    map[Register]*regInfo
	nfproto Family
	l4      string
	out     []string
}

// reg maps a 4-byte register to the 16-byte one it is part of, as the
// kernel reports registers back.
func canonReg(r Register) Register {
	if r >= 8 && r <= 23 && (r-8)%4 == 0 {
		return Register((r-8)/4 + 1)
	}
	return r
}

func (d *describer) set(r Register, ri *regInfo) { d.regs[canonReg(r)] = ri }

func (d *describer) get(r Register) *regInfo {
	if ri, ok := d.regs[canonReg(r)]; ok {
		return ri
	}
	return &regInfo{left: fmt.Sprintf("reg %d", r)}
}

func (d *describer) expr(e Expr) {
	switch e := e.(type) {
	case *Payload:
		d.set(e.DReg, d.payload(e))
	case *Meta:
		if e.SReg != 0 {
			d.out = append(d.out, fmt.Sprintf("meta %s set %s", e.Key, d.get(e.SReg).left))
			return
		}
		ri := &regInfo{left: "meta " + e.Key.String()}
		switch e.Key {
		case MetaIifname, MetaOifname:
			ri.left, ri.kind = e.Key.String(), kindIface
		case MetaNfproto:
			ri.kind = kindNfproto
		case MetaL4proto:
			ri.kind = kindL4proto
		}
		d.set(e.DReg, ri)
	case *Ct:
		if e.SReg != 0 {
			d.out = append(d.out, fmt.Sprintf("ct %s set %s", e.Key, d.get(e.SReg).left))
			return
		}
		ri := &regInfo{left: "ct " + e.Key.String()}
		switch e.Key {
		case CtState:
			ri.kind = kindCtState
		case CtStatus:
			ri.kind = kindCtStatus
		}
		d.set(e.DReg, ri)
	case *Fib:
		ri := &regInfo{left: fmt.Sprintf("fib flags %#x result %d", uint32(e.Flags), e.Result)}
		if e.Flags == FibDaddr && e.Result == FibResultAddrType {
			ri.left, ri.kind = "fib daddr type", kindFibType
		}
		d.set(e.DReg, ri)
	case *Bitwise:
		src := *d.get(e.SReg)
		if e.Op != 0 || !allZero(e.Xor) {
			src = regInfo{left: fmt.Sprintf("(%s & 0x%x) ^ 0x%x", src.left, e.Mask, e.Xor)}
		} else {
			src.mask = e.Mask
		}
		d.set(e.DReg, &src)
	case *Cmp:
		d.out = append(d.out, d.cmp(d.get(e.SReg), e))
	case *Immediate:
		if e.Data == nil {
			v := e.Verdict.String()
			if e.Chain != "" {
				v += " " + e.Chain
			}
			d.out = append(d.out, v)
			return
		}
		d.set(e.DReg, &regInfo{left: "0x" + hex.EncodeToString(e.Data), value: e.Data})
	case *Counter:
		d.out = append(d.out, fmt.Sprintf("counter packets %d bytes %d", e.Packets, e.Bytes))
	case *Objref:
		if e.Type == unix.NFT_OBJECT_COUNTER {
			d.out = append(d.out, "counter name "+strconv.Quote(e.Object))
			return
		}
		d.out = append(d.out, fmt.Sprintf("objref type %d name %s", e.Type, strconv.Quote(e.Object)))
	case *Masq:
		s := "masquerade"
		if e.RegProtoMin != 0 {
			s += " to :" + d.port(e.RegProtoMin, e.RegProtoMax)
		}
		if f := rangeFlagNames(e.Flags &^ RangeProtoSpecified); f != "" {
			s += " " + f
		}
		d.out = append(d.out, s)
	case *NAT:
		s := e.Type.String()
		if e.Family == FamilyIPv4 {
			s += " ip"
		} else if e.Family == FamilyIPv6 {
			s += " ip6"
		}
		s += " to "
		addr := ""
		if e.RegAddrMin != 0 {
			addr = d.addr(e.RegAddrMin)
			if e.RegAddrMax != 0 && canonReg(e.RegAddrMax) != canonReg(e.RegAddrMin) {
				addr += "-" + d.addr(e.RegAddrMax)
			}
		}
		if e.RegProtoMin != 0 {
			if strings.Contains(addr, ":") {
				addr = "[" + addr + "]"
			}
			addr += ":" + d.port(e.RegProtoMin, e.RegProtoMax)
		}
		s += addr
		if f := rangeFlagNames(e.Flags &^ (RangeMapIPs | RangeProtoSpecified)); f != "" {
			s += " " + f
		}
		d.out = append(d.out, s)
	case *Unknown:
		if e.Kind == "lookup" {
			if s, ok := d.lookup(e.Data); ok {
				d.out = append(d.out, s)
				return
			}
		}
		d.out = append(d.out, fmt.Sprintf("%s 0x%x", e.Kind, e.Data))
	}
}

// lookup renders a set lookup ("tcp dport @name", "... != @name") from
// the expression's attributes; false when they do not decode.
func (d *describer) lookup(data []byte) (string, bool) {
	ad := newDecoder(data)
	var set string
	var sreg Register
	var flags uint32
	for ad.Next() {
		switch ad.Type {
		case unix.NFTA_LOOKUP_SET:
			set = ad.String()
		case unix.NFTA_LOOKUP_SREG:
			sreg = Register(ad.Uint32())
		case unix.NFTA_LOOKUP_FLAGS:
			flags = ad.Uint32()
		}
	}
	if ad.Err() != nil || set == "" || sreg == 0 {
		return "", false
	}
	op := " "
	if flags&unix.NFT_LOOKUP_F_INV != 0 {
		op = " != "
	}
	return d.get(sreg).left + op + "@" + set, true
}

func (d *describer) payload(e *Payload) *regInfo {
	switch e.Base {
	case BaseNetwork:
		fam, size := "ip", 4
		if d.nfproto == FamilyIPv6 {
			fam, size = "ip6", 16
		}
		field := ""
		switch {
		case d.nfproto == FamilyIPv4 && e.Offset == 12, d.nfproto == FamilyIPv6 && e.Offset == 8:
			field = "saddr"
		case d.nfproto == FamilyIPv4 && e.Offset == 16, d.nfproto == FamilyIPv6 && e.Offset == 24:
			field = "daddr"
		}
		if field != "" && int(e.Len) <= size {
			return &regInfo{left: fam + " " + field, kind: kindAddr, size: size}
		}
		return &regInfo{left: fmt.Sprintf("@nh,%d,%d", e.Offset*8, e.Len*8)}
	case BaseTransport:
		l4 := d.l4
		if l4 == "" {
			l4 = "th"
		}
		if e.Len == 2 && (e.Offset == 0 || e.Offset == 2) {
			field := "sport"
			if e.Offset == 2 {
				field = "dport"
			}
			return &regInfo{left: l4 + " " + field, kind: kindPort}
		}
		return &regInfo{left: fmt.Sprintf("@th,%d,%d", e.Offset*8, e.Len*8)}
	}
	return &regInfo{left: fmt.Sprintf("@ll,%d,%d", e.Offset*8, e.Len*8)}
}

func (d *describer) cmp(ri *regInfo, e *Cmp) string {
	op := ""
	if e.Op != CmpEq {
		op = e.Op.String() + " "
	}
	raw := func() string {
		if ri.mask != nil {
			return fmt.Sprintf("%s & 0x%x %s0x%x", ri.left, ri.mask, op, e.Data)
		}
		return fmt.Sprintf("%s %s0x%x", ri.left, op, e.Data)
	}
	switch ri.kind {
	case kindAddr:
		if len(e.Data) > ri.size {
			return raw()
		}
		b := make([]byte, ri.size)
		copy(b, e.Data)
		a, _ := netip.AddrFromSlice(b)
		n := len(e.Data) * 8
		if ri.mask != nil {
			n = 0
			for _, x := range ri.mask {
				n += bits.OnesCount8(x)
			}
		}
		s := a.String()
		if n != ri.size*8 {
			s += "/" + strconv.Itoa(n)
		}
		return ri.left + " " + op + s
	case kindIface:
		if ri.mask != nil {
			return raw()
		}
		name := strings.TrimRight(string(e.Data), "\x00")
		if len(e.Data) > 0 && e.Data[len(e.Data)-1] != 0 && len(e.Data) < 16 {
			name += "*"
		}
		return ri.left + " " + op + strconv.Quote(name)
	case kindNfproto:
		if len(e.Data) == 1 && ri.mask == nil {
			if e.Op == CmpEq {
				d.nfproto = Family(e.Data[0])
			}
			name := strconv.Itoa(int(e.Data[0]))
			switch Family(e.Data[0]) {
			case FamilyIPv4:
				name = "ipv4"
			case FamilyIPv6:
				name = "ipv6"
			}
			return ri.left + " " + op + name
		}
	case kindL4proto:
		if len(e.Data) == 1 && ri.mask == nil {
			name := map[byte]string{6: "tcp", 17: "udp", 132: "sctp", 1: "icmp", 58: "ipv6-icmp"}[e.Data[0]]
			if name == "" {
				name = strconv.Itoa(int(e.Data[0]))
			}
			if e.Op == CmpEq {
				d.l4 = name
			}
			return ri.left + " " + op + name
		}
	case kindPort:
		if len(e.Data) == 2 && ri.mask == nil {
			return ri.left + " " + op + strconv.Itoa(int(binary.BigEndian.Uint16(e.Data)))
		}
	case kindCtState:
		if len(e.Data) == 4 && len(ri.mask) == 4 && e.Op == CmpNeq && allZero(e.Data) {
			return ri.left + " " + CtStateBits(binary.NativeEndian.Uint32(ri.mask)).String()
		}
		if len(e.Data) == 4 && ri.mask == nil {
			return ri.left + " " + op + CtStateBits(binary.NativeEndian.Uint32(e.Data)).String()
		}
	case kindCtStatus:
		// ct status dnat: the bit masked, compared not equal to zero.
		if len(e.Data) == 4 && len(ri.mask) == 4 && e.Op == CmpNeq && allZero(e.Data) {
			if name := ctStatusName(binary.NativeEndian.Uint32(ri.mask)); name != "" {
				return ri.left + " " + name
			}
		}
	case kindFibType:
		if len(e.Data) == 4 && ri.mask == nil {
			t := binary.NativeEndian.Uint32(e.Data)
			name := map[uint32]string{1: "unicast", 2: "local", 3: "broadcast", 4: "anycast", 5: "multicast"}[t]
			if name == "" {
				name = strconv.Itoa(int(t))
			}
			return ri.left + " " + op + name
		}
	}
	return raw()
}

func (d *describer) addr(r Register) string {
	v := d.get(r).value
	if a, ok := netip.AddrFromSlice(v); ok {
		return a.String()
	}
	return d.get(r).left
}

func (d *describer) port(min, max Register) string {
	p := func(r Register) string {
		v := d.get(r).value
		if len(v) >= 2 {
			return strconv.Itoa(int(binary.BigEndian.Uint16(v)))
		}
		return d.get(r).left
	}
	s := p(min)
	if max != 0 && canonReg(max) != canonReg(min) {
		s += "-" + p(max)
	}
	return s
}

func rangeFlagNames(f RangeFlags) string {
	var names []string
	for _, x := range []struct {
		f RangeFlags
		n string
	}{{RangeProtoRandom, "random"}, {RangePersistent, "persistent"}, {RangeProtoRandomFully, "fully-random"}} {
		if f&x.f != 0 {
			names = append(names, x.n)
			f &^= x.f
		}
	}
	if f != 0 {
		names = append(names, fmt.Sprintf("flags %#x", uint32(f)))
	}
	return strings.Join(names, ",")
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

// normalize returns a copy of exprs without what the kernel changes when
// it reports a rule back: live counter values, register numbers in their
// 4-byte form, and the NAT defaults it fills in.
func normalize(exprs []Expr) []Expr {
	out := make([]Expr, 0, len(exprs))
	for _, e := range exprs {
		switch e := e.(type) {
		case *Counter:
			out = append(out, &Counter{})
		case *NAT:
			n := *e
			n.RegAddrMin, n.RegAddrMax = canonReg(n.RegAddrMin), canonReg(n.RegAddrMax)
			n.RegProtoMin, n.RegProtoMax = canonReg(n.RegProtoMin), canonReg(n.RegProtoMax)
			if n.RegAddrMin != 0 {
				n.Flags |= RangeMapIPs
				if n.RegAddrMax == 0 {
					n.RegAddrMax = n.RegAddrMin
				}
			}
			if n.RegProtoMin != 0 {
				n.Flags |= RangeProtoSpecified
				if n.RegProtoMax == 0 {
					n.RegProtoMax = n.RegProtoMin
				}
			}
			out = append(out, &n)
		case *Payload:
			x := *e
			x.DReg = canonReg(x.DReg)
			out = append(out, &x)
		case *Meta:
			x := *e
			x.DReg, x.SReg = canonReg(x.DReg), canonReg(x.SReg)
			out = append(out, &x)
		case *Ct:
			x := *e
			x.DReg, x.SReg = canonReg(x.DReg), canonReg(x.SReg)
			out = append(out, &x)
		case *Fib:
			x := *e
			x.DReg = canonReg(x.DReg)
			out = append(out, &x)
		case *Bitwise:
			x := *e
			x.SReg, x.DReg = canonReg(x.SReg), canonReg(x.DReg)
			out = append(out, &x)
		case *Cmp:
			x := *e
			x.SReg = canonReg(x.SReg)
			out = append(out, &x)
		case *Immediate:
			x := *e
			x.DReg = canonReg(x.DReg)
			out = append(out, &x)
		default:
			out = append(out, e)
		}
	}
	return out
}

// sameExprs reports whether two expression lists do the same, ignoring
// what normalize removes.
func sameExprs(a, b []Expr) bool {
	return reflect.DeepEqual(normalize(a), normalize(b))
}

// ctStatusName is nft's name of a conntrack status bit (IPS_*), "" for
// other masks.
func ctStatusName(bit uint32) string {
	switch bit {
	case 0x1:
		return "expected"
	case 0x2:
		return "seen-reply"
	case 0x4:
		return "assured"
	case 0x8:
		return "confirmed"
	case 0x10:
		return "snat"
	case 0x20:
		return "dnat"
	case 0x200:
		return "dying"
	}
	return ""
}
