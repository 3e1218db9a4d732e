package nat

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"
)

// encoder appends netlink attributes to one buffer, in nf_tables' byte
// order (every NFTA_* integer big-endian; attribute headers, as always,
// in the host's). It writes what mdlayher's AttributeEncoder writes for
// the same calls into one growing buffer: no closure, no slice of
// Attribute values and no copy per nesting level. The golden tests pin
// its bytes to nft's.
type encoder struct {
	b   []byte
	err error
}

// newEncoder returns an empty encoder.
func newEncoder() *encoder { return &encoder{} }

// put appends one attribute: header, payload, padding to 4 bytes.
func (e *encoder) put(typ uint16, payload ...[]byte) {
	n := unix.SizeofNlAttr
	for _, p := range payload {
		n += len(p)
	}
	if n > 0xffff {
		e.fail(typ, n)
		return
	}
	e.b = binary.NativeEndian.AppendUint16(e.b, uint16(n))
	e.b = binary.NativeEndian.AppendUint16(e.b, typ)
	for _, p := range payload {
		e.b = append(e.b, p...)
	}
	e.pad()
}

func (e *encoder) pad() {
	for len(e.b)%unix.NLA_ALIGNTO != 0 {
		e.b = append(e.b, 0)
	}
}

func (e *encoder) fail(typ uint16, n int) {
	if e.err == nil {
		e.err = fmt.Errorf("netlink attribute %d: %d bytes, more than 65535", typ, n)
	}
}

// Bytes appends an attribute holding b.
func (e *encoder) Bytes(typ uint16, b []byte) { e.put(typ, b) }

// String appends s with a terminating NUL.
func (e *encoder) String(typ uint16, s string) { e.put(typ, []byte(s), []byte{0}) }

// Uint32 appends v big-endian.
func (e *encoder) Uint32(typ uint16, v uint32) {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], v)
	e.put(typ, b[:])
}

// Int32 appends v big-endian.
func (e *encoder) Int32(typ uint16, v int32) { e.Uint32(typ, uint32(v)) }

// Uint64 appends v big-endian.
func (e *encoder) Uint64(typ uint16, v uint64) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	e.put(typ, b[:])
}

// Nested appends an attribute of type typ|NLA_F_NESTED whose payload is
// what fn appends; an error from fn becomes Encode's.
func (e *encoder) Nested(typ uint16, fn func(ne *encoder) error) {
	start := len(e.b)
	e.b = append(e.b, 0, 0, 0, 0)
	if err := fn(e); err != nil && e.err == nil {
		e.err = err
	}
	n := len(e.b) - start
	if n > 0xffff {
		e.fail(typ, n)
		return
	}
	binary.NativeEndian.PutUint16(e.b[start:], uint16(n))
	binary.NativeEndian.PutUint16(e.b[start+2:], typ|unix.NLA_F_NESTED)
}

// Encode returns the attributes, or the first error.
func (e *encoder) Encode() ([]byte, error) {
	if e.err != nil {
		return nil, e.err
	}
	return e.b, nil
}
