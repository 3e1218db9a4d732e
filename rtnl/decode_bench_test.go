package rtnl

import (
	"testing"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// BenchmarkDecodeLinks decodes a dump of 1,000 veth links with addresses,
// statistics and link info, as `link show` does.
func BenchmarkDecodeLinks(b *testing.B) {
	var msgs []netlink.Message
	for i := range 1000 {
		m := &LinkMessage{Index: uint32(i + 1), Attrs: LinkAttrs{Name: "veth" + string(rune('a'+i%26)), MTU: new(uint32(1500)),
			Address: []byte{2, 0, 0, 0, byte(i >> 8), byte(i)}, Info: &LinkInfo{Kind: "veth"}, Stats: &LinkStats{RxBytes: 7}}}
		data, err := m.MarshalBinary()
		if err != nil {
			b.Fatal(err)
		}
		msgs = append(msgs, netlink.Message{Header: netlink.Header{Type: unix.RTM_NEWLINK}, Data: data})
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeLinks("list links", "", msgs, false); err != nil {
			b.Fatal(err)
		}
	}
}
