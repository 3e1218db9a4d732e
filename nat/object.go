package nat

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// TableName is the name of nsnet's table. It is an inet table, so one
// table holds the IPv4 and IPv6 rules; every rule that matches addresses
// starts with a `meta nfproto` guard.
const TableName = "nsnet"

// TableFamily is the family of nsnet's table.
const TableFamily = FamilyINet

// The base chains of nsnet's table.
var (
	chainPostrouting = Chain{Family: TableFamily, Table: TableName, Name: "postrouting",
		Base: &BaseChain{Type: ChainNAT, Hook: HookPostrouting, Priority: PrioritySrcNAT, Policy: PolicyAccept}}
	chainPrerouting = Chain{Family: TableFamily, Table: TableName, Name: "prerouting",
		Base: &BaseChain{Type: ChainNAT, Hook: HookPrerouting, Priority: PriorityDstNAT, Policy: PolicyAccept}}
	chainOutput = Chain{Family: TableFamily, Table: TableName, Name: "output",
		Base: &BaseChain{Type: ChainNAT, Hook: HookOutput, Priority: PriorityDstNAT, Policy: PolicyAccept}}
	chainForward = Chain{Family: TableFamily, Table: TableName, Name: "forward",
		Base: &BaseChain{Type: ChainFilter, Hook: HookForward, Priority: PriorityFilter, Policy: PolicyAccept}}
	baseChains = []Chain{chainPostrouting, chainPrerouting, chainOutput, chainForward}
)

// commentPrefix starts the comment of every rule nsnet writes; the rest
// is the object's String.
const commentPrefix = "nsnet "

// An Object is something nsnet puts in its table: a Masquerade, a Forward
// or a Publish. Each becomes one or more rules that carry the comment
// "nsnet " + String(), which is how List finds them again. The set of
// Object types is closed.
type Object interface {
	// String returns the object in nsnet's command syntax, for example
	// "masquerade 192.168.11.0/24 out ens33".
	String() string
	// Rules returns the rules that make the object, or an error if the
	// object is not valid.
	Rules() ([]Rule, error)
	// key identifies the object: two objects with one key are the same.
	key() string
}

// Masquerade rewrites the source address of connections from Source to
// the address of the interface they leave by, as `iptables -t nat -A
// POSTROUTING -s SOURCE [-o OUT] -j MASQUERADE` does. OutIface "" means any
// interface. Source may be IPv4 or IPv6; a /0 prefix matches every address
// of its family.
type Masquerade struct {
	Source   netip.Prefix
	OutIface string
}

// Forward accepts forwarded traffic between interfaces A and B in both
// directions: new connections and the packets of established and related
// ones (not packets conntrack marks invalid). It cannot override a drop
// in another table (see ForwardDrops). Forward{A, B} and Forward{B, A} are
// the same object.
type Forward struct {
	A, B string
}

// Publish makes a service inside a namespace reachable on a port of the
// host, like Docker's -p: connections to Listen (any local address when
// Listen's address is not valid), arriving on InIface ("" for any), are
// sent to To. Without InIface, connections the host itself opens to its
// own addresses are sent there too (through the output hook). Proto 0
// means TCP.
type Publish struct {
	Proto   Proto
	Listen  netip.AddrPort
	To      netip.AddrPort
	InIface string
}

// String returns "masquerade PREFIX [out IFACE]".
func (m Masquerade) String() string {
	s := "masquerade " + m.Source.Masked().String()
	if m.OutIface != "" {
		s += " out " + m.OutIface
	}
	return s
}

func (m Masquerade) key() string { return m.String() }

// String returns "forward A B".
func (f Forward) String() string { return "forward " + f.A + " " + f.B }

func (f Forward) key() string {
	a, b := f.A, f.B
	if b < a {
		a, b = b, a
	}
	return "forward " + a + " " + b
}

// String returns "publish [ADDR:]PORT/PROTO to ADDR:PORT [in IFACE]".
func (p Publish) String() string {
	s := "publish "
	port := strconv.Itoa(int(p.Listen.Port()))
	switch {
	case !p.Listen.Addr().IsValid():
		s += port
	default:
		s += p.Listen.String()
	}
	s += "/" + p.Proto.String() + " to " + p.To.String()
	if p.InIface != "" {
		s += " in " + p.InIface
	}
	return s
}

func (p Publish) key() string { return p.String() }

// listenKey identifies what a Publish listens on: two publishes with one
// listen key and different targets conflict.
func (p Publish) listenKey() string {
	q := p
	q.To = netip.AddrPort{}
	return q.String()
}

// validIface checks an interface name the way the kernel does.
func validIface(name string) error {
	if name == "" || len(name) > 15 || name == "." || name == ".." ||
		strings.ContainsAny(name, "/: \t\n\x00") {
		return fmt.Errorf("invalid interface name %q", name)
	}
	return nil
}

