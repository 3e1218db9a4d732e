package rtnl_test

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

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
	k.Rules = nltest.DefaultRules()
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

// TestForwardingAndTraceOnFakeKernel: Forwarding reads the kernel's
// RTM_NEWNETCONF reply (netconfmsg, NETCONFA_IFINDEX -1 for "all",
// NETCONFA_FORWARDING), and the trace names what a vxlan with a port
// range, a tap and an IPv6 route with a preference send.
func TestForwardingAndTraceOnFakeKernel(t *testing.T) {
	netconf := func(fwd byte) []byte {
		return []byte{2, 0, 0, 0, 8, 0, 1, 0, 0xff, 0xff, 0xff, 0xff, 8, 0, 2, 0, fwd, 0, 0, 0}
	}
	var trace strings.Builder
	s := nltest.NewScript(t,
		nltest.Expect(unix.RTM_GETNETCONF, netlink.Request, nil, func(req netlink.Message) []netlink.Message {
			return []netlink.Message{nltest.Reply(req, unix.RTM_NEWNETCONF, netconf(1))}
		}),
		nltest.Expect(unix.RTM_GETNETCONF, netlink.Request, nil, func(req netlink.Message) []netlink.Message {
			return []netlink.Message{nltest.Reply(req, unix.RTM_NEWNETCONF, netconf(0))}
		}))
	c := nltest.Rtnl(s.Func(), &nltest.Options{Trace: &trace})
	if on, err := c.Forwarding(rtnl.FamilyInet); err != nil || !on {
		t.Fatalf("forwarding on: %v %v", on, err)
	}
	if on, err := c.Forwarding(rtnl.FamilyInet); err != nil || on {
		t.Fatalf("forwarding off: %v %v", on, err)
	}
	if _, err := c.Forwarding(rtnl.FamilyUnspec); err == nil {
		t.Fatal("forwarding of no family")
	}
	c.Close()
	if !strings.Contains(trace.String(), "RTM_GETNETCONF") || !strings.Contains(trace.String(), "RTM_NEWNETCONF") {
		t.Errorf("trace:\n%s", trace.String())
	}

	k := nltest.NewModel()
	trace.Reset()
	c = nltest.Rtnl(k.Func(), &nltest.Options{Trace: &trace})
	defer c.Close()
	id, port, lo, hi, tap := uint32(42), uint16(4789), uint16(1000), uint16(2000), uint8(2)
	for _, l := range []*rtnl.LinkMessage{
		{Attrs: rtnl.LinkAttrs{Name: "vx0", Info: &rtnl.LinkInfo{Kind: "vxlan", Data: &rtnl.Vxlan{ID: &id, Port: &port, PortLow: &lo, PortHigh: &hi}}}},
		{Attrs: rtnl.LinkAttrs{Name: "tap0", Info: &rtnl.LinkInfo{Kind: "tun", Data: &rtnl.Tun{Type: &tap}}}},
	} {
		if err := c.AddLink(l); err != nil {
			t.Fatal(err)
		}
	}
	pref := rtnl.RoutePref(1)
	r := &rtnl.RouteMessage{Family: rtnl.FamilyInet6, Dst: netip.MustParsePrefix("2001:db8::/32"), Table: rtnl.TableMain, Type: rtnl.RouteUnicast}
	r.Attrs.Pref = &pref
	if err := c.AddRoute(r); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"IFLA_VXLAN_PORT_RANGE", "1000", "2000", "IFLA_TUN_TYPE", "RTA_PREF"} {
		if !strings.Contains(trace.String(), w) {
			t.Errorf("trace lacks %q:\n%s", w, trace.String())
		}
	}
}

// TestDumpEventsOnModel: DumpEvents lists the fake kernel's objects of
// each kind as the events that would have made them.
func TestDumpEventsOnModel(t *testing.T) {
	k := nltest.NewModel()
	k.Rules = nltest.DefaultRules()
	v0 := k.AddLink("v0", "veth", 0).Index
	a := rtnl.AddrMessage{Family: rtnl.FamilyInet, PrefixLen: 24, Index: v0}
	a.Attrs.Local = netip.MustParseAddr("10.0.0.1")
	k.Addrs = append(k.Addrs, a)
	n := rtnl.NeighMessage{Family: rtnl.FamilyInet, Index: v0, State: rtnl.NeighPermanent}
	n.Attrs.Dst = netip.MustParseAddr("10.0.0.2")
	k.Neighs = append(k.Neighs, n)
	c := nltest.Rtnl(k.Func(), nil)
	defer c.Close()
	for _, tc := range []struct {
		kind rtnl.EventKind
		n    int
		ok   func(*rtnl.Event) bool
	}{
		{rtnl.KindLink, 2, func(e *rtnl.Event) bool { return e.Link != nil && e.Type == unix.RTM_NEWLINK }},
		{rtnl.KindAddr, 1, func(e *rtnl.Event) bool { return e.Addr != nil && e.Addr.Attrs.Local == a.Attrs.Local }},
		{rtnl.KindNeigh, 1, func(e *rtnl.Event) bool { return e.Neigh != nil && e.Neigh.Index == v0 }},
		{rtnl.KindRule, 5, func(e *rtnl.Event) bool { return e.Rule != nil && e.Type == unix.RTM_NEWRULE }},
	} {
		evs, err := c.DumpEvents(tc.kind)
		if err != nil || len(evs) != tc.n {
			t.Errorf("kind %d: %d events, %v; want %d", tc.kind, len(evs), err, tc.n)
			continue
		}
		for _, e := range evs {
			if !tc.ok(e) {
				t.Errorf("kind %d: event %+v", tc.kind, e)
			}
		}
	}
	if _, err := c.DumpEvents(rtnl.EventKind(99)); err == nil {
		t.Error("a kind that does not exist")
	}
	if _, err := c.DumpEvents(rtnl.KindNSID); err == nil {
		t.Error("nsids are not modelled: the model refuses")
	}
}
