package plan

import (
	"context"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nsnet/nsnet/journal"
	"github.com/nsnet/nsnet/nat"
	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/rtnl"
	"github.com/nsnet/nsnet/sysctl"
)

func everyKind() []Step {
	ns := nsfs.NameRef("blue")
	up, mtu, br := true, uint32(1400), "br0"
	p := netip.MustParsePrefix("10.0.0.1/24")
	return []Step{
		NetnsAdd{Name: "blue"}, NetnsDel{Name: "blue"},
		LinkAdd{NS: ns, Name: "v0", Kind: "veth", MTU: 9000, Veth: &Veth{Peer: "v1", PeerNS: nsfs.PathRef("/proc/42/ns/net")}},
		LinkAdd{Name: "br0", Kind: "bridge"}, LinkDel{NS: ns, Name: "v0"},
		LinkSet{NS: ns, Dev: "v0", Up: &up, MTU: &mtu, Master: &br},
		AddrAdd{NS: ns, Dev: "v0", Prefix: p}, AddrDel{Dev: "v0", Prefix: p},
		AddrReplace{NS: nsfs.PathRef("/proc/7/ns/net"), Dev: "v0", Prefix: netip.MustParsePrefix("10.0.0.1/32"), AnyLength: true,
			Peer: netip.MustParsePrefix("10.0.0.2/24"), Broadcast: netip.MustParseAddr("10.0.0.255"), BroadcastCalc: "+", Label: "v0:1",
			Scope: new(rtnl.ScopeLink), Flags: rtnl.AddrNoPrefixRoute, Valid: new(uint32(60)), Preferred: new(uint32(30)), Metric: new(uint32(5))},
		RouteAdd{NS: ns, Dst: netip.MustParsePrefix("0.0.0.0/0"), Gateway: netip.MustParseAddr("10.0.0.2")},
		RouteDel{Dst: netip.MustParsePrefix("10.9.0.0/16"), Dev: "v0"},
		RouteReplace{NS: ns, Dst: netip.MustParsePrefix("2001:db8::/32"), Type: new(rtnl.RouteBlackhole), Src: netip.MustParseAddr("2001:db8::1"),
			Metric: new(uint32(5)), Table: new(rtnl.Table(100)), Scope: new(rtnl.ScopeLink), Protocol: new(rtnl.ProtoStatic), Onlink: true,
			MTU: new(uint32(1400)), MTULock: true, AdvMSS: new(uint32(1300)),
			Nexthops: []Nexthop{{Via: netip.MustParseAddr("2001:db8::2"), Dev: "v0", Weight: 3, Onlink: true}, {Dev: "v1"}}},
		RouteAppend{Dst: netip.MustParsePrefix("10.9.0.0/16"), Dev: "v0"},
		RouteChange{Dst: netip.MustParsePrefix("10.9.0.0/16"), Gateway: netip.MustParseAddr("10.0.0.9")},
		RouteRaw{NS: ns, Op: "replace", Dev: "v0", Route: rtnl.RouteMessage{Family: rtnl.FamilyInet, Dst: netip.MustParsePrefix("10.9.0.0/16"),
			Table: rtnl.TableMain, Protocol: rtnl.ProtoBoot, Type: rtnl.RouteUnicast, Attrs: rtnl.RouteAttrs{Priority: new(uint32(7)),
				Metrics: &rtnl.RouteMetrics{MTU: new(uint32(1400))}, Multipath: []byte{1, 2, 3, 4}}}},
		NATAdd{Object: nat.Masquerade{Source: netip.MustParsePrefix("10.0.0.0/24"), OutIface: "eth0"}},
		NATDel{NS: ns, Object: nat.Forward{A: "a", B: "b"}},
		SysctlSet{NS: ns, Values: []SysctlValue{{Key: sysctl.MustKey("net.ipv4.conf.v0/10.forwarding"), Value: "1"}}},
		NeighAdd{NS: ns, Dst: netip.MustParseAddr("10.0.0.2"), Dev: "v0", LLAddr: net.HardwareAddr{2, 0, 0, 0, 0, 2},
			State: new(rtnl.NeighStale), Flags: rtnl.NeighRouter, Protocol: new(rtnl.ProtoStatic)},
		NeighDel{Dst: netip.MustParseAddr("2001:db8::2"), Flags: rtnl.NeighProxy},
		NeighChange{Dst: netip.MustParseAddr("10.0.0.3"), Dev: "v0", Managed: true},
		NeighReplace{NS: ns, Dst: netip.MustParseAddr("10.0.0.4"), Dev: "v0", LLAddr: net.HardwareAddr{}},
		RuleAdd{NS: ns, Rule: rtnl.RuleMessage{Family: rtnl.FamilyInet, Table: 100, Action: rtnl.RuleToTable,
			Src: netip.MustParsePrefix("10.1.0.0/16"), Attrs: rtnl.RuleAttrs{Priority: new(uint32(7)), IIFName: "v0"}}},
		RuleDel{Rule: rtnl.RuleMessage{Family: rtnl.FamilyInet6, Table: 100}, Exact: true},
		TunTapAdd{NS: ns, Name: "tap0", Mode: "tap", Owner: new(uint32(1000)), VnetHdr: true, MultiQueue: true},
		TunTapDel{Name: "tun0", Mode: "tun", PI: true},
		AltNameAdd{NS: ns, Dev: "v0", Names: []string{"v0-long-alternative-name", "a:b"}},
		AltNameDel{Dev: "v0-long-alternative-name", Names: []string{"x"}},
	}
}

