package rtnl

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nlattr"
)

// LinkFlags are a link's interface flags (IFF_*), as in ifinfomsg.
type LinkFlags uint32

// Interface flags.
const (
	LinkUp           LinkFlags = unix.IFF_UP          // IFF_UP
	LinkBroadcast    LinkFlags = unix.IFF_BROADCAST   // IFF_BROADCAST
	LinkDebug        LinkFlags = unix.IFF_DEBUG       // IFF_DEBUG
	LinkLoopback     LinkFlags = unix.IFF_LOOPBACK    // IFF_LOOPBACK
	LinkPointToPoint LinkFlags = unix.IFF_POINTOPOINT // IFF_POINTOPOINT
	LinkNoTrailers   LinkFlags = unix.IFF_NOTRAILERS  // IFF_NOTRAILERS
	LinkRunning      LinkFlags = unix.IFF_RUNNING     // IFF_RUNNING
	LinkNoARP        LinkFlags = unix.IFF_NOARP       // IFF_NOARP
	LinkPromisc      LinkFlags = unix.IFF_PROMISC     // IFF_PROMISC
	LinkAllMulti     LinkFlags = unix.IFF_ALLMULTI    // IFF_ALLMULTI
	LinkMaster       LinkFlags = unix.IFF_MASTER      // IFF_MASTER
	LinkSlave        LinkFlags = unix.IFF_SLAVE       // IFF_SLAVE
	LinkMulticast    LinkFlags = unix.IFF_MULTICAST   // IFF_MULTICAST
	LinkPortSel      LinkFlags = unix.IFF_PORTSEL     // IFF_PORTSEL
	LinkAutoMedia    LinkFlags = unix.IFF_AUTOMEDIA   // IFF_AUTOMEDIA
	LinkDynamic      LinkFlags = unix.IFF_DYNAMIC     // IFF_DYNAMIC
	LinkLowerUp      LinkFlags = unix.IFF_LOWER_UP    // IFF_LOWER_UP
	LinkDormant      LinkFlags = unix.IFF_DORMANT     // IFF_DORMANT
	LinkEcho         LinkFlags = unix.IFF_ECHO        // IFF_ECHO
)

// linkFlagNames is iproute2's order and spelling of the flags.
var linkFlagNames = []struct {
	f    LinkFlags
	name string
}{
	{LinkLoopback, "LOOPBACK"}, {LinkBroadcast, "BROADCAST"}, {LinkPointToPoint, "POINTOPOINT"},
	{LinkMulticast, "MULTICAST"}, {LinkNoARP, "NOARP"}, {LinkAllMulti, "ALLMULTI"},
	{LinkPromisc, "PROMISC"}, {LinkMaster, "MASTER"}, {LinkSlave, "SLAVE"}, {LinkDebug, "DEBUG"},
	{LinkDynamic, "DYNAMIC"}, {LinkAutoMedia, "AUTOMEDIA"}, {LinkPortSel, "PORTSEL"},
	{LinkNoTrailers, "NOTRAILERS"}, {LinkUp, "UP"}, {LinkLowerUp, "LOWER_UP"},
	{LinkDormant, "DORMANT"}, {LinkEcho, "ECHO"},
}

// Names returns the flags as `ip link` prints them, in its order:
// NO-CARRIER for a link that is up without IFF_RUNNING, then BROADCAST,
// MULTICAST, UP, LOWER_UP and so on, then any unknown bits in hex.
func (f LinkFlags) Names() []string {
	return f.AppendNames([]string{})
}

// AppendNames appends the names Names returns to dst, so that a caller
// printing many links can reuse one slice.
func (f LinkFlags) AppendNames(dst []string) []string {
	if f&LinkUp != 0 && f&LinkRunning == 0 {
		dst = append(dst, "NO-CARRIER")
	}
	f &^= LinkRunning
	for _, n := range linkFlagNames {
		if f&n.f != 0 {
			dst = append(dst, n.name)
			f &^= n.f
		}
	}
	if f != 0 {
		dst = append(dst, strconv.FormatUint(uint64(f), 16))
	}
	return dst
}

// String returns the flag names joined by commas.
func (f LinkFlags) String() string { return strings.Join(f.Names(), ",") }

// OperState is a link's RFC 2863 operational state (IF_OPER_*).
type OperState uint8

// Operational states.
const (
	OperUnknown        OperState = 0 // IF_OPER_UNKNOWN
	OperNotPresent     OperState = 1 // IF_OPER_NOTPRESENT
	OperDown           OperState = 2 // IF_OPER_DOWN
	OperLowerLayerDown OperState = 3 // IF_OPER_LOWERLAYERDOWN
	OperTesting        OperState = 4 // IF_OPER_TESTING
	OperDormant        OperState = 5 // IF_OPER_DORMANT
	OperUp             OperState = 6 // IF_OPER_UP
)

