package pkt

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/net/bpf"
)

// LinkType is the link-layer header type of captured packets, as numbered
// in pcap files (the LINKTYPE_* values of tcpdump.org).
type LinkType uint32

// Link types that pkt reads, writes and filters.
const (
	LinkTypeEthernet  LinkType = 1   // LINKTYPE_ETHERNET
	LinkTypeLinuxSLL  LinkType = 113 // LINKTYPE_LINUX_SLL, Linux "cooked" v1
	LinkTypeLinuxSLL2 LinkType = 276 // LINKTYPE_LINUX_SLL2, Linux "cooked" v2
	LinkTypeNetlink   LinkType = 253 // LINKTYPE_NETLINK, netlink messages behind a cooked header (written, not filtered)
	LinkTypeNull      LinkType = 0   // LINKTYPE_NULL, BSD loopback: a 4-byte address family
	LinkTypeRaw       LinkType = 101 // LINKTYPE_RAW, an IPv4 or IPv6 header first
)

// String returns the name tcpdump uses for the link type, such as
// "EN10MB (Ethernet)".
func (t LinkType) String() string {
	switch t {
	case LinkTypeEthernet:
		return "EN10MB (Ethernet)"
	case LinkTypeLinuxSLL:
		return "LINUX_SLL (Linux cooked v1)"
	case LinkTypeLinuxSLL2:
		return "LINUX_SLL2 (Linux cooked v2)"
	case LinkTypeNetlink:
		return "NETLINK (Linux netlink)"
	case LinkTypeNull:
		return "NULL (BSD loopback)"
	case LinkTypeRaw:
		return "RAW (Raw IP)"
	}
	return "linktype " + strconv.FormatUint(uint64(t), 10)
}

// snapAccept is what a compiled program returns for a packet it keeps: the
// number of bytes to keep, as large as tcpdump's default snapshot length.
const snapAccept = 262144

// EtherTypes and IP protocol numbers the filter language knows.
const (
	etherIPv4 = 0x0800
	etherARP  = 0x0806
	etherRARP = 0x8035
	etherIPv6 = 0x86dd

	protoICMP   = 1
	protoTCP    = 6
	protoUDP    = 17
	protoIPv6Fr = 44 // IPv6 fragment header
	protoICMPv6 = 58
	protoSCTP   = 132
)

// FilterError reports an expression that does not parse or cannot be
// compiled. Pos is the byte offset in Expr of the offending word.
type FilterError struct {
	Expr string
	Pos  int
	Msg  string
}

// Error implements error.
func (e *FilterError) Error() string {
	return fmt.Sprintf("filter %q: at offset %d: %s", e.Expr, e.Pos, e.Msg)
}

// layout says where a link type puts the EtherType and the network header.
type layout struct {
	etherType bpf.Instruction // loads the EtherType into A
	nh        uint32          // offset of the network-layer header
}

var (
	layoutEthernet = layout{bpf.LoadAbsolute{Off: 12, Size: 2}, 14}
	layoutSLL      = layout{bpf.LoadAbsolute{Off: 14, Size: 2}, 16}
	layoutSLL2     = layout{bpf.LoadAbsolute{Off: 0, Size: 2}, 20}
	// layoutCooked is what a SOCK_DGRAM packet socket's filter sees: the
	// packet starts at the network header and the EtherType is the
	// skb's protocol, an ancillary load.
	layoutCooked = layout{bpf.LoadExtension{Num: bpf.ExtProto}, 0}
)

func layoutFor(t LinkType) (layout, error) {
	switch t {
	case LinkTypeEthernet:
		return layoutEthernet, nil
	case LinkTypeLinuxSLL:
		return layoutSLL, nil
	case LinkTypeLinuxSLL2:
		return layoutSLL2, nil
	}
	return layout{}, fmt.Errorf("pkt: cannot filter link type %v", t)
}

