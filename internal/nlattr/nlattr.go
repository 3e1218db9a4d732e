// Package nlattr encodes and decodes netlink attributes (struct nlattr:
// a native-endian 16-bit length and type, the payload, padding to 4
// bytes) in place: an Encoder appends to one growing buffer and a Reader
// walks a message's bytes without copying them.
//
// Both write and accept exactly what github.com/mdlayher/netlink's
// AttributeEncoder and AttributeDecoder write and accept (the tests check
// it byte for byte and by fuzzing); integer payloads are in the
// encoder's or reader's byte order (native for rtnetlink, big-endian for
// nf_tables).
package nlattr

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
)

// Attribute header flags and the mask of the type without them.
const (
	FlagNested    = 0x8000 // NLA_F_NESTED
	FlagByteOrder = 0x4000 // NLA_F_NET_BYTEORDER
	TypeMask      = 0x3fff
)

const headerLen = 4

// Encoder appends attributes to one buffer. The first error (an
// attribute over 65,535 bytes, or one a Nested function returned) sticks
// and is Encode's.
type Encoder struct {
	b   []byte
	err error
	big bool // integers big-endian, else in the host's order
}

// NewEncoder returns an empty encoder writing integers in order
// (binary.BigEndian or binary.NativeEndian).
func NewEncoder(order binary.ByteOrder) *Encoder { return &Encoder{big: isBig(order)} }

// isBig reports whether order is binary.BigEndian.
func isBig(order binary.ByteOrder) bool { return order == binary.BigEndian }

