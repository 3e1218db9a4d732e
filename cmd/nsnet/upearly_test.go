package main

import (
	"context"
	"io"
	"testing"
)

// TestUpEarlyKeysAndNeutrality: which lines of an up file make their
// namespace ahead (EarlyKey) and which lines it can be made across
// (Neutral to its key), as nsAhead decides for a batch.
func TestUpEarlyKeysAndNeutrality(t *testing.T) {
	f := writeUpFile(t,
		"netns add ns1",
		"-n ns0 netns add ns2",
		"link add h1 type veth peer name eth0 netns ns1",
		"-n ns1 addr add 10.0.0.1/24 dev eth0",
		"-n ns3 route add default via 10.0.0.1 dev eth0",
		"nat forward add up0 h1",
		"sysctl -w net.ipv4.ip_forward=1",
		"link set h1 netns ns3",
		"link del h1",
	)
	s := newSession(context.Background(), nil, io.Discard, io.Discard)
	defer s.close()
	e := &env{s: s, out: io.Discard, ctx: s.ctx}
	steps, err := loadSteps(e, f)
	if err != nil {
		t.Fatal(err)
	}
	ls := lineSteps(s, steps)
	key := func(i int) string { return ls[i].(lineStep).EarlyKey() }
	if key(0) != "" {
		t.Fatalf("a key without a look-ahead: %q", key(0))
	}
	s.early = &upEarly{}
	if key(0) != earlyKey+"ns1" || key(1) != "" || key(2) != "" {
		t.Fatalf("keys %q %q %q", key(0), key(1), key(2))
	}
	if (lineStep{s: s, st: steps[0], cmd: steps[0].l.cmd}).EarlyKey() != "" {
		t.Fatal("an undo has a key")
	}
	// Across which lines can `netns add ns3` (a later line) be made?
	want := []bool{true, true, true, true, false, true, false, false, false}
	for i, w := range want {
		if got := ls[i].(lineStep).Neutral(earlyKey + "ns3"); got != w {
			t.Errorf("line %d %q: neutral to netns add ns3 %v, want %v", i+1, steps[i].l.text, got, w)
		}
	}
	// A line naming the namespace holds it back.
	if ls[3].(lineStep).Neutral(earlyKey+"ns1") || ls[2].(lineStep).Neutral(earlyKey+"ns1") {
		t.Error("a line naming ns1 is neutral to its netns add")
	}
}

// TestUpScopes: what each line of an up file lives in (upScopes), across
// the renames, moves and deletions that end what is known of a link or
// a namespace.
func TestUpScopes(t *testing.T) {
	f := writeUpFile(t,
		"netns add a", // 0 creates netns a#0
		"link add h0 type veth peer name e0 netns a", // 1 in a (peer there), creates link 1
		"addr add 10.0.0.1/24 dev h0",                // 2 in link 1
		"-n a addr add 10.0.0.2/24 dev e0",           // 3 in a
		"link set h0 name h1",                        // 4 in link 1, h1 carries it
		"link set h1 up",                             // 5 in link 1
		"addr add 10.0.1.1/24 dev h0",                // 6 h0 is known no more: nothing
		"netns add b",                                // 7 creates netns b#7
		"-n b link add br0 type bridge",              // 8 in b, creates link 8
		"-n b link set br0 netns a",                  // 9 moved: nothing
		"-n b addr add 10.0.2.1/24 dev br0",          // 10 in b (the namespace), not the link
		"link del h1",                                // 11 in nothing
		"link set h1 up",                             // 12 deleted: nothing
		"-n b route add 10.8.0.0/16 dev lo",          // 15 in b
		"sysctl -w net.ipv4.ip_forward=1",            // 16 nothing
	)
	s := newSession(context.Background(), nil, io.Discard, io.Discard)
	defer s.close()
	steps, err := loadSteps(&env{s: s, out: io.Discard, ctx: s.ctx}, f)
	if err != nil {
		t.Fatal(err)
	}
	want := []upScope{
		{creates: "netns a#0"}, {in: "netns a#0", creates: "link 1"}, {in: "link 1"}, {in: "netns a#0"},
		{in: "link 1"}, {in: "link 1"}, {}, {creates: "netns b#7"}, {in: "netns b#7", creates: "link 8"},
		{}, {in: "netns b#7"}, {}, {}, {in: "netns b#7"}, {},
	}
	got := upScopes(steps)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d %q: %+v, want %+v", i+1, steps[i].l.text, got[i], want[i])
		}
	}
}
