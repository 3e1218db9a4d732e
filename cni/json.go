package cni

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// A small JSON reader and writer, so that the plugin does without
// encoding/json's reflection. Values decode to a tree: nil, bool, jsonNum,
// string, []any and map[string]any (a repeated key: the last one wins).

// jsonNum is a JSON number as written.
type jsonNum string

// maxJSONDepth bounds nesting, so that hostile input cannot exhaust the
// stack.
const maxJSONDepth = 256

type jsonParser struct {
	b   []byte
	i   int
	dep int
}

// parseJSON decodes one JSON value that fills b (white space aside).
func parseJSON(b []byte) (any, error) {
	p := &jsonParser{b: b}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.b) {
		return nil, p.errorf("unexpected %q after the value", p.b[p.i])
	}
	return v, nil
}

func (p *jsonParser) errorf(format string, args ...any) error {
	return fmt.Errorf("offset %d: "+format, append([]any{p.i}, args...)...)
}

func (p *jsonParser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) value() (any, error) {
	p.space()
	if p.i >= len(p.b) {
		return nil, p.errorf("unexpected end of input")
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		return p.str()
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case p.word("true"):
		return true, nil
	case p.word("false"):
		return false, nil
	case p.word("null"):
		return nil, nil
	default:
		return nil, p.errorf("unexpected %q", c)
	}
}

func (p *jsonParser) word(w string) bool {
	if strings.HasPrefix(string(p.b[p.i:min(len(p.b), p.i+len(w))]), w) {
		p.i += len(w)
		return true
	}
	return false
}

func (p *jsonParser) nest() error {
	p.dep++
	if p.dep > maxJSONDepth {
		return p.errorf("nested deeper than %d", maxJSONDepth)
	}
	return nil
}

func (p *jsonParser) object() (any, error) {
	if err := p.nest(); err != nil {
		return nil, err
	}
	p.i++ // {
	m := map[string]any{}
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		p.dep--
		return m, nil
	}
	for {
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return nil, p.errorf("want a key")
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return nil, p.errorf("want ':' after key %q", k)
		}
		p.i++
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		m[k] = v
		p.space()
		if p.i >= len(p.b) {
			return nil, p.errorf("unexpected end of input in an object")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			p.dep--
			return m, nil
		default:
			return nil, p.errorf("want ',' or '}' in an object, got %q", p.b[p.i])
		}
	}
}

func (p *jsonParser) array() (any, error) {
	if err := p.nest(); err != nil {
		return nil, err
	}
	p.i++ // [
	a := []any{}
	p.space()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		p.dep--
		return a, nil
	}
	for {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		p.space()
		if p.i >= len(p.b) {
			return nil, p.errorf("unexpected end of input in an array")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			p.dep--
			return a, nil
		default:
			return nil, p.errorf("want ',' or ']' in an array, got %q", p.b[p.i])
		}
	}
}

func (p *jsonParser) number() (any, error) {
	start := p.i
	if p.b[p.i] == '-' {
		p.i++
	}
	digits := func() int {
		n := 0
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	intStart := p.i
	if digits() == 0 || (p.b[intStart] == '0' && p.i-intStart > 1) {
		return nil, p.errorf("invalid number %q", p.b[start:p.i])
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return nil, p.errorf("invalid number %q", p.b[start:p.i])
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return nil, p.errorf("invalid number %q", p.b[start:p.i])
		}
	}
	return jsonNum(p.b[start:p.i]), nil
}

func (p *jsonParser) str() (string, error) {
	p.i++ // "
	var sb strings.Builder
	for {
		if p.i >= len(p.b) {
			return "", p.errorf("unterminated string")
		}
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return sb.String(), nil
		case c < 0x20:
			return "", p.errorf("control character in a string")
		case c == '\\':
			if p.i+1 >= len(p.b) {
				return "", p.errorf("unterminated string")
			}
			e := p.b[p.i+1]
			p.i += 2
			switch e {
			case '"', '\\', '/':
				sb.WriteByte(e)
			case 'b':
				sb.WriteByte('\b')
			case 'f':
				sb.WriteByte('\f')
			case 'n':
				sb.WriteByte('\n')
			case 'r':
				sb.WriteByte('\r')
			case 't':
				sb.WriteByte('\t')
			case 'u':
				r, err := p.hex4()
				if err != nil {
					return "", err
				}
				if utf16.IsSurrogate(r) {
					r2 := rune(-1)
					if p.i+1 < len(p.b) && p.b[p.i] == '\\' && p.b[p.i+1] == 'u' {
						save := p.i
						p.i += 2
						if r2, err = p.hex4(); err != nil {
							return "", err
						}
						if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
							r = d
						} else {
							p.i = save
							r = utf8.RuneError
						}
					} else {
						r = utf8.RuneError
					}
				}
				sb.WriteRune(r)
			default:
				return "", p.errorf("invalid escape \\%c", e)
			}
		default:
			// Bytes are taken as they are; invalid UTF-8 becomes U+FFFD,
			// as encoding/json does.
			r, n := utf8.DecodeRune(p.b[p.i:])
			sb.WriteRune(r)
			p.i += n
		}
	}
}

func (p *jsonParser) hex4() (rune, error) {
	if p.i+4 > len(p.b) {
		return 0, p.errorf("short \\u escape")
	}
	v, err := strconv.ParseUint(string(p.b[p.i:p.i+4]), 16, 16)
	if err != nil {
		return 0, p.errorf("invalid \\u escape %q", p.b[p.i:p.i+4])
	}
	p.i += 4
	return rune(v), nil
}

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
// HTML-sensitive <, > and & as encoding/json does.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return append(b, '"')
}
