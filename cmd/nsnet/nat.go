package main

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/nsnet/nsnet/nat"
	"github.com/nsnet/nsnet/plan"
	"github.com/nsnet/nsnet/sysctl"
)

const natHelp = `Usage: nsnet nat [ show ]
       nsnet nat masquerade { add | del } PREFIX [ out IFACE ]
       nsnet nat forward { add | del } IFACE IFACE
       nsnet nat publish { add | del } [ADDR:]PORT[/tcp|/udp] to ADDR:PORT [ in IFACE ]
       nsnet nat flush
       nsnet [-j] [-t | -ts] nat monitor [ rcvbuf BYTES ]

NAT and forwarding with nf_tables, in a table of nsnet's own ("table inet nsnet")
that nothing else touches; "nft list ruleset" shows every rule with a comment
saying what it is. Each change is one atomic transaction; adding what exists
changes nothing, deleting what is absent fails.

masquerade  rewrite the source of connections from PREFIX (IPv4 or IPv6) to the
            address of the interface they leave by (all interfaces, or IFACE);
            like iptables -t nat -A POSTROUTING -s PREFIX [-o IFACE] -j MASQUERADE
forward     accept forwarded traffic between the two interfaces, both ways (new
            connections and replies). An accept here cannot undo a drop in
            another table (Docker's FORWARD policy DROP): nsnet warns about those
publish     like docker -p: connections to the host's PORT (any local address,
            or ADDR; arriving on any interface, or IFACE) go to ADDR:PORT, also
            from the host itself; IPv6 as [2001:db8::1]:8080
show        list nsnet's rules (-j JSON, -s counters, -d the rules themselves);
            each object counts into a named counter of its own ("nft list
            counters": forward/IF_A/IF_B, masquerade/PREFIX[/IFACE], publish/...)
flush       delete nsnet's table and everything in it, and nothing else
monitor     print every nf_tables change in the namespace, of every table, as
            "nft monitor" does (tables, chains, rules, sets, elements, objects,
            "# new generation" lines), until SIGINT/SIGTERM; -j: one JSON
            object per change. When the kernel drops notifications (the
            socket's queue, rcvbuf bytes, default 4 MiB, is full) nsnet says so
            on stderr ({"event":"overrun"} with -j) and lists the tables,
            chains and rules again ({"event":"sync",...}, {"event":"synced"})

Forwarding must be on in the namespace that routes:
  nsnet sysctl -w net.ipv4.ip_forward=1
`

// parseNat parses "nat ...".
func parseNat(args []string, opt options) (command, error) {
	a := &argv{w: args}
	if !a.more() {
		return natShow{}, nil
	}
	word := a.next()
	switch {
	case matches(word, "show") || matches(word, "list") || word == "ls":
		return natShow{}, a.noMore()
	case matches(word, "flush"):
		return natFlush{}, a.noMore()
	case len(word) >= 2 && matches(word, "monitor"):
		return parseNatMonitor(a)
	case matches(word, "masquerade"), matches(word, "forward"), matches(word, "publish"):
		kind := "masquerade"
		switch {
		case matches(word, "forward"):
			kind = "forward"
		case matches(word, "publish"):
			kind = "publish"
		}
		if !a.more() {
			return nil, usagef("nat %s: missing add or del", kind)
		}
		verb := a.next()
		var add bool
		switch {
		case matches(verb, "add"):
			add = true
		case matches(verb, "delete"):
		default:
			return nil, usagef("nat %s: unknown command %q (want add or del)", kind, verb)
		}
		o, err := nat.ParseObject(kind + " " + strings.Join(a.rest(), " "))
		if err != nil {
			return nil, usagef("nat %s", err)
		}
		if add {
			return natAdd{obj: o}, nil
		}
		return natDel{obj: o}, nil
	}
	return nil, usagef("unknown nat command %q (try \"nsnet nat help\")", word)
}

// nat returns the nf_tables connection of the command's namespace.
func (e *env) nat() (*nat.Conn, error) {
	c, err := e.conn("nat", func(fd int) (io.Closer, error) {
		return nat.Dial(&nat.Config{NetNS: fd, Trace: e.s.trace, TraceHex: e.s.traceHex, TraceNS: e.ns, Capture: e.s.capture})
	})
	if err != nil {
		return nil, err
	}
	return c.(*nat.Conn), nil
}

