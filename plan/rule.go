package plan

import (
	"context"
	"fmt"
	"os"
	"reflect"

	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/rtnl"
)

// RuleAdd adds policy routing rule Rule (the request as it is sent, as
// `ip rule add` builds it) in namespace NS.
type RuleAdd struct {
	NS   nsfs.Ref
	Rule rtnl.RuleMessage
}

// RuleDel deletes a rule in namespace NS. Without Exact it deletes the
// first rule that has every selector Rule sets, as the kernel matches a
// deletion (`ip rule del`); with Exact, only the rule RuleAdd{Rule} makes
// (the same selectors, action and table, nothing more), found by its
// priority: the undo of an add.
type RuleDel struct {
	NS    nsfs.Ref
	Rule  rtnl.RuleMessage
	Exact bool
}

// Apply adds the rule.
func (c RuleAdd) Apply(ctx context.Context, s *Session) error {
	conn, err := s.Rtnl(c.NS)
	if err != nil {
		return err
	}
	return conn.AddRule(&c.Rule)
}

// Applied reports whether the rule is there, exactly (the priority too
// when Rule gives one).
func (c RuleAdd) Applied(ctx context.Context, s *Session) (bool, error) {
	r, err := exactRule(s, c.NS, &c.Rule)
	return r != nil, err
}

// Inverse deletes exactly the rule c adds.
func (c RuleAdd) Inverse(ctx context.Context, s *Session) (Step, error) {
	return RuleDel{NS: c.NS, Rule: c.Rule, Exact: true}, nil
}

// Apply deletes the rule.
func (c RuleDel) Apply(ctx context.Context, s *Session) error {
	conn, err := s.Rtnl(c.NS)
	if err != nil {
		return err
	}
	if !c.Exact {
		return conn.DeleteRule(&c.Rule)
	}
	r, err := exactRule(s, c.NS, &c.Rule)
	if err != nil {
		return err
	}
	if r == nil {
		return noRule{&c.Rule}
	}
	return conn.DeleteRule(r)
}

// Applied reports whether the rule is gone.
func (c RuleDel) Applied(ctx context.Context, s *Session) (bool, error) {
	r, err := c.find(s)
	return r == nil && err == nil, err
}

// Inverse adds back, with its priority, the rule c deletes (nil if there
// is none).
func (c RuleDel) Inverse(ctx context.Context, s *Session) (Step, error) {
	r, err := c.find(s)
	if err != nil || r == nil {
		return nil, err
	}
	return RuleAdd{NS: c.NS, Rule: RestorableRule(r)}, nil
}

// noRule is the error of an exact deletion that finds no rule; it matches
// os.ErrNotExist.
type noRule struct{ q *rtnl.RuleMessage }

func (e noRule) Error() string {
	q := e.q
	s := "no such rule (from "
	if q.Src.IsValid() {
		s += q.Src.String()
	} else {
		s += "all"
	}
	if q.Dst.IsValid() {
		s += " to " + q.Dst.String()
	}
	if q.Attrs.Priority != nil {
		s += fmt.Sprintf(" pref %d", *q.Attrs.Priority)
	}
	if q.Table != rtnl.TableUnspec {
		s += " table " + q.Table.String()
	}
	return s + ")"
}

func (noRule) Is(target error) bool { return target == os.ErrNotExist }

// find returns the rule c deletes, nil if there is none.
func (c RuleDel) find(s *Session) (*rtnl.RuleMessage, error) {
	if c.Exact {
		return exactRule(s, c.NS, &c.Rule)
	}
	if s.Absent(c.NS) {
		return nil, nil
	}
	conn, err := s.Rtnl(c.NS)
	if err != nil {
		return nil, err
	}
	rules, err := conn.Rules(c.Rule.Family)
	if err != nil {
		return nil, err
	}
	for i := range rules {
		if MatchRule(&c.Rule, &rules[i]) {
			return &rules[i], nil
		}
	}
	return nil, nil
}

// exactRule returns the first rule of ns equal to what request q makes
// (canonRule), nil if there is none.
func exactRule(s *Session, ns nsfs.Ref, q *rtnl.RuleMessage) (*rtnl.RuleMessage, error) {
	if s.Absent(ns) {
		return nil, nil
	}
	conn, err := s.Rtnl(ns)
	if err != nil {
		return nil, err
	}
	rules, err := conn.Rules(q.Family)
	if err != nil {
		return nil, err
	}
	withPref := q.Attrs.Priority != nil
	want := canonRule(q, withPref)
	for i := range rules {
		if reflect.DeepEqual(canonRule(&rules[i], withPref), want) {
			return &rules[i], nil
		}
	}
	return nil, nil
}