// put appends one attribute: header, payload, padding to 4 bytes.
func (e *Encoder) put(typ uint16, payload ...[]byte) {
	n := headerLen
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

func (e *Encoder) pad() {
	for len(e.b)%4 != 0 {
		e.b = append(e.b, 0)
	}
}

func (e *Encoder) fail(typ uint16, n int) {
	if e.err == nil {
		e.err = fmt.Errorf("netlink attribute %d: %d bytes, more than 65535", typ, n)
	}
}

// Bytes appends an attribute holding b.
func (e *Encoder) Bytes(typ uint16, b []byte) { e.put(typ, b) }

// String appends s with a terminating NUL.
func (e *Encoder) String(typ uint16, s string) { e.put(typ, []byte(s), []byte{0}) }

// Flag appends an attribute without payload.
func (e *Encoder) Flag(typ uint16) { e.put(typ) }

// Uint8 appends v.
func (e *Encoder) Uint8(typ uint16, v uint8) { e.put(typ, []byte{v}) }

// Uint16 appends v in the encoder's byte order.
func (e *Encoder) Uint16(typ uint16, v uint16) {
	var b [2]byte
	if e.big {
		binary.BigEndian.PutUint16(b[:], v)
	} else {
		binary.NativeEndian.PutUint16(b[:], v)
	}
	e.put(typ, b[:])
}

// Uint32 appends v in the encoder's byte order.
func (e *Encoder) Uint32(typ uint16, v uint32) {
	var b [4]byte
	if e.big {
		binary.BigEndian.PutUint32(b[:], v)
	} else {
		binary.NativeEndian.PutUint32(b[:], v)
	}
	e.put(typ, b[:])
}

// Int32 appends v in the encoder's byte order.
func (e *Encoder) Int32(typ uint16, v int32) { e.Uint32(typ, uint32(v)) }

// Uint64 appends v in the encoder's byte order.
func (e *Encoder) Uint64(typ uint16, v uint64) {
	var b [8]byte
	if e.big {
		binary.BigEndian.PutUint64(b[:], v)
	} else {
		binary.NativeEndian.PutUint64(b[:], v)
	}
	e.put(typ, b[:])
}

// Do appends an attribute whose payload is what fn returns; an error from
// fn becomes Encode's.
func (e *Encoder) Do(typ uint16, fn func() ([]byte, error)) {
	b, err := fn()
	if err != nil {
		if e.err == nil {
			e.err = err
		}
		return
	}
	e.put(typ, b)
}

// Nested appends an attribute of type typ|FlagNested whose payload is
// what fn appends; an error from fn becomes Encode's.
func (e *Encoder) Nested(typ uint16, fn func(ne *Encoder) error) {
	e.nest(typ|FlagNested, fn)
}

// NestedPlain is Nested without FlagNested in the type, as iproute2
// writes rtnetlink's nested attributes.
func (e *Encoder) NestedPlain(typ uint16, fn func(ne *Encoder) error) {
	e.nest(typ, fn)
}

func (e *Encoder) nest(typ uint16, fn func(ne *Encoder) error) {
	start := len(e.b)
	e.b = append(e.b, 0, 0, 0, 0)
	if err := fn(e); err != nil && e.err == nil {
		e.err = err
	}
	n := len(e.b) - start
	if n > 0xffff {
		e.fail(typ&TypeMask, n)
		return
	}
	binary.NativeEndian.PutUint16(e.b[start:], uint16(n))
	binary.NativeEndian.PutUint16(e.b[start+2:], typ)
}

// Encode returns the attributes, or the first error.
func (e *Encoder) Encode() ([]byte, error) {
	if e.err != nil {
		return nil, e.err
	}
	return e.b, nil
}

// Reader walks the attributes in a buffer without copying them; Type and
// Data are those of the current attribute, and Data aliases the buffer:
// keep a copy of any payload that outlives it.
type Reader struct {
	// Type is the current attribute's type, without the flag bits.
	Type uint16
	// Data is the current attribute's payload.
	Data []byte
	b    []byte // what is left after the current attribute
	err  error  // the first error; it stops the walk
	big  bool   // integers big-endian, else in the host's order
}

// ErrBadAttribute reports an attribute whose length does not fit.
var ErrBadAttribute = errors.New("invalid netlink attribute")

// NewReader returns a reader of the attributes in b with integers in
// order (binary.BigEndian or binary.NativeEndian).
func NewReader(b []byte, order binary.ByteOrder) Reader { return Reader{b: b, big: isBig(order)} }

// Next advances to the next attribute, reporting false at the end or on
// an error (then in Err).
func (r *Reader) Next() bool {
	if r.err != nil || len(r.b) == 0 {
		return false
	}
	if len(r.b) < headerLen {
		r.err = ErrBadAttribute
		return false
	}
	l := int(binary.NativeEndian.Uint16(r.b))
	if l > len(r.b) || l != 0 && l < headerLen {
		r.err = ErrBadAttribute
		return false
	}
	r.Type = binary.NativeEndian.Uint16(r.b[2:]) & TypeMask
	if l == 0 {
		// No payload; skip the header, as AttributeDecoder does.
		l = headerLen
	}
	r.Data = r.b[headerLen:l:l]
	r.b = r.b[min((l+3)&^3, len(r.b)):]
	return true
}

// Err returns the first error of the walk.
func (r *Reader) Err() error { return r.err }

// Nested returns a reader of the current attribute's payload, in the same
// byte order; pass its Err to Fail when done.
func (r *Reader) Nested() Reader { return Reader{b: r.Data, big: r.big} }

// Walk runs fn on a reader of the current attribute's payload (same
// byte order); an error fn returns, or else the nested walk's, fails r.
func (r *Reader) Walk(fn func(nr *Reader) error) {
	nr := r.Nested()
	if err := fn(&nr); err != nil {
		r.Fail(err)
		return
	}
	r.Fail(nr.err)
}

// Do runs fn on the payload (not a copy); its error fails the walk.
func (r *Reader) Do(fn func(b []byte) error) { r.Fail(fn(r.Data)) }

// Bytes returns a copy of the payload, safe to keep after the buffer is
// reused.
func (r *Reader) Bytes() []byte { return append([]byte{}, r.Data...) }

// Fail records err unless an error is already recorded; nil is ignored.
func (r *Reader) Fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// BadLength fails the walk: the current attribute is not a kind (its
// length does not fit).
func (r *Reader) BadLength(kind string) {
	r.Fail(fmt.Errorf("netlink: attribute %d is not a %s; length: %d", r.Type, kind, len(r.Data)))
}

// Uint8 returns the payload as a uint8; another length fails the walk.
func (r *Reader) Uint8() uint8 {
	if len(r.Data) != 1 {
		r.BadLength("uint8")
		return 0
	}
	return r.Data[0]
}

// Uint16 returns the payload as a uint16; another length fails the walk.
func (r *Reader) Uint16() uint16 {
	if len(r.Data) == 2 && !r.big {
		return binary.NativeEndian.Uint16(r.Data)
	}
	return r.uint16Slow()
}

// uint16Slow is Uint16 for big-endian readers and wrong lengths.
func (r *Reader) uint16Slow() uint16 {
	if len(r.Data) != 2 {
		r.BadLength("uint16")
		return 0
	}
	if r.big {
		return binary.BigEndian.Uint16(r.Data)
	}
	return binary.NativeEndian.Uint16(r.Data)
}

// Uint32 returns the payload as a uint32; another length fails the walk.
func (r *Reader) Uint32() uint32 {
	if len(r.Data) == 4 && !r.big {
		return binary.NativeEndian.Uint32(r.Data)
	}
	return r.uint32Slow()
}

// uint32Slow is Uint32 for big-endian readers and wrong lengths.
func (r *Reader) uint32Slow() uint32 {
	if len(r.Data) != 4 {
		r.BadLength("uint32")
		return 0
	}
	if r.big {
		return binary.BigEndian.Uint32(r.Data)
	}
	return binary.NativeEndian.Uint32(r.Data)
}

// Int32 returns the payload as an int32; another length fails the walk.
func (r *Reader) Int32() int32 {
	if len(r.Data) == 4 && !r.big {
		return int32(binary.NativeEndian.Uint32(r.Data))
	}
	return r.int32Slow()
}

// int32Slow is Int32 for big-endian readers and wrong lengths.
func (r *Reader) int32Slow() int32 {
	if len(r.Data) != 4 {
		r.BadLength("int32")
		return 0
	}
	return int32(r.uint32Slow())
}

// Uint64 returns the payload as a uint64; another length fails the walk.
func (r *Reader) Uint64() uint64 {
	if len(r.Data) == 8 && !r.big {
		return binary.NativeEndian.Uint64(r.Data)
	}
	return r.uint64Slow()
}

// uint64Slow is Uint64 for big-endian readers and wrong lengths.
func (r *Reader) uint64Slow() uint64 {
	if len(r.Data) != 8 {
		r.BadLength("uint64")
		return 0
	}
	if r.big {
		return binary.BigEndian.Uint64(r.Data)
	}
	return binary.NativeEndian.Uint64(r.Data)
}

// String returns the payload as a string without its trailing NULs.
func (r *Reader) String() string {
	return string(bytes.TrimRight(r.Data, "\x00"))
}

// Addr returns the payload as an IP address (4 or 16 bytes); another
// length fails the walk.
func (r *Reader) Addr() netip.Addr {
	a, ok := netip.AddrFromSlice(r.Data)
	if !ok {
		r.Fail(fmt.Errorf("attribute %d: address of %d bytes", r.Type, len(r.Data)))
	}
	return a
}
