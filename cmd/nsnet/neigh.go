package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"github.com/nsnet/nsnet/plan"
	"github.com/nsnet/nsnet/rtnl"
)

const neighHelp = `NEIGH(8)                        nsnet                        NEIGH(8)

NAME
       nsnet neigh - the neighbour (ARP and NDP) cache, as "ip neigh"

SYNOPSIS
       nsnet [ -n NS ] [ -4 | -6 ] [ -j [ -p ] ] [ -s ] neigh { COMMAND | help }

       nsnet neigh { add | del | change | replace }
                   { ADDR [ lladdr LLADDR ] [ nud STATE ] | proxy ADDR }
                   [ dev DEV ] [ router ] [ use ] [ managed ] [ extern_learn ]
                   [ protocol PROTO ]
       nsnet neigh { show | flush } [ proxy ] [ to PREFIX ] [ dev DEV ]
                   [ nud STATE ]... [ unused ] [ protocol PROTO ]
                   [ master DEV | vrf NAME | nomaster ]
       nsnet neigh get { ADDR | proxy ADDR } dev DEV

       STATE := { permanent | noarp | stale | reachable | none | incomplete |
                  delay | probe | failed | all (show and flush only) }

DESCRIPTION
       add, change, replace
              make an entry for ADDR (IPv4 or IPv6; its family selects the
              table) on DEV. The state is PERMANENT unless "nud" says
              otherwise; "lladdr null" sends no link-layer address. add fails
              if the entry exists, change if it does not, replace does both.
              "router" marks an IPv6 router, "proxy ADDR" makes a proxy
              ARP/NDP entry (the device is then optional).

       del    removes the entry for ADDR on DEV (or the proxy entry).

       show (list, lst; the default)
              lists the entries in every state but NOARP and NONE, unless
              "nud" names states: repeat it for several, "nud all" for every
              one. "dev DEV", "to PREFIX" (or a bare PREFIX), "master DEV"
              (the links of a bridge or VRF) and "nomaster" filter, "proxy"
              lists the proxy entries instead. -s adds the reference count,
              the used/confirmed/updated ages in seconds and the probes.

       get    asks the kernel for the entry of ADDR on DEV.

       flush  deletes the entries show would list, but never PERMANENT or
              NOARP ones unless "nud" names them. It needs a filter ("flush
              all" for every link); -s prints the rounds as ip does.

OUTPUT
       Text and -j are ip's, byte for byte: "10.0.0.2 dev va lladdr
       02:00:00:00:00:02 PERMANENT", and the JSON keys dst, dev, lladdr,
       router, proxy, state (an array of upper-case states), protocol, and
       refcnt, used, confirmed, updated, probes with -s.

UP AND DOWN
       add, del, change and replace can be lines of an "nsnet up" file:
       "down" deletes what was added and puts back, from the kernel's copy,
       what was deleted or overwritten. flush is refused in up files.

EXAMPLES
       nsnet -n blue neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev veth0
       nsnet neigh replace 2001:db8::1 lladdr 02:00:00:00:00:03 nud stale router dev br0
       nsnet -j neigh show dev veth0 nud all
       nsnet neigh flush dev veth0

SEE ALSO
       ip-neighbour(8), nsnet route help, nsnet up help.
       Abbreviations: n, neighbour, neighbor; "nsnet neigh" alone is "show".
`

func parseNeigh(args []string, opt options) (command, error) {
	a := &argv{w: args}
	if !a.more() {
		return neighShow{family: optFamily(opt), states: neighShowDefault}, nil
	}
	word := a.next()
	switch {
	case matches(word, "add"):
		return parseNeighChange(a, "add", opt)
	case matches(word, "change") || word == "chg":
		return parseNeighChange(a, "change", opt)
	case matches(word, "replace"):
		return parseNeighChange(a, "replace", opt)
	case matches(word, "delete"):
		return parseNeighChange(a, "delete", opt)
	case matches(word, "get"):
		return parseNeighGet(a, opt)
	case matches(word, "show") || matches(word, "lst") || matches(word, "list"):
		return parseNeighShow(a, opt, false)
	case matches(word, "flush"):
		return parseNeighShow(a, opt, true)
	case isHelp(word):
		return helpCmd{text: neighHelp}, nil
	}
	return nil, usagef("unknown neigh command %q (try \"nsnet neigh help\")", word)
}

