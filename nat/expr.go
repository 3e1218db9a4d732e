package nat

import (
	"errors"
	"fmt"

	"github.com/nsnet/nsnet/internal/nlattr"
	"golang.org/x/sys/unix"
)

// An Expr is one nf_tables expression of a rule: a load into a register
// (Payload, Meta, Ct, Fib), an operation on one (Bitwise, Cmp), or a
// statement (Immediate, Counter, Objref, Masq, NAT). Expressions nsnet does not
// know are kept as Unknown, so a rule read from the kernel can be written
// back unchanged. The set of Expr types is closed.
type Expr interface {
	// Name returns the kernel's name for the expression ("payload").
	Name() string
	marshal(ae *encoder)
	unmarshal(ad *decoder) error
}

// newExpr returns an empty expression of the given kernel name.
func newExpr(name string) Expr {
	switch name {
	case "payload":
		return &Payload{}
	case "meta":
		return &Meta{}
	case "ct":
		return &Ct{}
	case "fib":
		return &Fib{}
	case "bitwise":
		return &Bitwise{}
	case "cmp":
		return &Cmp{}
	case "immediate":
		return &Immediate{}
	case "counter":
		return &Counter{}
	case "objref":
		return &Objref{}
	case "masq":
		return &Masq{}
	case "nat":
		return &NAT{}
	}
	return &Unknown{Kind: name}
}

// marshalExprs encodes NFTA_RULE_EXPRESSIONS' content:
//
//	NFTA_LIST_ELEM
//	  NFTA_EXPR_NAME "payload\0"
//	  NFTA_EXPR_DATA { NFTA_PAYLOAD_DREG 1, ... }
//	NFTA_LIST_ELEM
//	  ...
func marshalExprs(ae *encoder, exprs []Expr) {
	for _, e := range exprs {
		ae.Nested(unix.NFTA_LIST_ELEM, func(nae *encoder) error {
			nae.String(unix.NFTA_EXPR_NAME, e.Name())
			if u, ok := e.(*Unknown); ok {
				// Kept as it came: the nest's content, byte for byte.
				nae.Bytes(nlattr.FlagNested|unix.NFTA_EXPR_DATA, u.Data)
				return nil
			}
			nae.Nested(unix.NFTA_EXPR_DATA, func(dae *encoder) error {
				e.marshal(dae)
				return nil
			})
			return nil
		})
	}
}

// unmarshalExprs decodes the content of NFTA_RULE_EXPRESSIONS.
func unmarshalExprs(ad *decoder) ([]Expr, error) {
	var exprs []Expr
	for ad.Next() {
		if ad.Type != unix.NFTA_LIST_ELEM {
			continue
		}
		var name string
		var data []byte
		ad.Walk(func(nad *decoder) error {
			for nad.Next() {
				switch nad.Type {
				case unix.NFTA_EXPR_NAME:
					name = nad.String()
				case unix.NFTA_EXPR_DATA:
					data = nad.Bytes()
				}
			}
			return nil
		})
		if ad.Err() != nil {
			return nil, ad.Err()
		}
		e, err := unmarshalExpr(name, data)
		if err != nil {
			return nil, err
		}
		exprs = append(exprs, e)
	}
	return exprs, ad.Err()
}

// unmarshalExpr decodes one expression's NFTA_EXPR_DATA.
func unmarshalExpr(name string, data []byte) (Expr, error) {
	if name == "" {
		return nil, fmt.Errorf("expression without a name")
	}
	if data == nil {
		data = []byte{}
	}
	e := newExpr(name)
	if u, ok := e.(*Unknown); ok {
		u.Data = data
		return u, nil
	}
	ad := newDecoder(data)
	err := e.unmarshal(ad)
	if err == nil {
		err = ad.Err()
	}
	if errors.Is(err, errUnmodelled) {
		// An attribute nsnet has no field for: keep the bytes instead.
		return &Unknown{Kind: name, Data: data}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("expression %s: %w", name, err)
	}
	return e, nil
}

// errUnmodelled is what an unmarshal method returns for an attribute its
// type has no field for; the expression is then kept as Unknown.
var errUnmodelled = errors.New("attribute not modelled")

// EncodeExprs returns the bytes of NFTA_RULE_EXPRESSIONS' content for
// exprs, as a NEWRULE message carries them.
func EncodeExprs(exprs []Expr) ([]byte, error) {
	ae := newEncoder()
	marshalExprs(ae, exprs)
	return ae.Encode()
}

// DecodeExprs decodes the content of NFTA_RULE_EXPRESSIONS.
func DecodeExprs(b []byte) ([]Expr, error) {
	ad := newDecoder(b)
	return unmarshalExprs(ad)
}

// Data values (NFTA_DATA_*) are nests inside cmp, bitwise and immediate:
//
//	NFTA_DATA_VALUE  raw bytes, in the register's byte order
//	NFTA_DATA_VERDICT { NFTA_VERDICT_CODE be32, NFTA_VERDICT_CHAIN "name\0" }

func marshalValue(ae *encoder, typ uint16, v []byte) {
	ae.Nested(typ, func(nae *encoder) error {
		nae.Bytes(unix.NFTA_DATA_VALUE, v)
		return nil
	})
}

func unmarshalValue(ad *decoder) []byte {
	var v []byte
	ad.Walk(func(nad *decoder) error {
		for nad.Next() {
			if nad.Type == unix.NFTA_DATA_VALUE {
				v = nad.Bytes()
			}
		}
		return nil
	})
	if v == nil {
		v = []byte{}
	}
	return v
}

// Unknown is an expression nsnet does not decode (lookup, xt match, ...);
// Data is its NFTA_EXPR_DATA, kept as it came.
type Unknown struct {
	Kind string
	Data []byte
}

// Name returns the expression's kernel name.
func (e *Unknown) Name() string { return e.Kind }

// marshal is unused: marshalExprs writes Data as it is.
func (e *Unknown) marshal(ae *encoder) {}

func (e *Unknown) unmarshal(ad *decoder) error { return nil }
