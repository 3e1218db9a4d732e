package rtnl_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/nltest"
	"github.com/nsnet/nsnet/rtnl"
)

// These tests run rtnl.Conn's methods against a fake kernel (nltest): each
// checks the exact request sent (type, flags and the payload iproute2
// sends for the same command, from the golden tests) and the typed result
// or error the method makes of the kernel's reply.

// script returns a Conn whose kernel plays steps, failing the test on any
// other request.
func script(t *testing.T, steps ...nltest.Func) *rtnl.Conn {
	t.Helper()
	s := nltest.NewScript(t, steps...)
	c := nltest.Rtnl(s.Func(), nil)
	t.Cleanup(func() { c.Close() })
	return c
}

const (
	ack     = netlink.Request | netlink.Acknowledge
	create  = ack | netlink.Create | netlink.Excl
	replace = ack | netlink.Create | netlink.Replace
)

// refuse returns a reply function refusing a request with errno and an
// extended ACK text.
func refuse(errno unix.Errno, text string) func(netlink.Message) []netlink.Message {
	return func(req netlink.Message) []netlink.Message {
		return []netlink.Message{nltest.Error(req, errno, text)}
	}
}

// A write, its request, and the golden test whose bytes it must send.
type write struct {
	golden string
	call   func(c *rtnl.Conn, m rtnl.Message) error
	typ    netlink.HeaderType
	flags  netlink.HeaderFlags
}

func addLink(c *rtnl.Conn, m rtnl.Message) error  { return c.AddLink(m.(*rtnl.LinkMessage)) }
func setLink(c *rtnl.Conn, m rtnl.Message) error  { return c.SetLink(m.(*rtnl.LinkMessage)) }
func delLink(c *rtnl.Conn, m rtnl.Message) error  { return c.DeleteLink(m.(*rtnl.LinkMessage)) }
func addAddr(c *rtnl.Conn, m rtnl.Message) error  { return c.AddAddr(m.(*rtnl.AddrMessage)) }
func replAddr(c *rtnl.Conn, m rtnl.Message) error { return c.ReplaceAddr(m.(*rtnl.AddrMessage)) }
func delAddr(c *rtnl.Conn, m rtnl.Message) error  { return c.DeleteAddr(m.(*rtnl.AddrMessage)) }
func addRoute(c *rtnl.Conn, m rtnl.Message) error { return c.AddRoute(m.(*rtnl.RouteMessage)) }
func replRoute(c *rtnl.Conn, m rtnl.Message) error {
	return c.ReplaceRoute(m.(*rtnl.RouteMessage))
}
func chgRoute(c *rtnl.Conn, m rtnl.Message) error { return c.ChangeRoute(m.(*rtnl.RouteMessage)) }
func appRoute(c *rtnl.Conn, m rtnl.Message) error { return c.AppendRoute(m.(*rtnl.RouteMessage)) }
func delRoute(c *rtnl.Conn, m rtnl.Message) error { return c.DeleteRoute(m.(*rtnl.RouteMessage)) }

