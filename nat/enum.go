package nat

import "fmt"

// Family is a netfilter protocol family (NFPROTO_*), the family of a table
// and of the nfgenmsg header.
type Family uint8

// Netfilter families.
const (
	FamilyUnspec Family = 0  // NFPROTO_UNSPEC
	FamilyINet   Family = 1  // NFPROTO_INET
	FamilyIPv4   Family = 2  // NFPROTO_IPV4
	FamilyARP    Family = 3  // NFPROTO_ARP
	FamilyNetdev Family = 5  // NFPROTO_NETDEV
	FamilyBridge Family = 7  // NFPROTO_BRIDGE
	FamilyIPv6   Family = 10 // NFPROTO_IPV6
)

// String returns the family's name as nft writes it ("ip", "inet", ...).
func (f Family) String() string {
	switch f {
	case FamilyUnspec:
		return "unspec"
	case FamilyINet:
		return "inet"
	case FamilyIPv4:
		return "ip"
	case FamilyARP:
		return "arp"
	case FamilyNetdev:
		return "netdev"
	case FamilyBridge:
		return "bridge"
	case FamilyIPv6:
		return "ip6"
	}
	return fmt.Sprintf("family(%d)", uint8(f))
}

// Hook is a netfilter hook number (NF_INET_*).
type Hook uint32

// Netfilter hooks of the ip, ip6 and inet families.
const (
	HookPrerouting  Hook = 0 // NF_INET_PRE_ROUTING
	HookInput       Hook = 1 // NF_INET_LOCAL_IN
	HookForward     Hook = 2 // NF_INET_FORWARD
	HookOutput      Hook = 3 // NF_INET_LOCAL_OUT
	HookPostrouting Hook = 4 // NF_INET_POST_ROUTING
	HookIngress     Hook = 5 // NF_INET_INGRESS
)

// String returns the hook's name as nft writes it.
func (h Hook) String() string {
	switch h {
	case HookPrerouting:
		return "prerouting"
	case HookInput:
		return "input"
	case HookForward:
		return "forward"
	case HookOutput:
		return "output"
	case HookPostrouting:
		return "postrouting"
	case HookIngress:
		return "ingress"
	}
	return fmt.Sprintf("hook(%d)", uint32(h))
}

// Policy is a base chain's default verdict.
type Policy uint32

// Chain policies.
const (
	PolicyDrop   Policy = 0 // NF_DROP
	PolicyAccept Policy = 1 // NF_ACCEPT
)

// String returns "accept" or "drop".
func (p Policy) String() string {
	switch p {
	case PolicyDrop:
		return "drop"
	case PolicyAccept:
		return "accept"
	}
	return fmt.Sprintf("policy(%d)", uint32(p))
}

// Register is an nf_tables register number.
type Register uint32

// Registers. RegVerdict holds only verdicts; Reg1..Reg4 are 16 bytes wide.
// Zero in an optional register field means "not set".
const (
	RegVerdict Register = 0 // NFT_REG_VERDICT
	Reg1       Register = 1 // NFT_REG_1
	Reg2       Register = 2 // NFT_REG_2
	Reg3       Register = 3 // NFT_REG_3
	Reg4       Register = 4 // NFT_REG_4
)

// PayloadBase is where a payload expression's offset counts from.
type PayloadBase uint32

// Payload bases.
const (
	BaseLinkLayer PayloadBase = 0 // NFT_PAYLOAD_LL_HEADER
	BaseNetwork   PayloadBase = 1 // NFT_PAYLOAD_NETWORK_HEADER
	BaseTransport PayloadBase = 2 // NFT_PAYLOAD_TRANSPORT_HEADER
)

// CmpOp is a comparison operator.
type CmpOp uint32

// Comparison operators.
const (
	CmpEq  CmpOp = 0 // NFT_CMP_EQ
	CmpNeq CmpOp = 1 // NFT_CMP_NEQ
	CmpLt  CmpOp = 2 // NFT_CMP_LT
	CmpLte CmpOp = 3 // NFT_CMP_LTE
	CmpGt  CmpOp = 4 // NFT_CMP_GT
	CmpGte CmpOp = 5 // NFT_CMP_GTE
)

