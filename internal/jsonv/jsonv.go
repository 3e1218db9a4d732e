// Package jsonv decodes JSON into a tree of generic values without
// reflection: nil, bool, Number, string, []any and map[string]any (a
// repeated key: the last one wins). It accepts what encoding/json accepts
// (RFC 8259, no trailing data; invalid UTF-8 in strings becomes U+FFFD, as
// there), with nesting bounded by MaxDepth. nsnet's CNI plugin reads its
// configuration with it; any other JSON input should use it too, so that
// encoding/json stays out of the binary.
package jsonv

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Number is a JSON number as written.
type Number string

// MaxDepth bounds nesting, so that hostile input cannot exhaust the
// stack.
const MaxDepth = 256

type parser struct {
	b   []byte
	i   int
	dep int
}

// Parse decodes one JSON value that fills b (white space aside).
func Parse(b []byte) (any, error) {
	p := &parser{b: b}
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

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("offset %d: "+format, append([]any{p.i}, args...)...)
}

func (p *parser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) value() (any, error) {
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

func (p *parser) word(w string) bool {
	if strings.HasPrefix(string(p.b[p.i:min(len(p.b), p.i+len(w))]), w) {
		p.i += len(w)
		return true
	}
	return false
}

func (p *parser) nest() error {
	p.dep++
	if p.dep > MaxDepth {
		return p.errorf("nested deeper than %d", MaxDepth)
	}
	return nil
}

func (p *parser) object() (any, error) {
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

func (p *parser) array() (any, error) {
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

func (p *parser) number() (any, error) {
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
	return Number(p.b[start:p.i]), nil
}

func (p *parser) str() (string, error) {
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

func (p *parser) hex4() (rune, error) {
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

// DecodeBase64 decodes s, standard padded base64 as encoding/json writes a
// []byte, and refuses anything else (wrong length, a character outside
// the alphabet, padding in the middle, non-zero bits after the last
// byte). It is written out here because package encoding/base64 builds
// its encodings when the program starts, a cost every nsnet process would
// pay.
func DecodeBase64(s string) ([]byte, error) {
	if len(s)%4 != 0 {
		return nil, fmt.Errorf("illegal base64 data: length %d", len(s))
	}
	val := func(c byte) int {
		switch {
		case 'A' <= c && c <= 'Z':
			return int(c - 'A')
		case 'a' <= c && c <= 'z':
			return int(c-'a') + 26
		case '0' <= c && c <= '9':
			return int(c-'0') + 52
		case c == '+':
			return 62
		case c == '/':
			return 63
		}
		return -1
	}
	out := make([]byte, 0, len(s)/4*3)
	for i := 0; i < len(s); i += 4 {
		q := s[i : i+4]
		pad := 0
		if i+4 == len(s) {
			switch {
			case q[2] == '=' && q[3] == '=':
				pad = 2
			case q[3] == '=':
				pad = 1
			}
		}
		var v uint
		for k := 0; k < 4-pad; k++ {
			d := val(q[k])
			if d < 0 {
				return nil, fmt.Errorf("illegal base64 data at input byte %d", i+k)
			}
			v |= uint(d) << (18 - 6*k)
		}
		switch pad {
		case 0:
			out = append(out, byte(v>>16), byte(v>>8), byte(v))
		case 1:
			if v&0xff != 0 {
				return nil, fmt.Errorf("illegal base64 data at input byte %d", i+2)
			}
			out = append(out, byte(v>>16), byte(v>>8))
		case 2:
			if v&0xffff != 0 {
				return nil, fmt.Errorf("illegal base64 data at input byte %d", i+1)
			}
			out = append(out, byte(v>>16))
		}
	}
	return out, nil
}
