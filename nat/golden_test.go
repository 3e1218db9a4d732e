package nat

import (
	"encoding/hex"
	"net/netip"
	"strings"
	"testing"
)

// goldenRules are the NFT_MSG_NEWRULE payloads (nfgenmsg and attributes)
// that nft 1.0.6 sends for the same rules, captured with
// strace -e write=3 from:
//
//	nft add rule inet nsnet postrouting meta nfproto ipv4 ip saddr 192.168.11.0/24 oifname "ens33" counter name "masquerade/192.168.11.0/24/ens33" masquerade comment "nsnet masquerade 192.168.11.0/24 out ens33"
//	nft add rule inet nsnet forward iifname "veth0s0" oifname "ens33" ct state new,established,related counter name "forward/ens33/veth0s0" accept comment "nsnet forward veth0s0 ens33"
//	nft add rule inet nsnet prerouting meta nfproto ipv4 fib daddr type local meta l4proto tcp tcp dport 8080 counter name "publish/tcp/8080" dnat ip to 192.168.11.101:80 comment "nsnet publish 8080/tcp to 192.168.11.101:80"
//
// after `nft add counter inet nsnet NAME` of each counter. nsnet's bytes
// must be the same: same attributes, same order.
var goldenRules = []struct {
	obj  Object
	rule int
	hex  string
}{
	{Masquerade{Source: netip.MustParsePrefix("192.168.11.0/24"), OutIface: "ens33"}, 0, "" +
		"010000000a0001006e736e657400000010000200706f7374726f7574696e67006401048024000180090001006d657461" +
		"0000000014000280080002000000000f08000100000000012c00018008000100636d7000200002800800010000000001" +
		"08000200000000000c0003800500010002000000340001800c0001007061796c6f616400240002800800010000000001" +
		"0800020000000001080003000000000c08000400000000032c00018008000100636d7000200002800800010000000001" +
		"08000200000000000c00038007000100c0a80b0024000180090001006d65746100000000140002800800020000000007" +
		"08000100000000013800018008000100636d70002c000280080001000000000108000200000000001800038014000100" +
		"656e7333330000000000000000000000400001800b0001006f626a726566000030000280080001000000000124000200" +
		"6d6173717565726164652f3139322e3136382e31312e302f32342f656e73333314000180090001006d61737100000000" +
		"0400028031000700002b6e736e6574206d617371756572616465203139322e3136382e31312e302f3234206f75742065" +
		"6e73333300000000"},
	{Forward{A: "veth0s0", B: "ens33"}, 0, "" +
		"010000000a0001006e736e65740000000c000200666f727761726400b401048024000180090001006d65746100000000" +
		"14000280080002000000000608000100000000013800018008000100636d70002c000280080001000000000108000200" +
		"0000000018000380140001007665746830733000000000000000000024000180090001006d6574610000000014000280" +
		"080002000000000708000100000000013800018008000100636d70002c00028008000100000000010800020000000000" +
		"1800038014000100656e7333330000000000000000000000200001800700010063740000140002800800020000000000" +
		"0800010000000001440001800c0001006269747769736500340002800800010000000001080002000000000108000300" +
		"000000040c000480080001000e0000000c00058008000100000000002c00018008000100636d70002000028008000100" +
		"0000000108000200000000010c0003800800010000000000380001800b0001006f626a72656600002800028008000100" +
		"0000000119000200666f72776172642f656e7333332f76657468307330000000300001800e000100696d6d6564696174" +
		"650000001c0002800800010000000000100002800c000280080001000000000122000700001c6e736e657420666f7277" +
		"617264207665746830733020656e733333000000"},
	{Publish{Listen: netip.AddrPortFrom(netip.Addr{}, 8080), To: netip.MustParseAddrPort("192.168.11.101:80")}, 0, "" +
		"010000000a0001006e736e65740000000f000200707265726f7574696e6700001802048024000180090001006d657461" +
		"0000000014000280080002000000000f08000100000000012c00018008000100636d7000200002800800010000000001" +
		"08000200000000000c00038005000100020000002800018008000100666962001c000280080003000000000208000200" +
		"0000000308000100000000012c00018008000100636d700020000280080001000000000108000200000000000c000380" +
		"080001000200000024000180090001006d6574610000000014000280080002000000001008000100000000012c000180" +
		"08000100636d700020000280080001000000000108000200000000000c0003800500010006000000340001800c000100" +
		"7061796c6f6164002400028008000100000000010800020000000002080003000000000208000400000000022c000180" +
		"08000100636d700020000280080001000000000108000200000000000c000380060001001f900000300001800b000100" +
		"6f626a7265660000200002800800010000000001140002007075626c6973682f7463702f383038302c0001800e000100" +
		"696d6d6564696174650000001800028008000100000000010c00028008000100c0a80b652c0001800e000100696d6d65" +
		"64696174650000001800028008000100000000020c000280060001000050000038000180080001006e6174002c000280" +
		"0800010000000001080002000000000208000300000000010800050000000002080007000000000232000700002c6e73" +
		"6e6574207075626c69736820383038302f74637020746f203139322e3136382e31312e3130313a3830000000"},
}

