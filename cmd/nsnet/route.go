package main

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"github.com/nsnet/nsnet/plan"
	"github.com/nsnet/nsnet/rtnl"
)

const routeHelp = `Usage: nsnet route { add | del | replace | append | change } ROUTE
       nsnet route { show | flush } SELECTOR
       nsnet route flush cache
       nsnet route get ADDRESS [ from ADDRESS ] [ iif DEV ] [ oif DEV ] [ mark N ]
                       [ tos TOS ] [ uid N ] [ ipproto PROTO ] [ sport N ] [ dport N ]
                       [ fibmatch ] [ notify ]
       nsnet route save SELECTOR > FILE
       nsnet route { restore | showdump } < FILE

SELECTOR := [ table { TABLE | all | cache } ] [ dev DEV ] [ iif DEV ] [ root PREFIX ]
            [ match PREFIX ] [ exact PREFIX | PREFIX ] [ from [ root | match | exact ] PREFIX ]
            [ via PREFIX ] [ src PREFIX ] [ metric N ] [ tos TOS ] [ mark N ]
            [ proto { PROTO | all } ] [ scope { SCOPE | all } ] [ type TYPE ] [ cloned ]
            [ realms [SRCREALM/]DSTREALM ]
ROUTE := [ TYPE ] { PREFIX | default } [ from PREFIX ] [ tos TOS ] [ via ADDRESS ]
         [ dev DEV ] [ src ADDRESS ] [ metric N ] [ table TABLE ] [ proto PROTO ]
         [ scope SCOPE ] [ onlink ] [ mtu [ lock ] N ] [ advmss N ] [ expires SECONDS ]
         [ realms [SRCREALM/]DSTREALM ]
         [ nexthop [ via ADDRESS ] [ dev DEV ] [ weight 1-256 ] [ onlink ] ]...
TYPE  := unicast | local | broadcast | multicast | blackhole | unreachable | prohibit | throw
TABLE := main | local | default | NUMBER
SCOPE := global | link | host | NUMBER      PROTO := boot | static | kernel | NAME | NUMBER
TOS   := a hex number or a name from rt_dsfield (also dsfield)

As with ip: the family comes from the addresses (-6 for "default" alone), the
table is main (local for local, broadcast, nat and anycast routes), the
protocol boot, and a route with a device and no gateway has scope link.
"root" selects routes inside a prefix, "match" routes containing it, a bare
prefix that route exactly; "from" does the same for the source prefix of
source-specific routes, "via" and "src" select by gateway and preferred
source address inside a prefix. Keywords may be abbreviated as in ip. "flush" deletes what "show" would list; in an up
file it is undone by adding those routes back. "show" lists the main table's IPv4 routes unless -6 or "table all"
says otherwise. "get" asks the kernel which route a packet would take.
"nsnet route" alone is "nsnet route show". "save" writes what "show" would
list in ip's binary format (never to a terminal), "restore" adds the routes
of such a file back (those of local addresses, then of local networks, then
via gateways; one already there is kept) and, if the kernel refuses one,
deletes those it added; "showdump" lists a file's routes.
`

func parseRoute(args []string, opt options) (command, error) {
	a := &argv{w: args}
	if !a.more() {
		return routeShow{family: optFamily(opt)}, nil
	}
	word := a.next()
	switch {
	case matches(word, "add"):
		return parseRouteChange(a, "add", opt)
	case matches(word, "delete") || word == "del":
		return parseRouteChange(a, "delete", opt)
	case matches(word, "replace"):
		return parseRouteChange(a, "replace", opt)
	case matches(word, "append"):
		return parseRouteChange(a, "append", opt)
	case matches(word, "change"):
		return parseRouteChange(a, "change", opt)
	case matches(word, "show") || matches(word, "list") || word == "lst" || word == "ls":
		return parseRouteShow(a, opt)
	case matches(word, "get"):
		return parseRouteGet(a, opt)
	case matches(word, "flush"):
		return parseRouteFlush(a, opt)
	case matches(word, "save"):
		c, err := parseRouteShow(a, opt)
		if err != nil {
			return nil, err
		}
		return routeSave{sel: c.(routeShow)}, nil
	case matches(word, "restore"):
		return routeRestore{}, nil // ip reads no more words
	case matches(word, "showdump"):
		return routeShowdump{}, nil
	case isHelp(word):
		return helpCmd{text: routeHelp}, nil
	}
	return nil, errUnknownCommand("route", word)
}

// routeChange is "route add|del|replace|append|change".
type routeChange struct {
	// devIndex, when not 0, is dev's index as the batch knows it (see
	// linkNames): message uses it instead of a lookup.
	devIndex uint32
	op       string
	family   rtnl.Family
	typ      *rtnl.RouteType
	dst      netip.Prefix
	via      netip.Addr
	dev      string
	src      netip.Addr
	metric   *uint32
	table    *rtnl.Table
	scope    *rtnl.Scope
	proto    *rtnl.RouteProtocol
	onlink   bool
	mtu      *uint32
	mtuLock  bool
	advmss   *uint32
	expires  *uint32
	realms   *uint32
	tos      uint8
	from     *netip.Prefix
	// nexthops are the "nexthop" groups of a multipath route.
	nexthops []nexthopArg
}

