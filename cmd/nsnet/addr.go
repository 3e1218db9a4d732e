package main

import (
	"cmp"
	"fmt"
	"net/netip"
	"strings"

	"github.com/nsnet/nsnet/plan"
	"github.com/nsnet/nsnet/rtnl"
)

const addrHelp = `Usage: nsnet address { add | del | replace } IFADDR dev DEV [ OPTIONS ]
       nsnet address show [ [dev] DEV ] [ up ] [ type TYPE | TYPE_slave ] [ master BRIDGE | nomaster ]
                          [ group N ] [ FILTER ]
       nsnet address flush [dev] DEV [ FILTER ]
       nsnet address save [ [dev] DEV ] > FILE
       nsnet address { restore | showdump } < FILE

IFADDR := [ local ] ADDR[/PLEN] [ peer PEER[/PLEN] ]
OPTIONS := [ broadcast ADDR | + | - ] [ label LABEL ] [ scope { global | link | host | N } ]
           [ valid_lft SECONDS|forever ] [ preferred_lft SECONDS|forever ] [ metric N ]
           [ nodad ] [ noprefixroute ] [ home ] [ mngtmpaddr ] [ autojoin ]
FILTER := [ to PREFIX ] [ scope SCOPE ] [ label PATTERN ] [ dynamic | permanent ]
          [ primary | secondary ] [ [-]tentative ] [ [-]deprecated ] [ [-]nodad ] ...
ADDR may be written as ip takes it: 10.1/16, 192.168.1.2/255.255.255.0.

IPv4 and IPv6; without /PLEN an address is a host address (/32, /128). "del"
without /PLEN removes the address whatever its length. -4 and -6 filter what is
shown and flushed; -j prints "ip -j addr"'s JSON, -br one line per link.
"nsnet address" alone is "nsnet address show". "save" writes the addresses of
DEV (or of every link) in ip's binary format, never to a terminal; "restore"
adds a save file's addresses back (one already there is kept; if the kernel
refuses one, those added are deleted again); "showdump" lists a save file.
`

func parseAddr(args []string, opt options) (command, error) {
	a := &argv{w: args}
	if !a.more() {
		return addrShow{}, nil
	}
	word := a.next()
	switch {
	case matches(word, "add"):
		return parseAddrChange(a, "add")
	case word == "change" || word == "chg":
		return parseAddrChange(a, "replace")
	case matches(word, "replace"):
		return parseAddrChange(a, "replace")
	case matches(word, "delete") || word == "del":
		return parseAddrChange(a, "delete")
	case matches(word, "show") || matches(word, "list") || word == "lst" || word == "ls":
		return parseAddrShow(a)
	case matches(word, "flush"):
		return parseAddrFlush(a)
	case matches(word, "save"):
		c, err := parseAddrShow(a)
		if err != nil {
			return nil, err
		}
		return addrSave{dev: c.(addrShow).dev}, nil
	case matches(word, "showdump"):
		return addrShowdump{}, nil
	case matches(word, "restore"):
		return addrRestore{}, nil // ip reads no more words
	case isHelp(word):
		return helpCmd{text: addrHelp}, nil
	}
	return nil, errUnknownCommand("address", word)
}

// addrChange is "address add|del|replace".
type addrChange struct {
	op      string // "add", "delete", "replace"
	local   netip.Prefix
	hasPlen bool
	typed   string // the address as given, for ip's wildcard warning
	peer    netip.Prefix
	dev     string
	brd     netip.Addr
	brdCalc string // "+" or "-": computed from the prefix
	label   string
	scope   *rtnl.Scope
	flags   rtnl.AddrFlags
	valid   *uint32
	pref    *uint32
	metric  *uint32
}

