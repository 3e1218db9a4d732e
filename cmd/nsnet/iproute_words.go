package main

// Commands printing themselves back as the words of an nsnet command
// line (batch.go's worder): up journals an inverse this way before it
// runs a step, and down parses it back, even after up was killed.

import (
	"path/filepath"
	"strconv"

	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/rtnl"
)

// word is the reference as a word that parses back to the same
// namespace whatever exists then: a numeric name becomes its path (a bare
// number would be a PID), a PID its /proc path.
func refWord(r nsRef) string {
	if r.Kind == nsfs.RefName {
		if _, err := strconv.ParseUint(r.Name, 10, 64); err == nil {
			return filepath.Join(nsfs.RunDir, r.Name)
		}
	}
	return r.Key()
}

func u32Word(v uint32) string { return strconv.FormatUint(uint64(v), 10) }

// optWords are the generic link options (not the name).
func (s *linkSpec) optWords() []string {
	var w []string
	if s.address != nil {
		w = append(w, "address", s.address.String())
	}
	if s.mtu != nil {
		w = append(w, "mtu", u32Word(*s.mtu))
	}
	if s.txqlen != nil {
		w = append(w, "txqueuelen", u32Word(*s.txqlen))
	}
	if s.netns != nil {
		w = append(w, "netns", refWord(*s.netns))
	}
	if s.up != nil {
		w = append(w, map[bool]string{true: "up", false: "down"}[*s.up])
	}
	if s.lower != "" {
		w = append(w, "link", s.lower)
	}
	if s.master != nil {
		if *s.master == "" {
			w = append(w, "nomaster")
		} else {
			w = append(w, "master", *s.master)
		}
	}
	if s.alias != nil {
		w = append(w, "alias", *s.alias)
	}
	return w
}

func (c linkAdd) words() []string {
	w := append([]string{"link", "add", c.spec.name}, c.spec.optWords()...)
	w = append(w, "type", c.kind)
	switch {
	case c.peer != nil:
		w = append(w, "peer", "name", c.peer.name)
		w = append(w, c.peer.optWords()...)
	case c.bridge != nil:
		b := c.bridge
		for _, f := range []struct {
			k string
			v *uint32
		}{{"stp_state", b.STPState}, {"forward_delay", b.ForwardDelay}, {"hello_time", b.HelloTime},
			{"max_age", b.MaxAge}, {"ageing_time", b.AgeingTime}} {
			if f.v != nil {
				w = append(w, f.k, u32Word(*f.v))
			}
		}
		if b.Priority != nil {
			w = append(w, "priority", u32Word(uint32(*b.Priority)))
		}
		if b.VlanFiltering != nil {
			w = append(w, "vlan_filtering", u32Word(uint32(*b.VlanFiltering)))
		}
		if b.McastSnooping != nil {
			w = append(w, "mcast_snooping", u32Word(uint32(*b.McastSnooping)))
		}
	case c.vxlan != nil:
		v := c.vxlan.data
		if v.ID != nil {
			w = append(w, "id", u32Word(*v.ID))
		}
		if v.Group.IsValid() {
			w = append(w, map[bool]string{true: "group", false: "remote"}[v.Group.IsMulticast()], v.Group.String())
		}
		if v.Local.IsValid() {
			w = append(w, "local", v.Local.String())
		}
		if c.vxlan.dev != "" {
			w = append(w, "dev", c.vxlan.dev)
		}
		if v.Port != nil {
			w = append(w, "dstport", u32Word(uint32(*v.Port)))
		}
		if v.TTL != nil {
			w = append(w, "ttl", u32Word(uint32(*v.TTL)))
		}
		if v.Ageing != nil {
			w = append(w, "ageing", u32Word(*v.Ageing))
		}
		if v.Learning != nil && *v.Learning == 0 {
			w = append(w, "nolearning")
		}
	case c.macvlan != nil:
		w = append(w, "mode", c.macvlan.String())
	}
	return w
}

func (c linkSet) words() []string {
	w := []string{"link", "set", "dev", c.dev}
	if c.spec.name != "" {
		w = append(w, "name", c.spec.name)
	}
	return append(w, c.spec.optWords()...)
}

func (c linkDel) words() []string { return []string{"link", "delete", "dev", c.dev} }

