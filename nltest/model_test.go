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
	if _, err := c.Addrs(rtnl.FamilyInet, 0); err != nil {
		t.Fatal(err)
	}
	// Rules: an add without a priority goes before the first non-zero
	// one; the same rule twice is EEXIST; a deletion by selector.
	main, local := rtnl.RuleMessage{Family: rtnl.FamilyInet, Table: rtnl.TableMain, Action: rtnl.RuleToTable}, rtnl.RuleMessage{Family: rtnl.FamilyInet, Table: rtnl.TableLocal, Action: rtnl.RuleToTable}
	main.Attrs.Priority, local.Attrs.Priority = new(uint32(32766)), new(uint32(0))
	rule := rtnl.RuleMessage{Family: rtnl.FamilyInet, Table: 100, Action: rtnl.RuleToTable, Src: netip.MustParsePrefix("10.0.0.0/8")}
	for _, m := range []rtnl.RuleMessage{main, local, rule} {
		if err := c.AddRule(&m); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.AddRule(&main); !errors.Is(err, os.ErrExist) {
		t.Fatalf("second add: %v", err)
	}
	rules, err := c.Rules(rtnl.FamilyInet)
	if err != nil || len(rules) != 3 || *rules[1].Attrs.Priority != 32765 || rules[1].Table != 100 {
		t.Fatalf("%v %+v", err, rules)
	}
	if err := c.DeleteRule(&rtnl.RuleMessage{Family: rtnl.FamilyInet, Table: 100}); err != nil || len(k.Rules) != 2 {
		t.Fatalf("%v %+v", err, k.Rules)
	}
	if err := c.DeleteRule(&rtnl.RuleMessage{Family: rtnl.FamilyInet, Table: 100}); !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	// Neighbours: add, EEXIST, change of a missing one, replace, delete.
	n := &rtnl.NeighMessage{Family: rtnl.FamilyInet, Index: 1, State: rtnl.NeighPermanent, Attrs: rtnl.NeighAttrs{Dst: netip.MustParseAddr("10.0.0.9")}}
	if err := c.AddNeigh(n); err != nil {
		t.Fatal(err)
	}
	if err := c.AddNeigh(n); !errors.Is(err, os.ErrExist) {
		t.Fatal(err)
	}
	if err := c.ChangeNeigh(&rtnl.NeighMessage{Family: rtnl.FamilyInet, Index: 1, Attrs: rtnl.NeighAttrs{Dst: netip.MustParseAddr("10.0.0.8")}}); !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	n.State = rtnl.NeighStale
	if err := c.ReplaceNeigh(n); err != nil || len(k.Neighs) != 1 || k.Neighs[0].State != rtnl.NeighStale {
		t.Fatalf("%v %+v", err, k.Neighs)
	}
	if ns, err := c.Neighs(rtnl.NeighFilter{}); err != nil || len(ns) != 1 {
		t.Fatalf("%v %+v", err, ns)
	}
	if err := c.AddNeigh(&rtnl.NeighMessage{Family: rtnl.FamilyInet, Index: 99, Attrs: rtnl.NeighAttrs{Dst: netip.MustParseAddr("10.0.0.8")}}); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("no such link: %v", err)
	}
	if err := c.DeleteNeigh(n); err != nil || len(k.Neighs) != 0 {
		t.Fatal(err)
	}
	if err := c.DeleteNeigh(n); !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
}