var writes = []write{
	{"ip link add veth0s0 type veth peer veth0s1 netns nstest", addLink, unix.RTM_NEWLINK, create},
	{"ip link add va type veth peer name vb", addLink, unix.RTM_NEWLINK, create},
	{"ip link add br0 type bridge", addLink, unix.RTM_NEWLINK, create},
	{"ip link add vx0 type vxlan id 42 remote 10.0.0.2 local 10.0.0.1 dev va dstport 4789", addLink, unix.RTM_NEWLINK, create},
	{"ip link add mv0 link va type macvlan mode bridge", addLink, unix.RTM_NEWLINK, create},
	{"ip link set va up", setLink, unix.RTM_NEWLINK, ack},
	{"ip link set va mtu 1400 address 02:00:00:00:00:01", setLink, unix.RTM_NEWLINK, ack},
	{"ip link set va master br0", setLink, unix.RTM_NEWLINK, ack},
	{"ip link set va nomaster", setLink, unix.RTM_NEWLINK, ack},
	{"ip link set va txqueuelen 500 alias hello", setLink, unix.RTM_NEWLINK, ack},
	{"ip link set va netns nstest", setLink, unix.RTM_NEWLINK, ack},
	{"ip link del br0", delLink, unix.RTM_DELLINK, ack},
	{"ip addr add 192.168.11.100/24 dev va", addAddr, unix.RTM_NEWADDR, create},
	{"ip addr add 2001:db8::1/64 dev va nodad", addAddr, unix.RTM_NEWADDR, create},
	{"ip addr add 10.1.1.1/24 brd + dev va label va:1", replAddr, unix.RTM_NEWADDR, replace},
	{"ip addr del 10.1.1.1/24 dev va", delAddr, unix.RTM_DELADDR, ack},
	{"ip route add 10.9.0.0/16 dev va", addRoute, unix.RTM_NEWROUTE, create},
	{"ip route add default via 192.168.11.1", replRoute, unix.RTM_NEWROUTE, replace},
	{"ip route add 10.7.0.0/16 via 192.168.11.1 table 1000", appRoute, unix.RTM_NEWROUTE, ack | netlink.Create | netlink.Append},
	{"ip route add 10.6.0.0/16 via 192.168.11.1 dev va src 192.168.11.100 metric 7 table 100 proto static mtu 1400", chgRoute, unix.RTM_NEWROUTE, ack | netlink.Replace},
	{"ip route del 10.9.0.0/16 dev va", delRoute, unix.RTM_DELROUTE, ack},
}

