package nat

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/mdlayher/netlink"
)

// capMonitor are the notifications (whole netlink messages) of
//
//	nft add table ip t
//	nft add chain ip t c '{ type filter hook input priority filter + 5; }'
//	nft add rule ip t c tcp dport '{ 22, 80 }' accept
//
// captured with nsnet --trace=hex nat monitor; nft monitor printed
// capMonitorText for them.
var capMonitor = []string{
	"38000000000a000001000000e34b000002000002060001007400000008000300000000000c00040000000000000000010800020000000000",                                                                                                 // NFT_MSG_NEWTABLE flags=0
	"2c0000000f0a000001000000e34b00000000000208000100000000020800020000004be3080003006e667400",                                                                                                                         // NFT_MSG_NEWGEN flags=0
	"68000000030a000401000000f04b000002000003060001007400000006000300630000000c0002000000000000000001140004000800010000000001080002000000000508000500000000010b00070066696c746572000008000a00000000010800060000000000", // NFT_MSG_NEWCHAIN flags=CREATE
	"2c0000000f0a000001000000f04b00000000000308000100000000030800020000004bf0080003006e667400",                                                                                                                         // NFT_MSG_NEWGEN flags=0
	"98000000090a000401000000f24b00000200000406000100740000000b0002005f5f7365743000000c00100000000000000000020800030000000003080004000000000d080005000000000220000d000004020000000314000407000000010c0004080000000104020000000c00090008000100000000021700130030786666666666666666383235303838323000000800140000000002", // type 0xa09 flags=0x400
	"3c0000000c0a000400000000f24b00000200000406000100740000000b0002005f5f73657430000014000300100001000c0001000600010000160000", // type 0xa0c flags=0x400
	"3c0000000c0a000400000000f24b00000200000406000100740000000b0002005f5f73657430000014000300100001000c0001000600010000500000", // type 0xa0c flags=0x400
	"18010000060a000c03000000f24b000002000004060001007400000006000200630000000c0003000000000000000003e800040024000100090001006d6574610000000014000200080002000000001008000100000000012c00010008000100636d700020000200080001000000000108000200000000000c0003000500010006000000340001000c0001007061796c6f616400240002000800010000000001080002000000000208000300000000020800040000000002300001000b0001006c6f6f6b75700000200002000b0001005f5f73657430000008000200000000010800050000000000300001000e000100696d6d6564696174650000001c0002000800010000000000100002000c0002000800010000000001", // NFT_MSG_NEWRULE flags=CREATE|APPEND
	"2c0000000f0a000001000000f24b00000000000408000100000000040800020000004bf2080003006e667400", // NFT_MSG_NEWGEN flags=0
}

const capMonitorText = `add table ip t
# new generation 2 by process 19427 (nft)
add chain ip t c { type filter hook input priority filter + 5; policy accept; }
# new generation 3 by process 19440 (nft)
add rule ip t c tcp dport { 22, 80 } accept
# new generation 4 by process 19442 (nft)
`

func TestMonitorDecodeCaptured(t *testing.T) {
	m := &Monitor{sets: map[string]uint32{}, anon: map[string][]string{}}
	var b strings.Builder
	for _, h := range capMonitor {
		raw, err := hex.DecodeString(h)
		if err != nil {
			t.Fatal(err)
		}
		var msg netlink.Message
		if err := msg.UnmarshalBinary(raw); err != nil {
			t.Fatal(err)
		}
		e, err := m.decode(msg)
		if err != nil {
			t.Fatalf("%s: %v", h[:16], err)
		}
		if e != nil && !e.Hidden() {
			b.WriteString(e.Text())
		}
	}
	if b.String() != capMonitorText {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), capMonitorText)
	}
}

// Truncated notifications are errors, never panics.
func TestMonitorDecodeTruncated(t *testing.T) {
	for _, h := range capMonitor {
		raw, _ := hex.DecodeString(h)
		var msg netlink.Message
		if err := msg.UnmarshalBinary(raw); err != nil {
			t.Fatal(err)
		}
		for n := 0; n < len(msg.Data); n++ {
			m := msg
			m.Data = msg.Data[:n]
			DecodeEvent(m)
		}
	}
}

func FuzzMonitorDecode(f *testing.F) {
	for _, h := range capMonitor {
		raw, _ := hex.DecodeString(h)
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var msg netlink.Message
		if msg.UnmarshalBinary(b) != nil {
			return
		}
		if e, err := DecodeEvent(msg); err == nil && e != nil {
			_ = e.Text()
		}
	})
}

func TestPriorityName(t *testing.T) {
	for _, c := range []struct {
		f    Family
		h    Hook
		p    int32
		want string
	}{{FamilyIPv4, HookPostrouting, 100, "srcnat"}, {FamilyIPv4, HookForward, 100, "100"}, {FamilyINet, HookPrerouting, -110, "dstnat - 10"},
		{FamilyIPv6, HookInput, 55, "security + 5"}, {FamilyIPv4, HookInput, 11, "11"}, {FamilyBridge, HookInput, 0, "0"}} {
		if got := priorityName(c.f, c.h, c.p); got != c.want {
			t.Errorf("%v %v %d: %q, want %q", c.f, c.h, c.p, got, c.want)
		}
	}
}
