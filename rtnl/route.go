package rtnl

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strconv"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nlattr"
)

// Table is a routing table id. Ids up to 255 travel in rtm_table, larger
// ones in RTA_TABLE.
type Table uint32

// Well-known tables.
const (
	TableUnspec  Table = unix.RT_TABLE_UNSPEC  // RT_TABLE_UNSPEC
	TableCompat  Table = unix.RT_TABLE_COMPAT  // RT_TABLE_COMPAT
	TableDefault Table = unix.RT_TABLE_DEFAULT // RT_TABLE_DEFAULT
	TableMain    Table = unix.RT_TABLE_MAIN    // RT_TABLE_MAIN
	TableLocal   Table = unix.RT_TABLE_LOCAL   // RT_TABLE_LOCAL
)

// String returns iproute2's name of the table ("main", "local",
// "default") or its number.
func (t Table) String() string {
	switch t {
	case TableMain:
		return "main"
	case TableLocal:
		return "local"
	case TableDefault:
		return "default"
	case TableUnspec:
		return "unspec"
	}
	return strconv.FormatUint(uint64(t), 10)
}

// ParseTable parses main, local, default or a number.
func ParseTable(s string) (Table, error) {
	switch s {
	case "main":
		return TableMain, nil
	case "local":
		return TableLocal, nil
	case "default":
		return TableDefault, nil
	}
	n, err := strconv.ParseUint(s, 0, 32)
	if err != nil {
		return 0, fmt.Errorf("invalid table %q (want main, local, default or a number)", s)
	}
	return Table(n), nil
}

// RouteProtocol says who installed a route (RTPROT_*).
type RouteProtocol uint8

// Route protocols.
const (
	ProtoUnspec   RouteProtocol = unix.RTPROT_UNSPEC   // RTPROT_UNSPEC
	ProtoRedirect RouteProtocol = unix.RTPROT_REDIRECT // RTPROT_REDIRECT
	ProtoKernel   RouteProtocol = unix.RTPROT_KERNEL   // RTPROT_KERNEL
	ProtoBoot     RouteProtocol = unix.RTPROT_BOOT     // RTPROT_BOOT: the default for routes added by hand
	ProtoStatic   RouteProtocol = unix.RTPROT_STATIC   // RTPROT_STATIC
	ProtoRA       RouteProtocol = unix.RTPROT_RA       // RTPROT_RA
	ProtoDHCP     RouteProtocol = unix.RTPROT_DHCP     // RTPROT_DHCP
)

// protoNames are iproute2's names of route protocols (rt_protos), as
// static data.
var protoNames = [...]struct {
	p    RouteProtocol
	name string
}{
	{0, "unspec"}, {1, "redirect"}, {2, "kernel"}, {3, "boot"}, {4, "static"}, {8, "gated"}, {9, "ra"},
	{10, "mrt"}, {11, "zebra"}, {12, "bird"}, {13, "dnrouted"}, {14, "xorp"}, {15, "ntk"}, {16, "dhcp"},
	{17, "mrouted"}, {18, "keepalived"}, {42, "babel"}, {84, "ovn"}, {99, "openr"}, {186, "bgp"}, {187, "isis"},
	{188, "ospf"}, {189, "rip"}, {192, "eigrp"},
}

// String returns iproute2's name of the protocol ("kernel", "boot") or
// its number.
func (p RouteProtocol) String() string {
	for _, n := range &protoNames {
		if n.p == p {
			return n.name
		}
	}
	return strconv.Itoa(int(p))
}

// ParseRouteProtocol parses a protocol name or number.
func ParseRouteProtocol(s string) (RouteProtocol, error) {
	for _, n := range &protoNames {
		if n.name == s {
			return n.p, nil
		}
	}
	n, err := strconv.ParseUint(s, 0, 8)
	if err != nil {
		return 0, fmt.Errorf("invalid protocol %q", s)
	}
	return RouteProtocol(n), nil
}

// RouteType is a route's type (RTN_*).
type RouteType uint8

