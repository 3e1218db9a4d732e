package rtnl

import (
	"testing"

	"github.com/mdlayher/netlink"
)

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
