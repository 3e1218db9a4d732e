package cni

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/nsnet/nsnet/internal/jsonv"
	"github.com/nsnet/nsnet/internal/jsonw"
)

// A small JSON reader and writer, so that the plugin does without
// encoding/json's reflection. Values decode to a tree: nil, bool, jsonNum,
// string, []any and map[string]any (a repeated key: the last one wins).

// jsonNum is a JSON number as written.
type jsonNum = jsonv.Number

// parseJSON decodes one JSON value that fills b (white space aside).
func parseJSON(b []byte) (any, error) { return jsonv.Parse(b) }

// jsonObj reads typed fields out of a decoded object; the first type
// error sticks and names the key's path.
type jsonObj struct {
	m    map[string]any
	path string
	err  *error
}

var errJSONType = errors.New("wrong JSON type")

func (o jsonObj) fail(key, want string, v any) {
	if *o.err == nil {
		*o.err = fmt.Errorf("%w: %s%s is %s, want %s", errJSONType, o.path, key, jsonKind(v), want)
	}
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case jsonNum:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "?"
}

func (o jsonObj) has(key string) bool {
	v, ok := o.m[key]
	return ok && v != nil
}

func (o jsonObj) str(key string, dst *string) {
	switch v := o.m[key].(type) {
	case nil:
	case string:
		*dst = v
	default:
		o.fail(key, "a string", v)
	}
}

func (o jsonObj) boolean(key string, dst *bool) {
	switch v := o.m[key].(type) {
	case nil:
	case bool:
		*dst = v
	default:
		o.fail(key, "a boolean", v)
	}
}

func (o jsonObj) boolPtr(key string, dst **bool) {
	if o.has(key) {
		var b bool
		o.boolean(key, &b)
		*dst = &b
	}
}

func (o jsonObj) integer(key string, dst *int) {
	switch v := o.m[key].(type) {
	case nil:
	case jsonNum:
		n, err := strconv.ParseInt(string(v), 10, 32)
		if err != nil {
			o.fail(key, "an integer", v)
			return
		}
		*dst = int(n)
	default:
		o.fail(key, "an integer", v)
	}
}

func (o jsonObj) intPtr(key string, dst **int) {
	if o.has(key) {
		var n int
		o.integer(key, &n)
		*dst = &n
	}
}

func (o jsonObj) strings(key string, dst *[]string) {
	for i, v := range o.array(key) {
		s, ok := v.(string)
		if !ok {
			o.fail(key+"["+strconv.Itoa(i)+"]", "a string", v)
			return
		}
		*dst = append(*dst, s)
	}
}

func (o jsonObj) array(key string) []any {
	switch v := o.m[key].(type) {
	case nil:
	case []any:
		return v
	default:
		o.fail(key, "an array", v)
	}
	return nil
}

func (o jsonObj) obj(key string) jsonObj {
	sub := jsonObj{path: o.path + key + ".", err: o.err}
	switch v := o.m[key].(type) {
	case nil:
	case map[string]any:
		sub.m = v
	default:
		o.fail(key, "an object", v)
	}
	return sub
}

// objects returns the objects of the array at key.
func (o jsonObj) objects(key string) []jsonObj {
	var out []jsonObj
	for i, v := range o.array(key) {
		m, ok := v.(map[string]any)
		if !ok {
			o.fail(key+"["+strconv.Itoa(i)+"]", "an object", v)
			return nil
		}
		out = append(out, jsonObj{m: m, path: o.path + key + "[" + strconv.Itoa(i) + "].", err: o.err})
	}
	return out
}

// jsonWriter builds JSON text.
type jsonWriter struct {
	b     []byte
	comma bool
}

func (w *jsonWriter) open(c byte) {
	w.sep()
	w.b = append(w.b, c)
	w.comma = false
}

func (w *jsonWriter) close(c byte) {
	w.b = append(w.b, c)
	w.comma = true
}

func (w *jsonWriter) sep() {
	if w.comma {
		w.b = append(w.b, ',')
	}
	w.comma = false
}

func (w *jsonWriter) key(k string) {
	w.sep()
	w.b = appendJSONString(w.b, k)
	w.b = append(w.b, ':')
}

func (w *jsonWriter) str(s string) {
	w.sep()
	w.b = appendJSONString(w.b, s)
	w.comma = true
}

func (w *jsonWriter) num(n int) {
	w.sep()
	w.b = strconv.AppendInt(w.b, int64(n), 10)
	w.comma = true
}

// field writes "k":"v" unless v is empty.
func (w *jsonWriter) field(k, v string) {
	if v != "" {
		w.key(k)
		w.str(v)
	}
}

// intField writes "k":n unless n is 0.
func (w *jsonWriter) intField(k string, n int) {
	if n != 0 {
		w.key(k)
		w.num(n)
	}
}

func (w *jsonWriter) strings(k string, ss []string) {
	if len(ss) == 0 {
		return
	}
	w.key(k)
	w.open('[')
	for _, s := range ss {
		w.str(s)
	}
	w.close(']')
}

// appendJSONString appends s quoted, escaping what JSON requires and the
// HTML-sensitive <, > and & as encoding/json does (nsnet's one string
// escaper, jsonw's).
func appendJSONString(b []byte, s string) []byte { return jsonw.AppendString(b, s, true) }
