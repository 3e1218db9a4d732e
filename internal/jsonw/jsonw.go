// Package jsonw is nsnet's one JSON writer: it appends values to a byte
// slice as compact JSON, byte for byte as encoding/json marshals them
// (struct tags with omitempty, map keys sorted, <, > and & escaped unless
// asked not to, invalid UTF-8 replaced with U+FFFD), without linking
// encoding/json into the binary.
//
// It handles what nsnet prints: booleans, integers, floats, strings,
// pointers, slices, arrays, maps with string keys, structs, Raw, values
// implementing Appender and encoding.TextMarshaler. Anything else (channels,
// functions, complex numbers, NaN and infinities) is an error naming the
// type.
package jsonw

import (
	"encoding"
	"errors"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Raw is a value that is already JSON; it is copied as it is.
type Raw []byte

// Appender is implemented by values that write their own JSON.
type Appender interface {
	AppendJSON(b []byte) ([]byte, error)
}

// Append appends v to b as compact JSON, escaping <, > and & as
// encoding/json does by default.
func Append(b []byte, v any) ([]byte, error) {
	return encoder{html: true}.value(b, reflect.ValueOf(v))
}

// AppendNoHTML is Append without the escaping of <, > and & (as an
// encoding/json Encoder with SetEscapeHTML(false)).
func AppendNoHTML(b []byte, v any) ([]byte, error) {
	return encoder{}.value(b, reflect.ValueOf(v))
}

// AppendString appends s as a JSON string; html escapes <, > and &.
func AppendString(b []byte, s string, html bool) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	i := 0
	for i < len(s) && plain[s[i]] {
		i++
	}
	b = append(b, s[:i]...)
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\t':
				b = append(b, '\\', 't')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\b':
				b = append(b, '\\', 'b')
			case c == '\f':
				b = append(b, '\\', 'f')
			case c < 0x20 || html && (c == '<' || c == '>' || c == '&'):
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// plain marks the ASCII bytes a JSON string carries as they are.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// AppendFloat appends f as encoding/json writes a float of bits (32 or
// 64) bits: the shortest representation, in exponent form below 1e-6 and
// from 1e21 on. NaN and infinities are errors.
func AppendFloat(b []byte, f float64, bits int) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, errors.New("json: unsupported value: " + strconv.FormatFloat(f, 'g', -1, bits))
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' {
		// e-09 becomes e-9, as encoding/json writes it.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

type encoder struct{ html bool }

var (
	appenderType = reflect.TypeFor[Appender]()
	textType     = reflect.TypeFor[encoding.TextMarshaler]()
	rawType      = reflect.TypeFor[Raw]()
)

func (e encoder) value(b []byte, v reflect.Value) ([]byte, error) {
	if !v.IsValid() {
		return append(b, "null"...), nil
	}
	t := v.Type()
	if t == rawType {
		if v.Len() == 0 {
			return append(b, "null"...), nil
		}
		return append(b, v.Bytes()...), nil
	}
	if t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface && v.CanAddr() && reflect.PointerTo(t).Implements(appenderType) {
		v = v.Addr()
		t = v.Type()
	}
	if t.Implements(appenderType) {
		if t.Kind() == reflect.Pointer && v.IsNil() {
			return append(b, "null"...), nil
		}
		return v.Interface().(Appender).AppendJSON(b)
	}
	if t.Kind() != reflect.Interface && t.Implements(textType) {
		if t.Kind() == reflect.Pointer && v.IsNil() {
			return append(b, "null"...), nil
		}
		text, err := v.Interface().(encoding.TextMarshaler).MarshalText()
		if err != nil {
			return nil, err
		}
		return AppendString(b, string(text), e.html), nil
	}
	switch t.Kind() {
	case reflect.Bool:
		return strconv.AppendBool(b, v.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(b, v.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.AppendUint(b, v.Uint(), 10), nil
	case reflect.Float32:
		return AppendFloat(b, v.Float(), 32)
	case reflect.Float64:
		return AppendFloat(b, v.Float(), 64)
	case reflect.String:
		return AppendString(b, v.String(), e.html), nil
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		return e.value(b, v.Elem())
	case reflect.Slice:
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		if t.Elem().Kind() == reflect.Uint8 && !reflect.PointerTo(t.Elem()).Implements(appenderType) && !reflect.PointerTo(t.Elem()).Implements(textType) {
			b = append(b, '"')
			b = appendBase64(b, v.Bytes())
			return append(b, '"'), nil
		}
		return e.array(b, v)
	case reflect.Array:
		return e.array(b, v)
	case reflect.Map:
		return e.mapping(b, v)
	case reflect.Struct:
		return e.object(b, v)
	}
	return nil, errors.New("json: unsupported type: " + t.String())
}

func (e encoder) array(b []byte, v reflect.Value) ([]byte, error) {
	b = append(b, '[')
	for i := range v.Len() {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = e.value(b, v.Index(i)); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

func (e encoder) mapping(b []byte, v reflect.Value) ([]byte, error) {
	if v.IsNil() {
		return append(b, "null"...), nil
	}
	if v.Type().Key().Kind() != reflect.String {
		return nil, errors.New("json: unsupported map key type: " + v.Type().Key().String())
	}
	keys := v.MapKeys()
	slices.SortFunc(keys, func(x, y reflect.Value) int { return strings.Compare(x.String(), y.String()) })
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, k.String(), e.html)
		b = append(b, ':')
		var err error
		if b, err = e.value(b, v.MapIndex(k)); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

func (e encoder) object(b []byte, v reflect.Value) ([]byte, error) {
	b = append(b, '{')
	first := true
	var err error
	b, err = e.fields(b, v, &first)
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// fields appends the members of struct v; an embedded struct without a
// tag contributes its own fields.
func (e encoder) fields(b []byte, v reflect.Value, first *bool) ([]byte, error) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		fv := v.Field(i)
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				if fv.IsNil() {
					continue
				}
				fv, ft = fv.Elem(), ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				var err error
				if b, err = e.fields(b, fv, first); err != nil {
					return nil, err
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if hasOpt(opts, "omitempty") && empty(fv) {
			continue
		}
		if !*first {
			b = append(b, ',')
		}
		*first = false
		b = AppendString(b, name, e.html)
		b = append(b, ':')
		if hasOpt(opts, "string") {
			inner, err := e.value(nil, fv)
			if err != nil {
				return nil, err
			}
			if fv.Kind() == reflect.String {
				b = AppendString(b, string(inner), e.html)
			} else {
				b = append(b, '"')
				b = append(b, inner...)
				b = append(b, '"')
			}
			continue
		}
		var err error
		if b, err = e.value(b, fv); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func hasOpt(opts, name string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == name {
			return true
		}
	}
	return false
}

// empty is encoding/json's omitempty test.
func empty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// Indent appends src, compact JSON, to dst laid out as json.Indent lays
// it out: each element on its own line, prefixed by prefix and one indent
// per level; empty objects and arrays stay {} and [].
func Indent(dst, src []byte, prefix, indent string) []byte {
	depth := 0
	inString, escaped := false, false
	newline := func() {
		dst = append(dst, '\n')
		dst = append(dst, prefix...)
		for range depth {
			dst = append(dst, indent...)
		}
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		if inString {
			dst = append(dst, c)
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
			dst = append(dst, c)
		case '{', '[':
			dst = append(dst, c)
			if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') {
				dst = append(dst, src[i+1])
				i++
				continue
			}
			depth++
			newline()
		case '}', ']':
			depth--
			newline()
			dst = append(dst, c)
		case ',':
			dst = append(dst, c)
			newline()
		case ':':
			dst = append(dst, ':', ' ')
		case ' ', '\t', '\n', '\r':
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// appendBase64 appends src in standard padded base64, as encoding/json
// writes a []byte. It is written out here because package encoding/base64
// builds its four encodings when the program starts, a cost every nsnet
// process would pay for output that few commands print.
func appendBase64(b, src []byte) []byte {
	const enc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for len(src) >= 3 {
		v := uint(src[0])<<16 | uint(src[1])<<8 | uint(src[2])
		b = append(b, enc[v>>18&0x3f], enc[v>>12&0x3f], enc[v>>6&0x3f], enc[v&0x3f])
		src = src[3:]
	}
	switch len(src) {
	case 1:
		v := uint(src[0]) << 16
		b = append(b, enc[v>>18&0x3f], enc[v>>12&0x3f], '=', '=')
	case 2:
		v := uint(src[0])<<16 | uint(src[1])<<8
		b = append(b, enc[v>>18&0x3f], enc[v>>12&0x3f], enc[v>>6&0x3f], '=')
	}
	return b
}
