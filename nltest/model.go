package nltest

import (
	"fmt"
	"syscall"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/rtnl"
)

// Model is a small stateful rtnetlink kernel for unit tests of code above
// rtnl (plan's steps, nsnet's commands): links by name (kind and kind
// data, flags, MTU, master, lower link, address, alias, queue length,
// group; renamed, or gone when moved to another namespace; a veth's peer
// is made and deleted with it), addresses and
// routes, neighbour entries and policy routing rules. It answers
// RTM_{NEW,DEL,GET}{LINK,ADDR,ROUTE,NEIGH,RULE} as the kernel does in the
// cases it models (EEXIST, ENODEV, EADDRNOTAVAIL, ESRCH, ENOENT) and
// refuses every other request with EOPNOTSUPP. Func is its Func.
type Model struct {
	Links  map[string]*rtnl.LinkMessage
	Addrs  []rtnl.AddrMessage
	Routes []rtnl.RouteMessage
	Neighs []rtnl.NeighMessage
	// Rules are kept in priority order; a rule added without a priority
	// gets the one before the first non-zero one, as the kernel gives.
	Rules []rtnl.RuleMessage
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

func (k *Model) serve(reqs []netlink.Message) ([]netlink.Message, error) {
	req := reqs[0]
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
			delete(k.Links, l.Attrs.Name)
			if p, ok := k.peer[l.Attrs.Name]; ok {
				delete(k.Links, p)
				delete(k.peer, p)
				delete(k.peer, l.Attrs.Name)
			}
			return ack, nil
		case req.Header.Flags&netlink.Create != 0:
			if l != nil {
				return []netlink.Message{Error(req, unix.EEXIST, "")}, nil
			}
			var mtu uint32
			if m.Attrs.MTU != nil {
				mtu = *m.Attrs.MTU
			}
			nl := k.AddLink(m.Attrs.Name, m.Attrs.Info.Kind, mtu)
			k.setAttrs(nl, &m)
			if v, ok := m.Attrs.Info.Data.(*rtnl.Veth); ok && v.Peer != nil && v.Peer.Attrs.NetNSFD == nil {
				if v.Peer.Attrs.MTU != nil {
					mtu = *v.Peer.Attrs.MTU
				}
				p := k.AddLink(v.Peer.Attrs.Name, "veth", mtu)
				k.setAttrs(p, v.Peer)
				k.peer[m.Attrs.Name], k.peer[v.Peer.Attrs.Name] = v.Peer.Attrs.Name, m.Attrs.Name
				nl.Attrs.Link, p.Attrs.Link = &p.Index, &nl.Index
			} else if !ok && m.Attrs.Info.Data != nil {
				nl.Attrs.Info.Data = m.Attrs.Info.Data
			}
			return ack, nil
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
			l.Attrs.Name = m.Attrs.Name
			k.Links[l.Attrs.Name] = l
		}
		if m.Attrs.Info != nil && m.Attrs.Info.Data != nil && l.Attrs.Info != nil {
			l.Attrs.Info.Data = m.Attrs.Info.Data
		}
		if l == nil {
			return enodev, nil
		}
		k.setAttrs(l, &m)
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
		k.Routes = append(k.Routes, m)
		return ack, nil
	case unix.RTM_NEWNEIGH, unix.RTM_DELNEIGH, unix.RTM_GETNEIGH:
		return k.neigh(req)
	case unix.RTM_NEWRULE, unix.RTM_DELRULE, unix.RTM_GETRULE:
		return k.rule(req)
	}
	return []netlink.Message{Error(req, unix.EOPNOTSUPP, "")}, nil
}

