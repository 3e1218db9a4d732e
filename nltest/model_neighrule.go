package nltest

import (
	"fmt"
	"slices"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/rtnl"
)

// defaultRules are the rules a new namespace starts with, as the kernel
// lists them: IPv4's local, main and default tables, IPv6's local and
// main.
func defaultRules() []rtnl.RuleMessage {
	rule := func(f rtnl.Family, prio uint32, t rtnl.Table) rtnl.RuleMessage {
		return rtnl.RuleMessage{Family: f, Table: t, Action: rtnl.RuleToTable, Attrs: rtnl.RuleAttrs{Priority: &prio}}
	}
	return []rtnl.RuleMessage{
		rule(rtnl.FamilyInet, 0, rtnl.TableLocal), rule(rtnl.FamilyInet, 32766, rtnl.TableMain),
		rule(rtnl.FamilyInet, 32767, rtnl.TableDefault),
		rule(rtnl.FamilyInet6, 0, rtnl.TableLocal), rule(rtnl.FamilyInet6, 32766, rtnl.TableMain),
	}
}

// serveNeighRule answers the neighbour and rule requests; ok is false for
// a request of another type.
func (k *Model) serveNeighRule(req netlink.Message) (out []netlink.Message, ok bool, err error) {
	typ := req.Header.Type
	switch typ {
	case unix.RTM_NEWNEIGH, unix.RTM_DELNEIGH, unix.RTM_GETNEIGH:
		var m rtnl.NeighMessage
		if err := m.UnmarshalBinary(req.Data); err != nil {
			return nil, true, fmt.Errorf("nltest: model: %v", err)
		}
		out, err := k.neigh(req, m)
		return out, true, err
	case unix.RTM_NEWRULE, unix.RTM_DELRULE, unix.RTM_GETRULE:
		var m rtnl.RuleMessage
		if err := m.UnmarshalBinary(req.Data); err != nil {
			return nil, true, fmt.Errorf("nltest: model: %v", err)
		}
		out, err := k.rule(req, m)
		return out, true, err
	}
	return nil, false, nil
}

// neigh keeps entries by (link, address): NLM_F_EXCL on one that is
// there is EEXIST, a change without NLM_F_CREATE of one that is not is
// ENOENT, as is deleting a missing one; on a missing link, ENODEV.
func (k *Model) neigh(req netlink.Message, m rtnl.NeighMessage) ([]netlink.Message, error) {
	if req.Header.Type == unix.RTM_GETNEIGH && req.Header.Flags&netlink.Dump == 0 {
		i := slices.IndexFunc(k.Neighs, func(n rtnl.NeighMessage) bool { return n.Index == m.Index && n.Attrs.Dst == m.Attrs.Dst })
		if i < 0 {
			return []netlink.Message{Error(req, unix.ENOENT, "")}, nil
		}
		r, err := reply(req, unix.RTM_NEWNEIGH, &k.Neighs[i])
		return []netlink.Message{r}, err
	}
	if req.Header.Type == unix.RTM_GETNEIGH {
		var out []netlink.Message
		for _, n := range k.Neighs {
			if (m.Family == 0 || n.Family == m.Family) && (m.Attrs.IfIndex == nil || *m.Attrs.IfIndex == n.Index) {
				r, err := reply(req, unix.RTM_NEWNEIGH, &n)
				if err != nil {
					return nil, err
				}
				out = append(out, r)
			}
		}
		return Dump(req, out...), nil
	}
	if k.byIndex(m.Index) == nil {
		return []netlink.Message{Error(req, unix.ENODEV, "")}, nil
	}
	i := slices.IndexFunc(k.Neighs, func(n rtnl.NeighMessage) bool { return n.Index == m.Index && n.Attrs.Dst == m.Attrs.Dst })
	f := req.Header.Flags
	switch {
	case req.Header.Type == unix.RTM_DELNEIGH && i < 0, req.Header.Type == unix.RTM_NEWNEIGH && i < 0 && f&netlink.Create == 0:
		return []netlink.Message{Error(req, unix.ENOENT, "")}, nil
	case req.Header.Type == unix.RTM_DELNEIGH:
		k.Neighs = slices.Delete(k.Neighs, i, i+1)
	case i < 0:
		k.Neighs = append(k.Neighs, m)
	case f&netlink.Excl != 0:
		return []netlink.Message{Error(req, unix.EEXIST, "")}, nil
	default:
		k.Neighs[i] = m
	}
	return []netlink.Message{Ack(req)}, nil
}

