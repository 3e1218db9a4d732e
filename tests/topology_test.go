package tests

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// topoDoc is the part of `nsnet -j topology` the tests read.
// sharedLinkKeys are the keys a topology link shares with `ip -j link`;
// their values must be ip's.
var sharedLinkKeys = []string{"ifindex", "ifname", "link", "link_index", "flags", "mtu", "master", "operstate", "link_type", "address", "link_netnsid"}

type topoDoc struct {
	raw        map[string]any // the whole document, every key
	Namespaces []struct {
		ID      string `json:"id"`
		Name    string `json:"name"`
		PID     int    `json:"pid"`
		Comm    string `json:"comm"`
		Current bool   `json:"current"`
		Inode   uint64 `json:"inode"`
	} `json:"namespaces"`
	Links []struct {
		Netns    string `json:"netns"`
		Ifindex  uint32 `json:"ifindex"`
		Ifname   string `json:"ifname"`
		AddrInfo []struct {
			Local     string `json:"local"`
			Prefixlen int    `json:"prefixlen"`
		} `json:"addr_info"`
	} `json:"links"`
	Routes []struct {
		Netns   string `json:"netns"`
		Dst     string `json:"dst"`
		Gateway string `json:"gateway"`
		Dev     string `json:"dev"`
	} `json:"routes"`
	NAT []struct {
		Netns  string `json:"netns"`
		Kind   string `json:"kind"`
		Object string `json:"object"`
	} `json:"nat"`
	Edges []topoEdge `json:"edges"`
}

type topoEnd struct {
	Netns       string `json:"netns"`
	Ifindex     uint32 `json:"ifindex"`
	Ifname      string `json:"ifname"`
	LinkNetnsid *int32 `json:"link_netnsid"`
}

type topoEdge struct {
	Kind string  `json:"kind"`
	A    topoEnd `json:"a"`
	B    topoEnd `json:"b"`
}

// ipView is what iproute2 (the oracle) says about one namespace.
type ipView struct {
	links []struct {
		Ifindex     uint32  `json:"ifindex"`
		Ifname      string  `json:"ifname"`
		Link        string  `json:"link"`
		LinkIndex   *uint32 `json:"link_index"`
		LinkNetnsid *int32  `json:"link_netnsid"`
		Master      string  `json:"master"`
		Linkinfo    *struct {
			InfoKind string `json:"info_kind"`
		} `json:"linkinfo"`
	}
	addrs []struct {
		Ifindex  uint32 `json:"ifindex"`
		AddrInfo []struct {
			Local     string `json:"local"`
			Prefixlen int    `json:"prefixlen"`
		} `json:"addr_info"`
	}
	ids []struct {
		NSID int32  `json:"nsid"`
		Name string `json:"name"`
	}
	raw    []map[string]any // the links again, every key
	routes []ipRoute
}

type ipRoute struct {
	Dst      string `json:"dst"`
	Gateway  string `json:"gateway"`
	Dev      string `json:"dev"`
	Table    string `json:"table"`
	Protocol string `json:"protocol"`
	Type     string `json:"type"`
}

// ipScript prints, for the namespace that prefix (an ip command prefix
// such as "ip -n red" or "nsenter -t 42 -n ip") names, ip's links (with
// details), addresses, namespace ids and IPv4 and IPv6 routes of every
// table, separated by "===" lines. The
// link dump comes first: it makes the kernel assign the ids list-id shows.
func ipScript(prefix string) string {
	return prefix + " -j -d link; echo ===; " + prefix + " -j addr; echo ===; " + prefix + " -j netns list-id; echo ===; " +
		prefix + " -j -4 route show table all; echo ===; " + prefix + " -j -6 route show table all; echo ==="
}

// parseIPView reads what ipScript printed (five sections) from parts.
func parseIPView(t *testing.T, parts []string) *ipView {
	t.Helper()
	v := &ipView{}
	var routes6 []ipRoute
	for i, dst := range []any{&v.links, &v.addrs, &v.ids, &v.routes, &routes6, &v.raw} {
		if i == 5 {
			i = 0
		}
		if err := json.Unmarshal([]byte(strings.TrimSpace(parts[i])), dst); err != nil {
			t.Fatalf("ip output %d: %v: %q", i, err, parts[i])
		}
	}
	v.routes = append(v.routes, routes6...)
	return v
}