// goldenCounter is the NFT_MSG_NEWOBJ payload nft 1.0.6 sends for
// `nft add counter inet nsnet forward/ens33/veth0s0` (strace -e write=3).
const goldenCounter = "" +
	"010000000a0001006e736e65740000001a000200666f72776172642f656e7333332f7665746830733000000008000300" +
	"000000011c0004800c00010000000000000000000c0002000000000000000000"

func TestGoldenCounter(t *testing.T) {
	o := Forward{A: "veth0s0", B: "ens33"}
	ctr := CounterObject{Family: TableFamily, Table: TableName, Name: CounterName(o)}
	b, err := ctr.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(b); got != goldenCounter {
		t.Errorf("NEWOBJ bytes differ from nft's\n%s", hexDiff(got, goldenCounter))
	}
	var back CounterObject
	if err := back.UnmarshalBinary(b); err != nil || back != ctr {
		t.Errorf("decode(encode(counter)) = %+v, %v; want %+v", back, err, ctr)
	}
}

func TestCounterName(t *testing.T) {
	for _, c := range []struct {
		o    Object
		want string
	}{
		{Forward{A: "veth0s0", B: "ens33"}, "forward/ens33/veth0s0"},
		{Forward{A: "ens33", B: "veth0s0"}, "forward/ens33/veth0s0"},
		{Masquerade{Source: netip.MustParsePrefix("10.200.1.7/16")}, "masquerade/10.200.0.0/16"},
		{Masquerade{Source: netip.MustParsePrefix("2001:db8::/64"), OutIface: "eth-0.1"}, "masquerade/2001-db8--/64/eth-0.1"},
		{Publish{Listen: netip.AddrPortFrom(netip.Addr{}, 8080), To: netip.MustParseAddrPort("10.0.0.2:80")}, "publish/tcp/8080"},
		{Publish{Proto: UDP, Listen: netip.MustParseAddrPort("[2001:db8::1]:53"), To: netip.MustParseAddrPort("[2001:db8::2]:53"), InIface: "ens33"},
			"publish/udp/2001-db8--1/53/in/ens33"},
	} {
		if got := CounterName(c.o); got != c.want {
			t.Errorf("CounterName(%s) = %q, want %q", c.o, got, c.want)
		}
	}
	// A name nft could not read unquoted is hashed, and the hash tells
	// objects apart.
	a, b := CounterName(Forward{A: "we@ird", B: "x"}), CounterName(Forward{A: "we@ird", B: "y"})
	if !strings.HasPrefix(a, "nsnet_") || len(a) != len("nsnet_")+16 || a == b {
		t.Errorf("hashed names %q, %q", a, b)
	}
	// Publishes that listen alike share a name, whatever their targets.
	p1 := Publish{Listen: netip.AddrPortFrom(netip.Addr{}, 80), To: netip.MustParseAddrPort("10.0.0.2:80")}
	p2 := Publish{Listen: netip.AddrPortFrom(netip.Addr{}, 80), To: netip.MustParseAddrPort("10.0.0.3:80")}
	if CounterName(p1) != CounterName(p2) {
		t.Errorf("publishes of one port: %q and %q", CounterName(p1), CounterName(p2))
	}
}

func TestGoldenRules(t *testing.T) {
	for _, g := range goldenRules {
		rules, err := g.obj.Rules()
		if err != nil {
			t.Fatal(err)
		}
		b, err := rules[g.rule].MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(b); got != g.hex {
			t.Errorf("%s: bytes differ from nft's\n%s", g.obj, hexDiff(got, g.hex))
		}
		// And they decode back to the same rule.
		var r Rule
		if err := r.UnmarshalBinary(b); err != nil {
			t.Fatalf("%s: %v", g.obj, err)
		}
		if !sameRule(r, rules[g.rule]) {
			t.Errorf("%s: decode(encode(rule)) differs", g.obj)
		}
	}
}

// hexDiff shows two hex strings in 4-byte words, marking the words that
// differ.
func hexDiff(got, want string) string {
	var b strings.Builder
	for i := 0; i < max(len(got), len(want)); i += 8 {
		g, w := sub(got, i, i+8), sub(want, i, i+8)
		mark := "  "
		if g != w {
			mark = "!="
		}
		b.WriteString(mark + " " + g + " " + w + "\n")
	}
	return b.String()
}

func sub(s string, i, j int) string {
	if i >= len(s) {
		return "--------"
	}
	return s[i:min(j, len(s))]
}

func sameRule(a, b Rule) bool {
	return a.Family == b.Family && a.Table == b.Table && a.Chain == b.Chain && a.Handle == b.Handle &&
		a.Comment == b.Comment && reflectEqual(a.Exprs, b.Exprs)
}
