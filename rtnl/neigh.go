package rtnl

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nlattr"
)

// NeighState is a neighbour entry's NUD state (ndm_state, NUD_*). It is a
// bit set: a request carries one bit, a dump filter several.
type NeighState uint16

// Neighbour states.
const (
	NeighNone       NeighState = unix.NUD_NONE       // NUD_NONE
	NeighIncomplete NeighState = unix.NUD_INCOMPLETE // NUD_INCOMPLETE
	NeighReachable  NeighState = unix.NUD_REACHABLE  // NUD_REACHABLE
	NeighStale      NeighState = unix.NUD_STALE      // NUD_STALE
	NeighDelay      NeighState = unix.NUD_DELAY      // NUD_DELAY
	NeighProbe      NeighState = unix.NUD_PROBE      // NUD_PROBE
	NeighFailed     NeighState = unix.NUD_FAILED     // NUD_FAILED
	NeighNoARP      NeighState = unix.NUD_NOARP      // NUD_NOARP
	NeighPermanent  NeighState = unix.NUD_PERMANENT  // NUD_PERMANENT
)

// neighStateNames are the states in the order `ip neigh` prints them.
var neighStateNames = []struct {
	s    NeighState
	name string
}{
	{NeighIncomplete, "INCOMPLETE"}, {NeighReachable, "REACHABLE"}, {NeighStale, "STALE"},
	{NeighDelay, "DELAY"}, {NeighProbe, "PROBE"}, {NeighFailed, "FAILED"},
	{NeighNoARP, "NOARP"}, {NeighPermanent, "PERMANENT"},
}

// Names returns the states that are set, upper case, in ip's order
// ("REACHABLE", "PERMANENT"); none for NeighNone.
func (s NeighState) Names() []string {
	names := []string{}
	for _, n := range neighStateNames {
		if s&n.s != 0 {
			names = append(names, n.name)
		}
	}
	return names
}

// String returns the state as ip prints it, or "NONE".
func (s NeighState) String() string {
	if n := s.Names(); len(n) > 0 {
		return strings.Join(n, ",")
	}
	return "NONE"
}

// ParseNeighState parses a state as `ip neigh ... nud STATE` does:
// permanent, reachable and failed may be abbreviated; noarp, none, stale,
// incomplete, delay and probe may not; a number must be one bit below
// 0x100 (or 0).
func ParseNeighState(s string) (NeighState, error) {
	prefix := func(word string) bool { return s != "" && strings.HasPrefix(word, s) }
	switch {
	case prefix("permanent"):
		return NeighPermanent, nil
	case prefix("reachable"):
		return NeighReachable, nil
	case s == "noarp":
		return NeighNoARP, nil
	case s == "none":
		return NeighNone, nil
	case s == "stale":
		return NeighStale, nil
	case s == "incomplete":
		return NeighIncomplete, nil
	case s == "delay":
		return NeighDelay, nil
	case s == "probe":
		return NeighProbe, nil
	case prefix("failed"):
		return NeighFailed, nil
	}
	n, err := strconv.ParseUint(s, 0, 32)
	if err != nil || n >= 0x100 || n&(n-1) != 0 {
		return 0, fmt.Errorf("invalid nud state %q", s)
	}
	return NeighState(n), nil
}

// NeighFlags are ndm_flags (NTF_*).
type NeighFlags uint8

// Neighbour flags.
const (
	NeighUse        NeighFlags = unix.NTF_USE         // NTF_USE
	NeighSelf       NeighFlags = unix.NTF_SELF        // NTF_SELF
	NeighMaster     NeighFlags = unix.NTF_MASTER      // NTF_MASTER
	NeighProxy      NeighFlags = unix.NTF_PROXY       // NTF_PROXY: a proxy (pneigh) entry
	NeighExtLearned NeighFlags = unix.NTF_EXT_LEARNED // NTF_EXT_LEARNED
	NeighOffloaded  NeighFlags = unix.NTF_OFFLOADED   // NTF_OFFLOADED
	NeighSticky     NeighFlags = 0x40                 // NTF_STICKY
	NeighRouter     NeighFlags = unix.NTF_ROUTER      // NTF_ROUTER
)

// NDA_* attributes x/sys/unix does not name.
const (
	ndaProtocol     = 12 // NDA_PROTOCOL
	ndaNHID         = 13 // NDA_NH_ID
	ndaFDBExtAttrs  = 14 // NDA_FDB_EXT_ATTRS
	ndaFlagsExt     = 15 // NDA_FLAGS_EXT
	ndaNDMStateMask = 16 // NDA_NDM_STATE_MASK
	ndaNDMFlagsMask = 17 // NDA_NDM_FLAGS_MASK
)

// Extended neighbour flags (NDA_FLAGS_EXT).
const (
	NeighExtManaged   uint32 = 1 << 0 // NTF_EXT_MANAGED
	NeighExtLocked    uint32 = 1 << 1 // NTF_EXT_LOCKED
	NeighExtValidated uint32 = 1 << 2 // NTF_EXT_EXT_VALIDATED
)