// CompileFilter compiles a filter expression (see the package
// documentation for the language) into a classic BPF program for packets
// that start with a linkType header. The program returns 0 for packets to
// drop and a non-zero snapshot length for packets to keep; an empty
// expression keeps everything. Syntax errors are *FilterError.
func CompileFilter(expr string, linkType LinkType) ([]bpf.RawInstruction, error) {
	l, err := layoutFor(linkType)
	if err != nil {
		return nil, err
	}
	return compile(expr, l)
}

func compile(expr string, l layout) ([]bpf.RawInstruction, error) {
	n, err := parseFilter(expr)
	if err != nil {
		return nil, err
	}
	insns, err := generate(n, l)
	if err != nil {
		return nil, err
	}
	raw, err := bpf.Assemble(insns)
	if err != nil {
		return nil, fmt.Errorf("pkt: assemble filter %q: %w", expr, err)
	}
	return raw, nil
}

// Filter runs a compiled program in user space, over packets read from a
// file, with the golang.org/x/net/bpf virtual machine.
type Filter struct {
	vm *bpf.VM
}

// NewFilter prepares prog, from CompileFilter, to run in user space.
func NewFilter(prog []bpf.RawInstruction) (*Filter, error) {
	insns, ok := bpf.Disassemble(prog)
	if !ok {
		return nil, fmt.Errorf("pkt: filter program has instructions the VM cannot run")
	}
	vm, err := bpf.NewVM(insns)
	if err != nil {
		return nil, fmt.Errorf("pkt: load filter: %w", err)
	}
	return &Filter{vm: vm}, nil
}

// Match reports whether the program keeps the packet whose captured bytes,
// from the link-layer header on, are data.
func (f *Filter) Match(data []byte) bool {
	n, err := f.vm.Run(data)
	return err == nil && n > 0
}

// Syntax tree.

type node interface{ String() string }

type (
	andNode  struct{ l, r node }
	orNode   struct{ l, r node }
	notNode  struct{ x node }
	protoSel struct{ p string } // "ip", "ip6", "arp", "tcp", "udp", "icmp", "icmp6"
	hostSel  struct {
		proto string // "", "ip", "ip6", "arp"
		dir   dir
		pfx   netip.Prefix
	}
	portSel struct {
		proto  string // "", "tcp", "udp"
		dir    dir
		lo, hi uint16
	}
)

type dir int

const (
	dirSrcOrDst dir = iota
	dirSrc
	dirDst
	dirSrcAndDst
)

func (d dir) String() string {
	return [...]string{"", "src ", "dst ", "src and dst "}[d]
}

func (n andNode) String() string { return "(" + n.l.String() + " and " + n.r.String() + ")" }
func (n orNode) String() string  { return "(" + n.l.String() + " or " + n.r.String() + ")" }
func (n notNode) String() string { return "not " + n.x.String() }
func (n protoSel) String() string {
	return n.p
}
func (n hostSel) String() string {
	p := ""
	if n.proto != "" {
		p = n.proto + " "
	}
	if n.pfx.IsSingleIP() {
		return p + n.dir.String() + "host " + n.pfx.Addr().String()
	}
	return p + n.dir.String() + "net " + n.pfx.String()
}
func (n portSel) String() string {
	p := ""
	if n.proto != "" {
		p = n.proto + " "
	}
	if n.lo == n.hi {
		return fmt.Sprintf("%s%sport %d", p, n.dir, n.lo)
	}
	return fmt.Sprintf("%s%sportrange %d-%d", p, n.dir, n.lo, n.hi)
}

// Lexer.

type token struct {
	s   string
	pos int
}

func lex(expr string) []token {
	var toks []token
	i := 0
	for i < len(expr) {
		c := expr[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			toks = append(toks, token{expr[i : i+1], i})
			i++
		case c == '!':
			toks = append(toks, token{"not", i})
			i++
		case strings.HasPrefix(expr[i:], "&&"):
			toks = append(toks, token{"and", i})
			i += 2
		case strings.HasPrefix(expr[i:], "||"):
			toks = append(toks, token{"or", i})
			i += 2
		default:
			j := i
			for j < len(expr) && !strings.ContainsRune(" \t\n\r()!&|", rune(expr[j])) {
				j++
			}
			if j == i { // a lone '&' or '|'
				j++
			}
			toks = append(toks, token{expr[i:j], i})
			i = j
		}
	}
	return toks
}

