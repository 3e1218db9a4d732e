package plan

import (
	"context"
	"errors"
	"io"
	"net/netip"
	"os"
	"reflect"
	"testing"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/nat"
	"github.com/nsnet/nsnet/nltest"
	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/rtnl"
	"github.com/nsnet/nsnet/sysctl"
)

var bg = context.Background()

// TestStepsOnFakeKernel builds a bridge, a port, an address and a route
// with Up, checks a second Up changes nothing, and Down leaves the kernel
// as it was.
func TestStepsOnFakeKernel(t *testing.T) {
	k := newKernel(t)
	k.AddLink("eth0", "veth", 0)
	s := k.session()
	up, mtu, br := true, uint32(1400), "br0"
	steps := []Step{
		LinkAdd{Name: "br0", Kind: "bridge", MTU: 9000},
		LinkAdd{Name: "v0", Kind: "veth", Veth: &Veth{Peer: "v1"}},
		LinkSet{Dev: "v0", Up: &up, MTU: &mtu, Master: &br},
		AddrAdd{Dev: "br0", Prefix: netip.MustParsePrefix("10.1.0.1/24"), BroadcastCalc: "+"},
		RouteAdd{Dst: netip.MustParsePrefix("10.2.0.0/16"), Gateway: netip.MustParseAddr("10.1.0.2"), Dev: "br0"},
		RouteAdd{Dst: netip.MustParsePrefix("10.3.0.0/16"), Dev: "br0"},
	}
	if err := Up(bg, s, steps, nil); err != nil {
		t.Fatal(err)
	}
	v0 := k.Links["v0"]
	if k.Links["br0"] == nil || *k.Links["br0"].Attrs.MTU != 9000 || k.Links["v1"] == nil || v0.Flags&1 == 0 ||
		*v0.Attrs.MTU != 1400 || *v0.Attrs.Master != k.Links["br0"].Index || len(k.Addrs) != 1 || len(k.Routes) != 2 {
		t.Fatalf("state after up: links %v, addrs %v, routes %v", k.Links, k.Addrs, k.Routes)
	}
	if a := k.Addrs[0]; a.Attrs.Broadcast != netip.MustParseAddr("10.1.0.255") {
		t.Errorf("broadcast %v", a.Attrs.Broadcast)
	}
	for i, st := range steps {
		if ok, err := st.Applied(bg, s); !ok || err != nil {
			t.Errorf("step %d (%T) not applied after up: %v", i, st, err)
		}
	}
	before := k.Requests
	if err := Up(bg, s, steps, nil); err != nil {
		t.Fatal(err)
	}
	// Only reads: one get per step at most, no change.
	if len(k.Links) != 5 || len(k.Addrs) != 1 || len(k.Routes) != 2 || k.Requests == before {
		t.Fatalf("second up changed the kernel")
	}
	if err := Down(bg, s, steps, DownOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(k.Links) != 2 || len(k.Addrs) != 0 || len(k.Routes) != 0 {
		t.Fatalf("left links %v, addrs %v, routes %v", k.Links, k.Addrs, k.Routes)
	}
	// Down again: nothing is applied, nothing fails.
	if err := Down(bg, s, steps, DownOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestStepsRollBackAtEveryStep: a refusal of step k's request leaves the
// fake kernel as it was, for every k.
func TestStepsRollBackAtEveryStep(t *testing.T) {
	refuse := []netlink.HeaderType{unix.RTM_NEWLINK, unix.RTM_NEWLINK, unix.RTM_NEWADDR, unix.RTM_NEWROUTE}
	for i := range refuse {
		k := newKernel(t)
		s := k.session()
		up := true
		steps := []Step{
			LinkAdd{Name: "br0", Kind: "bridge"},
			LinkSet{Dev: "br0", Up: &up},
			AddrAdd{Dev: "br0", Prefix: netip.MustParsePrefix("10.1.0.1/24")},
			RouteAdd{Dst: netip.MustParsePrefix("10.2.0.0/16"), Gateway: netip.MustParseAddr("10.1.0.2")},
		}
		k.Fail[refuse[i]] = unix.EPERM
		if i == 1 {
			k.Skip[unix.RTM_NEWLINK] = 1 // step 0's
		}
		err := Up(bg, s, steps, nil)
		var ue *UpError
		if !errors.As(err, &ue) || ue.Index != i || len(ue.Failed) != 0 {
			t.Fatalf("refusal at %d: %v", i, err)
		}
		if len(k.Links) != 1 || len(k.Addrs) != 0 || len(k.Routes) != 0 {
			t.Fatalf("refusal at %d: left links %v, addrs %v, routes %v", i, k.Links, k.Addrs, k.Routes)
		}
	}
}

func TestLinkSetInverseRestores(t *testing.T) {
	k := newKernel(t)
	k.AddLink("br0", "bridge", 0)
	k.AddLink("br1", "bridge", 0)
	p := k.AddLink("p0", "veth", 0)
	idx := k.Links["br1"].Index
	p.Attrs.Master = &idx
	s := k.session()
	up, mtu, none := true, uint32(1280), ""
	set := LinkSet{Dev: "p0", Up: &up, MTU: &mtu, Master: &none}
	inv, err := set.Inverse(bg, s)
	if err != nil {
		t.Fatal(err)
	}
	want := LinkSet{Dev: "p0", Up: new(false), MTU: new(uint32(1500)), Master: new("br1")}
	if !reflect.DeepEqual(inv, want) {
		t.Fatalf("inverse %+v", inv)
	}
	if err := set.Apply(bg, s); err != nil || *p.Attrs.Master != 0 {
		t.Fatal(err)
	}
	if err := inv.Apply(bg, s); err != nil || *p.Attrs.Master != idx || p.Flags&1 != 0 || *p.Attrs.MTU != 1500 {
		t.Fatalf("%v: %+v", err, p)
	}
	for _, st := range []Step{LinkSet{Dev: "nope", Up: &up}, LinkSet{Dev: "p0", Master: new("nope")}} {
		if err := st.Apply(bg, s); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%+v: %v", st, err)
		}
	}
	if ok, err := (LinkSet{Dev: "nope"}).Applied(bg, s); ok || err != nil {
		t.Error("a change of a missing link is applied", err)
	}
	if _, err := (LinkSet{Dev: "nope"}).Inverse(bg, s); !errors.Is(err, os.ErrNotExist) {
		t.Error(err)
	}
}

func TestLinkDelInverse(t *testing.T) {
	k := newKernel(t)
	k.AddLink("br0", "bridge", 9000)
	k.AddLink("v0", "veth", 0)
	s := k.session()
	inv, err := LinkDel{Name: "br0"}.Inverse(bg, s)
	if err != nil || !reflect.DeepEqual(inv, LinkAdd{Name: "br0", Kind: "bridge", Options: LinkOptions{MTU: new(uint32(9000))}, Bridge: &rtnl.Bridge{}}) {
		t.Fatalf("%+v, %v", inv, err)
	}
	if _, err := (LinkDel{Name: "v0"}).Inverse(bg, s); err == nil {
		t.Fatal("a veth's deletion has an inverse")
	}
	if inv, err := (LinkDel{Name: "gone"}).Inverse(bg, s); inv != nil || err != nil {
		t.Fatalf("%v, %v", inv, err)
	}
	steps := []Step{LinkDel{Name: "br0"}}
	if err := Up(bg, s, steps, nil); err != nil || k.Links["br0"] != nil {
		t.Fatal(err)
	}
	if ok, err := steps[0].Applied(bg, s); !ok || err != nil {
		t.Fatal("not applied")
	}
	if err := (LinkDel{Name: "br0"}).Apply(bg, s); !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	// Without a peer the kernel names it.
	if err := (LinkAdd{Name: "v9", Kind: "veth"}).Apply(bg, s); err != nil || k.Links["v9"] == nil {
		t.Fatal("a veth without a peer name", err)
	}
	if ok, err := (LinkAdd{Name: "v0", Kind: "bridge"}).Applied(bg, s); ok || err != nil {
		t.Fatal("a veth counts as the bridge of its name")
	}
}

func TestAddrAndRouteSteps(t *testing.T) {
	k := newKernel(t)
	k.AddLink("eth0", "veth", 0)
	s := k.session()
	a := AddrAdd{Dev: "eth0", Prefix: netip.MustParsePrefix("2001:db8::1/64")}
	if err := a.Apply(bg, s); err != nil {
		t.Fatal(err)
	}
	if inv, _ := a.Inverse(bg, s); !reflect.DeepEqual(inv, AddrDel(a)) {
		t.Fatalf("inverse %+v", inv)
	}
	// The undo of a deletion is the kernel's copy of the address.
	if inv, _ := AddrDel(a).Inverse(bg, s); inv.(AddrAdd).Prefix != a.Prefix || inv.(AddrAdd).Dev != a.Dev || inv.(AddrAdd).Scope == nil {
		t.Fatalf("inverse %+v", inv)
	}
	if ok, err := AddrDel(a).Applied(bg, s); ok || err != nil {
		t.Fatal("delete applied while the address is there")
	}
	if err := AddrDel(a).Apply(bg, s); err != nil || len(k.Addrs) != 0 {
		t.Fatal(err)
	}
	for _, st := range []Step{AddrAdd{Dev: "nope", Prefix: a.Prefix}, AddrDel{Dev: "nope", Prefix: a.Prefix}} {
		if err := st.Apply(bg, s); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%+v: %v", st, err)
		}
	}
	if ok, err := (AddrAdd{Dev: "nope", Prefix: a.Prefix}).Applied(bg, s); ok || err != nil {
		t.Fatal("an address on a missing link")
	}
	k.Fail[unix.RTM_GETADDR] = unix.EPERM
	if _, err := a.Applied(bg, s); err == nil {
		t.Fatal("dump refusal ignored")
	}
	k.Fail[unix.RTM_GETLINK] = unix.EPERM
	if _, err := a.Applied(bg, s); err == nil {
		t.Fatal("get link refusal ignored")
	}

	def := RouteAdd{Dst: netip.MustParsePrefix("0.0.0.0/0"), Gateway: netip.MustParseAddr("10.0.0.1")}
	if err := def.Apply(bg, s); err != nil {
		t.Fatal(err)
	}
	// The undo of a deletion puts the kernel's copy back.
	if inv, _ := RouteDel(def).Inverse(bg, s); inv.(RouteRaw).Op != "add" || inv.(RouteRaw).Route.Dst != def.Dst || inv.(RouteRaw).Route.Attrs.Gateway != def.Gateway {
		t.Fatalf("inverse %+v", inv)
	}
	if ok, _ := RouteDel(def).Applied(bg, s); ok {
		t.Fatal("delete applied while the route is there")
	}
	if err := RouteDel(def).Apply(bg, s); err != nil || len(k.Routes) != 0 {
		t.Fatal(err)
	}
	onDev := RouteAdd{Dst: netip.MustParsePrefix("10.9.0.0/16"), Dev: "nope"}
	if ok, err := onDev.Applied(bg, s); ok || err != nil {
		t.Fatal("a route on a missing link")
	}
	for _, st := range []Step{onDev, RouteDel(onDev)} {
		if err := st.Apply(bg, s); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%+v: %v", st, err)
		}
	}
	k.Fail[unix.RTM_GETROUTE] = unix.EPERM
	if _, err := def.Applied(bg, s); err == nil {
		t.Fatal("dump refusal ignored")
	}
	k.Fail[unix.RTM_GETLINK] = unix.EPERM
	if _, err := (RouteAdd{Dst: onDev.Dst, Dev: "eth0"}).Applied(bg, s); err == nil {
		t.Fatal("get link refusal ignored")
	}
}

