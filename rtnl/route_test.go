package rtnl

import (
	"net/netip"
	"reflect"
	"testing"
)

// TestDecodeRouteGetReply decodes the kernel's answer to `ip route get
// 192.168.11.5` (a cloned route through veth0s0, index 2).
func TestDecodeRouteGetReply(t *testing.T) {
	var m RouteMessage
	if err := m.UnmarshalBinary(readHex(t, "route_get_reply.hex")[0]); err != nil {
		t.Fatal(err)
	}
	a := m.Attrs
	switch {
	case m.Dst != netip.MustParsePrefix("192.168.11.5/32") || m.Src.IsValid():
		t.Fatalf("dst %v src %v", m.Dst, m.Src)
	case m.Flags&RouteCloned == 0 || m.Table != TableMain || m.Type != RouteUnicast:
		t.Fatalf("flags %#x table %v type %v", uint32(m.Flags), m.Table, m.Type)
	case a.OIF == nil || *a.OIF != 2 || a.PrefSrc != netip.MustParseAddr("192.168.11.100"):
		t.Fatalf("oif %v prefsrc %v", a.OIF, a.PrefSrc)
	case a.UID == nil || *a.UID != 0 || a.CacheInfo == nil:
		t.Fatalf("uid %v cacheinfo %v", a.UID, a.CacheInfo)
	}
	roundTrip(t, &m, &RouteMessage{})
}

// TestDecodeRoute6Reply decodes `ip -6 route show` replies: 2001:db8::/64
// and fe80::/64, both kernel routes with metric 256 and pref medium.
func TestDecodeRoute6Reply(t *testing.T) {
	var got []string
	for _, b := range readHex(t, "route6_reply.hex") {
		var m RouteMessage
		if err := m.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		if m.Protocol != ProtoKernel || m.Attrs.Priority == nil || *m.Attrs.Priority != 256 ||
			m.Attrs.Pref == nil || m.Attrs.Pref.String() != "medium" {
			t.Fatalf("%s", show(&m))
		}
		got = append(got, m.Dst.String())
		roundTrip(t, &m, &RouteMessage{})
	}
	if !reflect.DeepEqual(got, []string{"2001:db8::/64", "fe80::/64"}) {
		t.Fatalf("destinations %v", got)
	}
}

func TestRouteRoundTrip(t *testing.T) {
	for _, m := range []*RouteMessage{
		{},
		{Family: FamilyInet6, Dst: netip.MustParsePrefix("::/0"), Table: TableMain, Protocol: ProtoRA,
			Type: RouteUnicast, Attrs: RouteAttrs{Gateway: netip.MustParseAddr("fe80::1"), OIF: new(uint32(2)),
				Priority: new(uint32(1024)), Pref: new(RoutePref(3)), Expires: new(uint32(100))}},
		{Family: FamilyInet, Dst: netip.MustParsePrefix("10.0.0.0/8"), Src: netip.MustParsePrefix("192.168.0.0/16"),
			TOS: 4, Table: 100000, Protocol: 99, Scope: ScopeLink, Type: RouteBlackhole, Flags: RouteOnlink,
			Attrs: RouteAttrs{IIF: new(uint32(1)), PrefSrc: netip.MustParseAddr("192.168.0.1"), Mark: new(uint32(7)),
				UID: new(uint32(1000)), Multipath: []byte{1, 2, 3, 4},
				Metrics:   &RouteMetrics{MTU: new(uint32(1400)), Window: new(uint32(1)), AdvMSS: new(uint32(2)), HopLimit: new(uint32(3)), InitCwnd: new(uint32(4)), Lock: new(uint32(2))},
				CacheInfo: &RouteCacheInfo{ClntRef: 1, LastUse: 2, Expires: -3, Error: 4, Used: 5, ID: 6, TS: 7, TSAge: 8}}},
	} {
		roundTrip(t, m, &RouteMessage{})
	}
}

func TestRouteDecodeErrors(t *testing.T) {
	// A destination prefix longer than its address.
	b := append([]byte{2, 40, 0, 0, 254, 3, 0, 1, 0, 0, 0, 0}, 8, 0, 1, 0, 10, 0, 0, 0)
	var m RouteMessage
	if err := m.UnmarshalBinary(b); err == nil {
		t.Fatalf("decoded %s", show(&m))
	}
	if err := m.UnmarshalBinary(b[:11]); err == nil {
		t.Fatal("decoded a short header")
	}
}

func TestRouteNames(t *testing.T) {
	if ProtoBoot.String() != "boot" || RouteProtocol(200).String() != "200" {
		t.Error("protocol names")
	}
	if p, err := ParseRouteProtocol("static"); err != nil || p != ProtoStatic {
		t.Error("parse static")
	}
	if tb, err := ParseTable("1000"); err != nil || tb != 1000 || TableLocal.String() != "local" {
		t.Error("tables")
	}
	if _, err := ParseTable("nosuch"); err == nil {
		t.Error("parsed a bad table")
	}
	if s, err := ParseScope("link"); err != nil || s != ScopeLink || ScopeUniverse.String() != "global" {
		t.Error("scopes")
	}
	if got := (RouteOnlink | RouteLinkdown).Names(); !reflect.DeepEqual(got, []string{"onlink", "linkdown"}) {
		t.Errorf("flags %v", got)
	}
	if got := RouteFlags(0x80000200).CacheNames(); !reflect.DeepEqual(got, []string{"local"}) {
		t.Errorf("cache flags %v", got)
	}
}
