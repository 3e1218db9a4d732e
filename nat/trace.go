package nat

import (
	"encoding/binary"
	"fmt"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nltrace"
)

// schema tells the --trace printer how to decode nfnetlink batches and
// nf_tables messages. Every NFTA_* integer is big-endian; an expression's
// NFTA_EXPR_DATA is decoded by the space its sibling NFTA_EXPR_NAME picks.
var schema = &nltrace.Schema{Family: "nf_tables", Msg: traceMsg}

func traceMsg(t uint16) (nltrace.Msg, bool) {
	switch t {
	case unix.NFNL_MSG_BATCH_BEGIN:
		return nltrace.Msg{Name: "NFNL_MSG_BATCH_BEGIN", Header: nfgenmsgLen, HeaderFmt: fmtNfgenmsg, Attrs: batchSpace}, true
	case unix.NFNL_MSG_BATCH_END:
		return nltrace.Msg{Name: "NFNL_MSG_BATCH_END", Header: nfgenmsgLen, HeaderFmt: fmtNfgenmsg, Attrs: batchSpace}, true
	}
	if t>>8 != unix.NFNL_SUBSYS_NFTABLES {
		return nltrace.Msg{}, false
	}
	m, ok := nftMsgs[t&0xff]
	if !ok {
		return nltrace.Msg{}, false
	}
	m.Header, m.HeaderFmt = nfgenmsgLen, fmtNfgenmsg
	return m, true
}

var nftMsgs = map[uint16]nltrace.Msg{
	unix.NFT_MSG_NEWTABLE: {Name: "NFT_MSG_NEWTABLE", Kind: nltrace.KindNew, Attrs: tableSpace},
	unix.NFT_MSG_GETTABLE: {Name: "NFT_MSG_GETTABLE", Kind: nltrace.KindGet, Attrs: tableSpace},
	unix.NFT_MSG_DELTABLE: {Name: "NFT_MSG_DELTABLE", Kind: nltrace.KindDel, Attrs: tableSpace},
	msgDestroyTable:       {Name: "NFT_MSG_DESTROYTABLE", Kind: nltrace.KindDel, Attrs: tableSpace},
	unix.NFT_MSG_NEWCHAIN: {Name: "NFT_MSG_NEWCHAIN", Kind: nltrace.KindNew, Attrs: chainSpace},
	unix.NFT_MSG_GETCHAIN: {Name: "NFT_MSG_GETCHAIN", Kind: nltrace.KindGet, Attrs: chainSpace},
	unix.NFT_MSG_DELCHAIN: {Name: "NFT_MSG_DELCHAIN", Kind: nltrace.KindDel, Attrs: chainSpace},
	msgDestroyChain:       {Name: "NFT_MSG_DESTROYCHAIN", Kind: nltrace.KindDel, Attrs: chainSpace},
	unix.NFT_MSG_NEWRULE:  {Name: "NFT_MSG_NEWRULE", Kind: nltrace.KindNew, Attrs: ruleSpace},
	unix.NFT_MSG_GETRULE:  {Name: "NFT_MSG_GETRULE", Kind: nltrace.KindGet, Attrs: ruleSpace},
	unix.NFT_MSG_DELRULE:  {Name: "NFT_MSG_DELRULE", Kind: nltrace.KindDel, Attrs: ruleSpace},
	msgDestroyRule:        {Name: "NFT_MSG_DESTROYRULE", Kind: nltrace.KindDel, Attrs: ruleSpace},
	unix.NFT_MSG_NEWOBJ:   {Name: "NFT_MSG_NEWOBJ", Kind: nltrace.KindNew, Attrs: objSpace},
	unix.NFT_MSG_GETOBJ:   {Name: "NFT_MSG_GETOBJ", Kind: nltrace.KindGet, Attrs: objSpace},
	unix.NFT_MSG_DELOBJ:   {Name: "NFT_MSG_DELOBJ", Kind: nltrace.KindDel, Attrs: objSpace},
	unix.NFT_MSG_NEWGEN:   {Name: "NFT_MSG_NEWGEN", Kind: nltrace.KindNew, Attrs: genSpace},
	unix.NFT_MSG_GETGEN:   {Name: "NFT_MSG_GETGEN", Kind: nltrace.KindGet, Attrs: genSpace},
}

func fmtNfgenmsg(b []byte) string {
	return fmt.Sprintf("nfgenmsg family=%s version=%d res_id=%d", Family(b[0]), b[1], binary.BigEndian.Uint16(b[2:]))
}