func parseTopo(t *testing.T, out string) *topoDoc {
	t.Helper()
	var d topoDoc
	dec := json.NewDecoder(strings.NewReader(out))
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("topology JSON: %v\n%s", err, out)
	}
	if dec.More() {
		t.Fatalf("topology -j printed more than one JSON document")
	}
	if err := json.Unmarshal([]byte(out), &d.raw); err != nil {
		t.Fatal(err)
	}
	return &d
}

// checkAgainstIP checks the topology against ip's view of every namespace
// in views (keyed by the topology's namespace id): every link and address
// ip lists appears exactly once, with ip's values for the keys they
// share; the routes are ip's less the kernel's own and the local table;
// and every veth, bridge port and macvlan
// edge is the one the kernel reports (peer ifindex and link-netnsid,
// resolved to a namespace through ip's list-id).
func checkAgainstIP(t *testing.T, d *topoDoc, views map[string]*ipView) {
	t.Helper()
	nsIDs := map[string]bool{}
	for _, n := range d.Namespaces {
		if nsIDs[n.ID] {
			t.Errorf("namespace %q listed twice", n.ID)
		}
		nsIDs[n.ID] = true
	}
	type key struct {
		ns  string
		idx uint32
	}
	links := map[key]int{}
	for i, l := range d.Links {
		k := key{l.Netns, l.Ifindex}
		if _, dup := links[k]; dup {
			t.Errorf("link %s/%d listed twice", l.Netns, l.Ifindex)
		}
		links[k] = i
	}
	// edgeWith returns the edges of kind with an end at k, as (this end, other end).
	edgeWith := func(kind string, k key) [][2]topoEnd {
		var out [][2]topoEnd
		for _, e := range d.Edges {
			if e.Kind != kind {
				continue
			}
			if e.A.Netns == k.ns && e.A.Ifindex == k.idx {
				out = append(out, [2]topoEnd{e.A, e.B})
			}
			if e.B.Netns == k.ns && e.B.Ifindex == k.idx {
				out = append(out, [2]topoEnd{e.B, e.A})
			}
		}
		return out
	}
	for ns, v := range views {
		if !nsIDs[ns] {
			t.Errorf("namespace %q missing from the topology", ns)
			continue
		}
		n := 0
		for _, l := range d.Links {
			if l.Netns == ns {
				n++
			}
		}
		if n != len(v.links) {
			t.Errorf("%s: topology has %d links, ip %d", ns, n, len(v.links))
		}
		byName := map[string]uint32{}
		for _, il := range v.links {
			byName[il.Ifname] = il.Ifindex
		}
		for _, il := range v.links {
			i, ok := links[key{ns, il.Ifindex}]
			if !ok || d.Links[i].Ifname != il.Ifname {
				t.Errorf("%s: link %d %s missing", ns, il.Ifindex, il.Ifname)
				continue
			}
			ours := d.raw["links"].([]any)[i].(map[string]any)
			for j, rl := range v.raw {
				if v.links[j].Ifindex != il.Ifindex {
					continue
				}
				for _, k := range sharedLinkKeys {
					if fmt.Sprint(rl[k]) != fmt.Sprint(ours[k]) {
						t.Errorf("%s: link %s: %q is %v, ip -j says %v", ns, il.Ifname, k, ours[k], rl[k])
					}
				}
			}
			kind := ""
			if il.Linkinfo != nil {
				kind = il.Linkinfo.InfoKind
			}
			here := key{ns, il.Ifindex}
			switch {
			case kind == "veth":
				es := edgeWith("veth", here)
				if len(es) != 1 {
					t.Errorf("%s: veth %s: %d edges, want 1", ns, il.Ifname, len(es))
					continue
				}
				o := es[0][1]
				if il.LinkNetnsid == nil {
					if o.Netns != ns || o.Ifindex != byName[il.Link] {
						t.Errorf("%s: veth %s: peer %s/%d, ip says %s in the same namespace", ns, il.Ifname, o.Netns, o.Ifindex, il.Link)
					}
					continue
				}
				if il.LinkIndex == nil || o.Ifindex != *il.LinkIndex {
					t.Errorf("%s: veth %s: peer index %d, ip says %v", ns, il.Ifname, o.Ifindex, il.LinkIndex)
				}
				if o.LinkNetnsid == nil || *o.LinkNetnsid != *il.LinkNetnsid {
					t.Errorf("%s: veth %s: peer end's link_netnsid %v, ip says %d", ns, il.Ifname, o.LinkNetnsid, *il.LinkNetnsid)
				}
				want := ""
				for _, id := range v.ids {
					if id.NSID == *il.LinkNetnsid {
						want = id.Name
					}
				}
				switch {
				case want != "" && o.Netns != want:
					t.Errorf("%s: veth %s: peer in %q, ip says netnsid %d is %q", ns, il.Ifname, o.Netns, *il.LinkNetnsid, want)
				case want == "" && (o.Netns == "" || o.Netns[0] != '/'):
					t.Errorf("%s: veth %s: peer in %q, ip says netnsid %d has no name", ns, il.Ifname, o.Netns, *il.LinkNetnsid)
				}
				// The peer, as ip sees it in its namespace, points back.
				if pv := views[o.Netns]; pv != nil {
					back := false
					for _, pl := range pv.links {
						if pl.Ifindex == o.Ifindex && pl.LinkIndex != nil && *pl.LinkIndex == il.Ifindex && pl.LinkNetnsid != nil {
							back = true
						}
					}
					if !back {
						t.Errorf("%s: veth %s: ip in %s has no veth %d pointing back", ns, il.Ifname, o.Netns, o.Ifindex)
					}
				}
			case kind == "macvlan":
				es := edgeWith("macvlan", here)
				if len(es) != 1 {
					t.Errorf("%s: macvlan %s: %d edges, want 1", ns, il.Ifname, len(es))
				} else if want := byName[il.Link]; il.LinkIndex != nil && es[0][1].Ifindex != *il.LinkIndex || il.LinkIndex == nil && es[0][1].Ifindex != want {
					t.Errorf("%s: macvlan %s: lower %d, ip says %q/%v", ns, il.Ifname, es[0][1].Ifindex, il.Link, il.LinkIndex)
				}
			}
			if il.Master != "" {
				found := false
				for _, e := range edgeWith("bridge", here) {
					if e[1].Netns == ns && e[1].Ifindex == byName[il.Master] {
						found = true
					}
				}
				if !found {
					t.Errorf("%s: %s: no bridge edge to its master %s", ns, il.Ifname, il.Master)
				}
			}
		}
		// Routes: all but the kernel's own and the local table's, once each.
		var want, got []string
		for _, r := range v.routes {
			switch {
			case r.Table == "local", r.Protocol == "kernel", r.Type == "local", r.Type == "broadcast", r.Type == "multicast", r.Type == "anycast":
				continue
			}
			want = append(want, r.Dst+" via "+r.Gateway+" dev "+r.Dev)
		}
		for _, r := range d.Routes {
			if r.Netns == ns {
				got = append(got, r.Dst+" via "+r.Gateway+" dev "+r.Dev)
			}
		}
		sort.Strings(want)
		sort.Strings(got)
		if strings.Join(want, "\n") != strings.Join(got, "\n") {
			t.Errorf("%s: routes %q, ip says %q", ns, got, want)
		}
		for _, ia := range v.addrs {
			i, ok := links[key{ns, ia.Ifindex}]
			if !ok {
				continue
			}
			got := d.Links[i].AddrInfo
			if len(got) != len(ia.AddrInfo) {
				t.Errorf("%s: link %d: %d addresses, ip %d", ns, ia.Ifindex, len(got), len(ia.AddrInfo))
			}
			for _, a := range ia.AddrInfo {
				n := 0
				for _, g := range got {
					if g.Local == a.Local && g.Prefixlen == a.Prefixlen {
						n++
					}
				}
				if n != 1 {
					t.Errorf("%s: link %d: address %s/%d appears %d times", ns, ia.Ifindex, a.Local, a.Prefixlen, n)
				}
			}
		}
	}
}

