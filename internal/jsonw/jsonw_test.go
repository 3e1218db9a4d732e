package jsonw

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math"
	"net/netip"
	"testing"
)

type inner struct {
	A int    `json:"a"`
	B string `json:"b,omitempty"`
}

type embedded struct {
	E string `json:"e"`
}

type sample struct {
	embedded
	Name    string            `json:"name"`
	Skip    int               `json:"-"`
	Opt     *int              `json:"opt,omitempty"`
	Ptr     *int              `json:"ptr"`
	F       float64           `json:"f"`
	F32     float32           `json:"f32"`
	PF      *float64          `json:"pf,omitempty"`
	Addr    netip.Addr        `json:"addr"`
	PAddr   *netip.Addr       `json:"paddr,omitempty"`
	List    []string          `json:"list"`
	Empty   []string          `json:"empty,omitempty"`
	Inner   []inner           `json:"inner"`
	M       map[string]any    `json:"m"`
	Bytes   []byte            `json:"bytes"`
	Arr     [2]uint8          `json:"arr"`
	Any     any               `json:"any"`
	NoTag   bool              //
	Str     int               `json:"str,string"`
	Ms      map[string]string `json:"ms,omitempty"`
	Raw     Raw               `json:"raw"`
	RawNull Raw               `json:"raw_null"`
}

type self struct{ n int }

func (s self) AppendJSON(b []byte) ([]byte, error) {
	return append(b, `{"self":`+string(rune('0'+s.n))+`}`...), nil
}

// The writer's output must be byte for byte what encoding/json marshals.
func TestMatchesEncodingJSON(t *testing.T) {
	one, f := 1, 0.000125
	a := netip.MustParseAddr("fe80::1")
	values := []any{
		nil, true, false, 0, -7, uint64(math.MaxUint64), int8(-3), 1.5, 1e21, 1e-7, 123456789.0, float32(0.1), math.Copysign(0, -1),
		"", "plain", "<a&b>", "tab\tnl\n\"q\"\\ \x01 \x7f", "\xff\xfe bad utf8", "\u2028\u2029", "héllo ☃",
		[]string(nil), []string{}, []int{1, 2}, map[string]int{"b": 2, "a": 1}, map[string]any(nil),
		[]any{1, "x", nil, []any{}, map[string]any{}},
		sample{}, &sample{
			embedded: embedded{E: "e"}, Name: "n", Skip: 3, Opt: &one, Ptr: &one, F: 2.5, F32: 1.25, PF: &f,
			Addr: a, PAddr: &a, List: []string{"x"}, Inner: []inner{{A: 1}, {A: 2, B: "b"}},
			M: map[string]any{"z": 1, "a": []int{}, "m": map[string]bool{"t": true}}, Bytes: []byte("hi"),
			Arr: [2]uint8{1, 2}, Any: inner{}, NoTag: true, Str: 42, Ms: map[string]string{"k": "v"},
			Raw: Raw(`{"x":1}`),
		},
		(*sample)(nil),
	}
	for _, v := range values {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("encoding/json %#v: %v", v, err)
		}
		// encoding/json reports Raw as bytes (base64); RawMessage is its own.
		if s, ok := v.(*sample); ok && s != nil {
			want = bytes.Replace(want, []byte(`"raw":"eyJ4IjoxfQ=="`), []byte(`"raw":{"x":1}`), 1)
		}
		got, err := Append(nil, v)
		if err != nil {
			t.Fatalf("Append %#v: %v", v, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("Append %#v:\n got %s\nwant %s", v, got, want)
		}
		var ind bytes.Buffer
		if err := json.Indent(&ind, want, "> ", "    "); err != nil {
			t.Fatal(err)
		}
		if gi := Indent(nil, got, "> ", "    "); !bytes.Equal(gi, ind.Bytes()) {
			t.Errorf("Indent %s:\n got %s\nwant %s", got, gi, ind.Bytes())
		}
	}
}

func TestNoHTMLAndAppender(t *testing.T) {
	got, err := AppendNoHTML(nil, map[string]any{"k": "<&>", "s": self{n: 3}, "p": &self{n: 4}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"k":"<&>","p":{"self":4},"s":{"self":3}}`; string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestUnsupported(t *testing.T) {
	for _, v := range []any{math.NaN(), math.Inf(1), make(chan int), func() {}, map[int]int{1: 1}, complex(1, 2)} {
		if b, err := Append(nil, v); err == nil {
			t.Errorf("Append(%T) = %s, want an error", v, b)
		}
	}
}

func FuzzString(f *testing.F) {
	for _, s := range []string{"", "a", "<>&", "\xff", "\u2028", "\x00\x1f\"\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := AppendString(nil, s, true); !bytes.Equal(got, want) {
			t.Errorf("AppendString(%q) = %s, want %s", s, got, want)
		}
		var ind bytes.Buffer
		_ = json.Indent(&ind, want, "", "  ")
		if got := Indent(nil, want, "", "  "); !bytes.Equal(got, ind.Bytes()) {
			t.Errorf("Indent(%s) = %s, want %s", want, got, ind.Bytes())
		}
	})
}

func FuzzFloat(f *testing.F) {
	for _, v := range []float64{0, 1, -1.5, 1e-7, 1e21, 1e20, 123.456, math.SmallestNonzeroFloat64, math.MaxFloat64} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v float64) {
		want, err := json.Marshal(v)
		got, gerr := AppendFloat(nil, v, 64)
		if (err == nil) != (gerr == nil) || !bytes.Equal(got, want) {
			t.Errorf("AppendFloat(%v) = %s, %v; want %s, %v", v, got, gerr, want, err)
		}
		want32, _ := json.Marshal(float32(v))
		if got, _ := AppendFloat(nil, float64(float32(v)), 32); err == nil && !math.IsInf(float64(float32(v)), 0) && !bytes.Equal(got, want32) {
			t.Errorf("AppendFloat32(%v) = %s, want %s", float32(v), got, want32)
		}
	})
}

// appendBase64 is encoding/base64's StdEncoding for every length and byte.
func TestAppendBase64(t *testing.T) {
	src := make([]byte, 300)
	for i := range src {
		src[i] = byte(i*7 + i>>3)
	}
	for n := 0; n <= len(src); n++ {
		want := base64.StdEncoding.EncodeToString(src[:n])
		if got := string(appendBase64([]byte("x"), src[:n])); got != "x"+want {
			t.Fatalf("appendBase64 of %d bytes = %q, want %q", n, got, "x"+want)
		}
	}
}
