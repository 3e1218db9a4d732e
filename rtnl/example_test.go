package rtnl_test

import (
	"errors"
	"fmt"
	"log"
	"net/netip"
	"os"

	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/rtnl"
)

// A veth pair whose peer is created directly in the named namespace
// "blue", in one request: if the kernel refuses, nothing is left behind.
func ExampleConn_AddLink() {
	c, err := rtnl.Dial(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	blue, err := nsfs.OpenName("blue")
	if err != nil {
		log.Fatal(err)
	}
	defer blue.Close()
	fd := uint32(blue.Fd())
	err = c.AddLink(&rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{
		Name: "veth0",
		Info: &rtnl.LinkInfo{Kind: "veth", Data: &rtnl.Veth{
			Peer: &rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Name: "veth1", NetNSFD: &fd}},
		}},
	}})
	if errors.Is(err, os.ErrExist) {
		log.Fatal("veth0 is already there")
	}
	if err != nil {
		log.Fatal(err)
	}
}

// Bring a link up and change its MTU in one request, finding it by name
// in the kernel.
func ExampleConn_SetLink() {
	c, err := rtnl.Dial(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	mtu := uint32(1400)
	err = c.SetLink(&rtnl.LinkMessage{Flags: rtnl.LinkUp, Change: rtnl.LinkUp,
		Attrs: rtnl.LinkAttrs{Name: "veth0", MTU: &mtu}})
	if err != nil {
		log.Fatal(err)
	}
}

// Add 192.168.11.100/24 to veth0 in the namespace "blue", through a
// connection opened inside it.
func ExampleConn_AddAddr() {
	blue, err := nsfs.OpenName("blue")
	if err != nil {
		log.Fatal(err)
	}
	defer blue.Close()
	c, err := rtnl.Dial(&rtnl.Config{NetNS: blue.Fd()})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	link, err := c.LinkByName("veth1")
	if err != nil {
		log.Fatal(err)
	}
	a := netip.MustParseAddr("192.168.11.101")
	err = c.AddAddr(&rtnl.AddrMessage{Family: rtnl.FamilyInet, PrefixLen: 24, Index: link.Index,
		Attrs: rtnl.AddrAttrs{Local: a, Address: a}})
	if err != nil {
		log.Fatal(err)
	}
}

// A default route via a gateway, with iproute2's defaults spelled out.
func ExampleConn_AddRoute() {
	c, err := rtnl.Dial(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	err = c.AddRoute(&rtnl.RouteMessage{
		Family: rtnl.FamilyInet, Dst: netip.MustParsePrefix("0.0.0.0/0"),
		Table: rtnl.TableMain, Protocol: rtnl.ProtoBoot, Type: rtnl.RouteUnicast,
		Attrs: rtnl.RouteAttrs{Gateway: netip.MustParseAddr("192.168.11.100")},
	})
	if err != nil {
		log.Fatal(err)
	}
}

// Which route would a packet to 192.168.11.5 take?
func ExampleConn_GetRoute() {
	c, err := rtnl.Dial(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	r, err := c.GetRoute(&rtnl.RouteMessage{Family: rtnl.FamilyInet,
		Dst: netip.MustParsePrefix("192.168.11.5/32"), Flags: rtnl.RouteLookupTable})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Attrs.PrefSrc, r.Type)
}

// The bytes of `ip link set dev 4 up`, without the netlink header.
func ExampleLinkMessage_MarshalBinary() {
	m := &rtnl.LinkMessage{Index: 4, Flags: rtnl.LinkUp, Change: rtnl.LinkUp}
	b, err := m.MarshalBinary()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("% x\n", b)
	// Output: 00 00 00 00 04 00 00 00 01 00 00 00 01 00 00 00
}

// Decode what the kernel sends.
func ExampleRouteMessage_UnmarshalBinary() {
	b := []byte{2, 16, 0, 0, 254, 3, 253, 1, 0, 0, 0, 0, // rtmsg: AF_INET /16 main boot link unicast
		8, 0, 1, 0, 10, 9, 0, 0, // RTA_DST 10.9.0.0
		8, 0, 4, 0, 3, 0, 0, 0} // RTA_OIF 3
	var r rtnl.RouteMessage
	if err := r.UnmarshalBinary(b); err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Dst, "dev", *r.Attrs.OIF, "proto", r.Protocol, "scope", r.Scope)
	// Output: 10.9.0.0/16 dev 3 proto boot scope link
}
