package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/nsnet/nsnet/plan"
	"github.com/nsnet/nsnet/rtnl"
)

const ruleHelp = `RULE(8)                         nsnet                         RULE(8)

NAME
       nsnet rule - policy-routing rules, as "ip rule"

SYNOPSIS
       nsnet [ -n NS ] [ -4 | -6 ] [ -j [ -p ] ] [ -d ] rule { COMMAND | help }

       nsnet rule { add | del } SELECTOR ACTION
       nsnet rule flush [ SELECTOR ] [ protocol PROTO ]
       nsnet rule [ { show | list } [ SELECTOR ] ]

       SELECTOR := [ not ] [ from PREFIX ] [ to PREFIX ] [ tos TOS ]
                   [ fwmark FWMARK[/MASK] ] [ iif DEV ] [ oif DEV ]
                   [ pref NUMBER ] [ l3mdev ] [ uidrange NUMBER-NUMBER ]
                   [ ipproto PROTOCOL ] [ sport NUMBER[-NUMBER] ]
                   [ dport NUMBER[-NUMBER] ] [ tun_id NUMBER ]
       ACTION   := [ table TABLE_ID ] [ protocol PROTO ] [ goto NUMBER ]
                   [ realms [SRCREALM/]DSTREALM ]
                   [ nop | blackhole | unreachable | prohibit ] SUPPRESSOR
       SUPPRESSOR := [ suppress_prefixlength NUMBER ] [ suppress_ifgroup GROUP ]
       TABLE_ID := { local | main | default | NUMBER }

DESCRIPTION
       add    adds a rule. pref (also priority, order) is its position;
              without it the kernel puts the rule before the last one it
              has. Without an action the rule looks up table main. table is
              also lookup, tos also dsfield (a hex number or a name from
              /etc/iproute2/rt_dsfield). l3mdev rules take no table.

       del    removes the first rule that matches every selector given (and
              the action and table, when given).

       show (list; the default)
              lists the rules the selector matches, in priority order.

       flush  removes every rule the selector matches but the one of
              priority 0 (so main and default too, as ip does); "protocol
              PROTO" limits it to rules of that origin.

       The family is -4/-6's; without either, add and del take it from
       their addresses (else IPv4), show and flush act on IPv4 rules.

OUTPUT
       Text and -j are ip's, byte for byte: "0:<TAB>from all lookup local";
       -d adds "proto". JSON keys: priority, not, src, srclen, dst, dstlen,
       tos, fwmark, fwmask, iif, oif, l3mdev, uid_start, uid_end, ipproto,
       sport, dport (or sport_start, sport_end...), tun_id, table,
       suppress_prefixlen, suppress_ifgroup, goto, nop, action, protocol.

UP AND DOWN
       add and del can be lines of an "nsnet up" file: "down" deletes what
       was added and adds back, with its priority, what was deleted. flush
       is refused in up files.

EXAMPLES
       nsnet rule add from 10.1.0.0/16 table 100
       nsnet rule add fwmark 0x10/0xff iif veth0 lookup 200 pref 500
       nsnet -6 rule add to 2001:db8::/32 prohibit
       nsnet -j rule show table 100

SEE ALSO
       ip-rule(8), nsnet route help, nsnet up help. Abbreviation: ru.
`

func parseRule(args []string, opt options) (command, error) {
	a := &argv{w: args}
	if !a.more() {
		return ruleShow{filter: ruleFilter{family: ruleFamily(opt)}}, nil
	}
	word := a.next()
	switch {
	case matches(word, "list") || matches(word, "lst") || matches(word, "show"):
		return parseRuleShow(a, opt, false)
	case matches(word, "add"):
		return parseRuleChange(a, "add", opt)
	case matches(word, "delete"):
		return parseRuleChange(a, "delete", opt)
	case matches(word, "flush"):
		return parseRuleShow(a, opt, true)
	case isHelp(word):
		return helpCmd{text: ruleHelp}, nil
	case matches(word, "save") || matches(word, "restore"):
		return nil, usagef("rule %s: not supported (binary dumps); use \"nsnet -batch\" files", word)
	}
	return nil, usagef("unknown rule command %q (try \"nsnet rule help\")", word)
}