// String returns iproute2's name of the state ("UP", "LOWERLAYERDOWN").
func (s OperState) String() string {
	names := [...]string{"UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP"}
	if int(s) < len(names) {
		return names[s]
	}
	return strconv.Itoa(int(s))
}

// LinkMode is a link's IFLA_LINKMODE (IF_LINK_MODE_*).
type LinkMode uint8

// Link modes.
const (
	LinkModeDefault LinkMode = 0 // IF_LINK_MODE_DEFAULT
	LinkModeDormant LinkMode = 1 // IF_LINK_MODE_DORMANT
	LinkModeTesting LinkMode = 2 // IF_LINK_MODE_TESTING
)

// String returns iproute2's name of the mode ("DEFAULT").
func (m LinkMode) String() string {
	switch m {
	case LinkModeDefault:
		return "DEFAULT"
	case LinkModeDormant:
		return "DORMANT"
	case LinkModeTesting:
		return "TESTING"
	}
	return strconv.Itoa(int(m))
}

// HardwareType is a link's ARPHRD_* type, as in ifinfomsg.
type HardwareType uint16

// Common hardware types.
const (
	HardwareEther    HardwareType = unix.ARPHRD_ETHER    // ARPHRD_ETHER
	HardwareLoopback HardwareType = unix.ARPHRD_LOOPBACK // ARPHRD_LOOPBACK
	HardwareNone     HardwareType = unix.ARPHRD_NONE     // ARPHRD_NONE
	HardwareVoid     HardwareType = unix.ARPHRD_VOID     // ARPHRD_VOID
)

// String returns iproute2's name of the type ("ether", "loopback",
// "none"), or "[N]" for types it has no name for here.
func (t HardwareType) String() string {
	switch t {
	case unix.ARPHRD_ETHER:
		return "ether"
	case unix.ARPHRD_LOOPBACK:
		return "loopback"
	case unix.ARPHRD_NONE:
		return "none"
	case unix.ARPHRD_VOID:
		return "void"
	case unix.ARPHRD_PPP:
		return "ppp"
	case unix.ARPHRD_TUNNEL:
		return "ipip"
	case unix.ARPHRD_TUNNEL6:
		return "tunnel6"
	case unix.ARPHRD_SIT:
		return "sit"
	case unix.ARPHRD_IPGRE:
		return "gre"
	case unix.ARPHRD_IP6GRE:
		return "gre6"
	case unix.ARPHRD_IEEE80211:
		return "ieee802.11"
	case unix.ARPHRD_INFINIBAND:
		return "infiniband"
	case unix.ARPHRD_CAN:
		return "can"
	}
	return "[" + strconv.Itoa(int(t)) + "]"
}

// IFLA_EXT_MASK values (RTEXT_FILTER_*).
const (
	ExtFilterVF        uint32 = 1 // RTEXT_FILTER_VF
	ExtFilterSkipStats uint32 = 8 // RTEXT_FILTER_SKIP_STATS
)

// LinkMessage is an RTM_{NEW,DEL,GET}LINK message: struct ifinfomsg and
// the IFLA_* attributes.
type LinkMessage struct {
	Family Family       // ifi_family, usually FamilyUnspec
	Type   HardwareType // ifi_type
	Index  uint32       // ifi_index; 0 on a request means "by Attrs.Name"
	Flags  LinkFlags    // ifi_flags
	Change LinkFlags    // ifi_change: which of Flags a request changes
	Attrs  LinkAttrs
}

// LinkAttrs are the IFLA_* attributes of a link. The rule for every
// attribute struct in this package: a nil pointer or slice, an invalid
// netip.Addr, and an empty string for attributes the kernel never sends
// empty (names, kinds) mean "absent"; anything else is encoded, zero
// values included (Master 0 detaches a link from its master).
type LinkAttrs struct {
	Name           string           // IFLA_IFNAME
	Address        net.HardwareAddr // IFLA_ADDRESS
	Broadcast      net.HardwareAddr // IFLA_BROADCAST
	PermAddress    net.HardwareAddr // IFLA_PERM_ADDRESS
	MTU            *uint32          // IFLA_MTU
	MinMTU         *uint32          // IFLA_MIN_MTU
	MaxMTU         *uint32          // IFLA_MAX_MTU
	Link           *uint32          // IFLA_LINK: the index of the peer or lower link
	LinkNetNSID    *int32           // IFLA_LINK_NETNSID: the namespace Link is in
	Master         *uint32          // IFLA_MASTER: the bridge (or bond) index; 0 detaches
	Qdisc          string           // IFLA_QDISC
	TxQueueLen     *uint32          // IFLA_TXQLEN
	OperState      *OperState       // IFLA_OPERSTATE
	LinkMode       *LinkMode        // IFLA_LINKMODE
	Group          *uint32          // IFLA_GROUP
	Alias          *string          // IFLA_IFALIAS; an empty string clears it
	Promiscuity    *uint32          // IFLA_PROMISCUITY
	AllMulti       *uint32          // IFLA_ALLMULTI
	NumTxQueues    *uint32          // IFLA_NUM_TX_QUEUES
	NumRxQueues    *uint32          // IFLA_NUM_RX_QUEUES
	GSOMaxSize     *uint32          // IFLA_GSO_MAX_SIZE
	GSOMaxSegs     *uint32          // IFLA_GSO_MAX_SEGS
	TSOMaxSize     *uint32          // IFLA_TSO_MAX_SIZE
	TSOMaxSegs     *uint32          // IFLA_TSO_MAX_SEGS
	GROMaxSize     *uint32          // IFLA_GRO_MAX_SIZE
	Carrier        *uint8           // IFLA_CARRIER
	CarrierChanges *uint32          // IFLA_CARRIER_CHANGES
	ProtoDown      *uint8           // IFLA_PROTO_DOWN
	NetNSFD        *uint32          // IFLA_NET_NS_FD: move or create the link in this namespace
	NetNSPID       *uint32          // IFLA_NET_NS_PID: ... in this process's namespace
	ExtMask        *uint32          // IFLA_EXT_MASK: what a GET request wants (ExtFilter*)
	AltNames       []string         // IFLA_PROP_LIST / IFLA_ALT_IFNAME
	AddrGenMode    *uint8           // IFLA_AF_SPEC / AF_INET6 / IFLA_INET6_ADDR_GEN_MODE
	Stats          *LinkStats       // IFLA_STATS64
	Info           *LinkInfo        // IFLA_LINKINFO
}

