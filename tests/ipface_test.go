package tests

import (
	"strings"
	"testing"
)

// TestRouteLocalTypesTableLocal checks that local, broadcast and anycast
// routes go to table local unless a table is named, as ip puts them, and
// that deleting them by type finds them there.
func TestRouteLocalTypesTableLocal(t *testing.T) {
	sb := routeSandbox(t)
	sb.MustNSNet("route", "add", "local", "10.0.0.5", "dev", "va")
	sb.MustNSNet("route", "add", "broadcast", "10.0.0.255", "dev", "va")
	sb.MustNSNet("route", "add", "anycast", "10.0.0.7", "dev", "va")
	sb.MustNSNet("route", "add", "local", "10.0.0.6", "dev", "va", "table", "main")
	v4 := ipRoutes(t, sb, false)
	for key, typ := range map[string]string{
		"local/10.0.0.5/<nil>":   "local",
		"local/10.0.0.255/<nil>": "broadcast",
		"local/10.0.0.7/<nil>":   "anycast",
		"main/10.0.0.6/<nil>":    "local",
	} {
		if r := v4[key]; r == nil || r["type"] != typ {
			t.Errorf("%s: got %v, want a %s route", key, r, typ)
		}
	}
	if got := sb.MustNSNet("route", "show", "table", "local", "type", "local"); !containsLine(got, "local 10.0.0.5 dev va scope host ") {
		t.Errorf("route show table local type local:\n%s", got)
	}
	sb.MustNSNet("route", "del", "local", "10.0.0.5", "dev", "va")
	if r := ipRoutes(t, sb, false)["local/10.0.0.5/<nil>"]; r != nil {
		t.Errorf("route del local left %v", r)
	}
}

// containsLine says whether out has line as one of its lines.
func containsLine(out, line string) bool {
	for _, l := range strings.Split(out, "\n") {
		if l == line {
			return true
		}
	}
	return false
}