// ruleFamily is the family show and flush act on: -4/-6, else IPv4 (ip's
// default).
func ruleFamily(opt options) rtnl.Family {
	if f := optFamily(opt); f != rtnl.FamilyUnspec {
		return f
	}
	return rtnl.FamilyInet
}

// ruleChange is "rule add|del": msg is the request as it will be sent.
type ruleChange struct {
	op  string
	msg rtnl.RuleMessage
}

// rulePrefix parses a from/to PREFIX ("all", "any" and "default" are the
// zero Prefix).
func rulePrefix(keyword, s string) (netip.Prefix, error) {
	if s == "all" || s == "any" || s == "default" {
		return netip.Prefix{}, nil
	}
	p, _, err := parsePrefix(keyword, s)
	if err != nil {
		return p, errPrefix(s, err)
	}
	if p.Bits() == 0 {
		return netip.Prefix{}, nil // 0.0.0.0/0 is "all" too
	}
	return netip.PrefixFrom(p.Addr().Unmap(), min(p.Bits(), p.Addr().Unmap().BitLen())), nil
}

// parsePortRange parses N, N-M or N/MASK.
func parsePortRange(keyword, s string) (*rtnl.RuleRange, *uint16, error) {
	u16 := func(v string) (uint32, error) {
		n, err := strconv.ParseUint(v, 0, 16)
		if err != nil {
			return 0, usagef("invalid %s %q", keyword, s)
		}
		return uint32(n), nil
	}
	if lo, hi, ok := strings.Cut(s, "-"); ok {
		a, err := u16(lo)
		if err != nil {
			return nil, nil, err
		}
		b, err := u16(hi)
		if err != nil {
			return nil, nil, err
		}
		return &rtnl.RuleRange{Start: a, End: b}, nil, nil
	}
	var mask *uint16
	if v, m, ok := strings.Cut(s, "/"); ok {
		n, err := u16(m)
		if err != nil {
			return nil, nil, err
		}
		if n != 0xffff {
			mask = new(uint16(n))
		}
		s = v
	}
	n, err := u16(s)
	if err != nil {
		return nil, nil, err
	}
	return &rtnl.RuleRange{Start: n, End: n}, mask, nil
}

// parseUIDRange parses N-M.
func parseUIDRange(s string) (*rtnl.RuleRange, error) {
	lo, hi, ok := strings.Cut(s, "-")
	a, err1 := strconv.ParseUint(lo, 10, 32)
	b, err2 := strconv.ParseUint(hi, 10, 32)
	if !ok || err1 != nil || err2 != nil {
		return nil, usagef("invalid uidrange %q (want NUMBER-NUMBER)", s)
	}
	return &rtnl.RuleRange{Start: uint32(a), End: uint32(b)}, nil
}

// parseFwmark parses MARK[/MASK].
func parseFwmark(s string) (mark uint32, mask *uint32, err error) {
	v, m, ok := strings.Cut(s, "/")
	if mark, err = parseU32("fwmark", v); err != nil {
		return 0, nil, err
	}
	if ok {
		n, err := parseU32("fwmark mask", m)
		if err != nil {
			return 0, nil, err
		}
		mask = &n
	}
	return mark, mask, nil
}