// enum returns an Attr.Enum function for a String method.
func enum[T ~uint32 | ~uint8](name func(T) string) func(uint64) string {
	return func(v uint64) string { return name(T(v)) }
}

func u32(name string) nltrace.Attr { return nltrace.Attr{Name: name, Kind: nltrace.U32} }
func str(name string) nltrace.Attr { return nltrace.Attr{Name: name, Kind: nltrace.String} }
func reg(name string) nltrace.Attr { return nltrace.Attr{Name: name, Kind: nltrace.U32} }

func fmtComment(b []byte) string {
	if c, ok := decodeComment(b); ok {
		return "comment " + strconv.Quote(c)
	}
	return fmt.Sprintf("0x%x", b)
}

func fmtVerdict(b []byte) string {
	if len(b) != 4 {
		return fmt.Sprintf("0x%x", b)
	}
	v := VerdictCode(int32(binary.BigEndian.Uint32(b)))
	return fmt.Sprintf("%s (%d)", v, int32(v))
}

var batchSpace = &nltrace.Space{Name: "nfnl_batch_attributes", BigEndian: true, Attrs: map[uint16]nltrace.Attr{
	unix.NFNL_BATCH_GENID: u32("NFNL_BATCH_GENID"),
}}

var genSpace = &nltrace.Space{Name: "nft_gen_attributes", BigEndian: true, Attrs: map[uint16]nltrace.Attr{
	unix.NFTA_GEN_ID:        u32("NFTA_GEN_ID"),
	unix.NFTA_GEN_PROC_PID:  u32("NFTA_GEN_PROC_PID"),
	unix.NFTA_GEN_PROC_NAME: str("NFTA_GEN_PROC_NAME"),
}}

var tableSpace = &nltrace.Space{Name: "nft_table_attributes", BigEndian: true, Attrs: map[uint16]nltrace.Attr{
	unix.NFTA_TABLE_NAME:  str("NFTA_TABLE_NAME"),
	unix.NFTA_TABLE_FLAGS: u32("NFTA_TABLE_FLAGS"),
	unix.NFTA_TABLE_USE:   u32("NFTA_TABLE_USE"),
	nftaTableHandle:       {Name: "NFTA_TABLE_HANDLE", Kind: nltrace.U64},
	5:                     {Name: "NFTA_TABLE_PAD", Kind: nltrace.Bytes},
	nftaTableUserdata:     {Name: "NFTA_TABLE_USERDATA", Format: fmtComment},
	nftaTableOwner:        u32("NFTA_TABLE_OWNER"),
}}

var hookSpace = &nltrace.Space{Name: "nft_hook_attributes", BigEndian: true, Attrs: map[uint16]nltrace.Attr{
	unix.NFTA_HOOK_HOOKNUM:  {Name: "NFTA_HOOK_HOOKNUM", Kind: nltrace.U32, Enum: enum(Hook.String)},
	unix.NFTA_HOOK_PRIORITY: {Name: "NFTA_HOOK_PRIORITY", Kind: nltrace.S32},
	unix.NFTA_HOOK_DEV:      str("NFTA_HOOK_DEV"),
}}

var counterSpace = &nltrace.Space{Name: "nft_counter_attributes", BigEndian: true, Attrs: map[uint16]nltrace.Attr{
	unix.NFTA_COUNTER_BYTES:   {Name: "NFTA_COUNTER_BYTES", Kind: nltrace.U64},
	unix.NFTA_COUNTER_PACKETS: {Name: "NFTA_COUNTER_PACKETS", Kind: nltrace.U64},
	nftaCounterPad:            {Name: "NFTA_COUNTER_PAD", Kind: nltrace.Bytes},
}}

// objType names NFT_OBJECT_* values.
func objType(v uint64) string {
	if v == unix.NFT_OBJECT_COUNTER {
		return "counter"
	}
	return ""
}

