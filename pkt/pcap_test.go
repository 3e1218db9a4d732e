package pkt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
	"time"
)

func TestPcapRoundTrip(t *testing.T) {
	for _, lt := range []LinkType{LinkTypeEthernet, LinkTypeLinuxSLL} {
		var buf bytes.Buffer
		w, err := NewWriter(&buf, lt, 100)
		if err != nil {
			t.Fatal(err)
		}
		var in []Packet
		for i, s := range sampleFrames {
			p := Packet{Time: testTime.Add(time.Duration(i) * 1001 * time.Microsecond), LinkType: lt, Data: s.frame, Length: len(s.frame) + i}
			in = append(in, p)
			if err := w.WritePacket(p); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.WritePacket(Packet{LinkType: lt + 1}); err == nil {
			t.Error("wrote a packet of another link type")
		}
		r, err := NewReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if r.LinkType() != lt || r.Snaplen() != 100 {
			t.Errorf("header: link type %v snaplen %d", r.LinkType(), r.Snaplen())
		}
		for _, want := range in {
			got, err := r.Next()
			if err != nil {
				t.Fatal(err)
			}
			wantData := want.Data[:min(len(want.Data), 100)]
			if !got.Time.Equal(want.Time) || got.LinkType != lt || !bytes.Equal(got.Data, wantData) || got.Length != want.Length {
				t.Errorf("got %v %v %d bytes of %d, want %v %d bytes of %d",
					got.Time, got.LinkType, len(got.Data), got.Length, want.Time, len(wantData), want.Length)
			}
		}
		if _, err := r.Next(); err != io.EOF {
			t.Errorf("after the last packet: %v, want io.EOF", err)
		}
	}
}

// TestPcapReadVariants reads big-endian and nanosecond files.
func TestPcapReadVariants(t *testing.T) {
	for _, tt := range []struct {
		order binary.AppendByteOrder
		magic uint32
		frac  uint32
		want  time.Time
	}{
		{binary.BigEndian, pcapMagicMicro, 250000, time.Unix(100, 250000000)},
		{binary.LittleEndian, pcapMagicNano, 250000001, time.Unix(100, 250000001)},
		{binary.BigEndian, pcapMagicNano, 7, time.Unix(100, 7)},
	} {
		var b []byte
		b = tt.order.AppendUint32(b, tt.magic)
		b = tt.order.AppendUint16(b, 2)
		b = tt.order.AppendUint16(b, 4)
		b = append(b, make([]byte, 8)...)
		b = tt.order.AppendUint32(b, 65535)
		b = tt.order.AppendUint32(b, 1)
		b = tt.order.AppendUint32(b, 100)
		b = tt.order.AppendUint32(b, tt.frac)
		b = tt.order.AppendUint32(b, 3)
		b = tt.order.AppendUint32(b, 60)
		b = append(b, 1, 2, 3)
		r, err := NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		p, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !p.Time.Equal(tt.want) || p.Length != 60 || !bytes.Equal(p.Data, []byte{1, 2, 3}) {
			t.Errorf("magic %#x: got %v len %d data %v", tt.magic, p.Time, p.Length, p.Data)
		}
	}
}

func TestPcapBadInput(t *testing.T) {
	var good bytes.Buffer
	w, _ := NewWriter(&good, LinkTypeEthernet, 0)
	_ = w.WritePacket(Packet{LinkType: LinkTypeEthernet, Data: []byte{1, 2, 3, 4}})
	for name, in := range map[string][]byte{
		"empty":     nil,
		"short":     good.Bytes()[:10],
		"pcapng":    {0x0a, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
		"bad magic": append([]byte{1, 2, 3, 4}, good.Bytes()[4:]...),
	} {
		if _, err := NewReader(bytes.NewReader(in)); !errors.Is(err, ErrBadPcap) {
			t.Errorf("%s: %v, want ErrBadPcap", name, err)
		}
	}
	// A record cut short, and one claiming a huge length.
	trunc := good.Bytes()[:good.Len()-1]
	huge := append([]byte(nil), good.Bytes()[:24+16]...)
	binary.LittleEndian.PutUint32(huge[24+8:], 1<<30)
	for name, in := range map[string][]byte{"truncated": trunc, "huge": huge} {
		r, err := NewReader(bytes.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Next(); !errors.Is(err, ErrBadPcap) {
			t.Errorf("%s: %v, want ErrBadPcap", name, err)
		}
	}
}