// LinkStats are a link's counters (struct rtnl_link_stats64).
type LinkStats struct {
	RxPackets, TxPackets, RxBytes, TxBytes, RxErrors, TxErrors, RxDropped, TxDropped,
	Multicast, Collisions, RxLengthErrors, RxOverErrors, RxCRCErrors, RxFrameErrors,
	RxFIFOErrors, RxMissedErrors, TxAbortedErrors, TxCarrierErrors, TxFIFOErrors,
	TxHeartbeatErrors, TxWindowErrors, RxCompressed, TxCompressed, RxNoHandler,
	RxOtherhostDropped uint64
}

func (s *LinkStats) fields() [25]*uint64 {
	return [25]*uint64{&s.RxPackets, &s.TxPackets, &s.RxBytes, &s.TxBytes, &s.RxErrors, &s.TxErrors,
		&s.RxDropped, &s.TxDropped, &s.Multicast, &s.Collisions, &s.RxLengthErrors, &s.RxOverErrors,
		&s.RxCRCErrors, &s.RxFrameErrors, &s.RxFIFOErrors, &s.RxMissedErrors, &s.TxAbortedErrors,
		&s.TxCarrierErrors, &s.TxFIFOErrors, &s.TxHeartbeatErrors, &s.TxWindowErrors,
		&s.RxCompressed, &s.TxCompressed, &s.RxNoHandler, &s.RxOtherhostDropped}
}

// LinkInfo is IFLA_LINKINFO: the link's kind and its kind-specific data.
type LinkInfo struct {
	Kind string // IFLA_INFO_KIND: "veth", "bridge", "vxlan", "macvlan", ...
	// Data is IFLA_INFO_DATA, decoded according to Kind: *Veth, *Bridge,
	// *Vxlan, *Macvlan, *Tun, or *RawLinkData for other kinds.
	Data LinkData
	// SlaveKind is IFLA_INFO_SLAVE_KIND ("bridge" for a bridge port).
	SlaveKind string
	// SlaveData is IFLA_INFO_SLAVE_DATA, undecoded.
	SlaveData []byte
}

// ifinfomsgLen is the size of struct ifinfomsg.
const ifinfomsgLen = 16

// IFLA_* numbers not in x/sys/unix, and the veth peer attribute.
const (
	vethInfoPeer = 1 // VETH_INFO_PEER
)

// MarshalBinary encodes the message: ifinfomsg followed by attributes.
func (m *LinkMessage) MarshalBinary() ([]byte, error) {
	b := make([]byte, ifinfomsgLen)
	b[0] = byte(m.Family)
	native.PutUint16(b[2:], uint16(m.Type))
	native.PutUint32(b[4:], m.Index)
	native.PutUint32(b[8:], uint32(m.Flags))
	native.PutUint32(b[12:], uint32(m.Change))
	ae := nlattr.NewEncoder(native)
	if err := m.Attrs.encode(ae); err != nil {
		return nil, err
	}
	a, err := ae.Encode()
	if err != nil {
		return nil, err
	}
	return append(b, a...), nil
}

// UnmarshalBinary decodes a message from ifinfomsg and attributes.
func (m *LinkMessage) UnmarshalBinary(b []byte) error {
	return m.unmarshal(b, 0, nil)
}

// maxNest bounds how deep veth peers may nest in a decoded message.
const maxNest = 4

