package topo

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/netip"
	"strings"
	"testing"
)

func i32(v int32) *int32 { return &v }

// sample is a host with a veth into nstest, a same-namespace veth pair on
// a bridge, a macvlan, masquerade and a publish, built by hand.
func sample() *Topology {
	on, off := true, false
	host := &Namespace{ID: "/self", Current: true, Inode: 1, IPv4Forwarding: &on, IPv6Forwarding: &off,
		Links: []Link{
			{Index: 1, Name: "lo", LinkType: "loopback", OperState: "UNKNOWN", MTU: 65536, Flags: []string{"LOOPBACK", "UP"},
				Addrs: []Addr{{Family: "inet", Local: netip.MustParseAddr("127.0.0.1"), PrefixLen: 8, Scope: "host"}}},
			{Index: 2, Name: "veth0s0", Kind: "veth", LinkType: "ether", OperState: "UP", MTU: 1500, Peer: 2, PeerNSID: i32(0),
				Addrs: []Addr{{Family: "inet", Local: netip.MustParseAddr("192.168.11.100"), PrefixLen: 24, Scope: "global"}}},
			{Index: 3, Name: "br0", Kind: "bridge", LinkType: "ether", OperState: "UP", MTU: 1500},
			{Index: 4, Name: "p0", Kind: "veth", SlaveKind: "bridge", Master: 3, Peer: 5, LinkType: "ether", OperState: "UP", MTU: 1500},
			{Index: 5, Name: "p1", Kind: "veth", Peer: 4, LinkType: "ether", OperState: "UP", MTU: 1500},
			{Index: 6, Name: "mv0", Kind: "macvlan", Peer: 5, LinkType: "ether", OperState: "DOWN", MTU: 1500},
		},
		Routes: []Route{{Dst: "default", Gateway: netip.MustParseAddr("192.168.11.1"), Dev: "veth0s0", Protocol: "boot", Scope: "global", Family: "inet"}},
		NAT: []NAT{
			{Kind: "masquerade", Object: "masquerade 192.168.11.0/24 out veth0s0", Source: netip.MustParsePrefix("192.168.11.0/24"), Out: "veth0s0", Intact: true},
			{Kind: "publish", Object: "publish 8080/tcp to 192.168.11.101:80", Proto: "tcp", Listen: netip.AddrPortFrom(netip.Addr{}, 8080), To: netip.MustParseAddrPort("192.168.11.101:80"), Intact: true},
		},
	}
	ns := &Namespace{ID: "nstest", Name: "nstest", Inode: 2, IPv4Forwarding: &off,
		Links: []Link{
			{Index: 1, Name: "lo", LinkType: "loopback", OperState: "DOWN", MTU: 65536},
			{Index: 2, Name: "veth0s1", Kind: "veth", LinkType: "ether", OperState: "UP", MTU: 1500, Peer: 2, PeerNSID: i32(7),
				Addrs: []Addr{{Family: "inet", Local: netip.MustParseAddr("192.168.11.101"), PrefixLen: 24, Scope: "global"}}},
		}}
	t := &Topology{Namespaces: []*Namespace{host, ns}}
	hs := []*nsHandle{{nsids: map[int32]int{0: 1}}, {nsids: map[int32]int{7: 0}}}
	t.Edges = edges(t, hs)
	return t
}

