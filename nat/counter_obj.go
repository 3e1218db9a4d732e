package nat

import (
	"errors"
	"fmt"
	"hash/fnv"
	"net/netip"
	"strings"

	"golang.org/x/sys/unix"
)

// nf_tables object attributes that golang.org/x/sys/unix lacks.
const (
	nftaObjHandle   = 6 // NFTA_OBJ_HANDLE
	nftaObjPad      = 7 // NFTA_OBJ_PAD
	nftaObjUserdata = 8 // NFTA_OBJ_USERDATA
)

// A CounterObject is a named counter of a table (`counter NAME` in nft),
// which rules count into with an Objref. nsnet gives each object in its
// table one, named by CounterName: the rules of the object count into it,
// and its name is the object's index in the kernel, so that an Add of a
// new object needs no read of the table (the kernel refuses a second
// counter of the same name with EEXIST), and a counter referenced by a
// rule cannot be deleted before the rule.
//
//	NEWOBJ family=inet
//	  NFTA_OBJ_TABLE "nsnet\0"
//	  NFTA_OBJ_NAME  "forward/up0/h0\0"
//	  NFTA_OBJ_TYPE  be32 1 (NFT_OBJECT_COUNTER)
//	  NFTA_OBJ_DATA  { NFTA_COUNTER_BYTES be64, NFTA_COUNTER_PACKETS be64 }
type CounterObject struct {
	Family  Family
	Table   string
	Name    string
	Counter Counter
	Handle  uint64
	Use     uint32 // how many rules refer to it (reported by the kernel)
}

// MarshalBinary returns the counter as the payload of an NFT_MSG_NEWOBJ
// message (or, without values, of NFT_MSG_DELOBJ).
func (o *CounterObject) MarshalBinary() ([]byte, error) {
	return encodeMsg(o.Family, func(ae *encoder) {
		ae.String(unix.NFTA_OBJ_TABLE, o.Table)
		ae.String(unix.NFTA_OBJ_NAME, o.Name)
		ae.Uint32(unix.NFTA_OBJ_TYPE, unix.NFT_OBJECT_COUNTER)
		// Both values always, zero or not, as nft sends them.
		ae.Nested(unix.NFTA_OBJ_DATA, func(nae *encoder) error {
			nae.Uint64(unix.NFTA_COUNTER_BYTES, o.Counter.Bytes)
			nae.Uint64(unix.NFTA_COUNTER_PACKETS, o.Counter.Packets)
			return nil
		})
	})
}

// UnmarshalBinary decodes the payload of an NFT_MSG_NEWOBJ message of a
// counter; an object of another type is an error.
func (o *CounterObject) UnmarshalBinary(b []byte) error {
	f, attrs, err := splitNfgenmsg(b)
	if err != nil {
		return err
	}
	*o = CounterObject{Family: f}
	ad := newDecoder(attrs)
	typ := uint32(0)
	for ad.Next() {
		switch ad.Type {
		case unix.NFTA_OBJ_TABLE:
			o.Table = ad.String()
		case unix.NFTA_OBJ_NAME:
			o.Name = ad.String()
		case unix.NFTA_OBJ_TYPE:
			typ = ad.Uint32()
		case unix.NFTA_OBJ_DATA:
			ad.Walk(o.Counter.unmarshal)
		case unix.NFTA_OBJ_USE:
			o.Use = ad.Uint32()
		case nftaObjHandle:
			o.Handle = ad.Uint64()
		}
	}
	if err := ad.Err(); err != nil {
		return err
	}
	if typ != unix.NFT_OBJECT_COUNTER {
		return fmt.Errorf("object %q is of type %d, not a counter", o.Name, typ)
	}
	return nil
}

// Counters lists the named counters of table (family f); a missing table
// has none.
func (c *Conn) Counters(f Family, table string) ([]CounterObject, error) {
	msgs, err := c.dump("counters of table "+f.String()+" "+table, unix.NFT_MSG_GETOBJ, unix.NFT_MSG_NEWOBJ, f,
		func(ae *encoder) {
			ae.String(unix.NFTA_OBJ_TABLE, table)
			ae.Uint32(unix.NFTA_OBJ_TYPE, unix.NFT_OBJECT_COUNTER)
		})
	if errors.Is(err, unix.ENOENT) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := make([]CounterObject, 0, len(msgs))
	for _, m := range msgs {
		var o CounterObject
		if err := o.UnmarshalBinary(m); err != nil {
			return nil, fmt.Errorf("decode counter: %w", err)
		}
		if o.Table == table {
			out = append(out, o)
		}
	}
	return out, nil
}

// CounterName returns the name of the counter object o's rules count
// into. It is readable where it can be, "forward/eth0/veth0",
// "masquerade/10.0.0.0-24/eth0", "publish/tcp/8080/in/eth0", made only of
// the characters nft accepts in an unquoted name (so `nft list ruleset`
// stays a file nft can load again); other names are "nsnet_" and a hash.
//
// A Publish's counter is named by what it listens on, not by its target,
// so that a second publish of the same port to another target collides
// with it in the kernel too.
func CounterName(o Object) string {
	var parts []string
	switch o := o.(type) {
	case Masquerade:
		parts = []string{"masquerade", addrName(o.Source.Masked().Addr()), fmt.Sprint(o.Source.Bits())}
		if o.OutIface != "" {
			parts = append(parts, o.OutIface)
		}
	case Forward:
		a, b := o.A, o.B
		if b < a {
			a, b = b, a
		}
		parts = []string{"forward", a, b}
	case Publish:
		p := o.canon()
		parts = []string{"publish", p.Proto.String()}
		if p.Listen.Addr().IsValid() {
			parts = append(parts, addrName(p.Listen.Addr()))
		}
		parts = append(parts, fmt.Sprint(p.Listen.Port()))
		if p.InIface != "" {
			parts = append(parts, "in", p.InIface)
		}
	default:
		return hashedName(o.key())
	}
	// Interface names may hold no "/", so "/" keeps the parts apart;
	// each part must also be one nft would read unquoted.
	for _, s := range parts {
		if !nftNameChars(s) {
			return hashedName(o.key())
		}
	}
	name := strings.Join(parts, "/")
	if len(name) > maxObjName {
		return hashedName(o.key())
	}
	return name
}

// maxObjName is NFT_OBJ_MAXNAMELEN minus the NUL.
const maxObjName = 255

// addrName writes an address with "-" for ":" (nft's names have no ":").
func addrName(a netip.Addr) string { return strings.ReplaceAll(a.String(), ":", "-") }

// hashedName is the name of a counter whose readable name nft could not
// parse: "nsnet_" and the FNV-64a hash of the object's key.
func hashedName(key string) string {
	h := fnv.New64a()
	h.Write([]byte(key))
	return fmt.Sprintf("nsnet_%016x", h.Sum64())
}

// nftNameChars reports whether s is made only of letters, digits and
// "._-" (nft's unquoted names also take "/", which joins the parts), and
// is not empty.
func nftNameChars(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