func parseRouteChange(a *argv, op string, opt options) (command, error) {
	c := routeChange{op: op, family: optFamily(opt)}
	isDefault := false
	seen := map[string]bool{}
	for a.more() {
		word := a.next()
		if err := once(seen, routeValueWords, word, a); err != nil {
			return nil, err
		}
		var err error
		switch word {
		case "via", "gw":
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			if v == "inet" || v == "inet6" {
				if v, err = a.value(v); err != nil {
					return nil, err
				}
			}
			if c.via, err = parseIP(word, v); err != nil {
				return nil, errFamilyAddr(familyWord(c.family), v, err)
			}
			if f := rtnl.FamilyOf(c.via); c.family != rtnl.FamilyUnspec && f != c.family {
				return nil, errFamilyAddr(familyWord(c.family), v, usagef("route %s: addresses of different families (IPv4 and IPv6)", op))
			}
			if c.family == rtnl.FamilyUnspec {
				c.family = rtnl.FamilyOf(c.via)
			}
		case "dev", "oif":
			if c.dev, err = devArg(a, word); err != nil {
				return nil, err
			}
		case "src":
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			if c.src, err = parseIP(word, v); err != nil {
				return nil, errFamilyAddr(familyWord(c.family), v, err)
			}
			if f := rtnl.FamilyOf(c.src); c.family != rtnl.FamilyUnspec && f != c.family {
				return nil, errFamilyAddr(familyWord(c.family), v, usagef("route %s: addresses of different families (IPv4 and IPv6)", op))
			}
			if c.family == rtnl.FamilyUnspec {
				c.family = rtnl.FamilyOf(c.src)
			}
		case "metric", "priority", "preference":
			n, err := u32Arg(a, word)
			if err != nil {
				return nil, err
			}
			c.metric = &n
		case "table":
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			t, err := rtnl.ParseTable(v)
			if err != nil || t == rtnl.TableUnspec {
				return nil, errInvarg("\"table\" value is invalid\n", v, usagef("invalid table %q", v))
			}
			c.table = &t
		case "scope":
			v, err := parsedValue(a, word, rtnl.ParseScope)
			if err != nil {
				return nil, err
			}
			c.scope = v
		case "proto", "protocol":
			v, err := parsedValue(a, word, rtnl.ParseRouteProtocol)
			if err != nil {
				return nil, err
			}
			c.proto = v
		case "onlink":
			c.onlink = true
		case "from":
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			p, _, err := parsePrefix("route "+op, v)
			if err != nil {
				return nil, ipUsage(1, fmt.Sprintf("Error: %s prefix is expected rather than %q.", familyWord(c.family), v), err)
			}
			if f := rtnl.FamilyOf(p.Addr()); c.family != rtnl.FamilyUnspec && f != c.family {
				return nil, ipUsage(1, fmt.Sprintf("Error: %s prefix is expected rather than %q.", familyWord(c.family), v),
					usagef("route %s: addresses of different families (IPv4 and IPv6)", op))
			}
			c.family = rtnl.FamilyOf(p.Addr())
			c.from = &p
		case "tos", "dsfield":
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			if c.tos, err = parseDSField(v); err != nil {
				return nil, errInvarg("\"tos\" value is invalid\n", v, err)
			}
		case "mtu", "advmss":
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			if v == "lock" && word == "mtu" {
				c.mtuLock = true
				if v, err = a.value("lock"); err != nil {
					return nil, err
				}
			}
			n, err := parseU32(word, v)
			if err != nil {
				return nil, err
			}
			if word == "mtu" {
				c.mtu = &n
			} else {
				c.advmss = &n
			}
		case "realm", "realms":
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			r, err := parseRealms(v)
			if err != nil {
				return nil, errInvarg("\"realm\" value is invalid\n", v, err)
			}
			c.realms = &r
		case "expires":
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			n, err := strconv.ParseUint(v, 0, 32)
			if err != nil {
				return nil, errInvarg("\"expires\" value is invalid\n", v, usagef("route %s: expires %q is not a number of seconds", op, v))
			}
			c.expires = new(uint32(n))
		case "to":
			continue
		case "nexthop":
			a.i--
			if c.nexthops, err = parseNexthops(a); err != nil {
				return nil, err
			}
		default:
			// "default", the usual word here, names no type: no error is
			// built for it.
			if c.typ == nil && !c.dst.IsValid() && !isDefault && word != "default" {
				if t, err := rtnl.ParseRouteType(word); err == nil {
					c.typ = &t
					continue
				}
			}
			if c.dst.IsValid() || isDefault {
				return nil, errGarbage("to", word, usagef("route %s: unexpected argument %q", op, word))
			}
			if word == "default" || word == "all" || word == "any" {
				isDefault = true
				continue
			}
			if c.dst, _, err = parsePrefix("route "+op, word); err != nil {
				return nil, ipUsage(1, fmt.Sprintf("Error: %s prefix is expected rather than %q.", familyWord(c.family), word), err)
			}
			if f := rtnl.FamilyOf(c.dst.Addr()); c.family != rtnl.FamilyUnspec && f != c.family {
				return nil, ipUsage(1, fmt.Sprintf("Error: %s prefix is expected rather than %q.", familyWord(c.family), word),
					usagef("route %s: addresses of different families (IPv4 and IPv6)", op))
			}
			c.family = rtnl.FamilyOf(c.dst.Addr())
		}
	}
	if !c.dst.IsValid() && !isDefault {
		return nil, usagef("route %s: missing the destination (PREFIX or default)", op)
	}
	// The family: the destination's, else the gateway's or source's,
	// else -4/-6, else IPv4.
	fams := map[rtnl.Family]string{}
	for _, x := range []struct {
		a    netip.Addr
		what string
	}{{c.dst.Addr(), "destination"}, {c.via, "gateway"}, {c.src, "source"}, {firstNexthopVia(c.nexthops), "gateway"}} {
		if x.a.IsValid() {
			fams[rtnl.FamilyOf(x.a)] = x.what
			if c.family == rtnl.FamilyUnspec {
				c.family = rtnl.FamilyOf(x.a)
			}
		}
	}
	if len(fams) > 1 {
		return nil, usagef("route %s: addresses of different families (IPv4 and IPv6)", op)
	}
	if f := optFamily(opt); f != rtnl.FamilyUnspec {
		if c.family != rtnl.FamilyUnspec && c.family != f {
			return nil, usagef("route %s: %s address with -%d", op, c.family, opt.family)
		}
		c.family = f
	}
	if c.family == rtnl.FamilyUnspec {
		c.family = rtnl.FamilyInet
	}
	if isDefault {
		c.dst = defaultPrefix(c.family)
	}
	return c, nil
}

