package plan

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"testing"

	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/rtnl"
)

// TestLinkSetAppliedEachField: for each field LinkSet changes, Applied is
// false before the change, Apply makes it on the fake kernel, and Applied
// is then true; the Inverse computed before puts the old value back.
func TestLinkSetAppliedEachField(t *testing.T) {
	k := newKernel(t)
	k.AddLink("br0", "bridge", 0)
	v0 := k.AddLink("v0", "veth", 0)
	// What a kernel reports of every link.
	v0.Attrs.Address, v0.Attrs.TxQueueLen, v0.Attrs.Group = net.HardwareAddr{2, 0, 0, 0, 0, 1}, u32p(1000), u32p(0)
	v0.Attrs.Broadcast, v0.Attrs.GSOMaxSize, v0.Attrs.GSOMaxSegs, v0.Attrs.GROMaxSize = net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, u32p(65536), u32p(65535), u32p(65536)
	v0.Attrs.Carrier, v0.Attrs.ProtoDown = new(uint8(1)), new(uint8(0))
	s := k.session()
	mac := net.HardwareAddr{2, 0, 0, 0, 0, 9}
	br, none := "br0", ""
	for _, c := range []struct {
		name  string
		step  LinkSet
		check func() bool
	}{
		{"mtu", LinkSet{Dev: "v0", MTU: u32p(1280)}, func() bool { return *v0.Attrs.MTU == 1280 }},
		{"address", LinkSet{Dev: "v0", Address: mac}, func() bool { return v0.Attrs.Address.String() == mac.String() }},
		{"txqueuelen", LinkSet{Dev: "v0", TxQueueLen: u32p(77)}, func() bool { return *v0.Attrs.TxQueueLen == 77 }},
		{"alias", LinkSet{Dev: "v0", Alias: new("uplink")}, func() bool { return *v0.Attrs.Alias == "uplink" }},
		{"group", LinkSet{Dev: "v0", Group: u32p(3)}, func() bool { return *v0.Attrs.Group == 3 }},
		{"promisc", LinkSet{Dev: "v0", FlagMask: rtnl.LinkPromisc, Flags: rtnl.LinkPromisc}, func() bool { return v0.Flags&rtnl.LinkPromisc != 0 }},
		{"master", LinkSet{Dev: "v0", Master: &br}, func() bool { return *v0.Attrs.Master == k.Links["br0"].Index }},
		{"nomaster", LinkSet{Dev: "v0", Master: &none}, func() bool { return *v0.Attrs.Master == 0 }},
		{"broadcast", LinkSet{Dev: "v0", Broadcast: net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xfe}}, func() bool { return v0.Attrs.Broadcast[5] == 0xfe }},
		{"gso_max_size", LinkSet{Dev: "v0", GSOMaxSize: u32p(32000)}, func() bool { return *v0.Attrs.GSOMaxSize == 32000 }},
		{"gso_max_segs", LinkSet{Dev: "v0", GSOMaxSegs: u32p(100)}, func() bool { return *v0.Attrs.GSOMaxSegs == 100 }},
		{"gro_max_size", LinkSet{Dev: "v0", GROMaxSize: u32p(32000)}, func() bool { return *v0.Attrs.GROMaxSize == 32000 }},
		{"carrier", LinkSet{Dev: "v0", Carrier: new(uint8(0))}, func() bool { return *v0.Attrs.Carrier == 0 }},
		{"protodown", LinkSet{Dev: "v0", ProtoDown: new(uint8(1))}, func() bool { return *v0.Attrs.ProtoDown == 1 }},
	} {
		if ok, err := c.step.Applied(bg, s); ok || err != nil {
			t.Fatalf("%s: applied before: %v %v", c.name, ok, err)
		}
		inv, err := c.step.Inverse(bg, s)
		if err != nil {
			t.Fatalf("%s: inverse: %v", c.name, err)
		}
		if err := c.step.Apply(bg, s); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !c.check() {
			t.Fatalf("%s: not changed: %+v", c.name, v0.Attrs)
		}
		if ok, err := c.step.Applied(bg, s); !ok || err != nil {
			t.Fatalf("%s: not applied after: %v %v", c.name, ok, err)
		}
		if err := UndoFits(c.step, inv); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if c.name == "master" { // kept for the nomaster case
			continue
		}
		if err := inv.Apply(bg, s); err != nil {
			t.Fatalf("%s: undo: %v", c.name, err)
		}
		if ok, _ := c.step.Applied(bg, s); ok {
			t.Fatalf("%s: still applied after its undo (%+v)", c.name, inv)
		}
	}
	// A master that does not exist: not applied (Apply fails naming it).
	missing := "nope"
	ms := LinkSet{Dev: "v0", Master: &missing}
	if ok, err := ms.Applied(bg, s); ok || err != nil {
		t.Fatalf("missing master: %v %v", ok, err)
	}
	var de *DeviceError
	if err := ms.Apply(bg, s); !errors.As(err, &de) || de.Name != "nope" {
		t.Fatalf("missing master: %v", err)
	}
	// A missing device: not applied, and Apply fails with its name.
	gone := LinkSet{Dev: "gone", MTU: u32p(1400)}
	if ok, err := gone.Applied(bg, s); ok || err != nil {
		t.Fatalf("missing dev: %v %v", ok, err)
	}
	if err := gone.Apply(bg, s); !errors.As(err, &de) || de.Name != "gone" {
		t.Fatalf("missing dev: %v", err)
	}
	// A kind change is never taken as applied.
	if ok, _ := (LinkSet{Dev: "v0", Kind: &LinkAdd{Kind: "veth"}}).Applied(bg, s); ok {
		t.Fatal("a kind change applied")
	}
	// A move to a namespace that does not exist is not applied.
	to := nsfs.NameRef("nsnet-plan-no-such-ns")
	if ok, err := (LinkSet{Dev: "gone", NetNS: &to}).Applied(bg, s); ok || err != nil {
		t.Fatalf("move to a missing namespace: %v %v", ok, err)
	}
}