// objSpace is NFTA_OBJ_*; NFTA_OBJ_DATA is decoded as a counter's, the
// only object type nsnet makes.
var objSpace = &nltrace.Space{Name: "nft_object_attributes", BigEndian: true, Attrs: map[uint16]nltrace.Attr{
	unix.NFTA_OBJ_TABLE: str("NFTA_OBJ_TABLE"),
	unix.NFTA_OBJ_NAME:  str("NFTA_OBJ_NAME"),
	unix.NFTA_OBJ_TYPE:  {Name: "NFTA_OBJ_TYPE", Kind: nltrace.U32, Enum: objType},
	unix.NFTA_OBJ_DATA: {Name: "NFTA_OBJ_DATA", Kind: nltrace.Nested, Resolve: func(sib nltrace.Siblings) *nltrace.Space {
		if t := sib[unix.NFTA_OBJ_TYPE]; len(t) == 4 && binary.BigEndian.Uint32(t) == unix.NFT_OBJECT_COUNTER {
			return counterSpace
		}
		return nil
	}},
	unix.NFTA_OBJ_USE: u32("NFTA_OBJ_USE"),
	nftaObjHandle:     {Name: "NFTA_OBJ_HANDLE", Kind: nltrace.U64},
	nftaObjPad:        {Name: "NFTA_OBJ_PAD", Kind: nltrace.Bytes},
	nftaObjUserdata:   {Name: "NFTA_OBJ_USERDATA", Format: fmtComment},
}}

var chainSpace = &nltrace.Space{Name: "nft_chain_attributes", BigEndian: true, Attrs: map[uint16]nltrace.Attr{
	unix.NFTA_CHAIN_TABLE:    str("NFTA_CHAIN_TABLE"),
	unix.NFTA_CHAIN_HANDLE:   {Name: "NFTA_CHAIN_HANDLE", Kind: nltrace.U64},
	unix.NFTA_CHAIN_NAME:     str("NFTA_CHAIN_NAME"),
	unix.NFTA_CHAIN_HOOK:     {Name: "NFTA_CHAIN_HOOK", Kind: nltrace.Nested, Nest: hookSpace},
	unix.NFTA_CHAIN_POLICY:   {Name: "NFTA_CHAIN_POLICY", Kind: nltrace.U32, Enum: enum(Policy.String)},
	unix.NFTA_CHAIN_USE:      u32("NFTA_CHAIN_USE"),
	unix.NFTA_CHAIN_TYPE:     str("NFTA_CHAIN_TYPE"),
	unix.NFTA_CHAIN_COUNTERS: {Name: "NFTA_CHAIN_COUNTERS", Kind: nltrace.Nested, Nest: counterSpace},
	9:                        {Name: "NFTA_CHAIN_PAD", Kind: nltrace.Bytes},
	nftaChainFlags:           u32("NFTA_CHAIN_FLAGS"),
	nftaChainID:              u32("NFTA_CHAIN_ID"),
	nftaChainUserdata:        {Name: "NFTA_CHAIN_USERDATA", Format: fmtComment},
}}

var ruleSpace = &nltrace.Space{Name: "nft_rule_attributes", BigEndian: true, Attrs: map[uint16]nltrace.Attr{
	unix.NFTA_RULE_TABLE:  str("NFTA_RULE_TABLE"),
	unix.NFTA_RULE_CHAIN:  str("NFTA_RULE_CHAIN"),
	unix.NFTA_RULE_HANDLE: {Name: "NFTA_RULE_HANDLE", Kind: nltrace.U64},
	unix.NFTA_RULE_EXPRESSIONS: {Name: "NFTA_RULE_EXPRESSIONS", Kind: nltrace.Array,
		Elem: &nltrace.Attr{Name: "NFTA_LIST_ELEM", Kind: nltrace.Nested, Nest: exprSpace}},
	unix.NFTA_RULE_POSITION: {Name: "NFTA_RULE_POSITION", Kind: nltrace.U64},
	unix.NFTA_RULE_USERDATA: {Name: "NFTA_RULE_USERDATA", Format: fmtComment},
	8:                       {Name: "NFTA_RULE_PAD", Kind: nltrace.Bytes},
	unix.NFTA_RULE_ID:       u32("NFTA_RULE_ID"),
}}

var exprSpace = &nltrace.Space{Name: "nft_expr_attributes", BigEndian: true, Attrs: map[uint16]nltrace.Attr{
	unix.NFTA_EXPR_NAME: str("NFTA_EXPR_NAME"),
	unix.NFTA_EXPR_DATA: {Name: "NFTA_EXPR_DATA", Kind: nltrace.Nested,
		Resolve: func(sib nltrace.Siblings) *nltrace.Space { return exprDataSpaces[sib.String(unix.NFTA_EXPR_NAME)] }},
}}