// defaultPrefix is 0.0.0.0/0 or ::/0.
func defaultPrefix(f rtnl.Family) netip.Prefix {
	if f == rtnl.FamilyInet6 {
		return netip.PrefixFrom(netip.IPv6Unspecified(), 0)
	}
	return netip.PrefixFrom(netip.IPv4Unspecified(), 0)
}

// step is the command as a plan step.
func (c routeChange) step(e *env) (plan.Step, error) {
	ref, err := e.ref()
	if err != nil {
		return nil, err
	}
	r := plan.RouteAdd{NS: ref, Dst: c.dst, Gateway: c.via, Dev: c.dev, Type: c.typ, Src: c.src, Metric: c.metric, Table: c.table,
		Scope: c.scope, Protocol: c.proto, Onlink: c.onlink, MTU: c.mtu, MTULock: c.mtuLock, AdvMSS: c.advmss, DevIndex: c.devIndex,
		TOS: c.tos, From: c.from, Expires: c.expires, Realms: c.realms}
	for _, nh := range c.nexthops {
		r.Nexthops = append(r.Nexthops, plan.Nexthop{Via: nh.via, Dev: nh.dev, Weight: nh.weight, Onlink: nh.onlink})
	}
	switch c.op {
	case "add":
		return r, nil
	case "replace":
		return plan.RouteReplace(r), nil
	case "append":
		return plan.RouteAppend(r), nil
	case "change":
		return plan.RouteChange(r), nil
	}
	return plan.RouteDel(r), nil
}

// object names the route in errors as it was typed.
func (c routeChange) object() string {
	s := routeDst(c.dst, c.family)
	if c.via.IsValid() {
		s += " via " + c.via.String()
	}
	if c.dev != "" {
		s += " dev " + c.dev
	}
	if c.table != nil && *c.table != rtnl.TableMain {
		s += " table " + c.table.String()
	}
	return s
}

func (c routeChange) run(e *env) error {
	if c.op == "add" && c.dev != "" {
		if idx, ok := e.s.names.index(e.ns, c.dev); ok {
			c.devIndex = idx
			err := runNamedStep(e, c)
			if !noDevice(err) {
				return err
			}
			// The link the batch made is gone: look the name up now.
			e.s.names.forget()
			c.devIndex = 0
		}
	}
	return runNamedStep(e, c)
}

// applied: an added route is there, a deleted one is not, a replaced or
// changed one has what the command would set.
func (c routeChange) applied(e *env) (bool, error) { return appliedStep(e, c) }

// inverse deletes what add, append (or replace of nothing) made, and puts
// back what delete or replace removed, from the kernel's own copy.
func (c routeChange) inverse(e *env) (command, error) { return inverseStep(e, c) }

// routeShow is "route show".
type routeShow struct {
	family rtnl.Family
	table  *rtnl.Table // nil: main; TableUnspec: all
	dev    string
	iif    string
	// root selects routes inside a prefix, match routes that contain
	// one; a bare prefix (or "exact") sets both, as in ip. fromRoot and
	// fromMatch do the same for the source prefix (from).
	root, match         *netip.Prefix
	fromRoot, fromMatch *netip.Prefix
	// via and src select by gateway and preferred source address: the
	// route's address inside the prefix.
	via, src *netip.Prefix
	proto    *rtnl.RouteProtocol
	scope    *rtnl.Scope
	typ      *rtnl.RouteType
	tos      *uint8
	mark     *uint32
	metric   *uint32
	// realm and realmMask select by realms (RTA_FLOW) as ip's filter
	// does: the halves the selector names.
	realm, realmMask uint32
	cache            bool   // "cache" / "cloned": the route cache instead
	flush            bool   // parsed for "route flush"
	iifIndex         uint32 // iif's index, once routes looked it up
}