func parseAddrChange(a *argv, op string) (command, error) {
	c := addrChange{op: op}
	seen := map[string]bool{}
	for a.more() {
		word := a.next()
		if err := once(seen, addrValueWords, word, a); err != nil {
			return nil, err
		}
		var err error
		switch word {
		case "local":
			if c.local.IsValid() {
				return nil, usagef("address %s: two local addresses", op)
			}
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			c.typed = v
			if c.local, c.hasPlen, err = parsePrefix(word, v); err != nil {
				return nil, err
			}
		case "peer", "remote":
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			if c.peer, _, err = parsePrefix(word, v); err != nil {
				return nil, err
			}
		case "dev":
			if c.dev, err = devArg(a, word); err != nil {
				return nil, err
			}
		case "broadcast", "brd":
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			if v == "+" || v == "-" {
				c.brdCalc = v
			} else if c.brd, err = parseIP(word, v); err != nil {
				return nil, err
			}
		case "label":
			if c.label, err = a.value(word); err != nil {
				return nil, err
			}
			if strings.IndexByte(c.label, 0) >= 0 {
				return nil, usagef("invalid label %q: a NUL byte (the kernel would cut it there)", c.label)
			}
		case "scope":
			v, err := parsedValue(a, word, rtnl.ParseScope)
			if err != nil {
				return nil, errInvarg("invalid scope value.", a.w[a.i-1], err)
			}
			c.scope = v
		case "valid_lft", "preferred_lft":
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			n := uint32(rtnl.LifetimeForever)
			if v != "forever" {
				if n, err = parseU32(word, strings.TrimSuffix(v, "sec")); err != nil {
					return nil, err
				}
			}
			if word == "valid_lft" {
				c.valid = &n
			} else {
				c.pref = &n
			}
		case "metric", "priority":
			n, err := u32Arg(a, word)
			if err != nil {
				return nil, err
			}
			c.metric = &n
		case "nodad":
			c.flags |= rtnl.AddrNoDAD
		case "noprefixroute":
			c.flags |= rtnl.AddrNoPrefixRoute
		case "home":
			c.flags |= rtnl.AddrHomeAddress
		case "mngtmpaddr":
			c.flags |= rtnl.AddrManageTempAddr
		case "autojoin":
			c.flags |= rtnl.AddrMcAutoJoin
		case "optimistic":
			c.flags |= rtnl.AddrOptimistic
		default:
			if c.local.IsValid() {
				return nil, usagef("address %s: unexpected argument %q", op, word)
			}
			c.typed = word
			if c.local, c.hasPlen, err = parsePrefix("address "+op, word); err != nil {
				return nil, errPrefix(word, err)
			}
		}
	}
	if !c.local.IsValid() {
		return nil, usagef("address %s: missing the address", op)
	}
	if c.dev == "" {
		return nil, ipUsage(1, `Not enough information: "dev" argument is required.`, usagef("address %s %s: missing \"dev DEV\"", op, c.local))
	}
	if c.peer.IsValid() && c.peer.Addr().Is4() != c.local.Addr().Is4() {
		return nil, errFamilyAddr(familyWord(rtnl.FamilyOf(c.local.Addr())), c.peer.Addr().String(),
			usagef("address %s: peer %s and local %s of different families", op, c.peer, c.local))
	}
	if c.brd.IsValid() && (!c.local.Addr().Is4() || !c.brd.Is4()) {
		return nil, usagef("address %s: broadcast is for IPv4 addresses", op)
	}
	if c.label != "" && (!strings.HasPrefix(c.label, c.dev) || len(c.label) > 15) {
		return nil, usagef("address %s: label %q must begin with the device name %q and be at most 15 bytes", op, c.label, c.dev)
	}
	if c.local.Addr().Is4() && c.flags&^(rtnl.AddrNoPrefixRoute|rtnl.AddrMcAutoJoin) != 0 {
		return nil, usagef("address %s %s: nodad, home, mngtmpaddr and optimistic are for IPv6 addresses", op, c.local)
	}
	return c, nil
}

// step is the command as a plan step.
func (c addrChange) step(e *env) (plan.Step, error) {
	ref, err := e.ref()
	if err != nil {
		return nil, err
	}
	a := plan.AddrAdd{NS: ref, Dev: c.dev, Prefix: c.local, AnyLength: !c.hasPlen, Peer: c.peer, Broadcast: c.brd, BroadcastCalc: c.brdCalc,
		Label: c.label, Scope: c.scope, Flags: c.flags, Valid: c.valid, Preferred: c.pref, Metric: c.metric}
	switch c.op {
	case "add":
		return a, nil
	case "replace":
		return plan.AddrReplace(a), nil
	}
	return plan.AddrDel(a), nil
}

func (c addrChange) object() string {
	s := c.local.String()
	if !c.hasPlen && c.op == "delete" {
		s = c.local.Addr().String()
	}
	if c.peer.IsValid() {
		s = c.local.Addr().String() + " peer " + c.peer.String()
	}
	return s + " dev " + c.dev
}