// Parser.

type parser struct {
	expr string
	toks []token
	i    int
	// last holds the qualifiers of the previous primitive, which a bare
	// value inherits, as in tcpdump's "host 192.0.2.1 or 192.0.2.2".
	last *quals
}

type quals struct {
	proto string
	dir   dir
	typ   string // "host", "net", "port", "portrange"
}

// maxDepth bounds nesting so that hostile input cannot exhaust the stack.
const maxDepth = 200

func parseFilter(expr string) (node, error) {
	p := &parser{expr: expr, toks: lex(expr)}
	if len(p.toks) == 0 {
		return nil, nil
	}
	n, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		return nil, p.errf("unexpected %q", p.toks[p.i].s)
	}
	return n, nil
}

func (p *parser) errf(format string, args ...any) error {
	pos := len(p.expr)
	if p.i < len(p.toks) {
		pos = p.toks[p.i].pos
	}
	return &FilterError{Expr: p.expr, Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) peek() string {
	if p.i < len(p.toks) {
		return strings.ToLower(p.toks[p.i].s)
	}
	return ""
}

func (p *parser) peekAt(k int) string {
	if p.i+k < len(p.toks) {
		return strings.ToLower(p.toks[p.i+k].s)
	}
	return ""
}

func (p *parser) or(depth int) (node, error) {
	l, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	for p.peek() == "or" {
		p.i++
		r, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		l = orNode{l, r}
	}
	return l, nil
}

func (p *parser) and(depth int) (node, error) {
	l, err := p.unary(depth)
	if err != nil {
		return nil, err
	}
	for p.peek() == "and" {
		p.i++
		r, err := p.unary(depth)
		if err != nil {
			return nil, err
		}
		l = andNode{l, r}
	}
	return l, nil
}

func (p *parser) unary(depth int) (node, error) {
	if depth > maxDepth {
		return nil, p.errf("expression nested too deeply")
	}
	switch p.peek() {
	case "not":
		p.i++
		x, err := p.unary(depth + 1)
		if err != nil {
			return nil, err
		}
		return notNode{x}, nil
	case "(":
		p.i++
		x, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, p.errf("missing )")
		}
		p.i++
		return x, nil
	case "":
		return nil, p.errf("expression ends too early")
	}
	return p.primitive()
}

// isProtoWord reports whether w names a protocol qualifier.
func isProtoWord(w string) bool {
	switch w {
	case "ip", "ip6", "arp", "tcp", "udp", "icmp", "icmp6":
		return true
	}
	return false
}

func (p *parser) primitive() (node, error) {
	var q quals
	hasProto, hasDir, hasType := false, false, false
	if w := p.peek(); isProtoWord(w) {
		q.proto, hasProto = w, true
		p.i++
	}
	switch p.peek() {
	case "src", "dst":
		hasDir = true
		q.dir = dirSrc
		if p.peek() == "dst" {
			q.dir = dirDst
		}
		p.i++
		// "src or dst" and "src and dst" are qualifiers when the word after
		// the operator is the other direction.
		if op, other := p.peek(), p.peekAt(1); (op == "or" || op == "and") && (other == "src" || other == "dst") && (q.dir == dirSrc) == (other == "dst") {
			q.dir = dirSrcOrDst
			if op == "and" {
				q.dir = dirSrcAndDst
			}
			p.i += 2
		}
	}
	switch w := p.peek(); w {
	case "host", "net", "port", "portrange":
		q.typ, hasType = w, true
		p.i++
	}
	if !hasProto && !hasDir && !hasType {
		// A bare value repeats the previous primitive's qualifiers.
		if p.last == nil || p.peek() == ")" {
			return nil, p.errf("unknown word %q (expected a primitive such as host, net, port, tcp)", p.toks[p.i].s)
		}
		q = *p.last
	} else if hasProto && !hasDir && !hasType {
		if w := p.peek(); w != "" && w != "and" && w != "or" && w != ")" && w != "not" {
			return nil, p.errf("unexpected %q after %q", p.toks[p.i].s, q.proto)
		}
		p.last = nil
		return protoSel{q.proto}, nil
	}
	if p.i >= len(p.toks) || p.peek() == ")" || p.peek() == "(" {
		return nil, p.errf("missing value")
	}
	tok := p.toks[p.i]
	val := tok.s
	if q.typ == "" { // "src 192.0.2.1", "dst 2001:db8::/32"
		q.typ = "host"
		if strings.Contains(val, "/") {
			q.typ = "net"
		}
	}
	n, err := p.value(q, val)
	if err != nil {
		return nil, err
	}
	p.i++
	p.last = &q
	return n, nil
}

