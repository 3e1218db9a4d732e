package plan

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"reflect"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/rtnl"
)

// TestLinkOptions: every option of link add and link set reaches the
// kernel, the change is then applied, and its inverse puts back what was
// there.
func TestLinkOptions(t *testing.T) {
	k := newKernel(t)
	k.AddLink("br0", "bridge", 0)
	k.AddLink("eth0", "veth", 0)
	s := k.session()
	mac := net.HardwareAddr{2, 0, 0, 0, 0, 1}
	add := LinkAdd{Name: "mv0", Kind: "macvlan", Macvlan: new(rtnl.MacvlanMode(4)), Options: LinkOptions{
		Address: mac, MTU: new(uint32(1400)), TxQueueLen: new(uint32(5)), Up: new(true), Lower: "eth0", Master: new("br0"),
		Alias: new("a"), Group: new(uint32(3)), FlagMask: rtnl.LinkPromisc, Flags: rtnl.LinkPromisc}}
	if err := Up(bg, s, []Step{add}, nil); err != nil {
		t.Fatal(err)
	}
	mv := k.Links["mv0"]
	if mv == nil || *mv.Attrs.MTU != 1400 || !reflect.DeepEqual(mv.Attrs.Address, mac) || *mv.Attrs.TxQueueLen != 5 || mv.Flags&(rtnl.LinkUp|rtnl.LinkPromisc) == 0 ||
		*mv.Attrs.Link != k.Links["eth0"].Index || *mv.Attrs.Master != k.Links["br0"].Index || *mv.Attrs.Alias != "a" || *mv.Attrs.Group != 3 {
		t.Fatalf("%+v", mv)
	}
	if ok, err := add.Applied(bg, s); !ok || err != nil {
		t.Fatal(ok, err)
	}
	// Its deletion's undo re-creates a macvlan on its lower link.
	inv, err := LinkDel{Name: "mv0"}.Inverse(bg, s)
	if a, ok := inv.(LinkAdd); err != nil || !ok || a.Kind != "macvlan" || a.Options.Lower != "eth0" || *a.Options.Up != true || !reflect.DeepEqual(a.Options.Address, mac) {
		t.Fatalf("%#v %v", inv, err)
	}

	set := LinkSet{Dev: "mv0", Name: "mv1", Up: new(false), MTU: new(uint32(1300)), Master: new(""), Address: net.HardwareAddr{2, 0, 0, 0, 0, 2},
		TxQueueLen: new(uint32(9)), Alias: new("b"), Group: new(uint32(4)), FlagMask: rtnl.LinkPromisc, Flags: 0}
	if ok, err := set.Applied(bg, s); ok || err != nil {
		t.Fatal(ok, err)
	}
	j := &MemoryJournal{}
	if err := Up(bg, s, []Step{set}, j); err != nil {
		t.Fatal(err)
	}
	mv = k.Links["mv1"]
	if mv == nil || k.Links["mv0"] != nil || mv.Flags&(rtnl.LinkUp|rtnl.LinkPromisc) != 0 || *mv.Attrs.MTU != 1300 || *mv.Attrs.Master != 0 ||
		*mv.Attrs.TxQueueLen != 9 || *mv.Attrs.Alias != "b" || *mv.Attrs.Group != 4 {
		t.Fatalf("%+v", mv)
	}
	if ok, err := set.Applied(bg, s); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if err := Down(bg, s, []Step{set}, DownOptions{Undo: j.Undo, Done: j.DownDone}); err != nil {
		t.Fatal(err)
	}
	mv = k.Links["mv0"]
	if mv == nil || mv.Flags&(rtnl.LinkUp|rtnl.LinkPromisc) != rtnl.LinkUp|rtnl.LinkPromisc || *mv.Attrs.MTU != 1400 || *mv.Attrs.Master != k.Links["br0"].Index ||
		!reflect.DeepEqual(mv.Attrs.Address, mac) || *mv.Attrs.Alias != "a" || *mv.Attrs.Group != 3 {
		t.Fatalf("down did not restore: %+v", mv)
	}
	// A kind's data cannot be undone; a missing master is a *DeviceError.
	kind := LinkSet{Dev: "mv0", Kind: &LinkAdd{Kind: "macvlan", Macvlan: new(rtnl.MacvlanMode(1))}}
	if _, err := kind.Inverse(bg, s); !errors.Is(err, ErrIrreversible) {
		t.Fatal(err)
	}
	if ok, err := kind.Applied(bg, s); ok || err != nil {
		t.Fatal(ok, err)
	}
	if err := kind.Apply(bg, s); err != nil {
		t.Fatal(err)
	}
	var de *DeviceError
	if err := (LinkSet{Dev: "mv0", Master: new("nope")}).Apply(bg, s); !errors.As(err, &de) || de.Keyword != "master" {
		t.Fatal(err)
	}
	if err := (LinkSet{Dev: "nope", Up: new(true)}).Apply(bg, s); !errors.As(err, &de) || de.Name != "nope" {
		t.Fatal(err)
	}
	if err := (LinkAdd{Name: "x", Kind: "macvlan", Options: LinkOptions{Lower: "nope"}}).Apply(bg, s); !errors.As(err, &de) || de.Keyword != "link" {
		t.Fatal(err)
	}
	if _, err := (LinkAdd{Kind: "bridge"}).Inverse(bg, s); !errors.Is(err, ErrIrreversible) {
		t.Fatal(err)
	}
}

