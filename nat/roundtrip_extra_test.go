package nat

import (
	"reflect"
	"strings"
	"testing"
)

// Round trips the other tests do not cover: every family in the nfgenmsg
// header, rules without expressions or with the longest comment, and base
// chains on every hook with both policies.

var allFamilies = []Family{FamilyUnspec, FamilyINet, FamilyIPv4, FamilyARP, FamilyNetdev, FamilyBridge, FamilyIPv6}

func TestNfgenmsgRoundTrip(t *testing.T) {
	for _, f := range allFamilies {
		got, rest, err := splitNfgenmsg(append(nfgenmsg(f, 0x1234), 1, 2))
		if err != nil || got != f || !reflect.DeepEqual(rest, []byte{1, 2}) {
			t.Errorf("family %d: got %d %v %v", f, got, rest, err)
		}
	}
	if _, _, err := splitNfgenmsg([]byte{2, 0, 0}); err == nil {
		t.Error("short nfgenmsg accepted")
	}
}

func TestRuleRoundTripExtra(t *testing.T) {
	for _, r := range []Rule{
		{Family: FamilyIPv4, Table: "t", Chain: "c"},
		{Family: FamilyIPv6, Table: "t", Chain: "c", Handle: 1<<64 - 1},
		{Family: FamilyINet, Table: "nsnet", Chain: "postrouting", Comment: strings.Repeat("c", MaxComment)},
		{Family: FamilyBridge, Table: "t", Chain: "c", Exprs: []Expr{&Counter{}}, Comment: "x"},
	} {
		b, err := r.MarshalBinary()
		if err != nil {
			t.Fatalf("%+v: %v", r, err)
		}
		var got Rule
		if err := got.UnmarshalBinary(b); err != nil || !reflect.DeepEqual(got, r) {
			t.Errorf("rule round trip:\n got %#v %v\nwant %#v", got, err, r)
		}
	}
	long := Rule{Family: FamilyINet, Table: "t", Chain: "c", Comment: strings.Repeat("c", MaxComment+1)}
	if _, err := long.MarshalBinary(); err == nil {
		t.Error("a comment over MaxComment was encoded")
	}
}

func TestCommentRoundTrip(t *testing.T) {
	for n := 1; n <= MaxComment; n++ {
		c := strings.Repeat("é", n)[:n]
		got, ok := decodeComment(encodeComment(c))
		if !ok || got != c {
			t.Fatalf("comment of %d bytes: got %q %v", n, got, ok)
		}
	}
}

func TestChainRoundTripExtra(t *testing.T) {
	for _, f := range allFamilies {
		for h := HookPrerouting; h <= HookIngress; h++ {
			for _, p := range []Policy{PolicyDrop, PolicyAccept} {
				ch := Chain{Family: f, Table: "t", Name: "c", Base: &BaseChain{Type: ChainNAT, Hook: h, Priority: -300, Policy: p}}
				b, err := ch.MarshalBinary()
				if err != nil {
					t.Fatal(err)
				}
				var got Chain
				if err := got.UnmarshalBinary(b); err != nil || !reflect.DeepEqual(got, ch) {
					t.Fatalf("chain round trip:\n got %#v %v\nwant %#v", got, err, ch)
				}
			}
		}
	}
}

func TestTableRoundTripExtra(t *testing.T) {
	for _, f := range allFamilies {
		for _, fl := range []TableFlags{0, TableDormant, TableOwner | TablePersist} {
			tb := Table{Family: f, Name: "t", Flags: fl}
			b, err := tb.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			var got Table
			if err := got.UnmarshalBinary(b); err != nil || got != tb {
				t.Fatalf("table round trip: got %#v %v, want %#v", got, err, tb)
			}
		}
	}
}
