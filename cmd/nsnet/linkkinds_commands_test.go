package main

import (
	"strings"
	"testing"
)

// TestLinkKindsOnFakeKernel: the kinds this machine's kernel lacks
// (tests/compat/kinds.txt's lines) are parsed with iproute2's options and
// sent; the fake kernel takes them, so what arrives can be checked: the
// kind, the name and the lower link. Bad options fail as ip 6.1 fails on
// them (its words and exit statuses), before anything is sent.
func TestLinkKindsOnFakeKernel(t *testing.T) {
	k := onFakeHost(t)
	mustRun(t, "link add e0 type veth peer name e1")
	e0 := k.Links["e0"].Index
	for _, c := range []struct{ line, name, kind string }{
		{"link add dev d0 type dummy", "d0", "dummy"},
		{"link add link e0 name e0.100 type vlan id 100", "e0.100", "vlan"},
		{"link add link e0 name e0.200 type vlan proto 802.1ad id 200", "e0.200", "vlan"},
		{"link add ipv0 link e0 type ipvlan mode l2", "ipv0", "ipvlan"},
		{"link add ipv1 link e0 type ipvlan mode l3 bridge", "ipv1", "ipvlan"},
		{"link add dev wg0 type wireguard", "wg0", "wireguard"},
		{"link add gre1 type gre remote 10.0.0.2 local 10.0.0.1 ttl 255", "gre1", "gre"},
		{"link add gretap1 type gretap remote 10.0.0.2 local 10.0.0.1", "gretap1", "gretap"},
		{"link add name bareudp0 type bareudp dstport 6635 ethertype mpls_uc", "bareudp0", "bareudp"},
		{"link add dev xfrm0 type xfrm dev lo if_id 0xf", "xfrm0", "xfrm"},
		{"link add dummy1 address 02:00:00:00:00:01 type dummy", "dummy1", "dummy"},
	} {
		mustRun(t, c.line)
		l := k.Links[c.name]
		if l == nil || l.Attrs.Info == nil || l.Attrs.Info.Kind != c.kind {
			t.Errorf("%s: made %+v", c.line, l)
			continue
		}
		if strings.Contains(c.line, "link e0") && (l.Attrs.Link == nil || *l.Attrs.Link != e0) {
			t.Errorf("%s: lower link %v, want e0's index %d", c.line, l.Attrs.Link, e0)
		}
	}
	if a := k.Links["dummy1"].Attrs.Address.String(); a != "02:00:00:00:00:01" {
		t.Errorf("dummy1's address %s", a)
	}
	reqs := k.Requests
	wantErr(t, "link add link e0 name vl2 type vlan id x", 255, `"x"`)
	wantErr(t, "link add link e0 name vl2 type vlan protocol 802.1zz id 3", 255, "802.1zz")
	wantErr(t, "link add gre2 type gre remote nothost", 1, "nothost")
	wantErr(t, "link add gre3 type gre ttl 300", 255, "300")
	wantErr(t, "link add b0 type bareudp dstport 6635 ethertype bogus", 255, "bogus")
	wantErr(t, "link add ipv2 link e0 type ipvlan mode l9", 1, "mode")
	wantErr(t, "link add x0 type xfrm if_id zz", 255, "zz")
	wantErr(t, "link add vx1 type vxlan id 16777216", 255, "16777216")
	if k.Requests != reqs {
		// Looking up a lower link by name is all that may reach it.
		t.Logf("%d requests for bad options", k.Requests-reqs)
	}
	wantErr(t, "link add name vl0 link nosuch0 type vlan id 5", 1, "nosuch0")
	wantErr(t, "link add e9 type veth peer name e0", 2, "file exists")
}

// TestLinkDetailsOnFakeKernel: -d shows a vxlan's and a macvlan's data as
// ip 6.1 prints the same link (the fields the fake keeps: what the link
// was made with), in text and JSON.
func TestLinkDetailsOnFakeKernel(t *testing.T) {
	onFakeHost(t)
	mustRun(t, "link add e0 type veth peer name e1",
		"link add vx0 type vxlan id 42 dstport 4789 remote 10.0.0.2 dev e0",
		"link add mv0 link e0 type macvlan mode bridge")
	_, out, _ := nsnet("", "-d link show vx0")
	if !strings.Contains(out, "\n    vxlan id 42 remote 10.0.0.2 dev e0 ") || !strings.Contains(out, " dstport 4789 ") {
		t.Errorf("-d link show vx0:\n%s", out)
	}
	_, out, _ = nsnet("", "-d -j link show vx0")
	for _, w := range []string{`"ifname":"vx0"`, `"linkinfo":{"info_kind":"vxlan","info_data":{"id":42,"remote":"10.0.0.2","link":"e0"`, `"port":4789`} {
		if !strings.Contains(out, w) {
			t.Errorf("-d -j link show vx0: no %s in\n%s", w, out)
		}
	}
	_, out, _ = nsnet("", "-d link show mv0")
	if !strings.Contains(out, ": mv0@e0: <") || !strings.Contains(out, "\n    macvlan mode bridge ") {
		t.Errorf("-d link show mv0:\n%s", out)
	}
	_, out, _ = nsnet("", "-d -j link show mv0")
	if !strings.Contains(out, `"ifindex":5,"link":"e0","ifname":"mv0"`) || !strings.Contains(out, `"info_kind":"macvlan","info_data":{"mode":"bridge"`) {
		t.Errorf("-d -j link show mv0:\n%s", out)
	}
}