func (c addrChange) run(e *env) error {
	if ipMode && c.op == "delete" && !c.hasPlen && !c.peer.IsValid() && c.local.Addr().Is4() {
		fmt.Fprintf(e.s.stderr, "Warning: Executing wildcard deletion to stay compatible with old scripts.\n"+
			"         Explicitly specify the prefix length (%s/32) to avoid this warning.\n"+
			"         This special behaviour is likely to disappear in further releases,\n"+
			"         fix your scripts!\n", c.typed)
	}
	idx, cached := e.s.names.index(e.ns, c.dev)
	if !cached {
		return runNamedStep(e, c)
	}
	// A link the batch made: its index is known.
	st, err := stepOf(e, c)
	if err != nil {
		return err
	}
	err = withDevIndex(st, idx).Apply(e.ctx, e.s.ps)
	if c.op == "add" && noDevice(err) {
		// The link the batch made is gone: look the name up now.
		e.s.names.forget()
		err = st.Apply(e.ctx, e.s.ps)
	}
	if err == nil {
		return nil
	}
	return stepErr(err, c.object())
}

// withDevIndex is an address step with its link's index known.
func withDevIndex(st plan.Step, idx uint32) plan.Step {
	switch a := st.(type) {
	case plan.AddrAdd:
		a.DevIndex = idx
		return a
	case plan.AddrReplace:
		a.DevIndex = idx
		return a
	case plan.AddrDel:
		a.DevIndex = idx
		return a
	}
	return st
}

// applied: an added or replaced address is there, a deleted one is not.
func (c addrChange) applied(e *env) (bool, error) { return appliedStep(e, c) }

// inverse deletes an added address; re-adds a deleted one as it was
// (prefix, broadcast, label, scope, flags); puts back a replaced one.
func (c addrChange) inverse(e *env) (command, error) { return inverseStep(e, c) }

// addrShow is "address show".
type addrShow struct {
	dev string
	sel linkSelect
	f   addrFilter
}

func parseAddrShow(a *argv) (command, error) {
	var c addrShow
	for a.more() {
		word := a.next()
		var err error
		switch word {
		case "dev":
			if c.dev, err = devArg(a, word); err != nil {
				return nil, err
			}
		default:
			if ok, err := c.sel.parseWord(word, a); ok || err != nil {
				if err != nil {
					return nil, err
				}
				continue
			}
			if ok, err := c.f.parseWord(word, a); ok || err != nil {
				if err != nil {
					return nil, err
				}
				continue
			}
			if c.dev != "" {
				return nil, errGarbage("dev", word, usagef("address show: unexpected argument %q", word))
			}
			if err := checkDevName(word); err != nil {
				return nil, err
			}
			c.dev = word
		}
	}
	return c, nil
}

// linksAndAddrs dumps the links and the addresses of the command's
// namespace. Without --trace, whose lines would interleave, the two dumps
// run at once on two sockets: the kernel fills one while nsnet decodes
// the other (with 10,000 links, about a quarter of the time).
func linksAndAddrs(e *env, conn *rtnl.Conn) ([]rtnl.LinkMessage, []rtnl.AddrMessage, error) {
	if e.s.trace != nil {
		links, err := listLinks(conn, e.opt)
		if err != nil {
			return nil, nil, err
		}
		addrs, err := conn.Addrs(optFamily(e.opt), 0)
		return links, addrs, err
	}
	if _, err := e.nsHandle(); err != nil {
		return nil, nil, err
	}
	ref, _ := e.ref()
	second, err := e.s.ps.DialRtnl(ref, false)
	if err != nil {
		return nil, nil, err
	}
	defer second.Close()
	var addrs []rtnl.AddrMessage
	var aerr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		addrs, aerr = second.Addrs(optFamily(e.opt), 0)
	}()
	links, lerr := listLinks(conn, e.opt)
	<-done
	return links, addrs, cmp.Or(lerr, aerr)
}

