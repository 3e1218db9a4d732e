package rtnl

import (
	"bytes"
	"encoding/hex"
	"net"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// What iproute2 6.1 sent for each command (strace -e trace=sendmsg -e
// write=all, the nlmsghdr cut off), in a sandbox where va was index 3.
var goldenNeighRule = []struct {
	name string
	msg  Message
	want string
}{
	{
		name: "ip neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev va",
		msg: &NeighMessage{Family: FamilyInet, Index: 3, State: NeighPermanent, Attrs: NeighAttrs{
			Dst: netip.MustParseAddr("10.0.0.2"), LLAddr: net.HardwareAddr{2, 0, 0, 0, 0, 2}}},
		want: "020000000300000080000000080001000a0000020a0002000200000000020000",
	},
	{
		name: "ip neigh del 2001:db8::5 dev va",
		msg: &NeighMessage{Family: FamilyInet6, Index: 3, State: NeighPermanent, Attrs: NeighAttrs{
			Dst: netip.MustParseAddr("2001:db8::5")}},
		want: "0a00000003000000800000001400010020010db8000000000000000000000005",
	},
	{
		name: "ip neigh add 10.0.0.3 lladdr 02:00:00:00:00:03 nud stale router dev va",
		msg: &NeighMessage{Family: FamilyInet, Index: 3, State: NeighStale, Flags: NeighRouter, Attrs: NeighAttrs{
			Dst: netip.MustParseAddr("10.0.0.3"), LLAddr: net.HardwareAddr{2, 0, 0, 0, 0, 3}}},
		want: "020000000300000004008000080001000a0000030a0002000200000000030000",
	},
	{
		name: "ip neigh add proxy 10.0.0.9 dev va",
		msg: &NeighMessage{Family: FamilyInet, Index: 3, State: NeighPermanent, Flags: NeighProxy,
			Attrs: NeighAttrs{Dst: netip.MustParseAddr("10.0.0.9")}},
		want: "020000000300000080000800080001000a000009",
	},
	{
		name: "ip rule add from 10.1.0.0/16 pref 200 table 100",
		msg: &RuleMessage{Family: FamilyInet, Src: netip.MustParsePrefix("10.1.0.0/16"), Table: 100, Action: RuleToTable,
			Attrs: RuleAttrs{Priority: new(uint32(200))}},
		want: "020010006400000100000000080002000a01000008000600c8000000",
	},
	{
		name: "ip rule add not from 10.1.0.0/16 to 10.2.0.0/16 pref 500 fwmark 0x10/0xff table 1000 iif va oif vb",
		msg: &RuleMessage{Family: FamilyInet, Src: netip.MustParsePrefix("10.1.0.0/16"), Dst: netip.MustParsePrefix("10.2.0.0/16"),
			Table: 1000, Action: RuleToTable, Flags: RuleInvert, Attrs: RuleAttrs{Priority: new(uint32(500)),
				FwMark: new(uint32(0x10)), FwMask: new(uint32(0xff)), IIFName: "va", OIFName: "vb"}},
		want: "021010000000000102000000080002000a010000080001000a02000008000600f401000008000a001000000008001000ff00000008000f00e803000007000300766100000700110076620000",
	},
	{
		name: "ip rule add pref 10 suppress_prefixlength 0 uidrange 100-200 ipproto tcp sport 80 dport 1000-2000 table 5",
		msg: &RuleMessage{Family: FamilyInet, Table: 5, Action: RuleToTable, Attrs: RuleAttrs{Priority: new(uint32(10)),
			SuppressPrefixLen: new(int32(0)), UIDRange: &RuleRange{100, 200}, IPProto: new(uint8(6)),
			SPort: &RuleRange{80, 80}, DPort: &RuleRange{1000, 2000}}},
		want: "020000000500000100000000080006000a00000008000e00000000000c00140064000000c80000000500160006000000080017005000500008001800e803d007",
	},
	{
		name: "ip rule add pref 20 goto 30",
		msg:  &RuleMessage{Family: FamilyInet, Action: RuleGoto, Attrs: RuleAttrs{Priority: new(uint32(20)), Goto: new(uint32(30))}},
		want: "0200000000000002000000000800060014000000080004001e000000",
	},
	{
		name: "ip rule add pref 21 tos 0x10 prohibit",
		msg:  &RuleMessage{Family: FamilyInet, TOS: 0x10, Action: RuleProhibit, Attrs: RuleAttrs{Priority: new(uint32(21))}},
		want: "0200001000000008000000000800060015000000",
	},
	{
		name: "ip -6 rule add from 2001:db8::/32 table 9",
		msg:  &RuleMessage{Family: FamilyInet6, Src: netip.MustParsePrefix("2001:db8::/32"), Table: 9, Action: RuleToTable},
		want: "0a00200009000001000000001400020020010db8000000000000000000000000",
	},
	{
		name: "ip rule del pref 200",
		msg:  &RuleMessage{Family: FamilyInet, Attrs: RuleAttrs{Priority: new(uint32(200))}},
		want: "02000000000000000000000008000600c8000000",
	},
}

func TestGoldenNeighRule(t *testing.T) {
	for _, tt := range goldenNeighRule {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.msg.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			want, _ := hex.DecodeString(tt.want)
			if !bytes.Equal(got, want) {
				t.Fatalf("bytes differ from ip's\n got: %s\nwant: %s", dump(got), dump(want))
			}
			var back Message = &NeighMessage{}
			if _, ok := tt.msg.(*RuleMessage); ok {
				back = &RuleMessage{}
			}
			if err := back.UnmarshalBinary(want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, tt.msg) {
				t.Fatalf("decoded ip's bytes to\n%s\nwant\n%s", show(back), show(tt.msg))
			}
		})
	}
}