// unmarshal decodes b into m; st, when not nil, is the storage for m's
// pointer fields.
func (m *LinkMessage) unmarshal(b []byte, depth int, st *linkStore) error {
	if len(b) < ifinfomsgLen {
		return errShort
	}
	*m = LinkMessage{
		Family: Family(b[0]),
		Type:   HardwareType(native.Uint16(b[2:])),
		Index:  native.Uint32(b[4:]),
		Flags:  LinkFlags(native.Uint32(b[8:])),
		Change: LinkFlags(native.Uint32(b[12:])),
	}
	if st == nil {
		st = &linkStore{}
	}
	r := newAttrReader(b[ifinfomsgLen:])
	return m.Attrs.decode(&r, depth, st)
}

// linkStore holds the values a decoded LinkMessage's pointer fields point
// at, so that decoding a link costs one allocation instead of one per
// attribute (and a dump one per link, all made at once). When a message
// repeats attributes beyond its room, the rest are allocated one by one.
type linkStore struct {
	u32s     [20]uint32 // a veth in a dump has 17
	hw       [32]byte   // hardware addresses
	nu32, nb uint8
	u8s      [3]uint8
	nu8      uint8
	oper     OperState
	mode     LinkMode
	li       LinkInfo
	hasInfo  bool
	noStats  bool // leave IFLA_STATS64 out: the request had ExtFilterSkipStats
}

// u32 returns a pointer to v. (A full store allocates with new, not &v:
// taking v's address would move v to the heap on every call.)
func (st *linkStore) u32(v uint32) *uint32 {
	if int(st.nu32) == len(st.u32s) {
		return new(v)
	}
	p := &st.u32s[st.nu32]
	st.nu32++
	*p = v
	return p
}

// u8 returns a pointer to v.
func (st *linkStore) u8(v uint8) *uint8 {
	if int(st.nu8) == len(st.u8s) {
		return new(v)
	}
	p := &st.u8s[st.nu8]
	st.nu8++
	*p = v
	return p
}

func (st *linkStore) operState(v OperState) *OperState {
	st.oper = v
	return &st.oper
}

func (st *linkStore) linkMode(v LinkMode) *LinkMode {
	st.mode = v
	return &st.mode
}

// info returns a zero LinkInfo for IFLA_LINKINFO.
func (st *linkStore) info() *LinkInfo {
	if st.hasInfo {
		return &LinkInfo{}
	}
	st.hasInfo = true
	return &st.li
}

// bytes returns a copy of b (never nil).
func (st *linkStore) bytes(b []byte) []byte {
	if len(b) <= len(st.hw)-int(st.nb) {
		i, j := int(st.nb), int(st.nb)+len(b)
		out := st.hw[i:j:j]
		copy(out, b)
		st.nb = uint8(j)
		return out
	}
	return append(make([]byte, 0, len(b)), b...)
}

func (a *LinkAttrs) encode(ae *nlattr.Encoder) error {
	putU32(ae, unix.IFLA_EXT_MASK, a.ExtMask)
	putU32(ae, unix.IFLA_NET_NS_FD, a.NetNSFD)
	putU32(ae, unix.IFLA_NET_NS_PID, a.NetNSPID)
	putU32(ae, unix.IFLA_MTU, a.MTU)
	putU32(ae, unix.IFLA_MIN_MTU, a.MinMTU)
	putU32(ae, unix.IFLA_MAX_MTU, a.MaxMTU)
	putBytes(ae, unix.IFLA_ADDRESS, a.Address)
	putBytes(ae, unix.IFLA_BROADCAST, a.Broadcast)
	putBytes(ae, unix.IFLA_PERM_ADDRESS, a.PermAddress)
	putU32(ae, unix.IFLA_LINK, a.Link)
	putI32(ae, unix.IFLA_LINK_NETNSID, a.LinkNetNSID)
	putU32(ae, unix.IFLA_MASTER, a.Master)
	putString(ae, unix.IFLA_QDISC, a.Qdisc)
	putU32(ae, unix.IFLA_TXQLEN, a.TxQueueLen)
	if a.OperState != nil {
		ae.Uint8(unix.IFLA_OPERSTATE, uint8(*a.OperState))
	}
	if a.LinkMode != nil {
		ae.Uint8(unix.IFLA_LINKMODE, uint8(*a.LinkMode))
	}
	putU32(ae, unix.IFLA_GROUP, a.Group)
	if a.Alias != nil {
		// An empty alias is sent as an empty payload, which clears it.
		ae.Bytes(unix.IFLA_IFALIAS, []byte(*a.Alias))
	}
	putU32(ae, unix.IFLA_PROMISCUITY, a.Promiscuity)
	putU32(ae, unix.IFLA_ALLMULTI, a.AllMulti)
	putU32(ae, unix.IFLA_NUM_TX_QUEUES, a.NumTxQueues)
	putU32(ae, unix.IFLA_NUM_RX_QUEUES, a.NumRxQueues)
	putU32(ae, unix.IFLA_GSO_MAX_SIZE, a.GSOMaxSize)
	putU32(ae, unix.IFLA_GSO_MAX_SEGS, a.GSOMaxSegs)
	putU32(ae, unix.IFLA_TSO_MAX_SIZE, a.TSOMaxSize)
	putU32(ae, unix.IFLA_TSO_MAX_SEGS, a.TSOMaxSegs)
	putU32(ae, unix.IFLA_GRO_MAX_SIZE, a.GROMaxSize)
	putU8(ae, unix.IFLA_CARRIER, a.Carrier)
	putU32(ae, unix.IFLA_CARRIER_CHANGES, a.CarrierChanges)
	putU8(ae, unix.IFLA_PROTO_DOWN, a.ProtoDown)
	if a.Stats != nil {
		b := make([]byte, 0, 25*8)
		for _, f := range a.Stats.fields() {
			b = native.AppendUint64(b, *f)
		}
		ae.Bytes(unix.IFLA_STATS64, b)
	}
	if a.AltNames != nil {
		// With NLA_F_NESTED, as ip sends it: RTM_NEWLINKPROP requires it.
		ae.Nested(unix.IFLA_PROP_LIST, func(n *nlattr.Encoder) error {
			for _, name := range a.AltNames {
				n.String(unix.IFLA_ALT_IFNAME, name)
			}
			return nil
		})
	}
	if a.AddrGenMode != nil {
		nest(ae, unix.IFLA_AF_SPEC, func(n *nlattr.Encoder) error {
			nest(n, unix.AF_INET6, func(n6 *nlattr.Encoder) error {
				n6.Uint8(unix.IFLA_INET6_ADDR_GEN_MODE, *a.AddrGenMode)
				return nil
			})
			return nil
		})
	}
	// The name follows the plain attributes and precedes IFLA_LINKINFO,
	// as iproute2 orders them.
	putString(ae, unix.IFLA_IFNAME, a.Name)
	if a.Info != nil {
		nest(ae, unix.IFLA_LINKINFO, a.Info.encode)
	}
	return nil
}

