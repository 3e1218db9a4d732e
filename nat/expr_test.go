package nat

import (
	"encoding/hex"
	"errors"
	"net/netip"
	"os"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nl"
	"github.com/nsnet/nsnet/internal/nltrace"
)

func reflectEqual(a, b any) bool { return reflect.DeepEqual(a, b) }

// allExprs has one of every expression type, with every field set.
var allExprs = []Expr{
	&Payload{DReg: Reg1, Base: BaseNetwork, Offset: 12, Len: 4},
	&Meta{Key: MetaOifname, DReg: Reg1},
	&Meta{Key: MetaMark, SReg: Reg2},
	&Ct{Key: CtState, DReg: Reg1},
	&Ct{Key: CtMark, SReg: Reg3},
	&Fib{DReg: Reg1, Result: FibResultAddrType, Flags: FibDaddr},
	&Bitwise{SReg: Reg1, DReg: Reg2, Len: 4, Mask: []byte{0xff, 0xff, 0xfe, 0}, Xor: []byte{0, 0, 0, 0}},
	&Bitwise{SReg: Reg1, DReg: Reg1, Len: 1, Mask: []byte{1}, Xor: []byte{2}, Op: 0},
	&Cmp{SReg: Reg1, Op: CmpNeq, Data: []byte{0xc0, 0xa8, 0x0b}},
	&Immediate{DReg: Reg1, Data: []byte{192, 168, 11, 101}},
	&Immediate{DReg: RegVerdict, Verdict: VerdictAccept},
	&Immediate{DReg: RegVerdict, Verdict: VerdictJump, Chain: "other"},
	&Counter{},
	&Counter{Bytes: 1 << 40, Packets: 7},
	&Masq{},
	&Masq{Flags: RangeProtoRandom | RangePersistent, RegProtoMin: Reg1, RegProtoMax: Reg2},
	&NAT{Type: NATDestination, Family: FamilyIPv4, RegAddrMin: Reg1, RegProtoMin: Reg2, Flags: RangeProtoSpecified},
	&NAT{Type: NATSource, Family: FamilyIPv6, RegAddrMin: Reg1, RegAddrMax: Reg2, RegProtoMin: Reg3, RegProtoMax: Reg4, Flags: RangeMapIPs},
	&Unknown{Kind: "lookup", Data: []byte{0x08, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01}},
	&Unknown{Kind: "notrack", Data: []byte{}},
}

func TestExprRoundTrip(t *testing.T) {
	for _, e := range allExprs {
		b, err := EncodeExprs([]Expr{e})
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		got, err := DecodeExprs(b)
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		if len(got) != 1 || !reflect.DeepEqual(got[0], e) {
			t.Errorf("decode(encode(%#v)) = %#v", e, got)
		}
	}
	// All at once, as one rule.
	r := Rule{Family: FamilyINet, Table: "t", Chain: "c", Handle: 42, Exprs: allExprs, Comment: "a comment"}
	b, err := r.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var got Rule
	if err := got.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, r) {
		t.Errorf("rule round trip:\n got %#v\nwant %#v", got, r)
	}
}

// An attribute nsnet has no field for keeps the expression as Unknown,
// byte for byte (here: ct with NFTA_CT_DIRECTION).
func TestExprUnmodelledKeptRaw(t *testing.T) {
	data, _ := hex.DecodeString("0800020000000003" + "0800010000000001" + "0500030001000000")
	e, err := unmarshalExpr("ct", data)
	if err != nil {
		t.Fatal(err)
	}
	u, ok := e.(*Unknown)
	if !ok || u.Kind != "ct" || !reflect.DeepEqual(u.Data, data) {
		t.Fatalf("got %#v", e)
	}
}

func TestTableChainRoundTrip(t *testing.T) {
	tb := Table{Family: FamilyINet, Name: "nsnet", Flags: TableOwner}
	b, err := tb.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var tg Table
	if err := tg.UnmarshalBinary(b); err != nil || tg != tb {
		t.Fatalf("table: %#v %v", tg, err)
	}
	for _, ch := range append(baseChains, Chain{Family: FamilyIPv4, Table: "filter", Name: "regular"}) {
		b, err := ch.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var got Chain
		if err := got.UnmarshalBinary(b); err != nil || !reflect.DeepEqual(got, ch) {
			t.Fatalf("chain %s: %#v %v", ch.Name, got, err)
		}
	}
	// The postrouting chain is the reference's wire example.
	b, _ = chainPostrouting.MarshalBinary()
	if !strings.Contains(hex.EncodeToString(b), "1400048008000100000000040800020000000064") {
		t.Errorf("postrouting hook nest (hooknum 4, priority 100) not in %x", b)
	}
}

