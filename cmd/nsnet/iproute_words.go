package main

// Commands printing themselves back as the words of an nsnet command
// line (batch.go's worder): up journals an inverse this way before it
// runs a step, and down parses it back, even after up was killed.

import (
	"path/filepath"
	"strconv"

	"github.com/nsnet/nsnet/nsfs"
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
