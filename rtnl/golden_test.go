package rtnl

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"os"
	"reflect"
	"strings"
	"testing"
)

// The golden payloads below are what iproute2 6.1 sent for the command in
// each name (captured with `strace -e trace=sendmsg -e write=3`, the
// 16-byte nlmsghdr cut off). In the sandbox they were taken in, lo is 1,
// veth0s0 2 (its peer went to nstest), vb 3, va 4 and br0 5; the
// namespace file descriptor ip opened was 4.
var goldenTests = []struct {
	name string
	msg  Message
	want string
}{
	{
		name: "ip link add veth0s0 type veth peer veth0s1 netns nstest",
		msg: &LinkMessage{Attrs: LinkAttrs{Name: "veth0s0", Info: &LinkInfo{Kind: "veth", Data: &Veth{
			Peer: &LinkMessage{Attrs: LinkAttrs{Name: "veth0s1", NetNSFD: new(uint32(4))}},
		}}}},
		want: "000000000000000000000000000000000c00030076657468307330003800120008000100766574682c000200280001000000000000000000000000000000000008001c00040000000c0003007665746830733100",
	},
	{
		name: "ip link add va type veth peer name vb",
		msg: &LinkMessage{Attrs: LinkAttrs{Name: "va", Info: &LinkInfo{Kind: "veth", Data: &Veth{
			Peer: &LinkMessage{Attrs: LinkAttrs{Name: "vb"}},
		}}}},
		want: "0000000000000000000000000000000007000300766100002c0012000800010076657468200002001c000100000000000000000000000000000000000700030076620000",
	},
	{
		name: "ip link add br0 type bridge",
		msg:  &LinkMessage{Attrs: LinkAttrs{Name: "br0", Info: &LinkInfo{Kind: "bridge"}}},
		want: "000000000000000000000000000000000800030062723000100012000a0001006272696467650000",
	},
	{
		name: "ip link set va up",
		msg:  &LinkMessage{Index: 4, Flags: LinkUp, Change: LinkUp},
		want: "00000000040000000100000001000000",
	},
	{
		name: "ip link set va mtu 1400 address 02:00:00:00:00:01",
		msg: &LinkMessage{Index: 4, Attrs: LinkAttrs{MTU: new(uint32(1400)),
			Address: net.HardwareAddr{2, 0, 0, 0, 0, 1}}},
		want: "0000000004000000000000000000000008000400780500000a0001000200000000010000",
	},
	{
		name: "ip link set va master br0",
		msg:  &LinkMessage{Index: 4, Attrs: LinkAttrs{Master: new(uint32(5))}},
		want: "0000000004000000000000000000000008000a0005000000",
	},
	{
		name: "ip link set va nomaster",
		msg:  &LinkMessage{Index: 4, Attrs: LinkAttrs{Master: new(uint32(0))}},
		want: "0000000004000000000000000000000008000a0000000000",
	},
	{
		name: "ip link set va txqueuelen 500 alias hello",
		msg:  &LinkMessage{Index: 4, Attrs: LinkAttrs{TxQueueLen: new(uint32(500)), Alias: new("hello")}},
		want: "0000000004000000000000000000000008000d00f40100000900140068656c6c6f000000",
	},
	{
		name: "ip link set va netns nstest",
		msg:  &LinkMessage{Index: 4, Attrs: LinkAttrs{NetNSFD: new(uint32(4))}},
		want: "0000000004000000000000000000000008001c0004000000",
	},
	{
		name: "ip link del br0",
		msg:  &LinkMessage{Index: 5},
		want: "00000000050000000000000000000000",
	},
	{
		name: "ip link show va (the RTM_GETLINK by name)",
		msg:  &LinkMessage{Attrs: LinkAttrs{Name: "va", ExtMask: new(ExtFilterVF | ExtFilterSkipStats)}},
		want: "0000000000000000000000000000000008001d00090000000700030076610000",
	},
	{
		name: "ip link add vx0 type vxlan id 42 remote 10.0.0.2 local 10.0.0.1 dev va dstport 4789",
		msg: &LinkMessage{Attrs: LinkAttrs{Name: "vx0", Info: &LinkInfo{Kind: "vxlan", Data: &Vxlan{
			Link: new(uint32(4)), ID: new(uint32(42)), Local: netip.MustParseAddr("10.0.0.1"),
			Group: netip.MustParseAddr("10.0.0.2"), Learning: new(uint8(1)), Port: new(uint16(4789)),
		}}}},
		want: "000000000000000000000000000000000800030076783000440012000900010076786c616e000000340002000800030004000000080001002a000000080004000a000001080002000a000002050007000100000006000f0012b50000",
	},
	{
		name: "ip link add mv0 link va type macvlan mode bridge",
		msg: &LinkMessage{Attrs: LinkAttrs{Name: "mv0", Link: new(uint32(4)), Info: &LinkInfo{Kind: "macvlan",
			Data: &Macvlan{Mode: new(MacvlanBridge)}}}},
		want: "000000000000000000000000000000000800050004000000080003006d7630001c0012000b0001006d6163766c616e000c0002000800010004000000",
	},
	{
		name: "ip addr add 192.168.11.100/24 dev va",
		msg: &AddrMessage{Family: FamilyInet, PrefixLen: 24, Index: 4, Attrs: AddrAttrs{
			Local: netip.MustParseAddr("192.168.11.100"), Address: netip.MustParseAddr("192.168.11.100")}},
		want: "021800000400000008000200c0a80b6408000100c0a80b64",
	},
	{
		name: "ip addr add 2001:db8::1/64 dev va nodad",
		msg: &AddrMessage{Family: FamilyInet6, PrefixLen: 64, Flags: AddrNoDAD, Index: 4, Attrs: AddrAttrs{
			Local: netip.MustParseAddr("2001:db8::1"), Address: netip.MustParseAddr("2001:db8::1")}},
		want: "0a400200040000001400020020010db80000000000000000000000011400010020010db8000000000000000000000001",
	},
	{
		name: "ip addr add 10.1.1.1/24 brd + dev va label va:1",
		msg: &AddrMessage{Family: FamilyInet, PrefixLen: 24, Index: 4, Attrs: AddrAttrs{
			Local: netip.MustParseAddr("10.1.1.1"), Address: netip.MustParseAddr("10.1.1.1"),
			Broadcast: netip.MustParseAddr("10.1.1.255"), Label: "va:1"}},
		want: "0218000004000000080002000a0101010900030076613a3100000000080001000a010101080004000a0101ff",
	},
	{
		name: "ip addr del 10.1.1.1/24 dev va",
		msg: &AddrMessage{Family: FamilyInet, PrefixLen: 24, Index: 4, Attrs: AddrAttrs{
			Local: netip.MustParseAddr("10.1.1.1"), Address: netip.MustParseAddr("10.1.1.1")}},
		want: "0218000004000000080002000a010101080001000a010101",
	},
	{
		name: "ip route add 10.9.0.0/16 dev va",
		msg: &RouteMessage{Family: FamilyInet, Dst: netip.MustParsePrefix("10.9.0.0/16"), Table: TableMain,
			Protocol: ProtoBoot, Scope: ScopeLink, Type: RouteUnicast, Attrs: RouteAttrs{OIF: new(uint32(4))}},
		want: "02100000fe03fd0100000000080001000a0900000800040004000000",
	},
	{
		name: "ip route add default via 192.168.11.1",
		msg: &RouteMessage{Family: FamilyInet, Dst: netip.MustParsePrefix("0.0.0.0/0"), Table: TableMain,
			Protocol: ProtoBoot, Type: RouteUnicast, Attrs: RouteAttrs{Gateway: netip.MustParseAddr("192.168.11.1")}},
		want: "02000000fe0300010000000008000500c0a80b01",
	},
	{
		name: "ip route add 10.7.0.0/16 via 192.168.11.1 table 1000",
		msg: &RouteMessage{Family: FamilyInet, Dst: netip.MustParsePrefix("10.7.0.0/16"), Table: 1000,
			Protocol: ProtoBoot, Type: RouteUnicast, Attrs: RouteAttrs{Gateway: netip.MustParseAddr("192.168.11.1")}},
		want: "021000000003000100000000080001000a07000008000500c0a80b0108000f00e8030000",
	},
	{
		name: "ip route add 10.6.0.0/16 via 192.168.11.1 dev va src 192.168.11.100 metric 7 table 100 proto static mtu 1400",
		msg: &RouteMessage{Family: FamilyInet, Dst: netip.MustParsePrefix("10.6.0.0/16"), Table: 100,
			Protocol: ProtoStatic, Type: RouteUnicast, Attrs: RouteAttrs{
				Gateway: netip.MustParseAddr("192.168.11.1"), PrefSrc: netip.MustParseAddr("192.168.11.100"),
				Priority: new(uint32(7)), OIF: new(uint32(4)), Metrics: &RouteMetrics{MTU: new(uint32(1400))}}},
		want: "021000006404000100000000080001000a06000008000500c0a80b0108000700c0a80b64080006000700000008000400040000000c0008000800020078050000",
	},
	{
		name: "ip route del 10.9.0.0/16 dev va",
		msg: &RouteMessage{Family: FamilyInet, Dst: netip.MustParsePrefix("10.9.0.0/16"), Table: TableMain,
			Scope: ScopeNowhere, Attrs: RouteAttrs{OIF: new(uint32(4))}},
		want: "02100000fe00ff0000000000080001000a0900000800040004000000",
	},
	{
		name: "ip route get 192.168.11.5",
		msg: &RouteMessage{Family: FamilyInet, Dst: netip.MustParsePrefix("192.168.11.5/32"),
			Flags: RouteLookupTable},
		want: "02200000000000000010000008000100c0a80b05",
	},
}