func (c addrShow) run(e *env) error {
	if c.f.to != nil && e.opt.family == 0 {
		// As ip: "to PREFIX" also selects the prefix's family.
		e2 := *e
		e2.opt.family = 6
		if c.f.to.Addr().Is4() {
			e2.opt.family = 4
		}
		e = &e2
	}
	conn, err := e.rtnl()
	if err != nil {
		return err
	}
	if err := c.sel.resolve(conn); err != nil {
		return err
	}
	var links []rtnl.LinkMessage
	var idx uint32
	if c.dev != "" {
		l, err := showLink(conn, c.dev, e.opt)
		if err != nil {
			return err
		}
		links, idx = []rtnl.LinkMessage{*l}, l.Index
	}
	var addrs []rtnl.AddrMessage
	if c.dev == "" {
		defer pauseGC()()
		if links, addrs, err = linksAndAddrs(e, conn); err != nil {
			return err
		}
	} else if addrs, err = conn.Addrs(optFamily(e.opt), idx); err != nil {
		return err
	}
	byLink := addrsByLink(links, addrs)
	p := &linkPrinter{e: e, tab: newLinkTable(conn, links)}
	var list *jsonList
	if e.opt.json {
		list = newJSONList(e)
	}
	var b, rec strings.Builder
	for i := range links {
		l := &links[i]
		las := byLink(i)
		if e.opt.linkOnly {
			las = nil // -0: the links alone
		}
		if c.f.active() && len(las) > 0 {
			// As ip: a link is listed with the addresses that pass,
			// and not at all when none does.
			kept := las[:0:0]
			for _, ai := range las {
				if c.f.pass(&addrs[ai]) {
					kept = append(kept, ai)
				}
			}
			if len(kept) == 0 {
				continue
			}
			las = kept
		}
		if c.f.label != "" && !e.opt.json && !e.opt.brief && !e.opt.oneline {
			// A label filter prints the address lines alone.
			for _, ai := range las {
				addrText(&b, &addrs[ai])
			}
			continue
		}
		if !c.sel.pass(l) || e.opt.family != 0 && len(las) == 0 {
			continue
		}
		switch {
		case e.opt.json && e.opt.brief:
			w := &list.jsonWriter
			w.beginObject()
			p.linkRefJSON(w, l)
			w.key("ifname")
			w.str(l.Attrs.Name)
			w.key("operstate")
			w.str(p.operstate(l))
			w.key("addr_info")
			w.beginArray()
			for _, a := range las {
				briefAddrJSONw(w, &addrs[a])
			}
			w.endArray()
			w.endObject()
			list.flush()
		case e.opt.json:
			w := &list.jsonWriter
			if err := p.linkJSON(w, l, false); err != nil {
				return err
			}
			w.key("addr_info")
			w.beginArray()
			for _, a := range las {
				p.addrJSONw(w, &addrs[a])
			}
			w.endArray()
			w.endObject()
			list.flush()
		case e.opt.brief:
			op := p.operstate(l)
			b.WriteString(paint(colorIfname, fmt.Sprintf("%-16s ", p.ifname(l))))
			b.WriteString(paintOper(op, fmt.Sprintf("%-14s ", op)))
			for _, ai := range las {
				a := &addrs[ai]
				v6 := a.Family == rtnl.FamilyInet6
				if peer := addrPeer(a); peer.IsValid() {
					fmt.Fprintf(&b, "%s peer %s/%d ", paintAddr(addrLocal(a).String(), v6), paintAddr(peer.String(), v6), a.PrefixLen)
				} else {
					fmt.Fprintf(&b, "%s/%d ", paintAddr(addrLocal(a).String(), v6), a.PrefixLen)
				}
			}
			b.WriteString("\n")
		case e.opt.oneline:
			// ip -o addr: one line per address, led by the link.
			for _, a := range las {
				fmt.Fprintf(&rec, "%d: %s", l.Index, l.Attrs.Name)
				addrText(&rec, &addrs[a])
				joinRecord(&b, &rec)
			}
			if e.opt.linkOnly {
				p.text(&rec, l, false)
				joinRecord(&b, &rec)
			}
		default:
			p.text(&b, l, false)
			for _, a := range las {
				addrText(&b, &addrs[a])
			}
			if e.opt.stats && l.Attrs.Stats != nil {
				statsText(&b, l.Attrs.Stats, l.Attrs.CarrierChanges, e.opt)
			}
		}
	}
	if e.opt.json {
		return list.finish()
	}
	_, err = fmt.Fprint(e.out, b.String())
	return err
}

// addrsByLink groups addrs by link: byLink(i) returns the positions in
// addrs of the addresses of links[i], in the order the kernel sent them.
// It is a counting sort, linear in links and addresses.
func addrsByLink(links []rtnl.LinkMessage, addrs []rtnl.AddrMessage) func(i int) []int32 {
	pos := make(map[uint32]int32, len(links))
	for i := range links {
		pos[links[i].Index] = int32(i)
	}
	start := make([]int32, len(links)+1)
	owner := make([]int32, len(addrs))
	for i := range addrs {
		p, ok := pos[addrs[i].Index]
		if !ok {
			p = -1
		} else {
			start[p+1]++
		}
		owner[i] = p
	}
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	order := make([]int32, start[len(links)])
	next := append([]int32(nil), start[:len(links)]...)
	for i, p := range owner {
		if p >= 0 {
			order[next[p]] = int32(i)
			next[p]++
		}
	}
	return func(i int) []int32 { return order[start[i]:start[i+1]] }
}