// Route types.
const (
	RouteUnspec      RouteType = unix.RTN_UNSPEC      // RTN_UNSPEC
	RouteUnicast     RouteType = unix.RTN_UNICAST     // RTN_UNICAST
	RouteLocal       RouteType = unix.RTN_LOCAL       // RTN_LOCAL
	RouteBroadcast   RouteType = unix.RTN_BROADCAST   // RTN_BROADCAST
	RouteAnycast     RouteType = unix.RTN_ANYCAST     // RTN_ANYCAST
	RouteMulticast   RouteType = unix.RTN_MULTICAST   // RTN_MULTICAST
	RouteBlackhole   RouteType = unix.RTN_BLACKHOLE   // RTN_BLACKHOLE
	RouteUnreachable RouteType = unix.RTN_UNREACHABLE // RTN_UNREACHABLE
	RouteProhibit    RouteType = unix.RTN_PROHIBIT    // RTN_PROHIBIT
	RouteThrow       RouteType = unix.RTN_THROW       // RTN_THROW
	RouteNAT         RouteType = unix.RTN_NAT         // RTN_NAT
	RouteXResolve    RouteType = unix.RTN_XRESOLVE    // RTN_XRESOLVE
)

var routeTypeNames = [...]string{"none", "unicast", "local", "broadcast", "anycast", "multicast",
	"blackhole", "unreachable", "prohibit", "throw", "nat", "xresolve"}

// String returns iproute2's name of the type ("unicast", "local").
func (t RouteType) String() string {
	if int(t) < len(routeTypeNames) {
		return routeTypeNames[t]
	}
	return strconv.Itoa(int(t))
}

// ParseRouteType parses a route type name (unicast, local, blackhole...).
func ParseRouteType(s string) (RouteType, error) {
	for i, n := range routeTypeNames {
		if n == s && i > 0 {
			return RouteType(i), nil
		}
	}
	return 0, fmt.Errorf("invalid route type %q", s)
}

// RouteFlags are rtm_flags: next-hop flags (RTNH_F_*) in the low byte and
// request/reply flags (RTM_F_*) above; for IPv4 cache entries the top
// bits are RTCF_* flags.
type RouteFlags uint32

// Route flags.
const (
	RouteDead        RouteFlags = unix.RTNH_F_DEAD        // RTNH_F_DEAD
	RoutePervasive   RouteFlags = unix.RTNH_F_PERVASIVE   // RTNH_F_PERVASIVE
	RouteOnlink      RouteFlags = unix.RTNH_F_ONLINK      // RTNH_F_ONLINK
	RouteOffload     RouteFlags = unix.RTNH_F_OFFLOAD     // RTNH_F_OFFLOAD
	RouteLinkdown    RouteFlags = unix.RTNH_F_LINKDOWN    // RTNH_F_LINKDOWN
	RouteUnresolved  RouteFlags = unix.RTNH_F_UNRESOLVED  // RTNH_F_UNRESOLVED
	RouteTrap        RouteFlags = unix.RTNH_F_TRAP        // RTNH_F_TRAP
	RouteNotify      RouteFlags = unix.RTM_F_NOTIFY       // RTM_F_NOTIFY
	RouteCloned      RouteFlags = unix.RTM_F_CLONED       // RTM_F_CLONED
	RouteEqualize    RouteFlags = unix.RTM_F_EQUALIZE     // RTM_F_EQUALIZE
	RoutePrefix      RouteFlags = unix.RTM_F_PREFIX       // RTM_F_PREFIX
	RouteLookupTable RouteFlags = unix.RTM_F_LOOKUP_TABLE // RTM_F_LOOKUP_TABLE
	RouteFibMatch    RouteFlags = unix.RTM_F_FIB_MATCH    // RTM_F_FIB_MATCH
	RouteRtOffload   RouteFlags = unix.RTM_F_OFFLOAD      // RTM_F_OFFLOAD
	RouteRtTrap      RouteFlags = unix.RTM_F_TRAP         // RTM_F_TRAP
)

// Names returns the flags `ip route` prints ("onlink", "linkdown"), in
// its order.
func (f RouteFlags) Names() []string {
	names := []string{}
	for _, n := range []struct {
		f    RouteFlags
		name string
	}{
		{RouteDead, "dead"}, {RouteOnlink, "onlink"}, {RoutePervasive, "pervasive"},
		{RouteOffload, "offload"}, {RouteTrap, "trap"}, {RouteNotify, "notify"},
		{RouteLinkdown, "linkdown"}, {RouteUnresolved, "unresolved"},
		{RouteRtOffload, "rt_offload"}, {RouteRtTrap, "rt_trap"},
	} {
		if f&n.f != 0 {
			names = append(names, n.name)
		}
	}
	return names
}