// TestStepsDialFailure: a namespace or connection that cannot be had fails
// every step cleanly; a missing namespace makes adds unapplied and
// deletes applied.
func TestStepsDialFailure(t *testing.T) {
	boom := errors.New("no socket")
	s := NewSession(&Options{Dial: func(nsfs.Ref, int, string) (io.Closer, error) { return nil, boom }})
	p := netip.MustParsePrefix("10.0.0.1/24")
	steps := []Step{
		LinkAdd{Name: "b", Kind: "bridge"}, LinkDel{Name: "b"}, LinkSet{Dev: "b"},
		AddrAdd{Dev: "b", Prefix: p}, AddrDel{Dev: "b", Prefix: p},
		RouteAdd{Dst: p}, RouteDel{Dst: p},
		NATAdd{Object: nat.Masquerade{Source: p}}, NATDel{Object: nat.Masquerade{Source: p}},
	}
	for _, st := range steps {
		if err := st.Apply(bg, s); !errors.Is(err, boom) {
			t.Errorf("%T Apply: %v", st, err)
		}
		if _, err := st.Applied(bg, s); !errors.Is(err, boom) {
			t.Errorf("%T Applied: %v", st, err)
		}
	}
	if _, err := (LinkSet{Dev: "b"}).Inverse(bg, s); !errors.Is(err, boom) {
		t.Error(err)
	}
	if _, err := (LinkDel{Name: "b"}).Inverse(bg, s); !errors.Is(err, boom) {
		t.Error(err)
	}
	missing := nsfs.NameRef("nsnet-plan-test-no-such-ns")
	adds := []Step{LinkAdd{NS: missing}, LinkSet{NS: missing}, AddrAdd{NS: missing, Prefix: p}, RouteAdd{NS: missing, Dst: p},
		NATAdd{NS: missing}, SysctlSet{NS: missing}, NetnsAdd{Name: "nsnet-plan-test-no-such-ns"}}
	for _, st := range adds {
		if ok, err := st.Applied(bg, s); ok || err != nil {
			t.Errorf("%T in a missing namespace: %v, %v", st, ok, err)
		}
	}
	dels := []Step{LinkDel{NS: missing}, AddrDel{NS: missing, Prefix: p}, RouteDel{NS: missing, Dst: p},
		NATDel{NS: missing}, NetnsDel{Name: "nsnet-plan-test-no-such-ns"}}
	for _, st := range dels {
		if ok, err := st.Applied(bg, s); !ok || err != nil {
			t.Errorf("%T in a missing namespace: %v, %v", st, ok, err)
		}
	}
	// A veth whose peer goes to a missing namespace.
	k := newKernel(t)
	if err := (LinkAdd{Name: "v0", Kind: "veth", Veth: &Veth{Peer: "v1", PeerNS: missing}}).Apply(bg, k.session()); !errors.Is(err, os.ErrNotExist) {
		t.Error(err)
	}
}

