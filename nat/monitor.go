package nat

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nl"
)

// nfnlgrpNFTables is NFNLGRP_NFTABLES, the group of nf_tables changes.
const nfnlgrpNFTables = 7

// Monitor receives the notifications of every nf_tables change in its
// namespace, of every table (what `nft monitor` shows). It is not safe
// for concurrent use.
type Monitor struct {
	nl   *nl.Conn
	sets map[string]uint32 // key types of the sets seen, by "family table set"
	// anon are the elements of the anonymous sets seen, by "family table
	// set": a rule's { a, b } is written from them.
	anon map[string][]string
}

// ErrOverrun is returned by Monitor.Receive when the kernel dropped
// notifications because the socket's queue was full.
var ErrOverrun = nl.ErrOverrun

// DialMonitor opens a Monitor as cfg says (nil: defaults).
func DialMonitor(cfg *Config) (*Monitor, error) {
	// Dial's socket, with all of Config (tracing and captures) applied.
	conn, err := Dial(cfg)
	if err != nil {
		return nil, err
	}
	c := conn.nl
	if err := c.JoinGroups(nfnlgrpNFTables); err != nil {
		c.Close()
		return nil, err
	}
	return &Monitor{nl: c, sets: map[string]uint32{}, anon: map[string][]string{}}, nil
}

// Close closes the socket.
func (m *Monitor) Close() error { return m.nl.Close() }

// Discard drops the notifications queued on the socket and returns how
// many it dropped: after ErrOverrun, call it before listing the ruleset
// again (what is queued ahead of the overrun's report is older).
func (m *Monitor) Discard() (int, error) { return m.nl.DiscardEvents() }

// SetReadBuffer sets the socket's receive buffer to n bytes: the burst of
// notifications it holds before the kernel drops some (ErrOverrun).
func (m *Monitor) SetReadBuffer(n int) error { return m.nl.SetReceiveBuffer(n) }

// Event is one nf_tables notification. Kind says which of the fields are
// set: "table" (Table), "chain" (Chain), "rule" (Rule), "set" (Set),
// "element" (Set, Elements), a stateful object's type such as "counter"
// (Object), or "gen" (Gen, the end of a committed transaction).
type Event struct {
	Op   string // "add" or "delete"
	Kind string
	// Expr is an added rule's expressions as nft writes them
	// (DescribeIn, with the anonymous sets it looks up written out).
	Expr     string
	Table    *Table
	Chain    *Chain
	Rule     *Rule
	Set      *SetInfo
	Elements []string // elements as nft writes them
	Object   *ObjectInfo
	Gen      *GenInfo
}

// SetInfo is a set as its notifications carry it.
type SetInfo struct {
	Family    Family
	Table     string
	Name      string
	KeyType   uint32 // NFTA_SET_KEY_TYPE (nft's datatype id)
	Flags     uint32 // NFTA_SET_FLAGS (NFT_SET_*)
	Handle    uint64
	Anonymous bool // an anonymous set of a rule (nft monitor hides them)
}

// ObjectInfo is a stateful object (a named counter, quota, ...).
type ObjectInfo struct {
	Family  Family
	Table   string
	Name    string
	Type    uint32 // NFT_OBJECT_*
	Handle  uint64
	Counter *Counter // the counter's values, for a counter
}

// GenInfo is NFT_MSG_NEWGEN: the generation a transaction committed and
// the process that committed it.
type GenInfo struct {
	ID       uint32
	PID      uint32
	ProcName string
}

// Receive calls fn with each notification until ctx is done (nil), fn
// fails (its error), or notifications were lost (ErrOverrun: Discard,
// list what matters again, then call Receive again). A notification that
// does not decode ends it with a *DecodeError; call Receive again for the
// next ones.
func (m *Monitor) Receive(ctx context.Context, fn func(*Event) error) error {
	return m.nl.ReadEvents(ctx, func(ev nl.Event) error {
		e, err := m.decode(ev.Message)
		if err != nil {
			return &DecodeError{Err: err}
		}
		if e == nil {
			return nil
		}
		return fn(e)
	})
}

// DecodeError is a notification Receive could not decode.
type DecodeError struct{ Err error }

func (e *DecodeError) Error() string { return e.Err.Error() }

// Unwrap returns the decoder's error.
func (e *DecodeError) Unwrap() error { return e.Err }

// DecodeEvent decodes one nf_tables notification; nil, nil for a message
// that is not one (netlink control messages, other subsystems).
func DecodeEvent(msg netlink.Message) (*Event, error) {
	m := Monitor{sets: map[string]uint32{}, anon: map[string][]string{}}
	return m.decode(msg)
}