func parseRuleChange(a *argv, op string, opt options) (command, error) {
	if !a.more() {
		return nil, usagef("rule %s: needs arguments (try \"nsnet rule help\")", op)
	}
	c := ruleChange{op: op}
	m := &c.msg
	at := &m.Attrs
	tableOK, tableGiven, l3mdev := false, false, false
	if op == "add" {
		m.Action = rtnl.RuleToTable
	}
	seen := map[string]bool{}
	for a.more() {
		word := a.next()
		// The keywords ip accepts abbreviated, in the order it tries
		// them ("p" is pref, "t" tun_id, "s" suppress_prefixlength).
		key := word
		for _, k := range []struct{ full, canon string }{{"preference", "pref"}, {"order", "pref"}, {"priority", "pref"},
			{"dsfield", "tos"}, {"realms", "realms"}, {"protocol", "protocol"}, {"tun_id", "tun_id"}, {"table", "table"},
			{"suppress_prefixlength", "sup_pl"}, {"suppress_ifgroup", "sup_group"}} {
			if matches(word, k.full) {
				key = k.canon
				break
			}
		}
		switch key {
		case "from", "to", "pref", "tos", "dsfield", "fwmark", "realms", "table", "lookup", "protocol", "sup_pl", "sup_group",
			"dev", "iif", "oif", "uidrange", "ipproto", "sport", "dport", "tun_id":
			canon := map[string]string{"dsfield": "tos", "lookup": "table", "dev": "iif"}[key]
			if canon == "" {
				canon = key
			}
			if seen[canon] {
				return nil, usagef("duplicate %q: %q would be its second value", word, a.peek())
			}
			seen[canon] = true
		}
		switch key {
		case "not":
			m.Flags |= rtnl.RuleInvert
		case "from", "to":
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			p, err := rulePrefix(word, v)
			if err != nil {
				return nil, err
			}
			if key == "from" {
				m.Src = p
			} else {
				m.Dst = p
			}
		case "pref":
			n, err := u32Arg(a, word)
			if err != nil {
				return nil, err
			}
			at.Priority = &n
		case "tos", "dsfield":
			var err error
			if m.TOS, err = wordValue(a, word, parseDSField); err != nil {
				return nil, err
			}
		case "fwmark":
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			mark, mask, err := parseFwmark(v)
			if err != nil {
				return nil, err
			}
			at.FwMark, at.FwMask = &mark, mask
		case "realms":
			f, err := wordValue(a, word, parseRealms)
			if err != nil {
				return nil, err
			}
			at.Flow = &f
		case "protocol":
			v, err := parsedValue(a, word, rtnl.ParseRouteProtocol)
			if err != nil {
				return nil, err
			}
			at.Protocol = v
		case "tun_id":
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			n, err := strconv.ParseUint(v, 0, 64)
			if err != nil {
				return nil, usagef("invalid tun_id %q", v)
			}
			at.TunID = &n
		case "table", "lookup":
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			t, err := rtnl.ParseTable(v)
			if err != nil {
				return nil, usagef("invalid table %q", v)
			}
			m.Table, tableOK, tableGiven = t, true, t != rtnl.TableUnspec
		case "sup_pl":
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			n, err := strconv.ParseInt(v, 0, 32)
			if err != nil || n < 0 {
				return nil, usagef("invalid suppress_prefixlength %q", v)
			}
			at.SuppressPrefixLen = new(int32(n))
		case "sup_group":
			g, err := wordValue(a, word, parseGroup)
			if err != nil {
				return nil, err
			}
			at.SuppressIfGroup = &g
		case "dev", "iif", "oif":
			v, err := devArg(a, word)
			if err != nil {
				return nil, err
			}
			if key == "oif" {
				at.OIFName = v
			} else {
				at.IIFName = v
			}
		case "l3mdev":
			at.L3MDev = new(uint8(1))
			tableOK, l3mdev = true, true
		case "uidrange":
			var err error
			if at.UIDRange, err = wordValue(a, word, parseUIDRange); err != nil {
				return nil, err
			}
		case "ipproto":
			p, err := wordValue(a, word, parseIPProto)
			if err != nil {
				return nil, err
			}
			at.IPProto = &p
		case "sport", "dport":
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			r, mask, err := parsePortRange(word, v)
			if err != nil {
				return nil, err
			}
			if key == "sport" {
				at.SPort, at.SPortMask = r, mask
			} else {
				at.DPort, at.DPortMask = r, mask
			}
		default:
			if word == "type" {
				v, err := a.value(word)
				if err != nil {
					return nil, err
				}
				word = v
			}
			switch {
			case isHelp(word):
				return helpCmd{text: ruleHelp}, nil
			case matches(word, "goto"):
				n, err := u32Arg(a, word)
				if err != nil {
					return nil, err
				}
				m.Action, at.Goto = rtnl.RuleGoto, &n
			case matches(word, "nop"):
				m.Action = rtnl.RuleNop
			default:
				act, err := parseRuleAction(word)
				if err != nil {
					return nil, err
				}
				m.Action = act
			}
			tableOK = true
		}
	}
	if l3mdev && tableGiven {
		return nil, usagef("rule %s: a table cannot be given for an l3mdev rule", op)
	}
	if !tableOK && op == "add" {
		m.Table = rtnl.TableMain
	}
	// The family: -4/-6, else the addresses', else IPv4.
	m.Family = optFamily(opt)
	for _, p := range []netip.Prefix{m.Src, m.Dst} {
		if !p.IsValid() {
			continue
		}
		f := rtnl.FamilyOf(p.Addr())
		if m.Family != rtnl.FamilyUnspec && m.Family != f {
			return nil, usagef("rule %s: %s is not an %s prefix", op, p, m.Family)
		}
		m.Family = f
	}
	if m.Family == rtnl.FamilyUnspec {
		m.Family = rtnl.FamilyInet
	}
	return c, nil
}