// neighChange is "neigh add|del|change|replace".
type neighChange struct {
	op       string
	dst      netip.Addr
	dev      string
	lladdr   net.HardwareAddr
	noLLAddr bool // "lladdr null"
	state    *rtnl.NeighState
	flags    rtnl.NeighFlags // router, proxy, use, extern_learn
	managed  bool
	proto    *rtnl.RouteProtocol
}

// neighAddr parses a neighbour address of the -4/-6 family, if given.
func neighAddr(s string, opt options) (netip.Addr, error) {
	addr, err := netip.ParseAddr(s)
	if err != nil || addr.Zone() != "" {
		return netip.Addr{}, ipUsage(1, fmt.Sprintf("Error: any valid address is expected rather than %q.", s),
			usagef("invalid neighbour address %q", s))
	}
	addr = addr.Unmap()
	if f := optFamily(opt); f != rtnl.FamilyUnspec && f != rtnl.FamilyOf(addr) {
		return netip.Addr{}, usagef("%s is not an -%d address", s, opt.family)
	}
	return addr, nil
}

func parseNeighChange(a *argv, op string, opt options) (command, error) {
	c := neighChange{op: op}
	dstSet := func(v string) error {
		if c.dst.IsValid() {
			return usagef("neigh %s: a second address %q (the entry is %s)", op, v, c.dst)
		}
		var err error
		c.dst, err = neighAddr(v, opt)
		return err
	}
	for a.more() {
		word := a.next()
		switch {
		case matches(word, "lladdr"):
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			if c.lladdr != nil || c.noLLAddr {
				return nil, usagef("duplicate \"lladdr\": %q would be its second value", v)
			}
			if v == "null" {
				c.noLLAddr = true
				continue
			}
			if c.lladdr, err = parseLLAddr(v); err != nil {
				return nil, err
			}
		case word == "nud":
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			s, err := rtnl.ParseNeighState(v)
			if err != nil {
				return nil, errInvarg("nud state is bad", v, usagef("%v", err))
			}
			c.state = &s
		case matches(word, "proxy"):
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			if err := dstSet(v); err != nil {
				return nil, err
			}
			c.flags |= rtnl.NeighProxy
		case word == "router":
			c.flags |= rtnl.NeighRouter
		case word == "use":
			c.flags |= rtnl.NeighUse
		case word == "managed":
			c.managed = true
		case matches(word, "extern_learn"):
			c.flags |= rtnl.NeighExtLearned
		case word == "dev":
			if c.dev != "" {
				return nil, usagef("duplicate \"dev\": %q would be its second value", a.peek())
			}
			var err error
			if c.dev, err = devArg(a, word); err != nil {
				return nil, err
			}
		case matches(word, "protocol"):
			v, err := parsedValue(a, word, rtnl.ParseRouteProtocol)
			if err != nil {
				return nil, err
			}
			c.proto = v
		default:
			if word == "to" {
				v, err := a.value(word)
				if err != nil {
					return nil, err
				}
				word = v
			}
			if err := dstSet(word); err != nil {
				return nil, err
			}
		}
	}
	const ipText = "Device and destination are required arguments."
	if !c.dst.IsValid() {
		return nil, ipUsage(255, ipText, usagef("neigh %s: missing the address", op))
	}
	if c.dev == "" && c.flags&rtnl.NeighProxy == 0 {
		return nil, ipUsage(255, ipText, usagef("neigh %s %s: missing \"dev DEV\"", op, c.dst))
	}
	return c, nil
}

