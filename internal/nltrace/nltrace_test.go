package nltrace

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

// attr encodes one netlink attribute (native endian header, padded).
func attr(typ uint16, val []byte) []byte {
	b := make([]byte, 4, 4+len(val)+3)
	binary.NativeEndian.PutUint16(b, uint16(4+len(val)))
	binary.NativeEndian.PutUint16(b[2:], typ)
	b = append(b, val...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func u32(v uint32) []byte { b := make([]byte, 4); binary.NativeEndian.PutUint32(b, v); return b }

var inner = &Space{Name: "inner", Attrs: []Attr{
	1: {Name: "IN_NAME", Kind: String},
	2: {Name: "IN_ADDR", Kind: Addr},
}}

var testSpace = &Space{Name: "test", Attrs: []Attr{
	1: {Name: "T_NAME", Kind: String},
	2: {Name: "T_NUM", Kind: U32, Enum: func(v uint64) string {
		if v == 3 {
			return "THREE"
		}
		return ""
	}},
	3: {Name: "T_NEST", Kind: Nested, Nest: inner},
	4: {Name: "T_KIND", Kind: String},
	5: {Name: "T_DATA", Kind: Nested, Resolve: func(s Siblings) *Space {
		if s.String(4) == "inner" {
			return inner
		}
		return nil
	}},
	6: {Name: "T_MAC", Kind: HWAddr},
}}

func TestFormatAttrs(t *testing.T) {
	var data []byte
	data = append(data, attr(1, []byte("veth0\x00"))...)
	data = append(data, attr(2, u32(3))...)
	data = append(data, attr(3|0x8000, append(attr(1, []byte("x\x00")), attr(2, []byte{192, 0, 2, 1})...))...)
	data = append(data, attr(4, []byte("inner\x00"))...)
	data = append(data, attr(5, attr(2, []byte{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}))...)
	data = append(data, attr(6, []byte{2, 0, 0, 0, 0, 1})...)
	data = append(data, attr(99, []byte{0xab})...)
	var b strings.Builder
	FormatAttrs(&b, data, testSpace, 1)
	want := `  T_NAME "veth0"
  T_NUM THREE (3)
  T_NEST
    IN_NAME "x"
    IN_ADDR 192.0.2.1
  T_KIND "inner"
  T_DATA
    IN_ADDR 2001:db8::1
  T_MAC 02:00:00:00:00:01
  attr 99 (1 bytes) ab
`
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestFormatMalformed(t *testing.T) {
	var b strings.Builder
	FormatAttrs(&b, []byte{0xff, 0x00, 0x01, 0x00, 0x01}, testSpace, 0)
	if !strings.Contains(b.String(), "malformed") {
		t.Fatalf("got %q", b.String())
	}
}

func TestPrintMessageAndAck(t *testing.T) {
	schema := &Schema{Family: "test", Msg: func(typ uint16) (Msg, bool) {
		if typ == 16 {
			return Msg{Name: "RTM_NEWLINK", Kind: KindNew, Header: 4, HeaderFmt: func(b []byte) string { return "hdr" }, Attrs: testSpace}, true
		}
		return Msg{}, false
	}}
	var out bytes.Buffer
	p := New(&out, schema, false)
	p.Print(Sent, Header{Len: 28, Type: 16, Flags: 0x1 | 0x4 | 0x200 | 0x400, Seq: 7}, append([]byte{0, 0, 0, 0}, attr(1, []byte("a\x00"))...))
	// An ack: errno 0 and the request's header (capped).
	ack := append(u32(0), make([]byte, 16)...)
	binary.NativeEndian.PutUint16(ack[8:], 16)
	binary.NativeEndian.PutUint32(ack[12:], 7)
	p.Print(Received, Header{Len: 36, Type: 2, Flags: 0x100, Seq: 7, PID: 99}, ack)
	want := `→ RTM_NEWLINK flags=REQUEST|ACK|EXCL|CREATE seq=7 port=0 len=28
    hdr
    T_NAME "a"
← NLMSG_ERROR flags=CAPPED seq=7 port=99 len=36
    ack for RTM_NEWLINK seq=7
`
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestPrintErrorWithExtAck(t *testing.T) {
	var out bytes.Buffer
	p := New(&out, nil, false)
	errno := int32(-17)
	msg := append(u32(uint32(errno)), make([]byte, 16)...)
	binary.NativeEndian.PutUint32(msg[4:], 16)
	msg = append(msg, attr(1, []byte("Device exists\x00"))...)
	p.Print(Received, Header{Type: 2, Flags: 0x100 | 0x200, Seq: 1}, msg)
	for _, w := range []string{"error -17 EEXIST", `NLMSGERR_ATTR_MSG "Device exists"`, "flags=CAPPED|ACK_TLVS"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("missing %q in\n%s", w, out.String())
		}
	}
}

func TestGetFlags(t *testing.T) {
	if got := flagNames(18, KindGet, 0x301); got != "REQUEST|DUMP" {
		t.Fatalf("got %s", got)
	}
	if got := flagNames(17, KindDel, 0x105); got != "REQUEST|ACK|NONREC" {
		t.Fatalf("got %s", got)
	}
}

// FuzzFormatAttrs checks that the decoder behind --trace never panics and
// always terminates, whatever bytes it is given.
func FuzzFormatAttrs(f *testing.F) {
	f.Add(attr(1, []byte("veth0\x00")))
	f.Add(attr(3, attr(1, []byte("x\x00"))))
	f.Add(append(attr(4, []byte("inner\x00")), attr(5, attr(2, []byte{1, 2, 3, 4}))...))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		var b strings.Builder
		FormatAttrs(&b, data, testSpace, 0)
		p := New(&b, nil, true)
		p.Print(Received, Header{Type: 2, Flags: 0x300}, data)
		p.Print(Received, Header{Type: 3}, data)
	})
}
