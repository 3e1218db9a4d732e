package nlattr

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/mdlayher/netlink"
)

// The Encoder writes what mdlayher's AttributeEncoder writes for the same
// calls, in both byte orders.
func TestEncoderMatchesAttributeEncoder(t *testing.T) {
	for _, order := range []binary.ByteOrder{binary.NativeEndian, binary.BigEndian} {
		e := NewEncoder(order)
		ae := netlink.NewAttributeEncoder()
		ae.ByteOrder = order
		e.Uint8(1, 7)
		ae.Uint8(1, 7)
		e.Uint16(2, 0x1234)
		ae.Uint16(2, 0x1234)
		e.Uint32(3, 0xdeadbeef)
		ae.Uint32(3, 0xdeadbeef)
		e.Int32(4, -2)
		ae.Int32(4, -2)
		e.Uint64(5, 1<<40+3)
		ae.Uint64(5, 1<<40+3)
		e.String(6, "veth0")
		ae.String(6, "veth0")
		e.Bytes(7, []byte{1, 2, 3})
		ae.Bytes(7, []byte{1, 2, 3})
		e.Flag(8)
		ae.Flag(8, true)
		e.Nested(9, func(ne *Encoder) error {
			ne.String(1, "x")
			ne.Nested(2, func(nne *Encoder) error { nne.Uint32(1, 5); return nil })
			return nil
		})
		ae.Nested(9, func(nae *netlink.AttributeEncoder) error {
			nae.String(1, "x")
			nae.Nested(2, func(nnae *netlink.AttributeEncoder) error { nnae.Uint32(1, 5); return nil })
			return nil
		})
		got, err := e.Encode()
		if err != nil {
			t.Fatal(err)
		}
		want, err := ae.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%v:\n got %x\nwant %x", order, got, want)
		}
	}
}

// NestedPlain leaves FlagNested out, as iproute2 does.
func TestNestedPlain(t *testing.T) {
	e := NewEncoder(binary.NativeEndian)
	e.NestedPlain(3, func(ne *Encoder) error { ne.Uint8(1, 9); return nil })
	b, _ := e.Encode()
	if want := []byte{12, 0, 3, 0, 5, 0, 1, 0, 9, 0, 0, 0}; !bytes.Equal(b, want) {
		t.Errorf("got %x, want %x", b, want)
	}
}

// The first error sticks: a Nested function's, or an attribute too long.
func TestEncoderErrors(t *testing.T) {
	e := NewEncoder(binary.BigEndian)
	boom := errors.New("boom")
	e.Nested(1, func(*Encoder) error { return boom })
	e.Bytes(2, make([]byte, 70000))
	if _, err := e.Encode(); err != boom {
		t.Errorf("got %v, want the Nested function's", err)
	}
	e = NewEncoder(binary.BigEndian)
	e.String(2, strings.Repeat("x", 70000))
	if _, err := e.Encode(); err == nil || !strings.Contains(err.Error(), "more than 65535") {
		t.Errorf("a 70,000-byte attribute: %v", err)
	}
	e = NewEncoder(binary.BigEndian)
	e.Nested(3, func(ne *Encoder) error { ne.Bytes(1, make([]byte, 70000)); return nil })
	if _, err := e.Encode(); err == nil {
		t.Error("a nest over 65,535 bytes: no error")
	}
}

// The Reader's typed getters check lengths and use the reader's order.
func TestReaderValues(t *testing.T) {
	e := NewEncoder(binary.BigEndian)
	e.Uint16(1, 0x0102)
	e.Uint32(2, 0x01020304)
	e.Uint64(3, 0x0102030405060708)
	e.String(4, "eth0")
	e.Bytes(5, []byte{10, 0, 0, 1})
	e.Uint8(6, 3)
	e.Nested(7, func(ne *Encoder) error { ne.Int32(1, -1); return nil })
	b, _ := e.Encode()
	r := NewReader(b, binary.BigEndian)
	var got []any
	for r.Next() {
		switch r.Type {
		case 1:
			got = append(got, r.Uint16())
		case 2:
			got = append(got, r.Uint32())
		case 3:
			got = append(got, r.Uint64())
		case 4:
			got = append(got, r.String())
		case 5:
			got = append(got, r.Addr().String())
		case 6:
			got = append(got, r.Uint8())
		case 7:
			n := r.Nested()
			for n.Next() {
				got = append(got, n.Int32())
			}
			r.Fail(n.Err())
		}
	}
	if r.Err() != nil {
		t.Fatal(r.Err())
	}
	want := []any{uint16(0x0102), uint32(0x01020304), uint64(0x0102030405060708), "eth0", "10.0.0.1", uint8(3), int32(-1)}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("value %d: got %v, want %v", i, got[i], want[i])
		}
	}
	r = NewReader([]byte{5, 0, 1, 0, 7, 0, 0, 0}, binary.NativeEndian)
	r.Next()
	if r.Uint32(); r.Err() == nil || !strings.Contains(r.Err().Error(), "not a uint32") {
		t.Errorf("a 1-byte uint32: %v", r.Err())
	}
	if r.Next() {
		t.Error("the walk went on after an error")
	}
	r = NewReader([]byte{5, 0, 1, 0, 7, 0, 0, 0}, binary.NativeEndian)
	r.Next()
	if r.Addr(); r.Err() == nil {
		t.Error("a 1-byte address: no error")
	}
}

