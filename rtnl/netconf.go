package rtnl

import (
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nlattr"
)

// NETCONFA_* attribute types (linux/netconf.h).
const (
	netconfaIfindex    = 1 // NETCONFA_IFINDEX
	netconfaForwarding = 2 // NETCONFA_FORWARDING
)

// netconfIfindexAll is NETCONFA_IFINDEX_ALL: the namespace-wide "all"
// settings (net.ipv4.conf.all.*, which net.ipv4.ip_forward sets too).
const netconfIfindexAll = -1

// Forwarding reports whether the connection's namespace forwards packets
// of family fam (FamilyInet: net.ipv4.conf.all.forwarding, the value
// net.ipv4.ip_forward sets; FamilyInet6: net.ipv6.conf.all.forwarding).
// It asks the kernel with RTM_GETNETCONF on the connection's own socket,
// so that reading another namespace's setting needs no thread inside it
// (a /proc/sys file would).
func (c *Conn) Forwarding(fam Family) (bool, error) {
	if fam != FamilyInet && fam != FamilyInet6 {
		return false, &Error{Op: "get netconf", Err: fmt.Errorf("family %s has no forwarding setting", fam)}
	}
	msgs, err := c.request("get netconf", fam.String(), unix.RTM_GETNETCONF, 0, netconfRequest(fam))
	if err != nil {
		return false, err
	}
	for _, m := range msgs {
		if m.Header.Type != unix.RTM_NEWNETCONF {
			continue
		}
		on, ok, err := decodeForwarding(m.Data)
		if err != nil {
			return false, &Error{Op: "get netconf", Object: fam.String(), Err: fmt.Errorf("decode reply: %w", err)}
		}
		if ok {
			return on, nil
		}
	}
	return false, &Error{Op: "get netconf", Object: fam.String(), Err: fmt.Errorf("no forwarding value in the reply")}
}

// netconfRequest builds RTM_GETNETCONF's payload: struct netconfmsg (one
// byte of family, padded to four) and NETCONFA_IFINDEX_ALL.
func netconfRequest(fam Family) []byte {
	ae := nlattr.NewEncoder(native)
	ae.Int32(netconfaIfindex, netconfIfindexAll)
	b, _ := ae.Encode() // a fixed int32 attribute cannot fail to encode
	return append([]byte{byte(fam), 0, 0, 0}, b...)
}

// decodeForwarding reads NETCONFA_FORWARDING of an RTM_NEWNETCONF payload.
func decodeForwarding(b []byte) (on, ok bool, err error) {
	if len(b) < 4 {
		return false, false, errShort
	}
	ad := newAttrReader(b[4:])
	for ad.Next() {
		if ad.Type == netconfaForwarding {
			on, ok = ad.Int32() != 0, true
		}
	}
	if err := ad.Err(); err != nil {
		return false, false, err
	}
	return on, ok, nil
}