func TestGoldenMessages(t *testing.T) {
	for _, tt := range goldenTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.msg.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			want, _ := hex.DecodeString(tt.want)
			if !bytes.Equal(got, want) {
				t.Fatalf("bytes differ from ip's\n got: %s\nwant: %s", dump(got), dump(want))
			}
			// And ip's bytes decode to the same value.
			back := newLike(tt.msg)
			if err := back.UnmarshalBinary(want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, tt.msg) {
				t.Fatalf("decoded ip's bytes to\n%s\nwant\n%s", show(back), show(tt.msg))
			}
		})
	}
}

// newLike returns a new empty message of m's type.
func newLike(m Message) Message {
	switch m.(type) {
	case *LinkMessage:
		return &LinkMessage{}
	case *AddrMessage:
		return &AddrMessage{}
	}
	return &RouteMessage{}
}

// dump prints b as 4-byte words, one attribute-sized chunk per group, so
// that a difference is easy to spot.
func dump(b []byte) string {
	var s strings.Builder
	for i := 0; i < len(b); i += 4 {
		fmt.Fprintf(&s, "%x ", b[i:min(i+4, len(b))])
	}
	return s.String()
}

// show prints a message with its pointers followed.
func show(v any) string {
	var s strings.Builder
	showValue(&s, reflect.ValueOf(v), 0)
	return s.String()
}

func showValue(s *strings.Builder, v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			s.WriteString("nil")
			return
		}
		s.WriteString("&")
		showValue(s, v.Elem(), depth)
	case reflect.Struct:
		if v.Type().PkgPath() != "github.com/nsnet/nsnet/rtnl" {
			fmt.Fprintf(s, "%v", v.Interface())
			return
		}
		s.WriteString(v.Type().Name() + "{")
		for i := 0; i < v.NumField(); i++ {
			f := v.Field(i)
			if f.IsZero() {
				continue
			}
			fmt.Fprintf(s, "%s:", v.Type().Field(i).Name)
			showValue(s, f, depth+1)
			s.WriteString(" ")
		}
		s.WriteString("}")
	default:
		fmt.Fprintf(s, "%v", v.Interface())
	}
}

func readHex(t testing.TB, name string) [][]byte {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, l := range strings.Fields(string(raw)) {
		b, err := hex.DecodeString(l)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}