func TestDescribe(t *testing.T) {
	for _, tc := range []struct {
		o    Object
		want []string
	}{
		{Masquerade{Source: netip.MustParsePrefix("10.0.0.0/15")},
			[]string{`meta nfproto ipv4 ip saddr 10.0.0.0/15 counter name "masquerade/10.0.0.0/15" masquerade`}},
		{Masquerade{Source: netip.MustParsePrefix("2001:db8:11::/60"), OutIface: "ens33"},
			[]string{`meta nfproto ipv6 ip6 saddr 2001:db8:11::/60 oifname "ens33" counter name "masquerade/2001-db8-11--/60/ens33" masquerade`}},
		{Masquerade{Source: netip.MustParsePrefix("0.0.0.0/0")},
			[]string{`meta nfproto ipv4 counter name "masquerade/0.0.0.0/0" masquerade`}},
		{Forward{A: "a", B: "b"}, []string{
			`iifname "a" oifname "b" ct state established,related,new counter name "forward/a/b" accept`,
			`iifname "b" oifname "a" ct state established,related,new counter name "forward/a/b" accept`}},
		{Publish{Proto: UDP, Listen: netip.MustParseAddrPort("[2001:db8::1]:53"), To: netip.MustParseAddrPort("[2001:db8:11::101]:5353"), InIface: "ens33"},
			[]string{`meta nfproto ipv6 ip6 daddr 2001:db8::1 iifname "ens33" meta l4proto udp udp dport 53 counter name "publish/udp/2001-db8--1/53/in/ens33" dnat ip6 to [2001:db8:11::101]:5353`}},
		{Publish{Listen: netip.AddrPortFrom(netip.Addr{}, 8080), To: netip.MustParseAddrPort("192.168.11.101:80")}, []string{
			`meta nfproto ipv4 fib daddr type local meta l4proto tcp tcp dport 8080 counter name "publish/tcp/8080" dnat ip to 192.168.11.101:80`,
			`meta nfproto ipv4 fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto tcp tcp dport 8080 counter name "publish/tcp/8080" dnat ip to 192.168.11.101:80`}},
	} {
		rules, err := tc.o.Rules()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rules {
			got = append(got, Describe(r.Exprs))
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.o, got, tc.want)
		}
	}
}

func TestParseObject(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"masquerade 192.168.11.5/24 out ens33", "masquerade 192.168.11.0/24 out ens33"},
		{"masquerade 2001:db8::1", "masquerade 2001:db8::1/128"},
		{"forward veth0s0 ens33", "forward veth0s0 ens33"},
		{"publish 8080 to 192.168.11.101:80", "publish 8080/tcp to 192.168.11.101:80"},
		{"publish 198.51.100.2:53/udp to 192.168.11.101:53 in ens33", "publish 198.51.100.2:53/udp to 192.168.11.101:53 in ens33"},
		{"publish [2001:db8::1]:8080 to [2001:db8:11::101]:80", "publish [2001:db8::1]:8080/tcp to [2001:db8:11::101]:80"},
	} {
		o, err := ParseObject(tc.in)
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		if o.String() != tc.want {
			t.Errorf("%q: got %q want %q", tc.in, o, tc.want)
		}
		again, err := ParseObject(o.String())
		if err != nil || again != o {
			t.Errorf("%q: String does not parse back: %v %v", tc.in, again, err)
		}
	}
	for _, in := range []string{
		"", "masquerade", "masquerade 300.0.0.0/8", "masquerade 10.0.0.0/8 out", "masquerade 10.0.0.0/8 out a/b",
		"masquerade ::ffff:10.0.0.0/104", "forward a", "forward a a", "forward a b c", "publish 8080",
		"publish 0 to 1.2.3.4:80", "publish 8080/sctp to 1.2.3.4:80", "publish 8080 to 1.2.3.4",
		"publish 1.2.3.4:80 to [2001:db8::1]:80", "publish 80 to 0.0.0.0:80", "frob",
		"masquerade 10.0.0.0/8 out abcdefghijklmnop",
	} {
		if o, err := ParseObject(in); err == nil {
			t.Errorf("%q parsed as %v", in, o)
		}
	}
}