// parseLLAddr parses a link-layer address: hex bytes separated by ':'
// (or '.', '-'), as ip's ll_addr_a2n takes them.
func parseLLAddr(s string) (net.HardwareAddr, error) {
	if mac, err := net.ParseMAC(s); err == nil {
		return mac, nil
	}
	var out net.HardwareAddr
	for _, p := range strings.Split(s, ":") {
		n, err := strconv.ParseUint(p, 16, 8)
		if err != nil || p == "" || len(p) > 2 {
			return nil, ipUsage(1, fmt.Sprintf("%q is invalid lladdr.", s), usagef("invalid link-layer address %q", s))
		}
		out = append(out, byte(n))
	}
	if len(out) > 32 {
		return nil, usagef("invalid link-layer address %q: longer than 32 bytes", s)
	}
	return out, nil
}

// step is the command as a plan step.
func (c neighChange) step(e *env) (plan.Step, error) {
	ref, err := e.ref()
	if err != nil {
		return nil, err
	}
	n := plan.NeighAdd{NS: ref, Dst: c.dst, Dev: c.dev, LLAddr: c.lladdr, State: c.state, Flags: c.flags, Managed: c.managed, Protocol: c.proto}
	switch c.op {
	case "add":
		return n, nil
	case "replace":
		return plan.NeighReplace(n), nil
	case "change":
		return plan.NeighChange(n), nil
	}
	return plan.NeighDel(n), nil
}

// object names the entry in errors as it was typed.
func (c neighChange) object() string {
	s := c.dst.String()
	if c.flags&rtnl.NeighProxy != 0 {
		s = "proxy " + s
	}
	if c.dev != "" {
		s += " dev " + c.dev
	}
	return s
}

func (c neighChange) run(e *env) error { return runNamedStep(e, c) }

// applied: a deleted entry is not there; an added, replaced or changed
// one is, with the state, link-layer address and router flag the command
// sets (plan.NeighAdd).
func (c neighChange) applied(e *env) (bool, error) { return appliedStep(e, c) }

// inverse deletes what add (or replace of nothing) made and puts back
// what delete, replace or change overwrote, from the kernel's own copy.
func (c neighChange) inverse(e *env) (command, error) { return inverseStep(e, c) }

// The state filters of show and flush, as ip's: a bit per NUD state and
// neighStateNone (0x100) for entries in no state.
const (
	neighStateNone    = 0x100
	neighShowDefault  = 0xff &^ uint32(rtnl.NeighNoARP)
	neighFlushDefault = ^uint32(rtnl.NeighPermanent | rtnl.NeighNoARP)
)

// neighShow is "neigh show" and, with flush set, "neigh flush".
type neighShow struct {
	flush  bool
	family rtnl.Family
	dev    string
	states uint32
	proxy  bool
	to     netip.Prefix // the zero Prefix matches every address
	unused bool
	// master keeps the entries of the links of a bridge or VRF, nomaster
	// those of links with no master.
	master   string
	vrf      bool // master was given as "vrf": it must be one
	nomaster bool
	proto    *rtnl.RouteProtocol
}

