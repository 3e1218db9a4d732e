package nltest_test

import (
	"errors"
	"net/netip"
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/nltest"
	"github.com/nsnet/nsnet/rtnl"
)

// TestModel: a Conn on a Model makes and reads back links, addresses and
// routes, and gets the kernel's errors for what is missing or taken.
func TestModel(t *testing.T) {
	k := nltest.NewModel()
	c := nltest.Rtnl(k.Func(), nil)
	defer c.Close()
	peer := &rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Name: "v1"}}
	if err := c.AddLink(&rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Name: "v0", Info: &rtnl.LinkInfo{Kind: "veth", Data: &rtnl.Veth{Peer: peer}}}}); err != nil {
		t.Fatal(err)
	}
	if err := c.AddLink(&rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Name: "v0", Info: &rtnl.LinkInfo{Kind: "bridge"}}}); !errors.Is(err, os.ErrExist) {
		t.Fatal(err)
	}
	links, err := c.Links()
	if err != nil || len(links) != 3 {
		t.Fatalf("%d links: %v", len(links), err)
	}
	idx, _ := c.LinkIndex("v0")
	a := &rtnl.AddrMessage{Family: rtnl.FamilyInet, PrefixLen: 24, Index: idx}
	a.Attrs.Local, a.Attrs.Address = netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.1")
	if err := c.AddAddr(a); err != nil {
		t.Fatal(err)
	}
	if err := c.AddAddr(a); !errors.Is(err, os.ErrExist) {
		t.Fatal(err)
	}
	if err := c.ReplaceAddr(a); err != nil {
		t.Fatal(err)
	}
	if addrs, err := c.Addrs(rtnl.FamilyInet, 0); err != nil || len(addrs) != 1 {
		t.Fatalf("%v %v", addrs, err)
	}
	r := &rtnl.RouteMessage{Family: rtnl.FamilyInet, Dst: netip.MustParsePrefix("10.9.0.0/16"), Table: rtnl.TableMain, Type: rtnl.RouteUnicast}
	r.Attrs.Gateway = netip.MustParseAddr("10.0.0.2")
	for _, f := range []func(*rtnl.RouteMessage) error{c.AddRoute, c.ReplaceRoute, c.DeleteRoute} {
		if err := f(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.DeleteRoute(r); err == nil {
		t.Fatal("deleted a missing route")
	}
	if err := c.DeleteAddr(a); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteAddr(a); err == nil {
		t.Fatal("deleted a missing address")
	}
	k.Fail[unix.RTM_DELLINK] = unix.EBUSY
	k.Skip[unix.RTM_DELLINK] = 1
	if err := c.DeleteLink(&rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Name: "nosuch"}}); !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	if err := c.DeleteLink(&rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Name: "v0"}}); err == nil {
		t.Fatal("the refusal was not played")
	}
	if err := c.DeleteLink(&rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Name: "v0"}}); err != nil || len(k.Links) != 1 {
		t.Fatalf("%v: %v (the peer goes with it)", err, k.Links)
	}
	if err := c.SetLink(&rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Name: "nosuch"}}); !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	if _, err := c.Rules(rtnl.FamilyInet); err == nil {
		t.Fatal("rules are not modelled")
	}
}
