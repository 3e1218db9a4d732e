package nlpcap

import (
	"bytes"
	"encoding/binary"
	"sync"
	"testing"
	"time"

	"github.com/nsnet/nsnet/pkt"
)

// The cooked header, byte by byte, as tcpdump.org's LINKTYPE_NETLINK and
// Wireshark's packet-netlink.c read it.
func TestHeaderBytes(t *testing.T) {
	for _, tt := range []struct {
		family int
		sent   bool
		want   [16]byte
	}{
		{0, true, [16]byte{0, 4, 0x03, 0x38, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
		{12, false, [16]byte{0, 0, 0x03, 0x38, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 12}},
		{16, true, [16]byte{0, 4, 0x03, 0x38, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16}},
	} {
		if got := Header(tt.family, tt.sent); got != tt.want {
			t.Errorf("Header(%d, %v) = % x, want % x", tt.family, tt.sent, got, tt.want)
		}
	}
}

// A file of records reads back with pkt's reader: link type 253, each
// record the cooked header and the datagram.
func TestWriterRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Unix(1700000000, 123456000)
	w.now = func() time.Time { return at }
	msg := make([]byte, 20)
	binary.NativeEndian.PutUint32(msg, 20)
	binary.NativeEndian.PutUint16(msg[4:], 18) // RTM_GETLINK
	w.WriteNetlink(0, true, msg)
	w.WriteNetlink(16, false, msg[:16])
	if err := w.Err(); err != nil {
		t.Fatal(err)
	}
	if lt := binary.LittleEndian.Uint32(buf.Bytes()[20:]); lt != 253 {
		t.Fatalf("link type %d in the file header, want 253", lt)
	}
	r, err := pkt.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		family int
		sent   bool
		data   []byte
	}{{0, true, msg}, {16, false, msg[:16]}} {
		p, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		h := Header(want.family, want.sent)
		if !p.Time.Equal(at) || p.LinkType != pkt.LinkTypeNetlink || !bytes.Equal(p.Data, append(h[:], want.data...)) {
			t.Errorf("record %d: %v %v % x", i, p.Time, p.LinkType, p.Data)
		}
	}
}

// Concurrent writers never interleave records.
func TestWriterConcurrent(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := bytes.Repeat([]byte{byte(g)}, 100+g)
			for range 50 {
				w.WriteNetlink(g, true, b)
			}
		}()
	}
	wg.Wait()
	r, err := pkt.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < 200; n++ {
		p, err := r.Next()
		if err != nil {
			t.Fatalf("record %d: %v", n, err)
		}
		g := int(p.Data[15])
		if len(p.Data) != 16+100+g || p.Data[16] != byte(g) || p.Data[len(p.Data)-1] != byte(g) {
			t.Fatalf("record %d mixed up: % x", n, p.Data)
		}
	}
}

type failWriter struct{ n int }

func (f *failWriter) Write(b []byte) (int, error) {
	if f.n--; f.n < 0 {
		return 0, bytes.ErrTooLarge
	}
	return len(b), nil
}

// A write error is kept and later records are dropped.
func TestWriterError(t *testing.T) {
	w, err := NewWriter(&failWriter{n: 1})
	if err != nil {
		t.Fatal(err)
	}
	w.WriteNetlink(0, true, make([]byte, 16))
	w.WriteNetlink(0, true, make([]byte, 16))
	if w.Err() == nil {
		t.Fatal("no error after a failed write")
	}
}