// rule keeps rules in priority order. A rule without a priority gets the
// kernel's default: one below that of the family's second rule. Adding a rule equal to one there with NLM_F_EXCL is EEXIST;
// deleting one is deleting the first rule that matches every selector the
// request sets (ENOENT when none does).
func (k *Model) rule(req netlink.Message, m rtnl.RuleMessage) ([]netlink.Message, error) {
	fam := func(r rtnl.RuleMessage) bool { return m.Family == 0 || r.Family == m.Family }
	switch req.Header.Type {
	case unix.RTM_GETRULE:
		var out []netlink.Message
		for _, r := range k.Rules {
			if fam(r) {
				if *r.Attrs.Priority == 0 {
					r.Attrs.Priority = nil // the kernel leaves FRA_PRIORITY out for 0
				}
				msg, err := reply(req, unix.RTM_NEWRULE, &r)
				if err != nil {
					return nil, err
				}
				out = append(out, msg)
			}
		}
		return Dump(req, out...), nil
	case unix.RTM_DELRULE:
		i := slices.IndexFunc(k.Rules, func(r rtnl.RuleMessage) bool { return fam(r) && ruleMatches(m, r) })
		if i < 0 {
			return []netlink.Message{Error(req, unix.ENOENT, "")}, nil
		}
		k.Rules = slices.Delete(k.Rules, i, i+1)
		return []netlink.Message{Ack(req)}, nil
	}
	if m.Attrs.Priority == nil {
		// fib_default_rule_pref: one below the family's second rule, if
		// that one's is not 0.
		prio, n := uint32(0), 0
		for _, r := range k.Rules {
			if r.Family == m.Family {
				if n++; n == 2 && *r.Attrs.Priority > 0 {
					prio = *r.Attrs.Priority - 1
				}
			}
		}
		m.Attrs.Priority = &prio
	}
	if req.Header.Flags&netlink.Excl != 0 && slices.ContainsFunc(k.Rules, func(r rtnl.RuleMessage) bool {
		return r.Family == m.Family && ruleMatches(m, r) && ruleMatches(r, m)
	}) {
		return []netlink.Message{Error(req, unix.EEXIST, "")}, nil
	}
	// One list per family (IPv4's first, as a dump of both gives them),
	// each in priority order, a new rule after those of its priority.
	i := slices.IndexFunc(k.Rules, func(r rtnl.RuleMessage) bool {
		return r.Family > m.Family || r.Family == m.Family && *r.Attrs.Priority > *m.Attrs.Priority
	})
	if i < 0 {
		i = len(k.Rules)
	}
	k.Rules = slices.Insert(k.Rules, i, m)
	return []netlink.Message{Ack(req)}, nil
}

// ruleMatches reports whether rule r has every selector sel sets.
func ruleMatches(sel, r rtnl.RuleMessage) bool {
	eqPtr := func(a, b *uint32) bool { return a == nil || b != nil && *a == *b }
	return (sel.Action == 0 || sel.Action == r.Action) && (sel.Table == 0 || sel.Table == r.Table) &&
		eqPtr(sel.Attrs.Priority, r.Attrs.Priority) && (!sel.Src.IsValid() || sel.Src == r.Src) &&
		(!sel.Dst.IsValid() || sel.Dst == r.Dst) && (sel.Attrs.IIFName == "" || sel.Attrs.IIFName == r.Attrs.IIFName) &&
		(sel.Attrs.OIFName == "" || sel.Attrs.OIFName == r.Attrs.OIFName) && eqPtr(sel.Attrs.FwMark, r.Attrs.FwMark) &&
		eqPtr(sel.Attrs.Goto, r.Attrs.Goto) && sel.Flags&^r.Flags == 0
}
