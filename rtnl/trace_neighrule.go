package rtnl

import (
	"encoding/binary"
	"fmt"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nltrace"
)

// traceNeighRuleMsg describes the RTM_*NEIGH and RTM_*RULE messages for
// --trace.
func traceNeighRuleMsg(t uint16) (nltrace.Msg, bool) {
	neigh := func(name string, k nltrace.MsgKind) nltrace.Msg {
		return nltrace.Msg{Name: name, Kind: k, Header: ndmsgLen, HeaderFmt: fmtNdmsg, Attrs: &neighSpace}
	}
	rule := func(name string, k nltrace.MsgKind) nltrace.Msg {
		return nltrace.Msg{Name: name, Kind: k, Header: fibRuleHdrLen, HeaderFmt: fmtFibRuleHdr, Attrs: &ruleSpace}
	}
	switch t {
	case unix.RTM_NEWNEIGH:
		return neigh("RTM_NEWNEIGH", nltrace.KindNew), true
	case unix.RTM_DELNEIGH:
		return neigh("RTM_DELNEIGH", nltrace.KindDel), true
	case unix.RTM_GETNEIGH:
		return neigh("RTM_GETNEIGH", nltrace.KindGet), true
	case unix.RTM_NEWRULE:
		return rule("RTM_NEWRULE", nltrace.KindNew), true
	case unix.RTM_DELRULE:
		return rule("RTM_DELRULE", nltrace.KindDel), true
	case unix.RTM_GETRULE:
		return rule("RTM_GETRULE", nltrace.KindGet), true
	}
	return nltrace.Msg{}, false
}

// neighFlagNames names ndm_flags bits.
var neighFlagNames = []struct {
	f    NeighFlags
	name string
}{
	{NeighUse, "use"}, {NeighSelf, "self"}, {NeighMaster, "master"}, {NeighProxy, "proxy"},
	{NeighExtLearned, "extern_learn"}, {NeighOffloaded, "offload"}, {NeighSticky, "sticky"}, {NeighRouter, "router"},
}

func fmtNdmsg(b []byte) string {
	st := NeighState(native.Uint16(b[8:]))
	fl := NeighFlags(b[10])
	var names []string
	for _, n := range neighFlagNames {
		if fl&n.f != 0 {
			names = append(names, n.name)
		}
	}
	return fmt.Sprintf("ndmsg family=%s index=%d state=%#x<%s> flags=%#x<%s> type=%s", familyName(b[0]),
		int32(native.Uint32(b[4:])), uint16(st), strings.Join(st.Names(), ","), uint8(fl), strings.Join(names, ","), RouteType(b[11]))
}

func fmtFibRuleHdr(b []byte) string {
	fl := RuleFlags(native.Uint32(b[8:]))
	var names []string
	for _, n := range []struct {
		f    RuleFlags
		name string
	}{{RulePermanent, "permanent"}, {RuleInvert, "invert"}, {RuleUnresolved, "unresolved"},
		{RuleIIFDetached, "iif_detached"}, {RuleOIFDetached, "oif_detached"}, {RuleFindSaddr, "find_saddr"}} {
		if fl&n.f != 0 {
			names = append(names, n.name)
		}
	}
	return fmt.Sprintf("fib_rule_hdr family=%s dst_len=%d src_len=%d tos=%#x table=%s action=%s flags=%#x<%s>",
		familyName(b[0]), b[1], b[2], b[3], Table(b[4]), RuleAction(b[7]), uint32(fl), strings.Join(names, ","))
}

func fmtNdaCacheinfo(b []byte) string {
	if len(b) != 16 {
		return fmt.Sprintf("0x%x", b)
	}
	return fmt.Sprintf("confirmed=%d used=%d updated=%d refcnt=%d",
		native.Uint32(b), native.Uint32(b[4:]), native.Uint32(b[8:]), native.Uint32(b[12:]))
}

func fmtRangeU32(b []byte) string {
	if len(b) != 8 {
		return fmt.Sprintf("0x%x", b)
	}
	return fmt.Sprintf("%d-%d", native.Uint32(b), native.Uint32(b[4:]))
}

func fmtRangeU16(b []byte) string {
	if len(b) != 4 {
		return fmt.Sprintf("0x%x", b)
	}
	return fmt.Sprintf("%d-%d", native.Uint16(b), native.Uint16(b[2:]))
}

func fmtBE64(b []byte) string {
	if len(b) != 8 {
		return fmt.Sprintf("0x%x", b)
	}
	return fmt.Sprint(binary.BigEndian.Uint64(b))
}

// fmtBEHex32 prints a big-endian 32-bit value in hex (IPv6 flow labels).
func fmtBEHex32(b []byte) string {
	if len(b) != 4 {
		return fmt.Sprintf("0x%x", b)
	}
	return fmt.Sprintf("%#x", binary.BigEndian.Uint32(b))
}

func enumProto(v uint64) string { return RouteProtocol(v).String() }

