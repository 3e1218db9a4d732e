package rtnl

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nlattr"
)

// LinkData is the kind-specific part of a link (IFLA_INFO_DATA). It is
// implemented by *Veth, *Bridge, *Vxlan, *Macvlan, *Tun and *RawLinkData.
type LinkData interface {
	encode(ae *nlattr.Encoder) error
	decode(ad *attrReader, depth int) error
}

// newLinkData returns an empty LinkData for kind.
func newLinkData(kind string) LinkData {
	switch kind {
	case "veth":
		return &Veth{}
	case "bridge":
		return &Bridge{}
	case "vxlan":
		return &Vxlan{}
	case "macvlan", "macvtap":
		return &Macvlan{}
	case "tun":
		return &Tun{}
	}
	return &RawLinkData{}
}

// RawLinkData is IFLA_INFO_DATA of a kind this package does not decode.
type RawLinkData struct {
	Data []byte
}

func (r *RawLinkData) encode(ae *nlattr.Encoder) error { return nil }

func (r *RawLinkData) decode(ad *attrReader, depth int) error { return nil }

// Veth is the data of a veth link. On a request that creates one, Peer
// describes the other end: its name, and optionally NetNSFD (create it in
// that namespace), Address, MTU and Flags/Change. The kernel does not
// report the peer back; a veth's IFLA_LINK is the peer's index.
type Veth struct {
	Peer *LinkMessage // VETH_INFO_PEER: struct ifinfomsg and IFLA_* attributes
}

func (v *Veth) encode(ae *nlattr.Encoder) error {
	if v.Peer != nil {
		ae.Do(vethInfoPeer, v.Peer.MarshalBinary)
	}
	return nil
}

func (v *Veth) decode(ad *attrReader, depth int) error {
	for ad.Next() {
		if ad.Type != vethInfoPeer {
			continue
		}
		if depth >= maxNest {
			return fmt.Errorf("veth peers nested deeper than %d", maxNest)
		}
		ad.Do(func(b []byte) error {
			v.Peer = &LinkMessage{}
			return v.Peer.unmarshal(b, depth+1, nil)
		})
	}
	return ad.Err()
}

