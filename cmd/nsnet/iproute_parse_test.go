package main

import (
	"net"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/nsnet/nsnet/nsfs"

	"github.com/nsnet/nsnet/rtnl"
)

func TestParseIproute(t *testing.T) {
	p := netip.MustParsePrefix
	for _, tt := range []struct {
		args []string
		opt  options
		want command
	}{
		{[]string{"link"}, options{}, linkShow{}},
		{[]string{"l", "ls", "dev", "va", "type", "veth", "up"}, options{}, linkShow{dev: "va", sel: linkSelect{kind: "veth", up: true}}},
		{[]string{"link", "add", "va", "type", "veth", "peer", "vb"}, options{},
			linkAdd{spec: linkSpec{name: "va"}, kind: "veth", peer: &linkSpec{name: "vb"}}},
		{[]string{"link", "add", "name", "va", "mtu", "1400", "type", "veth", "peer", "name", "vb", "netns", "blue", "address", "02:00:00:00:00:01"}, options{},
			linkAdd{spec: linkSpec{name: "va", mtu: new(uint32(1400))}, kind: "veth",
				peer: &linkSpec{name: "vb", netns: &nsRef{Kind: nsfs.RefName, Name: "blue"}, address: net.HardwareAddr{2, 0, 0, 0, 0, 1}}}},
		{[]string{"link", "add", "br0", "type", "bridge"}, options{}, linkAdd{spec: linkSpec{name: "br0"}, kind: "bridge", bridge: &rtnl.Bridge{}}},
		{[]string{"link", "add", "mv0", "link", "va", "type", "macvlan", "mode", "vepa"}, options{},
			linkAdd{spec: linkSpec{name: "mv0", lower: "va"}, kind: "macvlan", macvlan: new(rtnl.MacvlanVEPA)}},
		{[]string{"link", "set", "va", "up", "name", "vz", "netns", "4242", "master", "br0", "txqlen", "9", "alias", "x y"}, options{},
			linkSet{dev: "va", spec: linkSpec{up: new(true), name: "vz", netns: &nsRef{Kind: nsfs.RefPID, PID: 4242}, master: new("br0"),
				txqlen: new(uint32(9)), alias: new("x y")}}},
		{[]string{"link", "set", "dev", "va", "down", "nomaster", "netns", "/proc/1/ns/net"}, options{},
			linkSet{dev: "va", spec: linkSpec{up: new(false), master: new(""), netns: &nsRef{Kind: nsfs.RefPath, Path: "/proc/1/ns/net"}}}},
		{[]string{"link", "del", "va"}, options{}, linkDel{dev: "va"}},
		{[]string{"a"}, options{}, addrShow{}},
		{[]string{"addr", "add", "10.0.0.1/24", "dev", "va", "brd", "+", "label", "va:1", "scope", "link"}, options{},
			addrChange{op: "add", local: p("10.0.0.1/24"), hasPlen: true, typed: "10.0.0.1/24", dev: "va", brdCalc: "+", label: "va:1", scope: new(rtnl.ScopeLink)}},
		{[]string{"addr", "del", "2001:db8::1", "dev", "va"}, options{},
			addrChange{op: "delete", local: p("2001:db8::1/128"), typed: "2001:db8::1", dev: "va"}},
		{[]string{"addr", "add", "2001:db8::1/64", "dev", "va", "nodad", "noprefixroute"}, options{},
			addrChange{op: "add", local: p("2001:db8::1/64"), hasPlen: true, typed: "2001:db8::1/64", dev: "va", flags: rtnl.AddrNoDAD | rtnl.AddrNoPrefixRoute}},
		{[]string{"addr", "flush", "dev", "va"}, options{}, addrFlush{dev: "va"}},
		{[]string{"r"}, options{}, routeShow{}},
		{[]string{"route"}, options{family: 6}, routeShow{family: rtnl.FamilyInet6}},
		{[]string{"route", "add", "default", "via", "192.168.11.100"}, options{},
			routeChange{op: "add", family: rtnl.FamilyInet, dst: p("0.0.0.0/0"), via: netip.MustParseAddr("192.168.11.100")}},
		{[]string{"route", "add", "default", "dev", "va"}, options{family: 6},
			routeChange{op: "add", family: rtnl.FamilyInet6, dst: p("::/0"), dev: "va"}},
		{[]string{"route", "replace", "blackhole", "10.0.0.0/8", "table", "100", "metric", "5", "proto", "static"}, options{},
			routeChange{op: "replace", family: rtnl.FamilyInet, typ: new(rtnl.RouteBlackhole), dst: p("10.0.0.0/8"),
				table: new(rtnl.Table(100)), metric: new(uint32(5)), proto: new(rtnl.ProtoStatic)}},
		{[]string{"route", "show", "table", "all", "dev", "va"}, options{}, routeShow{table: new(rtnl.TableUnspec), dev: "va"}},
		{[]string{"route", "get", "10.0.0.1", "from", "10.0.0.2", "iif", "va"}, options{},
			routeGet{dst: netip.MustParseAddr("10.0.0.1"), from: netip.MustParseAddr("10.0.0.2"), iif: "va"}},
		{[]string{"sysctl", "-w", "net.ipv4.ip_forward=1", "net/ipv6/conf/all/forwarding = 1"}, options{},
			sysctlSet{pairs: []sysctlPair{
				{key: sysctlKey{Path: "net/ipv4/ip_forward", Name: "net.ipv4.ip_forward"}, value: "1"},
				{key: sysctlKey{Path: "net/ipv6/conf/all/forwarding", Name: "net.ipv6.conf.all.forwarding"}, value: "1"}}}},
		{[]string{"sysctl", "-n", "net.ipv4.conf.eth0/10.forwarding"}, options{},
			sysctlShow{valuesOnly: true, keys: []sysctlKey{{Path: "net/ipv4/conf/eth0.10/forwarding", Name: "net.ipv4.conf.eth0/10.forwarding"}}}},
		{[]string{"sysctl", "-a"}, options{}, sysctlShow{all: true}},
	} {
		got, err := parseCommand(tt.args, tt.opt)
		if err != nil {
			t.Errorf("%v: %v", tt.args, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%v:\n got %#v\nwant %#v", tt.args, got, tt.want)
		}
	}
}

func TestParseIprouteErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		word string
	}{
		{[]string{"link", "add", "0123456789abcdef", "type", "veth"}, "0123456789abcdef"},
		{[]string{"link", "add", "a b", "type", "veth"}, "a b"},
		{[]string{"link", "add", ".", "type", "veth"}, `"."`},
		{[]string{"link", "add", "va"}, "type"},
		{[]string{"link", "add", "va", "type", "veth", "peer", "vb", "up"}, "up"},
		{[]string{"link", "set", "va", "mtu"}, "mtu"},
		{[]string{"link", "set", "va", "netns", "0"}, `"0"`},
		{[]string{"link", "set", "va", "bogus"}, "bogus"},
		{[]string{"addr", "add", "10.0.0.1/24"}, "dev"},
		{[]string{"addr", "add", "10.0.0.1/24", "dev", "va", "label", "vb"}, "label"},
		{[]string{"addr", "add", "fe80::1%eth0/64", "dev", "va"}, "fe80::1%eth0/64"},
		{[]string{"route", "add", "10.0.0.0/8", "via", "::1"}, "families"},
		{[]string{"route", "add", "10.0.0.0/8", "10.1.0.0/16"}, "10.1.0.0/16"},
		{[]string{"route", "get"}, "address"},
		{[]string{"sysctl", "net.ipv4.ip_forward\x00"}, "NUL"},
		{[]string{"sysctl", "net/./ipv4"}, `"."`},
		{[]string{"sysctl", "net..ipv4"}, "empty"},
		{[]string{"sysctl", "/net/ipv4/ip_forward"}, "empty"},
		{[]string{"sysctl", "vm.swappiness"}, "net.*"},
		{[]string{"sysctl", "-a", "net.ipv4"}, "-a"},
		{[]string{"sysctl", "net.ipv4.ip_forward", "net.ipv4.ip_forward=1"}, "both"},
	} {
		_, err := parseCommand(tt.args, options{})
		if err == nil || !isUsage(err) || !strings.Contains(err.Error(), tt.word) {
			t.Errorf("%q: got %v, want a usage error naming %s", tt.args, err, tt.word)
		}
	}
}