// noKernel is a session whose connections cannot be dialled.
var noKernel = NewSession(&Options{Dial: func(nsfs.Ref, int, string) (io.Closer, error) { return nil, os.ErrPermission }})

func TestEncodeDecodeEveryKind(t *testing.T) {
	for _, st := range everyKind() {
		kind, data, err := EncodeStep(st)
		if err != nil {
			t.Fatalf("%T: %v", st, err)
		}
		back, err := DecodeStep(kind, data)
		if err != nil {
			t.Fatalf("%s %s: %v", kind, data, err)
		}
		if !reflect.DeepEqual(back, st) {
			t.Errorf("%s: %+v read back as %+v", kind, st, back)
		}
		inv, err := st.Inverse(context.Background(), noKernel)
		if err != nil || inv == nil {
			continue // kinds whose inverse needs the kernel
		}
		if err := UndoFits(st, inv); err != nil {
			t.Errorf("%s: its own inverse %+v does not fit: %v", kind, inv, err)
		}
	}
	if _, _, err := EncodeStep(set{}); err == nil {
		t.Error("a foreign step encoded")
	}
}

// TestDecodeRefusesPlantedRecords: what a hostile journal could hold is
// refused before any step is built.
func TestDecodeRefusesPlantedRecords(t *testing.T) {
	for _, c := range []struct{ kind, data string }{
		{"netns-add", `{"name":"../etc"}`},
		{"link-add", `{"name":"v0","kind":"vxlan"}`},
		{"link-add", `{"name":"a/b","kind":"bridge"}`},
		{"link-add", `{"name":"v0","kind":"veth","peer":"x y","peer_ns":""}`},
		{"link-add", `{"name":"v0","kind":"veth","peer":"v1","peer_ns":"a\u0000"}`},
		{"link-del", `{"name":""}`},
		{"link-set", `{"dev":"v0","master":"a:b"}`},
		{"addr-add", `{"dev":"v0","prefix":"nonsense"}`},
		{"addr-add", `{"Dev":"v0","Prefix":"nonsense"}`},
		{"addr-add", `{"Dev":"a/b","Prefix":"10.0.0.1/24"}`},
		{"addr-add", `{"Dev":"v0","Prefix":"10.0.0.1/24","DevIndex":3}`},
		{"addr-add", `{"Dev":"v0","Prefix":"10.0.0.1/24","Scope":"x"}`},
		{"addr-add", `{"Dev":"v0","Prefix":"10.0.0.1/24","Scope":256}`},
		{"addr-add", `{"Dev":"v0","Prefix":"10.0.0.1/24","BroadcastCalc":"*"}`},
		{"addr-add", `{"Dev":"v0","Prefix":"10.0.0.1/24","NS":"a\u0000"}`},
		{"addr-add", `{"Dev":"v0","Prefix":"10.0.0.1/24","Label":"v0\u0000"}`},
		{"addr-replace", `{"Dev":"v0","Prefix":"10.0.0.1/24","Peer":"2001:db8::/64"}`},
		{"route-add", `{"prefix":"10.0.0.0/8","gateway":"x"}`},
		{"route-del", `{"prefix":"10.0.0.0/8","dev":"this-name-is-too-long"}`},
		{"route-add", `{"prefix":"bad"}`},
		{"route-add", `{"Dst":"10.0.0.0/8","Dev":"a b"}`},
		{"route-add", `{"Dst":"10.0.0.0/8","Nexthops":[{"Dev":"a/b"}]}`},
		{"route-add", `{"Dst":"10.0.0.0/8","Nexthops":{}}`},
		{"route-add", `{"Dst":""}`},
		{"tuntap-add", `{"Name":"tap0","Mode":"vde"}`},
		{"tuntap-add", `{"Name":"../x","Mode":"tap"}`},
		{"tuntap-del", `{"Name":"tap0","Mode":"tap","Path":"/dev/mem"}`},
		{"altname-add", `{"Dev":"v0","Names":["a/b"]}`},
		{"altname-add", `{"Dev":"","Names":["x"]}`},
		{"altname-del", `{"Dev":"v0","Names":["a b"]}`},
		{"altname-del", `{"Dev":"v0","Names":"x"}`},
		{"route-raw", `{"Op":"exec","Route":{"Family":2}}`},
		{"route-raw", `{"Op":"add","Route":{"Family":7}}`},
		{"route-raw", `{"Op":"add","Route":{"Family":2,"Attrs":{"Multipath":"!!"}}}`},
		{"nat-add", `{"nat":"flush"}`},
		{"sysctl-set", `{"sysctl":[["net/../../etc/passwd","x"]]}`},
		{"sysctl-set", `{"sysctl":[["kernel/hostname","x"]]}`},
		{"sysctl-set", `{"sysctl":["x"]}`},
		{"netns-exec", `{}`},
		{"addr-add", `{"ns":"a\u0000"}`},
		{"addr-add", `not json`},
		{"addr-add", `[]`},
		{"addr-add", `{"dev":"v0","prefix":"10.0.0.1/24","exec":"touch /tmp/x"}`},
		{"addr-add", `{"dev":7,"prefix":"10.0.0.1/24"}`},
		{"link-set", `{"dev":"v0","mtu":"1400"}`},
		{"link-set", `{"dev":"v0","mtu":99999999999}`},
		{"link-set", `{"dev":"v0","up":"yes"}`},
		{"link-set", `{"dev":"v0","master":1}`},
		{"sysctl-set", `{"sysctl":{"a":"b"}}`},
		{"sysctl-set", `{"sysctl":[["net/ipv4/ip_forward"]]}`},
		{"sysctl-set", `{"sysctl":[["net/ipv4/ip_forward",1]]}`},
	} {
		if st, err := DecodeStep(c.kind, []byte(c.data)); err == nil {
			t.Errorf("%s %s accepted as %+v", c.kind, c.data, st)
		}
	}
}

