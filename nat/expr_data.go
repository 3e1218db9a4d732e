package nat

import (
	"golang.org/x/sys/unix"
)

// nftaBitwiseOp is NFTA_BITWISE_OP, missing from x/sys/unix.
const nftaBitwiseOp = 6

// Bitwise computes DReg = (SReg & Mask) ^ Xor over Len bytes, the boolean
// form the kernel calls NFT_BITWISE_BOOL (Op 0): a prefix match masks the
// loaded address, `ct state established,related` masks the state bits.
//
//	NFTA_BITWISE_SREG be32 1
//	NFTA_BITWISE_DREG be32 1
//	NFTA_BITWISE_LEN  be32 4
//	NFTA_BITWISE_MASK { NFTA_DATA_VALUE ff ff ff 00 }
//	NFTA_BITWISE_XOR  { NFTA_DATA_VALUE 00 00 00 00 }
type Bitwise struct {
	SReg Register
	DReg Register
	Len  uint32
	Mask []byte
	Xor  []byte
	// Op is the operation; 0 (NFT_BITWISE_BOOL) is the only one nsnet
	// writes. Kernels that know the attribute report it.
	Op uint32
}

// Name returns "bitwise".
func (*Bitwise) Name() string { return "bitwise" }

func (e *Bitwise) marshal(ae *encoder) {
	ae.Uint32(unix.NFTA_BITWISE_SREG, uint32(e.SReg))
	ae.Uint32(unix.NFTA_BITWISE_DREG, uint32(e.DReg))
	ae.Uint32(unix.NFTA_BITWISE_LEN, e.Len)
	marshalValue(ae, unix.NFTA_BITWISE_MASK, e.Mask)
	marshalValue(ae, unix.NFTA_BITWISE_XOR, e.Xor)
	if e.Op != 0 {
		ae.Uint32(nftaBitwiseOp, e.Op)
	}
}

func (e *Bitwise) unmarshal(ad *decoder) error {
	for ad.Next() {
		switch ad.Type {
		case unix.NFTA_BITWISE_SREG:
			e.SReg = Register(ad.Uint32())
		case unix.NFTA_BITWISE_DREG:
			e.DReg = Register(ad.Uint32())
		case unix.NFTA_BITWISE_LEN:
			e.Len = ad.Uint32()
		case unix.NFTA_BITWISE_MASK:
			e.Mask = unmarshalValue(ad)
		case unix.NFTA_BITWISE_XOR:
			e.Xor = unmarshalValue(ad)
		case nftaBitwiseOp:
			e.Op = ad.Uint32()
		default: // NFTA_BITWISE_DATA of the shift operations
			return errUnmodelled
		}
	}
	if e.Mask == nil || e.Xor == nil {
		return errUnmodelled
	}
	return nil
}

// Cmp compares the first len(Data) bytes of SReg with Data and ends the
// rule when the comparison fails.
//
//	NFTA_CMP_SREG be32 1
//	NFTA_CMP_OP   be32 0 (eq)
//	NFTA_CMP_DATA { NFTA_DATA_VALUE c0 a8 0b }
type Cmp struct {
	SReg Register
	Op   CmpOp
	Data []byte
}

// Name returns "cmp".
func (*Cmp) Name() string { return "cmp" }

func (e *Cmp) marshal(ae *encoder) {
	ae.Uint32(unix.NFTA_CMP_SREG, uint32(e.SReg))
	ae.Uint32(unix.NFTA_CMP_OP, uint32(e.Op))
	marshalValue(ae, unix.NFTA_CMP_DATA, e.Data)
}

func (e *Cmp) unmarshal(ad *decoder) error {
	for ad.Next() {
		switch ad.Type {
		case unix.NFTA_CMP_SREG:
			e.SReg = Register(ad.Uint32())
		case unix.NFTA_CMP_OP:
			e.Op = CmpOp(ad.Uint32())
		case unix.NFTA_CMP_DATA:
			e.Data = unmarshalValue(ad)
		default:
			return errUnmodelled
		}
	}
	if e.Data == nil {
		return errUnmodelled
	}
	return nil
}

// Immediate loads a constant into DReg, or, when Data is nil, sets the
// verdict (DReg is then RegVerdict; Chain names the target of a jump or
// goto).
//
//	NFTA_IMMEDIATE_DREG be32 1
//	NFTA_IMMEDIATE_DATA { NFTA_DATA_VALUE c0 a8 0b 65 }
//
//	NFTA_IMMEDIATE_DREG be32 0
//	NFTA_IMMEDIATE_DATA { NFTA_DATA_VERDICT { NFTA_VERDICT_CODE be32 1 (accept) } }
type Immediate struct {
	DReg    Register
	Data    []byte
	Verdict VerdictCode
	Chain   string
}

// Name returns "immediate".
func (*Immediate) Name() string { return "immediate" }

func (e *Immediate) marshal(ae *encoder) {
	ae.Uint32(unix.NFTA_IMMEDIATE_DREG, uint32(e.DReg))
	if e.Data != nil {
		marshalValue(ae, unix.NFTA_IMMEDIATE_DATA, e.Data)
		return
	}
	ae.Nested(unix.NFTA_IMMEDIATE_DATA, func(nae *encoder) error {
		nae.Nested(unix.NFTA_DATA_VERDICT, func(vae *encoder) error {
			vae.Int32(unix.NFTA_VERDICT_CODE, int32(e.Verdict))
			if e.Chain != "" {
				vae.String(unix.NFTA_VERDICT_CHAIN, e.Chain)
			}
			return nil
		})
		return nil
	})
}

func (e *Immediate) unmarshal(ad *decoder) error {
	seen := false
	for ad.Next() {
		switch ad.Type {
		case unix.NFTA_IMMEDIATE_DREG:
			e.DReg = Register(ad.Uint32())
		case unix.NFTA_IMMEDIATE_DATA:
			seen = true
			ad.Walk(func(nad *decoder) error {
				for nad.Next() {
					switch nad.Type {
					case unix.NFTA_DATA_VALUE:
						e.Data = nad.Bytes()
					case unix.NFTA_DATA_VERDICT:
						nad.Walk(func(vad *decoder) error {
							for vad.Next() {
								switch vad.Type {
								case unix.NFTA_VERDICT_CODE:
									e.Verdict = VerdictCode(vad.Int32())
								case unix.NFTA_VERDICT_CHAIN:
									e.Chain = vad.String()
								default:
									return errUnmodelled
								}
							}
							return nil
						})
					default:
						return errUnmodelled
					}
				}
				return nil
			})
		default:
			return errUnmodelled
		}
	}
	if !seen || e.Data != nil && (e.Verdict != 0 || e.Chain != "") {
		return errUnmodelled
	}
	return nil
}
