package nat

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// A Rule is an nf_tables rule: expressions run in order in a chain, and a
// comment (nsnet's rules say what they are in it). Handle is set by the
// kernel; it identifies a rule for deletion.
//
//	NEWRULE family=inet
//	  NFTA_RULE_TABLE       "nsnet\0"
//	  NFTA_RULE_CHAIN       "postrouting\0"
//	  NFTA_RULE_EXPRESSIONS [ NFTA_LIST_ELEM { NFTA_EXPR_NAME, NFTA_EXPR_DATA }, ... ]
//	  NFTA_RULE_USERDATA    00 LEN "nsnet masquerade ...\0"
type Rule struct {
	Family  Family
	Table   string
	Chain   string
	Handle  uint64
	Exprs   []Expr
	Comment string
}

// MarshalBinary returns the rule as the payload of an NFT_MSG_NEWRULE
// message (or, with only the names and Handle set, of NFT_MSG_DELRULE).
func (r *Rule) MarshalBinary() ([]byte, error) {
	if len(r.Comment) > MaxComment {
		return nil, fmt.Errorf("comment longer than %d bytes", MaxComment)
	}
	return encodeMsg(r.Family, func(ae *encoder) {
		ae.String(unix.NFTA_RULE_TABLE, r.Table)
		ae.String(unix.NFTA_RULE_CHAIN, r.Chain)
		if r.Handle != 0 {
			ae.Uint64(unix.NFTA_RULE_HANDLE, r.Handle)
		}
		if len(r.Exprs) > 0 {
			ae.Nested(unix.NFTA_RULE_EXPRESSIONS, func(nae *encoder) error {
				marshalExprs(nae, r.Exprs)
				return nil
			})
		}
		if r.Comment != "" {
			ae.Bytes(unix.NFTA_RULE_USERDATA, encodeComment(r.Comment))
		}
	})
}

// UnmarshalBinary decodes the payload of an NFT_MSG_NEWRULE message.
func (r *Rule) UnmarshalBinary(b []byte) error {
	f, attrs, err := splitNfgenmsg(b)
	if err != nil {
		return err
	}
	*r = Rule{Family: f}
	ad := newDecoder(attrs)
	for ad.Next() {
		switch ad.Type {
		case unix.NFTA_RULE_TABLE:
			r.Table = ad.String()
		case unix.NFTA_RULE_CHAIN:
			r.Chain = ad.String()
		case unix.NFTA_RULE_HANDLE:
			r.Handle = ad.Uint64()
		case unix.NFTA_RULE_EXPRESSIONS:
			ad.Walk(func(nad *decoder) error {
				exprs, err := unmarshalExprs(nad)
				r.Exprs = exprs
				return err
			})
		case unix.NFTA_RULE_USERDATA:
			r.Comment, _ = decodeComment(ad.Bytes())
		}
	}
	return ad.Err()
}