// A kernel reply carries what requests do not: FRA_TABLE always, the -1
// suppressors, the protocol; nda_cacheinfo and probes.
func TestRuleNeighReplyRoundTrip(t *testing.T) {
	msgs := []Message{
		&RuleMessage{Family: FamilyInet6, Dst: netip.MustParsePrefix("2001:db8:1::1/128"), Table: 300, Action: RuleToTable,
			Flags: RuleIIFDetached, Attrs: RuleAttrs{Priority: new(uint32(5)), SuppressPrefixLen: new(int32(-1)),
				SuppressIfGroup: new(int32(-1)), Protocol: new(ProtoKernel), IIFName: "gone", L3MDev: new(uint8(0)),
				TunID: new(uint64(0x0102030405060708)), Flow: new(uint32(3<<16 | 4)), SPortMask: new(uint16(0xff)),
				DSCP: new(uint8(10)), DSCPMask: new(uint8(0x3f))}},
		&NeighMessage{Family: FamilyInet6, Index: 7, State: NeighReachable, Flags: NeighRouter, Type: 1,
			Attrs: NeighAttrs{Dst: netip.MustParseAddr("fe80::1"), LLAddr: net.HardwareAddr{2, 0, 0, 0, 0, 1},
				CacheInfo: &NeighCacheInfo{Confirmed: 1, Used: 2, Updated: 3, RefCnt: 4}, Probes: new(uint32(1)),
				Protocol: new(ProtoStatic), FlagsExt: new(NeighExtManaged)}},
	}
	for _, m := range msgs {
		b, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var back Message = &NeighMessage{}
		if _, ok := m.(*RuleMessage); ok {
			back = &RuleMessage{}
		}
		if err := back.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, m) {
			t.Errorf("round trip:\n%s\nwant\n%s", show(back), show(m))
		}
	}
}

func TestNeighRuleDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    Message
		b    string
	}{
		{"short ndmsg", &NeighMessage{}, "0200"},
		{"short fib_rule_hdr", &RuleMessage{}, "020010"},
		{"bad NDA_DST", &NeighMessage{}, "020000000300000080000000070001000a0000"},
		{"bad nda_cacheinfo", &NeighMessage{}, "0200000003000000800000000800030001000000"},
		{"bad FRA_UID_RANGE", &RuleMessage{}, "0200000000000001000000000800140064000000"},
		{"bad FRA_SPORT_RANGE", &RuleMessage{}, "02000000000000010000000008001700500050005000"},
		{"prefix length past the address", &RuleMessage{}, "024000006400000100000000080002000a010000"},
		{"truncated attribute", &RuleMessage{}, "020000000000000100000000ff000600"},
	} {
		b, _ := hex.DecodeString(tc.b)
		if err := tc.m.UnmarshalBinary(b); err == nil {
			t.Errorf("%s: decoded %x without an error", tc.name, b)
		}
	}
}