// parseRouteShow reads a route SELECTOR with ip's keywords, tried in
// ip's order (iproute_list_flush_or_save), abbreviations included.
func parseRouteShow(a *argv, opt options) (command, error) {
	c := routeShow{family: optFamily(opt)}
	for a.more() {
		word := a.next()
		var err error
		switch {
		case matches(word, "table"):
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			t, terr := rtnl.ParseTable(v)
			switch {
			case terr == nil:
				c.table = &t
			case v == "all":
				t = rtnl.TableUnspec
				c.table = &t
			case v == "cache":
				c.cache = true
			default:
				return nil, errInvarg("table id value is invalid\n", v, usagef("%v", terr))
			}
		case matches(word, "vrf"):
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			return nil, errInvarg("Invalid VRF\n", v, usagef("route show vrf %q: nsnet does not read VRF tables; use table N", v))
		case matches(word, "cached") || matches(word, "cloned"):
			c.cache = true
		case word == "tos" || matches(word, "dsfield"):
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			tos, terr := parseDSField(v)
			if terr != nil {
				return nil, errInvarg("TOS value is invalid\n", v, terr)
			}
			c.tos = &tos
		case matches(word, "protocol"):
			if a.peek() == "all" {
				a.next()
				c.proto = nil
				continue
			}
			v, err := parsedValue(a, word, rtnl.ParseRouteProtocol)
			if err != nil {
				return nil, err
			}
			c.proto = v
		case matches(word, "scope"):
			if a.peek() == "all" {
				a.next()
				c.scope = nil
				continue
			}
			v, err := parsedValue(a, word, rtnl.ParseScope)
			if err != nil {
				return nil, err
			}
			c.scope = v
		case matches(word, "type"):
			v, err := parsedValue(a, word, rtnl.ParseRouteType)
			if err != nil {
				return nil, err
			}
			c.typ = v
		case word == "dev" || word == "oif":
			if c.dev, err = devArg(a, word); err != nil {
				return nil, err
			}
		case word == "iif":
			if c.iif, err = devArg(a, word); err != nil {
				return nil, err
			}
		case word == "mark":
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			n, perr := parseU32("mark", v)
			if perr != nil {
				return nil, errInvarg("invalid mark value", v, usagef("invalid mark %q", v))
			}
			c.mark = &n
		case matches(word, "metric") || matches(word, "priority") || word == "preference":
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			n, err := parseU32("metric", v)
			if err != nil {
				return nil, err
			}
			c.metric = &n
		case word == "via":
			if a.peek() == "inet" || a.peek() == "inet6" {
				a.next()
			}
			if c.via, err = prefixArg(a, word, c.family); err != nil {
				return nil, err
			}
		case word == "src":
			if c.src, err = prefixArg(a, word, c.family); err != nil {
				return nil, err
			}
		case matches(word, "realms"):
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			if c.realm, err = parseRealms(v); err != nil {
				return nil, errInvarg("invalid realms\n", v, err)
			}
			// As ip: a half not given ("5/", "/5" or "5") is not compared.
			c.realmMask = ^uint32(0)
			if c.realm&0xffff == 0 && strings.HasSuffix(v, "/") {
				c.realmMask &^= 0xffff
			}
			if c.realm&0xffff0000 == 0 && (!strings.Contains(v, "/") || strings.HasPrefix(v, "/")) {
				c.realmMask &^= 0xffff0000
			}
		case matches(word, "from"):
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			if c.fromRoot, c.fromMatch, err = rootMatch(a, v, c.family, c.fromRoot, c.fromMatch); err != nil {
				return nil, err
			}
		default:
			if matches(word, "to") {
				if word, err = a.value(word); err != nil {
					return nil, err
				}
			}
			if c.root, c.match, err = rootMatch(a, word, c.family, c.root, c.match); err != nil {
				return nil, err
			}
		}
	}
	for _, p := range []*netip.Prefix{c.root, c.match, c.fromRoot, c.fromMatch, c.via, c.src} {
		if p != nil && p.Addr().IsValid() && c.family == rtnl.FamilyUnspec {
			c.family = rtnl.FamilyOf(p.Addr())
		}
	}
	return c, nil
}

// rootMatch reads "[root|match|exact] PREFIX" starting at word into the
// root and match selectors it returns: root for routes inside PREFIX,
// match for routes that contain it, both for exact (and a bare prefix).
func rootMatch(a *argv, word string, f rtnl.Family, root, match *netip.Prefix) (*netip.Prefix, *netip.Prefix, error) {
	mode := "exact"
	for _, m := range []string{"root", "match", "exact"} {
		if matches(word, m) {
			mode = m
			v, err := a.value(word)
			if err != nil {
				return nil, nil, err
			}
			word = v
			break
		}
	}
	p, err := selectorPrefix(word, f)
	if err != nil {
		return nil, nil, err
	}
	if mode != "match" {
		if root != nil {
			return nil, nil, errGarbage("to", word, usagef("route show: unexpected argument %q", word))
		}
		root = &p
	}
	if mode != "root" {
		match = &p
	}
	return root, match, nil
}

