package rtnl

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
)

// This file decodes the neighbour, rule and nsid notifications a Monitor
// receives: only reading, and only what `ip monitor` prints.

// NeighEvent is a neighbour (ARP or NDP entry) as RTM_NEWNEIGH and
// RTM_DELNEIGH carry it: struct ndmsg and the NDA_* attributes.
type NeighEvent struct {
	Family Family // ndm_family
	Index  uint32 // ndm_ifindex
	State  uint16 // ndm_state (NUD_*)
	Flags  uint8  // ndm_flags (NTF_*)
	Type   uint8  // ndm_type
	Dst    netip.Addr
	// LLAddr is NDA_LLADDR, nil when absent.
	LLAddr   net.HardwareAddr
	Probes   *uint32 // NDA_PROBES
	Protocol uint8   // NDA_PROTOCOL (0: absent)
	FlagsExt uint32  // NDA_FLAGS_EXT
}

// Neighbour states (NUD_*) and flags (NTF_*), as ip prints them.
const (
	nudIncomplete = 0x01
	nudReachable  = 0x02
	nudStale      = 0x04
	nudDelay      = 0x08
	nudProbe      = 0x10
	nudFailed     = 0x20
	nudNoARP      = 0x40
	nudPermanent  = 0x80

	// NeighFlagProxy is NTF_PROXY.
	NeighFlagProxy = 0x08
	// NeighFlagRouter is NTF_ROUTER.
	NeighFlagRouter = 0x80
	// NeighFlagExtLearned is NTF_EXT_LEARNED.
	NeighFlagExtLearned = 0x10
	// NeighFlagOffloaded is NTF_OFFLOADED.
	NeighFlagOffloaded = 0x20
	// NeighFlagExtManaged is NTF_EXT_MANAGED, in FlagsExt.
	NeighFlagExtManaged = 0x01
)

// StateNames names the NUD_* bits of State in iproute2's order
// ("REACHABLE", "PERMANENT", ...).
func (n *NeighEvent) StateNames() []string {
	var out []string
	for _, s := range []struct {
		bit  uint16
		name string
	}{{nudIncomplete, "INCOMPLETE"}, {nudReachable, "REACHABLE"}, {nudStale, "STALE"}, {nudDelay, "DELAY"},
		{nudProbe, "PROBE"}, {nudFailed, "FAILED"}, {nudNoARP, "NOARP"}, {nudPermanent, "PERMANENT"}} {
		if n.State&s.bit != 0 {
			out = append(out, s.name)
		}
	}
	return out
}

const evNdmsgLen = 12

var errShortEvent = errors.New("message too short")

// UnmarshalBinary decodes an ndmsg and its attributes.
func (n *NeighEvent) UnmarshalBinary(b []byte) error {
	if len(b) < evNdmsgLen {
		return errShortEvent
	}
	*n = NeighEvent{
		Family: Family(b[0]),
		Index:  native.Uint32(b[4:]),
		State:  native.Uint16(b[8:]),
		Flags:  b[10],
		Type:   b[11],
	}
	ad := newAttrReader(b[evNdmsgLen:])
	for ad.Next() {
		switch ad.Type {
		case 1: // NDA_DST
			n.Dst, _ = netip.AddrFromSlice(ad.Bytes())
		case 2: // NDA_LLADDR
			n.LLAddr = net.HardwareAddr(ad.Bytes())
		case 4: // NDA_PROBES
			v := ad.Uint32()
			n.Probes = &v
		case 12: // NDA_PROTOCOL
			n.Protocol = ad.Uint8()
		case 15: // NDA_FLAGS_EXT
			n.FlagsExt = ad.Uint32()
		}
	}
	return ad.Err()
}

// RuleEvent is a routing policy rule as RTM_NEWRULE and RTM_DELRULE carry
// it: struct fib_rule_hdr and the FRA_* attributes (absent: nil or zero).
type RuleEvent struct {
	Family Family // family
	DstLen uint8  // dst_len
	SrcLen uint8  // src_len
	TOS    uint8  // tos
	Table  Table  // table, or FRA_TABLE when set
	Action uint8  // action (FR_ACT_*)
	Flags  uint32 // flags (FIB_RULE_*)

	Priority          *uint32    // FRA_PRIORITY
	Src, Dst          netip.Addr // FRA_SRC, FRA_DST
	FwMark, FwMask    *uint32    // FRA_FWMARK, FRA_FWMASK
	IIFName, OIFName  string     // FRA_IIFNAME, FRA_OIFNAME
	Goto              *uint32    // FRA_GOTO
	SuppressPrefixLen *int32     // FRA_SUPPRESS_PREFIXLEN
	SuppressIfGroup   *int32     // FRA_SUPPRESS_IFGROUP
	Flow              *uint32    // FRA_FLOW
	TunID             *uint64    // FRA_TUN_ID (host order)
	L3MDev            uint8      // FRA_L3MDEV
	UIDRange          *[2]uint32 // FRA_UID_RANGE
	IPProto           *uint8     // FRA_IP_PROTO
	SPort, DPort      *[2]uint16 // FRA_SPORT_RANGE, FRA_DPORT_RANGE
	Protocol          *uint8     // FRA_PROTOCOL
}

