package topo

import (
	"bufio"
	"io"
	"sort"
	"strconv"
	"strings"
)

// nodeID is a graph node's id for an end: "n<ns>_<ifindex>", or
// "x<ns>_<nsid>_<ifindex>" for an end outside the topology (named by the
// other end's namespace and the id it gave).
func nodeID(e, other End) string {
	if e.NS >= 0 {
		return "n" + itoa(e.NS) + "_" + strconv.FormatUint(uint64(e.Index), 10)
	}
	id := -1
	if e.NSID != nil {
		id = int(*e.NSID)
	}
	return "x" + itoa(other.NS) + "_" + strconv.Itoa(id) + "_" + strconv.FormatUint(uint64(e.Index), 10)
}

// natTargets returns the interfaces a NAT object names with the direction
// of its traffic: from is where connections come from, to where they go.
func natTargets(x *NAT) (from, to []string) {
	switch x.Kind {
	case "masquerade":
		if x.Out != "" {
			to = append(to, x.Out)
		}
	case "forward":
		from, to = []string{x.A, x.B}, []string{x.A, x.B}
	case "publish":
		if x.In != "" {
			from = append(from, x.In)
		}
	}
	return from, to
}

// linkByName finds a link of n by name.
func (n *Namespace) linkByName(name string) *Link {
	for i := range n.Links {
		if n.Links[i].Name == name {
			return &n.Links[i]
		}
	}
	return nil
}

// linkLabel is a node's label lines: name and kind, then the addresses.
func linkLabel(l *Link) []string {
	kind := l.Kind
	if kind == "" {
		kind = l.LinkType
	}
	lines := []string{l.Name + " (" + kind + ", " + l.OperState + ")"}
	for _, a := range l.Addrs {
		lines = append(lines, a.Prefix())
	}
	return lines
}

// dotQuote quotes s for Graphviz.
func dotQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

