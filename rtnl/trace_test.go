package rtnl

import (
	"encoding/hex"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nltrace"
)

// traceOf prints one message the way --trace does.
func traceOf(t *testing.T, typ uint16, payload []byte) string {
	t.Helper()
	var b strings.Builder
	p := nltrace.New(&b, schema, false)
	p.Print(nltrace.Sent, nltrace.Header{Len: uint32(16 + len(payload)), Type: typ, Flags: 0x605}, payload)
	return b.String()
}

func TestTraceVethPeer(t *testing.T) {
	b, _ := hex.DecodeString(goldenTests[0].want) // veth with its peer in another namespace
	out := traceOf(t, unix.RTM_NEWLINK, b)
	for _, w := range []string{
		"→ RTM_NEWLINK flags=REQUEST|ACK|EXCL|CREATE",
		"    ifinfomsg family=AF_UNSPEC type=0 index=0 flags=0x0 change=0x0",
		`    IFLA_IFNAME "veth0s0"`,
		"    IFLA_LINKINFO\n",
		`      IFLA_INFO_KIND "veth"`,
		"      IFLA_INFO_DATA\n        VETH_INFO_PEER\n          ifinfomsg family=AF_UNSPEC",
		"          IFLA_NET_NS_FD 4",
		`          IFLA_IFNAME "veth0s1"`,
	} {
		if !strings.Contains(out, w) {
			t.Errorf("trace lacks %q:\n%s", w, out)
		}
	}
}

func TestTraceReplies(t *testing.T) {
	link := traceOf(t, unix.RTM_NEWLINK, readHex(t, "link_veth_reply.hex")[0])
	addr := traceOf(t, unix.RTM_NEWADDR, readHex(t, "addr_reply.hex")[1])
	route := traceOf(t, unix.RTM_NEWROUTE, readHex(t, "route_get_reply.hex")[0])
	for _, c := range []struct{ out, want string }{
		{link, "flags=0x11043<RUNNING,BROADCAST,MULTICAST,UP,LOWER_UP>"},
		{link, "IFLA_OPERSTATE UP (6)"},
		{link, "IFLA_LINK_NETNSID 0"},
		{link, "IFLA_AF_SPEC\n"},
		{link, "IFLA_INET6_ADDR_GEN_MODE eui64 (0)"},
		{link, "IFLA_STATS64 rx_packets="},
		{link, `IFLA_QDISC "noqueue"`},
		{addr, "ifaddrmsg family=AF_INET6 prefixlen=64 flags=0x82<nodad,permanent> scope=global index=2"},
		{addr, "IFA_ADDRESS 2001:db8::1"},
		{addr, "IFA_CACHEINFO preferred=forever valid=forever"},
		{addr, "IFA_FLAGS 0x82 <nodad,permanent>"},
		{route, "rtmsg family=AF_INET dst_len=32 src_len=0 tos=0 table=main protocol=unspec scope=global type=unicast flags=0x200<cloned>"},
		{route, "RTA_TABLE main (254)"},
		{route, "RTA_PREFSRC 192.168.11.100"},
		{route, "RTA_CACHEINFO clntref="},
	} {
		if !strings.Contains(c.out, c.want) {
			t.Errorf("trace lacks %q:\n%s", c.want, c.out)
		}
	}
}

func TestTraceLinkKinds(t *testing.T) {
	for i, w := range map[int][]string{
		11: {"IFLA_VXLAN_ID 42", "IFLA_VXLAN_GROUP 10.0.0.2", "IFLA_VXLAN_PORT 4789", "IFLA_VXLAN_LEARNING on (1)"},
		12: {"IFLA_LINK 4", "IFLA_MACVLAN_MODE bridge (4)"},
	} {
		b, _ := hex.DecodeString(goldenTests[i].want)
		out := traceOf(t, unix.RTM_NEWLINK, b)
		for _, s := range w {
			if !strings.Contains(out, s) {
				t.Errorf("%s: trace lacks %q:\n%s", goldenTests[i].name, s, out)
			}
		}
	}
}