// CacheNames returns the RTCF_* flags of an IPv4 route-cache entry (a
// `route get` reply) as `ip route get` prints them after "cache".
func (f RouteFlags) CacheNames() []string {
	names := []string{}
	for _, n := range []struct {
		f    RouteFlags
		name string
	}{
		{0x80000000, "local"}, {0x40000000, "reject"}, {0x20000000, "mc"}, {0x10000000, "brd"},
		{0x08000000, "dst-nat"}, {0x00800000, "src-nat"}, {0x00400000, "masq"},
		{0x00020000, "dst-direct"}, {0x04000000, "src-direct"}, {0x00040000, "redirected"},
		{0x01000000, "redirect"}, {0x00200000, "fastroute"}, {0x00010000, "notify"},
		{0x00080000, "proxy"},
	} {
		if f&n.f != 0 {
			names = append(names, n.name)
		}
	}
	return names
}

// RoutePref is an IPv6 router preference (RTA_PREF, ICMPV6_ROUTER_PREF_*).
type RoutePref uint8

// String returns "low", "medium" or "high".
func (p RoutePref) String() string {
	switch p {
	case 0:
		return "medium"
	case 1:
		return "high"
	case 3:
		return "low"
	}
	return strconv.Itoa(int(p))
}

// RouteMessage is an RTM_{NEW,DEL,GET}ROUTE message: struct rtmsg and the
// RTA_* attributes.
type RouteMessage struct {
	Family Family // rtm_family
	// Dst is the destination prefix: rtm_dst_len and RTA_DST. For a
	// default route it is 0.0.0.0/0 or ::/0 (no RTA_DST is sent); the zero
	// Prefix also means "no destination".
	Dst netip.Prefix
	// Src is the source prefix (rtm_src_len, RTA_SRC) of a source-specific
	// route; the zero Prefix when there is none.
	Src      netip.Prefix
	TOS      uint8         // rtm_tos
	Table    Table         // rtm_table, or RTA_TABLE above 255
	Protocol RouteProtocol // rtm_protocol
	Scope    Scope         // rtm_scope
	Type     RouteType     // rtm_type
	Flags    RouteFlags    // rtm_flags
	Attrs    RouteAttrs
}

// RouteAttrs are the RTA_* attributes (see LinkAttrs for the absent
// rule).
type RouteAttrs struct {
	Gateway  netip.Addr    // RTA_GATEWAY
	OIF      *uint32       // RTA_OIF: the output link
	IIF      *uint32       // RTA_IIF: the input link (route get)
	PrefSrc  netip.Addr    // RTA_PREFSRC
	Priority *uint32       // RTA_PRIORITY: the metric
	Metrics  *RouteMetrics // RTA_METRICS
	Mark     *uint32       // RTA_MARK
	UID      *uint32       // RTA_UID
	Flow     *uint32       // RTA_FLOW: realms, source<<16 | destination
	// IPProto, SPort and DPort describe the packet a route get asks
	// about (RTA_IP_PROTO, RTA_SPORT, RTA_DPORT; ports big-endian on the
	// wire, plain numbers here).
	IPProto      *uint8
	SPort, DPort *uint16
	Pref         *RoutePref      // RTA_PREF
	Expires      *uint32         // RTA_EXPIRES
	Multipath    []byte          // RTA_MULTIPATH, undecoded
	CacheInfo    *RouteCacheInfo // RTA_CACHEINFO
}

// RouteMetrics are the RTA_METRICS attributes (RTAX_*) this package
// knows; others are dropped when decoding.
type RouteMetrics struct {
	MTU      *uint32 // RTAX_MTU
	Window   *uint32 // RTAX_WINDOW
	AdvMSS   *uint32 // RTAX_ADVMSS
	HopLimit *uint32 // RTAX_HOPLIMIT
	InitCwnd *uint32 // RTAX_INITCWND
	Lock     *uint32 // RTAX_LOCK: bit 1<<RTAX_x locks metric x
}

// RouteCacheInfo is struct rta_cacheinfo.
type RouteCacheInfo struct {
	ClntRef, LastUse uint32
	Expires          int32
	Error, Used, ID  uint32
	TS, TSAge        uint32
}

const rtmsgLen = 12

