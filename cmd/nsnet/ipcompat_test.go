package main

import (
	"bytes"
	"errors"
	"net/netip"
	"strings"
	"syscall"
	"testing"

	"github.com/mdlayher/netlink"
	"github.com/nsnet/nsnet/rtnl"
)

func TestIPPretty(t *testing.T) {
	in := `[{"ifindex":3,"flags":["UP","LOWER_UP"],"addr_info":[{"family":"inet","local":"10.0.0.1"},{"family":"inet6"}],"none":[]}]`
	want := `[ {
        "ifindex": 3,
        "flags": [ "UP","LOWER_UP" ],
        "addr_info": [ {
                "family": "inet",
                "local": "10.0.0.1"
            },{
                "family": "inet6"
            } ],
        "none": [ ]
    } ]`
	if got := string(ipPretty([]byte(in))); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := string(ipPretty([]byte(`[]`))); got != "[ ]" {
		t.Errorf("empty: %q", got)
	}
	// A string holding JSON punctuation is copied whole.
	if got := string(ipPretty([]byte(`[{"a":"x,\"}]"}]`))); got != "[ {\n        \"a\": \"x,\\\"}]\"\n    } ]" {
		t.Errorf("string: %q", got)
	}
}

func TestHumanNum(t *testing.T) {
	for _, tc := range []struct {
		n          uint64
		human, iec bool
		want       string
	}{
		{999, true, false, "  999 "},
		{1000, true, false, "1.00k "},
		{123456789, true, false, " 123M "},
		{1024, true, true, "1.00ki "}, // ip's prefix letters are "kMGTPE" for both
		{5, false, false, "    5 "},
	} {
		if got := humanNum(5, tc.n, tc.human, tc.iec); got != tc.want {
			t.Errorf("humanNum(%d, %v, %v) = %q, want %q", tc.n, tc.human, tc.iec, got, tc.want)
		}
	}
}

func TestStatsTableLevels(t *testing.T) {
	s := &rtnl.LinkStats{RxBytes: 504, RxPackets: 6, TxBytes: 504, TxPackets: 6}
	var b strings.Builder
	statsTable(&b, s, new(uint32(0)), 1, false, false)
	want1 := "    RX:  bytes packets errors dropped  missed   mcast           \n" +
		"           504       6      0       0       0       0 \n" +
		"    TX:  bytes packets errors dropped carrier collsns           \n" +
		"           504       6      0       0       0       0 \n"
	if b.String() != want1 {
		t.Errorf("-s:\n%q\nwant\n%q", b.String(), want1)
	}
	b.Reset()
	statsTable(&b, s, new(uint32(0)), 2, false, false)
	for _, w := range []string{"    RX errors:  length    crc   frame    fifo overrun\n", "    TX errors: aborted   fifo  window heartbt transns\n"} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("-s -s lacks %q:\n%s", w, b.String())
		}
	}
}

