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
