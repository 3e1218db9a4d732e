package plan

import (
	"encoding"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/nsnet/nsnet/internal/jsonv"
)

// decodeStrict fills v (a pointer) from x, a value jsonv parsed, as
// jsonw wrote it: struct fields by their JSON names, byte slices in
// base64, values implementing encoding.TextUnmarshaler from their text.
// Unlike a lenient decoder it refuses unknown fields, values of the wrong
// type, numbers out of range and interface fields, so a record holds
// exactly the fields of a step.
func decodeStrict(x any, v reflect.Value) error {
	return decodeValue(x, v.Elem(), "")
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

func decodeValue(x any, v reflect.Value, path string) error {
	bad := func(what string) error { return fmt.Errorf("%s is not %s", orRecord(path), what) }
	t := v.Type()
	if t.Kind() == reflect.Pointer {
		if x == nil {
			v.Set(reflect.Zero(t))
			return nil
		}
		p := reflect.New(t.Elem())
		if err := decodeValue(x, p.Elem(), path); err != nil {
			return err
		}
		v.Set(p)
		return nil
	}
	if reflect.PointerTo(t).Implements(textUnmarshaler) {
		s, ok := x.(string)
		if !ok {
			return bad("a string")
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
			return fmt.Errorf("%s: %v", orRecord(path), err)
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Bool:
		b, ok := x.(bool)
		if !ok {
			return bad("a boolean")
		}
		v.SetBool(b)
	case reflect.String:
		s, ok := x.(string)
		if !ok {
			return bad("a string")
		}
		v.SetString(s)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := x.(jsonv.Number)
		if !ok {
			return bad("a number")
		}
		i, err := strconv.ParseInt(string(n), 10, t.Bits())
		if err != nil {
			return fmt.Errorf("%s: %v", orRecord(path), err)
		}
		v.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := x.(jsonv.Number)
		if !ok {
			return bad("a number")
		}
		u, err := strconv.ParseUint(string(n), 10, t.Bits())
		if err != nil {
			return fmt.Errorf("%s: %v", orRecord(path), err)
		}
		v.SetUint(u)
	case reflect.Slice:
		if x == nil {
			v.Set(reflect.Zero(t))
			return nil
		}
		if t.Elem().Kind() == reflect.Uint8 {
			s, ok := x.(string)
			if !ok {
				return bad("a base64 string")
			}
			b, err := jsonv.DecodeBase64(s)
			if err != nil {
				return fmt.Errorf("%s: %v", orRecord(path), err)
			}
			v.Set(reflect.ValueOf(b).Convert(t))
			return nil
		}
		list, ok := x.([]any)
		if !ok {
			return bad("a list")
		}
		s := reflect.MakeSlice(t, len(list), len(list))
		for i, e := range list {
			if err := decodeValue(e, s.Index(i), path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
		v.Set(s)
	case reflect.Struct:
		obj, ok := x.(map[string]any)
		if !ok {
			return bad("an object")
		}
		fields := map[string]int{}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			fields[name] = i
		}
		for k, e := range obj {
			i, ok := fields[k]
			if !ok {
				return fmt.Errorf("unknown field %.20q", k)
			}
			if err := decodeValue(e, v.Field(i), k); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("%s: a %s cannot be journaled", orRecord(path), t)
	}
	return nil
}

func orRecord(path string) string {
	if path == "" {
		return "the record"
	}
	return strconv.Quote(path)
}