// TestMultipathRoundTrip: the nexthops of a route add reach the kernel as
// RTA_MULTIPATH, and decode back as given.
func TestMultipathRoundTrip(t *testing.T) {
	k := onModel(t)
	a, b := k.AddLink("a", "veth", 0), k.AddLink("b", "veth", 0)
	if code, _, stderr := nsnet("", "route add 10.8.0.0/16 nexthop via 10.0.0.1 dev a nexthop via 10.0.1.1 dev b weight 3 onlink"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if len(k.Routes) != 1 {
		t.Fatalf("routes %v", k.Routes)
	}
	mp := k.Routes[0].Attrs.Multipath
	got := decodeMultipath(mp)
	if len(got) != 2 || got[0].gateway != netip.MustParseAddr("10.0.0.1") || got[0].ifindex != a.Index || got[0].weight != 1 ||
		got[1].gateway != netip.MustParseAddr("10.0.1.1") || got[1].ifindex != b.Index || got[1].weight != 3 || got[1].flags&4 == 0 {
		t.Fatalf("decoded %+v", got)
	}
	// Truncated input stops, it does not panic.
	for i := range mp {
		decodeMultipath(mp[:i])
	}
}

func TestParseNexthopsErrors(t *testing.T) {
	for _, line := range []string{
		"route add 10.0.0.0/8 nexthop via 10.1.1.1 table 5",
		"route add 10.0.0.0/8 nexthop",
		"route add 10.0.0.0/8 nexthop via 10.1.1.1 weight 0",
		"route add 10.0.0.0/8 nexthop via 10.1.1.1 weight 257",
	} {
		if _, err := parseCommand(strings.Fields(line), options{}); err == nil || !isUsage(err) {
			t.Errorf("%s: want a usage error, got %v", line, err)
		}
	}
}

func TestRouteSelects(t *testing.T) {
	r := func(p string) *rtnl.RouteMessage {
		return &rtnl.RouteMessage{Family: rtnl.FamilyInet, Dst: netip.MustParsePrefix(p)}
	}
	for _, tc := range []struct {
		args string
		dst  string
		want bool
	}{
		{"root 10.0.0.0/8", "10.30.0.0/16", true},
		{"root 10.0.0.0/8", "0.0.0.0/0", false},
		{"root 10.0.0.0/8", "11.0.0.0/16", false},
		{"match 10.30.1.1", "10.30.0.0/16", true},
		{"match 10.30.1.1", "0.0.0.0/0", true},
		{"match 10.30.1.1", "10.31.0.0/16", false},
		{"exact 10.30.0.0/16", "10.30.0.0/16", true},
		{"10.30.0.0/16", "10.30.0.0/17", false},
		{"default", "0.0.0.0/0", true},
		{"default", "10.0.0.0/8", false},
	} {
		c, err := parseCommand(append([]string{"route", "show"}, strings.Fields(tc.args)...), options{})
		if err != nil {
			t.Fatalf("%s: %v", tc.args, err)
		}
		if got := c.(routeShow).selects(r(tc.dst)); got != tc.want {
			t.Errorf("show %s selects %s: %v, want %v", tc.args, tc.dst, got, tc.want)
		}
	}
}

// TestRouteSelectorsAsIP: the selectors of ip's filter_nlmsg beyond the
// destination, on routes built by hand, and ip's abbreviations.
func TestRouteSelectorsAsIP(t *testing.T) {
	u32 := func(v uint32) *uint32 { return &v }
	gw := &rtnl.RouteMessage{Family: rtnl.FamilyInet, Dst: netip.MustParsePrefix("10.71.0.0/16"), Type: rtnl.RouteUnicast,
		Attrs: rtnl.RouteAttrs{Gateway: netip.MustParseAddr("10.70.0.254"), Priority: u32(10)}}
	src := &rtnl.RouteMessage{Family: rtnl.FamilyInet, Dst: netip.MustParsePrefix("10.72.0.0/16"), TOS: 0x10,
		Attrs: rtnl.RouteAttrs{PrefSrc: netip.MustParseAddr("10.70.0.2"), Mark: u32(7), IIF: u32(3)}}
	from := &rtnl.RouteMessage{Family: rtnl.FamilyInet6, Dst: netip.MustParsePrefix("2001:db8:71::/48"),
		Src: netip.MustParsePrefix("2001:db8:99::/48")}
	for _, tc := range []struct {
		args string
		r    *rtnl.RouteMessage
		want bool
	}{
		{"via 10.70.0.254", gw, true},
		{"via 10.70.0.0/24", gw, true},
		{"via inet 10.70.0.253", gw, false},
		{"via 10.70.0.0/24", src, false}, // no gateway: the zero address
		{"via 0.0.0.0/0", src, true},
		{"src 10.70.0.0/24", src, true},
		{"src 10.70.0.2", gw, false},
		{"metric 10", gw, true},
		{"prio 10", gw, true},
		{"preference 0", src, true}, // no RTA_PRIORITY: metric 0
		{"metric 0x0a", gw, true},
		{"tos 0x10", src, true},
		{"ds 0x10", src, true},
		{"tos 0x10", gw, false},
		{"mark 7", src, true},
		{"mark 0", gw, true},
		{"mark 7", gw, false},
		{"from 2001:db8:99::/48", from, true},
		{"from root 2001:db8::/32", from, true},
		{"from match 2001:db8:99::1", from, true},
		{"from 2001:db8:98::/48", from, false},
		{"t main root 10.0.0.0/8", gw, true},
		{"proto all scope all", gw, true},
		{"ty unicast", gw, true},
	} {
		c, err := parseCommand(append([]string{"route", "show"}, strings.Fields(tc.args)...), options{})
		if err != nil {
			t.Fatalf("%s: %v", tc.args, err)
		}
		if got := c.(routeShow).selects(tc.r); got != tc.want {
			t.Errorf("show %s selects %s: %v, want %v", tc.args, tc.r.Dst, got, tc.want)
		}
	}
	sh := routeShow{iif: "x", iifIndex: 3}
	if !sh.selects(src) || sh.selects(gw) {
		t.Error("iif: the route with RTA_IIF 3 only")
	}
	for _, tc := range []struct{ args, ip string }{
		{"tos bogus", `Error: argument "bogus" is wrong: TOS value is invalid`},
		{"metric x", `Error: argument "x" is wrong: "metric" value is invalid`},
		{"mark zz", `Error: argument "zz" is wrong: invalid mark value`},
		{"vrf blue", `Error: argument "blue" is wrong: Invalid VRF`},
		{"via nonsense", `Error: any valid prefix is expected rather than "nonsense".`},
	} {
		_, err := parseCommand(append([]string{"route", "show"}, strings.Fields(tc.args)...), options{})
		var ie *ipErr
		if !errorAs(err, &ie) || !strings.HasPrefix(ie.ip, tc.ip) {
			t.Errorf("show %s: %v, want ip's %q", tc.args, err, tc.ip)
		}
	}
	// route add: tos and from reach the step.
	c, err := parseCommand(strings.Fields("route add 2001:db8:71::/48 from 2001:db8:99::/48 tos 0x10 dev x"), options{})
	if err != nil {
		t.Fatal(err)
	}
	if rc := c.(routeChange); rc.tos != 0x10 || rc.from == nil || rc.from.String() != "2001:db8:99::/48" || rc.family != rtnl.FamilyInet6 {
		t.Errorf("route add ... from ... tos: %+v", rc)
	}
}

func TestGlobalsInIPOrder(t *testing.T) {
	g, rest, err := parseGlobals(strings.Fields("-f inet -h -s -s -o -t -c=never -0 -d link"))
	if err != nil {
		t.Fatal(err)
	}
	o := g.opt
	if !o.human || o.statsLevel != 2 || !o.oneline || o.timestamp != 1 || o.color != colorNever || !o.linkOnly || o.family != 0 || !o.details || len(rest) != 1 {
		t.Errorf("options %+v rest %q", o, rest)
	}
	if g, _, _ := parseGlobals([]string{"-family", "inet6"}); g.opt.family != 6 {
		t.Errorf("-family inet6: %d", g.opt.family)
	}
	_, _, err = parseGlobals([]string{"-x"})
	var ie *ipErr
	if !errorAs(err, &ie) || ie.code != 255 || ie.ip != `Option "-x" is unknown, try "ip -help".` {
		t.Errorf("-x: %v", err)
	}
}

func TestIPReport(t *testing.T) {
	kernel := func(errno syscall.Errno, msg string) error {
		return &rtnl.Error{Op: "add route", Err: &netlink.OpError{Op: "receive", Err: errno, Message: msg}}
	}
	for _, tc := range []struct {
		err  error
		want string
		code int
	}{
		{kernel(syscall.EEXIST, ""), "RTNETLINK answers: File exists\n", 2},
		{kernel(syscall.EEXIST, "ipv4: Address already assigned"), "Error: ipv4: Address already assigned.\n", 2},
		{kernel(syscall.EINVAL, "Invalid scope."), "Error: Invalid scope.\n", 2},
		{errNoDevice("eth9", nil), "Cannot find device \"eth9\"\n", 1},
		{errDeviceNotExist("eth9", nil), "Device \"eth9\" does not exist.\n", 1},
		{errUnknownCommand("link", "frob"), "Command \"frob\" is unknown, try \"ip link help\".\n", 255},
	} {
		var b bytes.Buffer
		if code := ipReport(&b, tc.err); code != tc.code || b.String() != tc.want {
			t.Errorf("%v: %d %q, want %d %q", tc.err, code, b.String(), tc.code, tc.want)
		}
		if code := exitCode(tc.err); code != tc.code {
			t.Errorf("%v: nsnet exits %d, want ip's %d", tc.err, code, tc.code)
		}
	}
}

func TestLinkSetForms(t *testing.T) {
	c, err := parseCommand(strings.Fields("link set up dev v0"), options{})
	if err != nil || c.(linkSet).dev != "v0" || !*c.(linkSet).spec.up {
		t.Fatalf("set up dev v0: %+v %v", c, err)
	}
	c, err = parseCommand(strings.Fields("link set v0 promisc on arp off multicast on group 5 addrgenmode none"), options{})
	if err != nil {
		t.Fatal(err)
	}
	s := c.(linkSet).spec
	if s.flagMask != rtnl.LinkPromisc|rtnl.LinkNoARP|rtnl.LinkMulticast || s.flags != rtnl.LinkPromisc|rtnl.LinkNoARP|rtnl.LinkMulticast ||
		*s.group != 5 || *s.addrGenMode != 1 {
		t.Errorf("flags %v/%v group %v mode %v", s.flags, s.flagMask, s.group, s.addrGenMode)
	}
	c, err = parseCommand(strings.Fields("link set vx0 type vxlan remote 10.0.0.3"), options{})
	if err != nil || c.(linkSet).kind == nil || c.(linkSet).kind.vxlan.data.Learning != nil {
		t.Errorf("set type vxlan: %+v %v", c, err)
	}
	if _, err := parseCommand(strings.Fields("link set v0 v1"), options{}); err == nil {
		t.Error("two devices accepted")
	}
	if _, err := parseCommand(strings.Fields("link delete v0 type veth"), options{}); err != nil {
		t.Error(err)
	}
}

func TestPrefixForms(t *testing.T) {
	for in, want := range map[string]string{
		"192.168.1.2/255.255.255.0": "192.168.1.2/24",
		"9.9.9/24":                  "9.9.9.0/24",
		"10/8":                      "10.0.0.0/8",
	} {
		p, _, err := parsePrefix("x", in)
		if err != nil || p.String() != want {
			t.Errorf("%s: %v %v, want %s", in, p, err, want)
		}
	}
	if _, _, err := parsePrefix("x", "1.2.3.4/255.0.255.0"); err == nil {
		t.Error("a non-contiguous mask was accepted")
	}
}

func errorAs(err error, target any) bool { return errors.As(err, target) }

func TestColor(t *testing.T) {
	defer func() { colorOut = false }()
	enableColor(options{color: colorAlways, json: true}, nil)
	if colorOut {
		t.Error("JSON coloured")
	}
	enableColor(options{color: colorAuto}, nil)
	if colorOut {
		t.Error("auto coloured without a terminal")
	}
	enableColor(options{color: colorAlways}, nil)
	if got := paint(colorIfname, "lo: "); got != "\x1b[36mlo: \x1b[0m" {
		t.Errorf("paint: %q", got)
	}
	if got := paintOper("UNKNOWN", "UNKNOWN "); got != "UNKNOWN " {
		t.Errorf("UNKNOWN is not coloured: %q", got)
	}
	g, _, err := parseGlobals([]string{"-c"})
	if err != nil || g.opt.color != colorAlways {
		t.Errorf("-c: %v %v", g.opt.color, err)
	}
}