func (m *Monitor) decode(msg netlink.Message) (*Event, error) {
	t := uint16(msg.Header.Type)
	if t>>8 != unix.NFNL_SUBSYS_NFTABLES {
		return nil, nil
	}
	b := append([]byte(nil), msg.Data...)
	e := &Event{Op: "add"}
	var err error
	switch t & 0xff {
	case unix.NFT_MSG_DELTABLE, unix.NFT_MSG_DELCHAIN, unix.NFT_MSG_DELRULE, unix.NFT_MSG_DELSET,
		unix.NFT_MSG_DELSETELEM, unix.NFT_MSG_DELOBJ, msgDestroyTable, msgDestroyChain, msgDestroyRule:
		e.Op = "delete"
	}
	switch t & 0xff {
	case unix.NFT_MSG_NEWTABLE, unix.NFT_MSG_DELTABLE, msgDestroyTable:
		e.Kind, e.Table = "table", new(Table)
		err = e.Table.UnmarshalBinary(b)
	case unix.NFT_MSG_NEWCHAIN, unix.NFT_MSG_DELCHAIN, msgDestroyChain:
		e.Kind, e.Chain = "chain", new(Chain)
		err = e.Chain.UnmarshalBinary(b)
	case unix.NFT_MSG_NEWRULE, unix.NFT_MSG_DELRULE, msgDestroyRule:
		e.Kind, e.Rule = "rule", new(Rule)
		if err = e.Rule.UnmarshalBinary(b); err == nil && e.Op == "add" {
			e.Expr = m.ruleText(e.Rule)
		}
	case unix.NFT_MSG_NEWSET, unix.NFT_MSG_DELSET:
		e.Kind = "set"
		e.Set, err = decodeSet(b)
		if err == nil {
			k := setKey(e.Set.Family, e.Set.Table, e.Set.Name)
			if e.Op == "add" {
				m.sets[k] = e.Set.KeyType
			} else {
				delete(m.sets, k)
				delete(m.anon, k)
			}
		}
	case unix.NFT_MSG_NEWSETELEM, unix.NFT_MSG_DELSETELEM:
		e.Kind = "element"
		e.Set, e.Elements, err = m.decodeElems(b)
		if err == nil && e.Set.Anonymous && e.Op == "add" {
			k := setKey(e.Set.Family, e.Set.Table, e.Set.Name)
			m.anon[k] = append(m.anon[k], e.Elements...)
		}
	case unix.NFT_MSG_NEWOBJ, unix.NFT_MSG_DELOBJ:
		e.Object, err = decodeObject(b)
		if err == nil {
			e.Kind = objTypeName(e.Object.Type)
		}
	case unix.NFT_MSG_NEWGEN:
		e.Kind = "gen"
		e.Gen, err = decodeGen2(b)
	default:
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("decode nf_tables %s notification: %w", e.Kind, err)
	}
	return e, nil
}

// ruleText is DescribeIn with each "@__setN" of an anonymous set whose
// elements were seen replaced by "{ a, b }".
func (m *Monitor) ruleText(r *Rule) string {
	words := strings.Split(DescribeIn(r.Family, r.Exprs), " ")
	for i, w := range words {
		if name, ok := strings.CutPrefix(w, "@"); ok && strings.HasPrefix(name, "__set") {
			k := setKey(r.Family, r.Table, name)
			if els, ok := m.anon[k]; ok {
				words[i] = "{ " + strings.Join(els, ", ") + " }"
				delete(m.anon, k)
			}
		}
	}
	return strings.Join(words, " ")
}

func setKey(f Family, table, name string) string { return f.String() + " " + table + " " + name }

const nftSetAnonymous = 0x1 // NFT_SET_ANONYMOUS

func decodeSet(b []byte) (*SetInfo, error) {
	f, attrs, err := splitNfgenmsg(b)
	if err != nil {
		return nil, err
	}
	s := &SetInfo{Family: f}
	ad := newDecoder(attrs)
	for ad.Next() {
		switch ad.Type {
		case unix.NFTA_SET_TABLE:
			s.Table = ad.String()
		case unix.NFTA_SET_NAME:
			s.Name = ad.String()
		case unix.NFTA_SET_FLAGS:
			s.Flags = ad.Uint32()
		case unix.NFTA_SET_KEY_TYPE:
			s.KeyType = ad.Uint32()
		case 16: // NFTA_SET_HANDLE
			s.Handle = ad.Uint64()
		}
	}
	s.Anonymous = s.Flags&nftSetAnonymous != 0
	return s, ad.Err()
}