func comment(o Object) string { return commentPrefix + o.String() }

// counterRef is `counter name "NAME"`: the rule counts into o's counter
// object (see CounterName).
func counterRef(o Object) Expr {
	return &Objref{Type: unix.NFT_OBJECT_COUNTER, Object: CounterName(o)}
}

// Rules returns the one postrouting rule of the masquerade.
func (m Masquerade) Rules() ([]Rule, error) {
	if !m.Source.IsValid() {
		return nil, fmt.Errorf("masquerade: no source prefix")
	}
	if m.Source.Addr().Is4In6() {
		return nil, fmt.Errorf("masquerade: %s is an IPv4-mapped IPv6 prefix; write it as IPv4", m.Source)
	}
	if m.OutIface != "" {
		if err := validIface(m.OutIface); err != nil {
			return nil, err
		}
	}
	src := m.Source.Masked()
	exprs := nfprotoMatch(src.Addr())
	exprs = append(exprs, prefixMatch(src, saddrOffset(src.Addr()), CmpEq)...)
	if m.OutIface != "" {
		exprs = append(exprs, ifaceMatch(MetaOifname, m.OutIface)...)
	}
	exprs = append(exprs, counterRef(m), &Masq{})
	return []Rule{{Family: TableFamily, Table: TableName, Chain: chainPostrouting.Name, Exprs: exprs, Comment: comment(m)}}, nil
}

// Rules returns the two forward rules, A to B and B to A.
func (f Forward) Rules() ([]Rule, error) {
	for _, n := range []string{f.A, f.B} {
		if err := validIface(n); err != nil {
			return nil, err
		}
	}
	if f.A == f.B {
		return nil, fmt.Errorf("forward: the two interfaces are the same (%s)", f.A)
	}
	var rules []Rule
	for _, d := range [][2]string{{f.A, f.B}, {f.B, f.A}} {
		exprs := ifaceMatch(MetaIifname, d[0])
		exprs = append(exprs, ifaceMatch(MetaOifname, d[1])...)
		exprs = append(exprs, ctStateMatch(CtStateNew|CtStateEstablished|CtStateRelated)...)
		exprs = append(exprs, counterRef(f), &Immediate{DReg: RegVerdict, Verdict: VerdictAccept})
		rules = append(rules, Rule{Family: TableFamily, Table: TableName, Chain: chainForward.Name, Exprs: exprs, Comment: comment(f)})
	}
	return rules, nil
}

// canon returns p with Proto set and addresses unmapped.
func (p Publish) canon() Publish {
	if p.Proto == 0 {
		p.Proto = TCP
	}
	return p
}

// Rules returns the prerouting rule of the publish and, without InIface,
// the output rule for connections from the host itself.
func (p Publish) Rules() ([]Rule, error) {
	p = p.canon()
	if p.Proto != TCP && p.Proto != UDP {
		return nil, fmt.Errorf("publish: protocol %d is neither tcp nor udp", p.Proto)
	}
	to := p.To.Addr()
	if !to.IsValid() || to.IsUnspecified() || to.Is4In6() || to.Zone() != "" {
		return nil, fmt.Errorf("publish: invalid target address %q", to)
	}
	if p.To.Port() == 0 || p.Listen.Port() == 0 {
		return nil, fmt.Errorf("publish: port 0")
	}
	la := p.Listen.Addr()
	if la.IsValid() && (la.Is4() != to.Is4() || la.Is4In6() || la.Zone() != "") {
		return nil, fmt.Errorf("publish: %s and %s are not of one family", la, to)
	}
	if p.InIface != "" {
		if err := validIface(p.InIface); err != nil {
			return nil, err
		}
	}
	fam := FamilyIPv4
	if to.Is6() {
		fam = FamilyIPv6
	}
	tail := portMatch(p.Proto, p.Listen.Port())
	tail = append(tail, counterRef(p),
		&Immediate{DReg: Reg1, Data: to.AsSlice()},
		&Immediate{DReg: Reg2, Data: binary.BigEndian.AppendUint16(nil, p.To.Port())},
		&NAT{Type: NATDestination, Family: fam, RegAddrMin: Reg1, RegProtoMin: Reg2, Flags: RangeProtoSpecified})

	pre := nfprotoMatch(to)
	out := nfprotoMatch(to)
	if la.IsValid() {
		m := prefixMatch(netip.PrefixFrom(la, la.BitLen()), daddrOffset(la), CmpEq)
		pre = append(pre, m...)
		out = append(out, m...)
	} else {
		pre = append(pre, localMatch()...)
		out = append(out, localMatch()...)
		out = append(out, prefixMatch(loopback(to), daddrOffset(to), CmpNeq)...)
	}
	c := comment(p)
	rules := []Rule{{Family: TableFamily, Table: TableName, Chain: chainPrerouting.Name, Comment: c}}
	if p.InIface != "" {
		pre = append(pre, ifaceMatch(MetaIifname, p.InIface)...)
	}
	rules[0].Exprs = append(pre, tail...)
	if p.InIface == "" {
		rules = append(rules, Rule{Family: TableFamily, Table: TableName, Chain: chainOutput.Name, Comment: c,
			Exprs: append(out, slices.Clone(tail)...)})
	}
	return rules, nil
}

