package nat

import (
	"encoding/hex"
	"reflect"
	"strings"
	"testing"

	"github.com/nsnet/nsnet/internal/nltrace"
)

func fuzzSeeds(f *testing.F) {
	for _, g := range goldenRules {
		b, _ := hex.DecodeString(g.hex)
		f.Add(b)
	}
	r := Rule{Family: FamilyINet, Table: "t", Chain: "c", Handle: 9, Exprs: allExprs, Comment: "x"}
	b, _ := r.MarshalBinary()
	f.Add(b)
	f.Add([]byte{})
	f.Add([]byte{1, 0, 0, 0, 4, 0, 4, 0})
}

// FuzzRule: decoding any bytes as a rule never panics, and a decoded rule
// encodes to bytes that decode to the same rule.
func FuzzRule(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		var r Rule
		if err := r.UnmarshalBinary(b); err != nil {
			return
		}
		Describe(r.Exprs)
		group([]Rule{r})
		enc, err := r.MarshalBinary()
		if err != nil {
			return // a comment too long to send
		}
		var again Rule
		if err := again.UnmarshalBinary(enc); err != nil {
			t.Fatalf("re-decode: %v\n%x", err, enc)
		}
		if !reflect.DeepEqual(r, again) {
			t.Fatalf("unstable:\n%#v\n%#v", r, again)
		}
	})
}

// FuzzExprs: the same for an expression list alone, and the trace
// printer survives the bytes too.
func FuzzExprs(f *testing.F) {
	fuzzSeeds(f)
	b, _ := EncodeExprs(allExprs)
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		var sb strings.Builder
		nltrace.FormatAttrs(&sb, b, &ruleSpace, 0)
		exprs, err := DecodeExprs(b)
		if err != nil {
			return
		}
		Describe(exprs)
		enc, err := EncodeExprs(exprs)
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		again, err := DecodeExprs(enc)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if !reflect.DeepEqual(exprs, again) {
			t.Fatalf("unstable:\n%#v\n%#v", exprs, again)
		}
	})
}
