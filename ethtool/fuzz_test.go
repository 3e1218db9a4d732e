package ethtool

import (
	"encoding/binary"
	"testing"

	"github.com/nsnet/nsnet/internal/nlattr"
	"golang.org/x/sys/unix"
)

// FuzzDecodeBitset: any bytes decode to a bitset or an error; a decoded
// set's words cover its size.
func FuzzDecodeBitset(f *testing.F) {
	ae := nlattr.NewEncoder(binary.NativeEndian)
	ae.Uint32(unix.ETHTOOL_A_BITSET_SIZE, 40)
	ae.Bytes(unix.ETHTOOL_A_BITSET_VALUE, make([]byte, 8))
	ae.Bytes(unix.ETHTOOL_A_BITSET_MASK, make([]byte, 8))
	b, _ := ae.Encode()
	f.Add(b)
	ae = nlattr.NewEncoder(binary.NativeEndian)
	ae.Uint32(unix.ETHTOOL_A_BITSET_SIZE, 3)
	encodeBits(ae, []string{"a", "c"}, []bool{true, false})
	b, _ = ae.Encode()
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		bs, err := DecodeBitset(b, []string{"a", "b", "c"})
		if err != nil {
			return
		}
		if len(bs.Value)*32 < bs.Size || bs.Mask != nil && len(bs.Mask) != len(bs.Value) {
			t.Fatalf("%d bits in %d words", bs.Size, len(bs.Value))
		}
		for i := -1; i <= bs.Size; i++ {
			bs.Bit(i)
			bs.InMask(i)
		}
	})
}
