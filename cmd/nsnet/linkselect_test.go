package main

import (
	"strings"
	"testing"

	"github.com/nsnet/nsnet/rtnl"
)

// TestLinkSelect: the selectors link and address listings share, on
// hand-built links: a bridge port, the bridge, a veth with no master.
func TestLinkSelect(t *testing.T) {
	u32 := func(v uint32) *uint32 { return &v }
	port := &rtnl.LinkMessage{Index: 3, Flags: rtnl.LinkUp, Attrs: rtnl.LinkAttrs{Name: "p0", Master: u32(5), Group: u32(0),
		Info: &rtnl.LinkInfo{Kind: "veth", SlaveKind: "bridge"}}}
	br := &rtnl.LinkMessage{Index: 5, Attrs: rtnl.LinkAttrs{Name: "br0", Group: u32(7), Info: &rtnl.LinkInfo{Kind: "bridge"}}}
	lone := &rtnl.LinkMessage{Index: 6, Attrs: rtnl.LinkAttrs{Name: "v0", Info: &rtnl.LinkInfo{Kind: "veth"}}}
	for _, tc := range []struct {
		args string
		want string // the names selected, in order
	}{
		{"", "p0 br0 v0"},
		{"type bridge_slave", "p0"},
		{"type veth", "p0 v0"},
		{"type bridge", "br0"},
		{"nomaster", "br0 v0"},
		{"up", "p0"},
		{"group 7", "br0"},
		{"group default", "p0"},
	} {
		var s linkSelect
		a := &argv{w: strings.Fields(tc.args)}
		for a.more() {
			if ok, err := s.parseWord(a.next(), a); !ok || err != nil {
				t.Fatalf("%q: %v %v", tc.args, ok, err)
			}
		}
		var got []string
		for _, l := range []*rtnl.LinkMessage{port, br, lone} {
			if s.pass(l) {
				got = append(got, l.Attrs.Name)
			}
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%q selects %q, want %q", tc.args, got, tc.want)
		}
	}
	s := linkSelect{master: "br0", masterIdx: 5}
	if !s.pass(port) || s.pass(br) || s.pass(lone) {
		t.Error("master br0: the port only")
	}
	var g linkSelect
	if _, err := g.parseWord("group", &argv{w: []string{"x"}}); err == nil {
		t.Error("group x: no error")
	}
}