// neigh serves the neighbour requests: entries are keyed by link, address
// and proxy flag.
func (k *Model) neigh(req netlink.Message) ([]netlink.Message, error) {
	var m rtnl.NeighMessage
	if err := m.UnmarshalBinary(req.Data); err != nil {
		return nil, fmt.Errorf("nltest: model: %v", err)
	}
	typ, flags := req.Header.Type, req.Header.Flags
	if typ == unix.RTM_GETNEIGH {
		var out []netlink.Message
		for _, n := range k.Neighs {
			r, err := reply(req, unix.RTM_NEWNEIGH, &n)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return Dump(req, out...), nil
	}
	if m.Index != 0 && k.byIndex(m.Index) == nil {
		return []netlink.Message{Error(req, unix.ENODEV, "")}, nil
	}
	proxy := m.Flags & rtnl.NeighProxy
	for i, n := range k.Neighs {
		if n.Index != m.Index || n.Attrs.Dst != m.Attrs.Dst || n.Flags&rtnl.NeighProxy != proxy {
			continue
		}
		switch {
		case typ == unix.RTM_DELNEIGH:
			k.Neighs = append(k.Neighs[:i], k.Neighs[i+1:]...)
		case flags&netlink.Excl != 0:
			return []netlink.Message{Error(req, unix.EEXIST, "")}, nil
		default:
			k.Neighs[i] = m
		}
		return []netlink.Message{Ack(req)}, nil
	}
	if typ == unix.RTM_DELNEIGH || flags&netlink.Create == 0 {
		return []netlink.Message{Error(req, unix.ENOENT, "")}, nil
	}
	k.Neighs = append(k.Neighs, m)
	return []netlink.Message{Ack(req)}, nil
}

// rule serves the rule requests: an add of a rule equal to one there is
// EEXIST; a deletion removes the first rule with every selector the
// request sets (family, priority, table, source and destination; the
// model does not compare the others).
func (k *Model) rule(req netlink.Message) ([]netlink.Message, error) {
	var m rtnl.RuleMessage
	if err := m.UnmarshalBinary(req.Data); err != nil {
		return nil, fmt.Errorf("nltest: model: %v", err)
	}
	switch req.Header.Type {
	case unix.RTM_GETRULE:
		var out []netlink.Message
		for _, r := range k.Rules {
			if m.Family == 0 || r.Family == m.Family {
				rep, err := reply(req, unix.RTM_NEWRULE, &r)
				if err != nil {
					return nil, err
				}
				out = append(out, rep)
			}
		}
		return Dump(req, out...), nil
	case unix.RTM_DELRULE:
		for i, r := range k.Rules {
			if r.Family == m.Family && (m.Attrs.Priority == nil || r.Attrs.Priority != nil && *r.Attrs.Priority == *m.Attrs.Priority) &&
				(m.Table == 0 || m.Table == r.Table) && (!m.Src.IsValid() || m.Src == r.Src) && (!m.Dst.IsValid() || m.Dst == r.Dst) {
				k.Rules = append(k.Rules[:i], k.Rules[i+1:]...)
				return []netlink.Message{Ack(req)}, nil
			}
		}
		return []netlink.Message{Error(req, unix.ENOENT, "")}, nil
	}
	if m.Attrs.Priority == nil {
		p := uint32(0)
		for _, r := range k.Rules {
			if r.Attrs.Priority != nil && *r.Attrs.Priority != 0 {
				p = *r.Attrs.Priority - 1
				break
			}
		}
		m.Attrs.Priority = &p
	}
	at := len(k.Rules)
	for i, r := range k.Rules {
		if r.Family == m.Family && *r.Attrs.Priority == *m.Attrs.Priority && r.Table == m.Table && r.Src == m.Src && r.Dst == m.Dst {
			return []netlink.Message{Error(req, unix.EEXIST, "")}, nil
		}
		if *r.Attrs.Priority > *m.Attrs.Priority && at == len(k.Rules) {
			at = i
		}
	}
	k.Rules = append(k.Rules[:at], append([]rtnl.RuleMessage{m}, k.Rules[at:]...)...)
	return []netlink.Message{Ack(req)}, nil
}