// MatchRule reports whether rule r matches request q as the kernel's
// rule_find does for a deletion: every selector q sets must be equal.
func MatchRule(q, r *rtnl.RuleMessage) bool {
	qa, ra := &q.Attrs, &r.Attrs
	eqU32 := func(a, b *uint32) bool { return a == nil || b != nil && *a == *b }
	eqRange := func(a, b *rtnl.RuleRange) bool { return a == nil || b != nil && *a == *b }
	prio := uint32(0)
	if ra.Priority != nil {
		prio = *ra.Priority
	}
	switch {
	case q.Family != r.Family,
		q.Action != rtnl.RuleUnspec && q.Action != r.Action,
		q.Table != rtnl.TableUnspec && q.Table != r.Table,
		qa.Priority != nil && *qa.Priority != prio,
		qa.IIFName != "" && qa.IIFName != ra.IIFName,
		qa.OIFName != "" && qa.OIFName != ra.OIFName,
		qa.FwMark != nil && *qa.FwMark != 0 && !eqU32(qa.FwMark, ra.FwMark),
		qa.FwMask != nil && *qa.FwMask != 0 && !eqU32(qa.FwMask, ra.FwMask),
		qa.SuppressIfGroup != nil && *qa.SuppressIfGroup != -1 && (ra.SuppressIfGroup == nil || *ra.SuppressIfGroup != *qa.SuppressIfGroup),
		qa.SuppressPrefixLen != nil && *qa.SuppressPrefixLen != -1 && (ra.SuppressPrefixLen == nil || *ra.SuppressPrefixLen != *qa.SuppressPrefixLen),
		qa.TunID != nil && *qa.TunID != 0 && (ra.TunID == nil || *ra.TunID != *qa.TunID),
		qa.Flow != nil && (ra.Flow == nil || *ra.Flow != *qa.Flow),
		qa.L3MDev != nil && *qa.L3MDev != 0 && (ra.L3MDev == nil || *ra.L3MDev != *qa.L3MDev),
		!eqRange(qa.UIDRange, ra.UIDRange),
		qa.IPProto != nil && *qa.IPProto != 0 && (ra.IPProto == nil || *ra.IPProto != *qa.IPProto),
		qa.Protocol != nil && *qa.Protocol != 0 && (ra.Protocol == nil || *ra.Protocol != *qa.Protocol),
		!eqRange(qa.SPort, ra.SPort), !eqRange(qa.DPort, ra.DPort),
		q.Src.IsValid() && q.Src.Bits() > 0 && q.Src != r.Src,
		q.Dst.IsValid() && q.Dst.Bits() > 0 && q.Dst != r.Dst,
		q.TOS != 0 && q.TOS != r.TOS,
		q.Flags&rtnl.RuleInvert != r.Flags&rtnl.RuleInvert && q.Flags&rtnl.RuleInvert != 0,
		qa.Goto != nil && !eqU32(qa.Goto, ra.Goto):
		return false
	}
	return true
}

// canonRule is m with what the kernel adds to a rule it reports (the -1
// suppressors, full masks, protocol 0) dropped, so that a request and the
// rule it made compare equal; without withPref the priority goes too.
func canonRule(m *rtnl.RuleMessage, withPref bool) rtnl.RuleMessage {
	r := RestorableRule(m)
	a := &r.Attrs
	if !withPref {
		a.Priority = nil
	}
	if a.FwMask != nil && *a.FwMask == 0xffffffff {
		a.FwMask = nil
	}
	if a.FwMark != nil && *a.FwMark == 0 && a.FwMask == nil {
		a.FwMark = nil
	}
	for _, m := range []**uint16{&a.SPortMask, &a.DPortMask} {
		if *m != nil && **m == 0xffff {
			*m = nil
		}
	}
	if a.DSCPMask != nil && *a.DSCPMask == 0x3f {
		a.DSCPMask = nil
	}
	if a.TunID != nil && *a.TunID == 0 {
		a.TunID = nil
	}
	if a.IPProto != nil && *a.IPProto == 0 {
		a.IPProto = nil
	}
	return r
}

// RestorableRule keeps what an add request may carry of a dumped rule:
// the -1 "unset" suppressors and the kernel's flags go.
func RestorableRule(r *rtnl.RuleMessage) rtnl.RuleMessage {
	m := *r
	m.Flags &= rtnl.RuleInvert
	a := &m.Attrs
	if a.SuppressPrefixLen != nil && *a.SuppressPrefixLen == -1 {
		a.SuppressPrefixLen = nil
	}
	if a.SuppressIfGroup != nil && *a.SuppressIfGroup == -1 {
		a.SuppressIfGroup = nil
	}
	if a.L3MDev != nil && *a.L3MDev == 0 {
		a.L3MDev = nil
	}
	if a.Protocol != nil && *a.Protocol == 0 {
		a.Protocol = nil
	}
	return m
}