// The Reader must walk attributes as netlink.AttributeDecoder does: the
// same types and payloads, and an error for the same inputs.
func FuzzReader(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{8, 0, 4, 0, 0xdc, 5, 0, 0})
	f.Add([]byte{0, 0, 1, 0, 5, 0, 3, 0, 'a', 0, 0, 0})
	f.Add([]byte{0xff, 0, 3, 0})
	f.Add([]byte{8, 0, 1, 0x80, 1, 2, 3, 4, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := NewReader(b, binary.NativeEndian)
		ad, err := netlink.NewAttributeDecoder(b)
		if err != nil {
			for r.Next() {
			}
			if r.Err() == nil {
				t.Fatalf("%x: AttributeDecoder refused it (%v), Reader did not", b, err)
			}
			return
		}
		for ad.Next() {
			if !r.Next() {
				t.Fatalf("%x: Reader stopped early: %v", b, r.Err())
			}
			if r.Type != ad.Type() || !bytes.Equal(r.Data, ad.Bytes()) {
				t.Fatalf("%x: attribute %d %x, want %d %x", b, r.Type, r.Data, ad.Type(), ad.Bytes())
			}
		}
		more := r.Next()
		if (ad.Err() != nil) != (r.Err() != nil) || more && ad.Err() == nil {
			t.Fatalf("%x: Reader error %v (more %v), AttributeDecoder's %v", b, r.Err(), more, ad.Err())
		}
	})
}

// Do appends what its function returns, or keeps its error.
func TestDo(t *testing.T) {
	e := NewEncoder(binary.NativeEndian)
	e.Do(4, func() ([]byte, error) { return []byte{1, 2, 3}, nil })
	b, err := e.Encode()
	if want := []byte{7, 0, 4, 0, 1, 2, 3, 0}; err != nil || !bytes.Equal(b, want) {
		t.Errorf("got %x, %v; want %x", b, err, want)
	}
	boom := errors.New("boom")
	e.Do(5, func() ([]byte, error) { return nil, boom })
	e.Do(6, func() ([]byte, error) { return nil, errors.New("later") })
	if _, err := e.Encode(); err != boom {
		t.Errorf("got %v, want the first function's error", err)
	}
}

// Walk reads a nest, and its function's error or the nest's own error
// ends the outer walk; Bytes is a copy that outlives the buffer.
func TestWalkAndBytes(t *testing.T) {
	e := NewEncoder(binary.NativeEndian)
	e.Nested(1, func(ne *Encoder) error { ne.Bytes(2, []byte{9, 8}); return nil })
	e.Uint32(3, 7)
	b, _ := e.Encode()
	r := NewReader(b, binary.NativeEndian)
	var kept []byte
	for r.Next() {
		if r.Type == 1 {
			r.Walk(func(nr *Reader) error {
				for nr.Next() {
					kept = nr.Bytes()
				}
				return nil
			})
		}
	}
	if r.Err() != nil || !bytes.Equal(kept, []byte{9, 8}) {
		t.Fatalf("got %x, %v", kept, r.Err())
	}
	clear(b)
	if !bytes.Equal(kept, []byte{9, 8}) {
		t.Errorf("Bytes aliases the buffer: %x", kept)
	}
	if r = NewReader([]byte{4, 0, 1, 0}, binary.NativeEndian); !r.Next() || r.Bytes() == nil {
		t.Error("Bytes of an empty payload is nil, want empty")
	}

	boom := errors.New("boom")
	b, _ = func() ([]byte, error) {
		e := NewEncoder(binary.NativeEndian)
		e.Nested(1, func(ne *Encoder) error { ne.Uint8(2, 1); return nil })
		e.Uint8(3, 1)
		return e.Encode()
	}()
	r = NewReader(b, binary.NativeEndian)
	r.Next()
	r.Walk(func(*Reader) error { return boom })
	if r.Err() != boom || r.Next() {
		t.Errorf("fn's error: got %v", r.Err())
	}
	r = NewReader(b, binary.NativeEndian)
	r.Next()
	var seen []byte
	r.Do(func(p []byte) error { seen = p; return nil })
	if r.Err() != nil || !bytes.Equal(seen, r.Data) {
		t.Errorf("Do: got %x, %v", seen, r.Err())
	}
	r.Do(func([]byte) error { return boom })
	if r.Err() != boom {
		t.Errorf("Do's error: got %v", r.Err())
	}
	// A nest whose content is malformed fails the outer walk.
	r = NewReader([]byte{8, 0, 1, 0x80, 9, 0, 1, 0}, binary.NativeEndian)
	r.Next()
	r.Walk(func(nr *Reader) error {
		for nr.Next() {
		}
		return nil
	})
	if !errors.Is(r.Err(), ErrBadAttribute) {
		t.Errorf("malformed nest: got %v", r.Err())
	}
}