// parseRealms parses realms as ip does: a raw 32-bit number, or
// [SRC/]DST with each realm a number below 256 or "cosmos" (0); the
// result is FRA_FLOW, SRC<<16 | DST.
func parseRealms(s string) (uint32, error) {
	if n, err := strconv.ParseUint(s, 0, 32); err == nil {
		return uint32(n), nil
	}
	realm := func(v string) (uint32, error) {
		if v == "cosmos" {
			return 0, nil
		}
		n, err := strconv.ParseUint(v, 0, 8)
		if err != nil {
			return 0, usagef("invalid realms %q", s)
		}
		return uint32(n), nil
	}
	src, dst, ok := strings.Cut(s, "/")
	if !ok {
		return realm(s)
	}
	a, err := realm(src)
	if err != nil {
		return 0, err
	}
	if dst == "" {
		return a << 16, nil // "SRC/": as ip, no destination realm
	}
	b, err := realm(dst)
	if err != nil {
		return 0, err
	}
	return a<<16 | b, nil
}

// parseRuleAction parses a rule type: a route type name whose number is
// a rule action (blackhole, unreachable, prohibit...) or a number.
func parseRuleAction(s string) (rtnl.RuleAction, error) {
	if t, err := rtnl.ParseRouteType(s); err == nil {
		return rtnl.RuleAction(t), nil
	}
	if n, err := strconv.ParseUint(s, 0, 8); err == nil {
		return rtnl.RuleAction(n), nil
	}
	return 0, usagef("invalid rule argument %q (not a selector, an action or a rule type; try \"nsnet rule help\")", s)
}

// parseGroup parses a device group: "default" or a number.
func parseGroup(s string) (int32, error) {
	if s == "default" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 0, 32)
	if err != nil {
		return 0, usagef("invalid suppress_ifgroup %q", s)
	}
	return int32(n), nil
}

// dsfieldNames are iproute2's names of TOS (dsfield) values, from
// /etc/iproute2/rt_dsfield (read once), or its defaults without the file.
var dsfieldNames = sync.OnceValue(func() map[uint8]string {
	m := map[uint8]string{}
	for _, l := range strings.Split(readIproute2Table("rt_dsfield", defaultDSField), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if n, err := strconv.ParseUint(f[0], 0, 8); err == nil {
			m[uint8(n)] = f[1]
		}
	}
	return m
})

const defaultDSField = `0x00 default
0x28 AF11
0x30 AF12
0x38 AF13
0x48 AF21
0x50 AF22
0x58 AF23
0x68 AF31
0x70 AF32
0x78 AF33
0x88 AF41
0x90 AF42
0x98 AF43
0x20 CS1
0x40 CS2
0x60 CS3
0x80 CS4
0xA0 CS5
0xC0 CS6
0xE0 CS7
0xB8 EF
`

// readIproute2Table returns /etc/iproute2/NAME, else
// /usr/share/iproute2/NAME, else def.
func readIproute2Table(name, def string) string {
	for _, dir := range []string{"/etc/iproute2/", "/usr/share/iproute2/"} {
		if b, err := os.ReadFile(dir + name); err == nil {
			return string(b)
		}
	}
	return def
}