func TestUndoFitsRefusesOthers(t *testing.T) {
	p := netip.MustParsePrefix("10.0.0.1/24")
	up := true
	k := sysctl.MustKey("net.ipv4.ip_forward")
	for _, c := range []struct{ step, undo Step }{
		{NetnsAdd{Name: "a"}, NetnsDel{Name: "b"}},
		{NetnsAdd{Name: "a"}, LinkDel{Name: "a"}},
		{LinkAdd{Name: "v0"}, LinkDel{Name: "v0", NS: nsfs.NameRef("x")}},
		{LinkDel{Name: "v0"}, LinkAdd{Name: "v0", Options: LinkOptions{NetNS: new(nsfs.NameRef("x"))}}},
		{LinkSet{Dev: "v0", Name: "w0"}, LinkSet{Dev: "v0", Name: "w0"}},
		{LinkSet{Dev: "v0", NetNS: new(nsfs.NameRef("x"))}, LinkSet{NS: nsfs.NameRef("x"), Dev: "v0", NetNS: new(nsfs.NameRef("y"))}},
		{LinkSet{Dev: "v0"}, LinkSet{Dev: "v0", Up: &up}},
		{AddrAdd{Dev: "v0", Prefix: p}, AddrDel{Dev: "v1", Prefix: p}},
		{AddrDel{Dev: "v0", Prefix: p}, AddrDel{Dev: "v0", Prefix: p}},
		{RouteAdd{Dst: p}, RouteAdd{Dst: p}},
		{RouteDel{Dst: p}, RouteDel{Dst: p}},
		{NATAdd{Object: nat.Forward{A: "a", B: "b"}}, NATDel{Object: nat.Forward{A: "a", B: "c"}}},
		{NATDel{Object: nat.Forward{A: "a", B: "b"}}, NATDel{Object: nat.Forward{A: "a", B: "b"}}},
		{SysctlSet{Values: []SysctlValue{{Key: k}}}, SysctlSet{Values: []SysctlValue{{Key: sysctl.MustKey("net.core.somaxconn")}}}},
		{SysctlSet{}, NetnsDel{}},
	} {
		if err := UndoFits(c.step, c.undo); err == nil {
			t.Errorf("%+v accepted as an undo of %+v", c.undo, c.step)
		}
	}
}

