package rtnl

import "errors"

// NSIDEvent is an id given to (RTM_NEWNSID) or taken from (RTM_DELNSID)
// a peer namespace.
type NSIDEvent struct {
	NSID int32 // NETNSA_NSID; NSIDNone when unassigned
	// CurrentNSID is NETNSA_CURRENT_NSID, nil when absent.
	CurrentNSID *int32
}

// UnmarshalBinary decodes an rtgenmsg and the NETNSA_* attributes.
func (n *NSIDEvent) UnmarshalBinary(b []byte) error {
	if len(b) < 4 {
		return errShort
	}
	*n = NSIDEvent{NSID: NSIDNone}
	ad := newAttrReader(b[4:])
	seen := false
	for ad.Next() {
		switch ad.Type {
		case netnsaNSID:
			n.NSID = ad.Int32()
			seen = true
		case netnsaCurrentNSID:
			v := ad.Int32()
			n.CurrentNSID = &v
		}
	}
	if err := ad.Err(); err != nil {
		return err
	}
	if !seen {
		return errors.New("NETNSA_NSID is missing")
	}
	return nil
}