// parseDSField parses a TOS value as ip does: a name, or a hex number
// (with or without 0x).
func parseDSField(s string) (uint8, error) {
	for v, n := range dsfieldNames() {
		if n == s {
			return v, nil
		}
	}
	n, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X"), 16, 8)
	if err != nil || s == "" {
		return 0, usagef("invalid tos %q (a hex number or a name from rt_dsfield)", s)
	}
	return uint8(n), nil
}

// dsfieldString prints a TOS value as ip does.
func dsfieldString(v uint8) string {
	if n, ok := dsfieldNames()[v]; ok {
		return n
	}
	return fmt.Sprintf("0x%02x", v)
}

// ipProtos maps IP protocol numbers to names from /etc/protocols (read
// once), as getprotobynumber does for ip.
var ipProtos = sync.OnceValue(func() map[uint8][]string {
	m := map[uint8][]string{}
	f, err := os.Open("/etc/protocols")
	if err != nil {
		return m
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l, _, _ := strings.Cut(sc.Text(), "#")
		fs := strings.Fields(l)
		if len(fs) < 2 {
			continue
		}
		n, err := strconv.ParseUint(fs[1], 10, 8)
		if err != nil {
			continue
		}
		if _, dup := m[uint8(n)]; !dup {
			m[uint8(n)] = append([]string{fs[0]}, fs[2:]...)
		}
	}
	return m
})

// commonIPProtos are the names accepted when /etc/protocols is missing.
var commonIPProtos = map[string]uint8{"icmp": 1, "igmp": 2, "tcp": 6, "udp": 17, "gre": 47, "esp": 50,
	"ah": 51, "ipv6-icmp": 58, "sctp": 132, "udplite": 136}

// parseIPProto parses an IP protocol name or number.
func parseIPProto(s string) (uint8, error) {
	for n, names := range ipProtos() {
		for _, name := range names {
			if name == s {
				return n, nil
			}
		}
	}
	if n, ok := commonIPProtos[s]; ok {
		return n, nil
	}
	n, err := strconv.ParseUint(s, 0, 8)
	if err != nil {
		return 0, usagef("invalid ipproto %q", s)
	}
	return uint8(n), nil
}

// ipProtoString prints an IP protocol as ip does.
func ipProtoString(p uint8) string {
	if names, ok := ipProtos()[p]; ok {
		return names[0]
	}
	return "ipproto-" + strconv.Itoa(int(p))
}

// step is the command as a plan step.
func (c ruleChange) step(e *env) (plan.Step, error) {
	ref, err := e.ref()
	if err != nil {
		return nil, err
	}
	if c.op == "add" {
		return plan.RuleAdd{NS: ref, Rule: c.msg}, nil
	}
	return plan.RuleDel{NS: ref, Rule: c.msg}, nil
}

func (c ruleChange) run(e *env) error { return runStep(e, c, "") }

// applied: an added rule is there, exactly (the same selectors, action
// and table, the priority when the command gives one); a deleted one is
// not.
func (c ruleChange) applied(e *env) (bool, error) { return appliedStep(e, c) }

// inverse deletes exactly what add made, and adds back, with its
// priority, the rule delete removes.
func (c ruleChange) inverse(e *env) (command, error) { return inverseStep(e, c) }

// ruleFilter is the selector of show and flush (ip's filter_nlmsg).
type ruleFilter struct {
	family   rtnl.Family
	pref     *uint32
	not      bool
	tos      *uint8
	fwmark   uint32
	fwmask   uint32
	iif, oif string
	l3mdev   bool
	uid      *rtnl.RuleRange
	tunID    uint64
	table    rtnl.Table
	src, dst netip.Prefix // the zero Prefix matches any
	ipproto  uint8
	sport    *rtnl.RuleRange
	dport    *rtnl.RuleRange
	proto    *rtnl.RouteProtocol // flush only
}

// ruleShow is "rule show" and, with flush set, "rule flush".
type ruleShow struct {
	flush  bool
	filter ruleFilter
}