func (m *Monitor) decodeElems(b []byte) (*SetInfo, []string, error) {
	f, attrs, err := splitNfgenmsg(b)
	if err != nil {
		return nil, nil, err
	}
	s := &SetInfo{Family: f}
	var keys [][]byte
	ad := newDecoder(attrs)
	for ad.Next() {
		switch ad.Type {
		case unix.NFTA_SET_ELEM_LIST_TABLE:
			s.Table = ad.String()
		case unix.NFTA_SET_ELEM_LIST_SET:
			s.Name = ad.String()
		case unix.NFTA_SET_ELEM_LIST_ELEMENTS:
			ad.Walk(func(lad *decoder) error {
				for lad.Next() {
					lad.Walk(func(ead *decoder) error {
						for ead.Next() {
							if ead.Type == unix.NFTA_SET_ELEM_KEY {
								ead.Walk(func(kad *decoder) error {
									for kad.Next() {
										if kad.Type == unix.NFTA_DATA_VALUE {
											keys = append(keys, kad.Bytes())
										}
									}
									return nil
								})
							}
						}
						return nil
					})
				}
				return nil
			})
		}
	}
	if err := ad.Err(); err != nil {
		return nil, nil, err
	}
	s.Anonymous = strings.HasPrefix(s.Name, "__set")
	typ, known := m.sets[setKey(f, s.Table, s.Name)]
	s.KeyType = typ
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = elemString(k, typ, known)
	}
	return s, out, nil
}

// nft's datatype ids of the set keys elemString names.
const (
	typeIPv4Addr    = 7
	typeIPv6Addr    = 8
	typeEtherAddr   = 9
	typeInetService = 13
	typeMark        = 19
)

// elemString writes a set element's key as nft does for its type; for a
// set of unknown type, by its length (4 or 16 bytes: an address).
func elemString(k []byte, typ uint32, known bool) string {
	switch {
	case typ == typeIPv4Addr && len(k) == 4, !known && len(k) == 4:
		a, _ := netip.AddrFromSlice(k)
		return a.String()
	case typ == typeIPv6Addr && len(k) == 16, !known && len(k) == 16:
		a, _ := netip.AddrFromSlice(k)
		return a.String()
	case typ == typeInetService && len(k) >= 2:
		return strconv.Itoa(int(k[0])<<8 | int(k[1]))
	case typ == typeMark && len(k) == 4:
		return fmt.Sprintf("0x%08x", uint32(k[0])<<24|uint32(k[1])<<16|uint32(k[2])<<8|uint32(k[3]))
	case typ == typeEtherAddr && len(k) >= 6:
		parts := make([]string, 6)
		for i := range parts {
			parts[i] = fmt.Sprintf("%02x", k[i])
		}
		return strings.Join(parts, ":")
	}
	return fmt.Sprintf("0x%x", k)
}

// SetTypeName is the name nft gives a set key's datatype id.
func SetTypeName(t uint32) string {
	switch t {
	case typeIPv4Addr:
		return "ipv4_addr"
	case typeIPv6Addr:
		return "ipv6_addr"
	case typeEtherAddr:
		return "ether_addr"
	case 12:
		return "inet_proto"
	case typeInetService:
		return "inet_service"
	case typeMark:
		return "mark"
	case 41:
		return "ifname"
	}
	return "type " + strconv.FormatUint(uint64(t), 10)
}

func decodeObject(b []byte) (*ObjectInfo, error) {
	f, attrs, err := splitNfgenmsg(b)
	if err != nil {
		return nil, err
	}
	o := &ObjectInfo{Family: f}
	ad := newDecoder(attrs)
	var data []byte
	for ad.Next() {
		switch ad.Type {
		case unix.NFTA_OBJ_TABLE:
			o.Table = ad.String()
		case unix.NFTA_OBJ_NAME:
			o.Name = ad.String()
		case unix.NFTA_OBJ_TYPE:
			o.Type = ad.Uint32()
		case 6: // NFTA_OBJ_HANDLE
			o.Handle = ad.Uint64()
		case unix.NFTA_OBJ_DATA:
			data = ad.Bytes()
		}
	}
	if err := ad.Err(); err != nil {
		return nil, err
	}
	if o.Type == unix.NFT_OBJECT_COUNTER && data != nil {
		var c Counter
		cad := newDecoder(data)
		if c.unmarshal(cad) == nil && cad.Err() == nil {
			o.Counter = &c
		}
	}
	return o, nil
}