func TestEdges(t *testing.T) {
	tp := sample()
	type e struct {
		kind       string
		an, ai     int
		bn, bi     int
		anid, bnid int32
	}
	var got []e
	for _, x := range tp.Edges {
		g := e{kind: x.Kind, an: x.A.NS, ai: int(x.A.Index), bn: x.B.NS, bi: int(x.B.Index), anid: -1, bnid: -1}
		if x.A.NSID != nil {
			g.anid = *x.A.NSID
		}
		if x.B.NSID != nil {
			g.bnid = *x.B.NSID
		}
		got = append(got, g)
	}
	want := []e{
		// The veth across namespaces, found once from each end: the host
		// end is numbered 7 by nstest, nstest's end 0 by the host.
		{kind: "veth", an: 0, ai: 2, bn: 1, bi: 2, anid: 7, bnid: 0},
		{kind: "bridge", an: 0, ai: 3, bn: 0, bi: 4, anid: -1, bnid: -1},
		{kind: "veth", an: 0, ai: 4, bn: 0, bi: 5, anid: -1, bnid: -1},
		{kind: "macvlan", an: 0, ai: 5, bn: 0, bi: 6, anid: -1, bnid: -1},
	}
	if len(got) != len(want) {
		t.Fatalf("edges %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("edge %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestUnresolvedPeer(t *testing.T) {
	tp := sample()
	tp.Namespaces = tp.Namespaces[:1]
	tp.Edges = edges(tp, []*nsHandle{{nsids: map[int32]int{0: -1}}})
	e := tp.Edges[0]
	if e.Kind != "veth" || e.A.NS != 0 || e.B.NS != -1 || e.B.Index != 2 || e.B.NSID == nil || *e.B.NSID != 0 {
		t.Fatalf("edge to a namespace outside: %+v", e)
	}
	var b bytes.Buffer
	if err := tp.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "veth peer if2 in netnsid 0 (a namespace not shown; -all looks further)") ||
		!strings.Contains(b.String(), "veth  veth0s0 in (nsnet's namespace)  <->  if2 in netnsid 0 of (nsnet's namespace)") {
		t.Errorf("text:\n%s", b.String())
	}
}

func TestJSON(t *testing.T) {
	var b bytes.Buffer
	if err := sample().WriteJSON(&b, false); err != nil {
		t.Fatal(err)
	}
	var d map[string][]map[string]any
	if err := json.Unmarshal(b.Bytes(), &d); err != nil {
		t.Fatalf("%v: %s", err, b.String())
	}
	for _, k := range []string{"namespaces", "links", "routes", "nat", "edges"} {
		if _, ok := d[k]; !ok {
			t.Errorf("no %q in %s", k, b.String())
		}
	}
	l := d["links"][1]
	if l["ifname"] != "veth0s0" || l["link_index"] != 2.0 || l["link_netnsid"] != 0.0 || l["netns"] != "/self" {
		t.Errorf("veth0s0: %v", l)
	}
	if p := d["links"][3]; p["master"] != "br0" || p["link"] != "p1" {
		t.Errorf("p0: %v", p)
	}
	if r := d["routes"][0]; r["dst"] != "default" || r["gateway"] != "192.168.11.1" || r["dev"] != "veth0s0" {
		t.Errorf("route: %v", r)
	}
	if x := d["nat"][1]; x["listen"] != ":8080" || x["to"] != "192.168.11.101:80" {
		t.Errorf("publish: %v", x)
	}
}

func TestSVG(t *testing.T) {
	var a, b bytes.Buffer
	if err := sample().WriteSVG(&a); err != nil {
		t.Fatal(err)
	}
	if err := sample().WriteSVG(&b); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Error("two SVGs of one topology differ")
	}
	dec := xml.NewDecoder(bytes.NewReader(a.Bytes()))
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not XML: %v", err)
		}
		if cd, ok := tok.(xml.CharData); ok {
			text.Write(cd)
		}
	}
	for _, want := range []string{"(nsnet's namespace)", "nstest", "veth0s1", "192.168.11.101/24", "NAT masquerade 192.168.11.0/24 → out veth0s0", "NAT publish :8080/tcp → 192.168.11.101:80"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("SVG text lacks %q", want)
		}
	}
	if !strings.Contains(a.String(), `marker-end="url(#arrow)"`) {
		t.Error("no NAT arrow")
	}
}

func TestRenderFormats(t *testing.T) {
	for _, f := range Formats {
		var b bytes.Buffer
		if err := Render(&b, sample(), f, true); err != nil || b.Len() == 0 {
			t.Errorf("%s: %v, %d bytes", f, err, b.Len())
		}
	}
	if err := Render(io.Discard, sample(), "png", false); err == nil || !strings.Contains(err.Error(), `"png"`) {
		t.Errorf("png: %v", err)
	}
	var b bytes.Buffer
	Render(&b, sample(), "dot", false)
	if !strings.Contains(b.String(), "n0_2 -- n1_2 [label=\"veth\"") || !strings.Contains(b.String(), "nat0_0 -- n0_2 [dir=forward") {
		t.Errorf("dot:\n%s", b.String())
	}
	b.Reset()
	Render(&b, sample(), "text", false)
	for _, want := range []string{"veth0s0 in (nsnet's namespace)  <->  veth0s1 in nstest", "ports p0", "port of br0", "lower device of macvlan mv0", "route default via 192.168.11.1 dev veth0s0"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
}