// Every write sends iproute2's bytes with the flags of its kind, and
// succeeds on the kernel's ACK.
func TestFakeWrites(t *testing.T) {
	for _, w := range writes {
		t.Run(w.golden, func(t *testing.T) {
			m, want := rtnl.Golden(t, w.golden)
			c := script(t, nltest.Expect(w.typ, w.flags, want, nltest.Acked))
			if err := w.call(c, m); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A refused write is an *rtnl.Error naming the operation and the object,
// with the kernel's extended ACK text, matching the os error of its
// errno, and saying the kernel refused it.
func TestFakeWriteRefused(t *testing.T) {
	for _, c := range []struct {
		golden string
		call   func(c *rtnl.Conn, m rtnl.Message) error
		errno  unix.Errno
		is     error
		text   string
	}{
		{"ip link add veth0s0 type veth peer veth0s1 netns nstest", addLink, unix.EEXIST, os.ErrExist,
			"add link veth0s0: file exists (kernel: Link already exists)"},
		{"ip link del br0", delLink, unix.ENODEV, os.ErrNotExist,
			"delete link index 5: no such device (kernel: Link not found)"},
		{"ip link set va up", setLink, unix.EPERM, os.ErrPermission,
			"set link index 4: operation not permitted (kernel: no)"},
		{"ip addr add 192.168.11.100/24 dev va", addAddr, unix.EEXIST, os.ErrExist,
			"add address 192.168.11.100/24: file exists (kernel: Address exists)"},
		{"ip addr del 10.1.1.1/24 dev va", delAddr, unix.EADDRNOTAVAIL, os.ErrNotExist,
			"delete address 10.1.1.1/24: cannot assign requested address (kernel: no such address)"},
		{"ip route add 10.7.0.0/16 via 192.168.11.1 table 1000", addRoute, unix.EEXIST, os.ErrExist,
			"add route 10.7.0.0/16 via 192.168.11.1 table 1000: file exists (kernel: Route exists)"},
		{"ip route del 10.9.0.0/16 dev va", delRoute, unix.ESRCH, os.ErrNotExist,
			"delete route 10.9.0.0/16: no such process (kernel: No route)"},
	} {
		t.Run(c.golden, func(t *testing.T) {
			m, _ := rtnl.Golden(t, c.golden)
			kernelText := c.text[strings.Index(c.text, "(kernel: ")+9 : len(c.text)-1]
			conn := script(t, func(req []netlink.Message) ([]netlink.Message, error) {
				return refuse(c.errno, kernelText)(req[0]), nil
			})
			err := c.call(conn, m)
			var re *rtnl.Error
			if !errors.As(err, &re) || !errors.Is(err, c.is) || !errors.Is(err, c.errno) || !re.Kernel() {
				t.Fatalf("got %v", err)
			}
			if err.Error() != c.text {
				t.Fatalf("got %q\nwant %q", err.Error(), c.text)
			}
		})
	}
}

// A local peer address names the object as ip does.
func TestFakeAddrPeerObject(t *testing.T) {
	c := script(t, func(req []netlink.Message) ([]netlink.Message, error) {
		return refuse(unix.EINVAL, "")(req[0]), nil
	})
	err := c.AddAddr(&rtnl.AddrMessage{Family: rtnl.FamilyInet, PrefixLen: 32, Index: 3, Attrs: rtnl.AddrAttrs{
		Local: netip.MustParseAddr("10.0.0.1"), Address: netip.MustParseAddr("10.0.0.2")}})
	if want := "add address 10.0.0.1 peer 10.0.0.2/32: invalid argument"; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
}

// vethReply is the kernel's RTM_NEWLINK for veth0s0 (index 2).
func vethReply(t *testing.T, req netlink.Message) netlink.Message {
	return nltest.Reply(req, unix.RTM_NEWLINK, rtnl.ReadHex(t, "link_veth_reply.hex")[0])
}

// LinkByName and LinkIndex send one RTM_GETLINK by name without
// counters; the reply decodes to the link.
func TestFakeLinkByName(t *testing.T) {
	want, err := (&rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Name: "veth0s0", ExtMask: new(rtnl.ExtFilterSkipStats)}}).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, rtnl.GetLinkByName("veth0s0", rtnl.ExtFilterSkipStats)) {
		t.Fatal("LinkByName's request is not what MarshalBinary makes")
	}
	get := func(req netlink.Message) []netlink.Message { return []netlink.Message{vethReply(t, req)} }
	c := script(t,
		nltest.Expect(unix.RTM_GETLINK, netlink.Request, want, get),
		nltest.Expect(unix.RTM_GETLINK, netlink.Request, want, get),
		nltest.Expect(unix.RTM_GETLINK, netlink.Request, nil, refuse(unix.ENODEV, "")),
		nltest.Expect(unix.RTM_GETLINK, netlink.Request, nil, refuse(unix.ENODEV, "")),
	)
	l, err := c.LinkByName("veth0s0")
	if err != nil {
		t.Fatal(err)
	}
	if l.Index != 2 || l.Attrs.Name != "veth0s0" || l.Attrs.Info == nil || l.Attrs.Info.Kind != "veth" || l.Attrs.Stats != nil {
		t.Fatalf("link %+v (stats must not be decoded)", l)
	}
	idx, err := c.LinkIndex("veth0s0")
	if err != nil || idx != 2 {
		t.Fatalf("LinkIndex: %d, %v", idx, err)
	}
	if _, err := c.LinkByName("nope"); !errors.Is(err, os.ErrNotExist) || !strings.HasPrefix(err.Error(), "get link nope: ") {
		t.Fatalf("missing link: %v", err)
	}
	if _, err := c.LinkIndex("nope"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing link index: %v", err)
	}
}

// Replies that are not one link are errors, not a wrong answer.
func TestFakeLinkBadReplies(t *testing.T) {
	c := script(t,
		// No link, then two: LinkIndex and Link want exactly one.
		nltest.Expect(unix.RTM_GETLINK, netlink.Request, nil, func(req netlink.Message) []netlink.Message {
			return []netlink.Message{nltest.Reply(req, unix.RTM_NEWADDR, nil)}
		}),
		nltest.Expect(unix.RTM_GETLINK, netlink.Request, nil, func(req netlink.Message) []netlink.Message {
			return nltest.Dump(req, vethReply(t, req), vethReply(t, req))
		}),
		// A reply too short for an ifinfomsg.
		nltest.Expect(unix.RTM_GETLINK, netlink.Request, nil, func(req netlink.Message) []netlink.Message {
			return []netlink.Message{nltest.Reply(req, unix.RTM_NEWLINK, []byte{1, 2, 3, 4})}
		}),
		nltest.Expect(unix.RTM_GETLINK, netlink.Request, nil, func(req netlink.Message) []netlink.Message {
			return []netlink.Message{nltest.Reply(req, unix.RTM_NEWLINK, []byte{1, 2, 3, 4})}
		}),
		// A write whose reply is not decodable.
		nltest.Expect(unix.RTM_NEWLINK, create, nil, func(req netlink.Message) []netlink.Message {
			return []netlink.Message{nltest.Reply(req, unix.RTM_NEWLINK, []byte{1}), nltest.Ack(req)}
		}),
	)
	if _, err := c.LinkIndex("x"); err == nil || !strings.Contains(err.Error(), "kernel sent 0 links, want 1") {
		t.Fatalf("no link: %v", err)
	}
	if _, err := c.LinkByIndex(2); err == nil || !strings.Contains(err.Error(), "kernel sent 2 links, want 1") {
		t.Fatalf("two links: %v", err)
	}
	if _, err := c.LinkIndex("x"); err == nil || !strings.Contains(err.Error(), "decode reply") {
		t.Fatalf("short link: %v", err)
	}
	if _, err := c.Link(&rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Name: "x"}}); err == nil || !strings.Contains(err.Error(), "get link x: decode reply") {
		t.Fatalf("short link: %v", err)
	}
	if err := c.AddLink(&rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Name: "x"}}); err == nil || !strings.Contains(err.Error(), "add link x: decode reply") {
		t.Fatalf("bad echo: %v", err)
	}
}