func parseNeighShow(a *argv, opt options, flush bool) (command, error) {
	c := neighShow{flush: flush, family: optFamily(opt), states: neighShowDefault}
	if flush {
		c.states = neighFlushDefault
		if !a.more() {
			return nil, ipUsage(1, "Flush requires arguments.", usagef("neigh flush: needs a filter (dev DEV, to PREFIX, nud STATE, or all)"))
		}
	}
	stateGiven := false
	for a.more() {
		word := a.next()
		var err error
		switch {
		case word == "dev":
			if c.dev != "" {
				return nil, usagef("duplicate \"dev\": %q would be its second value", a.peek())
			}
			var err error
			if c.dev, err = devArg(a, word); err != nil {
				return nil, err
			}
		case word == "master" || word == "vrf":
			if c.master, err = devArg(a, word); err != nil {
				return nil, err
			}
			c.vrf, c.nomaster = word == "vrf", false
		case word == "nomaster":
			c.master, c.vrf, c.nomaster = "", false, true
		case word == "unused":
			c.unused = true
		case word == "nud":
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			if !stateGiven {
				stateGiven, c.states = true, 0
			}
			var bits uint32
			if v == "all" {
				bits = ^uint32(0)
				if flush {
					bits &^= uint32(rtnl.NeighNoARP)
				}
			} else {
				s, err := rtnl.ParseNeighState(v)
				if err != nil {
					return nil, errInvarg("nud state is bad", v, usagef("%v", err))
				}
				bits = uint32(s)
				if bits == 0 {
					bits = neighStateNone
				}
			}
			c.states |= bits
		case word == "proxy":
			c.proxy = true
		case matches(word, "protocol"):
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			if v == "all" {
				c.proto = nil
				continue
			}
			p, err := rtnl.ParseRouteProtocol(v)
			if err != nil {
				return nil, usagef("%v", err)
			}
			c.proto = &p
		default:
			if word == "to" {
				v, err := a.value(word)
				if err != nil {
					return nil, err
				}
				word = v
			}
			if isHelp(word) {
				return helpCmd{text: neighHelp}, nil
			}
			if c.to.IsValid() {
				return nil, usagef("neigh %s: unexpected argument %q", map[bool]string{true: "flush", false: "show"}[flush], word)
			}
			if word == "all" || word == "any" || word == "default" {
				continue // every address
			}
			p, _, err := parsePrefix("to", word)
			if err != nil {
				return nil, err
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), min(p.Bits(), p.Addr().Unmap().BitLen()))
			f := rtnl.FamilyOf(p.Addr())
			if c.family != rtnl.FamilyUnspec && c.family != f {
				return nil, usagef("%s is not an -%d prefix", word, opt.family)
			}
			c.family = f
			c.to = p.Masked()
		}
	}
	return c, nil
}

// keep reports whether entry n passes the show/flush filter (ip's
// print_neigh).
func (c neighShow) keep(n *rtnl.NeighMessage) bool {
	st := uint32(n.State)
	if c.states&st == 0 && n.Flags&(rtnl.NeighProxy|rtnl.NeighExtLearned) == 0 && (st != 0 || c.states&neighStateNone == 0) {
		return false
	}
	if c.to.IsValid() && (!n.Attrs.Dst.IsValid() || !c.to.Contains(n.Attrs.Dst)) {
		return false
	}
	if c.proto != nil && (n.Attrs.Protocol == nil && *c.proto != 0 || n.Attrs.Protocol != nil && *n.Attrs.Protocol != *c.proto) {
		return false
	}
	if c.unused && n.Attrs.CacheInfo != nil && n.Attrs.CacheInfo.RefCnt != 0 {
		return false
	}
	return true
}

// list dumps the entries the kernel can select by (family, link, master,
// proxy); keep selects the rest.
func (c neighShow) list(conn *rtnl.Conn) ([]rtnl.NeighMessage, error) {
	f := rtnl.NeighFilter{Family: c.family, Proxy: c.proxy}
	if c.dev != "" {
		i, err := linkIndex(conn, c.dev)
		if err != nil {
			return nil, err
		}
		f.Index = i
	}
	switch {
	case c.master != "":
		l, err := conn.LinkByName(c.master)
		if err != nil {
			return nil, err
		}
		if c.vrf && (l.Attrs.Info == nil || l.Attrs.Info.Kind != "vrf") {
			return nil, usagef("vrf %q: not a VRF device", c.master)
		}
		f.Master = int32(l.Index)
	case c.nomaster:
		f.Master = -1
	}
	return conn.Neighs(f)
}

func (c neighShow) run(e *env) error {
	conn, err := e.rtnl()
	if err != nil {
		return err
	}
	if c.flush {
		return c.runFlush(e, conn)
	}
	list, err := c.list(conn)
	if err != nil {
		return err
	}
	p := &neighPrinter{tab: newLinkTable(conn, nil), showDev: c.dev == "", stats: e.opt.stats, brief: e.opt.brief}
	var b bytes.Buffer
	var out []any
	for i := range list {
		n := &list[i]
		if !c.keep(n) {
			continue
		}
		if e.opt.json {
			out = append(out, p.fields(n).json())
		} else {
			p.fields(n).text(&b)
		}
	}
	if e.opt.json {
		if out == nil {
			out = []any{}
		}
		return e.printJSON(out)
	}
	_, err = e.out.Write(b.Bytes())
	return err
}