// MarshalBinary encodes the message: rtmsg followed by attributes.
func (m *RouteMessage) MarshalBinary() ([]byte, error) {
	b := make([]byte, rtmsgLen)
	b[0] = byte(m.Family)
	if m.Dst.IsValid() {
		b[1] = byte(m.Dst.Bits())
	}
	if m.Src.IsValid() {
		b[2] = byte(m.Src.Bits())
	}
	b[3] = m.TOS
	if m.Table < 256 {
		b[4] = byte(m.Table)
	}
	b[5] = byte(m.Protocol)
	b[6] = byte(m.Scope)
	b[7] = byte(m.Type)
	native.PutUint32(b[8:], uint32(m.Flags))
	ae := nlattr.NewEncoder(native)
	a := &m.Attrs
	// A default route (0.0.0.0/0 or ::/0 of the message's family) goes
	// without RTA_DST, as the kernel reports it.
	if def, _ := routePrefix(m.Family, netip.Addr{}, 0); m.Dst.IsValid() && m.Dst != def {
		putAddr(ae, unix.RTA_DST, m.Dst.Addr())
	}
	if m.Src.IsValid() {
		putAddr(ae, unix.RTA_SRC, m.Src.Addr())
	}
	// iproute2's order: the output link and the metrics last.
	putU32(ae, unix.RTA_IIF, a.IIF)
	putAddr(ae, unix.RTA_GATEWAY, a.Gateway)
	putAddr(ae, unix.RTA_PREFSRC, a.PrefSrc)
	putU32(ae, unix.RTA_PRIORITY, a.Priority)
	if m.Table >= 256 {
		ae.Uint32(unix.RTA_TABLE, uint32(m.Table))
	}
	putU32(ae, unix.RTA_MARK, a.Mark)
	putU32(ae, unix.RTA_UID, a.UID)
	putU32(ae, unix.RTA_FLOW, a.Flow)
	putU8(ae, unix.RTA_IP_PROTO, a.IPProto)
	for _, p := range []struct {
		t uint16
		v *uint16
	}{{unix.RTA_SPORT, a.SPort}, {unix.RTA_DPORT, a.DPort}} {
		if p.v != nil {
			ae.Bytes(p.t, binary.BigEndian.AppendUint16(nil, *p.v))
		}
	}
	if a.Pref != nil {
		ae.Uint8(unix.RTA_PREF, uint8(*a.Pref))
	}
	putU32(ae, unix.RTA_EXPIRES, a.Expires)
	putBytes(ae, unix.RTA_MULTIPATH, a.Multipath)
	putU32(ae, unix.RTA_OIF, a.OIF)
	if mx := a.Metrics; mx != nil {
		nest(ae, unix.RTA_METRICS, func(n *nlattr.Encoder) error {
			putU32(n, unix.RTAX_LOCK, mx.Lock)
			putU32(n, unix.RTAX_MTU, mx.MTU)
			putU32(n, unix.RTAX_WINDOW, mx.Window)
			putU32(n, unix.RTAX_ADVMSS, mx.AdvMSS)
			putU32(n, unix.RTAX_HOPLIMIT, mx.HopLimit)
			putU32(n, unix.RTAX_INITCWND, mx.InitCwnd)
			return nil
		})
	}
	if ci := a.CacheInfo; ci != nil {
		c := make([]byte, 32)
		for i, v := range []uint32{ci.ClntRef, ci.LastUse, uint32(ci.Expires), ci.Error, ci.Used, ci.ID, ci.TS, ci.TSAge} {
			native.PutUint32(c[i*4:], v)
		}
		ae.Bytes(unix.RTA_CACHEINFO, c)
	}
	attrs, err := ae.Encode()
	if err != nil {
		return nil, err
	}
	return append(b, attrs...), nil
}

