package main

import (
	"strings"

	"github.com/nsnet/nsnet/topo"
)

const topologyHelp = `Usage: nsnet [ -n NAME ] [ -j [ -p ] ] [ -all ] topology [ -all ] [ --format FORMAT ]
       (abbreviation: topo)

Shows every named namespace (/run/netns), the namespace nsnet runs in (the -n
one with -n) and, with -all, every other network namespace a process holds,
labelled by the process: for each its links (kind, state, MTU, addresses), its
default and non-connected routes, forwarding, and nsnet's NAT objects; and the
links between them: veth pairs (matched by peer index and link-netnsid, never by
name), bridges with their ports, macvlan and vxlan links with their lower device.
FORMAT := { text | json | dot | mermaid | svg }
  text     a tree for terminals (the default)
  json     one document: namespaces, links, routes, nat, edges (also -j);
           links, addresses and routes use ip -j's keys
  dot      Graphviz;  mermaid  a Mermaid flowchart (GitHub renders it)
  svg      a self-contained picture drawn by nsnet itself
It only reads: it may appear in -batch and up files, where it changes nothing.
`

// topologyCmd is `nsnet topology`.
type topologyCmd struct {
	format string
	all    bool
}

func parseTopology(args []string, opt options) (command, error) {
	c := topologyCmd{format: "text", all: opt.all}
	if opt.json {
		c.format = "json"
	}
	a := &argv{w: args}
	for a.more() {
		w := a.next()
		opt := strings.TrimLeft(w, "-")
		switch {
		case isHelp(w):
			return helpCmd{text: topologyHelp}, nil
		case opt == "all" || opt == "a":
			c.all = true
		case opt == "format" || opt == "f" || strings.HasPrefix(w, "--format=") || strings.HasPrefix(w, "-format="):
			v, ok := strings.CutPrefix(opt, "format=")
			if !ok {
				var err error
				if v, err = a.value(w); err != nil {
					return nil, err
				}
			}
			if !validFormat(v) {
				return nil, usagef("topology: unknown format %q (want %s)", v, strings.Join(topo.Formats, ", "))
			}
			c.format = v
		default:
			return nil, usagef("topology: unexpected argument %q (try \"nsnet topology help\")", w)
		}
	}
	return c, nil
}

func validFormat(f string) bool {
	for _, v := range topo.Formats {
		if f == v {
			return true
		}
	}
	return false
}

func (c topologyCmd) run(e *env) error {
	t, err := topo.Gather(topo.Options{Base: e.ns, All: c.all, Trace: e.s.trace, TraceHex: e.s.traceHex, Capture: e.s.capture})
	if err != nil {
		return err
	}
	return topo.Render(e.out, t, c.format, e.opt.pretty)
}

// readOnly marks topology as a command an up file may hold (see readOnly).
func (topologyCmd) readOnly() {}
