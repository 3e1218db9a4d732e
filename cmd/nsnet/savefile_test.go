package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestRouteSaveRestore: "route save" writes what "route show" lists in
// ip's format, "route showdump" lists it back the same, and "route
// restore" after a flush puts every route back; a route already there is
// kept without an error.
func TestRouteSaveRestore(t *testing.T) {
	k := onModel(t)
	for _, line := range []string{
		"link add v0 type veth peer name v1",
		"addr add 10.1.0.1/24 dev v0",
		"route add 10.2.0.0/16 via 10.1.0.2",
		"route add 10.3.0.0/16 dev v0",
		"route add 10.4.0.0/16 dev v0 table 100",
	} {
		if code, _, stderr := nsnet("", line); code != 0 {
			t.Fatalf("%s: exit %d: %s", line, code, stderr)
		}
	}
	_, shown, _ := nsnet("", "route show")
	code, saved, stderr := nsnet("", "route save")
	if code != 0 || !strings.HasPrefix(saved, "\x24\x12\x31\x45") {
		t.Fatalf("route save: exit %d, %q, %s", code, saved[:min(len(saved), 8)], stderr)
	}
	if code, listed, stderr := nsnet(saved, "route showdump"); code != 0 || listed != shown || shown == "" {
		t.Errorf("route showdump: exit %d, %q (%s); route show: %q", code, listed, stderr, shown)
	}
	before := len(k.Routes)
	if code, _, stderr := nsnet(saved, "route restore"); code != 0 || len(k.Routes) != before {
		t.Errorf("restore of routes already there: exit %d (%s), %d routes, want %d", code, stderr, len(k.Routes), before)
	}
	k.Routes = nil
	if code, _, stderr := nsnet(saved, "route restore"); code != 0 {
		t.Fatalf("route restore: exit %d: %s", code, stderr)
	}
	// The fake kernel lists routes in the order they came.
	if _, again, _ := nsnet("", "route show"); sortedLines(again) != sortedLines(shown) {
		t.Errorf("after restore: %q, want %q", again, shown)
	}
	// ip's order: the route via a gateway comes last whatever the file's.
	if n := len(k.Routes); n != 2 || k.Routes[n-1].Attrs.Gateway.String() != "10.1.0.2" {
		t.Errorf("restored in the order %v, want the gateway's route last", k.Routes)
	}
}

// TestRouteRestoreRollsBack: a refusal in the middle of a restore deletes
// the routes the restore added before it: nothing is half-applied.
func TestRouteRestoreRollsBack(t *testing.T) {
	k := onModel(t)
	for _, line := range []string{
		"link add v0 type veth peer name v1",
		"route add 10.3.0.0/16 dev v0",
		"route add 10.5.0.0/16 dev v0",
		"route add 10.6.0.0/16 dev v0",
	} {
		if code, _, stderr := nsnet("", line); code != 0 {
			t.Fatalf("%s: exit %d: %s", line, code, stderr)
		}
	}
	_, saved, _ := nsnet("", "route save")
	k.Routes = k.Routes[:1] // 10.3.0.0/16 stays: kept, not restored
	k.Fail[unix.RTM_NEWROUTE], k.Skip[unix.RTM_NEWROUTE] = unix.ENOBUFS, 2
	code, _, stderr := nsnet(saved, "route restore")
	if code == 0 || !strings.Contains(stderr, "restore route") {
		t.Errorf("route restore refused: exit %d, %q", code, stderr)
	}
	if len(k.Routes) != 1 || k.Routes[0].Dst.String() != "10.3.0.0/16" {
		t.Errorf("after the refused restore: %v, want only 10.3.0.0/16", k.Routes)
	}
}

// TestAddrSaveRestore: "address save" and "address restore" round trip;
// showdump names each address's link by index, as ip does.
func TestAddrSaveRestore(t *testing.T) {
	k := onModel(t)
	for _, line := range []string{
		"link add v0 type veth peer name v1",
		"addr add 10.1.0.1/24 dev v0",
		"addr add 10.1.1.1/24 dev v1",
	} {
		if code, _, stderr := nsnet("", line); code != 0 {
			t.Fatalf("%s: exit %d: %s", line, code, stderr)
		}
	}
	code, saved, stderr := nsnet("", "address save dev v0")
	if code != 0 || !strings.HasPrefix(saved, "\x22\x12\x36\x47") {
		t.Fatalf("address save: exit %d, %s", code, stderr)
	}
	idx := k.Links["v0"].Index
	code, listed, _ := nsnet(saved, "address showdump")
	if want := fmt.Sprintf("if%d:\n    inet 10.1.0.1/24 ", idx); code != 0 || !strings.HasPrefix(listed, want) || strings.Contains(listed, "10.1.1.1") {
		t.Errorf("address showdump: exit %d, %q, want it to start %q", code, listed, want)
	}
	if _, js, _ := nsnet(saved, "-j address showdump"); !strings.HasPrefix(js, fmt.Sprintf(`[{"addr_info":[{"index":%d,"family":"inet","local":"10.1.0.1"`, idx)) {
		t.Errorf("-j address showdump: %q", js)
	}
	k.Addrs = nil
	if code, _, stderr := nsnet(saved, "address restore"); code != 0 || len(k.Addrs) != 1 || k.Addrs[0].Prefix().String() != "10.1.0.1/24" {
		t.Errorf("address restore: exit %d (%s), addresses %v", code, stderr, k.Addrs)
	}
	if code, _, _ := nsnet(saved, "address restore"); code != 0 || len(k.Addrs) != 1 {
		t.Errorf("address restore of what is there: exit %d, addresses %v", code, k.Addrs)
	}
}

// TestSaveFileErrors: files that are not save files of the kind, or are
// cut short, are refused with one line and change nothing.
func TestSaveFileErrors(t *testing.T) {
	k := onModel(t)
	nsnet("", "link add v0 type veth peer name v1")
	nsnet("", "route add 10.3.0.0/16 dev v0")
	_, routes, _ := nsnet("", "route save")
	_, addrs, _ := nsnet("", "address save")
	k.Routes = nil
	for _, tc := range []struct{ stdin, line, want string }{
		{addrs, "route restore", "magic mismatch (1 elems, 47361222 magic)"},
		{routes, "address restore", "magic mismatch (1 elems, 45311224 magic)"},
		{routes[:2], "route showdump", "magic mismatch (0 elems, 1224 magic)"},
		{"", "route restore", "magic mismatch (0 elems, 0 magic)"},
		{routes + "\x10", "route restore", "truncated message"},
		{routes[:len(routes)-4], "route showdump", "truncated message"},
		{routes[:4] + "\x08\x00\x00\x00" + strings.Repeat("\x00", 12), "route restore", "malformed message"},
	} {
		code, _, stderr := nsnet(tc.stdin, tc.line)
		if code == 0 || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%s: exit %d, %q, want one line with %q", tc.line, code, stderr, tc.want)
		}
	}
	if len(k.Routes) != 0 {
		t.Errorf("a refused file restored %v", k.Routes)
	}
}

// sortedLines is s's lines in order.
func sortedLines(s string) string {
	l := strings.Split(s, "\n")
	slices.Sort(l)
	return strings.Join(l, "\n")
}