// Bridge is the data of a bridge link (IFLA_BR_*). Times are in
// hundredths of a second, as the kernel takes them. The fields marked
// "reported" describe the bridge's state; a request does not set them.
type Bridge struct {
	ForwardDelay            *uint32          // IFLA_BR_FORWARD_DELAY
	HelloTime               *uint32          // IFLA_BR_HELLO_TIME
	MaxAge                  *uint32          // IFLA_BR_MAX_AGE
	AgeingTime              *uint32          // IFLA_BR_AGEING_TIME
	STPState                *uint32          // IFLA_BR_STP_STATE
	Priority                *uint16          // IFLA_BR_PRIORITY
	VlanFiltering           *uint8           // IFLA_BR_VLAN_FILTERING
	VlanProtocol            *uint16          // IFLA_BR_VLAN_PROTOCOL (an EtherType, big-endian on the wire)
	GroupFwdMask            *uint16          // IFLA_BR_GROUP_FWD_MASK
	RootID                  []byte           // IFLA_BR_ROOT_ID (reported): priority and address
	BridgeID                []byte           // IFLA_BR_BRIDGE_ID (reported)
	RootPort                *uint16          // IFLA_BR_ROOT_PORT (reported)
	RootPathCost            *uint32          // IFLA_BR_ROOT_PATH_COST (reported)
	TopologyChange          *uint8           // IFLA_BR_TOPOLOGY_CHANGE (reported)
	TopologyChangeDetected  *uint8           // IFLA_BR_TOPOLOGY_CHANGE_DETECTED (reported)
	HelloTimer              *uint64          // IFLA_BR_HELLO_TIMER (reported)
	TcnTimer                *uint64          // IFLA_BR_TCN_TIMER (reported)
	TopologyChangeTimer     *uint64          // IFLA_BR_TOPOLOGY_CHANGE_TIMER (reported)
	GCTimer                 *uint64          // IFLA_BR_GC_TIMER (reported)
	GroupAddr               net.HardwareAddr // IFLA_BR_GROUP_ADDR
	VlanDefaultPVID         *uint16          // IFLA_BR_VLAN_DEFAULT_PVID
	VlanStatsEnabled        *uint8           // IFLA_BR_VLAN_STATS_ENABLED
	VlanStatsPerPort        *uint8           // IFLA_BR_VLAN_STATS_PER_PORT
	McastRouter             *uint8           // IFLA_BR_MCAST_ROUTER
	McastSnooping           *uint8           // IFLA_BR_MCAST_SNOOPING
	McastQueryUseIfaddr     *uint8           // IFLA_BR_MCAST_QUERY_USE_IFADDR
	McastQuerier            *uint8           // IFLA_BR_MCAST_QUERIER
	McastHashElasticity     *uint32          // IFLA_BR_MCAST_HASH_ELASTICITY
	McastHashMax            *uint32          // IFLA_BR_MCAST_HASH_MAX
	McastLastMemberCnt      *uint32          // IFLA_BR_MCAST_LAST_MEMBER_CNT
	McastStartupQueryCnt    *uint32          // IFLA_BR_MCAST_STARTUP_QUERY_CNT
	McastLastMemberIntvl    *uint64          // IFLA_BR_MCAST_LAST_MEMBER_INTVL
	McastMembershipIntvl    *uint64          // IFLA_BR_MCAST_MEMBERSHIP_INTVL
	McastQuerierIntvl       *uint64          // IFLA_BR_MCAST_QUERIER_INTVL
	McastQueryIntvl         *uint64          // IFLA_BR_MCAST_QUERY_INTVL
	McastQueryResponseIntvl *uint64          // IFLA_BR_MCAST_QUERY_RESPONSE_INTVL
	McastStartupQueryIntvl  *uint64          // IFLA_BR_MCAST_STARTUP_QUERY_INTVL
	McastStatsEnabled       *uint8           // IFLA_BR_MCAST_STATS_ENABLED
	McastIGMPVersion        *uint8           // IFLA_BR_MCAST_IGMP_VERSION
	McastMLDVersion         *uint8           // IFLA_BR_MCAST_MLD_VERSION
	NfCallIptables          *uint8           // IFLA_BR_NF_CALL_IPTABLES
	NfCallIp6tables         *uint8           // IFLA_BR_NF_CALL_IP6TABLES
	NfCallArptables         *uint8           // IFLA_BR_NF_CALL_ARPTABLES
	// BoolOpts is IFLA_BR_MULTI_BOOLOPT: the values and the mask of
	// which BR_BOOLOPT_* bits they set (bit 0 no_linklocal_learn, bit 1
	// mcast_vlan_snooping, bit 2 mst_enable).
	BoolOpts *BridgeBoolOpts
	// FDBFlush is IFLA_BR_FDB_FLUSH: empty the bridge's forwarding
	// database (a request only).
	FDBFlush bool `json:",omitempty"`
}

// BridgeBoolOpts is struct br_boolopt_multi.
type BridgeBoolOpts struct {
	Values, Mask uint32
}