func (p *parser) value(q quals, val string) (node, error) {
	switch q.typ {
	case "host", "net":
		switch q.proto {
		case "", "ip", "ip6", "arp":
		default:
			return nil, p.errf("%q cannot qualify %s", q.proto, q.typ)
		}
		var pfx netip.Prefix
		if q.typ == "host" {
			a, err := netip.ParseAddr(val)
			if err != nil || a.Zone() != "" {
				return nil, p.errf("bad host address %q (a numeric IPv4 or IPv6 address)", val)
			}
			pfx = netip.PrefixFrom(a, a.BitLen())
		} else {
			var err error
			pfx, err = netip.ParsePrefix(val)
			if err != nil {
				a, aerr := netip.ParseAddr(val)
				if aerr != nil || a.Zone() != "" {
					return nil, p.errf("bad network %q (an address/length like 192.0.2.0/24)", val)
				}
				pfx = netip.PrefixFrom(a, a.BitLen())
			}
			if pfx.Masked() != pfx {
				return nil, p.errf("network %q has bits set beyond its mask", val)
			}
		}
		pfx = netip.PrefixFrom(pfx.Addr().Unmap(), min(pfx.Bits(), pfx.Addr().Unmap().BitLen()))
		if pfx.Addr().Is6() && (q.proto == "ip" || q.proto == "arp") {
			return nil, p.errf("%s %s needs an IPv4 address, not %q", q.proto, q.typ, val)
		}
		if pfx.Addr().Is4() && q.proto == "ip6" {
			return nil, p.errf("ip6 %s needs an IPv6 address, not %q", q.typ, val)
		}
		return hostSel{proto: q.proto, dir: q.dir, pfx: pfx}, nil
	case "port", "portrange":
		switch q.proto {
		case "", "tcp", "udp":
		default:
			return nil, p.errf("%q cannot qualify %s", q.proto, q.typ)
		}
		lo, hi, ok := parsePorts(val, q.typ == "portrange")
		if !ok {
			if q.typ == "port" {
				return nil, p.errf("bad port %q (a number from 0 to 65535)", val)
			}
			return nil, p.errf("bad port range %q (like 1000-2000)", val)
		}
		return portSel{proto: q.proto, dir: q.dir, lo: lo, hi: hi}, nil
	}
	return nil, p.errf("bad value %q", val)
}

func parsePorts(s string, isRange bool) (lo, hi uint16, ok bool) {
	a, b := s, s
	if isRange {
		var found bool
		a, b, found = strings.Cut(s, "-")
		if !found {
			return 0, 0, false
		}
	}
	x, err1 := strconv.ParseUint(a, 10, 16)
	y, err2 := strconv.ParseUint(b, 10, 16)
	if err1 != nil || err2 != nil || x > y {
		return 0, 0, false
	}
	return uint16(x), uint16(y), true
}

// Code generation. Every node compiles to code that jumps to label t when
// the packet matches and to label f when it does not. Jumps go forward
// only, so the program always ends.

type label int