// gatherViews runs ipScript for each namespace (id -> ip prefix) in one
// shell and parses the output.
func gatherViews(t *testing.T, sb *Sandbox, prefixes map[string]string) map[string]*ipView {
	t.Helper()
	var ids []string
	var script strings.Builder
	for id, p := range prefixes {
		ids = append(ids, id)
		script.WriteString(ipScript(p) + "\n")
	}
	parts := strings.Split(sb.MustSh(script.String()), "===\n")
	views := map[string]*ipView{}
	for i, id := range ids {
		views[id] = parseIPView(t, parts[5*i:5*i+5])
	}
	return views
}

// TestTopologyEdges builds with ip: veth ends renamed to one name in two
// namespaces, a peer moved twice, a bridge with three ports, a macvlan
// moved away from its lower device, a vxlan; and checks nsnet's JSON
// against ip in every namespace, and the text tree and graphs.
func TestTopologyEdges(t *testing.T) {
	sb := NewSandbox(t)
	sb.MustSh(`set -e
for n in n1 n2 n3; do ip netns add $n; done
# One pair, both ends renamed eth0 in two namespaces.
ip link add ta type veth peer name tb
ip link set ta netns n1; ip link set tb netns n2
ip -n n1 link set ta name eth0; ip -n n2 link set tb name eth0
ip -n n1 addr add 10.0.12.1/24 dev eth0; ip -n n2 addr add 10.0.12.2/24 dev eth0
ip -n n1 link set eth0 up; ip -n n2 link set eth0 up
ip -n n1 route add 10.99.0.0/16 via 10.0.12.2
# A peer moved twice: root -> n1 -> n3.
ip link add m0 type veth peer name m1
ip link set m1 netns n1; ip -n n1 link set m1 netns n3
ip addr add 10.0.13.1/24 dev m0; ip -n n3 addr add 10.0.13.3/24 dev m1
# A bridge in n3 with three ports, whose peers are in root, n1 and n2.
ip -n n3 link add br0 type bridge
ip -n n3 addr add 10.0.30.1/24 dev br0
ip -n n3 link add p1 type veth peer name q1 netns $$
ip -n n3 link add p2 type veth peer name q2 netns n1
ip -n n3 link add p3 type veth peer name q3 netns n2
for p in p1 p2 p3; do ip -n n3 link set $p master br0; done
# A macvlan on m0, moved to n2 (its lower device stays in root); a vxlan in n1.
ip link add mv0 link m0 type macvlan mode bridge
ip link set mv0 netns n2
ip -n n1 link add vx0 type vxlan id 42 dev eth0 dstport 4789
`)
	sb.Must("ip", "link", "show", "q1") // "netns $$" above is the sandbox's shell
	sb.MustNSNet("nat", "masquerade", "add", "10.0.13.0/24", "out", "m0")
	d := parseTopo(t, sb.MustNSNet("-j", "topology"))
	views := gatherViews(t, sb, map[string]string{"/self": "ip", "n1": "ip -n n1", "n2": "ip -n n2", "n3": "ip -n n3"})
	checkAgainstIP(t, d, views)

	// The two eth0 are each other's peer, not their own.
	var eth0 []topoEdge
	for _, e := range d.Edges {
		if e.Kind == "veth" && e.A.Ifname == "eth0" && e.B.Ifname == "eth0" {
			eth0 = append(eth0, e)
		}
	}
	if len(eth0) != 1 || eth0[0].A.Netns == eth0[0].B.Netns {
		t.Errorf("eth0 pair: %+v", eth0)
	}
	ports := 0
	for _, e := range d.Edges {
		if e.Kind == "bridge" && e.A.Netns == "n3" && e.A.Ifname == "br0" {
			ports++
		}
	}
	if ports != 3 {
		t.Errorf("br0 has %d port edges, want 3", ports)
	}
	vx := false
	for _, e := range d.Edges {
		if e.Kind == "vxlan" && e.B.Ifname == "vx0" && e.A.Netns == "n1" && e.A.Ifname == "eth0" {
			vx = true
		}
	}
	if !vx {
		t.Errorf("no vxlan edge from n1 eth0 to vx0: %+v", d.Edges)
	}
	routes, nats := 0, 0
	for _, r := range d.Routes {
		if r.Netns == "n1" && r.Dst == "10.99.0.0/16" && r.Gateway == "10.0.12.2" {
			routes++
		}
		if r.Netns == "n1" && r.Dst == "10.0.12.0/24" {
			t.Errorf("connected route listed: %+v", r)
		}
	}
	for _, x := range d.NAT {
		if x.Netns == "/self" && x.Kind == "masquerade" && x.Object == "masquerade 10.0.13.0/24 out m0" {
			nats++
		}
	}
	if routes != 1 || nats != 1 {
		t.Errorf("routes %d, nat %d, want 1 each: %+v %+v", routes, nats, d.Routes, d.NAT)
	}

	// The text tree names the pairs across namespaces; dot and mermaid
	// draw every edge; -n starts from another namespace.
	text := sb.MustNSNet("topo")
	for _, want := range []string{"eth0 in n1  <->  eth0 in n2", "m0 in (nsnet's namespace)  <->  m1 in n3", "ports p1, p2, p3", "route 10.99.0.0/16 via 10.0.12.2 dev eth0"} {
		if !strings.Contains(text, want) {
			t.Errorf("text tree lacks %q:\n%s", want, text)
		}
	}
	dot := sb.MustNSNet("topology", "--format", "dot")
	mermaid := sb.MustNSNet("topology", "--format=mermaid")
	if got, want := strings.Count(dot, " -- n"), len(d.Edges); got < want {
		t.Errorf("dot has %d edges, want at least %d:\n%s", got, want, dot)
	}
	if !strings.HasPrefix(mermaid, "flowchart LR\n") || strings.Count(mermaid, "===|veth|") != strings.Count(dot, `label="veth"`) {
		t.Errorf("mermaid:\n%s", mermaid)
	}
	dn := parseTopo(t, sb.MustNSNet("-n", "n1", "-j", "topology"))
	if dn.Namespaces[0].ID != "n1" || !dn.Namespaces[0].Current {
		t.Errorf("-n n1: first namespace %+v", dn.Namespaces[0])
	}
	WantFail(t, sb.NSNet("topology", "--format", "png"), 255, "png")
	WantFail(t, sb.NSNet("topology", "bogus"), 255, "bogus")
}

