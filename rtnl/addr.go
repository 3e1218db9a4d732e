package rtnl

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nlattr"
)

// AddrFlags are an address's flags (IFA_F_*).
type AddrFlags uint32

// Address flags.
const (
	AddrSecondary      AddrFlags = unix.IFA_F_SECONDARY      // IFA_F_SECONDARY (IPv6: IFA_F_TEMPORARY)
	AddrNoDAD          AddrFlags = unix.IFA_F_NODAD          // IFA_F_NODAD
	AddrOptimistic     AddrFlags = unix.IFA_F_OPTIMISTIC     // IFA_F_OPTIMISTIC
	AddrDADFailed      AddrFlags = unix.IFA_F_DADFAILED      // IFA_F_DADFAILED
	AddrHomeAddress    AddrFlags = unix.IFA_F_HOMEADDRESS    // IFA_F_HOMEADDRESS
	AddrDeprecated     AddrFlags = unix.IFA_F_DEPRECATED     // IFA_F_DEPRECATED
	AddrTentative      AddrFlags = unix.IFA_F_TENTATIVE      // IFA_F_TENTATIVE
	AddrPermanent      AddrFlags = unix.IFA_F_PERMANENT      // IFA_F_PERMANENT
	AddrManageTempAddr AddrFlags = unix.IFA_F_MANAGETEMPADDR // IFA_F_MANAGETEMPADDR
	AddrNoPrefixRoute  AddrFlags = unix.IFA_F_NOPREFIXROUTE  // IFA_F_NOPREFIXROUTE
	AddrMcAutoJoin     AddrFlags = unix.IFA_F_MCAUTOJOIN     // IFA_F_MCAUTOJOIN
	AddrStablePrivacy  AddrFlags = unix.IFA_F_STABLE_PRIVACY // IFA_F_STABLE_PRIVACY
)

// addrFlagNames is iproute2's order and spelling of the flags.
var addrFlagNames = []struct {
	f    AddrFlags
	name string
}{
	{AddrSecondary, "secondary"}, {AddrNoDAD, "nodad"}, {AddrOptimistic, "optimistic"},
	{AddrDADFailed, "dadfailed"}, {AddrHomeAddress, "home"}, {AddrDeprecated, "deprecated"},
	{AddrTentative, "tentative"}, {AddrPermanent, "permanent"}, {AddrManageTempAddr, "mngtmpaddr"},
	{AddrNoPrefixRoute, "noprefixroute"}, {AddrMcAutoJoin, "autojoin"}, {AddrStablePrivacy, "stable-privacy"},
}

// Names returns the flags as `ip addr` prints them for an address of
// family fam: the secondary bit is "temporary" on IPv6, a missing
// permanent bit is "dynamic", and unknown bits come last in hex
// ("flags 8000").
func (f AddrFlags) Names(fam Family) []string {
	return f.AppendNames(nil, fam)
}

// AppendNames appends the names Names returns to dst, so that a caller
// printing many addresses can reuse one slice.
func (f AddrFlags) AppendNames(names []string, fam Family) []string {
	for _, n := range addrFlagNames {
		switch {
		case n.f == AddrPermanent:
			if f&n.f == 0 {
				names = append(names, "dynamic")
			}
		case f&n.f == 0:
		case n.f == AddrSecondary && fam == FamilyInet6:
			names = append(names, "temporary")
		default:
			names = append(names, n.name)
		}
		f &^= n.f
	}
	if f != 0 {
		names = append(names, "flags "+strconv.FormatUint(uint64(f), 16))
	}
	return names
}

// String returns the flag names of an IPv4 address joined by spaces.
func (f AddrFlags) String() string { return strings.Join(f.Names(FamilyInet), " ") }

// AddrMessage is an RTM_{NEW,DEL,GET}ADDR message: struct ifaddrmsg and
// the IFA_* attributes.
type AddrMessage struct {
	Family    Family // ifa_family
	PrefixLen uint8  // ifa_prefixlen
	// Flags are ifa_flags widened by IFA_FLAGS: on the wire the low eight
	// bits go in the header, and all of them in IFA_FLAGS when any is
	// above the eighth.
	Flags AddrFlags
	Scope Scope  // ifa_scope
	Index uint32 // ifa_index: the link
	Attrs AddrAttrs
}