// TestLinkKinds: a veth pair with its peer's options (set up after), a
// vxlan on a device, raw kind data, and the undos of their deletions.
func TestLinkKinds(t *testing.T) {
	k := newKernel(t)
	k.AddLink("eth0", "veth", 0)
	s := k.session()
	var echoed *rtnl.LinkMessage
	veth := LinkAdd{Name: "v0", Kind: "veth", MTU: 9000, Veth: &Veth{Peer: "v1", Options: LinkOptions{Alias: new("peer")}, UpAfter: true},
		Echo: func(m *rtnl.LinkMessage) { echoed = m }}
	vx := LinkAdd{Name: "vx0", Kind: "vxlan", Vxlan: &VxlanData{Data: rtnl.Vxlan{ID: new(uint32(42)), Port: new(uint16(4789))}, Dev: "eth0"}}
	raw := LinkAdd{Name: "r0", Kind: "dummy", Data: []KindAttr{{Type: 1, Data: []byte{1, 0, 0, 0}}, {Type: 2}, {Type: 3, Dev: "eth0"}}}
	if err := Up(bg, s, []Step{veth, vx, raw}, nil); err != nil {
		t.Fatal(err)
	}
	v1 := k.Links["v1"]
	if v1 == nil || *v1.Attrs.MTU != 9000 || *v1.Attrs.Alias != "peer" || v1.Flags&rtnl.LinkUp == 0 || *k.Links["v0"].Attrs.MTU != 9000 {
		t.Fatalf("%+v", v1)
	}
	_ = echoed // the model does not echo; the kernel does (see tests/)
	if d, ok := k.Links["vx0"].Attrs.Info.Data.(*rtnl.Vxlan); !ok || *d.Link != k.Links["eth0"].Index || *d.ID != 42 {
		t.Fatalf("%+v", k.Links["vx0"].Attrs.Info)
	}
	if d, ok := k.Links["r0"].Attrs.Info.Data.(*rtnl.RawLinkData); !ok || len(d.Data) == 0 {
		t.Fatalf("%+v", k.Links["r0"].Attrs.Info)
	}
	inv, err := LinkDel{Name: "v0"}.Inverse(bg, s)
	if a, ok := inv.(LinkAdd); err != nil || !ok || a.Veth == nil || a.Veth.Peer != "v1" || !a.Veth.UpAfter || *a.Veth.Options.MTU != 9000 {
		t.Fatalf("%#v %v", inv, err)
	}
	inv, err = LinkDel{Name: "vx0"}.Inverse(bg, s)
	if a, ok := inv.(LinkAdd); err != nil || !ok || a.Vxlan == nil || a.Vxlan.Dev != "eth0" || *a.Vxlan.Data.ID != 42 {
		t.Fatalf("%#v %v", inv, err)
	}
	if _, err := (LinkDel{Name: "r0"}).Inverse(bg, s); err == nil {
		t.Fatal("a dummy re-created")
	}
	k.Links["lo"].Attrs.Info = nil
	if _, err := (LinkDel{Name: "lo"}).Inverse(bg, s); err == nil {
		t.Fatal("a link of no kind re-created")
	}
	// Down deletes them all; the undo of deleting the veth makes it again.
	j := &MemoryJournal{}
	del := []Step{LinkDel{Name: "v0"}}
	if err := Up(bg, s, del, j); err != nil || k.Links["v0"] != nil || k.Links["v1"] != nil {
		t.Fatal(err)
	}
	if err := Down(bg, s, del, DownOptions{Undo: j.Undo, Done: j.DownDone}); err != nil {
		t.Fatal(err)
	}
	if k.Links["v0"] == nil || k.Links["v1"] == nil || k.Links["v1"].Flags&rtnl.LinkUp == 0 {
		t.Fatalf("%v", k.Links)
	}
	// A link deleted by someone else: nothing to re-create.
	if inv, err := (LinkDel{Name: "gone"}).Inverse(bg, s); inv != nil || err != nil {
		t.Fatal(inv, err)
	}
	if err := (LinkDel{Name: "gone"}).Apply(bg, s); !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
}

