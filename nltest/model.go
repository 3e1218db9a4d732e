package nltest

import (
	"fmt"
	"syscall"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/rtnl"
)

// Model is a small stateful rtnetlink kernel for unit tests of code above
// rtnl (plan's steps, nsnet's commands): links by name (kind, flags, MTU,
// master; a veth's peer is made and deleted with it), addresses and
// routes, neighbours, and policy-routing rules (starting with the kernel's
// default ones). It answers RTM_{NEW,DEL,GET}{LINK,ADDR,ROUTE,NEIGH,RULE}
// as the kernel does in the cases it models (EEXIST, ENODEV,
// EADDRNOTAVAIL, ESRCH, ENOENT) and refuses every other request with
// EOPNOTSUPP. A new link keeps the kind data, address, alias, group and
// queue length it was created with. Func is its Func.
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
		Skip: map[netlink.HeaderType]int{}, peer: map[string]string{}, Rules: defaultRules()}
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
			nl.Flags = m.Flags & m.Change
			nl.Attrs.Address, nl.Attrs.Alias, nl.Attrs.Group, nl.Attrs.TxQueueLen = m.Attrs.Address, m.Attrs.Alias, m.Attrs.Group, m.Attrs.TxQueueLen
			nl.Attrs.Link = m.Attrs.Link
			if !veth && nl.Attrs.Info != nil {
				nl.Attrs.Info.Data = info.Data
			}
			if veth && v.Peer != nil && v.Peer.Attrs.NetNSFD == nil {
				k.AddLink(v.Peer.Attrs.Name, "veth", mtu)
				k.peer[m.Attrs.Name], k.peer[v.Peer.Attrs.Name] = v.Peer.Attrs.Name, m.Attrs.Name
			}
			return ack, nil
		}
		if l == nil {
			return enodev, nil
		}
		l.Flags = l.Flags&^m.Change | m.Flags&m.Change
		if m.Attrs.MTU != nil {
			l.Attrs.MTU = m.Attrs.MTU
		}
		if m.Attrs.Master != nil {
			l.Attrs.Master = m.Attrs.Master
		}
		if m.Attrs.Address != nil {
			l.Attrs.Address = m.Attrs.Address
		}
		if m.Attrs.Alias != nil {
			l.Attrs.Alias = m.Attrs.Alias
		}
		if m.Attrs.TxQueueLen != nil {
			l.Attrs.TxQueueLen = m.Attrs.TxQueueLen
		}
		if m.Attrs.Group != nil {
			l.Attrs.Group = m.Attrs.Group
		}
		if n := m.Attrs.Name; m.Index != 0 && n != "" && n != l.Attrs.Name {
			if k.Links[n] != nil {
				return []netlink.Message{Error(req, unix.EEXIST, "")}, nil
			}
			delete(k.Links, l.Attrs.Name)
			if p, ok := k.peer[l.Attrs.Name]; ok {
				delete(k.peer, l.Attrs.Name)
				k.peer[n], k.peer[p] = p, n
			}
			l.Attrs.Name = n
			k.Links[n] = l
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
	}
	if out, ok, err := k.serveNeighRule(req); ok {
		return out, err
	}
	return []netlink.Message{Error(req, unix.EOPNOTSUPP, "")}, nil
}
