package plan

import (
	"net"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/nsnet/nsnet/ethtool"
	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/rtnl"
)

// TestEncodeDecodeMoreKinds: the ethtool kinds, and fields a record does
// not keep (Echo, Report), round-trip through EncodeStep and DecodeStep.
func TestEncodeDecodeMoreKinds(t *testing.T) {
	ns := nsfs.NameRef("blue")
	for _, c := range []struct{ step, back Step }{
		{EthtoolFeatures{NS: ns, Dev: "v0", Names: []string{"tx", "rx-gro"}, On: []bool{false, true}, Report: func([]ethtool.FeatureChange) error { return nil }},
			EthtoolFeatures{NS: ns, Dev: "v0", Names: []string{"tx", "rx-gro"}, On: []bool{false, true}}},
		{EthtoolChannels{Dev: "eth0", Counts: ethtool.ChannelCounts{Combined: u32p(2)}}, nil},
		{EthtoolRings{NS: ns, Dev: "eth0", Counts: ethtool.RingCounts{RX: u32p(512), TX: u32p(256)}}, nil},
		{LinkAdd{Name: "br0", Kind: "bridge", Echo: func(*rtnl.LinkMessage) {}}, LinkAdd{Name: "br0", Kind: "bridge"}},
		{LinkAdd{Name: "vx0", Kind: "vxlan", Vxlan: &VxlanData{Dev: "eth0"}, Options: LinkOptions{Lower: "eth0", Alias: new("a")}}, nil},
		{LinkSet{Dev: "v0", Name: "w0"}, nil},
		{RouteRaw{Op: "delete", Dev: "v0", Route: rtnl.RouteMessage{Family: rtnl.FamilyInet6, Dst: netip.MustParsePrefix("2001:db8::/32")}}, nil},
		{NeighDel{Dst: netip.MustParseAddr("10.0.0.9"), LLAddr: net.HardwareAddr{}}, nil},
		{RuleDel{NS: ns, Rule: rtnl.RuleMessage{Family: rtnl.FamilyInet, Table: 7}}, nil},
	} {
		want := c.back
		if want == nil {
			want = c.step
		}
		kind, data, err := EncodeStep(c.step)
		if err != nil {
			t.Fatalf("%T: %v", c.step, err)
		}
		back, err := DecodeStep(kind, data)
		if err != nil {
			t.Fatalf("%s %s: %v", kind, data, err)
		}
		if !reflect.DeepEqual(back, want) {
			t.Errorf("%s: read back as %#v, want %#v", kind, back, want)
		}
	}
}