// bridgeFields lists the bridge's numeric attributes in iproute2's order,
// for encoding and decoding alike.
func (br *Bridge) fields() []attrField {
	return []attrField{
		{unix.IFLA_BR_FORWARD_DELAY, &br.ForwardDelay}, {unix.IFLA_BR_HELLO_TIME, &br.HelloTime},
		{unix.IFLA_BR_MAX_AGE, &br.MaxAge}, {unix.IFLA_BR_AGEING_TIME, &br.AgeingTime},
		{unix.IFLA_BR_STP_STATE, &br.STPState}, {unix.IFLA_BR_PRIORITY, &br.Priority},
		{unix.IFLA_BR_VLAN_FILTERING, &br.VlanFiltering}, {unix.IFLA_BR_GROUP_FWD_MASK, &br.GroupFwdMask},
		{unix.IFLA_BR_ROOT_PORT, &br.RootPort}, {unix.IFLA_BR_ROOT_PATH_COST, &br.RootPathCost},
		{unix.IFLA_BR_TOPOLOGY_CHANGE, &br.TopologyChange},
		{unix.IFLA_BR_TOPOLOGY_CHANGE_DETECTED, &br.TopologyChangeDetected},
		{unix.IFLA_BR_HELLO_TIMER, &br.HelloTimer}, {unix.IFLA_BR_TCN_TIMER, &br.TcnTimer},
		{unix.IFLA_BR_TOPOLOGY_CHANGE_TIMER, &br.TopologyChangeTimer}, {unix.IFLA_BR_GC_TIMER, &br.GCTimer},
		{unix.IFLA_BR_VLAN_DEFAULT_PVID, &br.VlanDefaultPVID},
		{unix.IFLA_BR_VLAN_STATS_ENABLED, &br.VlanStatsEnabled},
		{unix.IFLA_BR_VLAN_STATS_PER_PORT, &br.VlanStatsPerPort},
		{unix.IFLA_BR_MCAST_ROUTER, &br.McastRouter}, {unix.IFLA_BR_MCAST_SNOOPING, &br.McastSnooping},
		{unix.IFLA_BR_MCAST_QUERY_USE_IFADDR, &br.McastQueryUseIfaddr},
		{unix.IFLA_BR_MCAST_QUERIER, &br.McastQuerier},
		{unix.IFLA_BR_MCAST_HASH_ELASTICITY, &br.McastHashElasticity},
		{unix.IFLA_BR_MCAST_HASH_MAX, &br.McastHashMax},
		{unix.IFLA_BR_MCAST_LAST_MEMBER_CNT, &br.McastLastMemberCnt},
		{unix.IFLA_BR_MCAST_STARTUP_QUERY_CNT, &br.McastStartupQueryCnt},
		{unix.IFLA_BR_MCAST_LAST_MEMBER_INTVL, &br.McastLastMemberIntvl},
		{unix.IFLA_BR_MCAST_MEMBERSHIP_INTVL, &br.McastMembershipIntvl},
		{unix.IFLA_BR_MCAST_QUERIER_INTVL, &br.McastQuerierIntvl},
		{unix.IFLA_BR_MCAST_QUERY_INTVL, &br.McastQueryIntvl},
		{unix.IFLA_BR_MCAST_QUERY_RESPONSE_INTVL, &br.McastQueryResponseIntvl},
		{unix.IFLA_BR_MCAST_STARTUP_QUERY_INTVL, &br.McastStartupQueryIntvl},
		{unix.IFLA_BR_MCAST_STATS_ENABLED, &br.McastStatsEnabled},
		{unix.IFLA_BR_MCAST_IGMP_VERSION, &br.McastIGMPVersion},
		{unix.IFLA_BR_MCAST_MLD_VERSION, &br.McastMLDVersion},
		{unix.IFLA_BR_NF_CALL_IPTABLES, &br.NfCallIptables},
		{unix.IFLA_BR_NF_CALL_IP6TABLES, &br.NfCallIp6tables},
		{unix.IFLA_BR_NF_CALL_ARPTABLES, &br.NfCallArptables},
	}
}

func (br *Bridge) encode(ae *nlattr.Encoder) error {
	for _, f := range br.fields() {
		f.put(ae)
	}
	if br.VlanProtocol != nil {
		ae.Bytes(unix.IFLA_BR_VLAN_PROTOCOL, binary.BigEndian.AppendUint16(nil, *br.VlanProtocol))
	}
	putBytes(ae, unix.IFLA_BR_ROOT_ID, br.RootID)
	putBytes(ae, unix.IFLA_BR_BRIDGE_ID, br.BridgeID)
	putBytes(ae, unix.IFLA_BR_GROUP_ADDR, br.GroupAddr)
	if o := br.BoolOpts; o != nil {
		b := native.AppendUint32(nil, o.Values)
		ae.Bytes(unix.IFLA_BR_MULTI_BOOLOPT, native.AppendUint32(b, o.Mask))
	}
	if br.FDBFlush {
		ae.Flag(unix.IFLA_BR_FDB_FLUSH)
	}
	return nil
}

func (br *Bridge) decode(ad *attrReader, depth int) error {
	fields := br.fields()
	for ad.Next() {
		switch t := ad.Type; t {
		case unix.IFLA_BR_VLAN_PROTOCOL:
			ad.Do(func(b []byte) error {
				if len(b) != 2 {
					return fmt.Errorf("bridge vlan protocol of %d bytes", len(b))
				}
				br.VlanProtocol = new(binary.BigEndian.Uint16(b))
				return nil
			})
		case unix.IFLA_BR_ROOT_ID:
			br.RootID = getBytes(ad)
		case unix.IFLA_BR_BRIDGE_ID:
			br.BridgeID = getBytes(ad)
		case unix.IFLA_BR_GROUP_ADDR:
			br.GroupAddr = getBytes(ad)
		case unix.IFLA_BR_MULTI_BOOLOPT:
			ad.Do(func(b []byte) error {
				if len(b) != 8 {
					return fmt.Errorf("bridge boolopts of %d bytes", len(b))
				}
				br.BoolOpts = &BridgeBoolOpts{Values: native.Uint32(b), Mask: native.Uint32(b[4:])}
				return nil
			})
		default:
			for _, f := range fields {
				if f.typ == t {
					f.get(ad)
				}
			}
		}
	}
	return ad.Err()
}

