package main

import (
	"encoding/json"
	"testing"

	"github.com/nsnet/nsnet/internal/jsonw"
)

// appendJSON must write exactly what encoding/json writes for the same
// values.
func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	strs := []string{"", "veth0", `q"b\s`, "tab\tnl\ncr\r", "<a&b>", "\x00\x1f", "héllo", "bad\xffutf8", "\u2028\u2029", "日本"}
	for _, s := range strs {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Errorf("%q: got %s, want %s", s, got, want)
		}
	}
	o := (&obj{}).add("ifindex", 3).add("ifname", "veth0").add("flags", []string{"UP", "LOWER_UP"}).
		add("mtu", uint32(1500)).add("up", true).add("nested", (&obj{}).add("x", int64(-1))).
		add("list", []*obj{(&obj{}).add("a", uint8(1))}).add("any", []any{"s", 2, nil}).
		add("raw", jsonw.Raw("0.25")).add("map", map[string]int{"k": 1})
	got, err := appendJSON(nil, o)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"ifindex":3,"ifname":"veth0","flags":["UP","LOWER_UP"],"mtu":1500,"up":true,"nested":{"x":-1},"list":[{"a":1}],"any":["s",2,null],"raw":0.25,"map":{"k":1}}`
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if !json.Valid(got) {
		t.Fatal("invalid JSON")
	}
}

func FuzzAppendJSONString(f *testing.F) {
	f.Add("veth0")
	f.Add("bad\xff")
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	})
}
