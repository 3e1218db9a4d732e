package main

import (
	"net/netip"
	"testing"

	"github.com/nsnet/nsnet/rtnl"
)

// TestNeighCommands: neigh add, replace, show (text and JSON, as ip
// prints them), del and flush change the fake kernel's neighbour table;
// errors name what is wrong with ip's exit statuses. The expected lines
// and statuses are iproute2 6.1's for the same commands in a namespace
// (the kernel lists a link's entries in hash order, the model in the
// order they were added).
func TestNeighCommands(t *testing.T) {
	k := onFakeHost(t)
	mustRun(t, "link add v0 type veth peer name v1", "link set v0 up",
		"neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev v0",
		"neigh add 10.0.0.3 lladdr 02:00:00:00:00:03 dev v0 nud reachable",
		"neigh add 2001:db8::2 lladdr 02:00:00:00:00:04 dev v1")
	if len(k.Neighs) != 3 {
		t.Fatalf("neighbours %v", k.Neighs)
	}
	n := k.Neighs[0]
	if n.Index != k.Links["v0"].Index || n.Attrs.Dst != netip.MustParseAddr("10.0.0.2") ||
		n.Attrs.LLAddr.String() != "02:00:00:00:00:02" || n.State != rtnl.NeighPermanent {
		t.Fatalf("neigh add made %+v", n)
	}
	if k.Neighs[1].State != rtnl.NeighReachable {
		t.Fatalf("nud reachable made state %v", k.Neighs[1].State)
	}
	wantOut(t, "neigh show dev v0",
		"10.0.0.2 lladdr 02:00:00:00:00:02 PERMANENT \n10.0.0.3 lladdr 02:00:00:00:00:03 REACHABLE \n")
	wantOut(t, "-4 neigh show",
		"10.0.0.2 dev v0 lladdr 02:00:00:00:00:02 PERMANENT \n10.0.0.3 dev v0 lladdr 02:00:00:00:00:03 REACHABLE \n")
	wantOut(t, "-6 neigh show", "2001:db8::2 dev v1 lladdr 02:00:00:00:00:04 PERMANENT \n")
	wantOut(t, "neigh show 10.0.0.3", "10.0.0.3 dev v0 lladdr 02:00:00:00:00:03 REACHABLE \n")
	wantOut(t, "neigh show nud permanent dev v0", "10.0.0.2 lladdr 02:00:00:00:00:02 PERMANENT \n")
	wantOut(t, "-j neigh show dev v1",
		`[{"dst":"2001:db8::2","lladdr":"02:00:00:00:00:04","state":["PERMANENT"]}]`+"\n")

	mustRun(t, "neigh replace 10.0.0.2 lladdr 02:00:00:00:00:12 dev v0 nud permanent")
	if got := k.Neighs[0].Attrs.LLAddr.String(); got != "02:00:00:00:00:12" || len(k.Neighs) != 3 {
		t.Fatalf("replace: lladdr %s, %d entries", got, len(k.Neighs))
	}
	wantErr(t, "neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev v0", 2, "file exists")
	wantErr(t, "neigh add 10.0.0.9 lladdr 02:00:00:00:00:02 dev nosuch", 1, "nosuch")
	wantErr(t, "neigh add 10.0.0.9 lladdr zz:00 dev v0", 1, "zz:00")
	wantErr(t, "neigh add 10.0.0.9 lladdr 02:00:00:00:00:02 dev v0 nud bogus", 255, "bogus")
	wantErr(t, "neigh del 10.0.0.99 dev v0", 2, "no such file")

	mustRun(t, "neigh del 10.0.0.2 dev v0")
	if len(k.Neighs) != 2 || k.Neighs[0].Attrs.Dst != netip.MustParseAddr("10.0.0.3") {
		t.Fatalf("after del: %v", k.Neighs)
	}
	mustRun(t, "neigh flush dev v0")
	if len(k.Neighs) != 1 || k.Neighs[0].Index != k.Links["v1"].Index {
		t.Fatalf("flush dev v0 left %v", k.Neighs)
	}
	wantOut(t, "neigh show dev v0", "")
}

