package nltest

import (
	"encoding/binary"
	"fmt"
	"slices"
	"syscall"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nlattr"
	"github.com/nsnet/nsnet/rtnl"
)

// Model is a small stateful rtnetlink kernel for unit tests of code above
// rtnl (plan's steps, nsnet's commands): links by name (kind and kind
// data, flags, MTU, master, lower link, address, alias, queue length,
// group; renamed, or gone when moved to another namespace; a veth's peer
// is made and deleted with it), addresses and
// routes, neighbour entries and policy routing rules (none at first; see
// DefaultRules). It answers
// RTM_{NEW,DEL,GET}{LINK,ADDR,ROUTE,NEIGH,RULE} as the kernel does in the
// cases it models (EEXIST, ENODEV, EADDRNOTAVAIL, ESRCH, ENOENT) and
// refuses every other request with EOPNOTSUPP. Func is its Func.
type Model struct {
	Links  map[string]*rtnl.LinkMessage
	Addrs  []rtnl.AddrMessage
	Routes []rtnl.RouteMessage
	Neighs []rtnl.NeighMessage
	Rules  []rtnl.RuleMessage // IPv4's then IPv6's, each in priority order
	// Fail refuses the next request of a message type with an errno,
	// once Skip lets that many requests of the type through.
	Fail map[netlink.HeaderType]syscall.Errno
	Skip map[netlink.HeaderType]int
	// Requests counts the requests served.
	Requests int

	next uint32
	peer map[string]string // veth peers, both ways
}

// NewModel returns a Model with a loopback link "lo" (index 1).
func NewModel() *Model {
	k := &Model{Links: map[string]*rtnl.LinkMessage{}, next: 1, Fail: map[netlink.HeaderType]syscall.Errno{},
		Skip: map[netlink.HeaderType]int{}, peer: map[string]string{}}
	k.AddLink("lo", "", 0)
	k.Links["lo"].Flags = 1 | 8 // up, loopback
	return k
}

// AddLink adds a link of kind ("" for none) with mtu (0: 1500) and
// returns it; change it in place to change the model.
func (k *Model) AddLink(name, kind string, mtu uint32) *rtnl.LinkMessage {
	if mtu == 0 {
		mtu = 1500
	}
	l := &rtnl.LinkMessage{Index: k.next, Attrs: rtnl.LinkAttrs{Name: name, MTU: &mtu}}
	if kind != "" {
		l.Attrs.Info = &rtnl.LinkInfo{Kind: kind}
	}
	k.next++
	k.Links[name] = l
	return l
}

// setAttrs changes link l as request m asks: flags, MTU, master, lower
// link, address, alias, queue length and group.
func (k *Model) setAttrs(l, m *rtnl.LinkMessage) {
	l.Flags = l.Flags&^m.Change | m.Flags&m.Change
	a := &m.Attrs
	if a.MTU != nil {
		l.Attrs.MTU = a.MTU
	}
	if a.Master != nil {
		l.Attrs.Master = a.Master
	}
	if a.Link != nil {
		l.Attrs.Link = a.Link
	}
	if a.Address != nil {
		l.Attrs.Address = a.Address
	}
	if a.Alias != nil {
		l.Attrs.Alias = a.Alias
	}
	if a.TxQueueLen != nil {
		l.Attrs.TxQueueLen = a.TxQueueLen
	}
	if a.Group != nil {
		l.Attrs.Group = a.Group
	}
	if a.Broadcast != nil {
		l.Attrs.Broadcast = a.Broadcast
	}
	for _, f := range []struct{ to, from **uint32 }{
		{&l.Attrs.GSOMaxSize, &a.GSOMaxSize}, {&l.Attrs.GSOMaxSegs, &a.GSOMaxSegs}, {&l.Attrs.GROMaxSize, &a.GROMaxSize},
	} {
		if *f.from != nil {
			*f.to = *f.from
		}
	}
	if a.Carrier != nil {
		l.Attrs.Carrier = a.Carrier
	}
	if a.ProtoDown != nil {
		l.Attrs.ProtoDown = a.ProtoDown
	}
}