// Every mutating nat command can be undone by up/down.
var (
	_ reversible = natAdd{}
	_ reversible = natDel{}
	_ reversible = natFlush{}
)

type natAdd struct{ obj nat.Object }

func (c natAdd) run(e *env) error {
	conn, err := e.nat()
	if err != nil {
		return err
	}
	err = conn.Add(c.obj)
	if errors.Is(err, nat.ErrExist) {
		e.notef("nat %s: already there, nothing to do", c.obj)
		err = nil
	}
	if err != nil {
		return err
	}
	natWarn(e, conn, c.obj)
	return nil
}

func (c natAdd) inverse(e *env) (command, error) { return natDel(c), nil }

// applied: the object is there with all its rules (plan.NATAdd).
func (c natAdd) applied(e *env) (bool, error) {
	ref, err := e.ref()
	if err != nil {
		return false, err
	}
	return plan.NATAdd{NS: ref, Object: c.obj}.Applied(e.ctx, e.s.ps)
}

type natDel struct{ obj nat.Object }

func (c natDel) run(e *env) error {
	conn, err := e.nat()
	if err != nil {
		return err
	}
	return conn.Delete(c.obj)
}

func (c natDel) inverse(e *env) (command, error) { return natAdd(c), nil }

// applied: the object is gone (plan.NATDel).
func (c natDel) applied(e *env) (bool, error) {
	ref, err := e.ref()
	if err != nil {
		return false, err
	}
	return plan.NATDel{NS: ref, Object: c.obj}.Applied(e.ctx, e.s.ps)
}

type natFlush struct{}

func (natFlush) run(e *env) error {
	conn, err := e.nat()
	if err != nil {
		return err
	}
	err = conn.Flush()
	if errors.Is(err, nat.ErrNotExist) {
		e.notef("nat flush: no table %s %s, nothing to do", nat.TableFamily, nat.TableName)
		return nil
	}
	return err
}

// inverse adds back every object the table holds now.
func (natFlush) inverse(e *env) (command, error) {
	conn, err := e.nat()
	if err != nil {
		return nil, err
	}
	entries, err := conn.List()
	if err != nil {
		return nil, err
	}
	var adds natAdds
	for _, ent := range entries {
		if ent.Object != nil {
			adds = append(adds, natAdd{obj: ent.Object})
		}
	}
	return adds, nil
}

func (natFlush) applied(e *env) (bool, error) {
	conn, err := e.nat()
	if err != nil {
		return false, err
	}
	tables, err := conn.Tables(nat.TableFamily)
	if err != nil {
		return false, err
	}
	for _, t := range tables {
		if t.Name == nat.TableName {
			return false, nil
		}
	}
	return true, nil
}

// natAdds runs several adds in order (the inverse of a flush).
type natAdds []natAdd

func (cs natAdds) run(e *env) error {
	for _, c := range cs {
		if err := c.run(e); err != nil {
			return err
		}
	}
	return nil
}

// natWarn says what would keep an added object from working: forwarding
// off in the namespace, or a drop policy in another table's forward chain.
func natWarn(e *env, conn *nat.Conn, o nat.Object) {
	switch o := o.(type) {
	case nat.Masquerade:
		forwardingWarn(e, o.Source.Addr())
	case nat.Publish:
		forwardingWarn(e, o.To.Addr())
		dropWarn(e, conn)
	case nat.Forward:
		dropWarn(e, conn)
	}
}

func forwardingWarn(e *env, a netip.Addr) {
	name := "net.ipv4.ip_forward"
	if a.Is6() {
		name = "net.ipv6.conf.all.forwarding"
	}
	val, err := readSysctl(e, sysctl.MustKey(name))
	if err == nil && strings.TrimSpace(val) == "0" {
		e.warnf("%s is 0%s: nothing is forwarded, so the rule has no effect on routed traffic (nsnet %ssysctl -w %s=1)",
			name, nsSuffix(e), nsFlag(e), name)
	}
}

func dropWarn(e *env, conn *nat.Conn) {
	drops, err := conn.ForwardDrops()
	if err != nil {
		e.warnf("cannot check other tables' forward chains: %v", err)
		return
	}
	for _, ch := range drops {
		e.warnf("table %s %s chain %s (hook forward, priority %d) has policy drop%s: an accept in nsnet's table "+
			"cannot override it; allow the traffic there too (with iptables: the DOCKER-USER or FORWARD chain)",
			ch.Family, ch.Table, ch.Name, ch.Base.Priority, nsSuffix(e))
	}
}

