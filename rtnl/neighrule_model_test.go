package rtnl_test

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/nsnet/nsnet/nltest"
	"github.com/nsnet/nsnet/rtnl"
)

// TestNeighConnOnModel: the neighbour requests of a Conn against the fake
// kernel: add, replace, change, get, list with filters, delete, the
// errors of what is there or missing, and their trace.
func TestNeighConnOnModel(t *testing.T) {
	k := nltest.NewModel()
	v0 := k.AddLink("v0", "veth", 0).Index
	var trace strings.Builder
	c := nltest.Rtnl(k.Func(), &nltest.Options{Trace: &trace})
	defer c.Close()
	mac, _ := net.ParseMAC("02:00:00:00:00:02")
	n := &rtnl.NeighMessage{Family: rtnl.FamilyInet, Index: v0, State: rtnl.NeighPermanent}
	n.Attrs.Dst, n.Attrs.LLAddr = netip.MustParseAddr("10.0.0.2"), mac
	if err := c.ChangeNeigh(n); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("change of a missing entry: %v", err)
	}
	if err := c.AddNeigh(n); err != nil {
		t.Fatal(err)
	}
	if err := c.AddNeigh(n); !errors.Is(err, os.ErrExist) || !strings.Contains(err.Error(), "10.0.0.2") {
		t.Fatalf("second add: %v", err)
	}
	n.State = rtnl.NeighReachable
	if err := c.ChangeNeigh(n); err != nil {
		t.Fatal(err)
	}
	n6 := &rtnl.NeighMessage{Family: rtnl.FamilyInet6, Index: v0, State: rtnl.NeighStale}
	n6.Attrs.Dst = netip.MustParseAddr("2001:db8::2")
	if err := c.ReplaceNeigh(n6); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetNeigh(&rtnl.NeighMessage{Family: rtnl.FamilyInet, Index: v0, Attrs: rtnl.NeighAttrs{Dst: n.Attrs.Dst}})
	if err != nil || got.State != rtnl.NeighReachable || got.Attrs.LLAddr.String() != "02:00:00:00:00:02" {
		t.Fatalf("get: %+v %v", got, err)
	}
	if _, err := c.GetNeigh(&rtnl.NeighMessage{Family: rtnl.FamilyInet, Index: v0, Attrs: rtnl.NeighAttrs{Dst: netip.MustParseAddr("10.0.0.9")}}); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("get of a missing entry: %v", err)
	}
	for _, c2 := range []struct {
		f    rtnl.NeighFilter
		want int
	}{{rtnl.NeighFilter{}, 2}, {rtnl.NeighFilter{Family: rtnl.FamilyInet6}, 1}, {rtnl.NeighFilter{Index: v0 + 1}, 0}} {
		if ns, err := c.Neighs(c2.f); err != nil || len(ns) != c2.want {
			t.Errorf("Neighs(%+v): %d entries, %v; want %d", c2.f, len(ns), err, c2.want)
		}
	}
	if err := c.DeleteNeigh(n); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteNeigh(n); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("second delete: %v", err)
	}
	for _, w := range []string{"RTM_NEWNEIGH", "RTM_DELNEIGH", "RTM_GETNEIGH", "NDA_DST 10.0.0.2", "NDA_LLADDR 02:00:00:00:00:02", "NDA_DST 2001:db8::2"} {
		if !strings.Contains(trace.String(), w) {
			t.Errorf("trace lacks %q:\n%s", w, trace.String())
		}
	}
}

// TestRuleConnOnModel: the rule requests of a Conn against the fake
// kernel: add, list in priority order, the kernel's default priority,
// delete by selector, errors, and their trace.
func TestRuleConnOnModel(t *testing.T) {
	k := nltest.NewModel()
	var trace strings.Builder
	c := nltest.Rtnl(k.Func(), &nltest.Options{Trace: &trace})
	defer c.Close()
	prio, mark, mask := uint32(1000), uint32(1), uint32(0xff)
	r := &rtnl.RuleMessage{Family: rtnl.FamilyInet, Table: 100, Action: rtnl.RuleToTable, Src: netip.MustParsePrefix("10.1.0.0/16"),
		Attrs: rtnl.RuleAttrs{Priority: &prio, IIFName: "v0", FwMark: &mark, FwMask: &mask}}
	if err := c.AddRule(r); err != nil {
		t.Fatal(err)
	}
	if err := c.AddRule(r); !errors.Is(err, os.ErrExist) || !strings.Contains(err.Error(), "10.1.0.0/16") {
		t.Fatalf("second add: %v", err)
	}
	if err := c.AddRule(&rtnl.RuleMessage{Family: rtnl.FamilyInet6, Table: 200, Action: rtnl.RuleToTable}); err != nil {
		t.Fatal(err)
	}
	rules, err := c.Rules(rtnl.FamilyInet)
	if err != nil || len(rules) != 4 || rules[1].Table != 100 || *rules[1].Attrs.Priority != 1000 || rules[1].Attrs.IIFName != "v0" {
		t.Fatalf("IPv4 rules %v %v", rules, err)
	}
	if rules[0].Attrs.Priority != nil {
		t.Errorf("the local rule's priority 0 is left out, as the kernel does: %v", *rules[0].Attrs.Priority)
	}
	six, err := c.Rules(rtnl.FamilyInet6)
	if err != nil || len(six) != 3 || six[1].Table != 200 || *six[1].Attrs.Priority != 32765 {
		t.Fatalf("IPv6 rules %v %v", six, err)
	}
	if err := c.DeleteRule(&rtnl.RuleMessage{Family: rtnl.FamilyInet, Attrs: rtnl.RuleAttrs{Priority: &prio}}); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteRule(&rtnl.RuleMessage{Family: rtnl.FamilyInet, Attrs: rtnl.RuleAttrs{Priority: &prio}}); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("second delete: %v", err)
	}
	for _, w := range []string{"RTM_NEWRULE", "RTM_DELRULE", "RTM_GETRULE", "FRA_PRIORITY 1000", "FRA_IIFNAME \"v0\"", "FRA_FWMARK"} {
		if !strings.Contains(trace.String(), w) {
			t.Errorf("trace lacks %q", w)
		}
	}
}