func TestNetnsInverses(t *testing.T) {
	if inv, _ := (NetnsAdd{Name: "a"}).Inverse(bg, nil); inv != (NetnsDel{Name: "a"}) {
		t.Error(inv)
	}
	if inv, _ := (NetnsDel{Name: "a"}).Inverse(bg, nil); inv != (NetnsAdd{Name: "a"}) {
		t.Error(inv)
	}
	if err := (NetnsAdd{Name: "bad/name"}).Apply(bg, NewSession(nil)); err == nil {
		t.Error("bad name accepted")
	}
}

// TestSysctlSetReadsOwnNamespace: Applied and Inverse read the caller's
// own sysctls (no write: a unit test must not change the machine).
func TestSysctlSetReadsOwnNamespace(t *testing.T) {
	s := NewSession(nil)
	k := sysctl.MustKey("net.ipv4.ip_forward")
	cur, err := sysctl.Read(nil, k)
	if err != nil {
		t.Fatal(err)
	}
	other := "1"
	if cur == "1" {
		other = "0"
	}
	set := SysctlSet{Values: []SysctlValue{{Key: k, Value: other}}}
	if ok, err := set.Applied(bg, s); ok || err != nil {
		t.Fatalf("%v, %v", ok, err)
	}
	same := SysctlSet{Values: []SysctlValue{{Key: k, Value: cur + "\n"}}}
	if ok, err := same.Applied(bg, s); !ok || err != nil {
		t.Fatalf("%v, %v", ok, err)
	}
	inv, err := set.Inverse(bg, s)
	if err != nil || !reflect.DeepEqual(inv, SysctlSet{Values: []SysctlValue{{Key: k, Value: cur}}}) {
		t.Fatalf("%+v, %v", inv, err)
	}
	missing := SysctlSet{Values: []SysctlValue{{Key: sysctl.MustKey("net.ipv4.nsnet_no_such_key"), Value: "1"}}}
	if _, err := missing.Applied(bg, s); !errors.Is(err, os.ErrNotExist) {
		t.Error(err)
	}
	if _, err := missing.Inverse(bg, s); !errors.Is(err, os.ErrNotExist) {
		t.Error(err)
	}
	if err := missing.Apply(bg, s); !errors.Is(err, os.ErrNotExist) {
		t.Error(err)
	}
	bad := nsfs.NameRef("nsnet-plan-test-no-such-ns")
	for _, f := range []func() error{
		func() error { return SysctlSet{NS: bad}.Apply(bg, s) },
		func() error { _, err := (SysctlSet{NS: bad}).Inverse(bg, s); return err },
	} {
		if err := f(); !errors.Is(err, os.ErrNotExist) {
			t.Error(err)
		}
	}
}