// decode decodes the attributes, taking the storage of pointer fields
// from st when it is not nil (one allocation per message, or per dump,
// instead of one per attribute).
func (a *LinkAttrs) decode(r *attrReader, depth int, st *linkStore) error {
	for r.Next() {
		switch r.Type {
		case unix.IFLA_IFNAME:
			a.Name = r.String()
		case unix.IFLA_ADDRESS:
			a.Address = st.bytes(r.Data)
		case unix.IFLA_BROADCAST:
			a.Broadcast = st.bytes(r.Data)
		case unix.IFLA_PERM_ADDRESS:
			a.PermAddress = st.bytes(r.Data)
		case unix.IFLA_MTU:
			a.MTU = st.u32(r.Uint32())
		case unix.IFLA_MIN_MTU:
			a.MinMTU = st.u32(r.Uint32())
		case unix.IFLA_MAX_MTU:
			a.MaxMTU = st.u32(r.Uint32())
		case unix.IFLA_LINK:
			a.Link = st.u32(r.Uint32())
		case unix.IFLA_LINK_NETNSID:
			a.LinkNetNSID = new(r.Int32())
		case unix.IFLA_MASTER:
			a.Master = st.u32(r.Uint32())
		case unix.IFLA_QDISC:
			a.Qdisc = commonStr(r.Data)
		case unix.IFLA_TXQLEN:
			a.TxQueueLen = st.u32(r.Uint32())
		case unix.IFLA_OPERSTATE:
			a.OperState = st.operState(OperState(r.Uint8()))
		case unix.IFLA_LINKMODE:
			a.LinkMode = st.linkMode(LinkMode(r.Uint8()))
		case unix.IFLA_GROUP:
			a.Group = st.u32(r.Uint32())
		case unix.IFLA_IFALIAS:
			a.Alias = new(r.String())
		case unix.IFLA_PROMISCUITY:
			a.Promiscuity = st.u32(r.Uint32())
		case unix.IFLA_ALLMULTI:
			a.AllMulti = st.u32(r.Uint32())
		case unix.IFLA_NUM_TX_QUEUES:
			a.NumTxQueues = st.u32(r.Uint32())
		case unix.IFLA_NUM_RX_QUEUES:
			a.NumRxQueues = st.u32(r.Uint32())
		case unix.IFLA_GSO_MAX_SIZE:
			a.GSOMaxSize = st.u32(r.Uint32())
		case unix.IFLA_GSO_MAX_SEGS:
			a.GSOMaxSegs = st.u32(r.Uint32())
		case unix.IFLA_TSO_MAX_SIZE:
			a.TSOMaxSize = st.u32(r.Uint32())
		case unix.IFLA_TSO_MAX_SEGS:
			a.TSOMaxSegs = st.u32(r.Uint32())
		case unix.IFLA_GRO_MAX_SIZE:
			a.GROMaxSize = st.u32(r.Uint32())
		case unix.IFLA_CARRIER:
			a.Carrier = st.u8(r.Uint8())
		case unix.IFLA_CARRIER_CHANGES:
			a.CarrierChanges = st.u32(r.Uint32())
		case unix.IFLA_PROTO_DOWN:
			a.ProtoDown = st.u8(r.Uint8())
		case unix.IFLA_NET_NS_FD:
			a.NetNSFD = st.u32(r.Uint32())
		case unix.IFLA_NET_NS_PID:
			a.NetNSPID = st.u32(r.Uint32())
		case unix.IFLA_EXT_MASK:
			a.ExtMask = st.u32(r.Uint32())
		case unix.IFLA_STATS64:
			if st.noStats {
				break
			}
			s := &LinkStats{}
			for i, f := range s.fields() {
				if len(r.Data) < (i+1)*8 {
					break
				}
				*f = native.Uint64(r.Data[i*8:])
			}
			a.Stats = s
		case unix.IFLA_PROP_LIST:
			n := r.Nested()
			a.AltNames = []string{}
			for n.Next() {
				if n.Type == unix.IFLA_ALT_IFNAME {
					a.AltNames = append(a.AltNames, n.String())
				}
			}
			r.Fail(n.Err())
		case unix.IFLA_AF_SPEC:
			n := r.Nested()
			for n.Next() {
				if n.Type != unix.AF_INET6 {
					continue
				}
				n6 := n.Nested()
				for n6.Next() {
					if n6.Type == unix.IFLA_INET6_ADDR_GEN_MODE {
						a.AddrGenMode = st.u8(n6.Uint8())
					}
				}
				n.Fail(n6.Err())
			}
			r.Fail(n.Err())
		case unix.IFLA_LINKINFO:
			a.Info = st.info()
			n := r.Nested()
			r.Fail(a.Info.decode(&n, depth))
		}
	}
	return r.Err()
}