type insn struct {
	ins    bpf.Instruction // when not a conditional jump
	cond   bool
	test   bpf.JumpTest
	val    uint32
	jt, jf label
	place  label // > 0: not an instruction but the position of a label
	long   bool  // jt/jf too far for 8 bits: goes through two "ja"
}

type gen struct {
	l      layout
	code   []insn
	labels label
}

func (g *gen) newLabel() label { g.labels++; return g.labels }
func (g *gen) place(lb label)  { g.code = append(g.code, insn{place: lb}) }
func (g *gen) emit(i bpf.Instruction) {
	g.code = append(g.code, insn{ins: i})
}
func (g *gen) jump(test bpf.JumpTest, val uint32, t, f label) {
	g.code = append(g.code, insn{cond: true, test: test, val: val, jt: t, jf: f})
}

func generate(n node, l layout) ([]bpf.Instruction, error) {
	if n == nil {
		return []bpf.Instruction{bpf.RetConstant{Val: snapAccept}}, nil
	}
	g := &gen{l: l}
	t, f := g.newLabel(), g.newLabel()
	g.node(n, t, f)
	g.place(t)
	g.emit(bpf.RetConstant{Val: snapAccept})
	g.place(f)
	g.emit(bpf.RetConstant{Val: 0})
	return g.link()
}

func (g *gen) node(n node, t, f label) {
	switch n := n.(type) {
	case andNode:
		mid := g.newLabel()
		g.node(n.l, mid, f)
		g.place(mid)
		g.node(n.r, t, f)
	case orNode:
		mid := g.newLabel()
		g.node(n.l, t, mid)
		g.place(mid)
		g.node(n.r, t, f)
	case notNode:
		g.node(n.x, f, t)
	case protoSel:
		g.proto(n.p, t, f)
	case hostSel:
		g.host(n, t, f)
	case portSel:
		g.port(n, t, f)
	}
}

// etherIs jumps to t if the EtherType is one of types, else to f.
func (g *gen) etherIs(t, f label, types ...uint32) {
	g.emit(g.l.etherType)
	for i, et := range types {
		next := f
		if i < len(types)-1 {
			next = g.newLabel()
		}
		g.jump(bpf.JumpEqual, et, t, next)
		if next != f {
			g.place(next)
		}
	}
}

// ip4Proto checks an IPv4 packet's protocol, ip6Proto an IPv6 packet's
// next header, also behind a fragment header as tcpdump does.
func (g *gen) ip4Proto(proto uint32, t, f label) {
	isIP := g.newLabel()
	g.etherIs(isIP, f, etherIPv4)
	g.place(isIP)
	g.emit(bpf.LoadAbsolute{Off: g.l.nh + 9, Size: 1})
	g.jump(bpf.JumpEqual, proto, t, f)
}

func (g *gen) ip6Proto(proto uint32, t, f label) {
	isIP6, notDirect, frag := g.newLabel(), g.newLabel(), g.newLabel()
	g.etherIs(isIP6, f, etherIPv6)
	g.place(isIP6)
	g.emit(bpf.LoadAbsolute{Off: g.l.nh + 6, Size: 1})
	g.jump(bpf.JumpEqual, proto, t, notDirect)
	g.place(notDirect)
	g.jump(bpf.JumpEqual, protoIPv6Fr, frag, f)
	g.place(frag)
	g.emit(bpf.LoadAbsolute{Off: g.l.nh + 40, Size: 1})
	g.jump(bpf.JumpEqual, proto, t, f)
}

func (g *gen) proto(p string, t, f label) {
	switch p {
	case "ip":
		g.etherIs(t, f, etherIPv4)
	case "ip6":
		g.etherIs(t, f, etherIPv6)
	case "arp":
		g.etherIs(t, f, etherARP)
	case "icmp":
		g.ip4Proto(protoICMP, t, f)
	case "icmp6":
		g.ip6Proto(protoICMPv6, t, f)
	case "tcp", "udp":
		num := uint32(protoTCP)
		if p == "udp" {
			num = protoUDP
		}
		v6 := g.newLabel()
		g.ip4Proto(num, t, v6)
		g.place(v6)
		g.ip6Proto(num, t, f)
	}
}

