package nat

import (
	"golang.org/x/sys/unix"
)

// nftaCounterPad is NFTA_COUNTER_PAD, which kernels put before the u64s.
const nftaCounterPad = 3

// Counter counts the packets and bytes that reach it. Values in a rule
// read from the kernel are live; values in a new rule are the start, and
// the zero Counter is an empty nest, as nft sends it.
//
//	NFTA_COUNTER_BYTES   be64 (optional)
//	NFTA_COUNTER_PACKETS be64 (optional)
type Counter struct {
	Bytes   uint64
	Packets uint64
}

// Name returns "counter".
func (*Counter) Name() string { return "counter" }

func (e *Counter) marshal(ae *encoder) {
	if e.Bytes != 0 || e.Packets != 0 {
		ae.Uint64(unix.NFTA_COUNTER_BYTES, e.Bytes)
		ae.Uint64(unix.NFTA_COUNTER_PACKETS, e.Packets)
	}
}

func (e *Counter) unmarshal(ad *decoder) error {
	for ad.Next() {
		switch ad.Type {
		case unix.NFTA_COUNTER_BYTES:
			e.Bytes = ad.Uint64()
		case unix.NFTA_COUNTER_PACKETS:
			e.Packets = ad.Uint64()
		case nftaCounterPad:
		default:
			return errUnmodelled
		}
	}
	return nil
}

// Masq rewrites the source address of a connection's packets to the
// address of the interface they leave by (`masquerade`). It is allowed
// only in a nat chain on the postrouting hook. Zero fields are absent: the
// empty Masq is an empty NFTA_EXPR_DATA nest.
//
//	NFTA_MASQ_FLAGS         be32 NF_NAT_RANGE_* (optional)
//	NFTA_MASQ_REG_PROTO_MIN be32 (optional)
//	NFTA_MASQ_REG_PROTO_MAX be32 (optional)
type Masq struct {
	Flags       RangeFlags
	RegProtoMin Register
	RegProtoMax Register
}

// Name returns "masq".
func (*Masq) Name() string { return "masq" }

func (e *Masq) marshal(ae *encoder) {
	if e.Flags != 0 {
		ae.Uint32(unix.NFTA_MASQ_FLAGS, uint32(e.Flags))
	}
	if e.RegProtoMin != 0 {
		ae.Uint32(unix.NFTA_MASQ_REG_PROTO_MIN, uint32(e.RegProtoMin))
	}
	if e.RegProtoMax != 0 {
		ae.Uint32(unix.NFTA_MASQ_REG_PROTO_MAX, uint32(e.RegProtoMax))
	}
}

func (e *Masq) unmarshal(ad *decoder) error {
	for ad.Next() {
		switch ad.Type {
		case unix.NFTA_MASQ_FLAGS:
			e.Flags = RangeFlags(ad.Uint32())
		case unix.NFTA_MASQ_REG_PROTO_MIN:
			e.RegProtoMin = Register(ad.Uint32())
		case unix.NFTA_MASQ_REG_PROTO_MAX:
			e.RegProtoMax = Register(ad.Uint32())
		default:
			return errUnmodelled
		}
	}
	return nil
}

// NAT rewrites the destination (NATDestination, `dnat to`) or source
// address and port of a connection to the values in the given registers,
// for Family (FamilyIPv4 or FamilyIPv6). Zero registers and flags are
// absent. nft sends RangeProtoSpecified with a port; kernels fill in the
// max registers and RangeMapIPs when they report the rule back.
//
//	NFTA_NAT_TYPE          be32 1 (dnat)
//	NFTA_NAT_FAMILY        be32 2 (ipv4)
//	NFTA_NAT_REG_ADDR_MIN  be32 1
//	NFTA_NAT_REG_PROTO_MIN be32 2
//	NFTA_NAT_FLAGS         be32 2 (proto specified)
type NAT struct {
	Type        NATType
	Family      Family
	RegAddrMin  Register
	RegAddrMax  Register
	RegProtoMin Register
	RegProtoMax Register
	Flags       RangeFlags
}

// Name returns "nat".
func (*NAT) Name() string { return "nat" }

func (e *NAT) marshal(ae *encoder) {
	ae.Uint32(unix.NFTA_NAT_TYPE, uint32(e.Type))
	ae.Uint32(unix.NFTA_NAT_FAMILY, uint32(e.Family))
	for _, r := range []struct {
		typ uint16
		reg Register
	}{
		{unix.NFTA_NAT_REG_ADDR_MIN, e.RegAddrMin}, {unix.NFTA_NAT_REG_ADDR_MAX, e.RegAddrMax},
		{unix.NFTA_NAT_REG_PROTO_MIN, e.RegProtoMin}, {unix.NFTA_NAT_REG_PROTO_MAX, e.RegProtoMax},
	} {
		if r.reg != 0 {
			ae.Uint32(r.typ, uint32(r.reg))
		}
	}
	if e.Flags != 0 {
		ae.Uint32(unix.NFTA_NAT_FLAGS, uint32(e.Flags))
	}
}

func (e *NAT) unmarshal(ad *decoder) error {
	for ad.Next() {
		switch ad.Type {
		case unix.NFTA_NAT_TYPE:
			e.Type = NATType(ad.Uint32())
		case unix.NFTA_NAT_FAMILY:
			f := ad.Uint32()
			if f > 0xff {
				return errUnmodelled
			}
			e.Family = Family(f)
		case unix.NFTA_NAT_REG_ADDR_MIN:
			e.RegAddrMin = Register(ad.Uint32())
		case unix.NFTA_NAT_REG_ADDR_MAX:
			e.RegAddrMax = Register(ad.Uint32())
		case unix.NFTA_NAT_REG_PROTO_MIN:
			e.RegProtoMin = Register(ad.Uint32())
		case unix.NFTA_NAT_REG_PROTO_MAX:
			e.RegProtoMax = Register(ad.Uint32())
		case unix.NFTA_NAT_FLAGS:
			e.Flags = RangeFlags(ad.Uint32())
		default:
			return errUnmodelled
		}
	}
	return nil
}

// Objref makes a named object of the table do its work, as `counter name
// "NAME"` does with a CounterObject: the rule counts into the object, not
// into a counter of its own. The kernel refuses to delete an object while
// a rule refers to it.
//
//	NFTA_OBJREF_IMM_TYPE be32 NFT_OBJECT_* (1: counter)
//	NFTA_OBJREF_IMM_NAME "NAME" (no NUL)
type Objref struct {
	Type   uint32
	Object string // the object's name
}

// Name returns "objref".
func (*Objref) Name() string { return "objref" }

func (e *Objref) marshal(ae *encoder) {
	ae.Uint32(unix.NFTA_OBJREF_IMM_TYPE, e.Type)
	// Without a NUL, as nft sends it (libnftnl's mnl_attr_put_str).
	ae.Bytes(unix.NFTA_OBJREF_IMM_NAME, []byte(e.Object))
}

func (e *Objref) unmarshal(ad *decoder) error {
	for ad.Next() {
		switch ad.Type {
		case unix.NFTA_OBJREF_IMM_TYPE:
			e.Type = ad.Uint32()
		case unix.NFTA_OBJREF_IMM_NAME:
			e.Object = ad.String()
		default:
			return errUnmodelled
		}
	}
	return nil
}