func (c addrChange) words() []string {
	local := c.local.String()
	if !c.hasPlen {
		local = c.local.Addr().String()
	}
	w := []string{"address", c.op, local}
	if c.peer.IsValid() {
		w = append(w, "peer", c.peer.String())
	}
	w = append(w, "dev", c.dev)
	switch {
	case c.brdCalc != "":
		w = append(w, "broadcast", c.brdCalc)
	case c.brd.IsValid():
		w = append(w, "broadcast", c.brd.String())
	}
	if c.label != "" {
		w = append(w, "label", c.label)
	}
	if c.scope != nil {
		w = append(w, "scope", c.scope.String())
	}
	for _, f := range []struct {
		f    rtnl.AddrFlags
		name string
	}{{rtnl.AddrNoDAD, "nodad"}, {rtnl.AddrNoPrefixRoute, "noprefixroute"}, {rtnl.AddrHomeAddress, "home"},
		{rtnl.AddrManageTempAddr, "mngtmpaddr"}, {rtnl.AddrMcAutoJoin, "autojoin"}, {rtnl.AddrOptimistic, "optimistic"}} {
		if c.flags&f.f != 0 {
			w = append(w, f.name)
		}
	}
	for _, l := range []struct {
		k string
		v *uint32
	}{{"valid_lft", c.valid}, {"preferred_lft", c.pref}} {
		if l.v != nil {
			w = append(w, l.k, lifetimeWord(*l.v))
		}
	}
	if c.metric != nil {
		w = append(w, "metric", u32Word(*c.metric))
	}
	return w
}

func lifetimeWord(v uint32) string {
	if v == rtnl.LifetimeForever {
		return "forever"
	}
	return u32Word(v)
}

// dstWord is a destination that parses back to the same family: "::/0"
// rather than "default" for IPv6.
func dstWord(c routeChange) string {
	if c.dst == defaultPrefix(rtnl.FamilyInet) {
		return "default"
	}
	return c.dst.String()
}

func (c routeChange) words() []string {
	w := []string{"route", c.op}
	if c.typ != nil {
		w = append(w, c.typ.String())
	}
	w = append(w, dstWord(c))
	if c.via.IsValid() {
		w = append(w, "via", c.via.String())
	}
	if c.dev != "" {
		w = append(w, "dev", c.dev)
	}
	if c.src.IsValid() {
		w = append(w, "src", c.src.String())
	}
	if c.metric != nil {
		w = append(w, "metric", u32Word(*c.metric))
	}
	if c.table != nil {
		w = append(w, "table", c.table.String())
	}
	if c.scope != nil {
		w = append(w, "scope", c.scope.String())
	}
	if c.proto != nil {
		w = append(w, "proto", c.proto.String())
	}
	if c.onlink {
		w = append(w, "onlink")
	}
	if c.mtu != nil {
		w = append(w, "mtu")
		if c.mtuLock {
			w = append(w, "lock")
		}
		w = append(w, u32Word(*c.mtu))
	}
	if c.advmss != nil {
		w = append(w, "advmss", u32Word(*c.advmss))
	}
	return w
}

// words prints the route as the routeChange that would send it, with its
// scope and protocol spelled out.
func (r routeRaw) words() []string {
	m := r.msg
	c := routeChange{op: r.op, family: m.Family, dst: m.Dst, via: m.Attrs.Gateway, dev: r.dev,
		src: m.Attrs.PrefSrc, metric: m.Attrs.Priority, table: &m.Table, scope: &m.Scope, proto: &m.Protocol,
		onlink: m.Flags&rtnl.RouteOnlink != 0}
	if m.Type != rtnl.RouteUnicast && m.Type != rtnl.RouteUnspec {
		c.typ = &m.Type
	}
	if mx := m.Attrs.Metrics; mx != nil {
		c.mtu, c.advmss = mx.MTU, mx.AdvMSS
		c.mtuLock = mx.Lock != nil && *mx.Lock&(1<<2) != 0
	}
	return c.words()
}

func (c sysctlSet) words() []string {
	w := []string{"sysctl", "-w"}
	for _, p := range c.pairs {
		w = append(w, p.key.Name+"="+p.value)
	}
	return w
}

// words lets up journal "netns add"'s inverse, so that down removes the
// name even when up was killed before the namespace was mounted on it.
func (c netnsDel) words() []string {
	if c.all {
		return []string{"netns", "delete", "-all"}
	}
	return []string{"netns", "delete", c.name}
}