// TestTopologyProcessNamespace: a namespace without a name, held only by a
// process, is shown with -all (labelled by the process) and only then;
// without -all the veth into it is an edge with one end outside.
func TestTopologyProcessNamespace(t *testing.T) {
	sb := NewSandbox(t)
	// A private PID namespace, so /proc shows the sandbox's processes only.
	out := sb.MustSh(`unshare --pid --fork --mount-proc sh -c '
set -e
ip netns add named
unshare -n sleep 60 & P=$!
while [ "$(readlink /proc/$P/ns/net)" = "$(readlink /proc/self/ns/net)" ]; do sleep 0.02; done
ip link add u0 type veth peer name u1 netns $P
ip addr add 10.9.9.1/24 dev u0
nsenter -t $P -n ip addr add 10.9.9.2/24 dev u1
ip link add w0 type veth peer name w1 netns named
echo $P; echo ===
$NSNET -j topology; echo ===
$NSNET -j -all topology; echo ===
$NSNET -all topology; echo ===
` + ipScript("ip") + `
` + ipScript("ip -n named") + `
` + ipScript("nsenter -t $P -n ip") + `
kill $P'`)
	parts := strings.Split(out, "===\n")
	pid, err := strconv.Atoi(strings.TrimSpace(parts[0]))
	if err != nil {
		t.Fatalf("pid: %q", parts[0])
	}
	plain, all, text := parseTopo(t, parts[1]), parseTopo(t, parts[2]), parts[3]
	procID := "/pid/" + strconv.Itoa(pid)
	for _, n := range plain.Namespaces {
		if n.PID != 0 {
			t.Errorf("without -all a process namespace is listed: %+v", n)
		}
	}
	var dangling int
	for _, e := range plain.Edges {
		if e.Kind == "veth" && e.A.Ifname == "u0" && e.B.Netns == "" && e.B.LinkNetnsid != nil {
			dangling++
		}
	}
	if dangling != 1 {
		t.Errorf("without -all: want u0's edge with its far end outside, got %+v", plain.Edges)
	}
	found := 0
	for _, n := range all.Namespaces {
		if n.PID == pid && n.Comm == "sleep" && n.ID == procID && n.Name == "" {
			found++
		}
		if n.PID != 0 && n.PID != pid {
			t.Errorf("-all lists another process's namespace: %+v (the shell and sleep's parent share named ones)", n)
		}
	}
	if found != 1 || len(all.Namespaces) != 3 {
		t.Errorf("-all: want the sandbox, named and pid %d (sleep) once each: %+v", pid, all.Namespaces)
	}
	if !strings.Contains(text, "pid "+strconv.Itoa(pid)+" (sleep)") {
		t.Errorf("text tree does not label the namespace by its process:\n%s", text)
	}
	views := map[string]*ipView{
		"/self": parseIPView(t, parts[4:9]),
		"named": parseIPView(t, parts[9:14]),
		procID:  parseIPView(t, parts[14:19]),
	}
	checkAgainstIP(t, all, views)
}