// objTypeName is nft's word for an object type.
func objTypeName(t uint32) string {
	switch t {
	case unix.NFT_OBJECT_COUNTER:
		return "counter"
	case unix.NFT_OBJECT_QUOTA:
		return "quota"
	case unix.NFT_OBJECT_CT_HELPER:
		return "ct helper"
	case unix.NFT_OBJECT_LIMIT:
		return "limit"
	case unix.NFT_OBJECT_CONNLIMIT:
		return "ct count"
	case unix.NFT_OBJECT_SECMARK:
		return "secmark"
	case unix.NFT_OBJECT_SYNPROXY:
		return "synproxy"
	}
	return "object " + strconv.FormatUint(uint64(t), 10)
}

func decodeGen2(b []byte) (*GenInfo, error) {
	_, attrs, err := splitNfgenmsg(b)
	if err != nil {
		return nil, err
	}
	g := &GenInfo{}
	ad := newDecoder(attrs)
	for ad.Next() {
		switch ad.Type {
		case unix.NFTA_GEN_ID:
			g.ID = ad.Uint32()
		case unix.NFTA_GEN_PROC_PID:
			g.PID = ad.Uint32()
		case unix.NFTA_GEN_PROC_NAME:
			g.ProcName = ad.String()
		}
	}
	return g, ad.Err()
}

// priorityName is nft's name of a base chain priority in families ip,
// ip6 and inet: the first standard priority that the hook allows and that
// is at most 10 away ("srcnat", "filter + 5", "dstnat - 10"), else the
// number.
func priorityName(f Family, hook Hook, p int32) string {
	if f != FamilyIPv4 && f != FamilyIPv6 && f != FamilyINet {
		return strconv.Itoa(int(p))
	}
	names := []struct {
		n  string
		v  int32
		ok bool
	}{{"raw", -300, true}, {"mangle", -150, true}, {"dstnat", -100, hook == HookPrerouting},
		{"filter", 0, true}, {"security", 50, true}, {"srcnat", 100, hook == HookPostrouting || hook == HookInput}}
	for _, n := range names {
		off := p - n.v
		if !n.ok || off < -10 || off > 10 {
			continue
		}
		switch {
		case off > 0:
			return n.n + " + " + strconv.Itoa(int(off))
		case off < 0:
			return n.n + " - " + strconv.Itoa(int(-off))
		}
		return n.n
	}
	return strconv.Itoa(int(p))
}

// Text is the event as `nft monitor` prints it, with its newline (a line
// per element of an element event).
func (e *Event) Text() string {
	var b strings.Builder
	switch e.Kind {
	case "table":
		fmt.Fprintf(&b, "%s table %s %s", e.Op, e.Table.Family, e.Table.Name)
	case "chain":
		c := e.Chain
		fmt.Fprintf(&b, "%s chain %s %s %s", e.Op, c.Family, c.Table, c.Name)
		if e.Op == "add" && c.Base != nil {
			fmt.Fprintf(&b, " { type %s hook %s priority %s; policy %s; }", c.Base.Type, c.Base.Hook,
				priorityName(c.Family, c.Base.Hook, c.Base.Priority), c.Base.Policy)
		}
	case "rule":
		r := e.Rule
		if e.Op == "delete" {
			fmt.Fprintf(&b, "delete rule %s %s %s handle %d", r.Family, r.Table, r.Chain, r.Handle)
			break
		}
		fmt.Fprintf(&b, "add rule %s %s %s %s", r.Family, r.Table, r.Chain, e.Expr)
		if r.Comment != "" {
			fmt.Fprintf(&b, " comment %q", r.Comment)
		}
	case "set":
		s := e.Set
		fmt.Fprintf(&b, "%s set %s %s %s", e.Op, s.Family, s.Table, s.Name)
		if e.Op == "add" {
			fmt.Fprintf(&b, " { type %s; } ", SetTypeName(s.KeyType))
		}
	case "element":
		// One line per element, as nft.
		s := e.Set
		for i, el := range e.Elements {
			if i > 0 {
				b.WriteString("\n")
			}
			fmt.Fprintf(&b, "%s element %s %s %s { %s }", e.Op, s.Family, s.Table, s.Name, el)
		}
	case "gen":
		fmt.Fprintf(&b, "# new generation %d by process %d (%s)", e.Gen.ID, e.Gen.PID, e.Gen.ProcName)
	default:
		o := e.Object
		fmt.Fprintf(&b, "%s %s %s %s %s", e.Op, e.Kind, o.Family, o.Table, o.Name)
		if e.Op == "add" && o.Counter != nil {
			fmt.Fprintf(&b, " { packets %d bytes %d } ", o.Counter.Packets, o.Counter.Bytes)
		}
	}
	b.WriteString("\n")
	return b.String()
}

// Hidden reports whether nft monitor leaves the event out: the anonymous
// sets of rules and their elements.
func (e *Event) Hidden() bool {
	return e.Set != nil && e.Set.Anonymous
}
