package jsonv

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// fromStd converts encoding/json's UseNumber tree to this package's.
func fromStd(v any) any {
	switch v := v.(type) {
	case json.Number:
		return Number(v)
	case []any:
		for i := range v {
			v[i] = fromStd(v[i])
		}
	case map[string]any:
		for k := range v {
			v[k] = fromStd(v[k])
		}
	}
	return v
}

func std(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() || d.InputOffset() != int64(len(bytes.TrimRight(b, " \t\r\n"))) {
		return nil, json.Unmarshal(b, &v) // trailing data: Unmarshal's error
	}
	return fromStd(v), nil
}

// Parse accepts what encoding/json accepts and decodes it to the same
// values (numbers as written).
func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"a":[1,-2.5e3,true,false,null,"x\u00e9\ud83d\ude00"],"a":{}}`, `[]`, `"\ud800"`, `01`, `1.`, `-`, `{"a" 1}`,
		`[1,]`, "\"\xff\"", `"\t"`, ` 7 `, `[1] x`, `1e400`, `{"k":"v"}` + "\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := Parse(b)
		want, serr := std(b)
		if (err == nil) != (serr == nil) {
			t.Fatalf("%q: Parse error %v, encoding/json's %v", b, err, serr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: Parse %#v, encoding/json %#v", b, got, want)
		}
	})
}

func TestDepth(t *testing.T) {
	if _, err := Parse([]byte(strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1))); err == nil {
		t.Errorf("nesting past MaxDepth accepted")
	}
	if _, err := Parse([]byte(strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth))); err != nil {
		t.Errorf("nesting of MaxDepth refused: %v", err)
	}
}

// TestDecodeBase64 checks DecodeBase64 against encoding/base64's strict
// standard encoding on every length up to 300 and on malformed input.
func TestDecodeBase64(t *testing.T) {
	src := make([]byte, 300)
	for i := range src {
		src[i] = byte(i*7 + 3)
	}
	for n := 0; n <= len(src); n++ {
		s := base64.StdEncoding.EncodeToString(src[:n])
		got, err := DecodeBase64(s)
		if err != nil || !bytes.Equal(got, src[:n]) {
			t.Fatalf("length %d: %x, %v", n, got, err)
		}
	}
	for _, s := range []string{"A", "AB=", "AB=A", "A===", "====", "AB*=", "ABC-", "AB==AAAA", "AB c", "AR==", "ABD="} {
		_, want := base64.StdEncoding.Strict().DecodeString(s)
		if _, err := DecodeBase64(s); (err == nil) != (want == nil) {
			t.Errorf("%q: error %v, encoding/base64 says %v", s, err, want)
		}
	}
}