// svgGroups parses an SVG with encoding/xml and returns, for each <g
// id="nsN">, the texts inside it.
func svgGroups(t *testing.T, svg string) map[string][]string {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(svg))
	groups := map[string][]string{}
	cur, inText := "", false
	var text strings.Builder
	root := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not valid XML: %v", err)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			if tk.Name.Local == "svg" && tk.Name.Space == "http://www.w3.org/2000/svg" {
				root = true
			}
			if tk.Name.Local == "g" {
				for _, a := range tk.Attr {
					if a.Name.Local == "id" {
						cur = a.Value
					}
				}
			}
			if tk.Name.Local == "text" {
				inText = true
				text.Reset()
			}
		case xml.CharData:
			if inText {
				text.Write(tk)
			}
		case xml.EndElement:
			if tk.Name.Local == "text" && cur != "" {
				groups[cur] = append(groups[cur], strings.TrimSpace(text.String()))
				inText = false
			}
			if tk.Name.Local == "g" {
				cur = ""
			}
		}
	}
	if !root {
		t.Fatal("no <svg> root in the SVG namespace")
	}
	return groups
}

// TestTopologyFifty: 50 namespaces, each joined to the sandbox by a veth
// whose inner end is called eth0 in every one. The JSON matches ip in all
// 51; the SVG is valid XML whose box for each namespace names it, its
// links and their addresses; and it is the same bytes twice.
func TestTopologyFifty(t *testing.T) {
	sb := NewSandbox(t)
	sb.MustSh(`set -e
for i in $(seq 1 50); do
	n=$(printf t%02d $i); h=$(printf h%02d $i)
	ip netns add $n
	ip link add $h type veth peer name eth0 netns $n
	ip addr add 10.50.$i.1/24 dev $h; ip link set $h up
	ip -n $n addr add 10.50.$i.2/24 dev eth0; ip -n $n link set eth0 up
done
# Carrier and the IPv6 link-local addresses come asynchronously after
# "up": wait for them, so that nsnet and ip below see one state.
for try in $(seq 100); do
	settled=1
	for i in $(seq 1 50); do
		n=$(printf t%02d $i); h=$(printf h%02d $i)
		for c in "ip -n $n -6 addr show dev eth0" "ip -6 addr show dev $h"; do
			out=$($c)
			case $out in *tentative*) settled=0 ;; *LOWER_UP*fe80::*) ;; *) settled=0 ;; esac
		done
	done
	[ $settled = 1 ] && break
	sleep 0.1
done`)
	d := parseTopo(t, sb.MustNSNet("-j", "topology"))
	if len(d.Namespaces) != 51 {
		t.Fatalf("%d namespaces, want 51", len(d.Namespaces))
	}
	prefixes := map[string]string{"/self": "ip"}
	for i := 1; i <= 50; i++ {
		prefixes[fmt.Sprintf("t%02d", i)] = fmt.Sprintf("ip -n t%02d", i)
	}
	views := gatherViews(t, sb, prefixes)
	checkAgainstIP(t, d, views)

	svg := sb.MustNSNet("topology", "--format", "svg")
	if again := sb.MustNSNet("topology", "--format", "svg"); again != svg {
		t.Error("the SVG differs between two runs over the same state")
	}
	groups := svgGroups(t, svg)
	if len(groups) != 51 {
		t.Fatalf("%d namespace boxes, want 51", len(groups))
	}
	for i, n := range d.Namespaces {
		texts := strings.Join(groups["ns"+strconv.Itoa(i)], "\n")
		label := n.Name
		if label == "" {
			label = "(nsnet's namespace)"
		}
		if !strings.HasPrefix(texts, label+"\n") {
			t.Errorf("box ns%d does not start with %q: %q", i, label, texts)
		}
		for _, l := range d.Links {
			if l.Netns != n.ID {
				continue
			}
			if !strings.Contains(texts, "\n"+l.Ifname+"  ") {
				t.Errorf("box of %s does not name link %s", label, l.Ifname)
			}
			for _, a := range l.AddrInfo {
				if !strings.Contains(texts, "\n"+a.Local+"/"+strconv.Itoa(a.Prefixlen)+"\n") {
					t.Errorf("box of %s does not name address %s/%d", label, a.Local, a.Prefixlen)
				}
			}
		}
	}
	if n := strings.Count(svg, `class="veth"`); n != 50 {
		t.Errorf("%d veth lines in the SVG, want 50", n)
	}
}

