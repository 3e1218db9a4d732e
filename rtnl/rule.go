package rtnl

import (
	"fmt"
	"net/netip"
	"strconv"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nlattr"
)

// RuleAction is what a policy-routing rule does (fib_rule_hdr.action,
// FR_ACT_*).
type RuleAction uint8

// Rule actions.
const (
	RuleUnspec      RuleAction = unix.FR_ACT_UNSPEC      // FR_ACT_UNSPEC: any action (delete requests)
	RuleToTable     RuleAction = unix.FR_ACT_TO_TBL      // FR_ACT_TO_TBL: look up a table
	RuleGoto        RuleAction = unix.FR_ACT_GOTO        // FR_ACT_GOTO: jump to the rule with priority Attrs.Goto
	RuleNop         RuleAction = unix.FR_ACT_NOP         // FR_ACT_NOP
	RuleBlackhole   RuleAction = unix.FR_ACT_BLACKHOLE   // FR_ACT_BLACKHOLE
	RuleUnreachable RuleAction = unix.FR_ACT_UNREACHABLE // FR_ACT_UNREACHABLE
	RuleProhibit    RuleAction = unix.FR_ACT_PROHIBIT    // FR_ACT_PROHIBIT
)

// String returns ip's word for the action: "lookup", "goto", "nop", or,
// as ip prints the rest, the route type of the same number ("blackhole",
// "unreachable", "prohibit").
func (a RuleAction) String() string {
	switch a {
	case RuleToTable:
		return "lookup"
	case RuleGoto:
		return "goto"
	case RuleNop:
		return "nop"
	}
	return RouteType(a).String()
}

// RuleFlags are fib_rule_hdr.flags (FIB_RULE_*).
type RuleFlags uint32

// Rule flags.
const (
	RulePermanent   RuleFlags = 0x1                        // FIB_RULE_PERMANENT
	RuleInvert      RuleFlags = unix.FIB_RULE_INVERT       // FIB_RULE_INVERT: "not"
	RuleUnresolved  RuleFlags = 0x4                        // FIB_RULE_UNRESOLVED: a goto to no rule
	RuleIIFDetached RuleFlags = unix.FIB_RULE_IIF_DETACHED // FIB_RULE_IIF_DETACHED
	RuleOIFDetached RuleFlags = unix.FIB_RULE_OIF_DETACHED // FIB_RULE_OIF_DETACHED
	RuleFindSaddr   RuleFlags = unix.FIB_RULE_FIND_SADDR   // FIB_RULE_FIND_SADDR
)

// FRA_* attributes x/sys/unix does not name.
const (
	fraDSCP          = 25 // FRA_DSCP
	fraFlowLabel     = 26 // FRA_FLOWLABEL
	fraFlowLabelMask = 27 // FRA_FLOWLABEL_MASK
	fraSPortMask     = 28 // FRA_SPORT_MASK
	fraDPortMask     = 29 // FRA_DPORT_MASK
	fraDSCPMask      = 30 // FRA_DSCP_MASK
)

// RuleMessage is an RTM_{NEW,DEL,GET}RULE message: struct fib_rule_hdr and
// the FRA_* attributes.
type RuleMessage struct {
	Family Family // family
	// Src and Dst are the selector's prefixes (src_len and FRA_SRC, dst_len
	// and FRA_DST); the zero Prefix is "all".
	Src, Dst netip.Prefix
	TOS      uint8      // tos (the dsfield)
	Table    Table      // table, or FRA_TABLE above 255
	Action   RuleAction // action
	Flags    RuleFlags  // flags
	Attrs    RuleAttrs
}

