package main

import (
	"net/netip"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/rtnl"
)

// TestLinkSetChanges: each link set attribute reaches the fake kernel as
// asked, a rename keeps the index, and bad values are refused before
// anything is sent.
func TestLinkSetChanges(t *testing.T) {
	k := onFakeHost(t)
	mustRun(t, "link add br0 type bridge stp_state 1 forward_delay 400 vlan_filtering 1", "link add v0 type veth peer name v1")
	if b, ok := k.Links["br0"].Attrs.Info.Data.(*rtnl.Bridge); !ok || b.STPState == nil || *b.STPState != 1 || b.ForwardDelay == nil ||
		*b.ForwardDelay != 400 || b.VlanFiltering == nil || *b.VlanFiltering != 1 {
		t.Errorf("bridge data %+v", k.Links["br0"].Attrs.Info.Data)
	}
	idx := k.Links["v0"].Index
	mustRun(t, "link set dev v0 address 02:00:00:00:00:aa", "link set v0 alias uplink", "link set v0 txqueuelen 500",
		"link set v0 group 7", "link set v0 master br0", "link set v0 up", "link set v0 name eth9")
	l := k.Links["eth9"]
	if l == nil || l.Index != idx || k.Links["v0"] != nil {
		t.Fatalf("rename: %v", k.Links)
	}
	if l.Attrs.Address.String() != "02:00:00:00:00:aa" || *l.Attrs.Alias != "uplink" || *l.Attrs.TxQueueLen != 500 ||
		*l.Attrs.Group != 7 || *l.Attrs.Master != k.Links["br0"].Index || l.Flags&unix.IFF_UP == 0 {
		t.Errorf("eth9 %+v flags %#x", l.Attrs, l.Flags)
	}
	mustRun(t, "link set eth9 nomaster down")
	if *l.Attrs.Master != 0 || l.Flags&unix.IFF_UP != 0 {
		t.Errorf("nomaster down: master %d flags %#x", *l.Attrs.Master, l.Flags)
	}
	reqs := k.Requests
	wantErr(t, "link set eth9 address 02:00", 1, "02:00")
	wantErr(t, "link set eth9 txqueuelen x", 255, `"x"`)
	wantErr(t, "link set eth9 mtu 1500 mtu 1400", 255, "mtu")
	wantErr(t, "link set eth9 name aaaaaaaaaaaaaaaaa", 255, "aaaaaaaaaaaaaaaaa")
	if k.Requests-reqs > 4 { // at most the lookups of eth9
		t.Errorf("bad values sent %d requests", k.Requests-reqs)
	}
	wantErr(t, "link set eth9 name v1", 2, "file exists")
	mustRun(t, "link del br0")
	if k.Links["br0"] != nil {
		t.Error("br0 left")
	}
}

// TestAddrRouteChanges: addr replace and del, flush by selector; route
// replace, append-free change and del by selector; the fake kernel holds
// what was asked.
func TestAddrRouteChanges(t *testing.T) {
	k := onFakeHost(t)
	mustRun(t, "link add v0 type veth peer name v1",
		"addr add 10.1.0.1/24 dev v0", "addr add 10.1.0.2/24 dev v0", "addr add 10.9.0.1/16 dev v1",
		"addr replace 10.1.0.1/24 dev v0 valid_lft 100 preferred_lft 50")
	if len(k.Addrs) != 3 {
		t.Fatalf("addrs %v", k.Addrs)
	}
	mustRun(t, "addr flush dev v0 to 10.1.0.2/32")
	if len(k.Addrs) != 2 || k.Addrs[0].Attrs.Local != netip.MustParseAddr("10.1.0.1") {
		t.Fatalf("flush to 10.1.0.2: %v", k.Addrs)
	}
	mustRun(t, "addr del 10.9.0.1/16 dev v1")
	wantErr(t, "addr del 10.9.0.1/16 dev v1", 2, "10.9.0.1/16")
	mustRun(t, "route add 10.5.0.0/16 via 10.1.0.9 metric 10", "route replace 10.5.0.0/16 via 10.1.0.8 metric 10",
		"route add 10.6.0.0/16 dev v0 proto static", "route add blackhole 10.7.0.0/16")
	if len(k.Routes) != 3 {
		t.Fatalf("routes %v", k.Routes)
	}
	if gw := k.Routes[0].Attrs.Gateway; gw != netip.MustParseAddr("10.1.0.8") {
		t.Errorf("replaced route's gateway %v", gw)
	}
	if r := k.Routes[2]; r.Type != rtnl.RouteBlackhole {
		t.Errorf("blackhole route %+v", r)
	}
	mustRun(t, "route flush proto static")
	if len(k.Routes) != 2 {
		t.Errorf("flush proto static left %v", k.Routes)
	}
	mustRun(t, "route del 10.5.0.0/16", "route del blackhole 10.7.0.0/16")
	if len(k.Routes) != 0 {
		t.Errorf("left %v", k.Routes)
	}
	wantErr(t, "route flush", 1, "flush")
}