// addrIs compares the address at off with pfx.
func (g *gen) addrIs(off uint32, pfx netip.Prefix, t, f label) {
	b := pfx.Addr().AsSlice()
	bits := pfx.Bits()
	var words []struct{ off, mask, val uint32 }
	for w := 0; w*32 < bits; w++ {
		mask := ^uint32(0)
		if rest := bits - w*32; rest < 32 {
			mask = ^uint32(0) << (32 - rest)
		}
		val := uint32(b[4*w])<<24 | uint32(b[4*w+1])<<16 | uint32(b[4*w+2])<<8 | uint32(b[4*w+3])
		words = append(words, struct{ off, mask, val uint32 }{off + uint32(4*w), mask, val & mask})
	}
	if len(words) == 0 { // a /0 network matches every address
		g.always(t)
		return
	}
	for i, w := range words {
		g.emit(bpf.LoadAbsolute{Off: w.off, Size: 4})
		if w.mask != ^uint32(0) {
			g.emit(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: w.mask})
		}
		next := t
		if i < len(words)-1 {
			next = g.newLabel()
		}
		g.jump(bpf.JumpEqual, w.val, next, f)
		if next != t {
			g.place(next)
		}
	}
}

// always jumps to t.
func (g *gen) always(t label) {
	g.jump(bpf.JumpEqual, 0, t, t) // A is irrelevant: both ways lead to t
}

// either runs check for the source and/or the destination, as d says.
func (g *gen) either(d dir, src, dst func(t, f label), t, f label) {
	switch d {
	case dirSrc:
		src(t, f)
	case dirDst:
		dst(t, f)
	case dirSrcOrDst:
		mid := g.newLabel()
		src(t, mid)
		g.place(mid)
		dst(t, f)
	case dirSrcAndDst:
		mid := g.newLabel()
		src(mid, f)
		g.place(mid)
		dst(t, f)
	}
}

func (g *gen) host(n hostSel, t, f label) {
	nh := g.l.nh
	if n.pfx.Addr().Is6() {
		is6 := g.newLabel()
		g.etherIs(is6, f, etherIPv6)
		g.place(is6)
		g.either(n.dir,
			func(t, f label) { g.addrIs(nh+8, n.pfx, t, f) },
			func(t, f label) { g.addrIs(nh+24, n.pfx, t, f) }, t, f)
		return
	}
	next := f
	if n.proto == "" {
		next = g.newLabel()
	}
	if n.proto == "" || n.proto == "ip" {
		is4 := g.newLabel()
		g.etherIs(is4, next, etherIPv4)
		g.place(is4)
		g.either(n.dir,
			func(t, f label) { g.addrIs(nh+12, n.pfx, t, f) },
			func(t, f label) { g.addrIs(nh+16, n.pfx, t, f) }, t, next)
	}
	if next != f {
		g.place(next)
	}
	if n.proto == "" || n.proto == "arp" {
		isARP := g.newLabel()
		types := []uint32{etherARP, etherRARP}
		if n.proto == "arp" {
			types = types[:1]
		}
		g.etherIs(isARP, f, types...)
		g.place(isARP)
		g.either(n.dir,
			func(t, f label) { g.addrIs(nh+14, n.pfx, t, f) },
			func(t, f label) { g.addrIs(nh+24, n.pfx, t, f) }, t, f)
	}
}

// portIs compares the 16-bit port loaded by load with n's port or range.
func (g *gen) portIs(load bpf.Instruction, n portSel, t, f label) {
	g.emit(load)
	if n.lo == n.hi {
		g.jump(bpf.JumpEqual, uint32(n.lo), t, f)
		return
	}
	ge := g.newLabel()
	g.jump(bpf.JumpGreaterOrEqual, uint32(n.lo), ge, f)
	g.place(ge)
	g.jump(bpf.JumpGreaterThan, uint32(n.hi), f, t)
}