func parseRuleShow(a *argv, opt options, flush bool) (command, error) {
	c := ruleShow{flush: flush, filter: ruleFilter{family: ruleFamily(opt)}}
	f := &c.filter
	prefix := func(keyword, v string) (netip.Prefix, error) {
		if v == "all" || v == "any" || v == "default" {
			return netip.Prefix{}, nil
		}
		p, err := rulePrefix(keyword, v)
		if err == nil && rtnl.FamilyOf(p.Addr()) != f.family {
			return p, usagef("rule %s: %s is not an %s prefix (use -6 for IPv6 rules)", map[bool]string{true: "flush", false: "show"}[flush], v, f.family)
		}
		return p, err
	}
	for a.more() {
		word := a.next()
		switch {
		case matches(word, "preference") || matches(word, "order") || matches(word, "priority"):
			n, err := u32Arg(a, word)
			if err != nil {
				return nil, err
			}
			f.pref = &n
		case word == "not":
			f.not = true
		case word == "tos" || word == "dsfield":
			t, err := wordValue(a, word, parseDSField)
			if err != nil {
				return nil, err
			}
			f.tos = &t
		case word == "fwmark":
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			mark, mask, err := parseFwmark(v)
			if err != nil {
				return nil, err
			}
			f.fwmark = mark
			if mask != nil {
				f.fwmask = *mask
			}
		case word == "dev" || word == "iif" || word == "oif":
			v, err := devArg(a, word)
			if err != nil {
				return nil, err
			}
			if word == "oif" {
				f.oif = v
			} else {
				f.iif = v
			}
		case word == "l3mdev":
			f.l3mdev = true
		case word == "uidrange":
			var err error
			if f.uid, err = wordValue(a, word, parseUIDRange); err != nil {
				return nil, err
			}
		case matches(word, "tun_id"):
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			if f.tunID, err = strconv.ParseUint(v, 0, 64); err != nil {
				return nil, usagef("invalid tun_id %q", v)
			}
		case matches(word, "lookup") || matches(word, "table"):
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			if f.table, err = rtnl.ParseTable(v); err != nil {
				return nil, usagef("invalid table %q", v)
			}
		case matches(word, "from") || matches(word, "src"):
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			if f.src, err = prefix(word, v); err != nil {
				return nil, err
			}
		case matches(word, "protocol"):
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			if v == "all" {
				f.proto = nil
				continue
			}
			p, err := rtnl.ParseRouteProtocol(v)
			if err != nil {
				return nil, usagef("%v", err)
			}
			f.proto = &p
		case word == "ipproto":
			var err error
			if f.ipproto, err = wordValue(a, word, parseIPProto); err != nil {
				return nil, err
			}
		case word == "sport" || word == "dport":
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			r, _, err := parsePortRange(word, v)
			if err != nil {
				return nil, err
			}
			if word == "sport" {
				f.sport = r
			} else {
				f.dport = r
			}
		default:
			if matches(word, "dst") || matches(word, "to") {
				v, err := a.value(word)
				if err != nil {
					return nil, err
				}
				word = v
			}
			var err error
			if f.dst, err = prefix("to", word); err != nil {
				return nil, err
			}
		}
	}
	return c, nil
}

// match reports whether rule r passes the filter.
func (f *ruleFilter) match(r *rtnl.RuleMessage) bool {
	a := &r.Attrs
	u32 := func(p *uint32) uint32 {
		if p == nil {
			return 0
		}
		return *p
	}
	in := func(fp, rp netip.Prefix) bool {
		if !fp.IsValid() {
			return true
		}
		return rp.IsValid() && fp.Bits() <= rp.Bits() && fp.Contains(rp.Addr())
	}
	switch {
	case r.Family != f.family,
		f.pref != nil && *f.pref != u32(a.Priority),
		f.not && r.Flags&rtnl.RuleInvert == 0,
		!in(f.src, r.Src), !in(f.dst, r.Dst),
		f.tos != nil && *f.tos != r.TOS,
		f.fwmark != 0 && f.fwmark != u32(a.FwMark),
		f.fwmask != 0 && f.fwmask != u32(a.FwMask),
		f.iif != "" && f.iif != a.IIFName,
		f.oif != "" && f.oif != a.OIFName,
		f.l3mdev && (a.L3MDev == nil || *a.L3MDev == 0),
		f.uid != nil && (a.UIDRange == nil || *a.UIDRange != *f.uid),
		f.ipproto != 0 && (a.IPProto == nil || *a.IPProto != f.ipproto),
		f.sport != nil && (a.SPort == nil || *a.SPort != *f.sport),
		f.dport != nil && (a.DPort == nil || *a.DPort != *f.dport),
		f.tunID != 0 && (a.TunID == nil || *a.TunID != f.tunID),
		f.table != rtnl.TableUnspec && f.table != r.Table:
		return false
	}
	return true
}

