package cni

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// toStd turns a tree of parseJSON into what encoding/json decodes (numbers
// as json.Number) for comparison.
func toStd(v any) any {
	switch v := v.(type) {
	case jsonNum:
		return json.Number(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = toStd(e)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			out[k] = toStd(e)
		}
		return out
	}
	return v
}

func stdDecode(b []byte) (any, error) {
	if !json.Valid(b) {
		return nil, errJSONType
	}
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	return v, err
}

var jsonSeeds = []string{
	`{"cniVersion":"1.0.0","name":"n","plugins":[{"type":"bridge","mtu":1500,"ipMasq":true,"x":null}]}`,
	`[1,-2,3.5,1e3,-0.5E-2,0]`, `"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00"`, `"\ud800x"`, `{}`, `[]`, ` true `, `null`,
	`{"a":1,"a":2}`, `01`, `1.`, `-`, `[1,]`, `{"a"}`, `{"a":1,}`, "\"\x01\"", `"\x"`, `[1 2]`, `{"a":1}x`, "\"\xff\"",
	`[[[[[[[[[[]]]]]]]]]]`, `1e`, `"\u12"`,
}

// TestJSONLikeStd: the reader accepts what encoding/json accepts and
// decodes it to the same values.
func TestJSONLikeStd(t *testing.T) {
	for _, s := range jsonSeeds {
		checkJSONLikeStd(t, []byte(s))
	}
	if _, err := parseJSON([]byte(strings.Repeat("[", 1000) + strings.Repeat("]", 1000))); err == nil {
		t.Error("depth 1000 accepted")
	}
}

func checkJSONLikeStd(t *testing.T, b []byte) {
	t.Helper()
	got, err := parseJSON(b)
	want, werr := stdDecode(b)
	if (err == nil) != (werr == nil) {
		if err != nil && strings.Contains(err.Error(), "nested deeper") {
			return
		}
		t.Fatalf("%q: parseJSON error %v, encoding/json error %v", b, err, werr)
	}
	if err == nil && !reflect.DeepEqual(toStd(got), want) {
		t.Fatalf("%q: parseJSON %#v, encoding/json %#v", b, toStd(got), want)
	}
}

func FuzzJSON(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkJSONLikeStd(t, b)
		// Whatever decodes as a configuration must not crash the rest.
		if c, err := ParseConf(b); err == nil {
			rangeSets(c)
			c.requestedIPs(map[string]string{})
			portMaps(c.Ports, nil)
		}
		if r, v, err := ParseResult(b); err == nil {
			if _, err := r.Encode(v); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// TestJSONStringsLikeStd: strings written as encoding/json writes them.
func TestJSONStringsLikeStd(t *testing.T) {
	for _, s := range []string{"plain", "q\"b\\s", "ctl\x01\x1f\n\r\t", "<html>&", "é😀", "\xff", "\u2028\u2029"} {
		want, _ := json.Marshal(s)
		if got := string(appendJSONString(nil, s)); got != string(want) {
			t.Errorf("%q: %s, encoding/json %s", s, got, want)
		}
	}
}