// &neighSpace is the NDA_* attribute space of RTM_*NEIGH messages.
var neighSpace = nltrace.Space{Name: "nda", Attrs: []nltrace.Attr{
	unix.NDA_DST:          {Name: "NDA_DST", Kind: nltrace.Addr},
	unix.NDA_LLADDR:       {Name: "NDA_LLADDR", Kind: nltrace.HWAddr},
	unix.NDA_CACHEINFO:    {Name: "NDA_CACHEINFO", Format: fmtNdaCacheinfo},
	unix.NDA_PROBES:       {Name: "NDA_PROBES", Kind: nltrace.U32},
	unix.NDA_VLAN:         {Name: "NDA_VLAN", Kind: nltrace.U16},
	unix.NDA_PORT:         {Name: "NDA_PORT", Format: fmtBE16},
	unix.NDA_VNI:          {Name: "NDA_VNI", Kind: nltrace.U32},
	unix.NDA_IFINDEX:      {Name: "NDA_IFINDEX", Kind: nltrace.U32},
	unix.NDA_MASTER:       {Name: "NDA_MASTER", Kind: nltrace.U32},
	unix.NDA_LINK_NETNSID: {Name: "NDA_LINK_NETNSID", Kind: nltrace.S32},
	unix.NDA_SRC_VNI:      {Name: "NDA_SRC_VNI", Kind: nltrace.U32},
	ndaProtocol:           {Name: "NDA_PROTOCOL", Kind: nltrace.U8, Enum: enumProto},
	ndaNHID:               {Name: "NDA_NH_ID", Kind: nltrace.U32},
	ndaFDBExtAttrs:        {Name: "NDA_FDB_EXT_ATTRS", Kind: nltrace.Bytes},
	ndaFlagsExt:           {Name: "NDA_FLAGS_EXT", Format: fmtHex32},
	ndaNDMStateMask:       {Name: "NDA_NDM_STATE_MASK", Kind: nltrace.U16},
	ndaNDMFlagsMask:       {Name: "NDA_NDM_FLAGS_MASK", Kind: nltrace.U8},
}}

// &ruleSpace is the FRA_* attribute space of RTM_*RULE messages.
var ruleSpace = nltrace.Space{Name: "fra", Attrs: []nltrace.Attr{
	unix.FRA_DST:                {Name: "FRA_DST", Kind: nltrace.Addr},
	unix.FRA_SRC:                {Name: "FRA_SRC", Kind: nltrace.Addr},
	unix.FRA_IIFNAME:            {Name: "FRA_IIFNAME", Kind: nltrace.String},
	unix.FRA_GOTO:               {Name: "FRA_GOTO", Kind: nltrace.U32},
	unix.FRA_PRIORITY:           {Name: "FRA_PRIORITY", Kind: nltrace.U32},
	unix.FRA_FWMARK:             {Name: "FRA_FWMARK", Format: fmtHex32},
	unix.FRA_FLOW:               {Name: "FRA_FLOW", Format: fmtHex32},
	unix.FRA_TUN_ID:             {Name: "FRA_TUN_ID", Format: fmtBE64},
	unix.FRA_SUPPRESS_IFGROUP:   {Name: "FRA_SUPPRESS_IFGROUP", Kind: nltrace.S32},
	unix.FRA_SUPPRESS_PREFIXLEN: {Name: "FRA_SUPPRESS_PREFIXLEN", Kind: nltrace.S32},
	unix.FRA_TABLE:              {Name: "FRA_TABLE", Kind: nltrace.U32, Enum: enumTable},
	unix.FRA_FWMASK:             {Name: "FRA_FWMASK", Format: fmtHex32},
	unix.FRA_OIFNAME:            {Name: "FRA_OIFNAME", Kind: nltrace.String},
	unix.FRA_L3MDEV:             {Name: "FRA_L3MDEV", Kind: nltrace.U8},
	unix.FRA_UID_RANGE:          {Name: "FRA_UID_RANGE", Format: fmtRangeU32},
	unix.FRA_PROTOCOL:           {Name: "FRA_PROTOCOL", Kind: nltrace.U8, Enum: enumProto},
	unix.FRA_IP_PROTO:           {Name: "FRA_IP_PROTO", Kind: nltrace.U8},
	unix.FRA_SPORT_RANGE:        {Name: "FRA_SPORT_RANGE", Format: fmtRangeU16},
	unix.FRA_DPORT_RANGE:        {Name: "FRA_DPORT_RANGE", Format: fmtRangeU16},
	fraDSCP:                     {Name: "FRA_DSCP", Kind: nltrace.U8},
	fraFlowLabel:                {Name: "FRA_FLOWLABEL", Format: fmtBEHex32},
	fraFlowLabelMask:            {Name: "FRA_FLOWLABEL_MASK", Format: fmtBEHex32},
	fraSPortMask:                {Name: "FRA_SPORT_MASK", Kind: nltrace.U16},
	fraDPortMask:                {Name: "FRA_DPORT_MASK", Kind: nltrace.U16},
	fraDSCPMask:                 {Name: "FRA_DSCP_MASK", Kind: nltrace.U8},
}}