func TestNATSteps(t *testing.T) {
	// A kernel with an empty ruleset: nothing of nsnet's table is there.
	empty := func(req []netlink.Message) ([]netlink.Message, error) {
		var out []netlink.Message
		for _, m := range req {
			if m.Header.Flags&netlink.Dump != 0 {
				out = append(out, nltest.Dump(m)...)
			} else {
				out = append(out, nltest.Error(m, unix.EPERM, "not in this test"))
			}
		}
		return out, nil
	}
	s := NewSession(&Options{Dial: func(nsfs.Ref, int, string) (io.Closer, error) { return nltest.NAT(empty, nil), nil }})
	m := nat.Masquerade{Source: netip.MustParsePrefix("10.0.0.0/24"), OutIface: "eth0"}
	if ok, err := (NATAdd{Object: m}).Applied(bg, s); ok || err != nil {
		t.Fatalf("%v, %v", ok, err)
	}
	if ok, err := (NATDel{Object: m}).Applied(bg, s); !ok || err != nil {
		t.Fatalf("%v, %v", ok, err)
	}
	if err := (NATAdd{Object: m}).Apply(bg, s); err == nil {
		t.Fatal("refused add succeeded")
	}
	if err := (NATDel{Object: m}).Apply(bg, s); err == nil {
		t.Fatal("delete of nothing succeeded")
	}
	if inv, _ := (NATAdd{Object: m}).Inverse(bg, s); inv != (NATDel{Object: m}) {
		t.Error(inv)
	}
	if inv, _ := (NATDel{Object: m}).Inverse(bg, s); inv != (NATAdd{Object: m}) {
		t.Error(inv)
	}
	f := nat.Forward{A: "a", B: "b"}
	if !SameNAT(f, nat.Forward{A: "b", B: "a"}) || SameNAT(f, m) || !SameNAT(m, m) || SameNAT(m, f) {
		t.Error("SameNAT")
	}
	_ = rtnl.TableMain
}