// linkDump answers a link dump with n copies of veth0s0, the first
// interrupted times flagged NLM_F_DUMP_INTR.
func linkDump(t *testing.T, n int, interrupted *int) nltest.Func {
	return func(req []netlink.Message) ([]netlink.Message, error) {
		if req[0].Header.Type != unix.RTM_GETLINK || req[0].Header.Flags != netlink.Request|netlink.Dump {
			t.Errorf("request %+v, want a link dump", req[0].Header)
		}
		var parts []netlink.Message
		for range n {
			parts = append(parts, vethReply(t, req[0]))
		}
		out := nltest.Dump(req[0], parts...)
		if *interrupted > 0 {
			*interrupted--
			out[len(out)-1].Header.Flags |= netlink.DumpInterrupted
		}
		return out, nil
	}
}

// Links decodes a dump across datagrams with counters; an interrupted
// dump starts again, and one always interrupted returns its last result
// with ErrDumpInterrupted.
func TestFakeLinksDump(t *testing.T) {
	intr := 2
	f := linkDump(t, 3, &intr)
	calls := 0
	c := nltest.Rtnl(func(req []netlink.Message) ([]netlink.Message, error) { calls++; return f(req) }, nil)
	defer c.Close()
	links, err := c.Links()
	if err != nil || len(links) != 3 || calls != 3 {
		t.Fatalf("%d links, %v, %d dumps", len(links), err, calls)
	}
	for _, l := range links {
		if l.Attrs.Name != "veth0s0" || l.Attrs.Stats == nil {
			t.Fatalf("link %+v", l)
		}
	}
	intr, calls = 100, 0
	links, err = c.DumpLinks(&rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{ExtMask: new(rtnl.ExtFilterSkipStats)}})
	if !errors.Is(err, rtnl.ErrDumpInterrupted) || len(links) != 3 || calls != 6 || links[0].Attrs.Stats != nil {
		t.Fatalf("always interrupted: %d links, %v, %d dumps", len(links), err, calls)
	}
	// A dump the kernel refuses.
	c2 := script(t, func(req []netlink.Message) ([]netlink.Message, error) {
		return refuse(unix.EINVAL, "invalid header for link dump")(req[0]), nil
	})
	if _, err := c2.Links(); err == nil || err.Error() != "list links: invalid argument (kernel: invalid header for link dump)" {
		t.Fatalf("refused dump: %v", err)
	}
	// A part that does not decode.
	c3 := script(t, func(req []netlink.Message) ([]netlink.Message, error) {
		return nltest.Dump(req[0], nltest.Reply(req[0], unix.RTM_NEWLINK, []byte{1})), nil
	})
	if _, err := c3.Links(); err == nil || !strings.Contains(err.Error(), "decode reply") {
		t.Fatalf("bad part: %v", err)
	}
}