func (li *LinkInfo) encode(ae *nlattr.Encoder) error {
	if li.Kind != "" {
		// Without a NUL, as iproute2 sends it; the kernel takes both.
		ae.Bytes(unix.IFLA_INFO_KIND, []byte(li.Kind))
	}
	if li.Data != nil {
		if raw, ok := li.Data.(*RawLinkData); ok {
			ae.Bytes(unix.IFLA_INFO_DATA, raw.Data)
		} else {
			nest(ae, unix.IFLA_INFO_DATA, li.Data.encode)
		}
	}
	putString(ae, unix.IFLA_INFO_SLAVE_KIND, li.SlaveKind)
	putBytes(ae, unix.IFLA_INFO_SLAVE_DATA, li.SlaveData)
	return nil
}

func (li *LinkInfo) decode(r *attrReader, depth int) error {
	// IFLA_INFO_DATA is decoded by kind, which may come after it.
	var data []byte
	for r.Next() {
		switch r.Type {
		case unix.IFLA_INFO_KIND:
			li.Kind = commonStr(r.Data)
		case unix.IFLA_INFO_DATA:
			data = r.Data
		case unix.IFLA_INFO_SLAVE_KIND:
			li.SlaveKind = r.String()
		case unix.IFLA_INFO_SLAVE_DATA:
			li.SlaveData = append([]byte{}, r.Data...)
		}
	}
	if r.Err() != nil || data == nil {
		return r.Err()
	}
	d := newLinkData(li.Kind)
	if raw, ok := d.(*RawLinkData); ok {
		raw.Data = append([]byte{}, data...)
		li.Data = raw
		return nil
	}
	dd := newAttrReader(data)
	if err := d.decode(&dd, depth); err != nil {
		return fmt.Errorf("%s info data: %w", li.Kind, err)
	}
	li.Data = d
	return nil
}

// linkObject names a link in errors: its name, or its index.
func linkObject(m *LinkMessage) string {
	if m.Attrs.Name != "" {
		return m.Attrs.Name
	}
	return "index " + strconv.FormatUint(uint64(m.Index), 10)
}

// linkRequest sends a link message and decodes the link replies.
func (c *Conn) linkRequest(op string, typ netlink.HeaderType, flags netlink.HeaderFlags, m *LinkMessage, object string) ([]LinkMessage, error) {
	b, err := m.MarshalBinary()
	if err != nil {
		return nil, &Error{Op: op, Object: object, Err: err}
	}
	msgs, err := c.request(op, object, typ, flags, b)
	if err != nil {
		return nil, err
	}
	return decodeLinks(op, object, msgs, skipsStats(m))
}

// decodeLinks decodes the RTM_NEWLINK messages of msgs, without counters
// when noStats is set.
func decodeLinks(op, object string, msgs []netlink.Message, noStats bool) ([]LinkMessage, error) {
	n := 0
	for _, nm := range msgs {
		if nm.Header.Type == unix.RTM_NEWLINK {
			n++
		}
	}
	if n == 0 {
		return nil, nil
	}
	out := make([]LinkMessage, n)
	stores := make([]linkStore, n)
	i := 0
	for _, nm := range msgs {
		if nm.Header.Type != unix.RTM_NEWLINK {
			continue
		}
		stores[i].noStats = noStats
		if err := out[i].unmarshal(nm.Data, 0, &stores[i]); err != nil {
			return nil, &Error{Op: op, Object: object, Err: fmt.Errorf("decode reply: %w", err)}
		}
		i++
	}
	return out, nil
}

