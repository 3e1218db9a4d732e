package main

import (
	"io"
	"net/netip"
	"strings"
	"testing"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/nltest"
	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/plan"
	"github.com/nsnet/nsnet/rtnl"
)

// TestRouteGetOptions: route get sends ip's flags and attributes for
// fibmatch, notify, uid and tos (words abbreviated as ip allows), lists a
// fibmatch answer as route show does, prints -o on one line, and with -s
// a cache entry's users and age; route add sends expires.
func TestRouteGetOptions(t *testing.T) {
	k := nltest.NewModel()
	var last rtnl.RouteMessage
	sessionOptions = &plan.Options{Dial: func(ref nsfs.Ref, fd int, family string) (io.Closer, error) {
		return nltest.Rtnl(func(req []netlink.Message) ([]netlink.Message, error) {
			if req[0].Header.Type == unix.RTM_GETROUTE {
				last = rtnl.RouteMessage{}
				if err := last.UnmarshalBinary(req[0].Data); err != nil {
					t.Fatal(err)
				}
			}
			return k.Func()(req)
		}, nil), nil
	}}
	t.Cleanup(func() { sessionOptions = nil })
	v0 := k.AddLink("v0", "veth", 0)
	k.Routes = append(k.Routes, rtnl.RouteMessage{Family: rtnl.FamilyInet, Table: rtnl.TableMain, Flags: rtnl.RouteCloned, Type: rtnl.RouteUnicast,
		Dst: netip.MustParsePrefix("10.2.0.5/32"), Attrs: rtnl.RouteAttrs{OIF: &v0.Index,
			CacheInfo: &rtnl.RouteCacheInfo{ClntRef: 2, LastUse: 300, Expires: 9900}}})

	code, out, stderr := nsnet("", "route get 10.2.0.5 fibm not u 1000 tos 0x10")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if want := rtnl.RouteFibMatch | rtnl.RouteNotify | rtnl.RouteLookupTable; last.Flags != want || last.TOS != 0x10 ||
		last.Attrs.UID == nil || *last.Attrs.UID != 1000 {
		t.Errorf("request flags %v tos %#x uid %v", last.Flags, last.TOS, last.Attrs.UID)
	}
	if !strings.HasPrefix(out, "10.2.0.5 dev v0 ") {
		t.Errorf("fibmatch answer %q", out)
	}
	_, out, _ = nsnet("", "route get 10.2.0.5")
	if out != "10.2.0.5 dev v0 \n    cache expires 99sec \n" {
		t.Errorf("route get: %q", out)
	}
	_, out, _ = nsnet("", "-s route get 10.2.0.5")
	if !strings.Contains(out, "cache expires 99sec users 2 age 3sec ") {
		t.Errorf("-s route get: %q", out)
	}
	_, out, _ = nsnet("", "-o route get 10.2.0.5")
	if strings.Count(out, "\n") != 1 || !strings.Contains(out, "\\") {
		t.Errorf("-o route get: %q", out)
	}
	if code, _, stderr := nsnet("", "route get 10.2.0.5 ipproto tcp dport 443 sport 1000"); code != 0 ||
		last.Attrs.IPProto == nil || *last.Attrs.IPProto != 6 || last.Attrs.DPort == nil || *last.Attrs.DPort != 443 ||
		last.Attrs.SPort == nil || *last.Attrs.SPort != 1000 {
		t.Errorf("route get ipproto tcp dport 443 sport 1000: exit %d (%s), sent %+v", code, stderr, last.Attrs)
	}
	if code, _, stderr := nsnet("", "route get 10.2.0.5 frob"); code != 1 || !strings.Contains(stderr, "frob") {
		t.Errorf("a bad second address: exit %d, %q", code, stderr)
	}

	if code, _, stderr := nsnet("", "route add 2001:db8:1::/64 dev v0 expires 100"); code != 0 {
		t.Fatalf("route add expires: exit %d: %s", code, stderr)
	}
	r := k.Routes[len(k.Routes)-1]
	if r.Attrs.Expires == nil || *r.Attrs.Expires != 100 {
		t.Errorf("route add expires 100 sent %v", r.Attrs.Expires)
	}
	if code, _, stderr := nsnet("", "route add 2001:db8:2::/64 dev v0 expires soon"); code != 255 || !strings.Contains(stderr, "soon") {
		t.Errorf("expires soon: exit %d, %q", code, stderr)
	}
}

// TestRouteRealms: route add sends realms as RTA_FLOW, route show prints
// them as ip ("realm D", "realms S/D") and selects by either half.
func TestRouteRealms(t *testing.T) {
	k := onModel(t)
	k.AddLink("v0", "veth", 0)
	for _, line := range []string{"route add 10.8.0.0/24 dev v0 realm 5", "route add 10.9.0.0/24 dev v0 realms 3/4"} {
		if code, _, stderr := nsnet("", line); code != 0 {
			t.Fatalf("%s: exit %d: %s", line, code, stderr)
		}
	}
	if f := k.Routes[1].Attrs.Flow; f == nil || *f != 3<<16|4 {
		t.Fatalf("realms 3/4 sent as %v", f)
	}
	for _, tc := range []struct{ sel, want string }{
		{"", "realm 5 "}, {"", "realms 3/4 "}, {"realms 4", "10.9.0.0/24"}, {"realms 3/", "10.9.0.0/24"},
	} {
		_, out, _ := nsnet("", strings.TrimSpace("route show "+tc.sel))
		if !strings.Contains(out, tc.want) || tc.sel != "" && strings.Count(out, "\n") != 1 {
			t.Errorf("route show %s: %q, want %q", tc.sel, out, tc.want)
		}
	}
	if code, _, _ := nsnet("", "route add 10.12.0.0/24 dev v0 realm x"); code != 255 {
		t.Errorf("realm x: exit %d, want 255", code)
	}
}