// loopback returns the loopback prefix of a's family.
func loopback(a netip.Addr) netip.Prefix {
	if a.Is4() {
		return netip.MustParsePrefix("127.0.0.0/8")
	}
	return netip.MustParsePrefix("::1/128")
}

// Offsets of the source and destination addresses in the network header.
func saddrOffset(a netip.Addr) uint32 {
	if a.Is4() {
		return 12
	}
	return 8
}

func daddrOffset(a netip.Addr) uint32 {
	if a.Is4() {
		return 16
	}
	return 24
}

// nfprotoMatch is `meta nfproto ipv4` (or ipv6): in an inet table it keeps
// IPv4 rules off IPv6 packets and the reverse.
func nfprotoMatch(a netip.Addr) []Expr {
	f := FamilyIPv4
	if a.Is6() {
		f = FamilyIPv6
	}
	return []Expr{&Meta{Key: MetaNfproto, DReg: Reg1}, &Cmp{SReg: Reg1, Op: CmpEq, Data: []byte{byte(f)}}}
}

// prefixMatch compares the address at offset with p, as nft does: a load
// of only the prefix's bytes when its length is a multiple of eight, else
// of the whole address, masked. A /0 prefix matches everything and needs
// no expressions.
func prefixMatch(p netip.Prefix, offset uint32, op CmpOp) []Expr {
	bits := p.Bits()
	if bits == 0 {
		return nil
	}
	n := bits / 8
	if bits%8 != 0 {
		n = p.Addr().BitLen() / 8
	}
	addr := p.Masked().Addr().AsSlice()[:n]
	exprs := []Expr{&Payload{DReg: Reg1, Base: BaseNetwork, Offset: offset, Len: uint32(n)}}
	if bits%8 != 0 {
		mask := make([]byte, n)
		for i := range bits {
			mask[i/8] |= 0x80 >> (i % 8)
		}
		exprs = append(exprs, &Bitwise{SReg: Reg1, DReg: Reg1, Len: uint32(n), Mask: mask, Xor: make([]byte, n)})
	}
	return append(exprs, &Cmp{SReg: Reg1, Op: op, Data: addr})
}

// ifaceMatch is `iifname "NAME"` or `oifname "NAME"`: the 16-byte name,
// NUL-padded, as nft sends it.
func ifaceMatch(key MetaKey, name string) []Expr {
	b := make([]byte, 16)
	copy(b, name)
	return []Expr{&Meta{Key: key, DReg: Reg1}, &Cmp{SReg: Reg1, Op: CmpEq, Data: b}}
}

// ctStateMatch is `ct state S1,S2`: the state bits (host byte order)
// masked with the set, compared not equal to zero.
func ctStateMatch(s CtStateBits) []Expr {
	mask := binary.NativeEndian.AppendUint32(nil, uint32(s))
	return []Expr{
		&Ct{Key: CtState, DReg: Reg1},
		&Bitwise{SReg: Reg1, DReg: Reg1, Len: 4, Mask: mask, Xor: make([]byte, 4)},
		&Cmp{SReg: Reg1, Op: CmpNeq, Data: make([]byte, 4)},
	}
}

// localMatch is `fib daddr type local`: the destination is an address of
// this host (Docker's `-m addrtype --dst-type LOCAL`).
func localMatch() []Expr {
	return []Expr{
		&Fib{DReg: Reg1, Result: FibResultAddrType, Flags: FibDaddr},
		&Cmp{SReg: Reg1, Op: CmpEq, Data: binary.NativeEndian.AppendUint32(nil, AddrTypeLocal)},
	}
}

// portMatch is `tcp dport N` (or udp): the L4 protocol, then the port.
func portMatch(p Proto, port uint16) []Expr {
	return []Expr{
		&Meta{Key: MetaL4proto, DReg: Reg1},
		&Cmp{SReg: Reg1, Op: CmpEq, Data: []byte{byte(p)}},
		&Payload{DReg: Reg1, Base: BaseTransport, Offset: 2, Len: 2},
		&Cmp{SReg: Reg1, Op: CmpEq, Data: binary.BigEndian.AppendUint16(nil, port)},
	}
}