func TestParseNeighState(t *testing.T) {
	for in, want := range map[string]NeighState{"permanent": NeighPermanent, "perm": NeighPermanent, "p": NeighPermanent,
		"reachable": NeighReachable, "noarp": NeighNoARP, "none": NeighNone, "stale": NeighStale, "fail": NeighFailed,
		"incomplete": NeighIncomplete, "delay": NeighDelay, "probe": NeighProbe, "0x80": NeighPermanent, "4": NeighStale} {
		got, err := ParseNeighState(in)
		if err != nil || got != want {
			t.Errorf("ParseNeighState(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "bogus", "noar", "3", "0x100", "sta"} {
		if _, err := ParseNeighState(bad); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("ParseNeighState(%q): err %v, want one naming the input", bad, err)
		}
	}
	if got := (NeighStale | NeighPermanent).Names(); !reflect.DeepEqual(got, []string{"STALE", "PERMANENT"}) {
		t.Errorf("Names = %v", got)
	}
}

func TestTraceNeighRule(t *testing.T) {
	b, _ := hex.DecodeString(goldenNeighRule[5].want)
	out := traceOf(t, unix.RTM_NEWRULE, b)
	for _, w := range []string{
		"→ RTM_NEWRULE flags=REQUEST|ACK|EXCL|CREATE",
		"fib_rule_hdr family=AF_INET dst_len=16 src_len=16 tos=0x0 table=unspec action=lookup flags=0x2<invert>",
		"FRA_SRC 10.1.0.0", "FRA_DST 10.2.0.0", "FRA_PRIORITY 500", "FRA_FWMARK 0x10", "FRA_FWMASK 0xff",
		"FRA_TABLE 1000", `FRA_IIFNAME "va"`, `FRA_OIFNAME "vb"`,
	} {
		if !strings.Contains(out, w) {
			t.Errorf("rule trace lacks %q:\n%s", w, out)
		}
	}
	b, _ = hex.DecodeString(goldenNeighRule[6].want)
	out = traceOf(t, unix.RTM_NEWRULE, b)
	for _, w := range []string{"FRA_UID_RANGE 100-200", "FRA_SPORT_RANGE 80-80", "FRA_DPORT_RANGE 1000-2000", "FRA_IP_PROTO 6", "FRA_SUPPRESS_PREFIXLEN 0"} {
		if !strings.Contains(out, w) {
			t.Errorf("rule trace lacks %q:\n%s", w, out)
		}
	}
	b, _ = hex.DecodeString(goldenNeighRule[2].want)
	out = traceOf(t, unix.RTM_NEWNEIGH, b)
	for _, w := range []string{
		"→ RTM_NEWNEIGH", "ndmsg family=AF_INET index=3 state=0x4<STALE> flags=0x80<router> type=none",
		"NDA_DST 10.0.0.3", "NDA_LLADDR 02:00:00:00:00:03",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("neigh trace lacks %q:\n%s", w, out)
		}
	}
}

func FuzzDecodeNeigh(f *testing.F) {
	seedNeighRule(f, &NeighMessage{})
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzStable(t, b, func() Message { return &NeighMessage{} })
	})
}

func FuzzDecodeRule(f *testing.F) {
	seedNeighRule(f, &RuleMessage{})
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzStable(t, b, func() Message { return &RuleMessage{} })
	})
}

func seedNeighRule(f *testing.F, like Message) {
	for _, g := range goldenNeighRule {
		if reflect.TypeOf(g.msg) == reflect.TypeOf(like) {
			b, _ := hex.DecodeString(g.want)
			f.Add(b)
		}
	}
}
