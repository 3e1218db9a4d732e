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
		return nltrace.Msg{Name: "NFNL_MSG_BATCH_BEGIN", Header: nfgenmsgLen, HeaderFmt: fmtNfgenmsg, Attrs: &batchSpace}, true
	case unix.NFNL_MSG_BATCH_END:
		return nltrace.Msg{Name: "NFNL_MSG_BATCH_END", Header: nfgenmsgLen, HeaderFmt: fmtNfgenmsg, Attrs: &batchSpace}, true
	}
	if t>>8 != unix.NFNL_SUBSYS_NFTABLES {
		return nltrace.Msg{}, false
	}
	if int(t&0xff) >= len(nftMsgs) || nftMsgs[t&0xff].Name == "" {
		return nltrace.Msg{}, false
	}
	m := nftMsgs[t&0xff]
	m.Header, m.HeaderFmt = nfgenmsgLen, fmtNfgenmsg
	return m, true
}

var nftMsgs = [...]nltrace.Msg{
	unix.NFT_MSG_NEWTABLE: {Name: "NFT_MSG_NEWTABLE", Kind: nltrace.KindNew, Attrs: &tableSpace},
	unix.NFT_MSG_GETTABLE: {Name: "NFT_MSG_GETTABLE", Kind: nltrace.KindGet, Attrs: &tableSpace},
	unix.NFT_MSG_DELTABLE: {Name: "NFT_MSG_DELTABLE", Kind: nltrace.KindDel, Attrs: &tableSpace},
	msgDestroyTable:       {Name: "NFT_MSG_DESTROYTABLE", Kind: nltrace.KindDel, Attrs: &tableSpace},
	unix.NFT_MSG_NEWCHAIN: {Name: "NFT_MSG_NEWCHAIN", Kind: nltrace.KindNew, Attrs: &chainSpace},
	unix.NFT_MSG_GETCHAIN: {Name: "NFT_MSG_GETCHAIN", Kind: nltrace.KindGet, Attrs: &chainSpace},
	unix.NFT_MSG_DELCHAIN: {Name: "NFT_MSG_DELCHAIN", Kind: nltrace.KindDel, Attrs: &chainSpace},
	msgDestroyChain:       {Name: "NFT_MSG_DESTROYCHAIN", Kind: nltrace.KindDel, Attrs: &chainSpace},
	unix.NFT_MSG_NEWRULE:  {Name: "NFT_MSG_NEWRULE", Kind: nltrace.KindNew, Attrs: &ruleSpace},
	unix.NFT_MSG_GETRULE:  {Name: "NFT_MSG_GETRULE", Kind: nltrace.KindGet, Attrs: &ruleSpace},
	unix.NFT_MSG_DELRULE:  {Name: "NFT_MSG_DELRULE", Kind: nltrace.KindDel, Attrs: &ruleSpace},
	msgDestroyRule:        {Name: "NFT_MSG_DESTROYRULE", Kind: nltrace.KindDel, Attrs: &ruleSpace},
	unix.NFT_MSG_NEWOBJ:   {Name: "NFT_MSG_NEWOBJ", Kind: nltrace.KindNew, Attrs: &objSpace},
	unix.NFT_MSG_GETOBJ:   {Name: "NFT_MSG_GETOBJ", Kind: nltrace.KindGet, Attrs: &objSpace},
	unix.NFT_MSG_DELOBJ:   {Name: "NFT_MSG_DELOBJ", Kind: nltrace.KindDel, Attrs: &objSpace},
	unix.NFT_MSG_NEWGEN:   {Name: "NFT_MSG_NEWGEN", Kind: nltrace.KindNew, Attrs: &genSpace},
	unix.NFT_MSG_GETGEN:   {Name: "NFT_MSG_GETGEN", Kind: nltrace.KindGet, Attrs: &genSpace},
}

