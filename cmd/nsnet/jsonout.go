package main

import (
	"strconv"

	"github.com/nsnet/nsnet/internal/jsonw"
)

// JSON output: printJSON, the ordered object the printers build (iproute2's
// keys come in a fixed order that Go maps would sort away) and appendJSON,
// which writes it; listjson.go streams the big listings.

// printJSON writes v as JSON on one line, or indented with -pretty.
func (e *env) printJSON(v any) error {
	var b []byte
	var err error
	switch v.(type) {
	case *obj, []*obj, []any:
		b, err = appendJSON(nil, v)
		if err == nil && e.opt.pretty {
			b = ipPretty(b)
		}
	default:
		b, err = jsonw.Append(nil, v)
		if err == nil && e.opt.pretty {
			b = ipPretty(b)
		}
	}
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = e.out.Write(b)
	return err
}

// appendJSON appends v as compact JSON. The shapes the object printers
// build (ordered objects, slices, strings, numbers, booleans) are written
// without reflection; other values go through jsonw.
func appendJSON(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case *obj:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '{')
		for i, k := range v.keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			var err error
			if b, err = appendJSON(b, v.vals[i]); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	case []*obj:
		b = append(b, '[')
		for i, o := range v {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendJSON(b, o); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case []any:
		b = append(b, '[')
		for i, o := range v {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendJSON(b, o); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case []string:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, s := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, s)
		}
		return append(b, ']'), nil
	case string:
		return appendJSONString(b, v), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int32:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case uint8:
		return strconv.AppendUint(b, uint64(v), 10), nil
	case uint16:
		return strconv.AppendUint(b, uint64(v), 10), nil
	case uint32:
		return strconv.AppendUint(b, uint64(v), 10), nil
	case uint64:
		return strconv.AppendUint(b, v, 10), nil
	case jsonw.Raw:
		return append(b, v...), nil
	}
	return jsonw.Append(b, v)
}

// appendJSONString appends s as a JSON string, escaping what JSON requires
// and <, > and &, and replacing invalid UTF-8 with U+FFFD, as encoding/json
// does.
func appendJSONString(b []byte, s string) []byte { return jsonw.AppendString(b, s, true) }

// obj is a JSON object whose keys keep the order they were added in.
type obj struct {
	keys []string
	vals []any
}

//go:noinline
func (o *obj) add(k string, v any) *obj {
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
	return o
}

// AppendJSON writes the keys in order (jsonw.Appender).
func (o *obj) AppendJSON(b []byte) ([]byte, error) { return appendJSON(b, o) }
