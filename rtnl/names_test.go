package rtnl_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/nsnet/nsnet/rtnl"
)

// Each parser takes back what String prints, takes numbers, and names the
// bad token in its error.
func TestParseNames(t *testing.T) {
	type parser struct {
		names []string
		parse func(string) (string, error)
	}
	str := func(s interface{ String() string }, err error) (string, error) {
		if err != nil {
			return "", err
		}
		return s.String(), nil
	}
	for _, p := range []parser{
		{[]string{"main", "local", "default", "100", "4294967295"}, func(s string) (string, error) { return str(rtnl.ParseTable(s)) }},
		{[]string{"kernel", "boot", "static", "dhcp", "bird", "77"}, func(s string) (string, error) { return str(rtnl.ParseRouteProtocol(s)) }},
		{[]string{"unicast", "local", "blackhole", "unreachable", "prohibit", "throw", "xresolve"}, func(s string) (string, error) { return str(rtnl.ParseRouteType(s)) }},
		{[]string{"global", "site", "link", "host", "nowhere", "77"}, func(s string) (string, error) { return str(rtnl.ParseScope(s)) }},
		{[]string{"private", "vepa", "bridge", "passthru", "source"}, func(s string) (string, error) { return str(rtnl.ParseMacvlanMode(s)) }},
	} {
		for _, n := range p.names {
			if got, err := p.parse(n); err != nil || got != n {
				t.Errorf("%q parses and prints as %q, %v", n, got, err)
			}
		}
		if _, err := p.parse("bogus1"); err == nil || !strings.Contains(err.Error(), `"bogus1"`) {
			t.Errorf("bogus1: %v", err)
		}
	}
	if s, err := rtnl.ParseScope("universe"); err != nil || s != rtnl.ScopeUniverse {
		t.Errorf("universe: %v %v", s, err)
	}
	if _, err := rtnl.ParseRouteType("none"); err == nil {
		t.Error(`route type "none" parsed`)
	}
	if _, err := rtnl.ParseTable("4294967296"); err == nil {
		t.Error("a table above 32 bits parsed")
	}
}

// The String methods print iproute2's names, or the number.
func TestStrings(t *testing.T) {
	for _, c := range []struct {
		v    interface{ String() string }
		want string
	}{
		{rtnl.TableUnspec, "unspec"}, {rtnl.RouteType(200), "200"}, {rtnl.RouteProtocol(250), "250"},
		{rtnl.FamilyUnspec, "unspec"}, {rtnl.FamilyInet, "inet"}, {rtnl.FamilyInet6, "inet6"},
		{rtnl.FamilyBridge, "bridge"}, {rtnl.FamilyMPLS, "mpls"}, {rtnl.Family(99), "99"},
		{rtnl.Scope(99), "99"}, {rtnl.MacvlanMode(3), "3"},
		{rtnl.LinkModeDefault, "DEFAULT"}, {rtnl.LinkModeDormant, "DORMANT"}, {rtnl.LinkModeTesting, "TESTING"}, {rtnl.LinkMode(9), "9"},
		{rtnl.HardwareEther, "ether"}, {rtnl.HardwareLoopback, "loopback"}, {rtnl.HardwareNone, "none"}, {rtnl.HardwareVoid, "void"},
		{rtnl.RoutePref(0), "medium"}, {rtnl.RoutePref(1), "high"}, {rtnl.RoutePref(3), "low"}, {rtnl.RoutePref(2), "2"},
		{rtnl.OperState(6), "UP"}, {rtnl.OperState(60), "60"},
		{rtnl.AddrNoDAD, "nodad dynamic"}, // not permanent: iproute2 says dynamic
	} {
		if got := c.v.String(); got != c.want {
			t.Errorf("%#v prints %q, want %q", c.v, got, c.want)
		}
	}
	for a, want := range map[string]rtnl.Family{"10.0.0.1": rtnl.FamilyInet, "::ffff:10.0.0.1": rtnl.FamilyInet6, "2001:db8::1": rtnl.FamilyInet6} {
		if got := rtnl.FamilyOf(netip.MustParseAddr(a)); got != want {
			t.Errorf("FamilyOf(%s) = %v, want %v", a, got, want)
		}
	}
	if got := rtnl.FamilyOf(netip.Addr{}); got != rtnl.FamilyUnspec {
		t.Errorf("FamilyOf(zero) = %v", got)
	}
}

// Dial fails on a namespace that does not exist, naming it, before any
// socket is opened.
func TestDialMissingNamespace(t *testing.T) {
	for _, name := range []string{"/nonexistent/netns/x", "nsnet-no-such-namespace"} {
		c, err := rtnl.Dial(&rtnl.Config{NetNSName: name})
		if err == nil {
			c.Close()
			t.Fatalf("Dial %s: no error", name)
		}
		if !strings.Contains(err.Error(), "nsnet-no-such-namespace") && !strings.Contains(err.Error(), "/nonexistent/netns/x") {
			t.Errorf("Dial %s: %v", name, err)
		}
	}
}