// NeighMessage is an RTM_{NEW,DEL,GET}NEIGH message: struct ndmsg and the
// NDA_* attributes.
type NeighMessage struct {
	Family Family     // ndm_family
	Index  uint32     // ndm_ifindex: the link
	State  NeighState // ndm_state
	Flags  NeighFlags // ndm_flags
	Type   uint8      // ndm_type (RTN_UNICAST for ordinary entries)
	Attrs  NeighAttrs
}

// NeighAttrs are the NDA_* attributes (absent: nil pointer, zero Addr,
// nil slice).
type NeighAttrs struct {
	Dst       netip.Addr       // NDA_DST: the neighbour's address
	LLAddr    net.HardwareAddr // NDA_LLADDR: its link-layer address
	CacheInfo *NeighCacheInfo  // NDA_CACHEINFO (replies)
	Probes    *uint32          // NDA_PROBES (replies)
	IfIndex   *uint32          // NDA_IFINDEX: a dump filter
	Master    *uint32          // NDA_MASTER: a dump filter, or the bridge of an fdb entry
	Protocol  *RouteProtocol   // NDA_PROTOCOL: who installed the entry
	FlagsExt  *uint32          // NDA_FLAGS_EXT (NeighExt*)
}

// NeighCacheInfo is struct nda_cacheinfo; times are in clock ticks
// (USER_HZ) since the event.
type NeighCacheInfo struct {
	Confirmed, Used, Updated, RefCnt uint32
}

const ndmsgLen = 12

func (*NeighMessage) rtMessage() {}

// MarshalBinary encodes the message: ndmsg followed by attributes, in
// iproute2's order.
func (m *NeighMessage) MarshalBinary() ([]byte, error) {
	b := make([]byte, ndmsgLen)
	b[0] = byte(m.Family)
	native.PutUint32(b[4:], m.Index)
	native.PutUint16(b[8:], uint16(m.State))
	b[10] = byte(m.Flags)
	b[11] = m.Type
	ae := nlattr.NewEncoder(native)
	a := &m.Attrs
	if a.Protocol != nil {
		ae.Uint8(ndaProtocol, uint8(*a.Protocol))
	}
	putAddr(ae, unix.NDA_DST, a.Dst)
	putU32(ae, ndaFlagsExt, a.FlagsExt)
	if a.LLAddr != nil {
		ae.Bytes(unix.NDA_LLADDR, a.LLAddr)
	}
	putU32(ae, unix.NDA_IFINDEX, a.IfIndex)
	putU32(ae, unix.NDA_MASTER, a.Master)
	putU32(ae, unix.NDA_PROBES, a.Probes)
	if ci := a.CacheInfo; ci != nil {
		c := make([]byte, 16)
		for i, v := range []uint32{ci.Confirmed, ci.Used, ci.Updated, ci.RefCnt} {
			native.PutUint32(c[i*4:], v)
		}
		ae.Bytes(unix.NDA_CACHEINFO, c)
	}
	attrs, err := ae.Encode()
	if err != nil {
		return nil, err
	}
	return append(b, attrs...), nil
}

// UnmarshalBinary decodes a message from ndmsg and attributes.
func (m *NeighMessage) UnmarshalBinary(b []byte) error {
	if len(b) < ndmsgLen {
		return errShort
	}
	*m = NeighMessage{
		Family: Family(b[0]),
		Index:  native.Uint32(b[4:]),
		State:  NeighState(native.Uint16(b[8:])),
		Flags:  NeighFlags(b[10]),
		Type:   b[11],
	}
	r := newAttrReader(b[ndmsgLen:])
	a := &m.Attrs
	for r.Next() {
		switch r.Type {
		case unix.NDA_DST:
			a.Dst = r.Addr()
		case unix.NDA_LLADDR:
			a.LLAddr = net.HardwareAddr(append([]byte{}, r.Data...))
		case unix.NDA_CACHEINFO:
			c := r.Data
			if len(c) != 16 {
				r.Fail(fmt.Errorf("nda_cacheinfo of %d bytes", len(c)))
				break
			}
			a.CacheInfo = &NeighCacheInfo{Confirmed: native.Uint32(c), Used: native.Uint32(c[4:]),
				Updated: native.Uint32(c[8:]), RefCnt: native.Uint32(c[12:])}
		case unix.NDA_PROBES:
			a.Probes = new(r.Uint32())
		case unix.NDA_IFINDEX:
			a.IfIndex = new(r.Uint32())
		case unix.NDA_MASTER:
			a.Master = new(r.Uint32())
		case ndaProtocol:
			a.Protocol = new(RouteProtocol(r.Uint8()))
		case ndaFlagsExt:
			a.FlagsExt = new(r.Uint32())
		}
	}
	return r.Err()
}