// dataSpace is NFTA_DATA_*, the value nest of cmp, bitwise and immediate.
var dataSpace = &nltrace.Space{Name: "nft_data_attributes", BigEndian: true, Attrs: map[uint16]nltrace.Attr{
	unix.NFTA_DATA_VALUE:   {Name: "NFTA_DATA_VALUE", Kind: nltrace.Bytes},
	unix.NFTA_DATA_VERDICT: {Name: "NFTA_DATA_VERDICT", Kind: nltrace.Nested, Nest: verdictSpace},
}}

var verdictSpace = &nltrace.Space{Name: "nft_verdict_attributes", BigEndian: true, Attrs: map[uint16]nltrace.Attr{
	unix.NFTA_VERDICT_CODE:  {Name: "NFTA_VERDICT_CODE", Format: fmtVerdict},
	unix.NFTA_VERDICT_CHAIN: str("NFTA_VERDICT_CHAIN"),
}}

func data(name string) nltrace.Attr {
	return nltrace.Attr{Name: name, Kind: nltrace.Nested, Nest: dataSpace}
}

var exprDataSpaces = map[string]*nltrace.Space{
	"payload": {Name: "nft_payload_attributes", BigEndian: true, Attrs: map[uint16]nltrace.Attr{
		unix.NFTA_PAYLOAD_DREG: reg("NFTA_PAYLOAD_DREG"),
		unix.NFTA_PAYLOAD_BASE: {Name: "NFTA_PAYLOAD_BASE", Kind: nltrace.U32, Enum: func(v uint64) string {
			return map[uint64]string{0: "ll header", 1: "network header", 2: "transport header", 3: "inner header"}[v]
		}},
		unix.NFTA_PAYLOAD_OFFSET:      u32("NFTA_PAYLOAD_OFFSET"),
		unix.NFTA_PAYLOAD_LEN:         u32("NFTA_PAYLOAD_LEN"),
		unix.NFTA_PAYLOAD_SREG:        reg("NFTA_PAYLOAD_SREG"),
		unix.NFTA_PAYLOAD_CSUM_TYPE:   u32("NFTA_PAYLOAD_CSUM_TYPE"),
		unix.NFTA_PAYLOAD_CSUM_OFFSET: u32("NFTA_PAYLOAD_CSUM_OFFSET"),
		unix.NFTA_PAYLOAD_CSUM_FLAGS:  u32("NFTA_PAYLOAD_CSUM_FLAGS"),
	}},
	"cmp": {Name: "nft_cmp_attributes", BigEndian: true, Attrs: map[uint16]nltrace.Attr{
		unix.NFTA_CMP_SREG: reg("NFTA_CMP_SREG"),
		unix.NFTA_CMP_OP:   {Name: "NFTA_CMP_OP", Kind: nltrace.U32, Enum: enum(CmpOp.String)},
		unix.NFTA_CMP_DATA: data("NFTA_CMP_DATA"),
	}},
	"bitwise": {Name: "nft_bitwise_attributes", BigEndian: true, Attrs: map[uint16]nltrace.Attr{
		unix.NFTA_BITWISE_SREG: reg("NFTA_BITWISE_SREG"),
		unix.NFTA_BITWISE_DREG: reg("NFTA_BITWISE_DREG"),
		unix.NFTA_BITWISE_LEN:  u32("NFTA_BITWISE_LEN"),
		unix.NFTA_BITWISE_MASK: data("NFTA_BITWISE_MASK"),
		unix.NFTA_BITWISE_XOR:  data("NFTA_BITWISE_XOR"),
		nftaBitwiseOp: {Name: "NFTA_BITWISE_OP", Kind: nltrace.U32, Enum: func(v uint64) string {
			return map[uint64]string{0: "bool", 1: "lshift", 2: "rshift"}[v]
		}},
		7: data("NFTA_BITWISE_DATA"),
	}},
	"meta": {Name: "nft_meta_attributes", BigEndian: true, Attrs: map[uint16]nltrace.Attr{
		unix.NFTA_META_DREG: reg("NFTA_META_DREG"),
		unix.NFTA_META_KEY:  {Name: "NFTA_META_KEY", Kind: nltrace.U32, Enum: enum(MetaKey.String)},
		unix.NFTA_META_SREG: reg("NFTA_META_SREG"),
	}},
	"ct": {Name: "nft_ct_attributes", BigEndian: true, Attrs: map[uint16]nltrace.Attr{
		unix.NFTA_CT_DREG:      reg("NFTA_CT_DREG"),
		unix.NFTA_CT_KEY:       {Name: "NFTA_CT_KEY", Kind: nltrace.U32, Enum: enum(CtKey.String)},
		unix.NFTA_CT_DIRECTION: {Name: "NFTA_CT_DIRECTION", Kind: nltrace.U8},
		unix.NFTA_CT_SREG:      reg("NFTA_CT_SREG"),
	}},
	"fib": {Name: "nft_fib_attributes", BigEndian: true, Attrs: map[uint16]nltrace.Attr{
		unix.NFTA_FIB_DREG: reg("NFTA_FIB_DREG"),
		unix.NFTA_FIB_RESULT: {Name: "NFTA_FIB_RESULT", Kind: nltrace.U32, Enum: func(v uint64) string {
			return map[uint64]string{1: "oif", 2: "oifname", 3: "type"}[v]
		}},
		unix.NFTA_FIB_FLAGS: {Name: "NFTA_FIB_FLAGS", Kind: nltrace.U32, Enum: func(v uint64) string {
			return map[uint64]string{1: "saddr", 2: "daddr", 4: "mark", 8: "iif", 16: "oif"}[v]
		}},
	}},
	"immediate": {Name: "nft_immediate_attributes", BigEndian: true, Attrs: map[uint16]nltrace.Attr{
		unix.NFTA_IMMEDIATE_DREG: reg("NFTA_IMMEDIATE_DREG"),
		unix.NFTA_IMMEDIATE_DATA: data("NFTA_IMMEDIATE_DATA"),
	}},
	"counter": counterSpace,
	"objref": {Name: "nft_objref_attributes", BigEndian: true, Attrs: map[uint16]nltrace.Attr{
		unix.NFTA_OBJREF_IMM_TYPE: {Name: "NFTA_OBJREF_IMM_TYPE", Kind: nltrace.U32, Enum: objType},
		unix.NFTA_OBJREF_IMM_NAME: str("NFTA_OBJREF_IMM_NAME"),
		unix.NFTA_OBJREF_SET_SREG: reg("NFTA_OBJREF_SET_SREG"),
		unix.NFTA_OBJREF_SET_NAME: str("NFTA_OBJREF_SET_NAME"),
		unix.NFTA_OBJREF_SET_ID:   u32("NFTA_OBJREF_SET_ID"),
	}},
	"masq": {Name: "nft_masq_attributes", BigEndian: true, Attrs: map[uint16]nltrace.Attr{
		unix.NFTA_MASQ_FLAGS:         u32("NFTA_MASQ_FLAGS"),
		unix.NFTA_MASQ_REG_PROTO_MIN: reg("NFTA_MASQ_REG_PROTO_MIN"),
		unix.NFTA_MASQ_REG_PROTO_MAX: reg("NFTA_MASQ_REG_PROTO_MAX"),
	}},
	"nat": {Name: "nft_nat_attributes", BigEndian: true, Attrs: map[uint16]nltrace.Attr{
		unix.NFTA_NAT_TYPE:          {Name: "NFTA_NAT_TYPE", Kind: nltrace.U32, Enum: enum(NATType.String)},
		unix.NFTA_NAT_FAMILY:        {Name: "NFTA_NAT_FAMILY", Kind: nltrace.U32, Enum: func(v uint64) string { return Family(v).String() }},
		unix.NFTA_NAT_REG_ADDR_MIN:  reg("NFTA_NAT_REG_ADDR_MIN"),
		unix.NFTA_NAT_REG_ADDR_MAX:  reg("NFTA_NAT_REG_ADDR_MAX"),
		unix.NFTA_NAT_REG_PROTO_MIN: reg("NFTA_NAT_REG_PROTO_MIN"),
		unix.NFTA_NAT_REG_PROTO_MAX: reg("NFTA_NAT_REG_PROTO_MAX"),
		unix.NFTA_NAT_FLAGS:         u32("NFTA_NAT_FLAGS"),
	}},
	"lookup": {Name: "nft_lookup_attributes", BigEndian: true, Attrs: map[uint16]nltrace.Attr{
		unix.NFTA_LOOKUP_SET:    str("NFTA_LOOKUP_SET"),
		unix.NFTA_LOOKUP_SREG:   reg("NFTA_LOOKUP_SREG"),
		unix.NFTA_LOOKUP_DREG:   reg("NFTA_LOOKUP_DREG"),
		unix.NFTA_LOOKUP_SET_ID: u32("NFTA_LOOKUP_SET_ID"),
		unix.NFTA_LOOKUP_FLAGS:  u32("NFTA_LOOKUP_FLAGS"),
	}},
}