// attrField ties an attribute type to a pointer field of width 8 to 64.
type attrField struct {
	typ uint16
	ptr any // **uint8, **uint16, **uint32 or **uint64
}

func (f attrField) put(ae *nlattr.Encoder) {
	switch p := f.ptr.(type) {
	case **uint8:
		putU8(ae, f.typ, *p)
	case **uint16:
		putU16(ae, f.typ, *p)
	case **uint32:
		putU32(ae, f.typ, *p)
	case **uint64:
		if *p != nil {
			ae.Uint64(f.typ, **p)
		}
	}
}

func (f attrField) get(ad *attrReader) {
	switch p := f.ptr.(type) {
	case **uint8:
		*p = getU8(ad)
	case **uint16:
		*p = getU16(ad)
	case **uint32:
		*p = getU32(ad)
	case **uint64:
		*p = new(ad.Uint64())
	}
}

// Vxlan is the data of a VXLAN link (IFLA_VXLAN_*).
type Vxlan struct {
	ID    *uint32    // IFLA_VXLAN_ID: the VNI
	Group netip.Addr // IFLA_VXLAN_GROUP or _GROUP6: remote (unicast) or group (multicast)
	Local netip.Addr // IFLA_VXLAN_LOCAL or _LOCAL6
	Link  *uint32    // IFLA_VXLAN_LINK: the underlying device's index
	// Port is IFLA_VXLAN_PORT, the UDP destination port (big-endian on
	// the wire; a plain number here).
	Port           *uint16
	PortLow        *uint16 // IFLA_VXLAN_PORT_RANGE low
	PortHigh       *uint16 // IFLA_VXLAN_PORT_RANGE high
	TTL            *uint8  // IFLA_VXLAN_TTL; 0 means auto
	TOS            *uint8  // IFLA_VXLAN_TOS
	Learning       *uint8  // IFLA_VXLAN_LEARNING
	Ageing         *uint32 // IFLA_VXLAN_AGEING, seconds
	DF             *uint8  // IFLA_VXLAN_DF: 0 unset, 1 set, 2 inherit
	UDPCsum        *uint8  // IFLA_VXLAN_UDP_CSUM
	UDPZeroCsum6Tx *uint8  // IFLA_VXLAN_UDP_ZERO_CSUM6_TX
	UDPZeroCsum6Rx *uint8  // IFLA_VXLAN_UDP_ZERO_CSUM6_RX
	Proxy          *uint8  // IFLA_VXLAN_PROXY
	RSC            *uint8  // IFLA_VXLAN_RSC
	L2Miss         *uint8  // IFLA_VXLAN_L2MISS
	L3Miss         *uint8  // IFLA_VXLAN_L3MISS
	RemCsumTx      *uint8  // IFLA_VXLAN_REMCSUM_TX
	RemCsumRx      *uint8  // IFLA_VXLAN_REMCSUM_RX
	External       *uint8  // IFLA_VXLAN_COLLECT_METADATA ("external")
	VNIFilter      *uint8  // IFLA_VXLAN_VNIFILTER
	Limit          *uint32 // IFLA_VXLAN_LIMIT: most FDB entries, 0 unlimited
	// Label is IFLA_VXLAN_LABEL, the IPv6 flow label (big-endian on the
	// wire; a plain number here).
	Label *uint32
	// TTLInherit is IFLA_VXLAN_TTL_INHERIT: a flag in a request, 1 in
	// what the kernel reports.
	TTLInherit *uint8
	GBP, GPE   bool // IFLA_VXLAN_GBP, IFLA_VXLAN_GPE (flags)
}

