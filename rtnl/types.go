package rtnl

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nlattr"
)

// Message is a typed rtnetlink message: a family header followed by
// attributes. It is implemented by *LinkMessage, *AddrMessage,
// *RouteMessage, *NeighMessage and *RuleMessage only.
type Message interface {
	MarshalBinary() ([]byte, error)
	UnmarshalBinary(b []byte) error
	rtMessage()
}

func (*LinkMessage) rtMessage()  {}
func (*AddrMessage) rtMessage()  {}
func (*RouteMessage) rtMessage() {}

// Family is an address family as rtnetlink uses it.
type Family uint8

// Address families.
const (
	FamilyUnspec Family = unix.AF_UNSPEC // AF_UNSPEC
	FamilyInet   Family = unix.AF_INET   // AF_INET
	FamilyInet6  Family = unix.AF_INET6  // AF_INET6
	FamilyBridge Family = unix.AF_BRIDGE // AF_BRIDGE
	FamilyMPLS   Family = unix.AF_MPLS   // AF_MPLS
)

// String returns iproute2's name of the family ("inet", "inet6").
func (f Family) String() string {
	switch f {
	case FamilyUnspec:
		return "unspec"
	case FamilyInet:
		return "inet"
	case FamilyInet6:
		return "inet6"
	case FamilyBridge:
		return "bridge"
	case FamilyMPLS:
		return "mpls"
	}
	return strconv.Itoa(int(f))
}

// FamilyOf returns the family of an address: FamilyInet for IPv4 (also
// IPv4-mapped IPv6), FamilyInet6 for IPv6, FamilyUnspec for the zero Addr.
func FamilyOf(a netip.Addr) Family {
	switch {
	case !a.IsValid():
		return FamilyUnspec
	case a.Is4():
		return FamilyInet
	}
	return FamilyInet6
}

// Scope is the scope of an address or a route (RT_SCOPE_*).
type Scope uint8

// Scopes.
const (
	ScopeUniverse Scope = unix.RT_SCOPE_UNIVERSE // RT_SCOPE_UNIVERSE ("global")
	ScopeSite     Scope = unix.RT_SCOPE_SITE     // RT_SCOPE_SITE
	ScopeLink     Scope = unix.RT_SCOPE_LINK     // RT_SCOPE_LINK
	ScopeHost     Scope = unix.RT_SCOPE_HOST     // RT_SCOPE_HOST
	ScopeNowhere  Scope = unix.RT_SCOPE_NOWHERE  // RT_SCOPE_NOWHERE
)

// String returns iproute2's name of the scope ("global", "link", "host").
func (s Scope) String() string {
	switch s {
	case ScopeUniverse:
		return "global"
	case ScopeSite:
		return "site"
	case ScopeLink:
		return "link"
	case ScopeHost:
		return "host"
	case ScopeNowhere:
		return "nowhere"
	}
	return strconv.Itoa(int(s))
}

// ParseScope parses a scope name as iproute2 accepts it: global, site,
// link, host, nowhere, or a number 0-255.
func ParseScope(s string) (Scope, error) {
	switch s {
	case "global", "universe":
		return ScopeUniverse, nil
	case "site":
		return ScopeSite, nil
	case "link":
		return ScopeLink, nil
	case "host":
		return ScopeHost, nil
	case "nowhere":
		return ScopeNowhere, nil
	}
	n, err := strconv.ParseUint(s, 0, 8)
	if err != nil {
		return 0, fmt.Errorf("invalid scope %q", s)
	}
	return Scope(n), nil
}

// errShort is returned when a message is shorter than its family header.
var errShort = errors.New("message shorter than its family header")

// Attribute encoding helpers. Absent values (nil pointers, zero Addrs,
// empty strings where the kernel never sends one) are not encoded.

func putU8(ae *nlattr.Encoder, typ uint16, v *uint8) {
	if v != nil {
		ae.Uint8(typ, *v)
	}
}

func putU16(ae *nlattr.Encoder, typ uint16, v *uint16) {
	if v != nil {
		ae.Uint16(typ, *v)
	}
}

func putU32(ae *nlattr.Encoder, typ uint16, v *uint32) {
	if v != nil {
		ae.Uint32(typ, *v)
	}
}

func putI32(ae *nlattr.Encoder, typ uint16, v *int32) {
	if v != nil {
		ae.Int32(typ, *v)
	}
}

func putString(ae *nlattr.Encoder, typ uint16, s string) {
	if s != "" {
		ae.String(typ, s)
	}
}

func putBytes(ae *nlattr.Encoder, typ uint16, b []byte) {
	if b != nil {
		ae.Bytes(typ, b)
	}
}

func putAddr(ae *nlattr.Encoder, typ uint16, a netip.Addr) {
	if a.IsValid() {
		ae.Bytes(typ, a.AsSlice())
	}
}

// nest encodes a nested attribute the way iproute2 does, without the
// NLA_F_NESTED flag (the kernel accepts both for every attribute used
// here, and the bytes then match `ip`'s).
func nest(ae *nlattr.Encoder, typ uint16, fn func(*nlattr.Encoder) error) {
	ae.NestedPlain(typ, fn)
}

// Decoding helpers: each reads the current attribute of ad into a new
// value; a wrong length makes ad.Err() fail.

func getU8(ad *attrReader) *uint8 {
	v := ad.Uint8()
	return &v
}

func getU16(ad *attrReader) *uint16 {
	v := ad.Uint16()
	return &v
}

func getU32(ad *attrReader) *uint32 {
	v := ad.Uint32()
	return &v
}

func getBytes(ad *attrReader) []byte {
	return ad.Bytes() // a copy, never nil
}

// commonStrings are the qdisc and link kind names a link dump repeats
// for every link: decoding returns these instead of a new string each time.
var commonStrings = [...]string{"noqueue", "noop", "fq_codel", "pfifo_fast", "mq", "fq", "veth", "bridge", "vxlan",
	"macvlan", "macvtap", "dummy", "bond", "tun", "vlan", "ipvlan", "wireguard"}

// attrReader walks a message's attributes without copying them (the
// link, address, neighbour and rule decoders); it accepts and refuses the
// same input as netlink.AttributeDecoder.
type attrReader = nlattr.Reader

// newAttrReader reads the attributes in b, integers in host order.
func newAttrReader(b []byte) attrReader { return nlattr.NewReader(b, native) }

// commonStr is the payload b as a string without its trailing NULs; one
// of commonStrings is returned unallocated.
func commonStr(b []byte) string {
	b = bytes.TrimRight(b, "\x00")
	for _, c := range commonStrings {
		if string(b) == c {
			return c
		}
	}
	return string(b)
}

func getAddr(ad *attrReader) netip.Addr { return ad.Addr() }

// native is the byte order of fixed family headers.
var native = binary.NativeEndian