// TestLinkMove: a move to another namespace (the model drops the link),
// its inverse moves it back from there, and a missing namespace is an
// *NSError.
func TestLinkMove(t *testing.T) {
	k := newKernel(t)
	k.AddLink("v0", "veth", 0).Flags |= rtnl.LinkUp
	s := k.session()
	self := nsfs.PathRef("/proc/self/ns/net")
	mv := LinkSet{Dev: "v0", NetNS: &self, Name: "w0"}
	inv, err := mv.Inverse(bg, s)
	want := LinkSet{NS: self, Dev: "w0", Name: "v0", NetNS: &self, Up: new(true)}
	if err != nil || !reflect.DeepEqual(inv, want) {
		t.Fatalf("%+v %v", inv, err)
	}
	if err := mv.Apply(bg, s); err != nil || k.Links["v0"] != nil {
		t.Fatal(err)
	}
	var ne *NSError
	err = (LinkSet{Dev: "lo", NetNS: new(nsfs.PathRef("/nonexistent/ns"))}).Apply(bg, s)
	if !errors.As(err, &ne) || !errors.Is(err, os.ErrNotExist) || ne.Error() == "" {
		t.Fatal(err)
	}
	// Applied: gone from here and there (the model's one namespace is
	// both here and there: not applied).
	if ok, err := (LinkSet{Dev: "lo", NetNS: &self}).Applied(bg, s); ok || err != nil {
		t.Fatal(ok, err)
	}
	k.Fail[unix.RTM_NEWLINK] = unix.EPERM
	if err := (LinkAdd{Name: "b", Kind: "bridge"}).Apply(bg, s); !errors.Is(err, unix.EPERM) {
		t.Fatal(err)
	}
}