// TestFileJournal: Up records typed undos in a journal file; a failed
// rollback keeps the failed undo there; Down (a new process: the journal
// reopened) finishes it from the record; records of other plans or edited
// steps are not run.
func TestFileJournal(t *testing.T) {
	dir := t.TempDir()
	k := newKernel(t)
	k.AddLink("eth0", "veth", 0)
	s := k.session()
	p := netip.MustParsePrefix("10.1.0.1/24")
	steps := []Step{
		AddrAdd{Dev: "eth0", Prefix: p},
		RouteAdd{Dst: netip.MustParsePrefix("10.2.0.0/16"), Gateway: netip.MustParseAddr("10.1.0.2")},
		LinkAdd{Name: "br0", Kind: "bridge"},
	}
	ctx := context.Background()
	j, err := OpenJournal(ctx, dir, "plan-a", steps, true)
	if err != nil {
		t.Fatal(err)
	}
	k.Fail[0x10] = 1  // RTM_NEWLINK: step 3 fails
	k.Fail[0x15] = 16 // RTM_DELADDR: the rollback of step 1 fails (EBUSY)
	err = Up(ctx, s, steps, j)
	var ue *UpError
	if !strings.Contains(err.Error(), "the undo of step(s) 1 failed") || !errorsAs(err, &ue) || len(ue.Failed) != 1 {
		t.Fatalf("up: %v", err)
	}
	if !j.Live() {
		t.Fatal("the journal lost the failed undo")
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if len(k.Addrs) != 1 || len(k.Routes) != 0 {
		t.Fatalf("after the rollback: addrs %v routes %v", k.Addrs, k.Routes)
	}
	// A planted record and one of an edited step: never run.
	raw, err := journal.Open(ctx, dir, "plan-a", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Append(journal.Record{Line: 1, Hash: strings.Repeat("0", 32), Kind: "link-del", Undo: []string{`{"name":"eth0"}`}}); err != nil {
		t.Fatal(err)
	}
	_, data, _ := EncodeStep(LinkDel{Name: "eth0"})
	if _, err := raw.Append(journal.Record{Line: 1, Hash: hashOf(t, steps[0]), Kind: "link-del", Undo: []string{string(data)}}); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	j, err = OpenJournal(ctx, dir, "plan-a", steps, false)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(j.Unmatched()); n != 2 {
		t.Fatalf("%d unmatched records, want the 2 planted", n)
	}
	if err := Down(ctx, s, steps, DownOptions{Undo: j.Undo, Done: j.DownDone}); err != nil {
		t.Fatal(err)
	}
	if len(k.Addrs) != 0 || k.Links["eth0"] == nil {
		t.Fatalf("after down: addrs %v, links %v", k.Addrs, k.Links)
	}
	if n := len(j.Unmatched()); n != 2 || !j.Live() {
		t.Fatalf("down ran or dropped planted records: %d left", n)
	}
	if err := j.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, journal.Key("plan-a"))); !os.IsNotExist(err) {
		t.Errorf("journal left: %v", err)
	}
	if _, err := OpenJournal(ctx, dir, "x", []Step{set{}}, true); err == nil {
		t.Error("a journal for foreign steps")
	}
	if _, err := OpenJournal(ctx, filepath.Join(dir, "f\x00"), "x", nil, true); err == nil {
		t.Error("bad dir accepted")
	}
}

func hashOf(t *testing.T, st Step) string {
	kind, data, err := EncodeStep(st)
	if err != nil {
		t.Fatal(err)
	}
	return journal.LineHash(kind + " " + string(data))
}

func errorsAs(err error, target **UpError) bool {
	ue, ok := err.(*UpError)
	*target = ue
	return ok
}
