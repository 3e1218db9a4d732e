// Package nltrace prints netlink messages as a readable tree: the header
// with its type and flag names, the family header, and every attribute by
// name with a decoded value. It is the printer behind nsnet's --trace.
//
// The printer knows nothing about any netlink family: a family describes its
// messages with a Schema (rtnl and nat each build their own), and the printer
// walks the bytes with it. Unknown types and attributes are printed as
// numbers with their raw bytes, so nothing the kernel sends is hidden.
package nltrace

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// Kind says how an attribute's payload is decoded.
type Kind uint8

// Attribute kinds.
const (
	Bytes  Kind = iota // raw bytes, printed in hex
	String             // NUL-terminated string
	U8                 // 8-bit unsigned integer
	U16                // 16-bit unsigned integer in the space's byte order
	U32                // 32-bit unsigned integer in the space's byte order
	U64                // 64-bit unsigned integer in the space's byte order
	S32                // 32-bit signed integer in the space's byte order
	Addr               // an IPv4 or IPv6 address, by length
	HWAddr             // a link-layer address
	Nested             // attributes of the space in Attr.Nest
	Flag               // presence is the value
	Array              // nested attributes whose types are indexes; each is of Attr.Elem
)

// Attr describes one attribute type.
type Attr struct {
	Name string
	Kind Kind
	// Nest is the attribute space of a Nested attribute.
	Nest *Space
	// Elem describes each element of an Array attribute.
	Elem *Attr
	// Header is the length of a fixed structure before a Nested attribute's
	// children (the ifinfomsg inside VETH_INFO_PEER); HeaderFmt prints it.
	Header    int
	HeaderFmt func(b []byte) string
	// Enum names an integer value.
	Enum func(v uint64) string
	// Format prints the payload itself, overriding Kind.
	Format func(b []byte) string
	// Resolve picks the space of a Nested attribute from its siblings, for
	// attributes whose layout depends on another (IFLA_INFO_DATA on
	// IFLA_INFO_KIND). It may return nil for "unknown, print raw".
	Resolve func(sib Siblings) *Space
}

// Siblings gives the payloads of the attributes around a nested one.
type Siblings map[uint16][]byte

// String returns the sibling attribute typ as a string without its NUL.
func (s Siblings) String(typ uint16) string {
	return strings.TrimRight(string(s[typ]), "\x00")
}

// Space is a set of attribute types that share a number space.
type Space struct {
	Name      string
	BigEndian bool
	// Attrs is indexed by attribute type; an entry without a Name is a
	// type the space does not describe.
	Attrs []Attr
}

// MsgKind says what a message type does, which selects the names of the
// request flags (0x100..0x800 mean different things for GET, NEW and DEL).
type MsgKind uint8

// Message kinds.
const (
	KindOther MsgKind = iota
	KindGet
	KindNew
	KindDel
)

// Msg describes one message type of a family.
type Msg struct {
	Name string
	Kind MsgKind
	// Header is the length of the family header that precedes the
	// attributes; HeaderFmt prints it.
	Header    int
	HeaderFmt func(b []byte) string
	// Attrs is the attribute space after the family header; nil means the
	// payload is printed raw.
	Attrs *Space
}

// Schema describes a netlink family for the printer.
type Schema struct {
	// Family is the family's name, for example "rtnetlink".
	Family string
	// Msg looks up a message type.
	Msg func(typ uint16) (Msg, bool)
	// Lookup, when not nil, is used instead of Msg: it also sees the
	// direction and the payload, for families whose message type alone
	// does not say what follows (generic netlink: the type is a family id,
	// the command in the genlmsghdr picks the attributes, and a family may
	// number its requests and replies apart). For the request an error
	// reply answers, dir is Sent and payload what the reply carries of it
	// (nothing when the kernel capped it).
	Lookup func(dir Direction, typ uint16, payload []byte) (Msg, bool)
}

// lookup finds the description of a message of type typ.
func (s *Schema) lookup(dir Direction, typ uint16, payload []byte) (Msg, bool) {
	switch {
	case s == nil:
		return Msg{}, false
	case s.Lookup != nil:
		return s.Lookup(dir, typ, payload)
	case s.Msg != nil:
		return s.Msg(typ)
	}
	return Msg{}, false
}

// Printer writes decoded messages to a writer. It is safe for concurrent
// use; each message is written in one piece.
type Printer struct {
	mu     sync.Mutex
	w      io.Writer
	schema *Schema
	hex    bool
	// NS names the namespace the connection lives in, printed on each
	// message header when set.
	NS string
}

// New returns a printer for schema writing to w; with hexDump each message
// is followed by a hex dump of its bytes.
func New(w io.Writer, schema *Schema, hexDump bool) *Printer {
	return &Printer{w: w, schema: schema, hex: hexDump}
}