// AddrAttrs are the IFA_* attributes (see LinkAttrs for the absent rule).
type AddrAttrs struct {
	// Local is IFA_LOCAL, the address itself. Address is IFA_ADDRESS:
	// the same address, or the peer's on a point-to-point link.
	Local     netip.Addr
	Address   netip.Addr
	Broadcast netip.Addr     // IFA_BROADCAST
	Anycast   netip.Addr     // IFA_ANYCAST
	Multicast netip.Addr     // IFA_MULTICAST
	Label     string         // IFA_LABEL (IPv4): "eth0" or an alias like "eth0:1"
	CacheInfo *AddrCacheInfo // IFA_CACHEINFO
	Priority  *uint32        // IFA_RT_PRIORITY: metric of the prefix route
}

// AddrCacheInfo is struct ifa_cacheinfo: lifetimes in seconds
// (LifetimeForever for none) and timestamps in hundredths of a second
// since boot.
type AddrCacheInfo struct {
	Preferred, Valid uint32
	Created, Updated uint32
}

// LifetimeForever is the lifetime of an address that never expires.
const LifetimeForever = 0xffffffff

const ifaddrmsgLen = 8

// Prefix returns the address with its prefix length (IFA_LOCAL, or
// IFA_ADDRESS when there is no local address).
func (m *AddrMessage) Prefix() netip.Prefix {
	a := m.Attrs.Local
	if !a.IsValid() {
		a = m.Attrs.Address
	}
	if !a.IsValid() {
		return netip.Prefix{}
	}
	return netip.PrefixFrom(a, int(m.PrefixLen))
}

// MarshalBinary encodes the message: ifaddrmsg followed by attributes.
func (m *AddrMessage) MarshalBinary() ([]byte, error) {
	b := make([]byte, ifaddrmsgLen)
	b[0] = byte(m.Family)
	b[1] = m.PrefixLen
	if m.Flags <= 0xff {
		b[2] = byte(m.Flags)
	}
	b[3] = byte(m.Scope)
	native.PutUint32(b[4:], m.Index)
	ae := nlattr.NewEncoder(native)
	a := &m.Attrs
	putAddr(ae, unix.IFA_LOCAL, a.Local)
	putString(ae, unix.IFA_LABEL, a.Label)
	if m.Flags > 0xff {
		ae.Uint32(unix.IFA_FLAGS, uint32(m.Flags))
	}
	putAddr(ae, unix.IFA_ADDRESS, a.Address)
	putAddr(ae, unix.IFA_BROADCAST, a.Broadcast)
	putAddr(ae, unix.IFA_ANYCAST, a.Anycast)
	putAddr(ae, unix.IFA_MULTICAST, a.Multicast)
	putU32(ae, unix.IFA_RT_PRIORITY, a.Priority)
	if ci := a.CacheInfo; ci != nil {
		c := make([]byte, 16)
		native.PutUint32(c[0:], ci.Preferred)
		native.PutUint32(c[4:], ci.Valid)
		native.PutUint32(c[8:], ci.Created)
		native.PutUint32(c[12:], ci.Updated)
		ae.Bytes(unix.IFA_CACHEINFO, c)
	}
	attrs, err := ae.Encode()
	if err != nil {
		return nil, err
	}
	return append(b, attrs...), nil
}

// UnmarshalBinary decodes a message from ifaddrmsg and attributes.
func (m *AddrMessage) UnmarshalBinary(b []byte) error {
	return m.unmarshal(b, nil)
}