// Addrs: a dump of the kernel's addresses, filtered by family and link.
func TestFakeAddrs(t *testing.T) {
	parts := rtnl.ReadHex(t, "addr_reply.hex") // veth0s0 (2): 192.168.11.100/24, 2001:db8::1/64, fe80::/64
	answer := func(req []netlink.Message) ([]netlink.Message, error) {
		var msgs []netlink.Message
		for _, p := range parts {
			msgs = append(msgs, nltest.Reply(req[0], unix.RTM_NEWADDR, p))
		}
		// And one of another link, index 9.
		other := append([]byte(nil), parts[0]...)
		binary.NativeEndian.PutUint32(other[4:], 9)
		msgs = append(msgs, nltest.Reply(req[0], unix.RTM_NEWADDR, other))
		return nltest.Dump(req[0], msgs...), nil
	}
	var reqs []netlink.Message
	c := nltest.Rtnl(func(req []netlink.Message) ([]netlink.Message, error) {
		reqs = append(reqs, req...)
		return answer(req)
	}, nil)
	defer c.Close()
	all, err := c.Addrs(rtnl.FamilyUnspec, 0)
	if err != nil || len(all) != 4 {
		t.Fatalf("%d addresses, %v", len(all), err)
	}
	v6, err := c.Addrs(rtnl.FamilyInet6, 2)
	if err != nil || len(v6) != 2 || v6[0].Prefix() != netip.MustParsePrefix("2001:db8::1/64") {
		t.Fatalf("v6 of link 2: %+v, %v", v6, err)
	}
	on9, err := c.Addrs(rtnl.FamilyInet, 9)
	if err != nil || len(on9) != 1 || on9[0].Index != 9 || on9[0].Prefix() != netip.MustParsePrefix("192.168.11.100/24") {
		t.Fatalf("link 9: %+v, %v", on9, err)
	}
	// The request is an ifaddrmsg with the family and index: the kernel
	// filters (strict checking).
	if got := reqs[1]; got.Header.Flags != netlink.Request|netlink.Dump || got.Header.Type != unix.RTM_GETADDR ||
		!bytes.Equal(got.Data, []byte{unix.AF_INET6, 0, 0, 0, 2, 0, 0, 0}) {
		t.Fatalf("request %+v %x", got.Header, got.Data)
	}
}