// Direction says whether a message was sent or received.
type Direction bool

// Directions.
const (
	Sent     Direction = true
	Received Direction = false
)

// Header is a netlink message header.
type Header struct {
	Len   uint32
	Type  uint16
	Flags uint16
	Seq   uint32
	PID   uint32
}

// Netlink control message types and header flags.
const (
	nlmsgNoop    = 0x1
	nlmsgError   = 0x2
	nlmsgDone    = 0x3
	nlmsgOverrun = 0x4

	flagRequest  = 0x1
	flagMulti    = 0x2
	flagAck      = 0x4
	flagEcho     = 0x8
	flagDumpIntr = 0x10
	flagDumpFilt = 0x20
	flagCapped   = 0x100
	flagAckTLVs  = 0x200
)

// Print writes one message: h is its header and payload the bytes after it.
func (p *Printer) Print(dir Direction, h Header, payload []byte) {
	var b strings.Builder
	p.format(&b, dir, h, payload)
	p.mu.Lock()
	io.WriteString(p.w, b.String())
	p.mu.Unlock()
}

// PrintError writes an error reply that the netlink library consumed and
// turned into an error value: seq is the failed request's sequence number.
func (p *Printer) PrintError(seq uint32, errno int, errText, extMsg string, offset int) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s NLMSG_ERROR seq=%d%s\n", arrow(Received), seq, p.nsTag())
	fmt.Fprintf(&b, "    error %d %s (%s)\n", -errno, errnoName(errno), errText)
	if extMsg != "" {
		fmt.Fprintf(&b, "    NLMSGERR_ATTR_MSG %q\n", extMsg)
	}
	if offset != 0 {
		fmt.Fprintf(&b, "    NLMSGERR_ATTR_OFFS %d\n", offset)
	}
	p.mu.Lock()
	io.WriteString(p.w, b.String())
	p.mu.Unlock()
}

func arrow(d Direction) string {
	if d == Sent {
		return "→"
	}
	return "←"
}

func (p *Printer) nsTag() string {
	if p.NS == "" {
		return ""
	}
	return " netns=" + p.NS
}

func (p *Printer) format(b *strings.Builder, dir Direction, h Header, payload []byte) {
	var m Msg
	known := false
	switch h.Type {
	case nlmsgNoop:
		m, known = Msg{Name: "NLMSG_NOOP"}, true
	case nlmsgError:
		m, known = Msg{Name: "NLMSG_ERROR"}, true
	case nlmsgDone:
		m, known = Msg{Name: "NLMSG_DONE"}, true
	case nlmsgOverrun:
		m, known = Msg{Name: "NLMSG_OVERRUN"}, true
	default:
		m, known = p.schema.lookup(dir, h.Type, payload)
	}
	name := m.Name
	if !known {
		name = fmt.Sprintf("type %#x", h.Type)
	}
	fmt.Fprintf(b, "%s %s flags=%s seq=%d port=%d len=%d%s\n", arrow(dir), name,
		flagNames(h.Type, m.Kind, h.Flags), h.Seq, h.PID, h.Len, p.nsTag())
	switch h.Type {
	case nlmsgError:
		p.formatError(b, h, payload)
	case nlmsgDone:
		if len(payload) >= 4 {
			if e := int32(binary.NativeEndian.Uint32(payload)); e != 0 {
				fmt.Fprintf(b, "    error %d %s\n", e, errnoName(int(-e)))
			}
		}
	default:
		if known && m.Attrs != nil || m.Header > 0 {
			if len(payload) < m.Header {
				fmt.Fprintf(b, "    (short family header: %d bytes) %x\n", len(payload), payload)
				break
			}
			if m.Header > 0 && m.HeaderFmt != nil {
				fmt.Fprintf(b, "    %s\n", m.HeaderFmt(payload[:m.Header]))
			}
			if m.Attrs != nil {
				FormatAttrs(b, payload[m.Header:], m.Attrs, 2)
			} else if len(payload) > m.Header {
				fmt.Fprintf(b, "    payload %x\n", payload[m.Header:])
			}
		} else if len(payload) > 0 {
			fmt.Fprintf(b, "    payload %x\n", payload)
		}
	}
	if p.hex {
		raw := make([]byte, 16, 16+len(payload))
		binary.NativeEndian.PutUint32(raw[0:], h.Len)
		binary.NativeEndian.PutUint16(raw[4:], h.Type)
		binary.NativeEndian.PutUint16(raw[6:], h.Flags)
		binary.NativeEndian.PutUint32(raw[8:], h.Seq)
		binary.NativeEndian.PutUint32(raw[12:], h.PID)
		raw = append(raw, payload...)
		for _, line := range strings.Split(strings.TrimRight(hex.Dump(raw), "\n"), "\n") {
			fmt.Fprintf(b, "    | %s\n", line)
		}
	}
}