func TestJSONObjectKeepsOrder(t *testing.T) {
	o := (&obj{}).add("z", 1).add("a", []string{}).add("m", nil)
	b, err := appendJSON(nil, o)
	if err != nil || string(b) != `{"z":1,"a":[],"m":null}` {
		t.Fatalf("%s %v", b, err)
	}
}

// TestStepsReadBack: a change's plan step reads back from its journal
// record as the same step (what up's journal relies on).
func TestStepsReadBack(t *testing.T) {
	for _, line := range []string{
		"link add va type veth peer name vb netns blue mtu 1400 address 02:00:00:00:00:01",
		"link add va mtu 9000 txqueuelen 5 up master br0 alias x type veth",
		"link add br0 type bridge stp_state 1 priority 4096 vlan_filtering 0",
		"link add vx0 type vxlan id 42 remote 10.0.0.2 local 10.0.0.1 dev va dstport 4789 ttl 64 nolearning",
		"link add vx1 type vxlan id 7 group ff05::1 dev va",
		"link add mv0 link va type macvlan mode passthru",
		"link set dev va down name vz mtu 1280 netns /run/netns/blue nomaster alias x",
		"link set va netns blue",
		"link set va netns 42 promisc on arp off group 3 addrgenmode none",
		"link delete dev va",
		"address add 10.0.0.1/24 dev va broadcast + label va:1 scope link metric 5",
		"address add 10.2.2.2 peer 10.2.2.3/32 dev va",
		"address add 2001:db8::1/64 dev va nodad noprefixroute valid_lft 300 preferred_lft forever",
		"address delete 2001:db8::1 dev va",
		"address replace 10.0.0.1/24 dev va broadcast 10.0.0.255",
		"route add default via 192.168.11.100",
		"route add ::/0 via 2001:db8::1 dev va metric 1024",
		"route replace blackhole 10.0.0.0/8 table 100 proto static scope global",
		"route add 10.9.0.0/16 dev va src 10.0.0.1 onlink mtu lock 1400 advmss 1360",
		"route add 10.8.0.0/16 nexthop via 10.0.0.2 dev va weight 2 nexthop dev vb",
		"route delete 10.9.0.0/16 table local",
	} {
		c, err := parseCommand(strings.Fields(line), options{})
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		roundTrip(t, line, c)
	}
}
