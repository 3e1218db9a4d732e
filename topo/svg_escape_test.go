package topo

import (
	"bytes"
	"encoding/xml"
	"testing"
)

// svgText must escape exactly as encoding/xml's EscapeText.
func FuzzSVGText(f *testing.F) {
	for _, s := range []string{"", "ns-a", `<a href="x">&'</a>`, "tab\tnl\ncr\r", "\x00\x01\xff", "\ufffe\uffff\U0001F600", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want bytes.Buffer
		_ = xml.EscapeText(&want, []byte(s))
		if got := svgText(s); got != want.String() {
			t.Errorf("svgText(%q) = %q, want %q", s, got, want.String())
		}
	})
}