func (p *Printer) formatError(b *strings.Builder, h Header, payload []byte) {
	if len(payload) < 4 {
		fmt.Fprintf(b, "    (short error message) %x\n", payload)
		return
	}
	e := int32(binary.NativeEndian.Uint32(payload))
	if e == 0 {
		b.WriteString("    ack")
	} else {
		fmt.Fprintf(b, "    error %d %s", e, errnoName(int(-e)))
	}
	rest := payload[4:]
	if len(rest) >= 16 {
		seq := binary.NativeEndian.Uint32(rest[8:])
		typ := binary.NativeEndian.Uint16(rest[4:])
		skip := 16
		if h.Flags&flagCapped == 0 {
			if l := int(binary.NativeEndian.Uint32(rest)); l >= 16 {
				skip = align(l)
			}
		}
		name := fmt.Sprintf("type %#x", typ)
		if m, ok := p.schema.lookup(Sent, typ, rest[16:min(skip, len(rest))]); ok {
			name = m.Name
		}
		fmt.Fprintf(b, " for %s seq=%d", name, seq)
		rest = rest[min(skip, len(rest)):]
	}
	b.WriteString("\n")
	if h.Flags&flagAckTLVs != 0 && len(rest) > 0 {
		FormatAttrs(b, rest, extAckSpace, 2)
	}
}

var extAckSpace = &Space{Name: "nlmsgerr_attrs", Attrs: []Attr{
	1: {Name: "NLMSGERR_ATTR_MSG", Kind: String},
	2: {Name: "NLMSGERR_ATTR_OFFS", Kind: U32},
	3: {Name: "NLMSGERR_ATTR_COOKIE", Kind: Bytes},
	4: {Name: "NLMSGERR_ATTR_POLICY", Kind: Bytes},
	5: {Name: "NLMSGERR_ATTR_MISS_TYPE", Kind: U32},
	6: {Name: "NLMSGERR_ATTR_MISS_NEST", Kind: U32},
}}

func align(n int) int { return (n + 3) &^ 3 }

// flagNames names the header flags; the high bits depend on the message kind.
func flagNames(typ uint16, kind MsgKind, f uint16) string {
	var names []string
	add := func(bit uint16, name string) {
		if f&bit != 0 {
			names = append(names, name)
			f &^= bit
		}
	}
	add(flagRequest, "REQUEST")
	add(flagMulti, "MULTI")
	add(flagAck, "ACK")
	add(flagEcho, "ECHO")
	add(flagDumpIntr, "DUMP_INTR")
	add(flagDumpFilt, "DUMP_FILTERED")
	switch {
	case typ == nlmsgError:
		add(flagCapped, "CAPPED")
		add(flagAckTLVs, "ACK_TLVS")
	case kind == KindGet:
		if f&0x300 == 0x300 {
			names = append(names, "DUMP")
			f &^= 0x300
		}
		add(0x100, "ROOT")
		add(0x200, "MATCH")
		add(0x400, "ATOMIC")
	case kind == KindNew:
		add(0x100, "REPLACE")
		add(0x200, "EXCL")
		add(0x400, "CREATE")
		add(0x800, "APPEND")
	case kind == KindDel:
		add(0x100, "NONREC")
		add(0x200, "BULK")
	}
	if f != 0 {
		names = append(names, fmt.Sprintf("%#x", f))
	}
	if len(names) == 0 {
		return "0"
	}
	return strings.Join(names, "|")
}

// FormatAttrs writes the attributes in b, decoded with space sp, indented
// by indent levels of two spaces. It never panics on malformed input: what
// it cannot parse it prints raw.
func FormatAttrs(b *strings.Builder, data []byte, sp *Space, indent int) {
	formatAttrs(b, data, sp, indent, 0)
}

const maxDepth = 16

