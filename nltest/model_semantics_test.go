package nltest_test

import (
	"errors"
	"net/netip"
	"os"
	"testing"

	"github.com/nsnet/nsnet/nltest"
	"github.com/nsnet/nsnet/rtnl"
)

// TestModelNeighRule: neighbours by (link, address) and rules in priority
// order, with the kernel's default rules and its errors.
func TestModelNeighRule(t *testing.T) {
	k := nltest.NewModel()
	k.Rules = nltest.DefaultRules()
	c := nltest.Rtnl(k.Func(), nil)
	defer c.Close()
	n := &rtnl.NeighMessage{Family: rtnl.FamilyInet, Index: 1, State: rtnl.NeighPermanent}
	n.Attrs.Dst = netip.MustParseAddr("10.0.0.2")
	if err := c.AddNeigh(n); err != nil {
		t.Fatal(err)
	}
	if err := c.AddNeigh(n); !errors.Is(err, os.ErrExist) {
		t.Fatalf("second add: %v", err)
	}
	if err := c.ReplaceNeigh(n); err != nil {
		t.Fatal(err)
	}
	if err := c.AddNeigh(&rtnl.NeighMessage{Family: rtnl.FamilyInet, Index: 99}); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("add on a missing link: %v", err)
	}
	if ns, err := c.Neighs(rtnl.NeighFilter{Family: rtnl.FamilyInet6}); err != nil || len(ns) != 0 {
		t.Fatalf("IPv6 neighbours %v %v", ns, err)
	}
	if ns, err := c.Neighs(rtnl.NeighFilter{Index: 1}); err != nil || len(ns) != 1 || ns[0].Attrs.Dst != n.Attrs.Dst {
		t.Fatalf("neighbours %v %v", ns, err)
	}
	if err := c.DeleteNeigh(n); err != nil || len(k.Neighs) != 0 {
		t.Fatalf("delete: %v, left %v", err, k.Neighs)
	}
	if err := c.DeleteNeigh(n); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("second delete: %v", err)
	}

	rules, err := c.Rules(rtnl.FamilyInet)
	if err != nil || len(rules) != 3 || rules[0].Attrs.Priority != nil || *rules[1].Attrs.Priority != 32766 || rules[1].Table != rtnl.TableMain {
		t.Fatalf("default rules %v %v", rules, err)
	}
	r := &rtnl.RuleMessage{Family: rtnl.FamilyInet, Table: 100, Action: rtnl.RuleToTable, Src: netip.MustParsePrefix("10.1.0.0/16")}
	if err := c.AddRule(r); err != nil {
		t.Fatal(err)
	}
	rules, _ = c.Rules(rtnl.FamilyInet)
	if len(rules) != 4 || *rules[1].Attrs.Priority != 32765 || rules[1].Table != 100 {
		t.Fatalf("a rule without a priority goes just below the second one: %v", rules)
	}
	// The same rule with its priority exists; without, it is one more
	// (the kernel defaults the priority before it compares).
	r.Attrs.Priority = rules[1].Attrs.Priority
	if err := c.AddRule(r); !errors.Is(err, os.ErrExist) {
		t.Fatalf("second add: %v", err)
	}
	if err := c.AddRule(&rtnl.RuleMessage{Family: rtnl.FamilyInet6, Table: 100, Action: rtnl.RuleToTable, Attrs: rtnl.RuleAttrs{Priority: new(uint32(50))}}); err != nil {
		t.Fatal(err)
	}
	if six, _ := c.Rules(rtnl.FamilyInet6); len(six) != 3 || *six[1].Attrs.Priority != 50 {
		t.Fatalf("an IPv6 rule goes among IPv6's: %v", six)
	}
	if all, _ := c.Rules(rtnl.FamilyUnspec); len(all) != 7 || all[3].Family != rtnl.FamilyInet || all[4].Family != rtnl.FamilyInet6 {
		t.Fatalf("both families: %d rules", len(all))
	}
	if err := c.DeleteRule(&rtnl.RuleMessage{Family: rtnl.FamilyInet, Table: 101}); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("delete of a missing rule: %v", err)
	}
	if err := c.DeleteRule(&rtnl.RuleMessage{Family: rtnl.FamilyInet, Table: 100}); err != nil || len(k.Rules) != 6 {
		t.Fatalf("delete: %v, left %v", err, k.Rules)
	}
}

// TestModelLinkChanges: a new link keeps what it was made with; a rename
// keeps its index and its veth peer.
func TestModelLinkChanges(t *testing.T) {
	k := nltest.NewModel()
	c := nltest.Rtnl(k.Func(), nil)
	defer c.Close()
	alias := "uplink"
	if err := c.AddLink(&rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Name: "br0", Alias: &alias, Info: &rtnl.LinkInfo{Kind: "bridge", Data: &rtnl.Bridge{}}}}); err != nil {
		t.Fatal(err)
	}
	if l := k.Links["br0"]; l.Attrs.Alias == nil || *l.Attrs.Alias != "uplink" || l.Attrs.Info.Data == nil {
		t.Fatalf("br0 %+v", l.Attrs)
	}
	peer := &rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Name: "v1"}}
	if err := c.AddLink(&rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Name: "v0", Info: &rtnl.LinkInfo{Kind: "veth", Data: &rtnl.Veth{Peer: peer}}}}); err != nil {
		t.Fatal(err)
	}
	if err := c.AddLink(&rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Name: "v2", Info: &rtnl.LinkInfo{Kind: "veth", Data: &rtnl.Veth{Peer: peer}}}}); !errors.Is(err, os.ErrExist) {
		t.Fatalf("a veth whose peer's name is taken: %v", err)
	}
	if err := c.AddLink(&rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Name: "plain"}}); err != nil || k.Links["plain"] == nil {
		t.Fatalf("a link without a kind: %v", err)
	}
	idx := k.Links["v0"].Index
	if err := c.SetLink(&rtnl.LinkMessage{Index: idx, Attrs: rtnl.LinkAttrs{Name: "br0"}}); !errors.Is(err, os.ErrExist) {
		t.Fatalf("rename onto a taken name: %v", err)
	}
	if err := c.SetLink(&rtnl.LinkMessage{Index: idx, Attrs: rtnl.LinkAttrs{Name: "v9"}}); err != nil {
		t.Fatal(err)
	}
	if k.Links["v0"] != nil || k.Links["v9"] == nil || k.Links["v9"].Index != idx {
		t.Fatalf("after the rename: %v", k.Links)
	}
	k.PutLink(&rtnl.LinkMessage{Index: 40, Attrs: rtnl.LinkAttrs{Name: "eth9"}})
	if links, err := c.Links(); err != nil || links[len(links)-1].Attrs.Name != "eth9" {
		t.Fatalf("a put link is listed: %v %v", links, err)
	}
	if l := k.AddLink("next", "", 0); l.Index != 41 {
		t.Fatalf("a link made after a put one has index %d, want 41", l.Index)
	}
	if err := c.DeleteLink(&rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Name: "v1"}}); err != nil || k.Links["v9"] != nil {
		t.Fatalf("the renamed peer goes with v1: %v %v", err, k.Links)
	}
}
