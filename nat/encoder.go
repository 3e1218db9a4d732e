package nat

import (
	"encoding/binary"

	"github.com/nsnet/nsnet/internal/nlattr"
)

// encoder appends netlink attributes to one buffer in nf_tables' byte
// order: every NFTA_* integer big-endian (attribute headers, as always,
// in the host's). The golden tests pin its bytes to nft's.
type encoder = nlattr.Encoder

// newEncoder returns an empty encoder.
func newEncoder() *encoder { return nlattr.NewEncoder(binary.BigEndian) }

// decoder walks netlink attributes in nf_tables' byte order.
type decoder = nlattr.Reader

// newDecoder returns a decoder of the attributes in b.
func newDecoder(b []byte) *decoder {
	r := nlattr.NewReader(b, binary.BigEndian)
	return &r
}