// prefixArg reads keyword's value as a selector prefix.
func prefixArg(a *argv, keyword string, f rtnl.Family) (*netip.Prefix, error) {
	v, err := a.value(keyword)
	if err != nil {
		return nil, err
	}
	p, err := selectorPrefix(v, f)
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// selectorPrefix is a route selector's prefix: an address (a host
// prefix), ADDR/LEN, or default (also all, any).
func selectorPrefix(word string, f rtnl.Family) (netip.Prefix, error) {
	if word == "default" || word == "all" || word == "any" {
		return defaultPrefix(f), nil
	}
	p, _, err := parsePrefix("route show", word)
	if err != nil {
		return netip.Prefix{}, errPrefix(word, err)
	}
	return p.Masked(), nil
}

// selects reports whether r passes the command's selectors, as ip's
// filter_nlmsg decides.
func (c routeShow) selects(r *rtnl.RouteMessage) bool {
	a := r.Attrs
	if (r.Flags&rtnl.RouteCloned != 0) != c.cache ||
		c.proto != nil && r.Protocol != *c.proto ||
		c.scope != nil && r.Scope != *c.scope ||
		c.typ != nil && r.Type != *c.typ ||
		c.tos != nil && r.TOS != *c.tos ||
		c.mark != nil && u32or0(a.Mark) != *c.mark ||
		c.metric != nil && u32or0(a.Priority) != *c.metric ||
		c.iif != "" && u32or0(a.IIF) != c.iifIndex ||
		(u32or0(a.Flow)^c.realm)&c.realmMask != 0 {
		return false
	}
	dst := r.Dst
	if !dst.IsValid() {
		dst = defaultPrefix(r.Family)
	}
	if !inside(dst, c.root) || !contains(dst, c.match) {
		return false
	}
	if c.fromRoot != nil || c.fromMatch != nil {
		src := r.Src
		if !src.IsValid() {
			src = defaultPrefix(r.Family)
		}
		if !inside(src, c.fromRoot) || !contains(src, c.fromMatch) {
			return false
		}
	}
	return addrIn(a.Gateway, r.Family, c.via) && addrIn(a.PrefSrc, r.Family, c.src)
}

// inside reports whether q is inside p (at least as long, the same
// leading bits); a nil p selects everything.
func inside(q netip.Prefix, p *netip.Prefix) bool {
	return p == nil || q.Bits() >= p.Bits() && (!p.Addr().IsValid() || sameFamily(p.Addr(), q.Addr()) &&
		netip.PrefixFrom(q.Addr(), p.Bits()).Masked() == *p)
}

// contains reports whether q contains p (at most as long, p inside it);
// a nil p selects everything.
func contains(q netip.Prefix, p *netip.Prefix) bool {
	return p == nil || q.Bits() <= p.Bits() && (!p.Addr().IsValid() || sameFamily(p.Addr(), q.Addr()) &&
		netip.PrefixFrom(p.Addr(), q.Bits()).Masked() == q.Masked())
}

// addrIn reports whether a route's address (a gateway, a preferred
// source) is inside p, as ip compares them: a route without the address
// counts as the family's zero address. A nil p selects everything.
func addrIn(a netip.Addr, f rtnl.Family, p *netip.Prefix) bool {
	if p == nil {
		return true
	}
	if !a.IsValid() {
		a = defaultPrefix(f).Addr()
	}
	return sameFamily(a, p.Addr()) && netip.PrefixFrom(a, p.Bits()).Masked() == *p
}

// hostPrefix reports whether p is a whole address (a /32 or /128).
func hostPrefix(p *netip.Prefix) bool { return p != nil && p.Bits() == p.Addr().BitLen() }

// sameFamily says whether a and b are both IPv4 or both IPv6.
func sameFamily(a, b netip.Addr) bool { return a.Is4() == b.Is4() }

// routes returns the routes the command selects, with the connection.
// With mainEmpty, a main table the kernel does not have yet (a namespace
// with no IPv4 route) selects nothing, as ip's listings take it; a flush
// is refused there, as ip's is.
func (c routeShow) routes(e *env, mainEmpty bool) (*rtnl.Conn, []rtnl.RouteMessage, error) {
	conn, routes, _, err := c.list(e, mainEmpty, false)
	return conn, routes, err
}

// list is routes; with raw, it also returns each selected route's message
// as the kernel sent it (for route save).
func (c routeShow) list(e *env, mainEmpty, raw bool) (*rtnl.Conn, []rtnl.RouteMessage, []rtnl.Saved, error) {
	conn, err := e.rtnl()
	if err != nil {
		return nil, nil, nil, err
	}
	f := rtnl.RouteFilter{Family: c.family, Table: rtnl.TableMain}
	if c.table != nil {
		f.Table = *c.table
	}
	if c.cache && c.table == nil {
		f.Table = rtnl.TableUnspec
	}
	if f.Family == rtnl.FamilyUnspec && f.Table != rtnl.TableUnspec {
		f.Family = rtnl.FamilyInet // as ip: one table means IPv4 unless -6
	}
	if c.iif != "" {
		if c.iifIndex, err = linkIndex(conn, c.iif); err != nil {
			return nil, nil, nil, err
		}
	}
	if c.dev != "" {
		if f.OIF, err = linkIndex(conn, c.dev); err != nil {
			return nil, nil, nil, err
		}
	}
	var all []rtnl.RouteMessage
	var saved []rtnl.Saved
	if raw {
		all, saved, err = conn.RoutesSaved(f)
	} else {
		all, err = conn.Routes(f)
	}
	if mainEmpty && f.Table == rtnl.TableMain && errors.Is(err, os.ErrNotExist) {
		return conn, nil, nil, nil
	}
	if err != nil {
		return nil, nil, nil, err
	}
	var out []rtnl.RouteMessage
	var outRaw []rtnl.Saved
	for i := range all {
		if c.selects(&all[i]) {
			out = append(out, all[i])
			if raw {
				outRaw = append(outRaw, saved[i])
			}
		}
	}
	return conn, out, outRaw, nil
}

func (c routeShow) run(e *env) error {
	conn, routes, err := c.routes(e, true)
	if err != nil {
		return err
	}
	links, err := conn.Links()
	if err != nil {
		return err
	}
	showTable := c.table != nil && *c.table == rtnl.TableUnspec || c.cache && c.table == nil
	p := &routePrinter{tab: newLinkTable(conn, links), details: e.opt.details, stats: e.opt.stats,
		showTable: showTable, showDev: c.dev == "",
		hideProto: c.proto != nil, hideScope: c.scope != nil, hideTOS: c.tos != nil,
		hideVia: hostPrefix(c.via), hideSrc: hostPrefix(c.src), hideMetric: c.metric != nil, hideIIF: c.iif != "", hideRealms: c.realmMask == ^uint32(0)}
	return printRoutes(e, p, routes)
}

// printRoutes lists routes with p as text or JSON, as e's options say.
func printRoutes(e *env, p *routePrinter, routes []rtnl.RouteMessage) error {
	out := []any{}
	var b, rec strings.Builder
	for i := range routes {
		r := &routes[i]
		if e.opt.json {
			out = append(out, p.json(r))
		} else {
			if e.opt.oneline {
				p.text(&rec, r)
				joinRecord(&b, &rec)
			} else {
				p.text(&b, r)
			}
		}
	}
	if e.opt.json {
		return e.printJSON(out)
	}
	_, err := fmt.Fprint(e.out, b.String())
	return err
}

// routeFlush is "route flush SELECTOR": it deletes what "route show
// SELECTOR" lists; "flush cache" flushes the IPv4 route cache.
type routeFlush struct{ sel routeShow }

func parseRouteFlush(a *argv, opt options) (command, error) {
	if !a.more() {
		return nil, ipUsage(1, "\"ip route flush\" requires arguments.", usagef("route flush: missing a selector (table, dev, PREFIX, cache ...)"))
	}
	c, err := parseRouteShow(a, opt)
	if err != nil {
		return nil, err
	}
	sel := c.(routeShow)
	sel.flush = true
	return routeFlush{sel: sel}, nil
}

// step is the command as a plan step: the selector lists the routes, and
// -s prints ip's account of the rounds.
func (c routeFlush) step(e *env) (plan.Step, error) {
	ref, err := e.ref()
	if err != nil {
		return nil, err
	}
	st := plan.RouteFlush{NS: ref, Cache: c.sel.cache, Family: c.sel.family}
	st.List = func() ([]rtnl.RouteMessage, error) {
		_, routes, err := c.sel.routes(e, false)
		var re *rtnl.Error
		if errors.As(err, &re) && re.Kernel() {
			return nil, &flushError{err}
		}
		return routes, err
	}
	if e.opt.stats {
		st.Round = func(round, n int) error {
			switch {
			case n > 0:
				fmt.Fprintf(e.out, "\n*** Round %d, deleting %d entries ***\n", round+1, n)
			case round == 0:
				fmt.Fprintln(e.out, "Nothing to flush.")
			default:
				fmt.Fprintf(e.out, "*** Flush is complete after %d round%s ***\n", round, map[bool]string{true: "s"}[round > 1])
			}
			return nil
		}
	}
	return st, nil
}

func (c routeFlush) run(e *env) error { return runStep(e, c, "") }

// flushError is a kernel refusal of the dump a flush starts with; ip
// says "Flush terminated" after the kernel's answer.
type flushError struct{ err error }

func (f *flushError) Error() string { return f.err.Error() }
func (f *flushError) Unwrap() error { return f.err }

// applied: nothing left to flush.
func (c routeFlush) applied(e *env) (bool, error) { return appliedStep(e, c) }

// inverse adds back every route the selector lists now; the route cache
// is nobody's state and needs no undoing.
func (c routeFlush) inverse(e *env) (command, error) { return inverseStep(e, c) }

// routeGet is "route get ADDRESS".
type routeGet struct {
	dst, from    netip.Addr
	iif, oif     string
	mark, uid    *uint32
	tos          uint8
	flags        rtnl.RouteFlags // fibmatch, notify
	ipproto      *uint8
	sport, dport *uint16
}

func parseRouteGet(a *argv, opt options) (command, error) {
	var c routeGet
	for a.more() {
		word := a.next()
		var err error
		// ip's words in ip's order (iproute_get), abbreviated as its
		// matches() allows ("dev", "to", "tos" whole): "f" is from.
		switch {
		case word == "tos" || matches(word, "dsfield"):
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			if c.tos, err = parseDSField(v); err != nil {
				return nil, errInvarg("TOS value is invalid\n", v, err)
			}
		case matches(word, "from"):
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			p, _, err := parsePrefix(word, v)
			if err != nil {
				return nil, err
			}
			c.from = p.Addr()
		case matches(word, "iif"):
			if c.iif, err = devArg(a, word); err != nil {
				return nil, err
			}
		case matches(word, "mark"):
			n, err := u32Arg(a, word)
			if err != nil {
				return nil, err
			}
			c.mark = &n
		case matches(word, "oif") || word == "dev":
			if c.oif, err = devArg(a, word); err != nil {
				return nil, err
			}
		case matches(word, "fibmatch"):
			c.flags |= rtnl.RouteFibMatch
		case matches(word, "notify"):
			c.flags |= rtnl.RouteNotify
		case matches(word, "uid"):
			n, err := u32Arg(a, word)
			if err != nil {
				return nil, err
			}
			c.uid = &n
		case matches(word, "sport") || matches(word, "dport"):
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			n, err := strconv.ParseUint(v, 0, 16)
			if err != nil {
				name := map[bool]string{true: "sport", false: "dport"}[matches(word, "sport")]
				return nil, errInvarg("invalid "+name+"\n", v, usagef("route get %s: %q is not a port", name, v))
			}
			port := uint16(n)
			if matches(word, "sport") {
				c.sport = &port
			} else {
				c.dport = &port
			}
		case matches(word, "ipproto"):
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			p, err := parseIPProto(v)
			if err != nil {
				return nil, errInvarg("Invalid \"ipproto\" value\n", v, err)
			}
			c.ipproto = &p
		case word == "to":
			continue
		default:
			// As ip: a second address replaces the first.
			p, _, err := parsePrefix("route get", word)
			if err != nil {
				// ip's family: -4/-6's, else the first address's.
				fam := optFamily(opt)
				if c.dst.IsValid() {
					fam = rtnl.FamilyOf(c.dst)
				}
				return nil, ipUsage(1, fmt.Sprintf("Error: %s prefix is expected rather than %q.", familyWord(fam), word), err)
			}
			c.dst = p.Addr()
		}
	}
	if !c.dst.IsValid() {
		return nil, ipUsage(1, "need at least a destination address", usagef("route get: missing the address"))
	}
	if c.from.IsValid() && c.from.Is4() != c.dst.Is4() {
		return nil, usagef("route get: from %s and %s of different families", c.from, c.dst)
	}
	if f := optFamily(opt); f != rtnl.FamilyUnspec && f != rtnl.FamilyOf(c.dst) {
		return nil, usagef("route get: %s is not an -%d address", c.dst, opt.family)
	}
	return c, nil
}

func (c routeGet) run(e *env) error {
	conn, err := e.rtnl()
	if err != nil {
		return err
	}
	m := &rtnl.RouteMessage{Family: rtnl.FamilyOf(c.dst), Dst: netip.PrefixFrom(c.dst, c.dst.BitLen()), TOS: c.tos, Flags: c.flags}
	if m.Family == rtnl.FamilyInet {
		m.Flags |= rtnl.RouteLookupTable // as ip; IPv6 refuses the flag
	}
	m.Attrs.UID, m.Attrs.IPProto, m.Attrs.SPort, m.Attrs.DPort = c.uid, c.ipproto, c.sport, c.dport
	if c.from.IsValid() {
		m.Src = netip.PrefixFrom(c.from, c.from.BitLen())
	}
	for _, d := range []struct {
		name string
		dst  **uint32
	}{{c.iif, &m.Attrs.IIF}, {c.oif, &m.Attrs.OIF}} {
		if d.name != "" {
			i, err := linkIndex(conn, d.name)
			if err != nil {
				return err
			}
			*d.dst = &i
		}
	}
	m.Attrs.Mark = c.mark
	r, err := conn.GetRoute(m)
	if err != nil {
		return named(err, c.dst.String())
	}
	// As ip: the table is printed unless it is main (or with -d).
	p := &routePrinter{tab: newLinkTable(conn, nil), details: e.opt.details, showDev: true, showTable: true, stats: e.opt.stats}
	return printRoutes(e, p, []rtnl.RouteMessage{*r})
}

// routePrinter prints routes as `ip route` does.
type routePrinter struct {
	tab       *linkTable
	details   bool
	showTable bool // "table all": print the table unless main
	showDev   bool // no "dev" filter
	stats     bool // -s: a cache entry's users, uses and age
	// A field the routes were filtered by is not printed, as in ip: the
	// gateway and preferred source only when selected by a host address.
	hideProto, hideScope, hideTOS, hideVia, hideSrc, hideMetric, hideIIF, hideRealms bool
}

// realmName is a realm as ip prints it with the default rt_realms: 0 is
// "cosmos".
func realmName(v uint32) string {
	if v == 0 {
		return "cosmos"
	}
	return strconv.Itoa(int(v))
}

// routeDst is the destination as ip prints it: "default", a host address
// or a prefix.
func routeDst(p netip.Prefix, f rtnl.Family) string {
	switch {
	case !p.IsValid() || p == defaultPrefix(f):
		return "default"
	case p.Bits() == p.Addr().BitLen():
		return p.Addr().String()
	}
	return p.String()
}

// fields returns the route's printable fields in iproute2's order; text
// and JSON are both made from them.
func (p *routePrinter) fields(r *rtnl.RouteMessage) *obj {
	o := &obj{}
	if r.Type != rtnl.RouteUnicast || p.details {
		o.add("type", r.Type.String())
	}
	o.add("dst", routeDst(r.Dst, r.Family))
	if r.Src.IsValid() {
		if r.Src.Bits() == 0 || r.Src.Bits() == r.Src.Addr().BitLen() {
			o.add("from", r.Src.Addr().String())
		} else {
			o.add("from", r.Src.String())
		}
	}
	if r.TOS != 0 && !p.hideTOS {
		o.add("tos", fmt.Sprintf("%#x", r.TOS))
	}
	a := r.Attrs
	if a.Gateway.IsValid() && !p.hideVia {
		o.add("gateway", a.Gateway.String())
	}
	if a.OIF != nil && p.showDev {
		o.add("dev", p.tab.name(*a.OIF))
	}
	if r.Table != rtnl.TableUnspec && (r.Table != rtnl.TableMain || p.details) && p.showTable {
		o.add("table", r.Table.String())
	}
	if r.Flags&rtnl.RouteCloned == 0 {
		if (r.Protocol != rtnl.ProtoBoot || p.details) && !p.hideProto {
			o.add("protocol", r.Protocol.String())
		}
		if (r.Scope != rtnl.ScopeUniverse || p.details) && !p.hideScope {
			o.add("scope", r.Scope.String())
		}
	}
	if a.PrefSrc.IsValid() && !p.hideSrc {
		o.add("prefsrc", a.PrefSrc.String())
	}
	if a.Priority != nil && !p.hideMetric {
		o.add("metric", *a.Priority)
	}
	o.add("flags", r.Flags.Names())
	if a.Mark != nil && *a.Mark != 0 {
		o.add("mark", *a.Mark)
	}
	if a.Flow != nil && !p.hideRealms {
		to, from := *a.Flow&0xffff, *a.Flow>>16
		f := &obj{}
		if from != 0 {
			f.add("from", realmName(from))
		}
		o.add("flow", f.add("to", realmName(to)))
	}
	if a.UID != nil {
		o.add("uid", *a.UID)
	}
	cloned := r.Flags&rtnl.RouteCloned != 0
	if cloned && (r.Family == rtnl.FamilyInet || r.Family == rtnl.FamilyInet6) {
		o.add("cache", r.Flags.CacheNames())
	}
	if ci := a.CacheInfo; ci != nil && (cloned && r.Family == rtnl.FamilyInet || r.Family == rtnl.FamilyInet6) {
		p.cacheInfo(o, ci)
	}
	if mx := a.Metrics; mx != nil {
		m := &obj{}
		for _, f := range []struct {
			k string
			v *uint32
		}{{"mtu", mx.MTU}, {"window", mx.Window}, {"advmss", mx.AdvMSS}, {"hoplimit", mx.HopLimit}, {"initcwnd", mx.InitCwnd}} {
			if f.v != nil {
				m.add(f.k, *f.v)
			}
		}
		if len(m.keys) > 0 {
			o.add("metrics", []any{m})
		}
	}
	if a.IIF != nil && !p.hideIIF {
		o.add("iif", p.tab.name(*a.IIF))
	}
	if a.Pref != nil {
		o.add("pref", a.Pref.String())
	}
	if len(a.Multipath) > 0 {
		o.add("nexthops", p.nexthopsJSON(a.Multipath))
	}
	return o
}

func (p *routePrinter) json(r *rtnl.RouteMessage) *obj { return p.fields(r) }

// cacheInfo adds what ip prints of a route's RTA_CACHEINFO: its expiry
// and error, with -s its users, uses and age, and the IP ID and
// timestamps when set.
func (p *routePrinter) cacheInfo(o *obj, ci *rtnl.RouteCacheInfo) {
	if ci.Expires != 0 {
		o.add("expires", ci.Expires/userHZ)
	}
	if ci.Error != 0 {
		o.add("error", ci.Error)
	}
	if p.stats {
		if ci.ClntRef != 0 {
			o.add("users", ci.ClntRef)
		}
		if ci.Used != 0 {
			o.add("used", ci.Used)
		}
		if ci.LastUse != 0 {
			o.add("age", ci.LastUse/userHZ)
		}
	}
	if ci.ID != 0 {
		o.add("ipid", fmt.Sprintf("0x%04x", ci.ID))
	}
	if ci.TS != 0 || ci.TSAge != 0 {
		o.add("ts", fmt.Sprintf("0x%x", ci.TS))
		o.add("tsage", ci.TSAge)
	}
}

// text writes one route line (two for an IPv4 cache entry).
func (p *routePrinter) text(b *strings.Builder, r *rtnl.RouteMessage) {
	o := p.fields(r)
	for i, k := range o.keys {
		v := o.vals[i]
		switch k {
		case "type":
			fmt.Fprintf(b, "%v ", v)
		case "dst":
			if v != "default" {
				b.WriteString(paint(familyColor(r.Family), fmt.Sprintf("%v ", v)))
			} else {
				fmt.Fprintf(b, "%v ", v)
			}
		case "dev":
			fmt.Fprintf(b, "dev %s", paint(colorIfname, fmt.Sprintf("%v ", v)))
		case "from":
			fmt.Fprintf(b, "from %v ", v)
		case "gateway":
			fmt.Fprintf(b, "via %s", paint(familyColor(r.Family), fmt.Sprintf("%v ", v)))
		case "protocol":
			fmt.Fprintf(b, "proto %v ", v)
		case "prefsrc":
			fmt.Fprintf(b, "src %s", paint(familyColor(r.Family), fmt.Sprintf("%v ", v)))
		case "flags":
			for _, f := range v.([]string) {
				fmt.Fprintf(b, "%s ", f)
			}
		case "flow":
			f := v.(*obj)
			if len(f.keys) == 2 {
				fmt.Fprintf(b, "realms %v/%v ", f.vals[0], f.vals[1])
			} else {
				fmt.Fprintf(b, "realm %v ", f.vals[0])
			}
		case "expires", "age", "tsage":
			fmt.Fprintf(b, "%s %vsec ", k, v)
		case "ts":
			fmt.Fprintf(b, "ts %v", v) // as ip: no space before tsage
		case "cache":
			b.WriteString("\n    cache ")
			if names := v.([]string); len(names) > 0 {
				fmt.Fprintf(b, "<%s> ", strings.Join(names, ","))
			}
		case "metrics":
			m := v.([]any)[0].(*obj)
			for j, mk := range m.keys {
				if mk == "mtu" && r.Attrs.Metrics.Lock != nil && *r.Attrs.Metrics.Lock&(1<<2) != 0 {
					fmt.Fprintf(b, "mtu lock %v ", m.vals[j])
					continue
				}
				fmt.Fprintf(b, "%s %v ", mk, m.vals[j])
			}
		case "pref":
			fmt.Fprintf(b, "pref %v", v)
		case "nexthops":
			nexthopsText(b, v.([]any))
		default:
			fmt.Fprintf(b, "%s %v ", k, v)
		}
	}
	b.WriteString("\n")
}

// routeValueWords are the route keywords that take a value, by canonical
// name; giving one twice is an error, as in iproute2.
var routeValueWords = map[string]string{
	"via": "via", "gw": "via", "dev": "dev", "oif": "dev", "src": "src", "metric": "metric",
	"priority": "metric", "preference": "metric", "table": "table", "scope": "scope",
	"proto": "proto", "protocol": "proto", "mtu": "mtu", "advmss": "advmss",
	"from": "from", "tos": "tos", "dsfield": "tos", "expires": "expires", "realm": "realms", "realms": "realms",
}