// Flush, as nsnet's "address flush dev" does it: list the link's
// addresses, then delete each, sending back what the dump returned.
func TestFakeAddrFlush(t *testing.T) {
	parts := rtnl.ReadHex(t, "addr_reply.hex")
	var deleted []netip.Prefix
	steps := []nltest.Func{func(req []netlink.Message) ([]netlink.Message, error) {
		var msgs []netlink.Message
		for _, p := range parts {
			msgs = append(msgs, nltest.Reply(req[0], unix.RTM_NEWADDR, p))
		}
		return nltest.Dump(req[0], msgs...), nil
	}}
	for range parts {
		steps = append(steps, nltest.Expect(unix.RTM_DELADDR, ack, nil, func(req netlink.Message) []netlink.Message {
			var m rtnl.AddrMessage
			if err := m.UnmarshalBinary(req.Data); err != nil {
				t.Error(err)
			}
			if m.Index != 2 {
				t.Errorf("delete on link %d", m.Index)
			}
			deleted = append(deleted, m.Prefix())
			return nltest.Acked(req)
		}))
	}
	c := script(t, steps...)
	addrs, err := c.Addrs(rtnl.FamilyUnspec, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i := range addrs {
		if err := c.DeleteAddr(&addrs[i]); err != nil {
			t.Fatal(err)
		}
	}
	want := []netip.Prefix{netip.MustParsePrefix("192.168.11.100/24"), netip.MustParsePrefix("2001:db8::1/64"), addrs[2].Prefix()}
	if !reflect.DeepEqual(deleted, want) || !addrs[2].Prefix().Addr().IsLinkLocalUnicast() {
		t.Fatalf("deleted %v, want %v", deleted, want)
	}
}

// GetRoute sends ip's RTM_GETROUTE and decodes the kernel's answer; a
// reply without a route is an error.
func TestFakeGetRoute(t *testing.T) {
	m, want := rtnl.Golden(t, "ip route get 192.168.11.5")
	c := script(t,
		nltest.Expect(unix.RTM_GETROUTE, netlink.Request, want, func(req netlink.Message) []netlink.Message {
			return []netlink.Message{nltest.Reply(req, unix.RTM_NEWROUTE, rtnl.ReadHex(t, "route_get_reply.hex")[0])}
		}),
		nltest.Expect(unix.RTM_GETROUTE, netlink.Request, want, func(req netlink.Message) []netlink.Message {
			return []netlink.Message{nltest.Reply(req, unix.RTM_NEWLINK, nil)}
		}),
		nltest.Expect(unix.RTM_GETROUTE, netlink.Request, want, refuse(unix.ENETUNREACH, "")),
		nltest.Expect(unix.RTM_GETROUTE, netlink.Request, want, func(req netlink.Message) []netlink.Message {
			return []netlink.Message{nltest.Reply(req, unix.RTM_NEWROUTE, []byte{2})}
		}),
	)
	r, err := c.GetRoute(m.(*rtnl.RouteMessage))
	if err != nil {
		t.Fatal(err)
	}
	if r.Dst != netip.MustParsePrefix("192.168.11.5/32") || r.Attrs.OIF == nil || *r.Attrs.OIF != 2 ||
		r.Attrs.PrefSrc != netip.MustParseAddr("192.168.11.100") {
		t.Fatalf("route %+v", r)
	}
	if _, err := c.GetRoute(m.(*rtnl.RouteMessage)); err == nil || err.Error() != "get route 192.168.11.5/32: no route in the reply" {
		t.Fatalf("no route: %v", err)
	}
	if _, err := c.GetRoute(m.(*rtnl.RouteMessage)); !errors.Is(err, unix.ENETUNREACH) {
		t.Fatalf("unreachable: %v", err)
	}
	if _, err := c.GetRoute(m.(*rtnl.RouteMessage)); err == nil || !strings.Contains(err.Error(), "decode reply") {
		t.Fatalf("bad reply: %v", err)
	}
}

// Routes: the filter goes to the kernel in the request, and is applied
// again to what comes back.
func TestFakeRoutes(t *testing.T) {
	parts := rtnl.ReadHex(t, "route6_reply.hex") // 2001:db8::/64 and fe80::/64, table main, oif 2
	var reqs []netlink.Message
	c := nltest.Rtnl(func(req []netlink.Message) ([]netlink.Message, error) {
		reqs = append(reqs, req...)
		var msgs []netlink.Message
		for _, p := range parts {
			msgs = append(msgs, nltest.Reply(req[0], unix.RTM_NEWROUTE, p))
		}
		return nltest.Dump(req[0], msgs...), nil
	}, nil)
	defer c.Close()
	for _, f := range []struct {
		filter rtnl.RouteFilter
		n      int
	}{
		{rtnl.RouteFilter{}, 2},
		{rtnl.RouteFilter{Family: rtnl.FamilyInet6, Table: rtnl.TableMain, OIF: 2}, 2},
		{rtnl.RouteFilter{Family: rtnl.FamilyInet}, 0},
		{rtnl.RouteFilter{Table: 100}, 0},
		{rtnl.RouteFilter{OIF: 3}, 0},
	} {
		routes, err := c.Routes(f.filter)
		if err != nil || len(routes) != f.n {
			t.Fatalf("filter %+v: %d routes, %v", f.filter, len(routes), err)
		}
		if f.n == 2 && (routes[0].Dst != netip.MustParsePrefix("2001:db8::/64") || routes[1].Dst != netip.MustParsePrefix("fe80::/64")) {
			t.Fatalf("routes %v %v", routes[0].Dst, routes[1].Dst)
		}
	}
	// rtmsg family 10, table 254; RTA_OIF 2 (filter 2).
	want := []byte{10, 0, 0, 0, 254, 0, 0, 0, 0, 0, 0, 0, 8, 0, unix.RTA_OIF, 0, 2, 0, 0, 0}
	if got := reqs[1]; got.Header.Type != unix.RTM_GETROUTE || got.Header.Flags != netlink.Request|netlink.Dump || !bytes.Equal(got.Data, want) {
		t.Fatalf("request %+v %x, want %x", got.Header, got.Data, want)
	}
	bad := script(t, func(req []netlink.Message) ([]netlink.Message, error) {
		return nltest.Dump(req[0], nltest.Reply(req[0], unix.RTM_NEWROUTE, []byte{1})), nil
	})
	if _, err := bad.Routes(rtnl.RouteFilter{}); err == nil || !strings.Contains(err.Error(), "list routes: decode reply") {
		t.Fatalf("bad part: %v", err)
	}
}

// nsidAttrs is an rtgenmsg and the NETNSA_* attributes given as
// (type, int32) pairs.
func nsidAttrs(kv ...int32) []byte {
	b := []byte{0, 0, 0, 0}
	for i := 0; i < len(kv); i += 2 {
		b = binary.NativeEndian.AppendUint16(b, 8)
		b = binary.NativeEndian.AppendUint16(b, uint16(kv[i]))
		b = binary.NativeEndian.AppendUint32(b, uint32(kv[i+1]))
	}
	return b
}

const (
	netnsaNSID = 1
	netnsaFD   = 3
)

// NSID, SetNSID and NSIDs send rtgenmsg with NETNSA_FD (and NETNSA_NSID)
// and read the id back.
func TestFakeNSID(t *testing.T) {
	c := script(t,
		nltest.Expect(unix.RTM_GETNSID, netlink.Request, nsidAttrs(netnsaFD, 7), func(req netlink.Message) []netlink.Message {
			return []netlink.Message{nltest.Reply(req, unix.RTM_NEWNSID, nsidAttrs(netnsaNSID, 4))}
		}),
		nltest.Expect(unix.RTM_GETNSID, netlink.Request, nsidAttrs(netnsaFD, 7), func(req netlink.Message) []netlink.Message {
			return []netlink.Message{nltest.Reply(req, unix.RTM_NEWNSID, nsidAttrs(netnsaNSID, -1))}
		}),
		nltest.Expect(unix.RTM_GETNSID, netlink.Request, nil, func(req netlink.Message) []netlink.Message {
			return []netlink.Message{nltest.Reply(req, unix.RTM_NEWLINK, nil)}
		}),
		nltest.Expect(unix.RTM_NEWNSID, ack, nsidAttrs(netnsaFD, 7, netnsaNSID, 5), nltest.Acked),
		nltest.Expect(unix.RTM_NEWNSID, ack, nsidAttrs(netnsaFD, 7, netnsaNSID, -1), refuse(unix.EEXIST, "")),
		nltest.Expect(unix.RTM_GETNSID, netlink.Request|netlink.Dump, []byte{0, 0, 0, 0}, func(req netlink.Message) []netlink.Message {
			return nltest.Dump(req,
				nltest.Reply(req, unix.RTM_NEWNSID, nsidAttrs(netnsaNSID, 0)),
				nltest.Reply(req, unix.RTM_NEWNSID, nsidAttrs(netnsaNSID, 3)),
				nltest.Reply(req, unix.RTM_NEWNSID, nsidAttrs()))
		}),
		nltest.Expect(unix.RTM_GETNSID, netlink.Request|netlink.Dump, nil, func(req netlink.Message) []netlink.Message {
			return nltest.Dump(req, nltest.Reply(req, unix.RTM_NEWNSID, []byte{0}))
		}),
	)
	if id, err := c.NSID(7); err != nil || id != 4 {
		t.Fatalf("NSID: %d, %v", id, err)
	}
	if id, err := c.NSID(7); err != nil || id != rtnl.NSIDNone {
		t.Fatalf("NSID unassigned: %d, %v", id, err)
	}
	if id, err := c.NSID(7); err != nil || id != rtnl.NSIDNone {
		t.Fatalf("NSID without a reply: %d, %v", id, err)
	}
	if err := c.SetNSID(7, 5); err != nil {
		t.Fatal(err)
	}
	if err := c.SetNSID(7, rtnl.NSIDNone); !errors.Is(err, os.ErrExist) || !strings.HasPrefix(err.Error(), "set nsid auto: ") {
		t.Fatalf("SetNSID auto: %v", err)
	}
	if ids, err := c.NSIDs(); err != nil || !reflect.DeepEqual(ids, []int{0, 3}) {
		t.Fatalf("NSIDs: %v, %v", ids, err)
	}
	if _, err := c.NSIDs(); err == nil {
		t.Fatal("a short nsid message decoded")
	}
}

// With tracing on, every message is printed decoded by name.
func TestFakeTrace(t *testing.T) {
	var trace bytes.Buffer
	m, want := rtnl.Golden(t, "ip link add vx0 type vxlan id 42 remote 10.0.0.2 local 10.0.0.1 dev va dstport 4789")
	s := nltest.NewScript(t,
		nltest.Expect(unix.RTM_NEWLINK, create, want, refuse(unix.EOPNOTSUPP, "Unknown device type")),
		linkDump(t, 1, new(int)))
	c := nltest.Rtnl(s.Func(), &nltest.Options{Trace: &trace, TraceNS: "ns1", TraceHex: true})
	defer c.Close()
	if err := c.AddLink(m.(*rtnl.LinkMessage)); !errors.Is(err, unix.EOPNOTSUPP) {
		t.Fatal(err)
	}
	if _, err := c.Links(); err != nil {
		t.Fatal(err)
	}
	out := trace.String()
	for _, w := range []string{"RTM_NEWLINK", "IFLA_IFNAME", "vx0", "IFLA_VXLAN_ID", "42", "error -95", "Unknown device type", "ns1", "veth0s0"} {
		if !strings.Contains(out, w) {
			t.Errorf("trace lacks %q", w)
		}
	}
	if t.Failed() {
		t.Log(out)
	}
}

// AddLinkEcho asks for the echo (NLM_F_ECHO) and returns the link the
// kernel sent back; a refusal is AddLink's error.
func TestFakeAddLinkEcho(t *testing.T) {
	echo := func(req netlink.Message) []netlink.Message {
		return []netlink.Message{vethReply(t, req), nltest.Ack(req)}
	}
	c := script(t,
		nltest.Expect(unix.RTM_NEWLINK, create|netlink.Echo, nil, echo),
		nltest.Expect(unix.RTM_NEWLINK, create|netlink.Echo, nil, refuse(unix.EEXIST, "")),
		nltest.Expect(unix.RTM_NEWLINK, create|netlink.Echo, nil, nltest.Acked),
	)
	m := &rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Name: "veth0s0", Info: &rtnl.LinkInfo{Kind: "veth"}}}
	l, err := c.AddLinkEcho(m)
	if err != nil || l == nil || l.Index != 2 || l.Attrs.Name != "veth0s0" {
		t.Fatalf("AddLinkEcho: %+v, %v", l, err)
	}
	if _, err := c.AddLinkEcho(m); !errors.Is(err, os.ErrExist) || !strings.HasPrefix(err.Error(), "add link veth0s0: ") {
		t.Fatalf("refused: %v", err)
	}
	// A kernel that sends no echo: no link, no error.
	if l, err := c.AddLinkEcho(m); l != nil || err != nil {
		t.Fatalf("no echo: %+v, %v", l, err)
	}
}

