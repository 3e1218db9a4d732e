package main

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestSplitPlainMatchesQuoted checks that splitWords' fast path for lines
// without quotes, backslashes or '#' splits them as the general one does.
func TestSplitPlainMatchesQuoted(t *testing.T) {
	cases := []string{"", " ", "\t\r ", "a", " a ", "netns add ns0", "-n ns1  link set\teth0 up\r",
		"a\nb", "x\vy\fz", "é ü", "addr add 10.200.0.1/30 dev h0"}
	const alphabet = "ab \t\r\n\v-/é"
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := make([]rune, r.IntN(12))
		for i := range b {
			b[i] = []rune(alphabet)[r.IntN(len([]rune(alphabet)))]
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		want, err := splitQuoted(s)
		if err != nil {
			t.Fatalf("splitQuoted(%q): %v", s, err)
		}
		if got := splitPlain(s); !reflect.DeepEqual(got, want) {
			t.Fatalf("splitPlain(%q) = %q, want %q", s, got, want)
		}
	}
}