// UnmarshalBinary decodes a message from rtmsg and attributes.
func (m *RouteMessage) UnmarshalBinary(b []byte) error {
	if len(b) < rtmsgLen {
		return errShort
	}
	*m = RouteMessage{
		Family:   Family(b[0]),
		TOS:      b[3],
		Table:    Table(b[4]),
		Protocol: RouteProtocol(b[5]),
		Scope:    Scope(b[6]),
		Type:     RouteType(b[7]),
		Flags:    RouteFlags(native.Uint32(b[8:])),
	}
	dstLen, srcLen := int(b[1]), int(b[2])
	var dst, src netip.Addr
	r := newAttrReader(b[rtmsgLen:])
	ad := &r
	a := &m.Attrs
	for ad.Next() {
		switch ad.Type {
		case unix.RTA_DST:
			dst = getAddr(ad)
		case unix.RTA_SRC:
			src = getAddr(ad)
		case unix.RTA_GATEWAY:
			a.Gateway = getAddr(ad)
		case unix.RTA_OIF:
			a.OIF = getU32(ad)
		case unix.RTA_IIF:
			a.IIF = getU32(ad)
		case unix.RTA_PREFSRC:
			a.PrefSrc = getAddr(ad)
		case unix.RTA_PRIORITY:
			a.Priority = getU32(ad)
		case unix.RTA_TABLE:
			m.Table = Table(ad.Uint32())
		case unix.RTA_MARK:
			a.Mark = getU32(ad)
		case unix.RTA_FLOW:
			a.Flow = getU32(ad)
		case unix.RTA_IP_PROTO:
			a.IPProto = getU8(ad)
		case unix.RTA_SPORT, unix.RTA_DPORT:
			t := ad.Type
			ad.Do(func(b []byte) error {
				if len(b) != 2 {
					return fmt.Errorf("route port of %d bytes", len(b))
				}
				v := binary.BigEndian.Uint16(b)
				if t == unix.RTA_SPORT {
					a.SPort = &v
				} else {
					a.DPort = &v
				}
				return nil
			})
		case unix.RTA_UID:
			a.UID = getU32(ad)
		case unix.RTA_PREF:
			p := RoutePref(ad.Uint8())
			a.Pref = &p
		case unix.RTA_EXPIRES:
			a.Expires = getU32(ad)
		case unix.RTA_MULTIPATH:
			a.Multipath = getBytes(ad)
		case unix.RTA_METRICS:
			a.Metrics = &RouteMetrics{}
			ad.Walk(func(n *attrReader) error {
				mx := a.Metrics
				for n.Next() {
					switch n.Type {
					case unix.RTAX_LOCK:
						mx.Lock = getU32(n)
					case unix.RTAX_MTU:
						mx.MTU = getU32(n)
					case unix.RTAX_WINDOW:
						mx.Window = getU32(n)
					case unix.RTAX_ADVMSS:
						mx.AdvMSS = getU32(n)
					case unix.RTAX_HOPLIMIT:
						mx.HopLimit = getU32(n)
					case unix.RTAX_INITCWND:
						mx.InitCwnd = getU32(n)
					}
				}
				return nil
			})
		case unix.RTA_CACHEINFO:
			ad.Do(func(c []byte) error {
				if len(c) != 32 {
					return fmt.Errorf("rta_cacheinfo of %d bytes", len(c))
				}
				v := func(i int) uint32 { return native.Uint32(c[i*4:]) }
				a.CacheInfo = &RouteCacheInfo{ClntRef: v(0), LastUse: v(1), Expires: int32(v(2)),
					Error: v(3), Used: v(4), ID: v(5), TS: v(6), TSAge: v(7)}
				return nil
			})
		}
	}
	err := ad.Err()
	if err != nil {
		return err
	}
	if m.Dst, err = routePrefix(m.Family, dst, dstLen); err != nil {
		return fmt.Errorf("destination: %w", err)
	}
	if !src.IsValid() && srcLen == 0 {
		return nil // no source prefix
	}
	if m.Src, err = routePrefix(m.Family, src, srcLen); err != nil {
		return fmt.Errorf("source: %w", err)
	}
	return nil
}

// routePrefix rebuilds a prefix from an address attribute (maybe absent)
// and a length from the header.
func routePrefix(fam Family, a netip.Addr, bits int) (netip.Prefix, error) {
	if !a.IsValid() {
		switch fam {
		case FamilyInet:
			a = netip.IPv4Unspecified()
		case FamilyInet6:
			a = netip.IPv6Unspecified()
		default:
			return netip.Prefix{}, nil
		}
	}
	p := netip.PrefixFrom(a, bits)
	if !p.IsValid() {
		return p, fmt.Errorf("prefix length %d for %s", bits, a)
	}
	return p, nil
}

// routeObject names a route in errors, as `ip route` would print it.
func routeObject(m *RouteMessage) string {
	s := "default"
	if m.Dst.IsValid() && m.Dst.Bits() > 0 {
		s = m.Dst.String()
	}
	if m.Attrs.Gateway.IsValid() {
		s += " via " + m.Attrs.Gateway.String()
	}
	if m.Table != TableMain && m.Table != TableUnspec {
		s += " table " + m.Table.String()
	}
	return s
}

func (c *Conn) routeRequest(op string, typ netlink.HeaderType, flags netlink.HeaderFlags, m *RouteMessage) ([]netlink.Message, error) {
	b, err := m.MarshalBinary()
	if err != nil {
		return nil, &Error{Op: op, Object: routeObject(m), Err: err}
	}
	return c.request(op, routeObject(m), typ, flags, b)
}

