package nat

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/mdlayher/netlink"
)

// The encoder writes what mdlayher's AttributeEncoder writes for the same
// calls: odd lengths (padding), strings, integers, nesting two deep, an
// empty nest.
func TestEncoderMatchesMdlayher(t *testing.T) {
	ours := newEncoder()
	theirs := netlink.NewAttributeEncoder()
	theirs.ByteOrder = binary.BigEndian
	ours.String(1, "nsnet")
	theirs.String(1, "nsnet")
	ours.Bytes(2, []byte{1, 2, 3})
	theirs.Bytes(2, []byte{1, 2, 3})
	ours.Uint32(3, 0xdeadbeef)
	theirs.Uint32(3, 0xdeadbeef)
	ours.Int32(4, -100)
	theirs.Int32(4, -100)
	ours.Uint64(5, 1<<40+7)
	theirs.Uint64(5, 1<<40+7)
	ours.Nested(6, func(ne *encoder) error {
		ne.String(1, "a")
		ne.Nested(2, func(ne *encoder) error { ne.Bytes(9, []byte{7}); return nil })
		ne.Nested(3, func(*encoder) error { return nil })
		return nil
	})
	theirs.Nested(6, func(ne *netlink.AttributeEncoder) error {
		ne.String(1, "a")
		ne.Nested(2, func(ne *netlink.AttributeEncoder) error { ne.Bytes(9, []byte{7}); return nil })
		ne.Nested(3, func(*netlink.AttributeEncoder) error { return nil })
		return nil
	})
	got, err := ours.Encode()
	if err != nil {
		t.Fatal(err)
	}
	want, err := theirs.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("encoder:\n got %x\nwant %x", got, want)
	}
	big := newEncoder()
	big.Bytes(1, make([]byte, 70000))
	if _, err := big.Encode(); err == nil {
		t.Error("a 70000-byte attribute encoded without error")
	}
}
