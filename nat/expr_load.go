package nat

import (
	"golang.org/x/sys/unix"
)

// Payload loads Len bytes at Offset from a packet header into DReg:
// `ip saddr` is {BaseNetwork, 12, 4}, `tcp dport` {BaseTransport, 2, 2}.
//
//	NFTA_PAYLOAD_DREG   be32 1
//	NFTA_PAYLOAD_BASE   be32 1 (network header)
//	NFTA_PAYLOAD_OFFSET be32 12
//	NFTA_PAYLOAD_LEN    be32 4
type Payload struct {
	DReg   Register
	Base   PayloadBase
	Offset uint32
	Len    uint32
}

// Name returns "payload".
func (*Payload) Name() string { return "payload" }

func (e *Payload) marshal(ae *encoder) {
	ae.Uint32(unix.NFTA_PAYLOAD_DREG, uint32(e.DReg))
	ae.Uint32(unix.NFTA_PAYLOAD_BASE, uint32(e.Base))
	ae.Uint32(unix.NFTA_PAYLOAD_OFFSET, e.Offset)
	ae.Uint32(unix.NFTA_PAYLOAD_LEN, e.Len)
}

func (e *Payload) unmarshal(ad *decoder) error {
	for ad.Next() {
		switch ad.Type {
		case unix.NFTA_PAYLOAD_DREG:
			e.DReg = Register(ad.Uint32())
		case unix.NFTA_PAYLOAD_BASE:
			e.Base = PayloadBase(ad.Uint32())
		case unix.NFTA_PAYLOAD_OFFSET:
			e.Offset = ad.Uint32()
		case unix.NFTA_PAYLOAD_LEN:
			e.Len = ad.Uint32()
		default: // payload set (SREG, checksums)
			return errUnmodelled
		}
	}
	return nil
}

// Meta loads packet metadata into DReg (`meta oifname`), or sets it from
// SReg; zero means the register is not used.
//
//	NFTA_META_KEY  be32 7 (oifname)
//	NFTA_META_DREG be32 1
type Meta struct {
	Key  MetaKey
	DReg Register
	SReg Register
}

// Name returns "meta".
func (*Meta) Name() string { return "meta" }

func (e *Meta) marshal(ae *encoder) {
	ae.Uint32(unix.NFTA_META_KEY, uint32(e.Key))
	if e.DReg != 0 {
		ae.Uint32(unix.NFTA_META_DREG, uint32(e.DReg))
	}
	if e.SReg != 0 {
		ae.Uint32(unix.NFTA_META_SREG, uint32(e.SReg))
	}
}

func (e *Meta) unmarshal(ad *decoder) error {
	for ad.Next() {
		switch ad.Type {
		case unix.NFTA_META_DREG:
			e.DReg = Register(ad.Uint32())
		case unix.NFTA_META_KEY:
			e.Key = MetaKey(ad.Uint32())
		case unix.NFTA_META_SREG:
			e.SReg = Register(ad.Uint32())
		default:
			return errUnmodelled
		}
	}
	return nil
}

// Ct loads conntrack data into DReg (`ct state`), or sets it from SReg;
// zero means the register is not used. The state is a host-order u32 of
// CtStateBits.
//
//	NFTA_CT_KEY  be32 0 (state)
//	NFTA_CT_DREG be32 1
type Ct struct {
	Key  CtKey
	DReg Register
	SReg Register
}

// Name returns "ct".
func (*Ct) Name() string { return "ct" }

func (e *Ct) marshal(ae *encoder) {
	ae.Uint32(unix.NFTA_CT_KEY, uint32(e.Key))
	if e.DReg != 0 {
		ae.Uint32(unix.NFTA_CT_DREG, uint32(e.DReg))
	}
	if e.SReg != 0 {
		ae.Uint32(unix.NFTA_CT_SREG, uint32(e.SReg))
	}
}

func (e *Ct) unmarshal(ad *decoder) error {
	for ad.Next() {
		switch ad.Type {
		case unix.NFTA_CT_DREG:
			e.DReg = Register(ad.Uint32())
		case unix.NFTA_CT_KEY:
			e.Key = CtKey(ad.Uint32())
		case unix.NFTA_CT_SREG:
			e.SReg = Register(ad.Uint32())
		default: // NFTA_CT_DIRECTION
			return errUnmodelled
		}
	}
	return nil
}

// Fib looks the packet up in the routing table and stores a Result in
// DReg: `fib daddr type` is {FibDaddr, FibResultAddrType}, and the
// register then holds a host-order u32 route type (AddrTypeLocal).
//
//	NFTA_FIB_FLAGS  be32 2 (daddr)
//	NFTA_FIB_RESULT be32 3 (addrtype)
//	NFTA_FIB_DREG   be32 1
type Fib struct {
	DReg   Register
	Result FibResult
	Flags  FibFlags
}

// Name returns "fib".
func (*Fib) Name() string { return "fib" }

func (e *Fib) marshal(ae *encoder) {
	ae.Uint32(unix.NFTA_FIB_FLAGS, uint32(e.Flags))
	ae.Uint32(unix.NFTA_FIB_RESULT, uint32(e.Result))
	ae.Uint32(unix.NFTA_FIB_DREG, uint32(e.DReg))
}

func (e *Fib) unmarshal(ad *decoder) error {
	for ad.Next() {
		switch ad.Type {
		case unix.NFTA_FIB_DREG:
			e.DReg = Register(ad.Uint32())
		case unix.NFTA_FIB_RESULT:
			e.Result = FibResult(ad.Uint32())
		case unix.NFTA_FIB_FLAGS:
			e.Flags = FibFlags(ad.Uint32())
		default:
			return errUnmodelled
		}
	}
	return nil
}