// RuleAttrs are the FRA_* attributes other than FRA_SRC, FRA_DST and
// FRA_TABLE (absent: nil pointer, empty string).
type RuleAttrs struct {
	Priority *uint32 // FRA_PRIORITY: the preference, the rule's position
	IIFName  string  // FRA_IIFNAME
	OIFName  string  // FRA_OIFNAME
	Goto     *uint32 // FRA_GOTO: the priority a goto rule jumps to
	FwMark   *uint32 // FRA_FWMARK
	FwMask   *uint32 // FRA_FWMASK
	Flow     *uint32 // FRA_FLOW: realms
	TunID    *uint64 // FRA_TUN_ID (big endian on the wire)
	// SuppressIfGroup and SuppressPrefixLen are -1 in the kernel's replies
	// when not set.
	SuppressIfGroup   *int32         // FRA_SUPPRESS_IFGROUP
	SuppressPrefixLen *int32         // FRA_SUPPRESS_PREFIXLEN
	L3MDev            *uint8         // FRA_L3MDEV
	UIDRange          *RuleRange     // FRA_UID_RANGE
	Protocol          *RouteProtocol // FRA_PROTOCOL: who installed the rule
	IPProto           *uint8         // FRA_IP_PROTO
	SPort             *RuleRange     // FRA_SPORT_RANGE
	DPort             *RuleRange     // FRA_DPORT_RANGE
	SPortMask         *uint16        // FRA_SPORT_MASK
	DPortMask         *uint16        // FRA_DPORT_MASK
	DSCP              *uint8         // FRA_DSCP
	DSCPMask          *uint8         // FRA_DSCP_MASK
}

// RuleRange is struct fib_rule_uid_range, or struct fib_rule_port_range
// with 16-bit ends.
type RuleRange struct {
	Start, End uint32
}

const fibRuleHdrLen = 12

func (*RuleMessage) rtMessage() {}

// MarshalBinary encodes the message: fib_rule_hdr followed by attributes,
// in iproute2's order where it has one.
func (m *RuleMessage) MarshalBinary() ([]byte, error) {
	b := make([]byte, fibRuleHdrLen)
	b[0] = byte(m.Family)
	if m.Dst.IsValid() {
		b[1] = byte(m.Dst.Bits())
	}
	if m.Src.IsValid() {
		b[2] = byte(m.Src.Bits())
	}
	b[3] = m.TOS
	if m.Table < 256 {
		b[4] = byte(m.Table)
	}
	b[7] = byte(m.Action)
	native.PutUint32(b[8:], uint32(m.Flags))
	ae := nlattr.NewEncoder(native)
	a := &m.Attrs
	if m.Src.IsValid() && m.Src.Bits() > 0 {
		putAddr(ae, unix.FRA_SRC, m.Src.Addr())
	}
	if m.Dst.IsValid() && m.Dst.Bits() > 0 {
		putAddr(ae, unix.FRA_DST, m.Dst.Addr())
	}
	putU32(ae, unix.FRA_PRIORITY, a.Priority)
	putU32(ae, unix.FRA_FWMARK, a.FwMark)
	putU32(ae, unix.FRA_FWMASK, a.FwMask)
	putU32(ae, unix.FRA_FLOW, a.Flow)
	if a.Protocol != nil {
		ae.Uint8(unix.FRA_PROTOCOL, uint8(*a.Protocol))
	}
	if a.TunID != nil {
		bb := make([]byte, 8)
		for i := range 8 {
			bb[i] = byte(*a.TunID >> (56 - 8*i))
		}
		ae.Bytes(unix.FRA_TUN_ID, bb)
	}
	if m.Table >= 256 {
		ae.Uint32(unix.FRA_TABLE, uint32(m.Table))
	}
	putI32(ae, unix.FRA_SUPPRESS_PREFIXLEN, a.SuppressPrefixLen)
	putI32(ae, unix.FRA_SUPPRESS_IFGROUP, a.SuppressIfGroup)
	putString(ae, unix.FRA_IIFNAME, a.IIFName)
	putString(ae, unix.FRA_OIFNAME, a.OIFName)
	putU8(ae, unix.FRA_L3MDEV, a.L3MDev)
	if r := a.UIDRange; r != nil {
		bb := make([]byte, 8)
		native.PutUint32(bb, r.Start)
		native.PutUint32(bb[4:], r.End)
		ae.Bytes(unix.FRA_UID_RANGE, bb)
	}
	putU8(ae, unix.FRA_IP_PROTO, a.IPProto)
	for _, p := range []struct {
		typ, maskTyp uint16
		r            *RuleRange
		mask         *uint16
	}{{unix.FRA_SPORT_RANGE, fraSPortMask, a.SPort, a.SPortMask}, {unix.FRA_DPORT_RANGE, fraDPortMask, a.DPort, a.DPortMask}} {
		if p.r != nil {
			bb := make([]byte, 4)
			native.PutUint16(bb, uint16(p.r.Start))
			native.PutUint16(bb[2:], uint16(p.r.End))
			ae.Bytes(p.typ, bb)
		}
		putU16(ae, p.maskTyp, p.mask)
	}
	putU8(ae, fraDSCP, a.DSCP)
	putU8(ae, fraDSCPMask, a.DSCPMask)
	putU32(ae, unix.FRA_GOTO, a.Goto)
	attrs, err := ae.Encode()
	if err != nil {
		return nil, err
	}
	return append(b, attrs...), nil
}

