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

// monRuleFields are a rule's printable fields in iproute2's order, with the
// text each prints as; text and JSON are both made from them.
type monRuleField struct {
	key  string
	val  any    // the JSON value
	text string // what the text shows
}

// monRuleList collects a rule's fields.
type monRuleList []monRuleField

// add appends a field; kept out of line (monRuleFields calls it forty
// times, and the monitor's printing is not a hot path).
//
//go:noinline
func (l *monRuleList) add(k string, v any, t string) { *l = append(*l, monRuleField{k, v, t}) }

func monRuleFields(r *rtnl.RuleEvent) monRuleList {
	var f monRuleList
	bits := 32
	if r.Family == rtnl.FamilyInet6 {
		bits = 128
	}
	prio := uint32(0)
	if r.Priority != nil {
		prio = *r.Priority
	}
	f.add("priority", prio, fmt.Sprintf("%d:\t", prio))
	if r.Flags&rtnl.RuleFlagInvert != 0 {
		f.add("not", nil, "not ")
	}
	switch {
	case r.Src.IsValid():
		f.add("src", r.Src.String(), "from "+r.Src.String())
		if int(r.SrcLen) != bits {
			f.add("srclen", r.SrcLen, fmt.Sprintf("/%d", r.SrcLen))
		}
	case r.SrcLen != 0:
		f.add("src", "0", "from 0")
		f.add("srclen", r.SrcLen, fmt.Sprintf("/%d", r.SrcLen))
	default:
		f.add("src", "all", "from all")
	}
	switch {
	case r.Dst.IsValid():
		f.add("dst", r.Dst.String(), " to "+r.Dst.String())
		if int(r.DstLen) != bits {
			f.add("dstlen", r.DstLen, fmt.Sprintf("/%d", r.DstLen))
		}
	case r.DstLen != 0:
		f.add("dst", "0", " to 0")
		f.add("dstlen", r.DstLen, fmt.Sprintf("/%d", r.DstLen))
	}
	if r.TOS != 0 {
		f.add("tos", fmt.Sprintf("0x%02x", r.TOS), fmt.Sprintf(" tos 0x%02x", r.TOS))
	}
	if r.FwMark != nil || r.FwMask != nil {
		var mark uint32
		if r.FwMark != nil {
			mark = *r.FwMark
		}
		f.add("fwmark", monHex32(mark), " fwmark "+monHex32(mark))
		if r.FwMask != nil && *r.FwMask != 0xffffffff {
			f.add("fwmask", monHex32(*r.FwMask), "/"+monHex32(*r.FwMask))
		}
	}
	if r.IIFName != "" {
		f.add("iif", r.IIFName, " iif "+r.IIFName)
		if r.Flags&rtnl.RuleFlagIIFDet != 0 {
			f.add("iif_detached", nil, " [detached]")
		}
	}
	if r.OIFName != "" {
		f.add("oif", r.OIFName, " oif "+r.OIFName)
		if r.Flags&rtnl.RuleFlagOIFDet != 0 {
			f.add("oif_detached", nil, " [detached]")
		}
	}
	if r.L3MDev != 0 {
		f.add("l3mdev", nil, " lookup [l3mdev-table]")
	}
	if u := r.UIDRange; u != nil {
		f.add("uid_start", u[0], fmt.Sprintf(" uidrange %d", u[0]))
		f.add("uid_end", u[1], fmt.Sprintf("-%d", u[1]))
	}
	if p := r.IPProto; p != nil {
		name := monIPProtoName(*p)
		f.add("ipproto", name, " ipproto "+name)
	}
	for _, pr := range []struct {
		k string
		v *[2]uint16
	}{{"sport", r.SPort}, {"dport", r.DPort}} {
		if pr.v == nil {
			continue
		}
		if pr.v[0] == pr.v[1] {
			f.add(pr.k, pr.v[0], fmt.Sprintf(" %s %d", pr.k, pr.v[0]))
		} else {
			f.add(pr.k+"_start", pr.v[0], fmt.Sprintf(" %s %d", pr.k, pr.v[0]))
			f.add(pr.k+"_end", pr.v[1], fmt.Sprintf("-%d", pr.v[1]))
		}
	}
	if r.TunID != nil {
		f.add("tun_id", *r.TunID, fmt.Sprintf(" tun_id %d", *r.TunID))
	}
	if r.Table != 0 {
		t := r.Table.String()
		f.add("table", t, " lookup "+t)
		if p := r.SuppressPrefixLen; p != nil && *p != -1 {
			f.add("suppress_prefixlen", *p, fmt.Sprintf(" suppress_prefixlength %d", *p))
		}
		if g := r.SuppressIfGroup; g != nil && *g != -1 {
			gn := groupName(new(uint32(*g)))
			f.add("suppress_ifgroup", gn, " suppress_ifgroup "+gn)
		}
	}
	if r.Flow != nil {
		to, from := *r.Flow&0xffff, *r.Flow>>16
		if from != 0 {
			f.add("flow_from", fmt.Sprint(from), fmt.Sprintf(" realms %d/", from))
		} else {
			f.add("", nil, " realms ")
		}
		f.add("flow_to", fmt.Sprint(to), fmt.Sprint(to))
	}
	switch r.Action {
	case rtnl.RuleActToTable:
	case rtnl.RuleActGoto:
		if r.Goto != nil {
			f.add("goto", *r.Goto, fmt.Sprintf(" goto %d", *r.Goto))
		} else {
			f.add("goto", "none", " goto none")
		}
		if r.Flags&rtnl.RuleFlagUnres != 0 {
			f.add("unresolved", nil, " [unresolved]")
		}
	case rtnl.RuleActNop:
		f.add("nop", nil, " nop")
	case rtnl.RuleActNAT:
		f.add("masquerade", nil, " masquerade")
	default:
		a := rtnl.RouteType(r.Action).String()
		f.add("action", a, " "+a)
	}
	if p := r.Protocol; p != nil && *p != 0 && *p != uint8(rtnl.ProtoKernel) {
		name := rtnl.RouteProtocol(*p).String()
		f.add("protocol", name, " proto "+name)
	}
	return f
}

// monHex32 is C's "%#llx": 0 without the prefix.
func monHex32(v uint32) string {
	if v == 0 {
		return "0"
	}
	return fmt.Sprintf("%#x", v)
}

// monIPProtoName names an IP protocol number as ip does.
func monIPProtoName(p uint8) string {
	switch p {
	case 1:
		return "icmp"
	case 6:
		return "tcp"
	case 17:
		return "udp"
	case 58:
		return "ipv6-icmp"
	case 132:
		return "sctp"
	}
	return fmt.Sprintf("ipproto-%d", p)
}

func ruleEventText(b *strings.Builder, r *rtnl.RuleEvent) {
	for _, f := range monRuleFields(r) {
		b.WriteString(f.text)
	}
	b.WriteString("\n")
}

func ruleEventJSON(r *rtnl.RuleEvent) *obj {
	o := &obj{}
	for _, f := range monRuleFields(r) {
		if f.key != "" {
			o.add(f.key, f.val)
		}
	}
	return o
}