// unmarshal decodes b into m; ci, when not nil, is where IFA_CACHEINFO
// goes (a dump makes them all at once).
func (m *AddrMessage) unmarshal(b []byte, ci *AddrCacheInfo) error {
	if len(b) < ifaddrmsgLen {
		return errShort
	}
	*m = AddrMessage{
		Family:    Family(b[0]),
		PrefixLen: b[1],
		Flags:     AddrFlags(b[2]),
		Scope:     Scope(b[3]),
		Index:     native.Uint32(b[4:]),
	}
	r := newAttrReader(b[ifaddrmsgLen:])
	a := &m.Attrs
	for r.Next() {
		switch r.Type {
		case unix.IFA_LOCAL:
			a.Local = r.Addr()
		case unix.IFA_ADDRESS:
			a.Address = r.Addr()
		case unix.IFA_BROADCAST:
			a.Broadcast = r.Addr()
		case unix.IFA_ANYCAST:
			a.Anycast = r.Addr()
		case unix.IFA_MULTICAST:
			a.Multicast = r.Addr()
		case unix.IFA_LABEL:
			a.Label = r.String()
		case unix.IFA_FLAGS:
			m.Flags = AddrFlags(r.Uint32())
		case unix.IFA_RT_PRIORITY:
			a.Priority = new(r.Uint32())
		case unix.IFA_CACHEINFO:
			c := r.Data
			if len(c) != 16 {
				r.Fail(fmt.Errorf("ifa_cacheinfo of %d bytes", len(c)))
				break
			}
			if ci == nil {
				ci = &AddrCacheInfo{}
			}
			*ci = AddrCacheInfo{
				Preferred: native.Uint32(c), Valid: native.Uint32(c[4:]),
				Created: native.Uint32(c[8:]), Updated: native.Uint32(c[12:]),
			}
			a.CacheInfo = ci
		}
	}
	return r.Err()
}

func addrObject(m *AddrMessage) string {
	p := m.Prefix()
	if !p.IsValid() {
		return ""
	}
	if m.Attrs.Local.IsValid() && m.Attrs.Address.IsValid() && m.Attrs.Local != m.Attrs.Address {
		return fmt.Sprintf("%s peer %s/%d", m.Attrs.Local, m.Attrs.Address, m.PrefixLen)
	}
	return p.String()
}

func (c *Conn) addrRequest(op string, typ netlink.HeaderType, flags netlink.HeaderFlags, m *AddrMessage) error {
	b, err := m.MarshalBinary()
	if err == nil {
		_, err = c.request(op, addrObject(m), typ, flags, b)
		return err
	}
	return &Error{Op: op, Object: addrObject(m), Err: err}
}

// AddAddr adds an address to a link (RTM_NEWADDR with NLM_F_CREATE and
// NLM_F_EXCL). An address already there is an error matching os.ErrExist.
func (c *Conn) AddAddr(m *AddrMessage) error {
	return c.addrRequest("add address", unix.RTM_NEWADDR, netlink.Acknowledge|netlink.Create|netlink.Excl, m)
}

// ReplaceAddr adds an address or changes an existing one's flags,
// lifetimes and label (RTM_NEWADDR with NLM_F_CREATE and NLM_F_REPLACE).
func (c *Conn) ReplaceAddr(m *AddrMessage) error {
	return c.addrRequest("replace address", unix.RTM_NEWADDR, netlink.Acknowledge|netlink.Create|netlink.Replace, m)
}

// DeleteAddr removes an address from a link. An address that is not there
// is an error matching os.ErrNotExist.
func (c *Conn) DeleteAddr(m *AddrMessage) error {
	return c.addrRequest("delete address", unix.RTM_DELADDR, netlink.Acknowledge, m)
}

// Addrs lists the addresses of family fam (FamilyUnspec for all) on the
// link with index index (0 for every link). The kernel filters them. The
// addresses are decoded as the kernel's replies arrive.
func (c *Conn) Addrs(fam Family, index uint32) ([]AddrMessage, error) {
	req := &AddrMessage{Family: fam, Index: index}
	b, err := req.MarshalBinary()
	if err != nil {
		return nil, err
	}
	var (
		addrs chunks[AddrMessage]
		cis   chunks[AddrCacheInfo]
	)
	err = c.dumpEach("list addresses", unix.RTM_GETADDR, b, func() {
		addrs, cis = chunks[AddrMessage]{}, chunks[AddrCacheInfo]{}
	}, func(nm netlink.Message) error {
		if nm.Header.Type != unix.RTM_NEWADDR {
			return nil
		}
		am := addrs.next()
		if err := am.unmarshal(nm.Data, cis.next()); err != nil {
			return fmt.Errorf("decode reply: %w", err)
		}
		keep := (fam == FamilyUnspec || am.Family == fam) && (index == 0 || am.Index == index)
		if !keep || am.Attrs.CacheInfo == nil {
			cis.unget()
		}
		if !keep {
			addrs.unget()
		}
		return nil
	})
	if err != nil && !errors.Is(err, ErrDumpInterrupted) {
		return nil, err
	}
	return addrs.all(), err
}
