package main

import (
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
)

func parseFile(t *testing.T, text string) *batchFile {
	t.Helper()
	s := newSession(t.Context(), strings.NewReader(strings.TrimSpace(text)), io.Discard, io.Discard)
	b, err := readBatch(s, globals{}, "-", false)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A nat group reaches over link, address, route and netns add lines, and
// ends at a line that could see or change the table, at a nat line of
// another namespace, and at a line to run alone.
func TestNatAheadGroup(t *testing.T) {
	ls := parseFile(t, `nat masquerade add 10.200.0.0/16
netns add ns0
link add h0 type veth peer name eth0 netns ns0
addr add 10.200.0.1/30 dev h0
link set h0 up
-n ns0 route add default via 10.200.0.1 dev eth0
nat forward add up0 h0
-n ns0 nat forward add a b
nat forward add up0 h1
sysctl -w net.ipv4.ip_forward=1
nat forward add up0 h2`)
	a := newNatAhead(nil)
	if got, want := a.group(ls, 0), []int{0, 6}; !reflect.DeepEqual(got, want) {
		t.Errorf("group at line 1: %v, want %v (ends at the nat line of ns0)", got, want)
	}
	if got, want := a.group(ls, 8), []int{8}; !reflect.DeepEqual(got, want) {
		t.Errorf("group at line 9: %v, want %v (ends at sysctl)", got, want)
	}
	a.solo[6] = true
	if got, want := a.group(ls, 0), []int{0}; !reflect.DeepEqual(got, want) {
		t.Errorf("group with line 7 alone: %v, want %v", got, want)
	}
	// netns add of the group's own namespace ends it.
	ls = parseFile(t, `-n x nat forward add a b
netns add x
-n x nat forward add c d`)
	if got, want := newNatAhead(nil).group(ls, 0), []int{0}; !reflect.DeepEqual(got, want) {
		t.Errorf("group over netns add of its namespace: %v, want %v", got, want)
	}
}

// Which lines keep what a batch knows of its links, and which lines a
// namespace can be made ahead of.
func TestPipelineNeutralLines(t *testing.T) {
	ls := parseFile(t, `link add h0 type veth peer name eth0
addr add 10.0.0.1/24 dev h0
route add 10.1.0.0/16 dev h0
link set h0 up
link set h0 name h9
link set h0 netns ns1
link del h0
netns del ns1
netns exec ns1 true
nat forward add a b
netns add ns2
link show`)
	keeps := []bool{true, true, true, true, false, false, false, false, false, true, true, false}
	ahead := []bool{true, true, true, true, true, true, false, false, false, true, true, false}
	for i, l := range ls.lines {
		if got := keepsLinkNames(l.kind); got != keeps[i] {
			t.Errorf("keepsLinkNames(%q) = %v", l.text, got)
		}
		if got := aheadNeutral(l.kind); got != ahead[i] {
			t.Errorf("aheadNeutral(%q) = %v", l.text, got)
		}
	}
	n := linkNames{}
	n.remember("", "h0", 7)
	n.remember("ns1", "eth0", 2)
	if i, ok := n.index("ns1", "eth0"); !ok || i != 2 {
		t.Errorf("index ns1 eth0: %d %v", i, ok)
	}
	if _, ok := n.index("", "eth0"); ok {
		t.Error("eth0 known in the wrong namespace")
	}
	n.forget()
	if _, ok := n.index("", "h0"); ok {
		t.Error("forget kept h0")
	}
	var none linkNames
	none.remember("", "h0", 1) // outside a batch: nothing kept, no panic
	if _, ok := none.index("", "h0"); ok {
		t.Error("a nil linkNames knows h0")
	}
}

// A nat group holds at most natGroupMax lines; the line after them starts
// the next.
func TestNatAheadGroupMax(t *testing.T) {
	var b strings.Builder
	for i := range natGroupMax + 10 {
		fmt.Fprintf(&b, "nat forward add up0 h%d\nlink set lo up\n", i)
	}
	ls := parseFile(t, b.String())
	if got := newNatAhead(nil).group(ls, 0); len(got) != natGroupMax || got[natGroupMax-1] != 2*(natGroupMax-1) {
		t.Errorf("group of %d lines ending at %d, want %d ending at line index %d", len(got), got[len(got)-1], natGroupMax, 2*(natGroupMax-1))
	}
	if got := newNatAhead(nil).group(ls, 2*natGroupMax); len(got) != 10 {
		t.Errorf("the next group holds %d lines, want 10", len(got))
	}
}
