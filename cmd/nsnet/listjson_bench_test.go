package main

import (
	"net/netip"
	"testing"

	"github.com/nsnet/nsnet/rtnl"
	"golang.org/x/sys/unix"
)

// BenchmarkListJSON writes 1,000 veth links and their addresses as
// `-j link show` and `-j addr show` do, without the kernel: the printers'
// part of a listing (the inlining the release build keeps is for these).
func BenchmarkListJSON(b *testing.B) {
	links := make([]rtnl.LinkMessage, 1000)
	addrs := make([]rtnl.AddrMessage, 1000)
	for i := range links {
		up := rtnl.OperState(6)
		links[i] = rtnl.LinkMessage{Index: uint32(i + 1), Flags: unix.IFF_UP | unix.IFF_BROADCAST | unix.IFF_MULTICAST,
			Attrs: rtnl.LinkAttrs{Name: "veth" + string(rune('a'+i%26)), MTU: new(uint32(1500)), Qdisc: "noqueue",
				Link: new(uint32(i + 2)), OperState: &up, Group: new(uint32(0)), TxQueueLen: new(uint32(1000)),
				Address: []byte{2, 0, 0, 0, byte(i >> 8), byte(i)}, Broadcast: []byte{255, 255, 255, 255, 255, 255},
				Info: &rtnl.LinkInfo{Kind: "veth"}}}
		addrs[i] = rtnl.AddrMessage{Family: rtnl.FamilyInet, PrefixLen: 30, Index: uint32(i + 1),
			Attrs: rtnl.AddrAttrs{Address: netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 1}), Label: "veth"}}
	}
	p := &linkPrinter{e: &env{}, tab: newLinkTable(nil, links)}
	var w jsonWriter
	b.ReportAllocs()
	for b.Loop() {
		w.b = w.b[:0]
		for i := range links {
			if err := p.linkJSON(&w, &links[i], true); err != nil {
				b.Fatal(err)
			}
			p.addrJSONw(&w, &addrs[i])
		}
	}
}