func fmtNfgenmsg(b []byte) string {
	return fmt.Sprintf("nfgenmsg family=%s version=%d res_id=%d", Family(b[0]), b[1], binary.BigEndian.Uint16(b[2:]))
}

// enum returns an Attr.Enum function for a String method.
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

var batchSpace = nltrace.Space{Name: "nfnl_batch_attributes", BigEndian: true, Attrs: []nltrace.Attr{
	unix.NFNL_BATCH_GENID: {Name: "NFNL_BATCH_GENID", Kind: nltrace.U32},
}}

var genSpace = nltrace.Space{Name: "nft_gen_attributes", BigEndian: true, Attrs: []nltrace.Attr{
	unix.NFTA_GEN_ID:        {Name: "NFTA_GEN_ID", Kind: nltrace.U32},
	unix.NFTA_GEN_PROC_PID:  {Name: "NFTA_GEN_PROC_PID", Kind: nltrace.U32},
	unix.NFTA_GEN_PROC_NAME: {Name: "NFTA_GEN_PROC_NAME", Kind: nltrace.String},
}}

var tableSpace = nltrace.Space{Name: "nft_table_attributes", BigEndian: true, Attrs: []nltrace.Attr{
	unix.NFTA_TABLE_NAME:  {Name: "NFTA_TABLE_NAME", Kind: nltrace.String},
	unix.NFTA_TABLE_FLAGS: {Name: "NFTA_TABLE_FLAGS", Kind: nltrace.U32},
	unix.NFTA_TABLE_USE:   {Name: "NFTA_TABLE_USE", Kind: nltrace.U32},
	nftaTableHandle:       {Name: "NFTA_TABLE_HANDLE", Kind: nltrace.U64},
	5:                     {Name: "NFTA_TABLE_PAD", Kind: nltrace.Bytes},
	nftaTableUserdata:     {Name: "NFTA_TABLE_USERDATA", Format: fmtComment},
	nftaTableOwner:        {Name: "NFTA_TABLE_OWNER", Kind: nltrace.U32},
}}

var hookSpace = nltrace.Space{Name: "nft_hook_attributes", BigEndian: true, Attrs: []nltrace.Attr{
	unix.NFTA_HOOK_HOOKNUM:  {Name: "NFTA_HOOK_HOOKNUM", Kind: nltrace.U32, Enum: func(v uint64) string { return Hook(v).String() }},
	unix.NFTA_HOOK_PRIORITY: {Name: "NFTA_HOOK_PRIORITY", Kind: nltrace.S32},
	unix.NFTA_HOOK_DEV:      {Name: "NFTA_HOOK_DEV", Kind: nltrace.String},
}}