// TestRouteChangeAndAbsentNamespaces: RouteChange changes an existing
// route's gateway and fails on a missing one; flushes and rules of a
// namespace that does not exist are done (nothing can be there).
func TestRouteChangeAndAbsentNamespaces(t *testing.T) {
	k := newKernel(t)
	k.AddLink("eth0", "veth", 0)
	s := k.session()
	dst := netip.MustParsePrefix("10.2.0.0/16")
	if err := (RouteAdd{Dst: dst, Gateway: netip.MustParseAddr("10.1.0.2"), Dev: "eth0"}).Apply(bg, s); err != nil {
		t.Fatal(err)
	}
	ch := RouteChange{Dst: dst, Gateway: netip.MustParseAddr("10.1.0.3"), Dev: "eth0"}
	if ok, _ := ch.Applied(bg, s); ok {
		t.Fatal("change applied before")
	}
	if err := ch.Apply(bg, s); err != nil {
		t.Fatal(err)
	}
	if len(k.Routes) != 1 || k.Routes[0].Attrs.Gateway != netip.MustParseAddr("10.1.0.3") {
		t.Fatalf("routes %v", k.Routes)
	}
	if ok, err := ch.Applied(bg, s); !ok || err != nil {
		t.Fatalf("change not applied after: %v %v", ok, err)
	}
	missing := RouteChange{Dst: netip.MustParsePrefix("10.7.0.0/16"), Gateway: netip.MustParseAddr("10.1.0.3")}
	if err := missing.Apply(bg, s); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("change of a missing route: %v", err)
	}
	if len(k.Routes) != 1 {
		t.Fatalf("a change added a route: %v", k.Routes)
	}
	ns := nsfs.NameRef("nsnet-plan-no-such-ns")
	for _, st := range []Step{AddrFlush{NS: ns, Dev: "eth0"}, RuleDel{NS: ns, Rule: rtnl.RuleMessage{Family: rtnl.FamilyInet, Table: 9}}} {
		if ok, err := st.Applied(bg, s); !ok || err != nil {
			t.Errorf("%T in a missing namespace: applied %v %v", st, ok, err)
		}
	}
	if ok, err := (RuleAdd{NS: ns, Rule: rtnl.RuleMessage{Family: rtnl.FamilyInet, Table: 9}}).Applied(bg, s); ok || err != nil {
		t.Errorf("rule add in a missing namespace: applied %v %v", ok, err)
	}
}