// TestDecodeRefusals: planted records are refused with the error naming
// what is wrong.
func TestDecodeRefusals(t *testing.T) {
	long := strings.Repeat("x", 65)
	for _, c := range []struct{ kind, data, want string }{
		{"ethtool-features", `{"Dev":"v0","Names":["tx"],"On":[]}`, "an ethtool-features record with 1 names and 0 values"},
		{"ethtool-features", `{"Dev":"v0","Names":["t x"],"On":[true]}`, `bad feature name "t x"`},
		{"ethtool-features", `{"Dev":"v0","Names":["` + long + `"],"On":[true]}`, "bad feature name"},
		{"ethtool-features", `{"Dev":"v0","Names":[""],"On":[true]}`, `bad feature name ""`},
		{"ethtool-features", `{"Dev":"a/b","Names":["tx"],"On":[true]}`, `bad device name "a/b"`},
		{"ethtool-features", `{"Dev":"v0","Names":"tx"}`, ""},
		{"ethtool-channels", `{"Dev":"v0","Counts":{"RX":-1}}`, ""},
		{"ethtool-channels", `{"Dev":"","Counts":{}}`, `bad device name ""`},
		{"ethtool-rings", `{"Dev":"v0","Counts":{"Big":1}}`, ""},
		{"ethtool-rings", `{"Dev":"..","Counts":{}}`, `bad device name ".."`},
		{"link-set", `{"Dev":"v0","MTU":null,"Kind":{"Name":"v0","Kind":"bridge","Options":{},"Bridge":null,"Vxlan":null,"Macvlan":null}}`, "a link-set record that changes a kind's data"},
		{"link-set", `{"Dev":"v0","MTU":null,"Name":"a:b"}`, `bad device name "a:b"`},
		{"link-add", `{"Name":"x","Kind":"dummy","Options":{},"Bridge":null,"Vxlan":null,"Macvlan":null}`, `link kind "dummy"`},
		{"link-add", `{"Name":"x","Kind":"bridge","Options":{},"Bridge":null,"Vxlan":null,"Macvlan":null,"Data":[{"Type":1}]}`, "a link-add record with raw kind data"},
		{"link-add", `{"Name":"x","Kind":"veth","Veth":{"Peer":"a b","Options":{}},"Options":{},"Bridge":null,"Vxlan":null,"Macvlan":null}`, `bad device name "a b"`},
		{"link-add", `{"Name":"x","Kind":"vxlan","Options":{},"Bridge":null,"Vxlan":{"Data":{},"Dev":"a/b"},"Macvlan":null}`, `bad device name "a/b"`},
		{"link-add", `{"Name":"x","Kind":"macvlan","Options":{"Lower":"a:b"},"Bridge":null,"Vxlan":null,"Macvlan":null}`, `bad device name "a:b"`},
		{"link-add", `{"Name":"x","Kind":"bridge","Options":{"Master":"a/b"},"Bridge":null,"Vxlan":null,"Macvlan":null}`, `bad device name "a/b"`},
		{"link-add", `{"Name":"x","Kind":"bridge","Options":{"Alias":"a\u0000"},"Bridge":null,"Vxlan":null,"Macvlan":null}`, "bad alias"},
		{"route-raw", `{"Op":"add","Dev":"a b","Route":{"Family":2}}`, `bad device name "a b"`},
		{"neigh-add", `{"dst":"nonsense"}`, "ParseAddr"},
		{"neigh-add", `{"dst":"10.0.0.1","dev":"a/b"}`, `bad device name "a/b"`},
		{"neigh-add", `{"dst":"10.0.0.1","lladdr":"zz"}`, `bad link-layer address "zz"`},
		{"neigh-add", `{"dst":"10.0.0.1","lladdr":"` + strings.Repeat("00", 33) + `"}`, "bad link-layer address"},
		{"neigh-add", `{"dst":"10.0.0.1","state":65536}`, "bad neighbour state 65536"},
		{"neigh-add", `{"dst":"10.0.0.1","flags":256}`, "bad neighbour flags 256"},
		{"neigh-add", `{"dst":"10.0.0.1","protocol":256}`, "bad protocol 256"},
		{"neigh-add", `{"dst":"10.0.0.1","state":"1"}`, `"state" is not a number`},
		{"neigh-add", `{"dst":"10.0.0.1","state":4294967296}`, `"state": strconv.ParseUint`},
		{"neigh-add", `{"dst":"10.0.0.1","managed":1}`, `"managed" is not a boolean`},
		{"neigh-add", `{"dst":"10.0.0.1","dev":1}`, `"dev" is not a string`},
		{"neigh-add", `{"dst":"10.0.0.1","ns":"a\u0000"}`, ""},
		{"rule-add", `{"rule":"xyz"}`, "bad rule encoding"},
		{"rule-add", `{"rule":"02"}`, "bad rule: "},
		{"rule-add", `{"rule":"` + ruleHex(t, rtnl.RuleMessage{Family: 7}) + `"}`, "bad rule family 7"},
		{"netns-add", `{"name":"x","mtu":5}`, `unknown field "mtu"`},
		{"netns-add", `{"name":"x","kind":"bridge"}`, `unknown field "kind"`},
		{"sysctl-set", `{"sysctl":[["a",1]]}`, `"sysctl" holds a value that is not a string`},
		{"sysctl-set", `{"sysctl":[[1,"a"]]}`, `"sysctl" holds a key that is not a string`},
		{"nat-add", `{"nat":"masquerade nonsense"}`, ""},
		{"exec", `{}`, `unknown step kind "exec"`},
		// Typed records: each field of its own type.
		{"addr-add", `{"Dev":"v0","Prefix":7}`, `a "addr-add" record: "Prefix" is not a string`},
		{"route-add", `{"Dst":"10.0.0.0/8","Onlink":"yes"}`, `"Onlink" is not a boolean`},
		{"route-add", `{"Dst":"10.0.0.0/8","Nexthops":[{"Via":"10.0.0.1","Weight":"1"}]}`, "is not a number"},
		{"route-add", `{"Dst":"10.0.0.0/8","Nexthops":[{"Via":"10.0.0.1","Dev":7}]}`, `"Dev" is not a string`},
		{"link-set", `{"Dev":"v0","MTU":null,"Address":7}`, `"Address" is not a base64 string`},
	} {
		st, err := DecodeStep(c.kind, []byte(c.data))
		if err == nil {
			t.Errorf("%s %s accepted as %+v", c.kind, c.data, st)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: error %q, want %q", c.kind, c.data, err, c.want)
		}
	}
}

func ruleHex(t *testing.T, m rtnl.RuleMessage) string {
	_, data, err := EncodeStep(RuleAdd{Rule: m})
	if err != nil {
		t.Fatal(err)
	}
	r, err := parseRecord(data)
	if err != nil {
		t.Fatal(err)
	}
	return r.Rule
}

