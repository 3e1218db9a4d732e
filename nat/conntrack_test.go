package nat_test

import (
	"encoding/binary"
	"net/netip"
	"strings"
	"testing"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/nat"
	"github.com/nsnet/nsnet/nltest"
)

const (
	ctGet    = netlink.HeaderType(1<<8 | 1)
	ctNew    = netlink.HeaderType(1 << 8) // IPCTNL_MSG_CT_NEW
	ctDelete = netlink.HeaderType(1<<8 | 2)
)

// ctTuple is a CTA_TUPLE_ORIG attribute: addresses, protocol, ports.
func ctTuple(t *testing.T, src, dst netip.AddrPort, proto uint8) []byte {
	ae := netlink.NewAttributeEncoder()
	ae.ByteOrder = binary.BigEndian
	ae.Nested(1, func(ae *netlink.AttributeEncoder) error {
		ae.Nested(1, func(ae *netlink.AttributeEncoder) error {
			typ := uint16(1)
			if src.Addr().Is6() {
				typ = 3
			}
			ae.Bytes(typ, src.Addr().AsSlice())
			ae.Bytes(typ+1, dst.Addr().AsSlice())
			return nil
		})
		ae.Nested(2, func(ae *netlink.AttributeEncoder) error {
			ae.Uint8(1, proto)
			ae.Uint16(2, src.Port())
			ae.Uint16(3, dst.Port())
			return nil
		})
		return nil
	})
	b, err := ae.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ctZone(t *testing.T, z uint16) []byte {
	ae := netlink.NewAttributeEncoder()
	ae.ByteOrder = binary.BigEndian
	ae.Uint16(18, z)
	b, _ := ae.Encode()
	return b
}

func ctStatus(t *testing.T) []byte {
	ae := netlink.NewAttributeEncoder()
	ae.ByteOrder = binary.BigEndian
	ae.Uint32(3, 0x8)
	b, _ := ae.Encode()
	return b
}

func cat(bs ...[]byte) []byte {
	var out []byte
	for _, b := range bs {
		out = append(out, b...)
	}
	return out
}

// DeleteStaleConntrack dumps each family it has UDP mappings of and
// deletes, by original tuple and zone only, the UDP entries to a mapped
// host port; an entry gone meanwhile is not counted, and nothing else is
// deleted (other ports, TCP, entries without a tuple).
func TestDeleteStaleConntrack(t *testing.T) {
	ap := netip.MustParseAddrPort
	v4 := []byte{unix.AF_INET, 0, 0, 0}
	v6 := []byte{unix.AF_INET6, 0, 0, 0}
	stale := ctTuple(t, ap("192.0.2.2:40000"), ap("192.0.2.1:5000"), 17)
	gone := ctTuple(t, ap("192.0.2.3:40000"), ap("192.0.2.1:5000"), 17)
	stale6 := ctTuple(t, ap("[2001:db8::2]:40000"), ap("[2001:db8::1]:5000"), 17)
	zone := ctZone(t, 7)
	s := nltest.NewScript(t,
		nltest.Expect(ctGet, netlink.Request|netlink.Dump, v4, func(req netlink.Message) []netlink.Message {
			return nltest.Dump(req,
				nltest.Reply(req, ctNew, cat(v4, ctStatus(t), stale, zone)),
				nltest.Reply(req, ctNew, cat(v4, ctTuple(t, ap("192.0.2.2:40001"), ap("192.0.2.1:5001"), 17))),
				nltest.Reply(req, ctNew, cat(v4, ctTuple(t, ap("192.0.2.2:40002"), ap("192.0.2.1:5000"), 6))),
				nltest.Reply(req, ctNew, cat(v4, ctStatus(t))),
				nltest.Reply(req, ctNew, cat(v4, gone)))
		}),
		nltest.Expect(ctDelete, netlink.Request|netlink.Acknowledge, cat(v4, stale, zone), nltest.Acked),
		nltest.Expect(ctDelete, netlink.Request|netlink.Acknowledge, cat(v4, gone), func(req netlink.Message) []netlink.Message {
			return []netlink.Message{nltest.Error(req, unix.ENOENT, "")}
		}),
		nltest.Expect(ctGet, netlink.Request|netlink.Dump, v6, func(req netlink.Message) []netlink.Message {
			return nltest.Dump(req, nltest.Reply(req, ctNew, cat(v6, stale6)))
		}),
		nltest.Expect(ctDelete, netlink.Request|netlink.Acknowledge, cat(v6, stale6), nltest.Acked),
	)
	var trace strings.Builder
	c := nltest.NAT(s.Func(), &nltest.Options{Trace: &trace})
	defer c.Close()
	a := web("c1")
	a.PortMaps = []nat.PortMap{
		{HostPort: 5000, ContainerIP: netip.MustParseAddr("10.99.0.2"), ContainerPort: 80, Proto: "tcp"},
		{HostPort: 5000, ContainerIP: netip.MustParseAddr("10.99.0.2"), ContainerPort: 53, Proto: "udp"},
		{HostPort: 5000, ContainerIP: netip.MustParseAddr("fd99::2"), ContainerPort: 53, Proto: "udp"},
	}
	n, err := c.DeleteStaleConntrack(a)
	if err != nil || n != 2 {
		t.Errorf("deleted %d, %v", n, err)
	}
	if !strings.Contains(trace.String(), "→ type 0x102 flags=REQUEST|ACK") {
		t.Errorf("trace:\n%s", trace.String())
	}
}

// Errors: bad input sends nothing; a failed dump or delete is reported.
func TestDeleteStaleConntrackErrors(t *testing.T) {
	s := nltest.NewScript(t)
	c := nltest.NAT(s.Func(), nil)
	bad := web("")
	if _, err := c.DeleteStaleConntrack(bad); err == nil || !strings.Contains(err.Error(), "invalid attachment id") {
		t.Errorf("bad id: %v", err)
	}
	// No UDP mapping: nothing to do, nothing sent.
	if n, err := c.DeleteStaleConntrack(nat.Attachment{ID: "x", IfName: "eth0"}); n != 0 || err != nil {
		t.Errorf("no udp: %d %v", n, err)
	}
	c.Close()

	v4 := []byte{unix.AF_INET, 0, 0, 0}
	s = nltest.NewScript(t,
		nltest.Expect(ctGet, netlink.Request|netlink.Dump, v4, func(req netlink.Message) []netlink.Message {
			return []netlink.Message{nltest.DumpDone(req, unix.EPERM)}
		}))
	c = nltest.NAT(s.Func(), nil)
	udp := nat.Attachment{ID: "x", IfName: "eth0", PortMaps: []nat.PortMap{{HostPort: 53, ContainerIP: netip.MustParseAddr("10.0.0.2"), ContainerPort: 53, Proto: "udp"}}}
	if _, err := c.DeleteStaleConntrack(udp); err == nil || !strings.Contains(err.Error(), "conntrack entries") {
		t.Errorf("dump refused: %v", err)
	}
	c.Close()

	tuple := ctTuple(t, netip.MustParseAddrPort("192.0.2.2:1"), netip.MustParseAddrPort("192.0.2.1:53"), 17)
	s = nltest.NewScript(t,
		nltest.Expect(ctGet, netlink.Request|netlink.Dump, v4, func(req netlink.Message) []netlink.Message {
			return nltest.Dump(req, nltest.Reply(req, ctNew, cat(v4, tuple)), nltest.Reply(req, ctNew, []byte{1}))
		}),
		nltest.Expect(ctDelete, netlink.Request|netlink.Acknowledge, cat(v4, tuple), func(req netlink.Message) []netlink.Message {
			return []netlink.Message{nltest.Error(req, unix.EPERM, "")}
		}))
	c = nltest.NAT(s.Func(), nil)
	defer c.Close()
	if _, err := c.DeleteStaleConntrack(udp); err == nil || !strings.Contains(err.Error(), "delete conntrack entry") {
		t.Errorf("delete refused: %v", err)
	}
}