// LinkByName returns the link called name (or having name as an
// alternative name), asking the kernel with one RTM_GETLINK that carries
// IFLA_IFNAME rather than listing every link. The counters are left out
// (RTEXT_FILTER_SKIP_STATS); use Link to get them. A missing link is an
// error matching os.ErrNotExist.
func (c *Conn) LinkByName(name string) (*LinkMessage, error) {
	msgs, err := c.request("get link", name, unix.RTM_GETLINK, 0, getLinkByName(name, ExtFilterSkipStats))
	if err != nil {
		return nil, err
	}
	return oneLink(name, msgs, true)
}

// LinkIndex returns the index of the link called name (or having name as
// an alternative name): LinkByName's request, of which only the index in
// the reply's header is read, for callers that resolve a device name and
// need nothing else (a batch's "addr add ... dev NAME"). A missing link is
// an error matching os.ErrNotExist.
func (c *Conn) LinkIndex(name string) (uint32, error) {
	msgs, err := c.request("get link", name, unix.RTM_GETLINK, 0, getLinkByName(name, ExtFilterSkipStats))
	if err != nil {
		return 0, err
	}
	var idx uint32
	n := 0
	for _, nm := range msgs {
		if nm.Header.Type != unix.RTM_NEWLINK {
			continue
		}
		if len(nm.Data) < ifinfomsgLen {
			return 0, &Error{Op: "get link", Object: name, Err: fmt.Errorf("decode reply: %w", errShort)}
		}
		idx = native.Uint32(nm.Data[4:])
		n++
	}
	if n != 1 {
		return 0, &Error{Op: "get link", Object: name, Err: fmt.Errorf("kernel sent %d links, want 1", n)}
	}
	return idx, nil
}

// getLinkByName encodes what MarshalBinary makes of the RTM_GETLINK
// request LinkMessage{Attrs: LinkAttrs{Name: name, ExtMask: &mask}}, in
// one allocation instead of an AttributeEncoder's several:
//
//	ifinfomsg (16 bytes, zero)
//	IFLA_EXT_MASK: len 8, type 29, mask (u32)
//	IFLA_IFNAME:   len 4+len(name)+1, type 3, name, NUL, padding to 4
func getLinkByName(name string, mask uint32) []byte {
	nameLen := 4 + len(name) + 1
	b := make([]byte, ifinfomsgLen, ifinfomsgLen+8+(nameLen+3)&^3)
	b = native.AppendUint16(b, 8)
	b = native.AppendUint16(b, unix.IFLA_EXT_MASK)
	b = native.AppendUint32(b, mask)
	b = native.AppendUint16(b, uint16(nameLen))
	b = native.AppendUint16(b, unix.IFLA_IFNAME)
	b = append(b, name...)
	return append(b, make([]byte, cap(b)-len(b))...)
}

// LinkByIndex returns the link with interface index index, without its
// counters. A missing link is an error matching os.ErrNotExist.
func (c *Conn) LinkByIndex(index uint32) (*LinkMessage, error) {
	return c.Link(&LinkMessage{Index: index, Attrs: LinkAttrs{ExtMask: new(ExtFilterSkipStats)}})
}

// Link sends the RTM_GETLINK request req (a link's Index or Attrs.Name,
// and optionally Attrs.ExtMask) and returns the one link the kernel
// answers with.
func (c *Conn) Link(req *LinkMessage) (*LinkMessage, error) {
	obj := linkObject(req)
	b, err := req.MarshalBinary()
	if err != nil {
		return nil, &Error{Op: "get link", Object: obj, Err: err}
	}
	msgs, err := c.request("get link", obj, unix.RTM_GETLINK, 0, b)
	if err != nil {
		return nil, err
	}
	return oneLink(obj, msgs, skipsStats(req))
}

// oneLink decodes the one link of a GETLINK request's replies, without
// counters when noStats is set.
func oneLink(obj string, msgs []netlink.Message, noStats bool) (*LinkMessage, error) {
	links, err := decodeLinks("get link", obj, msgs, noStats)
	if err != nil {
		return nil, err
	}
	if len(links) != 1 {
		return nil, &Error{Op: "get link", Object: obj, Err: fmt.Errorf("kernel sent %d links, want 1", len(links))}
	}
	return &links[0], nil
}

// Links lists every link of the connection's namespace, with counters.
func (c *Conn) Links() ([]LinkMessage, error) {
	return c.DumpLinks(&LinkMessage{})
}