func formatAttrs(b *strings.Builder, data []byte, sp *Space, indent, depth int) {
	pad := strings.Repeat("  ", indent)
	// Collect siblings first so that Resolve can look at any of them.
	type raw struct {
		typ    uint16
		nested bool
		val    []byte
	}
	var attrs []raw
	sib := Siblings{}
	for len(data) >= 4 {
		l := int(binary.NativeEndian.Uint16(data))
		t := binary.NativeEndian.Uint16(data[2:])
		if l < 4 || l > len(data) {
			fmt.Fprintf(b, "%s(malformed attribute, %d bytes left) %x\n", pad, len(data), data)
			return
		}
		a := raw{typ: t & 0x3fff, nested: t&0x8000 != 0, val: data[4:l]}
		attrs = append(attrs, a)
		sib[a.typ] = a.val
		data = data[min(align(l), len(data)):]
	}
	if len(data) > 0 {
		fmt.Fprintf(b, "%s(trailing bytes) %x\n", pad, data)
	}
	for _, a := range attrs {
		var spec Attr
		ok := false
		if sp != nil && int(a.typ) < len(sp.Attrs) {
			spec = sp.Attrs[a.typ]
			ok = spec.Name != ""
		}
		if !ok {
			fmt.Fprintf(b, "%sattr %d (%d bytes) %x\n", pad, a.typ, len(a.val), a.val)
			continue
		}
		big := sp.BigEndian
		switch spec.Kind {
		case Nested, Array:
			fmt.Fprintf(b, "%s%s\n", pad, spec.Name)
			if depth >= maxDepth {
				fmt.Fprintf(b, "%s  (nested too deep) %x\n", pad, a.val)
				continue
			}
			val := a.val
			if spec.Header > 0 {
				if len(val) < spec.Header {
					fmt.Fprintf(b, "%s  (short header) %x\n", pad, val)
					continue
				}
				if spec.HeaderFmt != nil {
					fmt.Fprintf(b, "%s  %s\n", pad, spec.HeaderFmt(val[:spec.Header]))
				}
				val = val[spec.Header:]
			}
			if spec.Kind == Array {
				formatArray(b, val, spec.Elem, sp.BigEndian, indent+1, depth+1)
				continue
			}
			nest := spec.Nest
			if spec.Resolve != nil {
				nest = spec.Resolve(sib)
			}
			if nest == nil {
				fmt.Fprintf(b, "%s  (%d bytes) %x\n", pad, len(val), val)
				continue
			}
			formatAttrs(b, val, nest, indent+1, depth+1)
		default:
			fmt.Fprintf(b, "%s%s %s\n", pad, spec.Name, FormatValue(spec, a.val, big))
		}
	}
}

func formatArray(b *strings.Builder, data []byte, elem *Attr, big bool, indent, depth int) {
	pad := strings.Repeat("  ", indent)
	for len(data) >= 4 {
		l := int(binary.NativeEndian.Uint16(data))
		t := binary.NativeEndian.Uint16(data[2:]) & 0x3fff
		if l < 4 || l > len(data) {
			fmt.Fprintf(b, "%s(malformed element) %x\n", pad, data)
			return
		}
		val := data[4:l]
		data = data[min(align(l), len(data)):]
		if elem == nil {
			fmt.Fprintf(b, "%s[%d] %x\n", pad, t, val)
			continue
		}
		if elem.Kind == Nested {
			fmt.Fprintf(b, "%s[%d] %s\n", pad, t, elem.Name)
			nest := elem.Nest
			if elem.Resolve != nil {
				nest = elem.Resolve(nil)
			}
			formatAttrs(b, val, nest, indent+1, depth+1)
			continue
		}
		fmt.Fprintf(b, "%s[%d] %s %s\n", pad, t, elem.Name, FormatValue(*elem, val, big))
	}
}

// FormatValue renders a scalar attribute payload according to spec.
func FormatValue(spec Attr, v []byte, big bool) string {
	if spec.Format != nil {
		return spec.Format(v)
	}
	var order binary.ByteOrder = binary.NativeEndian
	if big {
		order = binary.BigEndian
	}
	num := func(n uint64) string {
		s := strconv.FormatUint(n, 10)
		if spec.Enum != nil {
			if name := spec.Enum(n); name != "" {
				return name + " (" + s + ")"
			}
		}
		return s
	}
	switch spec.Kind {
	case String:
		return strconv.Quote(strings.TrimRight(string(v), "\x00"))
	case U8:
		if len(v) == 1 {
			return num(uint64(v[0]))
		}
	case U16:
		if len(v) == 2 {
			return num(uint64(order.Uint16(v)))
		}
	case U32:
		if len(v) == 4 {
			return num(uint64(order.Uint32(v)))
		}
	case S32:
		if len(v) == 4 {
			return strconv.Itoa(int(int32(order.Uint32(v))))
		}
	case U64:
		if len(v) == 8 {
			return num(order.Uint64(v))
		}
	case Addr:
		if a, ok := netip.AddrFromSlice(v); ok {
			return a.String()
		}
	case HWAddr:
		if len(v) > 0 {
			return net.HardwareAddr(v).String()
		}
	case Flag:
		if len(v) == 0 {
			return "(set)"
		}
	}
	if len(v) == 0 {
		return "(empty)"
	}
	return "0x" + hex.EncodeToString(v)
}

// errnoName returns the symbolic name of a positive errno, such as EEXIST.
func errnoName(errno int) string {
	if n := unix.ErrnoName(syscall.Errno(errno)); n != "" {
		return n
	}
	return "errno " + strconv.Itoa(errno)
}