// TestUndoFitsPairs: the undos Up computes fit their steps; undos of
// another object, namespace or kind do not.
func TestUndoFitsPairs(t *testing.T) {
	blue := nsfs.NameRef("blue")
	p := netip.MustParsePrefix("10.0.0.1/24")
	dst := netip.MustParsePrefix("10.9.0.0/16")
	n := NeighAdd{Dst: netip.MustParseAddr("10.0.0.2"), Dev: "v0"}
	rule := rtnl.RuleMessage{Family: rtnl.FamilyInet, Table: 100}
	two, four := u32p(2), u32p(4)
	for _, c := range []struct {
		step, undo Step
		fits       bool
	}{
		{LinkDel{Name: "v0"}, LinkAdd{Name: "v0", Kind: "bridge"}, true},
		{LinkDel{Name: "v0"}, LinkAdd{Name: "v1", Kind: "bridge"}, false},
		{LinkSet{Dev: "v0", MTU: two}, LinkSet{Dev: "v0", MTU: four}, true},
		{LinkSet{Dev: "v0", Name: "w0"}, LinkSet{Dev: "w0", Name: "v0"}, true},
		{LinkSet{Dev: "v0", NetNS: &blue}, LinkSet{NS: blue, Dev: "v0", NetNS: new(nsfs.PathRef("/proc/self/ns/net"))}, true},
		{LinkSet{Dev: "v0", NetNS: &blue}, LinkSet{NS: blue, Dev: "v0", NetNS: new(nsfs.NameRef("red"))}, false},
		{LinkSet{Dev: "v0", NetNS: &blue}, LinkSet{NS: blue, Dev: "v0"}, false},
		{AddrDel{Dev: "v0", Prefix: p}, AddrAdd{Dev: "v0", Prefix: p}, true},
		{AddrReplace{Dev: "v0", Prefix: p}, AddrDel{Dev: "v0", Prefix: p}, true},
		{AddrReplace{Dev: "v0", Prefix: p}, AddrReplace{Dev: "v0", Prefix: p}, true},
		{AddrReplace{Dev: "v0", Prefix: p}, AddrReplace{Dev: "v1", Prefix: p}, false},
		{AddrReplace{Dev: "v0", Prefix: p}, AddrAdd{Dev: "v0", Prefix: p}, false},
		{RouteAppend{Dst: dst}, RouteDel{Dst: dst}, true},
		{RouteAppend{Dst: dst}, RouteAdd{Dst: dst}, false},
		{RouteDel{Dst: dst}, RouteRaw{Op: "add", Route: rtnl.RouteMessage{Dst: dst}}, true},
		{RouteDel{Dst: dst}, RouteRaw{Op: "add", NS: blue, Route: rtnl.RouteMessage{Dst: dst}}, false},
		{RouteReplace{Dst: dst}, RouteRaw{Op: "replace", Route: rtnl.RouteMessage{Dst: dst}}, true},
		{RouteReplace{Dst: dst}, RouteRaw{Op: "add", Route: rtnl.RouteMessage{Dst: dst}}, false},
		{RouteChange{Dst: dst}, RouteRaw{Op: "replace", Route: rtnl.RouteMessage{Dst: dst}}, true},
		{RouteRaw{Op: "add", Route: rtnl.RouteMessage{Dst: dst, Table: 5}}, RouteRaw{Op: "delete", Route: rtnl.RouteMessage{Dst: dst, Table: 5}}, true},
		{RouteRaw{Op: "add", Route: rtnl.RouteMessage{Dst: dst, Table: 5}}, RouteRaw{Op: "delete", Route: rtnl.RouteMessage{Dst: dst, Table: 6}}, false},
		{EthtoolFeatures{Dev: "v0"}, EthtoolFeatures{Dev: "v0", Names: []string{"rx-gro"}, On: []bool{true}}, true},
		{EthtoolFeatures{Dev: "v0"}, EthtoolFeatures{Dev: "v1"}, false},
		{EthtoolChannels{Dev: "e0", Counts: ethtool.ChannelCounts{Combined: two}}, EthtoolChannels{Dev: "e0", Counts: ethtool.ChannelCounts{Combined: four}}, true},
		{EthtoolChannels{Dev: "e0", Counts: ethtool.ChannelCounts{Combined: two}}, EthtoolChannels{Dev: "e0", Counts: ethtool.ChannelCounts{RX: four}}, false},
		{EthtoolRings{Dev: "e0", Counts: ethtool.RingCounts{TX: two}}, EthtoolRings{Dev: "e0", Counts: ethtool.RingCounts{TX: four}}, true},
		{EthtoolRings{Dev: "e0", Counts: ethtool.RingCounts{TX: two}}, EthtoolRings{Dev: "e0", Counts: ethtool.RingCounts{RX: four}}, false},
		{EthtoolRings{Dev: "e0"}, EthtoolChannels{Dev: "e0"}, false},
		{NeighDel(n), n, true},
		{NeighDel(n), NeighAdd{Dst: n.Dst, Dev: "v1"}, false},
		{NeighChange(n), NeighReplace(n), true},
		{NeighChange(n), NeighDel(n), true},
		{NeighChange(n), NeighAdd(n), false},
		{RuleDel{Rule: rule}, RuleAdd{Rule: rule}, true},
		{RuleDel{Rule: rule}, RuleAdd{NS: blue, Rule: rule}, false},
	} {
		err := UndoFits(c.step, c.undo)
		if (err == nil) != c.fits {
			t.Errorf("UndoFits(%#v, %#v) = %v, want fits %v", c.step, c.undo, err, c.fits)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "a "+KindOf(c.undo)+" record is not an undo of a "+KindOf(c.step)+" step") {
			t.Errorf("UndoFits error %q", err)
		}
	}
}