// TestTopologyInUpFile: topology is allowed in an up file, runs after the
// lines before it, and down skips it.
func TestTopologyInUpFile(t *testing.T) {
	sb := NewSandbox(t)
	writeFile(t, sb, "/run/t.nsnet", "netns add blue\nlink add b0 type veth peer name b1 netns blue\ntopology\n")
	if out := sb.MustNSNet("up", "--dry-run", "/run/t.nsnet"); !strings.Contains(out, "t.nsnet:3: show (read-only)") {
		t.Fatalf("dry run:\n%s", out)
	}
	out := sb.MustNSNet("up", "/run/t.nsnet")
	if !strings.Contains(out, "b0 in (nsnet's namespace)  <->  b1 in blue") {
		t.Fatalf("up did not show the topology it built:\n%s", out)
	}
	sb.MustNSNet("down", "/run/t.nsnet")
	if out := sb.Must("ls", "-A", "/run/netns"); out != "" {
		t.Fatalf("down left %q", out)
	}
	writeFile(t, sb, "/run/b.nsnet", "netns add red\n-n red topology\n")
	if out := sb.MustNSNet("-j", "-batch", "/run/b.nsnet"); !strings.Contains(out, `"id":"red"`) {
		t.Fatalf("batch:\n%s", out)
	}
}

// TestTopologyUnprivileged: as nobody, topology still shows nsnet's own
// namespace (no setns needed), and says why it cannot read the others.
func TestTopologyUnprivileged(t *testing.T) {
	sb := NewSandbox(t)
	sb.MustSh("ip netns add r1 && ip link add v0 type veth peer name v1 netns r1")
	out := sb.Must("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", nsnetBin, "topology")
	for _, want := range []string{"├── v0  veth  DOWN  mtu 1500", "r1  [netns; forwarding unknown]", "setns: operation not permitted"} {
		if !strings.Contains(out, want) {
			t.Errorf("as nobody, no %q:\n%s", want, out)
		}
	}
}