// TestRuleCommands: rule add and del change the fake kernel's rules in
// priority order; rule show prints them as ip does, with the kernel's
// default rules (the expected output and statuses are iproute2 6.1's
// for the same commands in a namespace).
func TestRuleCommands(t *testing.T) {
	k := onFakeHost(t)
	mustRun(t, "link add v0 type veth peer name v1",
		"rule add from 10.0.0.0/24 table 100 pref 1000",
		"rule add fwmark 0x1/0xff lookup 100",
		"rule add to 10.9.0.0/16 iif v0 table 200 pref 2000",
		"-6 rule add from 2001:db8::/32 table 100 pref 100")
	if len(k.Rules) != 9 {
		t.Fatalf("%d rules: %v", len(k.Rules), k.Rules)
	}
	wantOut(t, "rule show", "0:\tfrom all lookup local\n"+
		"999:\tfrom all fwmark 0x1/0xff lookup 100\n"+
		"1000:\tfrom 10.0.0.0/24 lookup 100\n"+
		"2000:\tfrom all to 10.9.0.0/16 iif v0 lookup 200\n"+
		"32766:\tfrom all lookup main\n"+
		"32767:\tfrom all lookup default\n")
	wantOut(t, "-6 rule show", "0:\tfrom all lookup local\n100:\tfrom 2001:db8::/32 lookup 100\n32766:\tfrom all lookup main\n")
	wantOut(t, "-j rule show table 100",
		`[{"priority":999,"src":"all","fwmark":"0x1","fwmask":"0xff","table":"100"},{"priority":1000,"src":"10.0.0.0","srclen":24,"table":"100"}]`+"\n")
	wantErr(t, "rule add from 10.0.0.0/24 table 100 pref 1000", 2, "file exists")
	wantErr(t, "rule add from 10.0.0.0/33 table 100", 1, "10.0.0.0/33")
	wantErr(t, "rule add bogus 1", 255, "bogus")
	wantErr(t, "rule del pref 4242", 2, "no such file")

	mustRun(t, "rule del pref 1000", "rule del fwmark 0x1/0xff table 100", "-6 rule del pref 100")
	wantOut(t, "rule show", "0:\tfrom all lookup local\n2000:\tfrom all to 10.9.0.0/16 iif v0 lookup 200\n"+
		"32766:\tfrom all lookup main\n32767:\tfrom all lookup default\n")
	if len(k.Rules) != 6 {
		t.Fatalf("after the deletes: %v", k.Rules)
	}
}

// TestRuleShowSelectors: rule show's selectors pick the rules ip 6.1
// picks for the same rules, rule flush TABLE deletes those of the table
// and rule flush all but priority 0's (its outputs below are ip's).
func TestRuleShowSelectors(t *testing.T) {
	k := onFakeHost(t)
	mustRun(t, "link add v0 type veth peer name v1",
		"rule add from 10.0.0.0/24 table 100 pref 1000",
		"rule add fwmark 0x1/0xff lookup 100 pref 1100",
		"rule add to 10.9.0.0/16 iif v0 table 200 pref 2000",
		"rule add not from 10.8.0.0/16 oif v1 table 300 pref 3000",
		"rule add from all goto 3000 pref 1500",
		"rule add from 10.7.0.0/16 unreachable pref 1600")
	for _, c := range []struct{ line, want string }{
		{"rule show pref 1000", "1000:\tfrom 10.0.0.0/24 lookup 100\n"},
		{"rule show table 100", "1000:\tfrom 10.0.0.0/24 lookup 100\n1100:\tfrom all fwmark 0x1/0xff lookup 100\n"},
		{"rule show from 10.0.0.0/24", "1000:\tfrom 10.0.0.0/24 lookup 100\n"},
		{"rule show to 10.9.0.0/16", "2000:\tfrom all to 10.9.0.0/16 iif v0 lookup 200\n"},
		{"rule show iif v0", "2000:\tfrom all to 10.9.0.0/16 iif v0 lookup 200\n"},
		{"rule show oif v1", "3000:\tnot from 10.8.0.0/16 oif v1 lookup 300\n"},
		{"rule show fwmark 0x1/0xff", "1100:\tfrom all fwmark 0x1/0xff lookup 100\n"},
		{"rule show not", "3000:\tnot from 10.8.0.0/16 oif v1 lookup 300\n"},
		{"rule show lookup 200", "2000:\tfrom all to 10.9.0.0/16 iif v0 lookup 200\n"},
		{"rule show", "0:\tfrom all lookup local\n1000:\tfrom 10.0.0.0/24 lookup 100\n1100:\tfrom all fwmark 0x1/0xff lookup 100\n" +
			"1500:\tfrom all goto 3000\n1600:\tfrom 10.7.0.0/16 unreachable\n2000:\tfrom all to 10.9.0.0/16 iif v0 lookup 200\n" +
			"3000:\tnot from 10.8.0.0/16 oif v1 lookup 300\n32766:\tfrom all lookup main\n32767:\tfrom all lookup default\n"},
		{"-j rule show pref 3000", `[{"priority":3000,"not":null,"src":"10.8.0.0","srclen":16,"oif":"v1","table":"300"}]` + "\n"},
	} {
		wantOut(t, c.line, c.want)
	}
	wantErr(t, "rule show bogus", 1, "bogus")
	mustRun(t, "rule flush table 100")
	wantOut(t, "rule show", "0:\tfrom all lookup local\n1500:\tfrom all goto 3000\n1600:\tfrom 10.7.0.0/16 unreachable\n"+
		"2000:\tfrom all to 10.9.0.0/16 iif v0 lookup 200\n3000:\tnot from 10.8.0.0/16 oif v1 lookup 300\n"+
		"32766:\tfrom all lookup main\n32767:\tfrom all lookup default\n")
	mustRun(t, "rule flush")
	wantOut(t, "rule show", "0:\tfrom all lookup local\n")
	if len(k.Rules) != 3 { // IPv6's two are untouched
		t.Errorf("after flush: %v", k.Rules)
	}
}
