package ethtool

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/nsnet/nsnet/internal/nlattr"
	"golang.org/x/sys/unix"
)

// Bitset is an ethtool bit set (ETHTOOL_A_BITSET_*) in its compact form:
// Size bits, their values and, for a set with a mask, which bits the set
// speaks of. A list (ETHTOOL_A_BITSET_NOMASK) has a nil Mask: every bit
// is given.
type Bitset struct {
	Size  int
	Value []uint32
	Mask  []uint32
}

// Bit returns the value of bit i (false beyond the set).
func (b Bitset) Bit(i int) bool { return bitIn(b.Value, i) }

// InMask reports whether the set speaks of bit i: always for a list.
func (b Bitset) InMask(i int) bool { return b.Mask == nil || bitIn(b.Mask, i) }

func bitIn(words []uint32, i int) bool {
	if i < 0 || i/32 >= len(words) {
		return false
	}
	return words[i/32]&(1<<(i%32)) != 0
}

func setBit(words []uint32, i int, v bool) {
	if v {
		words[i/32] |= 1 << (i % 32)
	} else {
		words[i/32] &^= 1 << (i % 32)
	}
}

var errBadBitset = errors.New("malformed ethtool bitset")

// DecodeBitset decodes the attributes inside an ETHTOOL_A_*  bitset
// attribute, compact (SIZE, VALUE, MASK) or verbose (SIZE, BITS with an
// INDEX, NAME and VALUE per bit); names resolves a verbose bit given by
// name only (nil: such bits are an error).
func DecodeBitset(b []byte, names []string) (Bitset, error) {
	var (
		bs      Bitset
		noMask  bool
		value   []byte
		mask    []byte
		verbose []bit
	)
	ad := nlattr.NewReader(b, binary.NativeEndian)
	for ad.Next() {
		switch ad.Type {
		case unix.ETHTOOL_A_BITSET_NOMASK:
			noMask = true
		case unix.ETHTOOL_A_BITSET_SIZE:
			bs.Size = int(ad.Uint32())
		case unix.ETHTOOL_A_BITSET_VALUE:
			value = ad.Bytes()
		case unix.ETHTOOL_A_BITSET_MASK:
			mask = ad.Bytes()
		case unix.ETHTOOL_A_BITSET_BITS:
			ad.Walk(func(nad *nlattr.Reader) error {
				for nad.Next() {
					if nad.Type != unix.ETHTOOL_A_BITSET_BITS_BIT {
						continue
					}
					bt := bit{index: -1}
					nad.Walk(func(bad *nlattr.Reader) error {
						for bad.Next() {
							switch bad.Type {
							case unix.ETHTOOL_A_BITSET_BIT_INDEX:
								bt.index = int(bad.Uint32())
							case unix.ETHTOOL_A_BITSET_BIT_NAME:
								bt.name = bad.String()
							case unix.ETHTOOL_A_BITSET_BIT_VALUE:
								bt.value = true
							}
						}
						return nil
					})
					verbose = append(verbose, bt)
				}
				return nil
			})
		}
	}
	if err := ad.Err(); err != nil {
		return bs, err
	}
	if bs.Size < 0 || bs.Size > 1<<16 {
		return bs, fmt.Errorf("%w: size %d", errBadBitset, bs.Size)
	}
	words := (bs.Size + 31) / 32
	bs.Value = make([]uint32, words)
	if !noMask {
		bs.Mask = make([]uint32, words)
	}
	if value != nil || mask != nil {
		if len(value) != 4*words || !noMask && len(mask) != 4*words {
			return bs, fmt.Errorf("%w: %d value and %d mask bytes for %d bits", errBadBitset, len(value), len(mask), bs.Size)
		}
		for i := range words {
			bs.Value[i] = binary.NativeEndian.Uint32(value[4*i:])
			if !noMask {
				bs.Mask[i] = binary.NativeEndian.Uint32(mask[4*i:])
			}
		}
		return bs, nil
	}
	for _, bt := range verbose {
		i := bt.index
		if i < 0 {
			i = indexOf(names, bt.name)
		}
		if i < 0 || i >= bs.Size {
			return bs, fmt.Errorf("%w: bit %d %q outside %d bits", errBadBitset, bt.index, bt.name, bs.Size)
		}
		setBit(bs.Value, i, bt.value)
		if !noMask {
			setBit(bs.Mask, i, true)
		}
	}
	return bs, nil
}

type bit struct {
	index int
	name  string
	value bool
}

func indexOf(names []string, name string) int {
	for i, n := range names {
		if n == name && n != "" {
			return i
		}
	}
	return -1
}

// encodeBits writes a verbose bitset with a mask into the nested
// attribute being built by ae: one ETHTOOL_A_BITSET_BITS_BIT per entry of
// bits, by name, with ETHTOOL_A_BITSET_BIT_VALUE for the bits to set. The
// kernel changes those bits and leaves the others (no NOMASK). Names are
// written in the order given.
func encodeBits(ae *nlattr.Encoder, names []string, values []bool) {
	ae.Nested(unix.ETHTOOL_A_BITSET_BITS, func(nae *nlattr.Encoder) error {
		for i, n := range names {
			nae.Nested(unix.ETHTOOL_A_BITSET_BITS_BIT, func(bae *nlattr.Encoder) error {
				bae.String(unix.ETHTOOL_A_BITSET_BIT_NAME, n)
				if values[i] {
					bae.Flag(unix.ETHTOOL_A_BITSET_BIT_VALUE)
				}
				return nil
			})
		}
		return nil
	})
}
