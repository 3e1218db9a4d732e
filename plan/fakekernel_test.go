package plan

import (
	"io"
	"syscall"
	"testing"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/nltest"
	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/rtnl"
)

// kernel is a small rtnetlink model for the steps' unit tests: links by
// name (kind, flags, MTU, master), addresses and main-table routes.
type kernel struct {
	t      *testing.T
	links  map[string]*rtnl.LinkMessage
	next   uint32
	addrs  []rtnl.AddrMessage
	routes []rtnl.RouteMessage
	// fail refuses the next request of a message type with an errno.
	fail map[netlink.HeaderType]syscall.Errno
	// skip lets that many requests of a type through before fail applies.
	skip map[netlink.HeaderType]int
	peer map[string]string // veth peers, both ways
	reqs int
}

func newKernel(t *testing.T) *kernel {
	k := &kernel{t: t, links: map[string]*rtnl.LinkMessage{}, next: 1, fail: map[netlink.HeaderType]syscall.Errno{},
		skip: map[netlink.HeaderType]int{}, peer: map[string]string{}}
	k.addLink("lo", "", 0)
	return k
}

func (k *kernel) addLink(name, kind string, mtu uint32) *rtnl.LinkMessage {
	if mtu == 0 {
		mtu = 1500
	}
	l := &rtnl.LinkMessage{Index: k.next, Attrs: rtnl.LinkAttrs{Name: name, MTU: &mtu}}
	if kind != "" {
		l.Attrs.Info = &rtnl.LinkInfo{Kind: kind}
	}
	k.next++
	k.links[name] = l
	return l
}

func (k *kernel) byIndex(i uint32) *rtnl.LinkMessage {
	for _, l := range k.links {
		if l.Index == i {
			return l
		}
	}
	return nil
}

func (k *kernel) find(m *rtnl.LinkMessage) *rtnl.LinkMessage {
	if m.Index != 0 {
		return k.byIndex(m.Index)
	}
	return k.links[m.Attrs.Name]
}

func (k *kernel) reply(req netlink.Message, typ netlink.HeaderType, v interface{ MarshalBinary() ([]byte, error) }) netlink.Message {
	b, err := v.MarshalBinary()
	if err != nil {
		k.t.Fatal(err)
	}
	return nltest.Reply(req, typ, b)
}

// conn is an rtnl.Conn on the model.
func (k *kernel) session() *Session {
	return NewSession(&Options{Dial: func(ref nsfs.Ref, fd int, family string) (io.Closer, error) {
		return nltest.Rtnl(k.serve, nil), nil
	}})
}

func (k *kernel) serve(reqs []netlink.Message) ([]netlink.Message, error) {
	req := reqs[0]
	k.reqs++
	typ := req.Header.Type
	if errno, ok := k.fail[typ]; ok && k.skip[typ] > 0 {
		k.skip[typ]--
	} else if ok {
		delete(k.fail, typ)
		return []netlink.Message{nltest.Error(req, errno, "")}, nil
	}
	ack := []netlink.Message{nltest.Ack(req)}
	enodev := []netlink.Message{nltest.Error(req, unix.ENODEV, "")}
	switch typ {
	case unix.RTM_GETLINK, unix.RTM_NEWLINK, unix.RTM_DELLINK:
		var m rtnl.LinkMessage
		if err := m.UnmarshalBinary(req.Data); err != nil {
			k.t.Fatal(err)
		}
		l := k.find(&m)
		switch {
		case typ == unix.RTM_GETLINK:
			if l == nil {
				return enodev, nil
			}
			return []netlink.Message{k.reply(req, unix.RTM_NEWLINK, l)}, nil
		case typ == unix.RTM_DELLINK:
			if l == nil {
				return enodev, nil
			}
			delete(k.links, l.Attrs.Name)
			if p, ok := k.peer[l.Attrs.Name]; ok {
				delete(k.links, p)
				delete(k.peer, p)
				delete(k.peer, l.Attrs.Name)
			}
			return ack, nil
		case req.Header.Flags&netlink.Create != 0:
			if l != nil {
				return []netlink.Message{nltest.Error(req, unix.EEXIST, "")}, nil
			}
			var mtu uint32
			if m.Attrs.MTU != nil {
				mtu = *m.Attrs.MTU
			}
			k.addLink(m.Attrs.Name, m.Attrs.Info.Kind, mtu)
			if v, ok := m.Attrs.Info.Data.(*rtnl.Veth); ok && v.Peer != nil && v.Peer.Attrs.NetNSFD == nil {
				k.addLink(v.Peer.Attrs.Name, "veth", mtu)
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
		return ack, nil
	case unix.RTM_NEWADDR, unix.RTM_DELADDR, unix.RTM_GETADDR:
		var m rtnl.AddrMessage
		if err := m.UnmarshalBinary(req.Data); err != nil {
			k.t.Fatal(err)
		}
		if typ == unix.RTM_GETADDR {
			var out []netlink.Message
			for _, a := range k.addrs {
				if a.Index == m.Index {
					out = append(out, k.reply(req, unix.RTM_NEWADDR, &a))
				}
			}
			return nltest.Dump(req, out...), nil
		}
		for i, a := range k.addrs {
			if a.Index == m.Index && a.Attrs.Local == m.Attrs.Local && a.PrefixLen == m.PrefixLen {
				if typ == unix.RTM_NEWADDR {
					return []netlink.Message{nltest.Error(req, unix.EEXIST, "")}, nil
				}
				k.addrs = append(k.addrs[:i], k.addrs[i+1:]...)
				return ack, nil
			}
		}
		if typ == unix.RTM_DELADDR {
			return []netlink.Message{nltest.Error(req, unix.EADDRNOTAVAIL, "")}, nil
		}
		k.addrs = append(k.addrs, m)
		return ack, nil
	case unix.RTM_NEWROUTE, unix.RTM_DELROUTE, unix.RTM_GETROUTE:
		var m rtnl.RouteMessage
		if err := m.UnmarshalBinary(req.Data); err != nil {
			k.t.Fatal(err)
		}
		if typ == unix.RTM_GETROUTE {
			var out []netlink.Message
			for _, r := range k.routes {
				out = append(out, k.reply(req, unix.RTM_NEWROUTE, &r))
			}
			return nltest.Dump(req, out...), nil
		}
		for i, r := range k.routes {
			if r.Dst == m.Dst {
				if typ == unix.RTM_NEWROUTE {
					return []netlink.Message{nltest.Error(req, unix.EEXIST, "")}, nil
				}
				k.routes = append(k.routes[:i], k.routes[i+1:]...)
				return ack, nil
			}
		}
		if typ == unix.RTM_DELROUTE {
			return []netlink.Message{nltest.Error(req, unix.ESRCH, "")}, nil
		}
		k.routes = append(k.routes, m)
		return ack, nil
	}
	return []netlink.Message{nltest.Error(req, unix.EOPNOTSUPP, "")}, nil
}