// TestRouteSteps: replace, append and change, their undos, the kernel's
// copy put back (RouteRaw), and multipath routes.
func TestRouteSteps(t *testing.T) {
	k := newKernel(t)
	eth := k.AddLink("eth0", "veth", 0)
	k.AddLink("eth1", "veth", 0)
	s := k.session()
	dst := netip.MustParsePrefix("10.9.0.0/16")
	old := RouteAdd{Dst: dst, Gateway: netip.MustParseAddr("10.0.0.1"), Dev: "eth0", Metric: new(uint32(5))}
	if err := old.Apply(bg, s); err != nil {
		t.Fatal(err)
	}
	rep := RouteReplace{Dst: dst, Dev: "eth0", Metric: new(uint32(5)), Protocol: new(rtnl.ProtoStatic), Scope: new(rtnl.ScopeLink), Src: netip.MustParseAddr("10.0.0.9"),
		Type: new(rtnl.RouteUnicast), Table: new(rtnl.TableMain), MTU: new(uint32(1400)), MTULock: true, AdvMSS: new(uint32(1300)), Onlink: true}
	j := &MemoryJournal{}
	if err := Up(bg, s, []Step{rep}, j); err != nil {
		t.Fatal(err)
	}
	if r := k.Routes[0]; r.Protocol != rtnl.ProtoStatic || *r.Attrs.Metrics.MTU != 1400 || r.Flags&rtnl.RouteOnlink == 0 {
		t.Fatalf("%+v", r)
	}
	if ok, err := rep.Applied(bg, s); !ok || err != nil {
		t.Fatal(ok, err)
	}
	u, _ := j.Undo(0)
	if raw, ok := u.(RouteRaw); !ok || raw.Op != "replace" || raw.Dev != "eth0" || *raw.Route.Attrs.OIF != eth.Index {
		t.Fatalf("%#v", u)
	}
	if err := Down(bg, s, []Step{rep}, DownOptions{Undo: j.Undo, Done: j.DownDone}); err != nil {
		t.Fatal(err)
	}
	if r := k.Routes[0]; r.Attrs.Gateway != old.Gateway || *r.Attrs.OIF != eth.Index {
		t.Fatalf("down did not put the route back: %+v", r)
	}
	raw := u.(RouteRaw)
	if ok, err := raw.Applied(bg, s); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if inv, err := raw.Inverse(bg, s); err != nil || inv.(RouteRaw).Op != "replace" {
		t.Fatal(inv, err)
	}
	for op, want := range map[string]string{"add": "delete", "delete": "add"} {
		r := raw
		r.Op = op
		if inv, err := r.Inverse(bg, s); err != nil || inv.(RouteRaw).Op != want {
			t.Fatal(inv, err)
		}
	}
	raw.Op = "delete"
	if err := raw.Apply(bg, s); err != nil || len(k.Routes) != 0 {
		t.Fatal(err)
	}
	if ok, err := raw.Applied(bg, s); !ok || err != nil {
		t.Fatal(ok, err)
	}
	// Change and append of nothing are undone by deletions; a multipath
	// route reaches the kernel.
	ch := RouteChange{Dst: dst, Dev: "eth0"}
	if inv, err := ch.Inverse(bg, s); err != nil || !reflect.DeepEqual(inv, RouteDel(ch)) {
		t.Fatal(inv, err)
	}
	if ok, err := ch.Applied(bg, s); ok || err != nil {
		t.Fatal(ok, err)
	}
	ap := RouteAppend{Dst: dst, Nexthops: []Nexthop{{Via: netip.MustParseAddr("10.0.0.1"), Dev: "eth0", Weight: 2, Onlink: true}, {Dev: "eth1"}}}
	if err := ap.Apply(bg, s); err != nil || len(k.Routes[0].Attrs.Multipath) != 24 {
		t.Fatal(err, k.Routes)
	}
	if ok, err := ap.Applied(bg, s); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if inv, err := ap.Inverse(bg, s); err != nil || !reflect.DeepEqual(inv, RouteDel(ap)) {
		t.Fatal(inv, err)
	}
	var de *DeviceError
	if err := (RouteAdd{Dst: dst, Nexthops: []Nexthop{{Dev: "nope"}}}).Apply(bg, s); !errors.As(err, &de) {
		t.Fatal(err)
	}
	// Types set their table and scope as ip does.
	for _, typ := range []rtnl.RouteType{rtnl.RouteLocal, rtnl.RouteBroadcast, rtnl.RouteBlackhole} {
		r := RouteAdd{Dst: netip.MustParsePrefix("10.7.0.1/32"), Type: &typ}
		if err := r.Apply(bg, s); err != nil {
			t.Fatal(err)
		}
		if err := RouteDel(r).Apply(bg, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := (RouteAdd{Dst: netip.MustParsePrefix("2001:db8::/32"), Dev: "eth0"}).Apply(bg, s); err != nil {
		t.Fatal(err)
	}
}

// TestAddrReplace: replace of nothing is undone by a deletion, of an
// address there by the kernel's copy; lifetimes, peers, labels and
// deletions without a length.
func TestAddrReplace(t *testing.T) {
	k := newKernel(t)
	k.AddLink("eth0", "veth", 0)
	s := k.session()
	p := netip.MustParsePrefix("10.0.0.1/24")
	rep := AddrReplace{Dev: "eth0", Prefix: p, Label: "eth0:1", Scope: new(rtnl.ScopeLink), Valid: new(uint32(60)), Preferred: new(uint32(30)),
		Metric: new(uint32(7)), BroadcastCalc: "-"}
	if inv, err := rep.Inverse(bg, s); err != nil || !reflect.DeepEqual(inv, AddrDel(rep)) {
		t.Fatal(inv, err)
	}
	if err := rep.Apply(bg, s); err != nil {
		t.Fatal(err)
	}
	if a := k.Addrs[0]; a.Attrs.Broadcast != netip.MustParseAddr("10.0.0.0") || a.Attrs.CacheInfo.Valid != 60 || *a.Attrs.Priority != 7 {
		t.Fatalf("%+v", a)
	}
	if ok, err := rep.Applied(bg, s); !ok || err != nil {
		t.Fatal(ok, err)
	}
	inv, err := rep.Inverse(bg, s)
	if r, ok := inv.(AddrReplace); err != nil || !ok || r.Label != "eth0:1" || *r.Scope != rtnl.ScopeLink {
		t.Fatalf("%#v %v", inv, err)
	}
	// A deletion without a length finds the address whatever its length.
	del := AddrDel{Dev: "eth0", Prefix: netip.MustParsePrefix("10.0.0.1/32"), AnyLength: true}
	if ok, err := del.Applied(bg, s); ok || err != nil {
		t.Fatal(ok, err)
	}
	v6 := AddrAdd{Dev: "eth0", Prefix: netip.MustParsePrefix("2001:db8::1/64")}
	if err := v6.Apply(bg, s); err != nil {
		t.Fatal(err)
	}
	if err := (AddrDel{Dev: "eth0", Prefix: netip.MustParsePrefix("2001:db8::1/128"), AnyLength: true}).Apply(bg, s); err != nil || len(k.Addrs) != 1 {
		t.Fatal(err, k.Addrs)
	}
	// A point-to-point address reads back with its peer.
	peer := AddrAdd{Dev: "eth0", Prefix: netip.MustParsePrefix("10.2.2.2/32"), Peer: netip.MustParsePrefix("10.2.2.3/32")}
	if err := peer.Apply(bg, s); err != nil {
		t.Fatal(err)
	}
	inv, err = AddrDel(peer).Inverse(bg, s)
	if a, ok := inv.(AddrAdd); err != nil || !ok || a.Peer != peer.Peer || a.Prefix != peer.Prefix {
		t.Fatalf("%#v %v", inv, err)
	}
}