// String returns the operator as nft writes it.
func (o CmpOp) String() string {
	switch o {
	case CmpEq:
		return "=="
	case CmpNeq:
		return "!="
	case CmpLt:
		return "<"
	case CmpLte:
		return "<="
	case CmpGt:
		return ">"
	case CmpGte:
		return ">="
	}
	return fmt.Sprintf("cmp(%d)", uint32(o))
}

// MetaKey selects what a meta expression loads.
type MetaKey uint32

// Meta keys used by nsnet.
const (
	MetaLen      MetaKey = 0  // NFT_META_LEN
	MetaProtocol MetaKey = 1  // NFT_META_PROTOCOL
	MetaMark     MetaKey = 3  // NFT_META_MARK
	MetaIif      MetaKey = 4  // NFT_META_IIF
	MetaOif      MetaKey = 5  // NFT_META_OIF
	MetaIifname  MetaKey = 6  // NFT_META_IIFNAME
	MetaOifname  MetaKey = 7  // NFT_META_OIFNAME
	MetaNfproto  MetaKey = 15 // NFT_META_NFPROTO
	MetaL4proto  MetaKey = 16 // NFT_META_L4PROTO
)

// String returns the key as nft writes it.
func (k MetaKey) String() string {
	switch k {
	case MetaLen:
		return "length"
	case MetaProtocol:
		return "protocol"
	case MetaMark:
		return "mark"
	case MetaIif:
		return "iif"
	case MetaOif:
		return "oif"
	case MetaIifname:
		return "iifname"
	case MetaOifname:
		return "oifname"
	case MetaNfproto:
		return "nfproto"
	case MetaL4proto:
		return "l4proto"
	}
	return fmt.Sprintf("meta(%d)", uint32(k))
}

// CtKey selects what a ct expression loads.
type CtKey uint32

// Conntrack keys used by nsnet.
const (
	CtState  CtKey = 0 // NFT_CT_STATE
	CtDir    CtKey = 1 // NFT_CT_DIRECTION
	CtStatus CtKey = 2 // NFT_CT_STATUS
	CtMark   CtKey = 3 // NFT_CT_MARK
)

// String returns the key as nft writes it.
func (k CtKey) String() string {
	switch k {
	case CtState:
		return "state"
	case CtDir:
		return "direction"
	case CtStatus:
		return "status"
	case CtMark:
		return "mark"
	}
	return fmt.Sprintf("ct(%d)", uint32(k))
}

// CtStateBits is the value a ct state load puts in a register (host byte
// order).
type CtStateBits uint32

// Conntrack states.
const (
	CtStateInvalid     CtStateBits = 0x01 // NF_CT_STATE_INVALID_BIT
	CtStateEstablished CtStateBits = 0x02 // NF_CT_STATE_BIT(IP_CT_ESTABLISHED)
	CtStateRelated     CtStateBits = 0x04 // NF_CT_STATE_BIT(IP_CT_RELATED)
	CtStateNew         CtStateBits = 0x08 // NF_CT_STATE_BIT(IP_CT_NEW)
	CtStateUntracked   CtStateBits = 0x40 // NF_CT_STATE_UNTRACKED_BIT
)

// String lists the states as nft does: "established,related,new".
func (s CtStateBits) String() string {
	names := []struct {
		b CtStateBits
		n string
	}{{CtStateInvalid, "invalid"}, {CtStateEstablished, "established"}, {CtStateRelated, "related"},
		{CtStateNew, "new"}, {CtStateUntracked, "untracked"}}
	out := ""
	for _, x := range names {
		if s&x.b != 0 {
			if out != "" {
				out += ","
			}
			out += x.n
			s &^= x.b
		}
	}
	if s != 0 || out == "" {
		if out != "" {
			out += ","
		}
		out += fmt.Sprintf("%#x", uint32(s))
	}
	return out
}