func (v *Vxlan) encode(ae *nlattr.Encoder) error {
	// iproute2's order, so that the bytes compare equal to `ip`'s.
	putU32(ae, unix.IFLA_VXLAN_LINK, v.Link)
	putU32(ae, unix.IFLA_VXLAN_ID, v.ID)
	if v.Local.IsValid() {
		if v.Local.Is4() {
			putAddr(ae, unix.IFLA_VXLAN_LOCAL, v.Local)
		} else {
			putAddr(ae, unix.IFLA_VXLAN_LOCAL6, v.Local)
		}
	}
	if v.Group.IsValid() {
		if v.Group.Is4() {
			putAddr(ae, unix.IFLA_VXLAN_GROUP, v.Group)
		} else {
			putAddr(ae, unix.IFLA_VXLAN_GROUP6, v.Group)
		}
	}
	putU8(ae, unix.IFLA_VXLAN_TTL, v.TTL)
	putU8(ae, unix.IFLA_VXLAN_TOS, v.TOS)
	putU8(ae, unix.IFLA_VXLAN_LEARNING, v.Learning)
	putU32(ae, unix.IFLA_VXLAN_AGEING, v.Ageing)
	if v.PortLow != nil || v.PortHigh != nil {
		b := make([]byte, 4)
		if v.PortLow != nil {
			binary.BigEndian.PutUint16(b, *v.PortLow)
		}
		if v.PortHigh != nil {
			binary.BigEndian.PutUint16(b[2:], *v.PortHigh)
		}
		ae.Bytes(unix.IFLA_VXLAN_PORT_RANGE, b)
	}
	if v.Port != nil {
		ae.Bytes(unix.IFLA_VXLAN_PORT, binary.BigEndian.AppendUint16(nil, *v.Port))
	}
	putU8(ae, unix.IFLA_VXLAN_DF, v.DF)
	putU8(ae, unix.IFLA_VXLAN_UDP_CSUM, v.UDPCsum)
	putU8(ae, unix.IFLA_VXLAN_UDP_ZERO_CSUM6_TX, v.UDPZeroCsum6Tx)
	putU8(ae, unix.IFLA_VXLAN_UDP_ZERO_CSUM6_RX, v.UDPZeroCsum6Rx)
	for _, f := range []struct {
		t uint16
		v *uint8
	}{
		{unix.IFLA_VXLAN_PROXY, v.Proxy}, {unix.IFLA_VXLAN_RSC, v.RSC}, {unix.IFLA_VXLAN_L2MISS, v.L2Miss},
		{unix.IFLA_VXLAN_L3MISS, v.L3Miss}, {unix.IFLA_VXLAN_REMCSUM_TX, v.RemCsumTx}, {unix.IFLA_VXLAN_REMCSUM_RX, v.RemCsumRx},
		{unix.IFLA_VXLAN_COLLECT_METADATA, v.External}, {unix.IFLA_VXLAN_VNIFILTER, v.VNIFilter},
	} {
		putU8(ae, f.t, f.v)
	}
	putU32(ae, unix.IFLA_VXLAN_LIMIT, v.Limit)
	if v.Label != nil {
		ae.Bytes(unix.IFLA_VXLAN_LABEL, binary.BigEndian.AppendUint32(nil, *v.Label))
	}
	if v.TTLInherit != nil && *v.TTLInherit != 0 {
		ae.Flag(unix.IFLA_VXLAN_TTL_INHERIT)
	}
	if v.GBP {
		ae.Flag(unix.IFLA_VXLAN_GBP)
	}
	if v.GPE {
		ae.Flag(unix.IFLA_VXLAN_GPE)
	}
	return nil
}

