package main

import (
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestLinkSetBridgeSlave: "link set DEV type bridge_slave ..." parses ip's
// options (abbreviated as ip allows) into bridge port settings, with ip's
// errors and exit statuses for bad ones.
func TestLinkSetBridgeSlave(t *testing.T) {
	k := onModel(t)
	k.AddLink("br0", "bridge", 0)
	k.AddLink("v1", "veth", 0)
	v0 := k.AddLink("v0", "veth", 0)
	v0.Attrs.Info.SlaveKind = "bridge"
	if code, _, stderr := nsnet("", "link set v0 type bridge_slave cost 0x10 lea off hairpin on priority 3 state 2 mcast_router 0 group_fwd_mask 8 backup_port v1 nobackup_port fdb_flush"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	port, err := parseCommand([]string{"link", "set", "v0", "type", "bridge_slave", "cost", "16", "learning", "o", "backup_port", "v1"}, options{})
	if err != nil {
		t.Fatal(err)
	}
	attrs := port.(linkSet).port
	if len(attrs) != 3 || attrs[0].Type != unix.IFLA_BRPORT_COST || attrs[0].Data[0] != 16 || len(attrs[0].Data) != 4 ||
		attrs[1].Type != unix.IFLA_BRPORT_LEARNING || attrs[1].Data[0] != 0 || attrs[2].Dev != "v1" {
		t.Fatalf("attributes %+v", attrs)
	}
	for _, tc := range []struct {
		line string
		code int
		want string
	}{
		{"link set v0 type bridge_slave hairpin maybe", 1, `want on or off, not "maybe"`},
		{"link set v0 type bridge_slave cost x", 255, "cost"},
		{"link set v0 type bridge_slave priority 70000", 255, "priority"},
		{"link set v0 type bridge_slave state", 255, "state"},
		{"link set v0 type bridge_slave frob 1", 1, "frob"},
		{"link set v0 type bridge_slave help", 1, "bridge_slave"},
		{"link set v0 type bridge_slave backup_port nosuch", 255, "nosuch"},
		{"link set v1 type bridge_slave cost 5", 2, ""},
	} {
		code, _, stderr := nsnet("", tc.line)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d, %q; want exit %d naming %q", tc.line, code, stderr, tc.code, tc.want)
		}
	}
}