// FibFlags select what a fib expression looks up.
type FibFlags uint32

// Fib flags.
const (
	FibSaddr   FibFlags = 0x01 // NFTA_FIB_F_SADDR
	FibDaddr   FibFlags = 0x02 // NFTA_FIB_F_DADDR
	FibMark    FibFlags = 0x04 // NFTA_FIB_F_MARK
	FibIif     FibFlags = 0x08 // NFTA_FIB_F_IIF
	FibOif     FibFlags = 0x10 // NFTA_FIB_F_OIF
	FibPresent FibFlags = 0x20 // NFTA_FIB_F_PRESENT
)

// FibResult is what a fib expression stores.
type FibResult uint32

// Fib results.
const (
	FibResultOif      FibResult = 1 // NFT_FIB_RESULT_OIF
	FibResultOifname  FibResult = 2 // NFT_FIB_RESULT_OIFNAME
	FibResultAddrType FibResult = 3 // NFT_FIB_RESULT_ADDRTYPE
)

// AddrTypeLocal is the route type of a local address (RTN_LOCAL), what
// "fib daddr type local" compares with (host byte order).
const AddrTypeLocal = 2 // RTN_LOCAL

// VerdictCode is a verdict (NF_* and NFT_*).
type VerdictCode int32

// Verdicts.
const (
	VerdictDrop     VerdictCode = 0  // NF_DROP
	VerdictAccept   VerdictCode = 1  // NF_ACCEPT
	VerdictContinue VerdictCode = -1 // NFT_CONTINUE
	VerdictBreak    VerdictCode = -2 // NFT_BREAK
	VerdictJump     VerdictCode = -3 // NFT_JUMP
	VerdictGoto     VerdictCode = -4 // NFT_GOTO
	VerdictReturn   VerdictCode = -5 // NFT_RETURN
)

// String returns the verdict as nft writes it.
func (v VerdictCode) String() string {
	switch v {
	case VerdictDrop:
		return "drop"
	case VerdictAccept:
		return "accept"
	case VerdictContinue:
		return "continue"
	case VerdictBreak:
		return "break"
	case VerdictJump:
		return "jump"
	case VerdictGoto:
		return "goto"
	case VerdictReturn:
		return "return"
	}
	return fmt.Sprintf("verdict(%d)", int32(v))
}

// NATType says which address a nat expression rewrites.
type NATType uint32

// NAT types.
const (
	NATSource      NATType = 0 // NFT_NAT_SNAT
	NATDestination NATType = 1 // NFT_NAT_DNAT
)

// String returns "snat" or "dnat".
func (t NATType) String() string {
	switch t {
	case NATSource:
		return "snat"
	case NATDestination:
		return "dnat"
	}
	return fmt.Sprintf("nat(%d)", uint32(t))
}

// RangeFlags are NAT range flags (NF_NAT_RANGE_*).
type RangeFlags uint32

// NAT range flags.
const (
	RangeMapIPs           RangeFlags = 0x01 // NF_NAT_RANGE_MAP_IPS
	RangeProtoSpecified   RangeFlags = 0x02 // NF_NAT_RANGE_PROTO_SPECIFIED
	RangeProtoRandom      RangeFlags = 0x04 // NF_NAT_RANGE_PROTO_RANDOM
	RangePersistent       RangeFlags = 0x08 // NF_NAT_RANGE_PERSISTENT
	RangeProtoRandomFully RangeFlags = 0x10 // NF_NAT_RANGE_PROTO_RANDOM_FULLY
)

// Proto is a transport protocol number of a published port.
type Proto uint8

// Transport protocols. The zero Proto means TCP.
const (
	TCP Proto = 6  // IPPROTO_TCP
	UDP Proto = 17 // IPPROTO_UDP
)

// String returns "tcp", "udp" or "sctp".
func (p Proto) String() string {
	switch p {
	case 0, TCP:
		return "tcp"
	case UDP:
		return "udp"
	case SCTP:
		return "sctp"
	}
	return fmt.Sprintf("proto(%d)", uint8(p))
}