// addrLocal is the address itself; addrPeer the peer's, if it has one.
func addrLocal(a *rtnl.AddrMessage) netip.Addr {
	if a.Attrs.Local.IsValid() {
		return a.Attrs.Local
	}
	return a.Attrs.Address
}

func addrPeer(a *rtnl.AddrMessage) netip.Addr {
	if a.Attrs.Local.IsValid() && a.Attrs.Address.IsValid() && a.Attrs.Local != a.Attrs.Address {
		return a.Attrs.Address
	}
	return netip.Addr{}
}

func lifetime(v uint32) string {
	if v == rtnl.LifetimeForever {
		return "forever"
	}
	return fmt.Sprintf("%dsec", v)
}

// addrText writes an address's two lines as `ip addr` does.
func addrText(b *strings.Builder, a *rtnl.AddrMessage) {
	v6 := a.Family == rtnl.FamilyInet6
	fmt.Fprintf(b, "    %s %s", a.Family, paintAddr(addrLocal(a).String(), v6))
	if peer := addrPeer(a); peer.IsValid() {
		fmt.Fprintf(b, " peer %s", paintAddr(peer.String(), v6))
	}
	fmt.Fprintf(b, "/%d ", a.PrefixLen)
	if a.Attrs.Broadcast.IsValid() {
		fmt.Fprintf(b, "brd %s", paintAddr(a.Attrs.Broadcast.String()+" ", v6))
	}
	if a.Attrs.Anycast.IsValid() {
		fmt.Fprintf(b, "any %s", paintAddr(a.Attrs.Anycast.String()+" ", v6))
	}
	fmt.Fprintf(b, "scope %s ", a.Scope)
	for _, f := range a.Flags.Names(a.Family) {
		fmt.Fprintf(b, "%s ", f)
	}
	if a.Family == rtnl.FamilyInet && a.Attrs.Label != "" {
		b.WriteString(a.Attrs.Label)
	}
	b.WriteString("\n")
	if ci := a.Attrs.CacheInfo; ci != nil {
		fmt.Fprintf(b, "       valid_lft %s preferred_lft %s\n", lifetime(ci.Valid), lifetime(ci.Preferred))
	}
}

// addrFlush is "address flush dev DEV".
type addrFlush struct {
	dev string
	f   addrFilter
}

func parseAddrFlush(a *argv) (command, error) {
	var c addrFlush
	for a.more() {
		word := a.next()
		var err error
		switch {
		case word == "dev":
			if c.dev, err = devArg(a, word); err != nil {
				return nil, err
			}
		case c.dev == "" && !isAddrFilterWord(word):
			if err := checkDevName(word); err != nil {
				return nil, err
			}
			c.dev = word
		default:
			if ok, err := c.f.parseWord(word, a); ok || err != nil {
				if err != nil {
					return nil, err
				}
				continue
			}
			return nil, errGarbage("dev", word, usagef("address flush: unexpected argument %q", word))
		}
	}
	if c.dev == "" {
		return nil, ipUsage(1, "Flush requires arguments.", usagef("address flush: missing \"dev DEV\" (flushing every link is not supported)"))
	}
	return c, nil
}

// step is the command as a plan step.
func (c addrFlush) step(e *env) (plan.Step, error) {
	ref, err := e.ref()
	if err != nil {
		return nil, err
	}
	st := plan.AddrFlush{NS: ref, Dev: c.dev, Family: optFamily(e.opt)}
	if c.f.active() {
		f := c.f
		st.Select = f.pass
	}
	return st, nil
}

func (c addrFlush) run(e *env) error { return runStep(e, c, "") }

// applied: nothing left to flush.
func (c addrFlush) applied(e *env) (bool, error) { return appliedStep(e, c) }

// inverse adds back every address the link has now.
func (c addrFlush) inverse(e *env) (command, error) { return inverseStep(e, c) }

// addrValueWords are the addr keywords that take a value, by canonical name;
// giving one twice is an error, as in iproute2.
var addrValueWords = map[string]string{
	"dev": "dev", "peer": "peer", "broadcast": "broadcast", "brd": "broadcast", "label": "label",
	"scope": "scope", "valid_lft": "valid_lft", "preferred_lft": "preferred_lft", "metric": "metric",
}