func (c ruleShow) run(e *env) error {
	conn, err := e.rtnl()
	if err != nil {
		return err
	}
	rules, err := conn.Rules(c.filter.family)
	if err != nil {
		return err
	}
	if c.flush {
		for i := range rules {
			r := &rules[i]
			if !c.filter.match(r) || r.Attrs.Priority == nil ||
				c.filter.proto != nil && r.Attrs.Protocol != nil && *r.Attrs.Protocol != *c.filter.proto {
				continue
			}
			if err := conn.DeleteRule(r); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
		return nil
	}
	var b bytes.Buffer
	out := []any{}
	for i := range rules {
		r := &rules[i]
		if !c.filter.match(r) {
			continue
		}
		f := ruleFields(r, e.opt.details)
		if e.opt.json {
			out = append(out, f.json())
		} else {
			f.text(&b)
		}
	}
	if e.opt.json {
		return e.printJSON(out)
	}
	_, err = e.out.Write(b.Bytes())
	return err
}

// hex0x prints v as C's %#x does: "0" for zero, else 0x and hex digits.
func hex0x(v uint64) string {
	if v == 0 {
		return "0"
	}
	return "0x" + strconv.FormatUint(v, 16)
}

// ruleFields is one rule as ip rule prints it (print_rule).
func ruleFields(r *rtnl.RuleMessage, details bool) *fieldList {
	f := &fieldList{}
	a := &r.Attrs
	prio := uint32(0)
	if a.Priority != nil {
		prio = *a.Priority
	}
	f.add("priority", prio, fmt.Sprintf("%d:\t", prio))
	if r.Flags&rtnl.RuleInvert != 0 {
		f.add("not", nil, "not ")
	}
	hostLen := 32
	if r.Family == rtnl.FamilyInet6 {
		hostLen = 128
	}
	for _, p := range []struct {
		key, word string
		p         netip.Prefix
	}{{"src", "from", r.Src}, {"dst", "to", r.Dst}} {
		sep := " "
		if p.key == "src" {
			sep = ""
		}
		// The kernel sends FRA_SRC and FRA_DST whenever the length is not
		// zero (ip's "from 0/LEN" for a length without an address does
		// not happen).
		switch {
		case p.p.IsValid():
			f.add(p.key, p.p.Addr().String(), sep+p.word+" "+p.p.Addr().String())
			if p.p.Bits() != hostLen {
				f.add(p.key+"len", p.p.Bits(), "/"+strconv.Itoa(p.p.Bits()))
			}
		case p.key == "src":
			f.add("src", "all", "from all")
		}
	}
	if r.TOS != 0 {
		s := dsfieldString(r.TOS)
		f.add("tos", s, " tos "+s)
	}
	if a.FwMark != nil || a.FwMask != nil {
		var mark uint32
		if a.FwMark != nil {
			mark = *a.FwMark
		}
		f.add("fwmark", hex0x(uint64(mark)), " fwmark "+hex0x(uint64(mark)))
		if a.FwMask != nil && *a.FwMask != 0xffffffff {
			f.add("fwmask", hex0x(uint64(*a.FwMask)), "/"+hex0x(uint64(*a.FwMask)))
		}
	}
	if a.IIFName != "" {
		f.add("iif", a.IIFName, " iif "+a.IIFName)
		if r.Flags&rtnl.RuleIIFDetached != 0 {
			f.add("iif_detached", nil, " [detached]")
		}
	}
	if a.OIFName != "" {
		f.add("oif", a.OIFName, " oif "+a.OIFName)
		if r.Flags&rtnl.RuleOIFDetached != 0 {
			f.add("oif_detached", nil, " [detached]")
		}
	}
	if a.L3MDev != nil && *a.L3MDev != 0 {
		f.add("l3mdev", nil, " lookup [l3mdev-table]")
	}
	if u := a.UIDRange; u != nil {
		f.add("uid_start", u.Start, fmt.Sprintf(" uidrange %d", u.Start))
		f.add("uid_end", u.End, fmt.Sprintf("-%d", u.End))
	}
	if a.IPProto != nil {
		s := ipProtoString(*a.IPProto)
		f.add("ipproto", s, " ipproto "+s)
	}
	for _, p := range []struct {
		k    string
		r    *rtnl.RuleRange
		mask *uint16
	}{{"sport", a.SPort, a.SPortMask}, {"dport", a.DPort, a.DPortMask}} {
		switch {
		case p.r == nil:
		case p.r.Start != p.r.End:
			f.add(p.k+"_start", p.r.Start, fmt.Sprintf(" %s %d", p.k, p.r.Start))
			f.add(p.k+"_end", p.r.End, fmt.Sprintf("-%d", p.r.End))
		case p.mask != nil && *p.mask != 0xffff:
			// ip 6.1 prints no mask; later versions print it, in hex,
			// and in JSON also the default 0xffff the kernel sends.
			f.jsonOnly(p.k, p.r.Start)
			f.jsonOnly(p.k+"_mask", hex0x(uint64(*p.mask)))
			f.textOnly(fmt.Sprintf(" %s %s/%s", p.k, hex0x(uint64(p.r.Start)), hex0x(uint64(*p.mask))))
		default:
			f.add(p.k, p.r.Start, fmt.Sprintf(" %s %d", p.k, p.r.Start))
		}
	}
	if a.TunID != nil {
		f.add("tun_id", *a.TunID, fmt.Sprintf(" tun_id %d", *a.TunID))
	}
	if r.Table != rtnl.TableUnspec {
		t := r.Table.String()
		f.add("table", t, " lookup "+t)
		if a.SuppressPrefixLen != nil && *a.SuppressPrefixLen != -1 {
			f.add("suppress_prefixlen", *a.SuppressPrefixLen, fmt.Sprintf(" suppress_prefixlength %d", *a.SuppressPrefixLen))
		}
		if a.SuppressIfGroup != nil && *a.SuppressIfGroup != -1 {
			g := strconv.Itoa(int(*a.SuppressIfGroup))
			if *a.SuppressIfGroup == 0 {
				g = "default"
			}
			f.add("suppress_ifgroup", g, " suppress_ifgroup "+g)
		}
	}
	if a.Flow != nil {
		to, from := *a.Flow&0xffff, *a.Flow>>16
		realm := func(v uint32) string {
			if v == 0 {
				return "cosmos"
			}
			return strconv.Itoa(int(v))
		}
		if from != 0 {
			f.add("flow_from", realm(from), " realms "+realm(from)+"/")
		} else {
			f.textOnly(" realms ")
		}
		f.add("flow_to", realm(to), realm(to))
	}
	switch r.Action {
	case rtnl.RuleAction(rtnl.RouteNAT):
		f.add("masquerade", nil, " masquerade")
	case rtnl.RuleGoto:
		if a.Goto != nil {
			f.add("goto", *a.Goto, fmt.Sprintf(" goto %d", *a.Goto))
		} else {
			f.add("goto", "none", " goto none")
		}
		if r.Flags&rtnl.RuleUnresolved != 0 {
			f.add("unresolved", nil, " [unresolved]")
		}
	case rtnl.RuleNop:
		f.add("nop", nil, " nop")
	case rtnl.RuleToTable:
	default:
		s := rtnl.RouteType(r.Action).String()
		f.add("action", s, " "+s)
	}
	if p := a.Protocol; p != nil && (*p != 0 && *p != rtnl.ProtoKernel || details) {
		f.add("protocol", p.String(), " proto "+p.String())
	}
	if a.DSCP != nil {
		s := strconv.Itoa(int(*a.DSCP))
		f.add("dscp", s, " dscp "+s)
	}
	return f
}

var _ reversible = ruleChange{}
