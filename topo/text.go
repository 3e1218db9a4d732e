package topo

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

func itoa(i int) string { return strconv.Itoa(i) }

// nsHeader is a namespace's heading: its label and what kind it is.
func nsHeader(n *Namespace) string {
	var b strings.Builder
	b.WriteString(n.Label())
	var tags []string
	switch {
	case n.Current && n.Name != "":
		tags = append(tags, "netns, nsnet's namespace")
	case n.Name != "":
		tags = append(tags, "netns")
	case n.PID != 0:
		tags = append(tags, "held by a process")
	}
	tags = append(tags, "forwarding "+fwd(n))
	b.WriteString("  [" + strings.Join(tags, "; ") + "]")
	return b.String()
}

// fwd says which families a namespace forwards: "ipv4 on, ipv6 off".
func fwd(n *Namespace) string {
	var parts []string
	for _, f := range []struct {
		name string
		v    *bool
	}{{"ipv4", n.IPv4Forwarding}, {"ipv6", n.IPv6Forwarding}} {
		if f.v == nil {
			continue
		}
		s := "off"
		if *f.v {
			s = "on"
		}
		parts = append(parts, f.name+" "+s)
	}
	if len(parts) == 0 {
		return "unknown"
	}
	return strings.Join(parts, ", ")
}

// linkLine is one link as the tree shows it: name, kind, state, MTU.
func linkLine(l *Link) string {
	kind := l.Kind
	if kind == "" {
		kind = l.LinkType
	}
	return l.Name + "  " + kind + "  " + l.OperState + "  mtu " + strconv.FormatUint(uint64(l.MTU), 10)
}

// relations returns what joins link index of namespace ns to others, in
// words: "veth peer veth0s1 in nstest", "port of br0", "ports a, b".
func (t *Topology) relations(ns int, index uint32) []string {
	here := End{NS: ns, Index: index}
	var out, ports []string
	for _, e := range t.Edges {
		switch {
		case e.Kind == "veth" && e.A.NS == here.NS && e.A.Index == here.Index:
			out = append(out, "veth peer "+t.endText(e.B, e.A, ns))
		case e.Kind == "veth" && e.B.NS == here.NS && e.B.Index == here.Index:
			out = append(out, "veth peer "+t.endText(e.A, e.B, ns))
		case e.A.NS == here.NS && e.A.Index == here.Index && (e.Kind == "bridge" || e.Kind == "master"):
			ports = append(ports, t.devName(e.B))
		case e.B.NS == here.NS && e.B.Index == here.Index && (e.Kind == "bridge" || e.Kind == "master"):
			out = append(out, "port of "+t.devName(e.A))
		case e.A.NS == here.NS && e.A.Index == here.Index:
			out = append(out, "lower device of "+e.Kind+" "+t.endText(e.B, e.A, ns))
		case e.B.NS == here.NS && e.B.Index == here.Index:
			out = append(out, "on "+t.endText(e.A, e.B, ns))
		}
	}
	if len(ports) > 0 {
		out = append(out, "ports "+strings.Join(ports, ", "))
	}
	return out
}

// endText names an end, with its namespace when it is not ns.
func (t *Topology) endText(e, other End, ns int) string {
	if e.NS == ns {
		return t.devName(e)
	}
	if e.NS < 0 && other.NS == ns {
		id := "?"
		if e.NSID != nil {
			id = strconv.Itoa(int(*e.NSID))
		}
		return "if" + strconv.FormatUint(uint64(e.Index), 10) + " in netnsid " + id + " (a namespace not shown; -all looks further)"
	}
	if e.NS < 0 {
		return "if" + strconv.FormatUint(uint64(e.Index), 10) + " in " + t.nsLabel(e, other)
	}
	return t.devName(e) + " in " + t.Namespaces[e.NS].Label()
}

// routeText is a route as `ip route` prints it, shortly.
func routeText(r *Route) string {
	var b strings.Builder
	if r.Type != "" {
		b.WriteString(r.Type + " ")
	}
	b.WriteString(r.Dst)
	if r.Gateway.IsValid() {
		b.WriteString(" via " + r.Gateway.String())
	}
	if r.Dev != "" {
		b.WriteString(" dev " + r.Dev)
	}
	if r.Table != "" {
		b.WriteString(" table " + r.Table)
	}
	if r.PrefSrc.IsValid() {
		b.WriteString(" src " + r.PrefSrc.String())
	}
	if r.Metric != nil && *r.Metric != 0 {
		b.WriteString(" metric " + strconv.FormatUint(uint64(*r.Metric), 10))
	}
	return b.String()
}

// natText is a NAT object with its direction spelled out.
func natText(x *NAT) string {
	s := x.Object
	switch x.Kind {
	case "masquerade":
		out := x.Out
		if out == "" {
			out = "any interface"
		}
		s += "   (" + x.Source.String() + " -> out " + out + ", source rewritten)"
	case "forward":
		s += "   (" + x.A + " <-> " + x.B + ")"
	case "publish":
		in := x.In
		if in == "" {
			in = "any interface"
		}
		s += "   (in " + in + " " + listenString(x.Listen) + " -> " + x.To.String() + ", destination rewritten)"
	}
	if !x.Intact && x.Kind != "rule" {
		s += "  [rules edited]"
	}
	return s
}

// WriteText writes the topology as a tree for terminals: each namespace
// with its links (addresses and what joins them), routes and NAT, then
// the links between namespaces.
func (t *Topology) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for i, n := range t.Namespaces {
		if i > 0 {
			bw.WriteString("\n")
		}
		bw.WriteString(nsHeader(n) + "\n")
		type item struct {
			head string
			sub  []string
		}
		var items []item
		for j := range n.Links {
			l := &n.Links[j]
			var sub []string
			var addrs []string
			for _, a := range l.Addrs {
				addrs = append(addrs, a.Prefix())
			}
			if len(addrs) > 0 {
				sub = append(sub, strings.Join(addrs, "  "))
			}
			sub = append(sub, t.relations(i, l.Index)...)
			items = append(items, item{head: linkLine(l), sub: sub})
		}
		for j := range n.Routes {
			items = append(items, item{head: "route " + routeText(&n.Routes[j])})
		}
		for j := range n.NAT {
			items = append(items, item{head: "nat " + natText(&n.NAT[j])})
		}
		for _, note := range n.Notes {
			items = append(items, item{head: "note: " + note})
		}
		for j, it := range items {
			branch, cont := "├── ", "│   "
			if j == len(items)-1 {
				branch, cont = "└── ", "    "
			}
			bw.WriteString(branch + it.head + "\n")
			for _, s := range it.sub {
				bw.WriteString(cont + "    " + s + "\n")
			}
		}
	}
	var cross []string
	for _, e := range t.Edges {
		if e.A.NS == e.B.NS {
			continue
		}
		cross = append(cross, e.Kind+"  "+t.endText(e.A, e.B, -2)+"  <->  "+t.endText(e.B, e.A, -2))
	}
	if len(cross) > 0 {
		bw.WriteString("\nbetween namespaces:\n")
		for _, c := range cross {
			bw.WriteString("  " + c + "\n")
		}
	}
	return bw.Flush()
}