// neighObject names an entry in errors as ip would type it.
func neighObject(m *NeighMessage) string {
	s := m.Attrs.Dst.String()
	if !m.Attrs.Dst.IsValid() {
		s = ""
	}
	if m.Flags&NeighProxy != 0 {
		s = "proxy " + s
	}
	return s
}

func (c *Conn) neighRequest(op string, typ netlink.HeaderType, flags netlink.HeaderFlags, m *NeighMessage) ([]netlink.Message, error) {
	b, err := m.MarshalBinary()
	if err != nil {
		return nil, &Error{Op: op, Object: neighObject(m), Err: err}
	}
	return c.request(op, neighObject(m), typ, flags, b)
}

// AddNeigh adds a neighbour entry (RTM_NEWNEIGH with NLM_F_CREATE and
// NLM_F_EXCL); m needs Family, Index and Attrs.Dst. An entry already
// there is an error matching os.ErrExist.
func (c *Conn) AddNeigh(m *NeighMessage) error {
	_, err := c.neighRequest("add neighbour", unix.RTM_NEWNEIGH, netlink.Acknowledge|netlink.Create|netlink.Excl, m)
	return err
}

// ReplaceNeigh adds an entry or overwrites the one with the same address
// on the link (NLM_F_CREATE|NLM_F_REPLACE).
func (c *Conn) ReplaceNeigh(m *NeighMessage) error {
	_, err := c.neighRequest("replace neighbour", unix.RTM_NEWNEIGH, netlink.Acknowledge|netlink.Create|netlink.Replace, m)
	return err
}

// ChangeNeigh changes an existing entry (NLM_F_REPLACE without
// NLM_F_CREATE); an entry that is not there is an error matching
// os.ErrNotExist.
func (c *Conn) ChangeNeigh(m *NeighMessage) error {
	_, err := c.neighRequest("change neighbour", unix.RTM_NEWNEIGH, netlink.Acknowledge|netlink.Replace, m)
	return err
}

// DeleteNeigh deletes the entry for m.Attrs.Dst on link m.Index (a proxy
// entry when m.Flags has NeighProxy). An entry that is not there is an
// error matching os.ErrNotExist.
func (c *Conn) DeleteNeigh(m *NeighMessage) error {
	_, err := c.neighRequest("delete neighbour", unix.RTM_DELNEIGH, netlink.Acknowledge, m)
	return err
}

// GetNeigh returns the entry for m.Attrs.Dst on link m.Index (RTM_GETNEIGH
// without NLM_F_DUMP; a proxy entry when m.Flags has NeighProxy). An entry
// that is not there is an error matching os.ErrNotExist.
func (c *Conn) GetNeigh(m *NeighMessage) (*NeighMessage, error) {
	const op = "get neighbour"
	msgs, err := c.neighRequest(op, unix.RTM_GETNEIGH, 0, m)
	if err != nil {
		return nil, err
	}
	for _, nm := range msgs {
		if nm.Header.Type != unix.RTM_NEWNEIGH {
			continue
		}
		var r NeighMessage
		if err := r.UnmarshalBinary(nm.Data); err != nil {
			return nil, &Error{Op: op, Object: neighObject(m), Err: fmt.Errorf("decode reply: %w", err)}
		}
		return &r, nil
	}
	return nil, &Error{Op: op, Object: neighObject(m), Err: fmt.Errorf("no neighbour in the reply")}
}

// NeighFilter selects entries in Neighs. Zero fields select everything.
type NeighFilter struct {
	Family Family
	Index  uint32 // the link's index (the kernel filters)
	// Proxy lists the proxy (pneigh) entries instead of the cache.
	Proxy bool
	// Master keeps the entries of the links enslaved to the link with
	// this index (a bridge, a VRF); -1 keeps those of links with no
	// master. The kernel filters.
	Master int32
}

// Neighs lists the neighbour entries f selects, in the kernel's order
// (IPv4 first, then IPv6).
func (c *Conn) Neighs(f NeighFilter) ([]NeighMessage, error) {
	req := &NeighMessage{Family: f.Family}
	if f.Proxy {
		req.Flags = NeighProxy
	}
	if f.Index != 0 {
		req.Attrs.IfIndex = &f.Index
	}
	if f.Master != 0 {
		req.Attrs.Master = new(uint32(f.Master))
	}
	b, err := req.MarshalBinary()
	if err != nil {
		return nil, err
	}
	var out []NeighMessage
	err = c.dumpEach("list neighbours", unix.RTM_GETNEIGH, b, func() { out = out[:0] }, func(nm netlink.Message) error {
		if nm.Header.Type != unix.RTM_NEWNEIGH {
			return nil
		}
		var n NeighMessage
		if err := n.UnmarshalBinary(nm.Data); err != nil {
			return fmt.Errorf("decode reply: %w", err)
		}
		if f.Family != FamilyUnspec && n.Family != f.Family || f.Index != 0 && n.Index != f.Index ||
			f.Proxy != (n.Flags&NeighProxy != 0) {
			return nil
		}
		out = append(out, n)
		return nil
	})
	return out, err
}