// DumpLinks lists every link of the connection's namespace, sending req
// as the dump request. With Attrs.ExtMask set to ExtFilterSkipStats the
// links come without counters: Attrs.Stats is nil (the kernel leaves out
// the IPv6 counters, a quarter of a veth's message, and sends the link
// counters anyway; they are not decoded). The links are decoded as the
// kernel's replies arrive.
func (c *Conn) DumpLinks(req *LinkMessage) ([]LinkMessage, error) {
	b, err := req.MarshalBinary()
	if err != nil {
		return nil, err
	}
	noStats := skipsStats(req)
	var (
		links  chunks[LinkMessage]
		stores chunks[linkStore]
	)
	err = c.dumpEach("list links", unix.RTM_GETLINK, b, func() {
		links, stores = chunks[LinkMessage]{}, chunks[linkStore]{}
	}, func(nm netlink.Message) error {
		if nm.Header.Type != unix.RTM_NEWLINK {
			return nil
		}
		st := stores.next()
		st.noStats = noStats
		if err := links.next().unmarshal(nm.Data, 0, st); err != nil {
			return fmt.Errorf("decode reply: %w", err)
		}
		return nil
	})
	if err != nil && !errors.Is(err, ErrDumpInterrupted) {
		return nil, err
	}
	return links.all(), err
}

// skipsStats reports whether the GETLINK request req asks the kernel to
// leave the counters out, so that a reply's are not decoded either.
func skipsStats(req *LinkMessage) bool {
	return req.Attrs.ExtMask != nil && *req.Attrs.ExtMask&ExtFilterSkipStats != 0
}

// AddLink creates the link m describes (RTM_NEWLINK with NLM_F_CREATE and
// NLM_F_EXCL): Attrs.Name and Attrs.Info.Kind at least. A veth's peer is
// created in the same message (Veth.Peer), in its own namespace when the
// peer carries NetNSFD, so a failure leaves nothing behind. An existing
// name is an error matching os.ErrExist.
func (c *Conn) AddLink(m *LinkMessage) error {
	_, err := c.linkRequest("add link", unix.RTM_NEWLINK,
		netlink.Acknowledge|netlink.Create|netlink.Excl, m, linkObject(m))
	return err
}

// AddLinkEcho is AddLink with NLM_F_ECHO: the kernel sends the new link
// back, with its index and, for a veth, its peer's (Attrs.Link, an index
// in the namespace the peer was made in), which spares a caller that acts
// on them next a lookup by name. The link is nil when no echo came.
func (c *Conn) AddLinkEcho(m *LinkMessage) (*LinkMessage, error) {
	links, err := c.linkRequest("add link", unix.RTM_NEWLINK,
		netlink.Acknowledge|netlink.Create|netlink.Excl|netlink.Echo, m, linkObject(m))
	if err != nil || len(links) == 0 {
		return nil, err
	}
	return &links[0], nil
}

// SetLink changes an existing link (RTM_NEWLINK without NLM_F_CREATE,
// which unlike RTM_SETLINK can change everything): the link is m.Index,
// or, when Index is 0, the link named m.Attrs.Name (the kernel looks it
// up, saving a round trip; to rename a link, give its Index and the new
// Name). Only the flags in m.Change and the attributes present change.
// A missing link is an error matching os.ErrNotExist.
func (c *Conn) SetLink(m *LinkMessage) error {
	_, err := c.linkRequest("set link", unix.RTM_NEWLINK, netlink.Acknowledge, m, linkObject(m))
	return err
}

// AddAltNames gives link index the alternative names (RTM_NEWLINKPROP,
// ip link property add), in one request. The kernel adds them in order
// and stops at the first it refuses: those before it stay added.
func (c *Conn) AddAltNames(index uint32, names ...string) error {
	return c.linkProp("add link property", unix.RTM_NEWLINKPROP, netlink.Acknowledge|netlink.Create|netlink.Excl|netlink.Append, index, names)
}

// DelAltNames takes the alternative names from link index
// (RTM_DELLINKPROP, ip link property del), in one request, in order, up to
// the first the kernel refuses.
func (c *Conn) DelAltNames(index uint32, names ...string) error {
	return c.linkProp("delete link property", unix.RTM_DELLINKPROP, netlink.Acknowledge, index, names)
}

func (c *Conn) linkProp(op string, typ netlink.HeaderType, flags netlink.HeaderFlags, index uint32, names []string) error {
	m := &LinkMessage{Index: index}
	m.Attrs.AltNames = append([]string{}, names...)
	_, err := c.linkRequest(op, typ, flags, m, strings.Join(names, " "))
	return err
}

// DeleteLink deletes the link m.Index, or the one named m.Attrs.Name
// when Index is 0. Deleting one end of a veth pair deletes both. A missing
// link is an error matching os.ErrNotExist.
func (c *Conn) DeleteLink(m *LinkMessage) error {
	_, err := c.linkRequest("delete link", unix.RTM_DELLINK, netlink.Acknowledge, m, linkObject(m))
	return err
}
