package rtnl

import (
	"fmt"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nlattr"
)

// NSID attribute types (linux/net_namespace.h).
const (
	netnsaNSID        = 1 // NETNSA_NSID
	netnsaPID         = 2 // NETNSA_PID
	netnsaFD          = 3 // NETNSA_FD
	netnsaTargetNSID  = 4 // NETNSA_TARGET_NSID
	netnsaCurrentNSID = 5 // NETNSA_CURRENT_NSID
)

// NSIDNone is the id of a namespace that has none assigned (NETNSA_NSID_NOT_ASSIGNED).
const NSIDNone = -1

// rtgenmsg is one byte of family, padded to four.
var rtgenmsg = []byte{unix.AF_UNSPEC, 0, 0, 0}

// NSID returns the id this connection's namespace has assigned to the
// namespace behind the file descriptor nsFD, or NSIDNone.
func (c *Conn) NSID(nsFD int) (int, error) {
	b, err := nsidRequest(nsFD, false, 0)
	if err != nil {
		return 0, err
	}
	msgs, err := c.request("get nsid", "", unix.RTM_GETNSID, 0, b)
	if err != nil {
		return 0, err
	}
	for _, m := range msgs {
		if m.Header.Type != unix.RTM_NEWNSID {
			continue
		}
		id, _, err := decodeNSID(m.Data)
		return id, err
	}
	return NSIDNone, nil
}

// SetNSID assigns id to the namespace behind nsFD, as seen from this
// connection's namespace; id NSIDNone asks the kernel to pick one.
func (c *Conn) SetNSID(nsFD int, id int) error {
	b, err := nsidRequest(nsFD, true, id)
	if err != nil {
		return err
	}
	obj := "auto"
	if id != NSIDNone {
		obj = fmt.Sprint(id)
	}
	_, err = c.request("set nsid", obj, unix.RTM_NEWNSID, netlink.Acknowledge,
		b)
	return err
}

// nsidRequest builds the payload of RTM_GETNSID (withID false) or
// RTM_NEWNSID: an rtgenmsg, NETNSA_FD and, to set, NETNSA_NSID.
func nsidRequest(nsFD int, withID bool, id int) ([]byte, error) {
	ae := nlattr.NewEncoder(native)
	ae.Uint32(netnsaFD, uint32(nsFD))
	if withID {
		ae.Int32(netnsaNSID, int32(id))
	}
	b, err := ae.Encode()
	if err != nil {
		return nil, err
	}
	return append(append([]byte{}, rtgenmsg...), b...), nil
}

// NSIDs lists the ids this connection's namespace has assigned to other
// namespaces.
func (c *Conn) NSIDs() ([]int, error) {
	msgs, err := c.dump("list nsids", unix.RTM_GETNSID, rtgenmsg)
	if err != nil {
		return nil, err
	}
	var ids []int
	for _, m := range msgs {
		if m.Header.Type != unix.RTM_NEWNSID {
			continue
		}
		id, ok, err := decodeNSID(m.Data)
		if err != nil {
			return nil, err
		}
		if ok {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

func decodeNSID(b []byte) (int, bool, error) {
	if len(b) < 4 {
		return 0, false, fmt.Errorf("short nsid message")
	}
	ad := newAttrReader(b[4:])
	id, ok := NSIDNone, false
	for ad.Next() {
		if ad.Type == netnsaNSID {
			id, ok = int(ad.Int32()), true
		}
	}
	return id, ok, ad.Err()
}