var counterSpace = nltrace.Space{Name: "nft_counter_attributes", BigEndian: true, Attrs: []nltrace.Attr{
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

// &objSpace is NFTA_OBJ_*; NFTA_OBJ_DATA is decoded as a counter's, the
// only object type nsnet makes.
var objSpace = nltrace.Space{Name: "nft_object_attributes", BigEndian: true, Attrs: []nltrace.Attr{
	unix.NFTA_OBJ_TABLE: {Name: "NFTA_OBJ_TABLE", Kind: nltrace.String},
	unix.NFTA_OBJ_NAME:  {Name: "NFTA_OBJ_NAME", Kind: nltrace.String},
	unix.NFTA_OBJ_TYPE:  {Name: "NFTA_OBJ_TYPE", Kind: nltrace.U32, Enum: objType},
	unix.NFTA_OBJ_DATA: {Name: "NFTA_OBJ_DATA", Kind: nltrace.Nested, Resolve: func(sib nltrace.Siblings) *nltrace.Space {
		if t := sib[unix.NFTA_OBJ_TYPE]; len(t) == 4 && binary.BigEndian.Uint32(t) == unix.NFT_OBJECT_COUNTER {
			return &counterSpace
		}
		return nil
	}},
	unix.NFTA_OBJ_USE: {Name: "NFTA_OBJ_USE", Kind: nltrace.U32},
	nftaObjHandle:     {Name: "NFTA_OBJ_HANDLE", Kind: nltrace.U64},
	nftaObjPad:        {Name: "NFTA_OBJ_PAD", Kind: nltrace.Bytes},
	nftaObjUserdata:   {Name: "NFTA_OBJ_USERDATA", Format: fmtComment},
}}

var chainSpace = nltrace.Space{Name: "nft_chain_attributes", BigEndian: true, Attrs: []nltrace.Attr{
	unix.NFTA_CHAIN_TABLE:    {Name: "NFTA_CHAIN_TABLE", Kind: nltrace.String},
	unix.NFTA_CHAIN_HANDLE:   {Name: "NFTA_CHAIN_HANDLE", Kind: nltrace.U64},
	unix.NFTA_CHAIN_NAME:     {Name: "NFTA_CHAIN_NAME", Kind: nltrace.String},
	unix.NFTA_CHAIN_HOOK:     {Name: "NFTA_CHAIN_HOOK", Kind: nltrace.Nested, Nest: &hookSpace},
	unix.NFTA_CHAIN_POLICY:   {Name: "NFTA_CHAIN_POLICY", Kind: nltrace.U32, Enum: func(v uint64) string { return Policy(v).String() }},
	unix.NFTA_CHAIN_USE:      {Name: "NFTA_CHAIN_USE", Kind: nltrace.U32},
	unix.NFTA_CHAIN_TYPE:     {Name: "NFTA_CHAIN_TYPE", Kind: nltrace.String},
	unix.NFTA_CHAIN_COUNTERS: {Name: "NFTA_CHAIN_COUNTERS", Kind: nltrace.Nested, Nest: &counterSpace},
	9:                        {Name: "NFTA_CHAIN_PAD", Kind: nltrace.Bytes},
	nftaChainFlags:           {Name: "NFTA_CHAIN_FLAGS", Kind: nltrace.U32},
	nftaChainID:              {Name: "NFTA_CHAIN_ID", Kind: nltrace.U32},
	nftaChainUserdata:        {Name: "NFTA_CHAIN_USERDATA", Format: fmtComment},
}}

var ruleSpace = nltrace.Space{Name: "nft_rule_attributes", BigEndian: true, Attrs: []nltrace.Attr{
	unix.NFTA_RULE_TABLE:  {Name: "NFTA_RULE_TABLE", Kind: nltrace.String},
	unix.NFTA_RULE_CHAIN:  {Name: "NFTA_RULE_CHAIN", Kind: nltrace.String},
	unix.NFTA_RULE_HANDLE: {Name: "NFTA_RULE_HANDLE", Kind: nltrace.U64},
	unix.NFTA_RULE_EXPRESSIONS: {Name: "NFTA_RULE_EXPRESSIONS", Kind: nltrace.Array,
		Elem: &nltrace.Attr{Name: "NFTA_LIST_ELEM", Kind: nltrace.Nested, Nest: &exprSpace}},
	unix.NFTA_RULE_POSITION: {Name: "NFTA_RULE_POSITION", Kind: nltrace.U64},
	unix.NFTA_RULE_USERDATA: {Name: "NFTA_RULE_USERDATA", Format: fmtComment},
	8:                       {Name: "NFTA_RULE_PAD", Kind: nltrace.Bytes},
	unix.NFTA_RULE_ID:       {Name: "NFTA_RULE_ID", Kind: nltrace.U32},
}}

var exprSpace = nltrace.Space{Name: "nft_expr_attributes", BigEndian: true, Attrs: []nltrace.Attr{
	unix.NFTA_EXPR_NAME: {Name: "NFTA_EXPR_NAME", Kind: nltrace.String},
	unix.NFTA_EXPR_DATA: {Name: "NFTA_EXPR_DATA", Kind: nltrace.Nested,
		Resolve: func(sib nltrace.Siblings) *nltrace.Space { return exprDataSpace(sib.String(unix.NFTA_EXPR_NAME)) }},
}}

// &dataSpace is NFTA_DATA_*, the value nest of cmp, bitwise and immediate.
var dataSpace = nltrace.Space{Name: "nft_data_attributes", BigEndian: true, Attrs: []nltrace.Attr{
	unix.NFTA_DATA_VALUE:   {Name: "NFTA_DATA_VALUE", Kind: nltrace.Bytes},
	unix.NFTA_DATA_VERDICT: {Name: "NFTA_DATA_VERDICT", Kind: nltrace.Nested, Nest: &verdictSpace},
}}

var verdictSpace = nltrace.Space{Name: "nft_verdict_attributes", BigEndian: true, Attrs: []nltrace.Attr{
	unix.NFTA_VERDICT_CODE:  {Name: "NFTA_VERDICT_CODE", Format: fmtVerdict},
	unix.NFTA_VERDICT_CHAIN: {Name: "NFTA_VERDICT_CHAIN", Kind: nltrace.String},
}}

// exprDataSpace is the attribute space of the NFTA_EXPR_DATA of the
// expression called name; nil for an expression printed raw.
func exprDataSpace(name string) *nltrace.Space {
	switch name {
	case "payload":
		return &exprPayloadSpace
	case "cmp":
		return &exprCmpSpace
	case "bitwise":
		return &exprBitwiseSpace
	case "meta":
		return &exprMetaSpace
	case "ct":
		return &exprCtSpace
	case "fib":
		return &exprFibSpace
	case "immediate":
		return &exprImmediateSpace
	case "counter":
		return &counterSpace
	case "objref":
		return &exprObjrefSpace
	case "masq":
		return &exprMasqSpace
	case "nat":
		return &exprNatSpace
	case "lookup":
		return &exprLookupSpace
	}
	return nil
}

var exprPayloadSpace = nltrace.Space{Name: "nft_payload_attributes", BigEndian: true, Attrs: []nltrace.Attr{
	unix.NFTA_PAYLOAD_DREG: {Name: "NFTA_PAYLOAD_DREG", Kind: nltrace.U32},
	unix.NFTA_PAYLOAD_BASE: {Name: "NFTA_PAYLOAD_BASE", Kind: nltrace.U32, Enum: func(v uint64) string {
		return map[uint64]string{0: "ll header", 1: "network header", 2: "transport header", 3: "inner header"}[v]
	}},
	unix.NFTA_PAYLOAD_OFFSET:      {Name: "NFTA_PAYLOAD_OFFSET", Kind: nltrace.U32},
	unix.NFTA_PAYLOAD_LEN:         {Name: "NFTA_PAYLOAD_LEN", Kind: nltrace.U32},
	unix.NFTA_PAYLOAD_SREG:        {Name: "NFTA_PAYLOAD_SREG", Kind: nltrace.U32},
	unix.NFTA_PAYLOAD_CSUM_TYPE:   {Name: "NFTA_PAYLOAD_CSUM_TYPE", Kind: nltrace.U32},
	unix.NFTA_PAYLOAD_CSUM_OFFSET: {Name: "NFTA_PAYLOAD_CSUM_OFFSET", Kind: nltrace.U32},
	unix.NFTA_PAYLOAD_CSUM_FLAGS:  {Name: "NFTA_PAYLOAD_CSUM_FLAGS", Kind: nltrace.U32},
}}

var exprCmpSpace = nltrace.Space{Name: "nft_cmp_attributes", BigEndian: true, Attrs: []nltrace.Attr{
	unix.NFTA_CMP_SREG: {Name: "NFTA_CMP_SREG", Kind: nltrace.U32},
	unix.NFTA_CMP_OP:   {Name: "NFTA_CMP_OP", Kind: nltrace.U32, Enum: func(v uint64) string { return CmpOp(v).String() }},
	unix.NFTA_CMP_DATA: {Name: "NFTA_CMP_DATA", Kind: nltrace.Nested, Nest: &dataSpace},
}}

var exprBitwiseSpace = nltrace.Space{Name: "nft_bitwise_attributes", BigEndian: true, Attrs: []nltrace.Attr{
	unix.NFTA_BITWISE_SREG: {Name: "NFTA_BITWISE_SREG", Kind: nltrace.U32},
	unix.NFTA_BITWISE_DREG: {Name: "NFTA_BITWISE_DREG", Kind: nltrace.U32},
	unix.NFTA_BITWISE_LEN:  {Name: "NFTA_BITWISE_LEN", Kind: nltrace.U32},
	unix.NFTA_BITWISE_MASK: {Name: "NFTA_BITWISE_MASK", Kind: nltrace.Nested, Nest: &dataSpace},
	unix.NFTA_BITWISE_XOR:  {Name: "NFTA_BITWISE_XOR", Kind: nltrace.Nested, Nest: &dataSpace},
	nftaBitwiseOp: {Name: "NFTA_BITWISE_OP", Kind: nltrace.U32, Enum: func(v uint64) string {
		return map[uint64]string{0: "bool", 1: "lshift", 2: "rshift"}[v]
	}},
	7: {Name: "NFTA_BITWISE_DATA", Kind: nltrace.Nested, Nest: &dataSpace},
}}

var exprMetaSpace = nltrace.Space{Name: "nft_meta_attributes", BigEndian: true, Attrs: []nltrace.Attr{
	unix.NFTA_META_DREG: {Name: "NFTA_META_DREG", Kind: nltrace.U32},
	unix.NFTA_META_KEY:  {Name: "NFTA_META_KEY", Kind: nltrace.U32, Enum: func(v uint64) string { return MetaKey(v).String() }},
	unix.NFTA_META_SREG: {Name: "NFTA_META_SREG", Kind: nltrace.U32},
}}

var exprCtSpace = nltrace.Space{Name: "nft_ct_attributes", BigEndian: true, Attrs: []nltrace.Attr{
	unix.NFTA_CT_DREG:      {Name: "NFTA_CT_DREG", Kind: nltrace.U32},
	unix.NFTA_CT_KEY:       {Name: "NFTA_CT_KEY", Kind: nltrace.U32, Enum: func(v uint64) string { return CtKey(v).String() }},
	unix.NFTA_CT_DIRECTION: {Name: "NFTA_CT_DIRECTION", Kind: nltrace.U8},
	unix.NFTA_CT_SREG:      {Name: "NFTA_CT_SREG", Kind: nltrace.U32},
}}

var exprFibSpace = nltrace.Space{Name: "nft_fib_attributes", BigEndian: true, Attrs: []nltrace.Attr{
	unix.NFTA_FIB_DREG: {Name: "NFTA_FIB_DREG", Kind: nltrace.U32},
	unix.NFTA_FIB_RESULT: {Name: "NFTA_FIB_RESULT", Kind: nltrace.U32, Enum: func(v uint64) string {
		return map[uint64]string{1: "oif", 2: "oifname", 3: "type"}[v]
	}},
	unix.NFTA_FIB_FLAGS: {Name: "NFTA_FIB_FLAGS", Kind: nltrace.U32, Enum: func(v uint64) string {
		return map[uint64]string{1: "saddr", 2: "daddr", 4: "mark", 8: "iif", 16: "oif"}[v]
	}},
}}

var exprImmediateSpace = nltrace.Space{Name: "nft_immediate_attributes", BigEndian: true, Attrs: []nltrace.Attr{
	unix.NFTA_IMMEDIATE_DREG: {Name: "NFTA_IMMEDIATE_DREG", Kind: nltrace.U32},
	unix.NFTA_IMMEDIATE_DATA: {Name: "NFTA_IMMEDIATE_DATA", Kind: nltrace.Nested, Nest: &dataSpace},
}}

var exprObjrefSpace = nltrace.Space{Name: "nft_objref_attributes", BigEndian: true, Attrs: []nltrace.Attr{
	unix.NFTA_OBJREF_IMM_TYPE: {Name: "NFTA_OBJREF_IMM_TYPE", Kind: nltrace.U32, Enum: objType},
	unix.NFTA_OBJREF_IMM_NAME: {Name: "NFTA_OBJREF_IMM_NAME", Kind: nltrace.String},
	unix.NFTA_OBJREF_SET_SREG: {Name: "NFTA_OBJREF_SET_SREG", Kind: nltrace.U32},
	unix.NFTA_OBJREF_SET_NAME: {Name: "NFTA_OBJREF_SET_NAME", Kind: nltrace.String},
	unix.NFTA_OBJREF_SET_ID:   {Name: "NFTA_OBJREF_SET_ID", Kind: nltrace.U32},
}}

var exprMasqSpace = nltrace.Space{Name: "nft_masq_attributes", BigEndian: true, Attrs: []nltrace.Attr{
	unix.NFTA_MASQ_FLAGS:         {Name: "NFTA_MASQ_FLAGS", Kind: nltrace.U32},
	unix.NFTA_MASQ_REG_PROTO_MIN: {Name: "NFTA_MASQ_REG_PROTO_MIN", Kind: nltrace.U32},
	unix.NFTA_MASQ_REG_PROTO_MAX: {Name: "NFTA_MASQ_REG_PROTO_MAX", Kind: nltrace.U32},
}}

var exprNatSpace = nltrace.Space{Name: "nft_nat_attributes", BigEndian: true, Attrs: []nltrace.Attr{
	unix.NFTA_NAT_TYPE:          {Name: "NFTA_NAT_TYPE", Kind: nltrace.U32, Enum: func(v uint64) string { return NATType(v).String() }},
	unix.NFTA_NAT_FAMILY:        {Name: "NFTA_NAT_FAMILY", Kind: nltrace.U32, Enum: func(v uint64) string { return Family(v).String() }},
	unix.NFTA_NAT_REG_ADDR_MIN:  {Name: "NFTA_NAT_REG_ADDR_MIN", Kind: nltrace.U32},
	unix.NFTA_NAT_REG_ADDR_MAX:  {Name: "NFTA_NAT_REG_ADDR_MAX", Kind: nltrace.U32},
	unix.NFTA_NAT_REG_PROTO_MIN: {Name: "NFTA_NAT_REG_PROTO_MIN", Kind: nltrace.U32},
	unix.NFTA_NAT_REG_PROTO_MAX: {Name: "NFTA_NAT_REG_PROTO_MAX", Kind: nltrace.U32},
	unix.NFTA_NAT_FLAGS:         {Name: "NFTA_NAT_FLAGS", Kind: nltrace.U32},
}}

var exprLookupSpace = nltrace.Space{Name: "nft_lookup_attributes", BigEndian: true, Attrs: []nltrace.Attr{
	unix.NFTA_LOOKUP_SET:    {Name: "NFTA_LOOKUP_SET", Kind: nltrace.String},
	unix.NFTA_LOOKUP_SREG:   {Name: "NFTA_LOOKUP_SREG", Kind: nltrace.U32},
	unix.NFTA_LOOKUP_DREG:   {Name: "NFTA_LOOKUP_DREG", Kind: nltrace.U32},
	unix.NFTA_LOOKUP_SET_ID: {Name: "NFTA_LOOKUP_SET_ID", Kind: nltrace.U32},
	unix.NFTA_LOOKUP_FLAGS:  {Name: "NFTA_LOOKUP_FLAGS", Kind: nltrace.U32},
}}