// Rule actions and flags (linux/fib_rules.h).
const (
	RuleActToTable  = 1          // FR_ACT_TO_TBL
	RuleActGoto     = 2          // FR_ACT_GOTO
	RuleActNop      = 3          // FR_ACT_NOP
	RuleActNAT      = 10         // RTN_NAT, an old action
	RuleFlagInvert  = 0x00000002 // FIB_RULE_INVERT
	RuleFlagUnres   = 0x00000004 // FIB_RULE_UNRESOLVED
	RuleFlagIIFDet  = 0x00000008 // FIB_RULE_IIF_DETACHED
	RuleFlagOIFDet  = 0x00000010 // FIB_RULE_OIF_DETACHED
	evFibRuleHdrLen = 12
	fraTable        = 15
	fraSuppressPlen = 14
)

// UnmarshalBinary decodes a fib_rule_hdr and its attributes.
func (r *RuleEvent) UnmarshalBinary(b []byte) error {
	if len(b) < evFibRuleHdrLen {
		return errShortEvent
	}
	*r = RuleEvent{
		Family: Family(b[0]), DstLen: b[1], SrcLen: b[2], TOS: b[3], Table: Table(b[4]),
		Action: b[7], Flags: native.Uint32(b[8:]),
	}
	ad := newAttrReader(b[evFibRuleHdrLen:])
	u32 := func() *uint32 { v := ad.Uint32(); return &v }
	i32 := func() *int32 { v := ad.Int32(); return &v }
	ports := func() *[2]uint16 {
		p := ad.Bytes()
		if len(p) < 4 {
			return nil
		}
		return &[2]uint16{native.Uint16(p), native.Uint16(p[2:])}
	}
	for ad.Next() {
		switch ad.Type {
		case 1: // FRA_DST
			r.Dst, _ = netip.AddrFromSlice(ad.Bytes())
		case 2: // FRA_SRC
			r.Src, _ = netip.AddrFromSlice(ad.Bytes())
		case 3: // FRA_IIFNAME
			r.IIFName = ad.String()
		case 4: // FRA_GOTO
			r.Goto = u32()
		case 6: // FRA_PRIORITY
			r.Priority = u32()
		case 10: // FRA_FWMARK
			r.FwMark = u32()
		case 11: // FRA_FLOW
			r.Flow = u32()
		case 12: // FRA_TUN_ID
			if p := ad.Bytes(); len(p) == 8 {
				v := binary.BigEndian.Uint64(p)
				r.TunID = &v
			}
		case 13: // FRA_SUPPRESS_IFGROUP
			r.SuppressIfGroup = i32()
		case fraSuppressPlen:
			r.SuppressPrefixLen = i32()
		case fraTable:
			r.Table = Table(ad.Uint32())
		case 16: // FRA_FWMASK
			r.FwMask = u32()
		case 17: // FRA_OIFNAME
			r.OIFName = ad.String()
		case 19: // FRA_L3MDEV
			r.L3MDev = ad.Uint8()
		case 20: // FRA_UID_RANGE
			if p := ad.Bytes(); len(p) >= 8 {
				r.UIDRange = &[2]uint32{native.Uint32(p), native.Uint32(p[4:])}
			}
		case 21: // FRA_PROTOCOL
			v := ad.Uint8()
			r.Protocol = &v
		case 22: // FRA_IP_PROTO
			v := ad.Uint8()
			r.IPProto = &v
		case 23: // FRA_SPORT_RANGE
			r.SPort = ports()
		case 24: // FRA_DPORT_RANGE
			r.DPort = ports()
		}
	}
	return ad.Err()
}

// NSIDEvent is an id given to (RTM_NEWNSID) or taken from (RTM_DELNSID)
// a peer namespace.
type NSIDEvent struct {
	NSID int32 // NETNSA_NSID; NSIDNone when unassigned
	// CurrentNSID is NETNSA_CURRENT_NSID, nil when absent.
	CurrentNSID *int32
}

// UnmarshalBinary decodes an rtgenmsg and the NETNSA_* attributes.
func (n *NSIDEvent) UnmarshalBinary(b []byte) error {
	if len(b) < 4 {
		return errShortEvent
	}
	*n = NSIDEvent{NSID: NSIDNone}
	ad := newAttrReader(b[4:])
	seen := false
	for ad.Next() {
		switch ad.Type {
		case netnsaNSID:
			n.NSID = ad.Int32()
			seen = true
		case netnsaCurrentNSID:
			v := ad.Int32()
			n.CurrentNSID = &v
		}
	}
	if err := ad.Err(); err != nil {
		return err
	}
	if !seen {
		return errors.New("NETNSA_NSID is missing")
	}
	return nil
}