// UnmarshalBinary decodes a message from fib_rule_hdr and attributes.
func (m *RuleMessage) UnmarshalBinary(b []byte) error {
	if len(b) < fibRuleHdrLen {
		return errShort
	}
	*m = RuleMessage{
		Family: Family(b[0]),
		TOS:    b[3],
		Table:  Table(b[4]),
		Action: RuleAction(b[7]),
		Flags:  RuleFlags(native.Uint32(b[8:])),
	}
	dstLen, srcLen := int(b[1]), int(b[2])
	var dst, src netip.Addr
	r := newAttrReader(b[fibRuleHdrLen:])
	a := &m.Attrs
	rng := func(half bool) *RuleRange {
		if half {
			if len(r.Data) != 4 {
				r.BadLength("fib_rule_port_range")
				return nil
			}
			return &RuleRange{Start: uint32(native.Uint16(r.Data)), End: uint32(native.Uint16(r.Data[2:]))}
		}
		if len(r.Data) != 8 {
			r.BadLength("fib_rule_uid_range")
			return nil
		}
		return &RuleRange{Start: native.Uint32(r.Data), End: native.Uint32(r.Data[4:])}
	}
	for r.Next() {
		switch r.Type {
		case unix.FRA_SRC:
			src = r.Addr()
		case unix.FRA_DST:
			dst = r.Addr()
		case unix.FRA_TABLE:
			m.Table = Table(r.Uint32())
		case unix.FRA_PRIORITY:
			a.Priority = new(r.Uint32())
		case unix.FRA_IIFNAME:
			a.IIFName = r.String()
		case unix.FRA_OIFNAME:
			a.OIFName = r.String()
		case unix.FRA_GOTO:
			a.Goto = new(r.Uint32())
		case unix.FRA_FWMARK:
			a.FwMark = new(r.Uint32())
		case unix.FRA_FWMASK:
			a.FwMask = new(r.Uint32())
		case unix.FRA_FLOW:
			a.Flow = new(r.Uint32())
		case unix.FRA_TUN_ID:
			if len(r.Data) != 8 {
				r.BadLength("uint64")
				break
			}
			var v uint64
			for _, c := range r.Data {
				v = v<<8 | uint64(c)
			}
			a.TunID = &v
		case unix.FRA_SUPPRESS_IFGROUP:
			a.SuppressIfGroup = new(r.Int32())
		case unix.FRA_SUPPRESS_PREFIXLEN:
			a.SuppressPrefixLen = new(r.Int32())
		case unix.FRA_L3MDEV:
			a.L3MDev = new(r.Uint8())
		case unix.FRA_UID_RANGE:
			a.UIDRange = rng(false)
		case unix.FRA_PROTOCOL:
			a.Protocol = new(RouteProtocol(r.Uint8()))
		case unix.FRA_IP_PROTO:
			a.IPProto = new(r.Uint8())
		case unix.FRA_SPORT_RANGE:
			a.SPort = rng(true)
		case unix.FRA_DPORT_RANGE:
			a.DPort = rng(true)
		case fraSPortMask:
			if len(r.Data) != 2 {
				r.BadLength("uint16")
				break
			}
			a.SPortMask = new(native.Uint16(r.Data))
		case fraDPortMask:
			if len(r.Data) != 2 {
				r.BadLength("uint16")
				break
			}
			a.DPortMask = new(native.Uint16(r.Data))
		case fraDSCP:
			a.DSCP = new(r.Uint8())
		case fraDSCPMask:
			a.DSCPMask = new(r.Uint8())
		}
	}
	if r.Err() != nil {
		return r.Err()
	}
	// A zero length is "all" whatever address comes with it (ip sends
	// 0.0.0.0 for "from all").
	var err error
	if srcLen > 0 {
		if m.Src, err = routePrefix(m.Family, src, srcLen); err != nil {
			return fmt.Errorf("source: %w", err)
		}
	}
	if dstLen > 0 {
		if m.Dst, err = routePrefix(m.Family, dst, dstLen); err != nil {
			return fmt.Errorf("destination: %w", err)
		}
	}
	return nil
}