// AddRoute adds a route (RTM_NEWROUTE with NLM_F_CREATE and NLM_F_EXCL).
// A route already there is an error matching os.ErrExist.
func (c *Conn) AddRoute(m *RouteMessage) error {
	_, err := c.routeRequest("add route", unix.RTM_NEWROUTE, netlink.Acknowledge|netlink.Create|netlink.Excl, m)
	return err
}

// ReplaceRoute adds a route or replaces the one with the same destination,
// table, TOS and metric (NLM_F_CREATE|NLM_F_REPLACE).
func (c *Conn) ReplaceRoute(m *RouteMessage) error {
	_, err := c.routeRequest("replace route", unix.RTM_NEWROUTE, netlink.Acknowledge|netlink.Create|netlink.Replace, m)
	return err
}

// ChangeRoute changes an existing route (NLM_F_REPLACE without
// NLM_F_CREATE); a route that is not there is an error matching
// os.ErrNotExist.
func (c *Conn) ChangeRoute(m *RouteMessage) error {
	_, err := c.routeRequest("change route", unix.RTM_NEWROUTE, netlink.Acknowledge|netlink.Replace, m)
	return err
}

// AppendRoute adds a route after any with the same destination
// (NLM_F_CREATE|NLM_F_APPEND).
func (c *Conn) AppendRoute(m *RouteMessage) error {
	_, err := c.routeRequest("append route", unix.RTM_NEWROUTE, netlink.Acknowledge|netlink.Create|netlink.Append, m)
	return err
}

// DeleteRoute deletes the first route that matches m: Dst and Table
// always; Gateway, OIF, Priority, Protocol, Scope (unless
// ScopeNowhere) and Type (unless RouteUnspec) when set. A route that is
// not there is an error matching os.ErrNotExist.
func (c *Conn) DeleteRoute(m *RouteMessage) error {
	_, err := c.routeRequest("delete route", unix.RTM_DELROUTE, netlink.Acknowledge, m)
	return err
}

// GetRoute asks the kernel how it would route a packet (RTM_GETROUTE
// without NLM_F_DUMP): m carries Dst (a host prefix) and optionally Src,
// IIF, OIF or Mark. The reply is the route the kernel would use, with the
// output link and preferred source filled in.
func (c *Conn) GetRoute(m *RouteMessage) (*RouteMessage, error) {
	msgs, err := c.routeRequest("get route", unix.RTM_GETROUTE, 0, m)
	if err != nil {
		return nil, err
	}
	for _, nm := range msgs {
		if nm.Header.Type != unix.RTM_NEWROUTE {
			continue
		}
		var r RouteMessage
		if err := r.UnmarshalBinary(nm.Data); err != nil {
			return nil, &Error{Op: "get route", Object: routeObject(m), Err: fmt.Errorf("decode reply: %w", err)}
		}
		return &r, nil
	}
	return nil, &Error{Op: "get route", Object: routeObject(m), Err: fmt.Errorf("no route in the reply")}
}

// RouteFilter selects routes in Routes. Zero fields select everything.
type RouteFilter struct {
	Family Family
	Table  Table  // TableUnspec for every table
	OIF    uint32 // the output link's index
}

// Routes lists the routes f selects. The kernel filters by table and
// output link (strict dump checking), and Routes checks again.
func (c *Conn) Routes(f RouteFilter) ([]RouteMessage, error) { return c.routes(f, nil) }

// routes is Routes; keep, when not nil, is handed each message selected.
func (c *Conn) routes(f RouteFilter, keep func(netlink.Message)) ([]RouteMessage, error) {
	req := &RouteMessage{Family: f.Family, Table: f.Table}
	if f.OIF != 0 {
		req.Attrs.OIF = &f.OIF
	}
	b, err := req.MarshalBinary()
	if err != nil {
		return nil, err
	}
	msgs, err := c.dump("list routes", unix.RTM_GETROUTE, b)
	var out []RouteMessage
	for _, nm := range msgs {
		if nm.Header.Type != unix.RTM_NEWROUTE {
			continue
		}
		var r RouteMessage
		if derr := r.UnmarshalBinary(nm.Data); derr != nil {
			return nil, &Error{Op: "list routes", Err: fmt.Errorf("decode reply: %w", derr)}
		}
		if f.Family != FamilyUnspec && r.Family != f.Family ||
			f.Table != TableUnspec && r.Table != f.Table ||
			f.OIF != 0 && (r.Attrs.OIF == nil || *r.Attrs.OIF != f.OIF) {
			continue
		}
		out = append(out, r)
		if keep != nil {
			keep(nm)
		}
	}
	return out, err
}
