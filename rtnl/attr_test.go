package rtnl

import (
	"bytes"
	"testing"

	"github.com/mdlayher/netlink"
)

// attrReader must walk attributes as netlink.AttributeDecoder does: the
// same types and payloads, and an error for the same inputs.
func FuzzAttrReader(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{8, 0, 4, 0, 0xdc, 5, 0, 0})
	f.Add([]byte{0, 0, 1, 0, 5, 0, 3, 0, 'a', 0, 0, 0})
	f.Add([]byte{0xff, 0, 3, 0})
	f.Add([]byte{8, 0, 1, 0x80, 1, 2, 3, 4, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := attrReader{b: b}
		ad, err := netlink.NewAttributeDecoder(b)
		if err != nil {
			for r.next() {
			}
			if r.err == nil {
				t.Fatalf("%x: AttributeDecoder refused it (%v), attrReader did not", b, err)
			}
			return
		}
		for ad.Next() {
			if !r.next() {
				t.Fatalf("%x: attrReader stopped early: %v", b, r.err)
			}
			if r.typ != ad.Type() || !bytes.Equal(r.data, ad.Bytes()) {
				t.Fatalf("%x: attribute %d %x, want %d %x", b, r.typ, r.data, ad.Type(), ad.Bytes())
			}
		}
		more := r.next()
		if (ad.Err() != nil) != (r.err != nil) || more && ad.Err() == nil {
			t.Fatalf("%x: attrReader error %v (more %v), AttributeDecoder's %v", b, r.err, more, ad.Err())
		}
	})
}

// A dump's links share their storage; each keeps its own values.
func TestDecodeLinksStore(t *testing.T) {
	var msgs []netlink.Message
	for i, name := range []string{"va", "vb"} {
		m := &LinkMessage{Index: uint32(i + 1), Attrs: LinkAttrs{Name: name, MTU: new(uint32(1500 + i)),
			Address: []byte{2, 0, 0, 0, 0, byte(i)}, Info: &LinkInfo{Kind: "veth"}, Stats: &LinkStats{RxBytes: 7}}}
		b, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, netlink.Message{Header: netlink.Header{Type: 16}, Data: b})
	}
	for _, noStats := range []bool{false, true} {
		links, err := decodeLinks("list links", "", msgs, noStats)
		if err != nil || len(links) != 2 {
			t.Fatalf("%d links, %v", len(links), err)
		}
		for i, l := range links {
			if l.Attrs.Name != []string{"va", "vb"}[i] || *l.Attrs.MTU != uint32(1500+i) || l.Attrs.Address[5] != byte(i) ||
				l.Attrs.Info.Kind != "veth" || (l.Attrs.Stats == nil) != noStats {
				t.Errorf("link %d: %s", i, show(&l))
			}
		}
		links[0].Attrs.Address = append(links[0].Attrs.Address, 9)
		if links[1].Attrs.Address[0] != 2 {
			t.Error("appending to one link's address changed another's")
		}
	}
}