// ruleObject names a rule in errors the way ip prints it.
func ruleObject(m *RuleMessage) string {
	s := ""
	if m.Attrs.Priority != nil {
		s = "pref " + strconv.FormatUint(uint64(*m.Attrs.Priority), 10) + " "
	}
	if m.Src.IsValid() {
		s += "from " + m.Src.String()
	} else {
		s += "from all"
	}
	if m.Dst.IsValid() {
		s += " to " + m.Dst.String()
	}
	if m.Action == RuleToTable && m.Table != TableUnspec {
		s += " lookup " + m.Table.String()
	}
	return s
}

func (c *Conn) ruleRequest(op string, typ netlink.HeaderType, flags netlink.HeaderFlags, m *RuleMessage) error {
	b, err := m.MarshalBinary()
	if err != nil {
		return &Error{Op: op, Object: ruleObject(m), Err: err}
	}
	_, err = c.request(op, ruleObject(m), typ, flags, b)
	return err
}

// AddRule adds a policy-routing rule (RTM_NEWRULE with NLM_F_CREATE and
// NLM_F_EXCL). Without Attrs.Priority the kernel puts the rule just
// before the first non-zero one. A rule already there is an error
// matching os.ErrExist.
func (c *Conn) AddRule(m *RuleMessage) error {
	return c.ruleRequest("add rule", unix.RTM_NEWRULE, netlink.Acknowledge|netlink.Create|netlink.Excl, m)
}

// DeleteRule deletes the first rule that matches m: every selector m
// sets (Action and Table unless zero, the priority when given) must be
// equal. A rule that is not there is an error matching os.ErrNotExist.
func (c *Conn) DeleteRule(m *RuleMessage) error {
	return c.ruleRequest("delete rule", unix.RTM_DELRULE, netlink.Acknowledge, m)
}

// Rules lists the rules of family fam (FamilyInet or FamilyInet6;
// FamilyUnspec lists both), in priority order.
func (c *Conn) Rules(fam Family) ([]RuleMessage, error) {
	req := &RuleMessage{Family: fam}
	b, err := req.MarshalBinary()
	if err != nil {
		return nil, err
	}
	var out []RuleMessage
	err = c.dumpEach("list rules", unix.RTM_GETRULE, b, func() { out = out[:0] }, func(nm netlink.Message) error {
		if nm.Header.Type != unix.RTM_NEWRULE {
			return nil
		}
		var r RuleMessage
		if err := r.UnmarshalBinary(nm.Data); err != nil {
			return fmt.Errorf("decode reply: %w", err)
		}
		if fam != FamilyUnspec && r.Family != fam {
			return nil
		}
		out = append(out, r)
		return nil
	})
	return out, err
}
