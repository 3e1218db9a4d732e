package rtnl

import "testing"

// Round trips the other tests do not cover: the nsid request/reply pair,
// a bridge's boolean options, and every macvlan mode under both kinds.

func TestNSIDRoundTrip(t *testing.T) {
	for _, id := range []int{0, 1, 42, 1<<31 - 1, NSIDNone} {
		b, err := nsidRequest(5, true, id)
		if err != nil {
			t.Fatal(err)
		}
		got, ok, err := decodeNSID(b)
		if err != nil || !ok || got != id {
			t.Errorf("decodeNSID(nsidRequest(%d)) = %d, %v, %v", id, got, ok, err)
		}
	}
	b, err := nsidRequest(5, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	if id, ok, err := decodeNSID(b); err != nil || ok || id != NSIDNone {
		t.Errorf("request without an id decodes as %d, %v, %v", id, ok, err)
	}
}

func TestBridgeBoolOptsRoundTrip(t *testing.T) {
	m := &LinkMessage{Attrs: LinkAttrs{Name: "br1", Info: &LinkInfo{Kind: "bridge", Data: &Bridge{
		STPState: new(uint32(0)), BoolOpts: &BridgeBoolOpts{Values: 1, Mask: 3},
	}}}}
	roundTrip(t, m, &LinkMessage{})
}

func TestMacvlanModesRoundTrip(t *testing.T) {
	for _, kind := range []string{"macvlan", "macvtap"} {
		for _, mode := range []MacvlanMode{MacvlanPrivate, MacvlanVEPA, MacvlanBridge, MacvlanPassthru, MacvlanSource} {
			m := &LinkMessage{Attrs: LinkAttrs{Name: "mv1", Link: new(uint32(2)), Info: &LinkInfo{Kind: kind, Data: &Macvlan{Mode: new(mode)}}}}
			t.Run(kind+"/"+mode.String(), func(t *testing.T) { roundTrip(t, m, &LinkMessage{}) })
		}
	}
}
