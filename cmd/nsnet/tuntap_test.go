package main

import (
	"strings"
	"testing"

	"github.com/nsnet/nsnet/plan"
	"github.com/nsnet/nsnet/rtnl"
)

// TestParseTuntap: ip's tuntap grammar (abbreviations, user and group by
// number, name with or without a keyword) and its errors with ip's
// wording and exit statuses.
func TestParseTuntap(t *testing.T) {
	u32 := func(v uint32) *uint32 { return &v }
	for _, tc := range []struct {
		line string
		want tuntapChange
	}{
		{"tuntap add dev tap0 mode tap", tuntapChange{op: "add", t: plan.TunTapAdd{Name: "tap0", Mode: "tap"}}},
		{"tuntap a tun0 m tun u 0 g 12 pi o vnet_hdr mu", tuntapChange{op: "add",
			t: plan.TunTapAdd{Name: "tun0", Mode: "tun", Owner: u32(0), Group: u32(12), PI: true, OneQueue: true, VnetHdr: true, MultiQueue: true}}},
		{"tap add name t1 mode ta", tuntapChange{op: "add", t: plan.TunTapAdd{Name: "t1", Mode: "tap"}}},
		{"tuntap del dev tap0 mode tap multi_queue", tuntapChange{op: "del", t: plan.TunTapAdd{Name: "tap0", Mode: "tap", MultiQueue: true}}},
	} {
		c, err := parseCommand(strings.Fields(tc.line), options{})
		if err != nil {
			t.Fatalf("%s: %v", tc.line, err)
		}
		got, ok := c.(tuntapChange)
		if !ok || got.op != tc.want.op || got.t.Name != tc.want.t.Name || got.t.Mode != tc.want.t.Mode ||
			got.t.PI != tc.want.t.PI || got.t.OneQueue != tc.want.t.OneQueue || got.t.VnetHdr != tc.want.t.VnetHdr ||
			got.t.MultiQueue != tc.want.t.MultiQueue || (got.t.Owner == nil) != (tc.want.t.Owner == nil) || (got.t.Group == nil) != (tc.want.t.Group == nil) {
			t.Errorf("%s: %+v, want %+v", tc.line, c, tc.want)
		}
	}
	for _, tc := range []struct {
		line, ip string
		code     int
	}{
		{"tuntap add dev tap9", "You failed to specify a tunnel mode", 1},
		{"tuntap add dev tap9 mode foo", `Unknown tunnel mode "foo"`, 255},
		{"tuntap add dev tap9 mode tap mode tun", "You managed to ask for more than one tunnel mode.", 255},
		{"tuntap add dev tap9 mode tap user no-such-user-here", `invalid user "no-such-user-here"`, 255},
		{"tuntap add dev tap9 tap8 mode tap", `Error: either "name" is duplicate, or "tap8" is a garbage.`, 255},
		{"tuntap add dev a/b mode tap", `Error: argument "a/b" is wrong: "dev" not a valid ifname`, 255},
		{"tuntap frob", `Command "frob" is unknown, try "ip tuntap help".`, 255},
		{"tuntap del dev tap0 mode tap user 7", `Error: either "name" is duplicate, or "user" is a garbage.`, 255},
	} {
		_, err := parseCommand(strings.Fields(tc.line), options{})
		var ie *ipErr
		if !errorAs(err, &ie) || ie.ip != tc.ip || ie.code != tc.code {
			t.Errorf("%s: %v, want ip's %q exit %d", tc.line, err, tc.ip, tc.code)
		}
	}
	if c, _ := parseCommand([]string{"tu"}, options{}); c != nil {
		t.Errorf("tu: %T, want ip's tunnel (not implemented)", c)
	}
	if c, _ := parseCommand([]string{"tuntap"}, options{}); c == nil {
		t.Error("tuntap alone: no command")
	}
}

func TestTunFlags(t *testing.T) {
	one, two := uint8(1), uint8(2)
	d := &rtnl.Tun{Type: &one, PI: &one, MultiQueue: &one, VnetHdr: &one, Persist: &one}
	if got := strings.Join(tunFlags(d), " "); got != "tun pi multi_queue vnet_hdr persist filter" {
		t.Errorf("flags %q", got)
	}
	if got := strings.Join(tunFlags(&rtnl.Tun{Type: &two}), " "); got != "tap" {
		t.Errorf("flags %q", got)
	}
}