// runFlush deletes the entries the filter selects, in up to ten rounds
// (an entry deleted while in use may come back as FAILED), as ip does.
func (c neighShow) runFlush(e *env, conn *rtnl.Conn) error {
	const maxRounds = 10
	for round := 0; round < maxRounds; round++ {
		list, err := c.list(conn)
		if err != nil {
			return err
		}
		n := 0
		for i := range list {
			m := &list[i]
			if !c.keep(m) {
				continue
			}
			d := &rtnl.NeighMessage{Family: m.Family, Index: m.Index, State: m.State, Flags: m.Flags,
				Type: m.Type, Attrs: rtnl.NeighAttrs{Dst: m.Attrs.Dst}}
			if err := conn.DeleteNeigh(d); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
			n++
		}
		if n == 0 {
			if e.opt.stats {
				if round == 0 {
					fmt.Fprint(e.out, "Nothing to flush.\n")
				} else {
					fmt.Fprintf(e.out, "*** Flush is complete after %d round%s ***\n", round, map[bool]string{true: "s"}[round > 1])
				}
			}
			return nil
		}
		if e.opt.stats {
			fmt.Fprintf(e.out, "\n*** Round %d, deleting %d entries ***\n", round+1, n)
		}
		c.states &^= uint32(rtnl.NeighFailed)
	}
	fmt.Fprintf(e.out, "*** Flush not complete bailing out after %d rounds\n", maxRounds)
	return &exitStatus{code: 1}
}

// neighGet is "neigh get ADDR dev DEV".
type neighGet struct {
	dst   netip.Addr
	dev   string
	proxy bool
}

func parseNeighGet(a *argv, opt options) (command, error) {
	var c neighGet
	for a.more() {
		word := a.next()
		switch {
		case word == "dev":
			var err error
			if c.dev, err = devArg(a, word); err != nil {
				return nil, err
			}
			continue
		case matches(word, "proxy"):
			c.proxy = true
			fallthrough
		case word == "to":
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			word = v
		}
		if c.dst.IsValid() {
			return nil, usagef("neigh get: unexpected argument %q", word)
		}
		var err error
		if c.dst, err = neighAddr(word, opt); err != nil {
			return nil, err
		}
	}
	if !c.dst.IsValid() {
		return nil, usagef("neigh get: missing the address")
	}
	if c.dev == "" && !c.proxy {
		return nil, usagef("neigh get %s: missing \"dev DEV\"", c.dst)
	}
	return c, nil
}

func (c neighGet) run(e *env) error {
	conn, err := e.rtnl()
	if err != nil {
		return err
	}
	m := &rtnl.NeighMessage{Family: rtnl.FamilyOf(c.dst), Attrs: rtnl.NeighAttrs{Dst: c.dst}}
	if c.proxy {
		m.Flags = rtnl.NeighProxy
	}
	if c.dev != "" {
		if m.Index, err = linkIndex(conn, c.dev); err != nil {
			return err
		}
	}
	n, err := conn.GetNeigh(m)
	if err != nil {
		return named(err, c.dst.String()+" dev "+c.dev)
	}
	p := &neighPrinter{tab: newLinkTable(conn, nil), showDev: true, stats: e.opt.stats, brief: e.opt.brief}
	if e.opt.json {
		return e.printJSON([]any{p.fields(n).json()})
	}
	var b bytes.Buffer
	p.fields(n).text(&b)
	_, err = e.out.Write(b.Bytes())
	return err
}

// neighPrinter prints entries as ip neigh does.
type neighPrinter struct {
	tab     *linkTable
	showDev bool // no "dev" filter
	stats   bool // -s
	brief   bool // -br
}

// userHZ is the unit of nda_cacheinfo's times (USER_HZ, sysconf(_SC_CLK_TCK)).
const userHZ = 100

