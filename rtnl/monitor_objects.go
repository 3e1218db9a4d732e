package rtnl

import (
	"errors"
	"net"
	"net/netip"
)

// This file decodes the neighbour, rule and nsid notifications a Monitor
// receives: only reading, and only what `ip monitor` prints.

// NeighEvent is a neighbour (ARP or NDP entry) as RTM_NEWNEIGH and
// RTM_DELNEIGH carry it: struct ndmsg and the NDA_* attributes.
type NeighEvent struct {
	Family Family // ndm_family
	Index  uint32 // ndm_ifindex
	State  uint16 // ndm_state (NUD_*)
	Flags  uint8  // ndm_flags (NTF_*)
	Type   uint8  // ndm_type
	Dst    netip.Addr
	// LLAddr is NDA_LLADDR, nil when absent.
	LLAddr   net.HardwareAddr
	Probes   *uint32 // NDA_PROBES
	Protocol uint8   // NDA_PROTOCOL (0: absent)
	FlagsExt uint32  // NDA_FLAGS_EXT
}

// Neighbour states (NUD_*) and flags (NTF_*), as ip prints them.
const (
	nudIncomplete = 0x01
	nudReachable  = 0x02
	nudStale      = 0x04
	nudDelay      = 0x08
	nudProbe      = 0x10
	nudFailed     = 0x20
	nudNoARP      = 0x40
	nudPermanent  = 0x80

	// NeighFlagProxy is NTF_PROXY.
	NeighFlagProxy = 0x08
	// NeighFlagRouter is NTF_ROUTER.
	NeighFlagRouter = 0x80
	// NeighFlagExtLearned is NTF_EXT_LEARNED.
	NeighFlagExtLearned = 0x10
	// NeighFlagOffloaded is NTF_OFFLOADED.
	NeighFlagOffloaded = 0x20
	// NeighFlagExtManaged is NTF_EXT_MANAGED, in FlagsExt.
	NeighFlagExtManaged = 0x01
)

// StateNames names the NUD_* bits of State in iproute2's order
// ("REACHABLE", "PERMANENT", ...).
func (n *NeighEvent) StateNames() []string {
	var out []string
	for _, s := range []struct {
		bit  uint16
		name string
	}{{nudIncomplete, "INCOMPLETE"}, {nudReachable, "REACHABLE"}, {nudStale, "STALE"}, {nudDelay, "DELAY"},
		{nudProbe, "PROBE"}, {nudFailed, "FAILED"}, {nudNoARP, "NOARP"}, {nudPermanent, "PERMANENT"}} {
		if n.State&s.bit != 0 {
			out = append(out, s.name)
		}
	}
	return out
}

const evNdmsgLen = 12

var errShortEvent = errors.New("message too short")

// UnmarshalBinary decodes an ndmsg and its attributes.
func (n *NeighEvent) UnmarshalBinary(b []byte) error {
	if len(b) < evNdmsgLen {
		return errShortEvent
	}
	*n = NeighEvent{
		Family: Family(b[0]),
		Index:  native.Uint32(b[4:]),
		State:  native.Uint16(b[8:]),
		Flags:  b[10],
		Type:   b[11],
	}
	ad := newAttrReader(b[evNdmsgLen:])
	for ad.Next() {
		switch ad.Type {
		case 1: // NDA_DST
			n.Dst, _ = netip.AddrFromSlice(ad.Bytes())
		case 2: // NDA_LLADDR
			n.LLAddr = net.HardwareAddr(ad.Bytes())
		case 4: // NDA_PROBES
			v := ad.Uint32()
			n.Probes = &v
		case 12: // NDA_PROTOCOL
			n.Protocol = ad.Uint8()
		case 15: // NDA_FLAGS_EXT
			n.FlagsExt = ad.Uint32()
		}
	}
	return ad.Err()
}

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
		return errShortEvent
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