func nsSuffix(e *env) string {
	if e.ns == "" {
		return ""
	}
	return " in netns " + e.ns
}

func nsFlag(e *env) string {
	if e.ns == "" {
		return ""
	}
	return "-n " + e.ns + " "
}

type natShow struct{}

// natRuleJSON is one rule of an object in "nat show -j".
type natRuleJSON struct {
	Chain     string `json:"chain"`
	Handle    uint64 `json:"handle"`
	Packets   uint64 `json:"packets,omitempty"` // of an inline counter (foreign rules)
	Bytes     uint64 `json:"bytes,omitempty"`
	Statement string `json:"statement"`
}

// natJSON is one object of "nat show -j"; the keys follow the command's
// words.
type natJSON struct {
	Type    string        `json:"type"`
	Object  string        `json:"object,omitempty"`
	Source  string        `json:"source,omitempty"`
	Out     string        `json:"out,omitempty"`
	Ifaces  []string      `json:"ifaces,omitempty"`
	Proto   string        `json:"proto,omitempty"`
	Address string        `json:"address,omitempty"`
	Port    int           `json:"port,omitempty"`
	To      string        `json:"to,omitempty"`
	In      string        `json:"in,omitempty"`
	Intact  bool          `json:"intact"`
	Packets uint64        `json:"packets"` // of its counter object, or of a foreign rule's counter
	Bytes   uint64        `json:"bytes"`
	Rules   []natRuleJSON `json:"rules"`
}

func toJSON(ent nat.Entry) natJSON {
	j := natJSON{Type: "foreign", Intact: ent.Intact, Packets: ent.Packets, Bytes: ent.Bytes, Rules: []natRuleJSON{}}
	for _, r := range ent.Rules {
		rj := natRuleJSON{Chain: r.Chain, Handle: r.Handle, Statement: nat.Describe(r.Exprs)}
		for _, x := range r.Exprs {
			if ctr, ok := x.(*nat.Counter); ok {
				rj.Packets += ctr.Packets
				rj.Bytes += ctr.Bytes
			}
		}
		j.Rules = append(j.Rules, rj)
	}
	if ent.Attachment != nil {
		j.Type, j.Object = "attachment", "attachment "+ent.Attachment.String()
		return j
	}
	if ent.Object == nil {
		for _, r := range j.Rules {
			j.Packets += r.Packets
			j.Bytes += r.Bytes
		}
		return j
	}
	j.Object = ent.Object.String()
	switch o := ent.Object.(type) {
	case nat.Masquerade:
		j.Type, j.Source, j.Out = "masquerade", o.Source.Masked().String(), o.OutIface
	case nat.Forward:
		j.Type, j.Ifaces = "forward", []string{o.A, o.B}
	case nat.Publish:
		j.Type, j.Proto, j.Port, j.To, j.In = "publish", o.Proto.String(), int(o.Listen.Port()), o.To.String(), o.InIface
		if o.Listen.Addr().IsValid() {
			j.Address = o.Listen.Addr().String()
		}
	}
	return j
}

func (natShow) run(e *env) error {
	conn, err := e.nat()
	if err != nil {
		return err
	}
	entries, err := conn.List()
	if err != nil {
		return err
	}
	out := make([]natJSON, 0, len(entries))
	for _, ent := range entries {
		out = append(out, toJSON(ent))
	}
	if e.opt.json {
		return e.printJSON(out)
	}
	var b strings.Builder
	for _, j := range out {
		if j.Type == "foreign" {
			for _, r := range j.Rules {
				fmt.Fprintf(&b, "# not nsnet's: chain %s handle %d: %s\n", r.Chain, r.Handle, r.Statement)
			}
			continue
		}
		b.WriteString(j.Object)
		if e.opt.stats {
			fmt.Fprintf(&b, "  packets %d bytes %d", j.Packets, j.Bytes)
		}
		if !j.Intact {
			b.WriteString("  (modified: its rules are not the ones nsnet writes; add it again to repair)")
		}
		b.WriteString("\n")
		if e.opt.details || !j.Intact {
			for _, r := range j.Rules {
				fmt.Fprintf(&b, "    chain %s handle %d: %s\n", r.Chain, r.Handle, r.Statement)
			}
		}
	}
	_, err = io.WriteString(e.out, b.String())
	return err
}
