package rtnl

import (
	"net/netip"
	"reflect"
	"testing"
)

// TestDecodeAddrReply decodes the kernel's replies to `ip addr show dev
// veth0s0`: 192.168.11.100/24, 2001:db8::1/64 nodad and a tentative
// link-local address.
func TestDecodeAddrReply(t *testing.T) {
	msgs := readHex(t, "addr_reply.hex")
	if len(msgs) != 3 {
		t.Fatalf("%d messages", len(msgs))
	}
	var got []AddrMessage
	for _, b := range msgs {
		var m AddrMessage
		if err := m.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		roundTrip(t, &m, &AddrMessage{})
		got = append(got, m)
	}
	v4, v6, ll := got[0], got[1], got[2]
	if v4.Family != FamilyInet || v4.Prefix() != netip.MustParsePrefix("192.168.11.100/24") ||
		v4.Attrs.Label != "veth0s0" || v4.Scope != ScopeUniverse || v4.Index != 2 {
		t.Fatalf("v4: %s", show(&v4))
	}
	if v4.Attrs.CacheInfo == nil || v4.Attrs.CacheInfo.Valid != LifetimeForever {
		t.Fatalf("v4 cacheinfo: %+v", v4.Attrs.CacheInfo)
	}
	if got := v4.Flags.Names(v4.Family); !reflect.DeepEqual(got, []string(nil)) {
		t.Fatalf("v4 flags %v", got)
	}
	if v6.Prefix() != netip.MustParsePrefix("2001:db8::1/64") || v6.Flags&AddrNoDAD == 0 {
		t.Fatalf("v6: %s", show(&v6))
	}
	if got := v6.Flags.Names(v6.Family); !reflect.DeepEqual(got, []string{"nodad"}) {
		t.Fatalf("v6 flags %v", got)
	}
	if ll.Scope != ScopeLink || ll.Flags&AddrTentative == 0 {
		t.Fatalf("link-local: %s", show(&ll))
	}
}

func TestAddrRoundTrip(t *testing.T) {
	for _, m := range []*AddrMessage{
		{},
		{Family: FamilyInet, PrefixLen: 32, Flags: AddrSecondary | AddrPermanent, Scope: ScopeHost, Index: 1,
			Attrs: AddrAttrs{Local: netip.MustParseAddr("10.2.2.2"), Address: netip.MustParseAddr("10.2.2.3"),
				Broadcast: netip.MustParseAddr("10.2.2.255"), Label: "lo:x", Priority: new(uint32(5))}},
		{Family: FamilyInet6, PrefixLen: 64, Flags: AddrNoPrefixRoute | AddrManageTempAddr | AddrNoDAD, Index: 9,
			Attrs: AddrAttrs{Address: netip.MustParseAddr("2001:db8::5"), Anycast: netip.MustParseAddr("2001:db8::"),
				Multicast: netip.MustParseAddr("ff02::1"),
				CacheInfo: &AddrCacheInfo{Preferred: 10, Valid: 20, Created: 30, Updated: 40}}},
	} {
		roundTrip(t, m, &AddrMessage{})
	}
}

func TestAddrFlagNames(t *testing.T) {
	for _, tt := range []struct {
		f    AddrFlags
		fam  Family
		want []string
	}{
		{AddrPermanent, FamilyInet, nil},
		{AddrSecondary | AddrPermanent, FamilyInet, []string{"secondary"}},
		{AddrSecondary, FamilyInet6, []string{"temporary", "dynamic"}},
		{AddrTentative | AddrNoPrefixRoute | AddrPermanent, FamilyInet6, []string{"tentative", "noprefixroute"}},
		{AddrPermanent | 0x10000, FamilyInet, []string{"flags 10000"}},
	} {
		if got := tt.f.Names(tt.fam); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%#x/%v: %q, want %q", uint32(tt.f), tt.fam, got, tt.want)
		}
	}
}

func TestAddrFlagsWide(t *testing.T) {
	// Flags above the eighth bit go in IFA_FLAGS with a zero header byte.
	m := &AddrMessage{Family: FamilyInet6, PrefixLen: 64, Flags: AddrNoDAD | AddrNoPrefixRoute, Index: 4,
		Attrs: AddrAttrs{Local: netip.MustParseAddr("2001:db8::1")}}
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if b[2] != 0 {
		t.Fatalf("header flags %#x", b[2])
	}
	roundTrip(t, m, &AddrMessage{})
}