// PutLink adds l as it is, with its index (a link a real kernel listed),
// in place of any link of that name; links made later get higher
// indexes.
func (k *Model) PutLink(l *rtnl.LinkMessage) {
	delete(k.Links, l.Attrs.Name)
	k.Links[l.Attrs.Name] = l
	k.next = max(k.next, l.Index+1)
}

func (k *Model) byIndex(i uint32) *rtnl.LinkMessage {
	for _, l := range k.Links {
		if l.Index == i {
			return l
		}
	}
	return nil
}

func (k *Model) find(m *rtnl.LinkMessage) *rtnl.LinkMessage {
	if m.Index != 0 {
		return k.byIndex(m.Index)
	}
	return k.Links[m.Attrs.Name]
}

func reply(req netlink.Message, typ netlink.HeaderType, v interface{ MarshalBinary() ([]byte, error) }) (netlink.Message, error) {
	b, err := v.MarshalBinary()
	return Reply(req, typ, b), err
}

// Func returns the Model as the Func of a fake Conn (Rtnl).
func (k *Model) Func() Func { return k.serve }

// serve answers each message of a datagram in turn, as the kernel's
// netlink_rcv_skb does: a refusal does not stop the ones after it.
func (k *Model) serve(reqs []netlink.Message) ([]netlink.Message, error) {
	var out []netlink.Message
	for _, req := range reqs {
		r, err := k.serveOne(req)
		out = append(out, r...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

func (k *Model) serveOne(req netlink.Message) ([]netlink.Message, error) {
	k.Requests++
	typ := req.Header.Type
	if errno, ok := k.Fail[typ]; ok && k.Skip[typ] > 0 {
		k.Skip[typ]--
	} else if ok {
		delete(k.Fail, typ)
		return []netlink.Message{Error(req, errno, "")}, nil
	}
	ack := []netlink.Message{Ack(req)}
	enodev := []netlink.Message{Error(req, unix.ENODEV, "")}
	switch typ {
	case unix.RTM_GETLINK, unix.RTM_NEWLINK, unix.RTM_DELLINK:
		var m rtnl.LinkMessage
		if err := m.UnmarshalBinary(req.Data); err != nil {
			return nil, fmt.Errorf("nltest: model: %v", err)
		}
		l := k.find(&m)
		switch {
		case typ == unix.RTM_GETLINK && req.Header.Flags&netlink.Dump != 0:
			var out []netlink.Message
			for i := uint32(1); i < k.next; i++ {
				if l := k.byIndex(i); l != nil {
					r, err := reply(req, unix.RTM_NEWLINK, l)
					if err != nil {
						return nil, err
					}
					out = append(out, r)
				}
			}
			return Dump(req, out...), nil
		case typ == unix.RTM_GETLINK:
			if l == nil {
				return enodev, nil
			}
			m, err := reply(req, unix.RTM_NEWLINK, l)
			return []netlink.Message{m}, err
		case typ == unix.RTM_DELLINK:
			if l == nil {
				return enodev, nil
			}
			k.unregister(l)
			if p, ok := k.peer[l.Attrs.Name]; ok {
				if pl := k.Links[p]; pl != nil {
					k.unregister(pl)
				}
				delete(k.peer, p)
				delete(k.peer, l.Attrs.Name)
			}
			return ack, nil
		case req.Header.Flags&netlink.Create != 0:
			info := m.Attrs.Info
			if info == nil {
				info = &rtnl.LinkInfo{}
			}
			v, veth := info.Data.(*rtnl.Veth)
			if l != nil || veth && v.Peer != nil && v.Peer.Attrs.NetNSFD == nil && k.Links[v.Peer.Attrs.Name] != nil {
				return []netlink.Message{Error(req, unix.EEXIST, "")}, nil
			}
			var mtu uint32
			if m.Attrs.MTU != nil {
				mtu = *m.Attrs.MTU
			}
			nl := k.AddLink(m.Attrs.Name, info.Kind, mtu)
			k.setAttrs(nl, &m)
			if veth && v.Peer != nil && v.Peer.Attrs.NetNSFD == nil {
				if v.Peer.Attrs.MTU != nil {
					mtu = *v.Peer.Attrs.MTU
				}
				p := k.AddLink(v.Peer.Attrs.Name, "veth", mtu)
				k.setAttrs(p, v.Peer)
				k.peer[m.Attrs.Name], k.peer[v.Peer.Attrs.Name] = v.Peer.Attrs.Name, m.Attrs.Name
				nl.Attrs.Link, p.Attrs.Link = &p.Index, &nl.Index
			} else if !veth && info.Data != nil && nl.Attrs.Info != nil {
				nl.Attrs.Info.Data = info.Data
			}
			if req.Header.Flags&netlink.Echo != 0 {
				// NLM_F_ECHO: the new link, then the acknowledgement.
				e, err := reply(req, unix.RTM_NEWLINK, nl)
				return []netlink.Message{e, Ack(req)}, err
			}
			return ack, nil
		}
		if l == nil {
			return enodev, nil
		}
		if m.Attrs.NetNSFD != nil {
			// Moved to another namespace: gone from this one.
			delete(k.Links, l.Attrs.Name)
			return ack, nil
		}
		if m.Index != 0 && m.Attrs.Name != "" && m.Attrs.Name != l.Attrs.Name {
			if k.Links[m.Attrs.Name] != nil {
				return []netlink.Message{Error(req, unix.EEXIST, "")}, nil
			}
			delete(k.Links, l.Attrs.Name)
			if p, ok := k.peer[l.Attrs.Name]; ok {
				delete(k.peer, l.Attrs.Name)
				k.peer[m.Attrs.Name], k.peer[p] = p, m.Attrs.Name
			}
			l.Attrs.Name = m.Attrs.Name
			k.Links[l.Attrs.Name] = l
		}
		if m.Attrs.Info != nil && m.Attrs.Info.Data != nil && l.Attrs.Info != nil {
			l.Attrs.Info.Data = m.Attrs.Info.Data
		}
		if m.Attrs.Info != nil && m.Attrs.Info.SlaveKind != "" {
			// A port's settings: refused on a link that is no port of
			// that kind, else each attribute replaces its own.
			if l.Attrs.Info == nil || l.Attrs.Info.SlaveKind != m.Attrs.Info.SlaveKind {
				return []netlink.Message{Error(req, unix.EOPNOTSUPP, "")}, nil
			}
			l.Attrs.Info.SlaveData = mergeAttrs(l.Attrs.Info.SlaveData, m.Attrs.Info.SlaveData)
		}
		k.setAttrs(l, &m)
		return ack, nil
	case unix.RTM_NEWLINKPROP, unix.RTM_DELLINKPROP:
		var m rtnl.LinkMessage
		if err := m.UnmarshalBinary(req.Data); err != nil {
			return nil, fmt.Errorf("nltest: model: %v", err)
		}
		l := k.find(&m)
		if l == nil {
			return enodev, nil
		}
		// As the kernel: the names in order, up to the first refused;
		// those before it stay changed.
		for _, n := range m.Attrs.AltNames {
			if typ == unix.RTM_NEWLINKPROP {
				if k.Links[n] != nil || k.altOwner(n) != nil {
					return []netlink.Message{Error(req, unix.EEXIST, "")}, nil
				}
				l.Attrs.AltNames = append(l.Attrs.AltNames, n)
				continue
			}
			if n == l.Attrs.Name {
				return []netlink.Message{Error(req, unix.EINVAL, "")}, nil
			}
			if !slices.Contains(l.Attrs.AltNames, n) {
				return []netlink.Message{Error(req, unix.ENOENT, "")}, nil
			}
			l.Attrs.AltNames = slices.DeleteFunc(l.Attrs.AltNames, func(a string) bool { return a == n })
		}
		return ack, nil
	case unix.RTM_NEWADDR, unix.RTM_DELADDR, unix.RTM_GETADDR:
		var m rtnl.AddrMessage
		if err := m.UnmarshalBinary(req.Data); err != nil {
			return nil, fmt.Errorf("nltest: model: %v", err)
		}
		if typ == unix.RTM_GETADDR {
			var out []netlink.Message
			for _, a := range k.Addrs {
				if m.Index == 0 || a.Index == m.Index {
					r, err := reply(req, unix.RTM_NEWADDR, &a)
					if err != nil {
						return nil, err
					}
					out = append(out, r)
				}
			}
			return Dump(req, out...), nil
		}
		if typ == unix.RTM_NEWADDR && k.byIndex(m.Index) == nil {
			return enodev, nil
		}
		for i, a := range k.Addrs {
			if a.Index == m.Index && a.Attrs.Local == m.Attrs.Local && a.PrefixLen == m.PrefixLen {
				if typ == unix.RTM_NEWADDR && req.Header.Flags&netlink.Replace != 0 {
					k.Addrs[i] = m
					return ack, nil
				}
				if typ == unix.RTM_NEWADDR {
					return []netlink.Message{Error(req, unix.EEXIST, "")}, nil
				}
				k.Addrs = append(k.Addrs[:i], k.Addrs[i+1:]...)
				return ack, nil
			}
		}
		if typ == unix.RTM_DELADDR {
			return []netlink.Message{Error(req, unix.EADDRNOTAVAIL, "")}, nil
		}
		k.Addrs = append(k.Addrs, m)
		return ack, nil
	case unix.RTM_NEWROUTE, unix.RTM_DELROUTE, unix.RTM_GETROUTE:
		var m rtnl.RouteMessage
		if err := m.UnmarshalBinary(req.Data); err != nil {
			return nil, fmt.Errorf("nltest: model: %v", err)
		}
		if typ == unix.RTM_GETROUTE {
			var out []netlink.Message
			for _, r := range k.Routes {
				m, err := reply(req, unix.RTM_NEWROUTE, &r)
				if err != nil {
					return nil, err
				}
				out = append(out, m)
			}
			return Dump(req, out...), nil
		}
		for i, r := range k.Routes {
			if r.Dst == m.Dst {
				if typ == unix.RTM_NEWROUTE && req.Header.Flags&netlink.Replace != 0 {
					k.Routes[i] = m
					return ack, nil
				}
				if typ == unix.RTM_NEWROUTE {
					return []netlink.Message{Error(req, unix.EEXIST, "")}, nil
				}
				k.Routes = append(k.Routes[:i], k.Routes[i+1:]...)
				return ack, nil
			}
		}
		if typ == unix.RTM_DELROUTE {
			return []netlink.Message{Error(req, unix.ESRCH, "")}, nil
		}
		if req.Header.Flags&netlink.Create == 0 {
			// A change (NLM_F_REPLACE alone) of a route that is not there.
			return []netlink.Message{Error(req, unix.ENOENT, "")}, nil
		}
		k.Routes = append(k.Routes, m)
		return ack, nil
	case unix.RTM_NEWNEIGH, unix.RTM_DELNEIGH, unix.RTM_GETNEIGH:
		return k.neigh(req)
	case unix.RTM_NEWRULE, unix.RTM_DELRULE, unix.RTM_GETRULE:
		return k.rule(req)
	}
	return []netlink.Message{Error(req, unix.EOPNOTSUPP, "")}, nil
}

// DefaultRules are the rules a new namespace starts with, as the kernel
// lists them: IPv4's local, main and default tables, IPv6's local and
// main. A test that wants them sets Model.Rules to them.
func DefaultRules() []rtnl.RuleMessage {
	rule := func(f rtnl.Family, prio uint32, t rtnl.Table) rtnl.RuleMessage {
		return rtnl.RuleMessage{Family: f, Table: t, Action: rtnl.RuleToTable, Attrs: rtnl.RuleAttrs{Priority: &prio}}
	}
	return []rtnl.RuleMessage{
		rule(rtnl.FamilyInet, 0, rtnl.TableLocal), rule(rtnl.FamilyInet, 32766, rtnl.TableMain),
		rule(rtnl.FamilyInet, 32767, rtnl.TableDefault),
		rule(rtnl.FamilyInet6, 0, rtnl.TableLocal), rule(rtnl.FamilyInet6, 32766, rtnl.TableMain),
	}
}

// neigh serves the neighbour requests, keeping entries by link, address
// and proxy flag: NLM_F_EXCL on one that is there is EEXIST, a change
// without NLM_F_CREATE of one that is not is ENOENT, as is deleting or
// getting a missing one; on a missing link, ENODEV. A dump lists the
// entries of its family and link (NDA_IFINDEX) when the request gives
// them.
func (k *Model) neigh(req netlink.Message) ([]netlink.Message, error) {
	var m rtnl.NeighMessage
	if err := m.UnmarshalBinary(req.Data); err != nil {
		return nil, fmt.Errorf("nltest: model: %v", err)
	}
	same := func(n rtnl.NeighMessage) bool {
		return n.Index == m.Index && n.Attrs.Dst == m.Attrs.Dst && n.Flags&rtnl.NeighProxy == m.Flags&rtnl.NeighProxy
	}
	if req.Header.Type == unix.RTM_GETNEIGH && req.Header.Flags&netlink.Dump == 0 {
		i := slices.IndexFunc(k.Neighs, same)
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
	if m.Index != 0 && k.byIndex(m.Index) == nil {
		return []netlink.Message{Error(req, unix.ENODEV, "")}, nil
	}
	i := slices.IndexFunc(k.Neighs, same)
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

// rule serves the rule requests, keeping each family's rules in priority
// order (IPv4's first, as a dump of both lists them), a new rule after
// those of its priority. A rule without a priority gets the kernel's
// default: one below that of the family's second rule. Adding a rule
// equal to one there with NLM_F_EXCL is EEXIST; a deletion removes the
// first rule with every selector the request sets (ENOENT when none
// has). A dump leaves a zero priority out, as the kernel does.
func (k *Model) rule(req netlink.Message) ([]netlink.Message, error) {
	var m rtnl.RuleMessage
	if err := m.UnmarshalBinary(req.Data); err != nil {
		return nil, fmt.Errorf("nltest: model: %v", err)
	}
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

// unregister removes link l and what the kernel removes with a link: its
// addresses, the routes through it, its neighbours, and its ports'
// attachment to it.
func (k *Model) unregister(l *rtnl.LinkMessage) {
	delete(k.Links, l.Attrs.Name)
	i := l.Index
	k.Addrs = slices.DeleteFunc(k.Addrs, func(a rtnl.AddrMessage) bool { return a.Index == i })
	k.Routes = slices.DeleteFunc(k.Routes, func(r rtnl.RouteMessage) bool { return r.Attrs.OIF != nil && *r.Attrs.OIF == i })
	k.Neighs = slices.DeleteFunc(k.Neighs, func(n rtnl.NeighMessage) bool { return n.Index == i })
	for _, p := range k.Links {
		if p.Attrs.Master != nil && *p.Attrs.Master == i {
			p.Attrs.Master = nil
		}
	}
}

// altOwner returns the link that has alternative name n, or nil.
func (k *Model) altOwner(n string) *rtnl.LinkMessage {
	for _, l := range k.Links {
		if slices.Contains(l.Attrs.AltNames, n) {
			return l
		}
	}
	return nil
}

// mergeAttrs returns the attributes of old with those of set put in
// their place (or added); a flag (no payload) in set changes nothing.
func mergeAttrs(old, set []byte) []byte {
	type attr struct {
		typ  uint16
		data []byte
	}
	read := func(b []byte) []attr {
		var out []attr
		r := nlattr.NewReader(b, binary.NativeEndian)
		for r.Next() {
			out = append(out, attr{r.Type, append([]byte(nil), r.Data...)})
		}
		return out
	}
	all := read(old)
	for _, a := range read(set) {
		if len(a.data) == 0 {
			continue
		}
		i := slices.IndexFunc(all, func(o attr) bool { return o.typ == a.typ })
		if i < 0 {
			all = append(all, a)
		} else {
			all[i] = a
		}
	}
	e := nlattr.NewEncoder(binary.NativeEndian)
	for _, a := range all {
		e.Bytes(a.typ, a.data)
	}
	b, _ := e.Encode()
	return b
}