// A rule the kernel reports back has live counters, the NAT defaults
// filled in and 4-byte register numbers: it is still intact.
func TestIntactIgnoresKernelChanges(t *testing.T) {
	p := Publish{Listen: netip.AddrPortFrom(netip.Addr{}, 8080), To: netip.MustParseAddrPort("192.168.11.101:80")}
	rules, _ := p.Rules()
	for i := range rules {
		for j, e := range rules[i].Exprs {
			switch e := e.(type) {
			case *Counter:
				rules[i].Exprs[j] = &Counter{Packets: 3, Bytes: 180}
			case *NAT:
				n := *e
				n.RegAddrMax, n.RegProtoMax, n.Flags = Reg1, Reg2, RangeMapIPs|RangeProtoSpecified
				rules[i].Exprs[j] = &n
			case *Cmp:
				c := *e
				c.SReg = 8 // NFT_REG32_00, the same register as Reg1
				rules[i].Exprs[j] = &c
			}
		}
	}
	if e := group(rules); len(e) != 1 || !e[0].Intact {
		t.Fatalf("not intact: %#v", e)
	}
	// Dropping a rule, or changing a byte, is noticed.
	if e := group(rules[:1]); e[0].Intact {
		t.Fatal("a missing output rule went unnoticed")
	}
	rules[0].Exprs[len(rules[0].Exprs)-3] = &Immediate{DReg: Reg1, Data: []byte{192, 168, 11, 102}}
	if e := group(rules); e[0].Intact {
		t.Fatal("a changed target went unnoticed")
	}
}

// The trace schema decodes a rule down to each expression's attributes.
func TestTraceSchema(t *testing.T) {
	rules, _ := Masquerade{Source: netip.MustParsePrefix("192.168.11.0/24"), OutIface: "ens33"}.Rules()
	b, _ := rules[0].MarshalBinary()
	m, ok := traceMsg(0x0a06)
	if !ok || m.Name != "NFT_MSG_NEWRULE" {
		t.Fatalf("traceMsg: %v", m)
	}
	var sb strings.Builder
	nltrace.FormatAttrs(&sb, b[m.Header:], m.Attrs, 1)
	for _, w := range []string{
		`NFTA_RULE_TABLE "nsnet"`, `NFTA_EXPR_NAME "meta"`, "NFTA_META_KEY nfproto (15)",
		"NFTA_PAYLOAD_BASE network header (1)", "NFTA_PAYLOAD_OFFSET 12", "NFTA_CMP_OP == (0)",
		"NFTA_DATA_VALUE 0xc0a80b", `NFTA_EXPR_NAME "masq"`,
		`NFTA_RULE_USERDATA comment "nsnet masquerade 192.168.11.0/24 out ens33"`,
	} {
		if !strings.Contains(sb.String(), w) {
			t.Errorf("trace lacks %q:\n%s", w, sb.String())
		}
	}
	if m, ok := traceMsg(0x10); !ok || m.Name != "NFNL_MSG_BATCH_BEGIN" {
		t.Errorf("BATCH_BEGIN: %v", m)
	}
}

// The batch frame: BEGIN with the subsystem in res_id and the generation,
// END with an ACK request.
func TestBatchFrame(t *testing.T) {
	b := &batch{}
	if err := ensure(b); err != nil {
		t.Fatal(err)
	}
	msgs, err := b.frame(0x01020304)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2+1+len(baseChains) {
		t.Fatalf("%d messages", len(msgs))
	}
	if got := hex.EncodeToString(msgs[0].Data); got != "0000000a"+"0800010001020304" || msgs[0].Header.Type != 0x10 || msgs[0].Header.Flags != 0x1 {
		t.Errorf("BEGIN: %#v %s", msgs[0].Header, got)
	}
	end := msgs[len(msgs)-1]
	if hex.EncodeToString(end.Data) != "0000000a" || end.Header.Type != 0x11 || end.Header.Flags != 0x5 {
		t.Errorf("END: %#v %x", end.Header, end.Data)
	}
	if msgs[1].Header.Type != 0x0a00 || msgs[1].Header.Flags != 0x405 {
		t.Errorf("NEWTABLE: %#v", msgs[1].Header)
	}
}

func TestExplain(t *testing.T) {
	for _, tc := range []struct {
		err   error
		isNew bool
		want  string
	}{
		{unix.EOPNOTSUPP, false, "the kernel has no nf_tables"},
		{unix.ENOENT, true, "lacks an nf_tables module"},
		{unix.EPROTONOSUPPORT, false, "no nfnetlink"},
	} {
		err := explain(tc.err, tc.isNew)
		if !strings.Contains(err.Error(), tc.want) || !errors.Is(err, tc.err) {
			t.Errorf("%v: %v", tc.err, err)
		}
	}
	if err := explain(unix.ENOENT, false); err != unix.ENOENT {
		t.Errorf("ENOENT outside a new chain or rule: %v", err)
	}
	// Wrapped, the sentinels answer errors.Is for the os errors.
	if err := nl.Wrap("delete", "x", ErrNotExist); !errors.Is(err, os.ErrNotExist) || !errors.Is(err, ErrNotExist) {
		t.Errorf("%v", err)
	}
}