func (p *neighPrinter) fields(n *rtnl.NeighMessage) *fieldList {
	f := &fieldList{}
	a := &n.Attrs
	if p.brief {
		// ip -br: address, link and link-layer address in columns.
		if a.Dst.IsValid() {
			f.add("dst", a.Dst.String(), fmt.Sprintf("%-39s ", a.Dst))
		}
		if p.showDev && n.Index != 0 {
			name := p.tab.name(n.Index)
			f.add("dev", name, fmt.Sprintf("%-16s ", name))
		}
		if a.LLAddr != nil {
			f.add("lladdr", a.LLAddr.String(), a.LLAddr.String())
		}
		return f
	}
	if a.Dst.IsValid() {
		f.add("dst", a.Dst.String(), a.Dst.String()+" ")
	}
	if p.showDev && n.Index != 0 {
		name := p.tab.name(n.Index)
		f.add("dev", name, "dev "+name+" ")
	}
	if a.LLAddr != nil {
		s := a.LLAddr.String()
		f.add("lladdr", s, "lladdr "+s+" ")
	}
	ext := uint32(0)
	if a.FlagsExt != nil {
		ext = *a.FlagsExt
	}
	for _, fl := range []struct {
		set  bool
		name string
	}{{n.Flags&rtnl.NeighRouter != 0, "router"}, {n.Flags&rtnl.NeighProxy != 0, "proxy"},
		{ext&rtnl.NeighExtManaged != 0, "managed"}, {n.Flags&rtnl.NeighExtLearned != 0, "extern_learn"},
		{n.Flags&rtnl.NeighOffloaded != 0, "offload"}, {ext&rtnl.NeighExtValidated != 0, "extern_valid"}} {
		if fl.set {
			f.add(fl.name, nil, fl.name+" ")
		}
	}
	if p.stats {
		if ci := a.CacheInfo; ci != nil {
			if ci.RefCnt != 0 {
				f.add("refcnt", ci.RefCnt, fmt.Sprintf(" ref %d", ci.RefCnt))
			}
			f.add("used", ci.Used/userHZ, fmt.Sprintf(" used %d", ci.Used/userHZ))
			f.add("confirmed", ci.Confirmed/userHZ, fmt.Sprintf("/%d", ci.Confirmed/userHZ))
			f.add("updated", ci.Updated/userHZ, fmt.Sprintf("/%d", ci.Updated/userHZ))
		}
		if a.Probes != nil {
			f.add("probes", *a.Probes, fmt.Sprintf("probes %d ", *a.Probes))
		}
	}
	if n.State != 0 {
		names := n.State.Names()
		var t strings.Builder
		for _, s := range names {
			t.WriteString(s + " ")
		}
		f.add("state", names, t.String())
	}
	if a.Protocol != nil && *a.Protocol != 0 {
		f.add("protocol", a.Protocol.String(), "proto "+a.Protocol.String()+" ")
	}
	return f
}

// fieldList is one printed object: each field has its JSON key and value
// (nil prints null) and its text, so text and JSON keep one order.
type fieldList struct {
	keys  []string
	vals  []any
	texts []string
}

//go:noinline
func (f *fieldList) add(key string, val any, text string) {
	f.keys = append(f.keys, key)
	f.vals = append(f.vals, val)
	f.texts = append(f.texts, text)
}

// textOnly adds text that has no JSON field.
func (f *fieldList) textOnly(text string) { f.add("", nil, text) }

// jsonOnly adds a JSON field that prints no text.
func (f *fieldList) jsonOnly(key string, val any) { f.add(key, val, "") }

// json is the object of the fields that have a key.
func (f *fieldList) json() *obj {
	o := &obj{}
	for i, k := range f.keys {
		if k != "" {
			o.add(k, f.vals[i])
		}
	}
	return o
}

// text writes the fields' texts and a newline.
func (f *fieldList) text(b io.StringWriter) {
	for _, t := range f.texts {
		b.WriteString(t)
	}
	b.WriteString("\n")
}

var _ reversible = neighChange{}