func (g *gen) port(n portSel, t, f label) {
	nh := g.l.nh
	protos := []uint32{protoSCTP, protoTCP, protoUDP}
	switch n.proto {
	case "tcp":
		protos = []uint32{protoTCP}
	case "udp":
		protos = []uint32{protoUDP}
	}
	protoIn := func(off uint32, t, f label) {
		g.emit(bpf.LoadAbsolute{Off: off, Size: 1})
		for i, p := range protos {
			next := f
			if i < len(protos)-1 {
				next = g.newLabel()
			}
			g.jump(bpf.JumpEqual, p, t, next)
			if next != f {
				g.place(next)
			}
		}
	}

	// IPv6: the transport header right after the fixed header.
	is6, proto6, try4 := g.newLabel(), g.newLabel(), g.newLabel()
	g.etherIs(is6, try4, etherIPv6)
	g.place(is6)
	protoIn(nh+6, proto6, f)
	g.place(proto6)
	g.either(n.dir,
		func(t, f label) { g.portIs(bpf.LoadAbsolute{Off: nh + 40, Size: 2}, n, t, f) },
		func(t, f label) { g.portIs(bpf.LoadAbsolute{Off: nh + 42, Size: 2}, n, t, f) }, t, f)

	// IPv4: first fragments only, after a variable-length header.
	g.place(try4)
	is4, proto4, first := g.newLabel(), g.newLabel(), g.newLabel()
	g.etherIs(is4, f, etherIPv4)
	g.place(is4)
	protoIn(nh+9, proto4, f)
	g.place(proto4)
	g.emit(bpf.LoadAbsolute{Off: nh + 6, Size: 2})
	g.jump(bpf.JumpBitsSet, 0x1fff, f, first)
	g.place(first)
	g.emit(bpf.LoadMemShift{Off: nh})
	g.either(n.dir,
		func(t, f label) { g.portIs(bpf.LoadIndirect{Off: nh, Size: 2}, n, t, f) },
		func(t, f label) { g.portIs(bpf.LoadIndirect{Off: nh + 2, Size: 2}, n, t, f) }, t, f)
}

// maxInsns is the kernel's limit on a classic BPF program (BPF_MAXINSNS).
const maxInsns = 4096

// link resolves labels into jump offsets. A conditional jump reaches at
// most 255 instructions; a farther one becomes "jcond 0, 1" followed by
// two unconditional jumps, and positions are computed again.
func (g *gen) link() ([]bpf.Instruction, error) {
	for {
		pos := make(map[label]int)
		n := 0
		for _, c := range g.code {
			switch {
			case c.place > 0:
				pos[c.place] = n
			case c.long:
				n += 3
			default:
				n++
			}
		}
		changed := false
		at := 0
		for i, c := range g.code {
			switch {
			case c.place > 0:
				continue
			case c.cond && !c.long:
				if pos[c.jt]-at-1 > 255 || pos[c.jf]-at-1 > 255 {
					g.code[i].long = true
					changed = true
				}
				at++
			case c.long:
				at += 3
			default:
				at++
			}
		}
		if changed {
			continue
		}
		out := make([]bpf.Instruction, 0, n)
		for _, c := range g.code {
			at := len(out)
			switch {
			case c.place > 0:
			case c.long:
				out = append(out,
					bpf.JumpIf{Cond: c.test, Val: c.val, SkipTrue: 0, SkipFalse: 1},
					bpf.Jump{Skip: uint32(pos[c.jt] - at - 2)},
					bpf.Jump{Skip: uint32(pos[c.jf] - at - 3)})
			case c.cond:
				out = append(out, bpf.JumpIf{Cond: c.test, Val: c.val,
					SkipTrue: uint8(pos[c.jt] - at - 1), SkipFalse: uint8(pos[c.jf] - at - 1)})
			default:
				out = append(out, c.ins)
			}
		}
		if len(out) > maxInsns {
			return nil, fmt.Errorf("pkt: filter needs %d instructions, more than the kernel's %d", len(out), maxInsns)
		}
		return out, nil
	}
}