// WriteDot writes the topology as a Graphviz graph: a cluster per
// namespace, a node per link and per NAT object, an edge per veth pair,
// bridge port and lower device, and arrows from NAT objects in the
// direction of the traffic they rewrite.
func (t *Topology) WriteDot(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("graph topology {\n  graph [rankdir=LR, fontname=\"sans-serif\"];\n  node [shape=box, fontname=\"sans-serif\", fontsize=10];\n")
	extern := map[string]string{}
	for i, n := range t.Namespaces {
		bw.WriteString("  subgraph cluster_" + itoa(i) + " {\n")
		bw.WriteString("    label=" + dotQuote(n.Label()+"\nforwarding "+fwd(n)) + ";\n")
		for j := range n.Links {
			l := &n.Links[j]
			bw.WriteString("    " + nodeID(End{NS: i, Index: l.Index}, End{}) + " [label=" + dotQuote(strings.Join(linkLabel(l), "\n")) + "];\n")
		}
		for j := range n.NAT {
			bw.WriteString("    nat" + itoa(i) + "_" + itoa(j) + " [shape=note, label=" + dotQuote(n.NAT[j].Object) + "];\n")
		}
		if len(n.Routes) > 0 {
			var rs []string
			for j := range n.Routes {
				rs = append(rs, routeText(&n.Routes[j]))
			}
			bw.WriteString("    routes" + itoa(i) + " [shape=plaintext, label=" + dotQuote(strings.Join(rs, "\n")) + "];\n")
		}
		bw.WriteString("  }\n")
	}
	for _, e := range t.Edges {
		a, b := nodeID(e.A, e.B), nodeID(e.B, e.A)
		for _, x := range [][2]End{{e.A, e.B}, {e.B, e.A}} {
			if x[0].NS < 0 {
				extern[nodeID(x[0], x[1])] = t.endText(x[0], x[1], -2)
			}
		}
		style := ""
		switch e.Kind {
		case "veth":
			style = " [label=\"veth\", penwidth=2]"
		case "bridge":
			style = " [label=\"port\", style=dashed]"
		default:
			style = " [label=" + dotQuote(e.Kind) + ", style=dotted]"
		}
		bw.WriteString("  " + a + " -- " + b + style + ";\n")
	}
	for _, id := range sortedKeys(extern) {
		bw.WriteString("  " + id + " [shape=box, style=dashed, label=" + dotQuote(extern[id]) + "];\n")
	}
	for i, n := range t.Namespaces {
		for j := range n.NAT {
			x := &n.NAT[j]
			id := "nat" + itoa(i) + "_" + itoa(j)
			from, to := natTargets(x)
			for _, f := range from {
				if l := n.linkByName(f); l != nil && x.Kind != "forward" {
					bw.WriteString("  " + nodeID(End{NS: i, Index: l.Index}, End{}) + " -- " + id + " [dir=forward, color=red, label=\"in\"];\n")
				}
			}
			for _, f := range to {
				if l := n.linkByName(f); l != nil {
					dir := "forward"
					if x.Kind == "forward" {
						dir = "both"
					}
					bw.WriteString("  " + id + " -- " + nodeID(End{NS: i, Index: l.Index}, End{}) + " [dir=" + dir + ", color=red, label=" + dotQuote(x.Kind) + "];\n")
				}
			}
		}
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// mermaidText escapes a label for Mermaid: quotes become #quot; and lines
// are joined with <br/>.
func mermaidText(lines []string) string {
	for i, l := range lines {
		l = strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;").Replace(l)
		lines[i] = l
	}
	return `"` + strings.Join(lines, "<br/>") + `"`
}

// WriteMermaid writes the topology as a Mermaid flowchart (GitHub and
// many documentation sites render it): a subgraph per namespace, a node
// per link and NAT object, veth pairs as thick lines, bridge ports dashed,
// and NAT arrows in the direction of the traffic they rewrite.
func (t *Topology) WriteMermaid(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("flowchart LR\n")
	for i, n := range t.Namespaces {
		bw.WriteString("  subgraph ns" + itoa(i) + " [" + mermaidText([]string{n.Label() + " · forwarding " + fwd(n)}) + "]\n")
		for j := range n.Links {
			l := &n.Links[j]
			bw.WriteString("    " + nodeID(End{NS: i, Index: l.Index}, End{}) + "[" + mermaidText(linkLabel(l)) + "]\n")
		}
		for j := range n.NAT {
			bw.WriteString("    nat" + itoa(i) + "_" + itoa(j) + "{{" + mermaidText([]string{n.NAT[j].Object}) + "}}\n")
		}
		bw.WriteString("  end\n")
	}
	extern := map[string]string{}
	for _, e := range t.Edges {
		a, b := nodeID(e.A, e.B), nodeID(e.B, e.A)
		for _, x := range [][2]End{{e.A, e.B}, {e.B, e.A}} {
			if x[0].NS < 0 {
				extern[nodeID(x[0], x[1])] = t.endText(x[0], x[1], -2)
			}
		}
		switch e.Kind {
		case "veth":
			bw.WriteString("  " + a + " ===|veth| " + b + "\n")
		case "bridge":
			bw.WriteString("  " + a + " -.-|port| " + b + "\n")
		default:
			bw.WriteString("  " + a + " ---|" + e.Kind + "| " + b + "\n")
		}
	}
	for _, id := range sortedKeys(extern) {
		bw.WriteString("  " + id + "[" + mermaidText([]string{extern[id]}) + "]\n")
	}
	for i, n := range t.Namespaces {
		for j := range n.NAT {
			x := &n.NAT[j]
			id := "nat" + itoa(i) + "_" + itoa(j)
			from, to := natTargets(x)
			if x.Kind == "forward" {
				if a, b := n.linkByName(x.A), n.linkByName(x.B); a != nil && b != nil {
					bw.WriteString("  " + nodeID(End{NS: i, Index: a.Index}, End{}) + " <-->|forward| " + nodeID(End{NS: i, Index: b.Index}, End{}) + "\n")
				}
				continue
			}
			for _, f := range from {
				if l := n.linkByName(f); l != nil {
					bw.WriteString("  " + nodeID(End{NS: i, Index: l.Index}, End{}) + " -->|in| " + id + "\n")
				}
			}
			for _, f := range to {
				if l := n.linkByName(f); l != nil {
					bw.WriteString("  " + id + " -->|" + x.Kind + "| " + nodeID(End{NS: i, Index: l.Index}, End{}) + "\n")
				}
			}
		}
	}
	return bw.Flush()
}
