package rtnl

import (
	"bytes"
	"encoding/hex"
	"reflect"
	"testing"
)

// fuzzStable is the invariant of every decoder: no panic, and a message
// that decodes re-encodes to bytes that decode to the same message.
//
// Decoded values must not alias the input either: a dump decodes each
// reply in a buffer that the next datagram overwrites (nl.Conn.DumpFunc).
func fuzzStable(t *testing.T, b []byte, newMsg func() Message) {
	in := bytes.Clone(b)
	m1 := newMsg()
	if err := m1.UnmarshalBinary(in); err != nil {
		return
	}
	defer func() {
		for i := range in {
			in[i] ^= 0xff
		}
		if m := newMsg(); m.UnmarshalBinary(b) == nil && !reflect.DeepEqual(m1, m) {
			t.Fatalf("decoded message changed with its input\nbefore %s\nafter  %s", show(m), show(m1))
		}
	}()
	enc, err := m1.MarshalBinary()
	if err != nil {
		t.Fatalf("re-encode %s: %v", show(m1), err)
	}
	m2 := newMsg()
	if err := m2.UnmarshalBinary(enc); err != nil {
		t.Fatalf("decode of re-encoded %x: %v", enc, err)
	}
	if !reflect.DeepEqual(m1, m2) {
		t.Fatalf("unstable\nfirst  %s\nsecond %s", show(m1), show(m2))
	}
}

// seed adds the golden requests of one message type and the kernel
// replies in testdata.
func seed(f *testing.F, like Message, files ...string) {
	for _, g := range goldenTests {
		if reflect.TypeOf(g.msg) == reflect.TypeOf(like) {
			b, _ := hex.DecodeString(g.want)
			f.Add(b)
		}
	}
	for _, name := range files {
		for _, b := range readHex(f, name) {
			f.Add(b)
		}
	}
}

func FuzzDecodeLink(f *testing.F) {
	seed(f, &LinkMessage{}, "link_veth_reply.hex")
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzStable(t, b, func() Message { return &LinkMessage{} })
	})
}

func FuzzDecodeAddr(f *testing.F) {
	seed(f, &AddrMessage{}, "addr_reply.hex")
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzStable(t, b, func() Message { return &AddrMessage{} })
	})
}

func FuzzDecodeRoute(f *testing.F) {
	seed(f, &RouteMessage{}, "route_get_reply.hex", "route6_reply.hex")
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzStable(t, b, func() Message { return &RouteMessage{} })
	})
}