func (v *Vxlan) decode(ad *attrReader, depth int) error {
	for ad.Next() {
		switch ad.Type {
		case unix.IFLA_VXLAN_ID:
			v.ID = getU32(ad)
		case unix.IFLA_VXLAN_GROUP, unix.IFLA_VXLAN_GROUP6:
			v.Group = getAddr(ad)
		case unix.IFLA_VXLAN_LOCAL, unix.IFLA_VXLAN_LOCAL6:
			v.Local = getAddr(ad)
		case unix.IFLA_VXLAN_LINK:
			v.Link = getU32(ad)
		case unix.IFLA_VXLAN_TTL:
			v.TTL = getU8(ad)
		case unix.IFLA_VXLAN_TOS:
			v.TOS = getU8(ad)
		case unix.IFLA_VXLAN_LEARNING:
			v.Learning = getU8(ad)
		case unix.IFLA_VXLAN_AGEING:
			v.Ageing = getU32(ad)
		case unix.IFLA_VXLAN_PORT_RANGE:
			ad.Do(func(b []byte) error {
				if len(b) != 4 {
					return fmt.Errorf("vxlan port range of %d bytes", len(b))
				}
				lo, hi := binary.BigEndian.Uint16(b), binary.BigEndian.Uint16(b[2:])
				v.PortLow, v.PortHigh = &lo, &hi
				return nil
			})
		case unix.IFLA_VXLAN_PORT:
			ad.Do(func(b []byte) error {
				if len(b) != 2 {
					return fmt.Errorf("vxlan port of %d bytes", len(b))
				}
				p := binary.BigEndian.Uint16(b)
				v.Port = &p
				return nil
			})
		case unix.IFLA_VXLAN_DF:
			v.DF = getU8(ad)
		case unix.IFLA_VXLAN_UDP_CSUM:
			v.UDPCsum = getU8(ad)
		case unix.IFLA_VXLAN_UDP_ZERO_CSUM6_TX:
			v.UDPZeroCsum6Tx = getU8(ad)
		case unix.IFLA_VXLAN_UDP_ZERO_CSUM6_RX:
			v.UDPZeroCsum6Rx = getU8(ad)
		case unix.IFLA_VXLAN_PROXY:
			v.Proxy = getU8(ad)
		case unix.IFLA_VXLAN_RSC:
			v.RSC = getU8(ad)
		case unix.IFLA_VXLAN_L2MISS:
			v.L2Miss = getU8(ad)
		case unix.IFLA_VXLAN_L3MISS:
			v.L3Miss = getU8(ad)
		case unix.IFLA_VXLAN_REMCSUM_TX:
			v.RemCsumTx = getU8(ad)
		case unix.IFLA_VXLAN_REMCSUM_RX:
			v.RemCsumRx = getU8(ad)
		case unix.IFLA_VXLAN_COLLECT_METADATA:
			v.External = getU8(ad)
		case unix.IFLA_VXLAN_VNIFILTER:
			v.VNIFilter = getU8(ad)
		case unix.IFLA_VXLAN_LIMIT:
			v.Limit = getU32(ad)
		case unix.IFLA_VXLAN_LABEL:
			ad.Do(func(b []byte) error {
				if len(b) != 4 {
					return fmt.Errorf("vxlan flow label of %d bytes", len(b))
				}
				v.Label = new(binary.BigEndian.Uint32(b))
				return nil
			})
		case unix.IFLA_VXLAN_TTL_INHERIT:
			v.TTLInherit = new(uint8(1))
			ad.Do(func(b []byte) error {
				if len(b) > 0 {
					v.TTLInherit = new(b[0])
				}
				return nil
			})
		case unix.IFLA_VXLAN_GBP:
			v.GBP = true
		case unix.IFLA_VXLAN_GPE:
			v.GPE = true
		}
	}
	return ad.Err()
}

// MacvlanMode is a macvlan's mode (MACVLAN_MODE_*).
type MacvlanMode uint32

// Macvlan modes.
const (
	MacvlanPrivate  MacvlanMode = 1  // MACVLAN_MODE_PRIVATE
	MacvlanVEPA     MacvlanMode = 2  // MACVLAN_MODE_VEPA
	MacvlanBridge   MacvlanMode = 4  // MACVLAN_MODE_BRIDGE
	MacvlanPassthru MacvlanMode = 8  // MACVLAN_MODE_PASSTHRU
	MacvlanSource   MacvlanMode = 16 // MACVLAN_MODE_SOURCE
)

// String returns iproute2's name of the mode ("bridge").
func (m MacvlanMode) String() string {
	switch m {
	case MacvlanPrivate:
		return "private"
	case MacvlanVEPA:
		return "vepa"
	case MacvlanBridge:
		return "bridge"
	case MacvlanPassthru:
		return "passthru"
	case MacvlanSource:
		return "source"
	}
	return strconv.FormatUint(uint64(m), 10)
}

// ParseMacvlanMode parses private, vepa, bridge, passthru or source.
func ParseMacvlanMode(s string) (MacvlanMode, error) {
	for _, m := range []MacvlanMode{MacvlanPrivate, MacvlanVEPA, MacvlanBridge, MacvlanPassthru, MacvlanSource} {
		if m.String() == s {
			return m, nil
		}
	}
	return 0, fmt.Errorf("invalid macvlan mode %q (want private, vepa, bridge, passthru or source)", s)
}

