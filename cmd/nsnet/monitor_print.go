package main

import (
	"fmt"

	"strings"

	"github.com/nsnet/nsnet/rtnl"
)

// neighEventText writes a neighbour as `ip neigh` prints it (the
// "Deleted " prefix is the caller's).
func neighEventText(b *strings.Builder, n *rtnl.NeighEvent, tab *linkTable) {
	if n.Dst.IsValid() {
		fmt.Fprintf(b, "%s ", n.Dst)
	}
	if n.Index != 0 {
		fmt.Fprintf(b, "dev %s ", tab.name(n.Index))
	}
	if n.LLAddr != nil {
		fmt.Fprintf(b, "lladdr %s ", n.LLAddr)
	}
	for _, f := range monNeighFlagNames(n) {
		b.WriteString(f + " ")
	}
	for _, s := range n.StateNames() {
		b.WriteString(s + " ")
	}
	if n.Protocol != 0 {
		fmt.Fprintf(b, "proto %s ", rtnl.RouteProtocol(n.Protocol))
	}
	b.WriteString("\n")
}

// monNeighFlagNames are the flag words ip prints after lladdr.
func monNeighFlagNames(n *rtnl.NeighEvent) []string {
	var out []string
	if n.Flags&rtnl.NeighFlagRouter != 0 {
		out = append(out, "router")
	}
	if n.Flags&rtnl.NeighFlagProxy != 0 {
		out = append(out, "proxy")
	}
	if n.FlagsExt&rtnl.NeighFlagExtManaged != 0 {
		out = append(out, "managed")
	}
	if n.Flags&rtnl.NeighFlagExtLearned != 0 {
		out = append(out, "extern_learn")
	}
	if n.Flags&rtnl.NeighFlagOffloaded != 0 {
		out = append(out, "offload")
	}
	return out
}

// neighEventJSON is a neighbour in the keys of `ip -j neigh`.
func neighEventJSON(n *rtnl.NeighEvent, tab *linkTable) *obj {
	o := &obj{}
	if n.Dst.IsValid() {
		o.add("dst", n.Dst.String())
	}
	if n.Index != 0 {
		o.add("dev", tab.name(n.Index))
	}
	if n.LLAddr != nil {
		o.add("lladdr", n.LLAddr.String())
	}
	for _, f := range monNeighFlagNames(n) {
		o.add(f, nil)
	}
	if n.State != 0 {
		o.add("state", n.StateNames())
	}
	if n.Protocol != 0 {
		o.add("protocol", rtnl.RouteProtocol(n.Protocol).String())
	}
	return o
}