// AddAltNames and DelAltNames send ip's one request: the link by index, the
// names in IFLA_PROP_LIST with NLA_F_NESTED (the kernel requires it), the
// add with NLM_F_CREATE|NLM_F_EXCL|NLM_F_APPEND.
func TestFakeAltNames(t *testing.T) {
	want := []byte{
		0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // ifinfomsg, index 7
		20, 0, 52, 0x80, // IFLA_PROP_LIST | NLA_F_NESTED, 20 bytes
		7, 0, 53, 0, 'a', '0', 0, 0, // IFLA_ALT_IFNAME "a0"
		8, 0, 53, 0, 'b', '-', '1', 0, // IFLA_ALT_IFNAME "b-1"
	}
	ok := func(req netlink.Message) []netlink.Message { return []netlink.Message{nltest.Ack(req)} }
	c := script(t,
		nltest.Expect(unix.RTM_NEWLINKPROP, netlink.Request|netlink.Acknowledge|netlink.Create|netlink.Excl|netlink.Append, want, ok),
		nltest.Expect(unix.RTM_DELLINKPROP, netlink.Request|netlink.Acknowledge, want, ok),
		nltest.Expect(unix.RTM_NEWLINKPROP, netlink.Request|netlink.Acknowledge|netlink.Create|netlink.Excl|netlink.Append, nil, refuse(unix.EEXIST, "")),
	)
	if err := c.AddAltNames(7, "a0", "b-1"); err != nil {
		t.Fatal(err)
	}
	if err := c.DelAltNames(7, "a0", "b-1"); err != nil {
		t.Fatal(err)
	}
	if err := c.AddAltNames(7, "a0"); !errors.Is(err, os.ErrExist) || !strings.HasPrefix(err.Error(), "add link property a0: ") {
		t.Fatalf("refused add: %v", err)
	}
}