// Macvlan is the data of a macvlan or macvtap link (IFLA_MACVLAN_*). The
// lower device is the link's IFLA_LINK.
type Macvlan struct {
	Mode           *MacvlanMode // IFLA_MACVLAN_MODE
	Flags          *uint16      // IFLA_MACVLAN_FLAGS
	BcQueueLen     *uint32      // IFLA_MACVLAN_BC_QUEUE_LEN
	BcQueueLenUsed *uint32      // IFLA_MACVLAN_BC_QUEUE_LEN_USED
}

func (m *Macvlan) encode(ae *nlattr.Encoder) error {
	if m.Mode != nil {
		ae.Uint32(unix.IFLA_MACVLAN_MODE, uint32(*m.Mode))
	}
	putU16(ae, unix.IFLA_MACVLAN_FLAGS, m.Flags)
	putU32(ae, unix.IFLA_MACVLAN_BC_QUEUE_LEN, m.BcQueueLen)
	putU32(ae, unix.IFLA_MACVLAN_BC_QUEUE_LEN_USED, m.BcQueueLenUsed)
	return nil
}

func (m *Macvlan) decode(ad *attrReader, depth int) error {
	for ad.Next() {
		switch ad.Type {
		case unix.IFLA_MACVLAN_MODE:
			mode := MacvlanMode(ad.Uint32())
			m.Mode = &mode
		case unix.IFLA_MACVLAN_FLAGS:
			m.Flags = getU16(ad)
		case unix.IFLA_MACVLAN_BC_QUEUE_LEN:
			m.BcQueueLen = getU32(ad)
		case unix.IFLA_MACVLAN_BC_QUEUE_LEN_USED:
			m.BcQueueLenUsed = getU32(ad)
		}
	}
	return ad.Err()
}

// Tun is the data the kernel reports for a tun or tap link
// (IFLA_TUN_*). Such links are created through /dev/net/tun, not here.
type Tun struct {
	Owner      *uint32 // IFLA_TUN_OWNER
	Group      *uint32 // IFLA_TUN_GROUP
	Type       *uint8  // IFLA_TUN_TYPE: 1 tun, 2 tap
	PI         *uint8  // IFLA_TUN_PI
	VnetHdr    *uint8  // IFLA_TUN_VNET_HDR
	Persist    *uint8  // IFLA_TUN_PERSIST
	MultiQueue *uint8  // IFLA_TUN_MULTI_QUEUE
	// NumQueues and NumDisabledQueues are a multi-queue device's attached
	// and disabled queues (read only).
	NumQueues         *uint32 // IFLA_TUN_NUM_QUEUES
	NumDisabledQueues *uint32 // IFLA_TUN_NUM_DISABLED_QUEUES
}

func (t *Tun) encode(ae *nlattr.Encoder) error {
	putU32(ae, unix.IFLA_TUN_OWNER, t.Owner)
	putU32(ae, unix.IFLA_TUN_GROUP, t.Group)
	putU8(ae, unix.IFLA_TUN_TYPE, t.Type)
	putU8(ae, unix.IFLA_TUN_PI, t.PI)
	putU8(ae, unix.IFLA_TUN_VNET_HDR, t.VnetHdr)
	putU8(ae, unix.IFLA_TUN_PERSIST, t.Persist)
	putU8(ae, unix.IFLA_TUN_MULTI_QUEUE, t.MultiQueue)
	putU32(ae, unix.IFLA_TUN_NUM_QUEUES, t.NumQueues)
	putU32(ae, unix.IFLA_TUN_NUM_DISABLED_QUEUES, t.NumDisabledQueues)
	return nil
}

func (t *Tun) decode(ad *attrReader, depth int) error {
	for ad.Next() {
		switch ad.Type {
		case unix.IFLA_TUN_OWNER:
			t.Owner = getU32(ad)
		case unix.IFLA_TUN_GROUP:
			t.Group = getU32(ad)
		case unix.IFLA_TUN_TYPE:
			t.Type = getU8(ad)
		case unix.IFLA_TUN_PI:
			t.PI = getU8(ad)
		case unix.IFLA_TUN_VNET_HDR:
			t.VnetHdr = getU8(ad)
		case unix.IFLA_TUN_PERSIST:
			t.Persist = getU8(ad)
		case unix.IFLA_TUN_MULTI_QUEUE:
			t.MultiQueue = getU8(ad)
		case unix.IFLA_TUN_NUM_QUEUES:
			t.NumQueues = getU32(ad)
		case unix.IFLA_TUN_NUM_DISABLED_QUEUES:
			t.NumDisabledQueues = getU32(ad)
		}
	}
	return ad.Err()
}
