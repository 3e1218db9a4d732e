package rtnl

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nltrace"
)

// schema tells the --trace printer how to decode rtnetlink messages.
var schema = &nltrace.Schema{Family: "rtnetlink", Msg: traceMsg}

func traceMsg(t uint16) (nltrace.Msg, bool) {
	link := func(name string, k nltrace.MsgKind) nltrace.Msg {
		linkSpaces.Do(fillLinkSpaces)
		return nltrace.Msg{Name: name, Kind: k, Header: ifinfomsgLen, HeaderFmt: fmtIfinfomsg, Attrs: &linkSpace}
	}
	addr := func(name string, k nltrace.MsgKind) nltrace.Msg {
		return nltrace.Msg{Name: name, Kind: k, Header: ifaddrmsgLen, HeaderFmt: fmtIfaddrmsg, Attrs: &addrSpace}
	}
	route := func(name string, k nltrace.MsgKind) nltrace.Msg {
		return nltrace.Msg{Name: name, Kind: k, Header: rtmsgLen, HeaderFmt: fmtRtmsg, Attrs: &routeSpace}
	}
	switch t {
	case unix.RTM_NEWLINK:
		return link("RTM_NEWLINK", nltrace.KindNew), true
	case unix.RTM_DELLINK:
		return link("RTM_DELLINK", nltrace.KindDel), true
	case unix.RTM_GETLINK:
		return link("RTM_GETLINK", nltrace.KindGet), true
	case unix.RTM_NEWLINKPROP:
		return link("RTM_NEWLINKPROP", nltrace.KindNew), true
	case unix.RTM_DELLINKPROP:
		return link("RTM_DELLINKPROP", nltrace.KindDel), true
	case unix.RTM_SETLINK:
		return link("RTM_SETLINK", nltrace.KindNew), true
	case unix.RTM_NEWADDR:
		return addr("RTM_NEWADDR", nltrace.KindNew), true
	case unix.RTM_DELADDR:
		return addr("RTM_DELADDR", nltrace.KindDel), true
	case unix.RTM_GETADDR:
		return addr("RTM_GETADDR", nltrace.KindGet), true
	case unix.RTM_NEWROUTE:
		return route("RTM_NEWROUTE", nltrace.KindNew), true
	case unix.RTM_DELROUTE:
		return route("RTM_DELROUTE", nltrace.KindDel), true
	case unix.RTM_GETROUTE:
		return route("RTM_GETROUTE", nltrace.KindGet), true
	case unix.RTM_NEWNSID:
		return nltrace.Msg{Name: "RTM_NEWNSID", Kind: nltrace.KindNew, Header: 4, HeaderFmt: fmtRtgenmsg, Attrs: &nsidSpace}, true
	case unix.RTM_DELNSID:
		return nltrace.Msg{Name: "RTM_DELNSID", Kind: nltrace.KindDel, Header: 4, HeaderFmt: fmtRtgenmsg, Attrs: &nsidSpace}, true
	case unix.RTM_GETNSID:
		return nltrace.Msg{Name: "RTM_GETNSID", Kind: nltrace.KindGet, Header: 4, HeaderFmt: fmtRtgenmsg, Attrs: &nsidSpace}, true
	case unix.RTM_NEWNETCONF:
		return nltrace.Msg{Name: "RTM_NEWNETCONF", Kind: nltrace.KindNew, Header: 4, HeaderFmt: fmtNetconfmsg, Attrs: &netconfSpace}, true
	case unix.RTM_GETNETCONF:
		return nltrace.Msg{Name: "RTM_GETNETCONF", Kind: nltrace.KindGet, Header: 4, HeaderFmt: fmtNetconfmsg, Attrs: &netconfSpace}, true
	}
	return traceNeighRuleMsg(t)
}

// &netconfSpace is linux/netconf.h's NETCONFA_* (the ones Forwarding
// reads and the kernel sends with them).
var netconfSpace = nltrace.Space{Name: "netconfa", Attrs: []nltrace.Attr{
	netconfaIfindex:    {Name: "NETCONFA_IFINDEX", Kind: nltrace.S32},
	netconfaForwarding: {Name: "NETCONFA_FORWARDING", Kind: nltrace.S32},
	3:                  {Name: "NETCONFA_RP_FILTER", Kind: nltrace.S32},
	4:                  {Name: "NETCONFA_MC_FORWARDING", Kind: nltrace.S32},
	5:                  {Name: "NETCONFA_PROXY_NEIGH", Kind: nltrace.S32},
	6:                  {Name: "NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN", Kind: nltrace.S32},
	7:                  {Name: "NETCONFA_INPUT", Kind: nltrace.S32},
	8:                  {Name: "NETCONFA_BC_FORWARDING", Kind: nltrace.S32},
}}

// fmtNetconfmsg formats struct netconfmsg (one byte of family, padded).
func fmtNetconfmsg(b []byte) string { return "netconfmsg family=" + familyName(b[0]) }

var nsidSpace = nltrace.Space{Name: "netnsa", Attrs: []nltrace.Attr{
	netnsaNSID:        {Name: "NETNSA_NSID", Kind: nltrace.S32},
	netnsaPID:         {Name: "NETNSA_PID", Kind: nltrace.U32},
	netnsaFD:          {Name: "NETNSA_FD", Kind: nltrace.U32},
	netnsaTargetNSID:  {Name: "NETNSA_TARGET_NSID", Kind: nltrace.S32},
	netnsaCurrentNSID: {Name: "NETNSA_CURRENT_NSID", Kind: nltrace.S32},
}}

// Enums and formats shared by the spaces below.

func enumOperState(v uint64) string { return OperState(v).String() }
func enumLinkMode(v uint64) string  { return LinkMode(v).String() }
func enumTable(v uint64) string     { return Table(v).String() }
func enumPref(v uint64) string      { return RoutePref(v).String() }

func enumAddrGenMode(v uint64) string {
	switch v {
	case 0:
		return "eui64"
	case 1:
		return "none"
	case 2:
		return "stable_secret"
	case 3:
		return "random"
	}
	return ""
}

func enumMacvlanMode(v uint64) string { return MacvlanMode(v).String() }

func enumTunType(v uint64) string {
	switch v {
	case 1:
		return "tun"
	case 2:
		return "tap"
	}
	return ""
}

func enumBool(v uint64) string {
	switch v {
	case 0:
		return "off"
	case 1:
		return "on"
	}
	return ""
}

func enumBrportState(v uint64) string {
	names := []string{"disabled", "listening", "learning", "forwarding", "blocking"}
	if v < uint64(len(names)) {
		return names[v]
	}
	return ""
}

// fmtBE16 prints a big-endian 16-bit number (UDP ports, VLAN protocols).
func fmtBE16(b []byte) string {
	if len(b) != 2 {
		return fmt.Sprintf("0x%x", b)
	}
	return strconv.Itoa(int(binary.BigEndian.Uint16(b)))
}

func fmtPortRange(b []byte) string {
	if len(b) != 4 {
		return fmt.Sprintf("0x%x", b)
	}
	return fmt.Sprintf("%d-%d", binary.BigEndian.Uint16(b), binary.BigEndian.Uint16(b[2:]))
}

func fmtStats64(b []byte) string {
	if len(b) < 4*8 {
		return fmt.Sprintf("(%d bytes)", len(b))
	}
	u := func(i int) uint64 { return native.Uint64(b[i*8:]) }
	return fmt.Sprintf("rx_packets=%d tx_packets=%d rx_bytes=%d tx_bytes=%d (%d counters)", u(0), u(1), u(2), u(3), len(b)/8)
}

func fmtStats32(b []byte) string {
	if len(b) < 4*4 {
		return fmt.Sprintf("(%d bytes)", len(b))
	}
	u := func(i int) uint32 { return native.Uint32(b[i*4:]) }
	return fmt.Sprintf("rx_packets=%d tx_packets=%d rx_bytes=%d tx_bytes=%d (%d counters)", u(0), u(1), u(2), u(3), len(b)/4)
}

func fmtLifetime(v uint32) string {
	if v == LifetimeForever {
		return "forever"
	}
	return strconv.FormatUint(uint64(v), 10) + "s"
}

func fmtIfaCacheinfo(b []byte) string {
	if len(b) != 16 {
		return fmt.Sprintf("0x%x", b)
	}
	return fmt.Sprintf("preferred=%s valid=%s created=%d updated=%d",
		fmtLifetime(native.Uint32(b)), fmtLifetime(native.Uint32(b[4:])), native.Uint32(b[8:]), native.Uint32(b[12:]))
}

func fmtRtaCacheinfo(b []byte) string {
	if len(b) != 32 {
		return fmt.Sprintf("0x%x", b)
	}
	v := func(i int) uint32 { return native.Uint32(b[i*4:]) }
	return fmt.Sprintf("clntref=%d lastuse=%d expires=%d error=%d used=%d id=%d ts=%d tsage=%d",
		v(0), v(1), int32(v(2)), v(3), v(4), v(5), v(6), v(7))
}

func fmtAddrFlags(b []byte) string {
	if len(b) != 4 {
		return fmt.Sprintf("0x%x", b)
	}
	f := AddrFlags(native.Uint32(b))
	return fmt.Sprintf("%#x %s", uint32(f), addrFlagList(f))
}

// addrFlagList names the bits that are set (no "dynamic" inference).
func addrFlagList(f AddrFlags) string {
	var names []string
	for _, n := range addrFlagNames {
		if f&n.f != 0 {
			names = append(names, n.name)
			f &^= n.f
		}
	}
	if f != 0 {
		names = append(names, fmt.Sprintf("%#x", uint32(f)))
	}
	return "<" + strings.Join(names, ",") + ">"
}

// linkFlagList names every bit that is set, RUNNING included.
func linkFlagList(f LinkFlags) string {
	var names []string
	if f&LinkRunning != 0 {
		names = append(names, "RUNNING")
		f &^= LinkRunning
	}
	for _, n := range linkFlagNames {
		if f&n.f != 0 {
			names = append(names, n.name)
			f &^= n.f
		}
	}
	if f != 0 {
		names = append(names, fmt.Sprintf("%#x", uint32(f)))
	}
	return "<" + strings.Join(names, ",") + ">"
}

func fmtRtgenmsg(b []byte) string { return "rtgenmsg family=" + familyName(b[0]) }

func fmtIfinfomsg(b []byte) string {
	flags := LinkFlags(native.Uint32(b[8:]))
	change := LinkFlags(native.Uint32(b[12:]))
	typ := HardwareType(native.Uint16(b[2:])).String()
	if strings.HasPrefix(typ, "[") {
		typ = strconv.Itoa(int(native.Uint16(b[2:])))
	}
	s := fmt.Sprintf("ifinfomsg family=%s type=%s index=%d flags=%#x", familyName(b[0]),
		typ, int32(native.Uint32(b[4:])), uint32(flags))
	if flags != 0 {
		s += linkFlagList(flags)
	}
	s += fmt.Sprintf(" change=%#x", uint32(change))
	if change != 0 && change != 0xffffffff {
		s += linkFlagList(change)
	}
	return s
}

func fmtIfaddrmsg(b []byte) string {
	s := fmt.Sprintf("ifaddrmsg family=%s prefixlen=%d flags=%#x", familyName(b[0]), b[1], b[2])
	if b[2] != 0 {
		s += addrFlagList(AddrFlags(b[2]))
	}
	return s + fmt.Sprintf(" scope=%s index=%d", Scope(b[3]), native.Uint32(b[4:]))
}

func fmtRtmsg(b []byte) string {
	flags := RouteFlags(native.Uint32(b[8:]))
	s := fmt.Sprintf("rtmsg family=%s dst_len=%d src_len=%d tos=%d table=%s protocol=%s scope=%s type=%s flags=%#x",
		familyName(b[0]), b[1], b[2], b[3], Table(b[4]), RouteProtocol(b[5]), Scope(b[6]), RouteType(b[7]), uint32(flags))
	var names []string
	names = append(names, flags.Names()...)
	for _, n := range []struct {
		f    RouteFlags
		name string
	}{{RouteCloned, "cloned"}, {RouteEqualize, "equalize"}, {RoutePrefix, "prefix"},
		{RouteLookupTable, "lookup_table"}, {RouteFibMatch, "fib_match"}} {
		if flags&n.f != 0 {
			names = append(names, n.name)
		}
	}
	if len(names) > 0 {
		s += "<" + strings.Join(names, ",") + ">"
	}
	return s
}

func familyName(f byte) string {
	switch f {
	case unix.AF_UNSPEC:
		return "AF_UNSPEC"
	case unix.AF_INET:
		return "AF_INET"
	case unix.AF_INET6:
		return "AF_INET6"
	case unix.AF_BRIDGE:
		return "AF_BRIDGE"
	case unix.AF_MPLS:
		return "AF_MPLS"
	case unix.AF_PACKET:
		return "AF_PACKET"
	}
	return fmt.Sprint(f)
}

// The IFLA_* attribute spaces.

// linkSpace is the IFLA_* attribute space of RTM_*LINK messages. It refers
// to itself (through the veth peer), so it is filled by fillLinkSpaces, the
// first time traceMsg names a link message: a process that does not trace
// does not build it.
var linkSpace = nltrace.Space{Name: "ifla"}

var linkInfoSpace = nltrace.Space{Name: "ifla_info"}

var vethSpace = nltrace.Space{Name: "veth_info"}

// linkSpaces guards fillLinkSpaces; linkInfoSpace and vethSpace are reached
// only through linkSpace.
var linkSpaces sync.Once

func fillLinkSpaces() {
	linkSpace.Attrs = []nltrace.Attr{
		unix.IFLA_ADDRESS:             {Name: "IFLA_ADDRESS", Kind: nltrace.HWAddr},
		unix.IFLA_BROADCAST:           {Name: "IFLA_BROADCAST", Kind: nltrace.HWAddr},
		unix.IFLA_IFNAME:              {Name: "IFLA_IFNAME", Kind: nltrace.String},
		unix.IFLA_MTU:                 {Name: "IFLA_MTU", Kind: nltrace.U32},
		unix.IFLA_LINK:                {Name: "IFLA_LINK", Kind: nltrace.U32},
		unix.IFLA_QDISC:               {Name: "IFLA_QDISC", Kind: nltrace.String},
		unix.IFLA_STATS:               {Name: "IFLA_STATS", Format: fmtStats32},
		unix.IFLA_COST:                {Name: "IFLA_COST", Kind: nltrace.Bytes},
		unix.IFLA_PRIORITY:            {Name: "IFLA_PRIORITY", Kind: nltrace.Bytes},
		unix.IFLA_MASTER:              {Name: "IFLA_MASTER", Kind: nltrace.U32},
		unix.IFLA_WIRELESS:            {Name: "IFLA_WIRELESS", Kind: nltrace.Bytes},
		unix.IFLA_PROTINFO:            {Name: "IFLA_PROTINFO", Kind: nltrace.Bytes},
		unix.IFLA_TXQLEN:              {Name: "IFLA_TXQLEN", Kind: nltrace.U32},
		unix.IFLA_MAP:                 {Name: "IFLA_MAP", Kind: nltrace.Bytes},
		unix.IFLA_WEIGHT:              {Name: "IFLA_WEIGHT", Kind: nltrace.U32},
		unix.IFLA_OPERSTATE:           {Name: "IFLA_OPERSTATE", Kind: nltrace.U8, Enum: enumOperState},
		unix.IFLA_LINKMODE:            {Name: "IFLA_LINKMODE", Kind: nltrace.U8, Enum: enumLinkMode},
		unix.IFLA_LINKINFO:            {Name: "IFLA_LINKINFO", Kind: nltrace.Nested, Nest: &linkInfoSpace},
		unix.IFLA_NET_NS_PID:          {Name: "IFLA_NET_NS_PID", Kind: nltrace.U32},
		unix.IFLA_IFALIAS:             {Name: "IFLA_IFALIAS", Kind: nltrace.String},
		unix.IFLA_NUM_VF:              {Name: "IFLA_NUM_VF", Kind: nltrace.U32},
		unix.IFLA_VFINFO_LIST:         {Name: "IFLA_VFINFO_LIST", Kind: nltrace.Bytes},
		unix.IFLA_STATS64:             {Name: "IFLA_STATS64", Format: fmtStats64},
		unix.IFLA_VF_PORTS:            {Name: "IFLA_VF_PORTS", Kind: nltrace.Bytes},
		unix.IFLA_PORT_SELF:           {Name: "IFLA_PORT_SELF", Kind: nltrace.Bytes},
		unix.IFLA_AF_SPEC:             {Name: "IFLA_AF_SPEC", Kind: nltrace.Nested, Nest: &afSpecSpace},
		unix.IFLA_GROUP:               {Name: "IFLA_GROUP", Kind: nltrace.U32},
		unix.IFLA_NET_NS_FD:           {Name: "IFLA_NET_NS_FD", Kind: nltrace.U32},
		unix.IFLA_EXT_MASK:            {Name: "IFLA_EXT_MASK", Kind: nltrace.U32, Format: fmtExtMask},
		unix.IFLA_PROMISCUITY:         {Name: "IFLA_PROMISCUITY", Kind: nltrace.U32},
		unix.IFLA_NUM_TX_QUEUES:       {Name: "IFLA_NUM_TX_QUEUES", Kind: nltrace.U32},
		unix.IFLA_NUM_RX_QUEUES:       {Name: "IFLA_NUM_RX_QUEUES", Kind: nltrace.U32},
		unix.IFLA_CARRIER:             {Name: "IFLA_CARRIER", Kind: nltrace.U8},
		unix.IFLA_PHYS_PORT_ID:        {Name: "IFLA_PHYS_PORT_ID", Kind: nltrace.Bytes},
		unix.IFLA_CARRIER_CHANGES:     {Name: "IFLA_CARRIER_CHANGES", Kind: nltrace.U32},
		unix.IFLA_PHYS_SWITCH_ID:      {Name: "IFLA_PHYS_SWITCH_ID", Kind: nltrace.Bytes},
		unix.IFLA_LINK_NETNSID:        {Name: "IFLA_LINK_NETNSID", Kind: nltrace.S32},
		unix.IFLA_PHYS_PORT_NAME:      {Name: "IFLA_PHYS_PORT_NAME", Kind: nltrace.String},
		unix.IFLA_PROTO_DOWN:          {Name: "IFLA_PROTO_DOWN", Kind: nltrace.U8},
		unix.IFLA_GSO_MAX_SEGS:        {Name: "IFLA_GSO_MAX_SEGS", Kind: nltrace.U32},
		unix.IFLA_GSO_MAX_SIZE:        {Name: "IFLA_GSO_MAX_SIZE", Kind: nltrace.U32},
		unix.IFLA_PAD:                 {Name: "IFLA_PAD", Kind: nltrace.Bytes},
		unix.IFLA_XDP:                 {Name: "IFLA_XDP", Kind: nltrace.Nested, Nest: &xdpSpace},
		unix.IFLA_EVENT:               {Name: "IFLA_EVENT", Kind: nltrace.U32},
		unix.IFLA_NEW_NETNSID:         {Name: "IFLA_NEW_NETNSID", Kind: nltrace.S32},
		unix.IFLA_IF_NETNSID:          {Name: "IFLA_TARGET_NETNSID", Kind: nltrace.S32},
		unix.IFLA_CARRIER_UP_COUNT:    {Name: "IFLA_CARRIER_UP_COUNT", Kind: nltrace.U32},
		unix.IFLA_CARRIER_DOWN_COUNT:  {Name: "IFLA_CARRIER_DOWN_COUNT", Kind: nltrace.U32},
		unix.IFLA_NEW_IFINDEX:         {Name: "IFLA_NEW_IFINDEX", Kind: nltrace.S32},
		unix.IFLA_MIN_MTU:             {Name: "IFLA_MIN_MTU", Kind: nltrace.U32},
		unix.IFLA_MAX_MTU:             {Name: "IFLA_MAX_MTU", Kind: nltrace.U32},
		unix.IFLA_PROP_LIST:           {Name: "IFLA_PROP_LIST", Kind: nltrace.Nested, Nest: &propSpace},
		unix.IFLA_ALT_IFNAME:          {Name: "IFLA_ALT_IFNAME", Kind: nltrace.String},
		unix.IFLA_PERM_ADDRESS:        {Name: "IFLA_PERM_ADDRESS", Kind: nltrace.HWAddr},
		unix.IFLA_PROTO_DOWN_REASON:   {Name: "IFLA_PROTO_DOWN_REASON", Kind: nltrace.Bytes},
		unix.IFLA_PARENT_DEV_NAME:     {Name: "IFLA_PARENT_DEV_NAME", Kind: nltrace.String},
		unix.IFLA_PARENT_DEV_BUS_NAME: {Name: "IFLA_PARENT_DEV_BUS_NAME", Kind: nltrace.String},
		unix.IFLA_GRO_MAX_SIZE:        {Name: "IFLA_GRO_MAX_SIZE", Kind: nltrace.U32},
		unix.IFLA_TSO_MAX_SIZE:        {Name: "IFLA_TSO_MAX_SIZE", Kind: nltrace.U32},
		unix.IFLA_TSO_MAX_SEGS:        {Name: "IFLA_TSO_MAX_SEGS", Kind: nltrace.U32},
		unix.IFLA_ALLMULTI:            {Name: "IFLA_ALLMULTI", Kind: nltrace.U32},
		unix.IFLA_DEVLINK_PORT:        {Name: "IFLA_DEVLINK_PORT", Kind: nltrace.Bytes},
		unix.IFLA_GSO_IPV4_MAX_SIZE:   {Name: "IFLA_GSO_IPV4_MAX_SIZE", Kind: nltrace.U32},
		unix.IFLA_GRO_IPV4_MAX_SIZE:   {Name: "IFLA_GRO_IPV4_MAX_SIZE", Kind: nltrace.U32},
		unix.IFLA_DPLL_PIN:            {Name: "IFLA_DPLL_PIN", Kind: nltrace.Bytes},
		unix.IFLA_DPLL_PIN + 1:        {Name: "IFLA_MAX_PACING_OFFLOAD_HORIZON", Kind: nltrace.U32},
		unix.IFLA_DPLL_PIN + 2:        {Name: "IFLA_NETNS_IMMUTABLE", Kind: nltrace.U8},
		unix.IFLA_DPLL_PIN + 3:        {Name: "IFLA_HEADROOM", Kind: nltrace.U16},
		unix.IFLA_DPLL_PIN + 4:        {Name: "IFLA_TAILROOM", Kind: nltrace.U16},
	}
	linkInfoSpace.Attrs = []nltrace.Attr{
		unix.IFLA_INFO_KIND: {Name: "IFLA_INFO_KIND", Kind: nltrace.String},
		unix.IFLA_INFO_DATA: {Name: "IFLA_INFO_DATA", Kind: nltrace.Nested, Resolve: func(sib nltrace.Siblings) *nltrace.Space {
			return infoDataSpace(sib.String(unix.IFLA_INFO_KIND))
		}},
		unix.IFLA_INFO_XSTATS:     {Name: "IFLA_INFO_XSTATS", Kind: nltrace.Bytes},
		unix.IFLA_INFO_SLAVE_KIND: {Name: "IFLA_INFO_SLAVE_KIND", Kind: nltrace.String},
		unix.IFLA_INFO_SLAVE_DATA: {Name: "IFLA_INFO_SLAVE_DATA", Kind: nltrace.Nested, Resolve: func(sib nltrace.Siblings) *nltrace.Space {
			if sib.String(unix.IFLA_INFO_SLAVE_KIND) == "bridge" {
				return &brportSpace
			}
			return nil
		}},
	}
	vethSpace.Attrs = []nltrace.Attr{
		vethInfoPeer: {Name: "VETH_INFO_PEER", Kind: nltrace.Nested, Nest: &linkSpace,
			Header: ifinfomsgLen, HeaderFmt: fmtIfinfomsg},
	}
}

func fmtHex32(b []byte) string {
	if len(b) != 4 {
		return fmt.Sprintf("0x%x", b)
	}
	return fmt.Sprintf("%#x", native.Uint32(b))
}

func fmtInet6Cacheinfo(b []byte) string {
	if len(b) != 16 {
		return fmt.Sprintf("0x%x", b)
	}
	return fmt.Sprintf("max_reasm_len=%d tstamp=%d reachable_time=%dms retrans_time=%dms",
		native.Uint32(b), native.Uint32(b[4:]), native.Uint32(b[8:]), native.Uint32(b[12:]))
}

func fmtExtMask(b []byte) string {
	if len(b) != 4 {
		return fmt.Sprintf("0x%x", b)
	}
	v := native.Uint32(b)
	var names []string
	for i, n := range []string{"VF", "BRVLAN", "BRVLAN_COMPRESSED", "SKIP_STATS", "MRP", "CFM_CONFIG", "CFM_STATUS", "MST"} {
		if v&(1<<i) != 0 {
			names = append(names, n)
		}
	}
	return fmt.Sprintf("%#x<%s>", v, strings.Join(names, ","))
}

// infoDataSpace picks the IFLA_INFO_DATA space of a link kind.
func infoDataSpace(kind string) *nltrace.Space {
	switch kind {
	case "veth":
		return &vethSpace
	case "bridge":
		return &bridgeSpace
	case "vxlan":
		return &vxlanSpace
	case "macvlan", "macvtap":
		return &macvlanSpace
	case "tun":
		return &tunSpace
	}
	return nil
}

var propSpace = nltrace.Space{Name: "ifla_prop", Attrs: []nltrace.Attr{
	unix.IFLA_ALT_IFNAME: {Name: "IFLA_ALT_IFNAME", Kind: nltrace.String},
}}

var xdpSpace = nltrace.Space{Name: "ifla_xdp", Attrs: []nltrace.Attr{
	unix.IFLA_XDP_FD:          {Name: "IFLA_XDP_FD", Kind: nltrace.S32},
	unix.IFLA_XDP_ATTACHED:    {Name: "IFLA_XDP_ATTACHED", Kind: nltrace.U8},
	unix.IFLA_XDP_FLAGS:       {Name: "IFLA_XDP_FLAGS", Kind: nltrace.U32},
	unix.IFLA_XDP_PROG_ID:     {Name: "IFLA_XDP_PROG_ID", Kind: nltrace.U32},
	unix.IFLA_XDP_DRV_PROG_ID: {Name: "IFLA_XDP_DRV_PROG_ID", Kind: nltrace.U32},
	unix.IFLA_XDP_SKB_PROG_ID: {Name: "IFLA_XDP_SKB_PROG_ID", Kind: nltrace.U32},
	unix.IFLA_XDP_HW_PROG_ID:  {Name: "IFLA_XDP_HW_PROG_ID", Kind: nltrace.U32},
}}

// &afSpecSpace is IFLA_AF_SPEC: one nested attribute per address family.
var afSpecSpace = nltrace.Space{Name: "ifla_af_spec", Attrs: []nltrace.Attr{
	unix.AF_INET:   {Name: "AF_INET", Kind: nltrace.Nested, Nest: &inetSpace},
	unix.AF_INET6:  {Name: "AF_INET6", Kind: nltrace.Nested, Nest: &inet6Space},
	unix.AF_BRIDGE: {Name: "AF_BRIDGE", Kind: nltrace.Bytes},
	unix.AF_MPLS:   {Name: "AF_MPLS", Kind: nltrace.Bytes},
}}

var inetSpace = nltrace.Space{Name: "ifla_inet", Attrs: []nltrace.Attr{
	unix.IFLA_INET_CONF: {Name: "IFLA_INET_CONF", Format: func(b []byte) string { return fmt.Sprintf("(%d values)", len(b)/4) }},
}}

var inet6Space = nltrace.Space{Name: "ifla_inet6", Attrs: []nltrace.Attr{
	unix.IFLA_INET6_FLAGS:         {Name: "IFLA_INET6_FLAGS", Format: fmtHex32},
	unix.IFLA_INET6_CONF:          {Name: "IFLA_INET6_CONF", Format: func(b []byte) string { return fmt.Sprintf("(%d values)", len(b)/4) }},
	unix.IFLA_INET6_STATS:         {Name: "IFLA_INET6_STATS", Format: func(b []byte) string { return fmt.Sprintf("(%d counters)", len(b)/8) }},
	unix.IFLA_INET6_MCAST:         {Name: "IFLA_INET6_MCAST", Kind: nltrace.Bytes},
	unix.IFLA_INET6_CACHEINFO:     {Name: "IFLA_INET6_CACHEINFO", Format: fmtInet6Cacheinfo},
	unix.IFLA_INET6_ICMP6STATS:    {Name: "IFLA_INET6_ICMP6STATS", Format: func(b []byte) string { return fmt.Sprintf("(%d counters)", len(b)/8) }},
	unix.IFLA_INET6_TOKEN:         {Name: "IFLA_INET6_TOKEN", Kind: nltrace.Addr},
	unix.IFLA_INET6_ADDR_GEN_MODE: {Name: "IFLA_INET6_ADDR_GEN_MODE", Kind: nltrace.U8, Enum: enumAddrGenMode},
	unix.IFLA_INET6_RA_MTU:        {Name: "IFLA_INET6_RA_MTU", Kind: nltrace.U32},
}}

var bridgeSpace = nltrace.Space{Name: "ifla_br", Attrs: []nltrace.Attr{
	unix.IFLA_BR_FORWARD_DELAY:              {Name: "IFLA_BR_FORWARD_DELAY", Kind: nltrace.U32},
	unix.IFLA_BR_HELLO_TIME:                 {Name: "IFLA_BR_HELLO_TIME", Kind: nltrace.U32},
	unix.IFLA_BR_MAX_AGE:                    {Name: "IFLA_BR_MAX_AGE", Kind: nltrace.U32},
	unix.IFLA_BR_AGEING_TIME:                {Name: "IFLA_BR_AGEING_TIME", Kind: nltrace.U32},
	unix.IFLA_BR_STP_STATE:                  {Name: "IFLA_BR_STP_STATE", Kind: nltrace.U32},
	unix.IFLA_BR_PRIORITY:                   {Name: "IFLA_BR_PRIORITY", Kind: nltrace.U16},
	unix.IFLA_BR_VLAN_FILTERING:             {Name: "IFLA_BR_VLAN_FILTERING", Kind: nltrace.U8},
	unix.IFLA_BR_VLAN_PROTOCOL:              {Name: "IFLA_BR_VLAN_PROTOCOL", Format: fmtBE16},
	unix.IFLA_BR_GROUP_FWD_MASK:             {Name: "IFLA_BR_GROUP_FWD_MASK", Kind: nltrace.U16},
	unix.IFLA_BR_ROOT_ID:                    {Name: "IFLA_BR_ROOT_ID", Kind: nltrace.Bytes},
	unix.IFLA_BR_BRIDGE_ID:                  {Name: "IFLA_BR_BRIDGE_ID", Kind: nltrace.Bytes},
	unix.IFLA_BR_ROOT_PORT:                  {Name: "IFLA_BR_ROOT_PORT", Kind: nltrace.U16},
	unix.IFLA_BR_ROOT_PATH_COST:             {Name: "IFLA_BR_ROOT_PATH_COST", Kind: nltrace.U32},
	unix.IFLA_BR_TOPOLOGY_CHANGE:            {Name: "IFLA_BR_TOPOLOGY_CHANGE", Kind: nltrace.U8},
	unix.IFLA_BR_TOPOLOGY_CHANGE_DETECTED:   {Name: "IFLA_BR_TOPOLOGY_CHANGE_DETECTED", Kind: nltrace.U8},
	unix.IFLA_BR_HELLO_TIMER:                {Name: "IFLA_BR_HELLO_TIMER", Kind: nltrace.U64},
	unix.IFLA_BR_TCN_TIMER:                  {Name: "IFLA_BR_TCN_TIMER", Kind: nltrace.U64},
	unix.IFLA_BR_TOPOLOGY_CHANGE_TIMER:      {Name: "IFLA_BR_TOPOLOGY_CHANGE_TIMER", Kind: nltrace.U64},
	unix.IFLA_BR_GC_TIMER:                   {Name: "IFLA_BR_GC_TIMER", Kind: nltrace.U64},
	unix.IFLA_BR_GROUP_ADDR:                 {Name: "IFLA_BR_GROUP_ADDR", Kind: nltrace.HWAddr},
	unix.IFLA_BR_FDB_FLUSH:                  {Name: "IFLA_BR_FDB_FLUSH", Kind: nltrace.Flag},
	unix.IFLA_BR_MCAST_ROUTER:               {Name: "IFLA_BR_MCAST_ROUTER", Kind: nltrace.U8},
	unix.IFLA_BR_MCAST_SNOOPING:             {Name: "IFLA_BR_MCAST_SNOOPING", Kind: nltrace.U8},
	unix.IFLA_BR_MCAST_QUERY_USE_IFADDR:     {Name: "IFLA_BR_MCAST_QUERY_USE_IFADDR", Kind: nltrace.U8},
	unix.IFLA_BR_MCAST_QUERIER:              {Name: "IFLA_BR_MCAST_QUERIER", Kind: nltrace.U8},
	unix.IFLA_BR_MCAST_HASH_ELASTICITY:      {Name: "IFLA_BR_MCAST_HASH_ELASTICITY", Kind: nltrace.U32},
	unix.IFLA_BR_MCAST_HASH_MAX:             {Name: "IFLA_BR_MCAST_HASH_MAX", Kind: nltrace.U32},
	unix.IFLA_BR_MCAST_LAST_MEMBER_CNT:      {Name: "IFLA_BR_MCAST_LAST_MEMBER_CNT", Kind: nltrace.U32},
	unix.IFLA_BR_MCAST_STARTUP_QUERY_CNT:    {Name: "IFLA_BR_MCAST_STARTUP_QUERY_CNT", Kind: nltrace.U32},
	unix.IFLA_BR_MCAST_LAST_MEMBER_INTVL:    {Name: "IFLA_BR_MCAST_LAST_MEMBER_INTVL", Kind: nltrace.U64},
	unix.IFLA_BR_MCAST_MEMBERSHIP_INTVL:     {Name: "IFLA_BR_MCAST_MEMBERSHIP_INTVL", Kind: nltrace.U64},
	unix.IFLA_BR_MCAST_QUERIER_INTVL:        {Name: "IFLA_BR_MCAST_QUERIER_INTVL", Kind: nltrace.U64},
	unix.IFLA_BR_MCAST_QUERY_INTVL:          {Name: "IFLA_BR_MCAST_QUERY_INTVL", Kind: nltrace.U64},
	unix.IFLA_BR_MCAST_QUERY_RESPONSE_INTVL: {Name: "IFLA_BR_MCAST_QUERY_RESPONSE_INTVL", Kind: nltrace.U64},
	unix.IFLA_BR_MCAST_STARTUP_QUERY_INTVL:  {Name: "IFLA_BR_MCAST_STARTUP_QUERY_INTVL", Kind: nltrace.U64},
	unix.IFLA_BR_NF_CALL_IPTABLES:           {Name: "IFLA_BR_NF_CALL_IPTABLES", Kind: nltrace.U8},
	unix.IFLA_BR_NF_CALL_IP6TABLES:          {Name: "IFLA_BR_NF_CALL_IP6TABLES", Kind: nltrace.U8},
	unix.IFLA_BR_NF_CALL_ARPTABLES:          {Name: "IFLA_BR_NF_CALL_ARPTABLES", Kind: nltrace.U8},
	unix.IFLA_BR_VLAN_DEFAULT_PVID:          {Name: "IFLA_BR_VLAN_DEFAULT_PVID", Kind: nltrace.U16},
	unix.IFLA_BR_PAD:                        {Name: "IFLA_BR_PAD", Kind: nltrace.Bytes},
	unix.IFLA_BR_VLAN_STATS_ENABLED:         {Name: "IFLA_BR_VLAN_STATS_ENABLED", Kind: nltrace.U8},
	unix.IFLA_BR_MCAST_STATS_ENABLED:        {Name: "IFLA_BR_MCAST_STATS_ENABLED", Kind: nltrace.U8},
	unix.IFLA_BR_MCAST_IGMP_VERSION:         {Name: "IFLA_BR_MCAST_IGMP_VERSION", Kind: nltrace.U8},
	unix.IFLA_BR_MCAST_MLD_VERSION:          {Name: "IFLA_BR_MCAST_MLD_VERSION", Kind: nltrace.U8},
	unix.IFLA_BR_VLAN_STATS_PER_PORT:        {Name: "IFLA_BR_VLAN_STATS_PER_PORT", Kind: nltrace.U8},
	unix.IFLA_BR_MULTI_BOOLOPT:              {Name: "IFLA_BR_MULTI_BOOLOPT", Kind: nltrace.Bytes},
	unix.IFLA_BR_MCAST_QUERIER_STATE:        {Name: "IFLA_BR_MCAST_QUERIER_STATE", Kind: nltrace.Bytes},
	unix.IFLA_BR_FDB_N_LEARNED:              {Name: "IFLA_BR_FDB_N_LEARNED", Kind: nltrace.U32},
	unix.IFLA_BR_FDB_MAX_LEARNED:            {Name: "IFLA_BR_FDB_MAX_LEARNED", Kind: nltrace.U32},
}}

var brportSpace = nltrace.Space{Name: "ifla_brport", Attrs: []nltrace.Attr{
	unix.IFLA_BRPORT_STATE:                 {Name: "IFLA_BRPORT_STATE", Kind: nltrace.U8, Enum: enumBrportState},
	unix.IFLA_BRPORT_PRIORITY:              {Name: "IFLA_BRPORT_PRIORITY", Kind: nltrace.U16},
	unix.IFLA_BRPORT_COST:                  {Name: "IFLA_BRPORT_COST", Kind: nltrace.U32},
	unix.IFLA_BRPORT_MODE:                  {Name: "IFLA_BRPORT_MODE", Kind: nltrace.U8, Enum: enumBool},
	unix.IFLA_BRPORT_GUARD:                 {Name: "IFLA_BRPORT_GUARD", Kind: nltrace.U8, Enum: enumBool},
	unix.IFLA_BRPORT_PROTECT:               {Name: "IFLA_BRPORT_PROTECT", Kind: nltrace.U8, Enum: enumBool},
	unix.IFLA_BRPORT_FAST_LEAVE:            {Name: "IFLA_BRPORT_FAST_LEAVE", Kind: nltrace.U8, Enum: enumBool},
	unix.IFLA_BRPORT_LEARNING:              {Name: "IFLA_BRPORT_LEARNING", Kind: nltrace.U8, Enum: enumBool},
	unix.IFLA_BRPORT_UNICAST_FLOOD:         {Name: "IFLA_BRPORT_UNICAST_FLOOD", Kind: nltrace.U8, Enum: enumBool},
	unix.IFLA_BRPORT_PROXYARP:              {Name: "IFLA_BRPORT_PROXYARP", Kind: nltrace.U8, Enum: enumBool},
	unix.IFLA_BRPORT_LEARNING_SYNC:         {Name: "IFLA_BRPORT_LEARNING_SYNC", Kind: nltrace.U8, Enum: enumBool},
	unix.IFLA_BRPORT_PROXYARP_WIFI:         {Name: "IFLA_BRPORT_PROXYARP_WIFI", Kind: nltrace.U8, Enum: enumBool},
	unix.IFLA_BRPORT_ROOT_ID:               {Name: "IFLA_BRPORT_ROOT_ID", Kind: nltrace.Bytes},
	unix.IFLA_BRPORT_BRIDGE_ID:             {Name: "IFLA_BRPORT_BRIDGE_ID", Kind: nltrace.Bytes},
	unix.IFLA_BRPORT_DESIGNATED_PORT:       {Name: "IFLA_BRPORT_DESIGNATED_PORT", Kind: nltrace.U16},
	unix.IFLA_BRPORT_DESIGNATED_COST:       {Name: "IFLA_BRPORT_DESIGNATED_COST", Kind: nltrace.U16},
	unix.IFLA_BRPORT_ID:                    {Name: "IFLA_BRPORT_ID", Kind: nltrace.U16},
	unix.IFLA_BRPORT_NO:                    {Name: "IFLA_BRPORT_NO", Kind: nltrace.U16},
	unix.IFLA_BRPORT_TOPOLOGY_CHANGE_ACK:   {Name: "IFLA_BRPORT_TOPOLOGY_CHANGE_ACK", Kind: nltrace.U8},
	unix.IFLA_BRPORT_CONFIG_PENDING:        {Name: "IFLA_BRPORT_CONFIG_PENDING", Kind: nltrace.U8},
	unix.IFLA_BRPORT_MESSAGE_AGE_TIMER:     {Name: "IFLA_BRPORT_MESSAGE_AGE_TIMER", Kind: nltrace.U64},
	unix.IFLA_BRPORT_FORWARD_DELAY_TIMER:   {Name: "IFLA_BRPORT_FORWARD_DELAY_TIMER", Kind: nltrace.U64},
	unix.IFLA_BRPORT_HOLD_TIMER:            {Name: "IFLA_BRPORT_HOLD_TIMER", Kind: nltrace.U64},
	unix.IFLA_BRPORT_FLUSH:                 {Name: "IFLA_BRPORT_FLUSH", Kind: nltrace.Flag},
	unix.IFLA_BRPORT_MULTICAST_ROUTER:      {Name: "IFLA_BRPORT_MULTICAST_ROUTER", Kind: nltrace.U8},
	unix.IFLA_BRPORT_PAD:                   {Name: "IFLA_BRPORT_PAD", Kind: nltrace.Bytes},
	unix.IFLA_BRPORT_MCAST_FLOOD:           {Name: "IFLA_BRPORT_MCAST_FLOOD", Kind: nltrace.U8, Enum: enumBool},
	unix.IFLA_BRPORT_MCAST_TO_UCAST:        {Name: "IFLA_BRPORT_MCAST_TO_UCAST", Kind: nltrace.U8, Enum: enumBool},
	unix.IFLA_BRPORT_VLAN_TUNNEL:           {Name: "IFLA_BRPORT_VLAN_TUNNEL", Kind: nltrace.U8, Enum: enumBool},
	unix.IFLA_BRPORT_BCAST_FLOOD:           {Name: "IFLA_BRPORT_BCAST_FLOOD", Kind: nltrace.U8, Enum: enumBool},
	unix.IFLA_BRPORT_GROUP_FWD_MASK:        {Name: "IFLA_BRPORT_GROUP_FWD_MASK", Kind: nltrace.U16},
	unix.IFLA_BRPORT_NEIGH_SUPPRESS:        {Name: "IFLA_BRPORT_NEIGH_SUPPRESS", Kind: nltrace.U8, Enum: enumBool},
	unix.IFLA_BRPORT_ISOLATED:              {Name: "IFLA_BRPORT_ISOLATED", Kind: nltrace.U8, Enum: enumBool},
	unix.IFLA_BRPORT_BACKUP_PORT:           {Name: "IFLA_BRPORT_BACKUP_PORT", Kind: nltrace.U32},
	unix.IFLA_BRPORT_MRP_RING_OPEN:         {Name: "IFLA_BRPORT_MRP_RING_OPEN", Kind: nltrace.U8},
	unix.IFLA_BRPORT_MRP_IN_OPEN:           {Name: "IFLA_BRPORT_MRP_IN_OPEN", Kind: nltrace.U8},
	unix.IFLA_BRPORT_MCAST_EHT_HOSTS_LIMIT: {Name: "IFLA_BRPORT_MCAST_EHT_HOSTS_LIMIT", Kind: nltrace.U32},
	unix.IFLA_BRPORT_MCAST_EHT_HOSTS_CNT:   {Name: "IFLA_BRPORT_MCAST_EHT_HOSTS_CNT", Kind: nltrace.U32},
	unix.IFLA_BRPORT_LOCKED:                {Name: "IFLA_BRPORT_LOCKED", Kind: nltrace.U8, Enum: enumBool},
	unix.IFLA_BRPORT_MAB:                   {Name: "IFLA_BRPORT_MAB", Kind: nltrace.U8, Enum: enumBool},
	unix.IFLA_BRPORT_MCAST_N_GROUPS:        {Name: "IFLA_BRPORT_MCAST_N_GROUPS", Kind: nltrace.U32},
	unix.IFLA_BRPORT_MCAST_MAX_GROUPS:      {Name: "IFLA_BRPORT_MCAST_MAX_GROUPS", Kind: nltrace.U32},
	unix.IFLA_BRPORT_NEIGH_VLAN_SUPPRESS:   {Name: "IFLA_BRPORT_NEIGH_VLAN_SUPPRESS", Kind: nltrace.U8, Enum: enumBool},
	unix.IFLA_BRPORT_BACKUP_NHID:           {Name: "IFLA_BRPORT_BACKUP_NHID", Kind: nltrace.U32},
}}

var vxlanSpace = nltrace.Space{Name: "ifla_vxlan", Attrs: []nltrace.Attr{
	unix.IFLA_VXLAN_ID:                {Name: "IFLA_VXLAN_ID", Kind: nltrace.U32},
	unix.IFLA_VXLAN_GROUP:             {Name: "IFLA_VXLAN_GROUP", Kind: nltrace.Addr},
	unix.IFLA_VXLAN_LINK:              {Name: "IFLA_VXLAN_LINK", Kind: nltrace.U32},
	unix.IFLA_VXLAN_LOCAL:             {Name: "IFLA_VXLAN_LOCAL", Kind: nltrace.Addr},
	unix.IFLA_VXLAN_TTL:               {Name: "IFLA_VXLAN_TTL", Kind: nltrace.U8},
	unix.IFLA_VXLAN_TOS:               {Name: "IFLA_VXLAN_TOS", Kind: nltrace.U8},
	unix.IFLA_VXLAN_LEARNING:          {Name: "IFLA_VXLAN_LEARNING", Kind: nltrace.U8, Enum: enumBool},
	unix.IFLA_VXLAN_AGEING:            {Name: "IFLA_VXLAN_AGEING", Kind: nltrace.U32},
	unix.IFLA_VXLAN_LIMIT:             {Name: "IFLA_VXLAN_LIMIT", Kind: nltrace.U32},
	unix.IFLA_VXLAN_PORT_RANGE:        {Name: "IFLA_VXLAN_PORT_RANGE", Format: fmtPortRange},
	unix.IFLA_VXLAN_PROXY:             {Name: "IFLA_VXLAN_PROXY", Kind: nltrace.U8, Enum: enumBool},
	unix.IFLA_VXLAN_RSC:               {Name: "IFLA_VXLAN_RSC", Kind: nltrace.U8, Enum: enumBool},
	unix.IFLA_VXLAN_L2MISS:            {Name: "IFLA_VXLAN_L2MISS", Kind: nltrace.U8, Enum: enumBool},
	unix.IFLA_VXLAN_L3MISS:            {Name: "IFLA_VXLAN_L3MISS", Kind: nltrace.U8, Enum: enumBool},
	unix.IFLA_VXLAN_PORT:              {Name: "IFLA_VXLAN_PORT", Format: fmtBE16},
	unix.IFLA_VXLAN_GROUP6:            {Name: "IFLA_VXLAN_GROUP6", Kind: nltrace.Addr},
	unix.IFLA_VXLAN_LOCAL6:            {Name: "IFLA_VXLAN_LOCAL6", Kind: nltrace.Addr},
	unix.IFLA_VXLAN_UDP_CSUM:          {Name: "IFLA_VXLAN_UDP_CSUM", Kind: nltrace.U8, Enum: enumBool},
	unix.IFLA_VXLAN_UDP_ZERO_CSUM6_TX: {Name: "IFLA_VXLAN_UDP_ZERO_CSUM6_TX", Kind: nltrace.U8, Enum: enumBool},
	unix.IFLA_VXLAN_UDP_ZERO_CSUM6_RX: {Name: "IFLA_VXLAN_UDP_ZERO_CSUM6_RX", Kind: nltrace.U8, Enum: enumBool},
	unix.IFLA_VXLAN_REMCSUM_TX:        {Name: "IFLA_VXLAN_REMCSUM_TX", Kind: nltrace.U8, Enum: enumBool},
	unix.IFLA_VXLAN_REMCSUM_RX:        {Name: "IFLA_VXLAN_REMCSUM_RX", Kind: nltrace.U8, Enum: enumBool},
	unix.IFLA_VXLAN_GBP:               {Name: "IFLA_VXLAN_GBP", Kind: nltrace.Flag},
	unix.IFLA_VXLAN_REMCSUM_NOPARTIAL: {Name: "IFLA_VXLAN_REMCSUM_NOPARTIAL", Kind: nltrace.Flag},
	unix.IFLA_VXLAN_COLLECT_METADATA:  {Name: "IFLA_VXLAN_COLLECT_METADATA", Kind: nltrace.U8, Enum: enumBool},
	unix.IFLA_VXLAN_LABEL:             {Name: "IFLA_VXLAN_LABEL", Kind: nltrace.U32},
	unix.IFLA_VXLAN_GPE:               {Name: "IFLA_VXLAN_GPE", Kind: nltrace.Flag},
	unix.IFLA_VXLAN_TTL_INHERIT:       {Name: "IFLA_VXLAN_TTL_INHERIT", Kind: nltrace.Flag},
	unix.IFLA_VXLAN_DF: {Name: "IFLA_VXLAN_DF", Kind: nltrace.U8, Enum: func(v uint64) string {
		return map[uint64]string{0: "unset", 1: "set", 2: "inherit"}[v]
	}},
	unix.IFLA_VXLAN_VNIFILTER:    {Name: "IFLA_VXLAN_VNIFILTER", Kind: nltrace.U8, Enum: enumBool},
	unix.IFLA_VXLAN_LOCALBYPASS:  {Name: "IFLA_VXLAN_LOCALBYPASS", Kind: nltrace.U8, Enum: enumBool},
	unix.IFLA_VXLAN_LABEL_POLICY: {Name: "IFLA_VXLAN_LABEL_POLICY", Kind: nltrace.U32},
}}

var macvlanSpace = nltrace.Space{Name: "ifla_macvlan", Attrs: []nltrace.Attr{
	unix.IFLA_MACVLAN_MODE:              {Name: "IFLA_MACVLAN_MODE", Kind: nltrace.U32, Enum: enumMacvlanMode},
	unix.IFLA_MACVLAN_FLAGS:             {Name: "IFLA_MACVLAN_FLAGS", Kind: nltrace.U16},
	unix.IFLA_MACVLAN_MACADDR_MODE:      {Name: "IFLA_MACVLAN_MACADDR_MODE", Kind: nltrace.U32},
	unix.IFLA_MACVLAN_MACADDR:           {Name: "IFLA_MACVLAN_MACADDR", Kind: nltrace.HWAddr},
	unix.IFLA_MACVLAN_MACADDR_DATA:      {Name: "IFLA_MACVLAN_MACADDR_DATA", Kind: nltrace.Bytes},
	unix.IFLA_MACVLAN_MACADDR_COUNT:     {Name: "IFLA_MACVLAN_MACADDR_COUNT", Kind: nltrace.U32},
	unix.IFLA_MACVLAN_BC_QUEUE_LEN:      {Name: "IFLA_MACVLAN_BC_QUEUE_LEN", Kind: nltrace.U32},
	unix.IFLA_MACVLAN_BC_QUEUE_LEN_USED: {Name: "IFLA_MACVLAN_BC_QUEUE_LEN_USED", Kind: nltrace.U32},
	unix.IFLA_MACVLAN_BC_CUTOFF:         {Name: "IFLA_MACVLAN_BC_CUTOFF", Kind: nltrace.S32},
}}

var tunSpace = nltrace.Space{Name: "ifla_tun", Attrs: []nltrace.Attr{
	unix.IFLA_TUN_OWNER:               {Name: "IFLA_TUN_OWNER", Kind: nltrace.U32},
	unix.IFLA_TUN_GROUP:               {Name: "IFLA_TUN_GROUP", Kind: nltrace.U32},
	unix.IFLA_TUN_TYPE:                {Name: "IFLA_TUN_TYPE", Kind: nltrace.U8, Enum: enumTunType},
	unix.IFLA_TUN_PI:                  {Name: "IFLA_TUN_PI", Kind: nltrace.U8, Enum: enumBool},
	unix.IFLA_TUN_VNET_HDR:            {Name: "IFLA_TUN_VNET_HDR", Kind: nltrace.U8, Enum: enumBool},
	unix.IFLA_TUN_PERSIST:             {Name: "IFLA_TUN_PERSIST", Kind: nltrace.U8, Enum: enumBool},
	unix.IFLA_TUN_MULTI_QUEUE:         {Name: "IFLA_TUN_MULTI_QUEUE", Kind: nltrace.U8, Enum: enumBool},
	unix.IFLA_TUN_NUM_QUEUES:          {Name: "IFLA_TUN_NUM_QUEUES", Kind: nltrace.U32},
	unix.IFLA_TUN_NUM_DISABLED_QUEUES: {Name: "IFLA_TUN_NUM_DISABLED_QUEUES", Kind: nltrace.U32},
}}

// &addrSpace is the IFA_* attribute space of RTM_*ADDR messages.
var addrSpace = nltrace.Space{Name: "ifa", Attrs: []nltrace.Attr{
	unix.IFA_ADDRESS:            {Name: "IFA_ADDRESS", Kind: nltrace.Addr},
	unix.IFA_LOCAL:              {Name: "IFA_LOCAL", Kind: nltrace.Addr},
	unix.IFA_LABEL:              {Name: "IFA_LABEL", Kind: nltrace.String},
	unix.IFA_BROADCAST:          {Name: "IFA_BROADCAST", Kind: nltrace.Addr},
	unix.IFA_ANYCAST:            {Name: "IFA_ANYCAST", Kind: nltrace.Addr},
	unix.IFA_CACHEINFO:          {Name: "IFA_CACHEINFO", Format: fmtIfaCacheinfo},
	unix.IFA_MULTICAST:          {Name: "IFA_MULTICAST", Kind: nltrace.Addr},
	unix.IFA_FLAGS:              {Name: "IFA_FLAGS", Format: fmtAddrFlags},
	unix.IFA_RT_PRIORITY:        {Name: "IFA_RT_PRIORITY", Kind: nltrace.U32},
	unix.IFA_TARGET_NETNSID:     {Name: "IFA_TARGET_NETNSID", Kind: nltrace.S32},
	unix.IFA_TARGET_NETNSID + 1: {Name: "IFA_PROTO", Kind: nltrace.U8},
}}

// &routeSpace is the RTA_* attribute space of RTM_*ROUTE messages.
var routeSpace = nltrace.Space{Name: "rta", Attrs: []nltrace.Attr{
	unix.RTA_DST:           {Name: "RTA_DST", Kind: nltrace.Addr},
	unix.RTA_SRC:           {Name: "RTA_SRC", Kind: nltrace.Addr},
	unix.RTA_IIF:           {Name: "RTA_IIF", Kind: nltrace.U32},
	unix.RTA_OIF:           {Name: "RTA_OIF", Kind: nltrace.U32},
	unix.RTA_GATEWAY:       {Name: "RTA_GATEWAY", Kind: nltrace.Addr},
	unix.RTA_PRIORITY:      {Name: "RTA_PRIORITY", Kind: nltrace.U32},
	unix.RTA_PREFSRC:       {Name: "RTA_PREFSRC", Kind: nltrace.Addr},
	unix.RTA_METRICS:       {Name: "RTA_METRICS", Kind: nltrace.Nested, Nest: &metricsSpace},
	unix.RTA_MULTIPATH:     {Name: "RTA_MULTIPATH", Kind: nltrace.Bytes},
	unix.RTA_FLOW:          {Name: "RTA_FLOW", Kind: nltrace.U32},
	unix.RTA_CACHEINFO:     {Name: "RTA_CACHEINFO", Format: fmtRtaCacheinfo},
	unix.RTA_TABLE:         {Name: "RTA_TABLE", Kind: nltrace.U32, Enum: enumTable},
	unix.RTA_MARK:          {Name: "RTA_MARK", Kind: nltrace.U32},
	unix.RTA_MFC_STATS:     {Name: "RTA_MFC_STATS", Kind: nltrace.Bytes},
	unix.RTA_VIA:           {Name: "RTA_VIA", Kind: nltrace.Bytes},
	unix.RTA_NEWDST:        {Name: "RTA_NEWDST", Kind: nltrace.Bytes},
	unix.RTA_PREF:          {Name: "RTA_PREF", Kind: nltrace.U8, Enum: enumPref},
	unix.RTA_ENCAP_TYPE:    {Name: "RTA_ENCAP_TYPE", Kind: nltrace.U16},
	unix.RTA_ENCAP:         {Name: "RTA_ENCAP", Kind: nltrace.Bytes},
	unix.RTA_EXPIRES:       {Name: "RTA_EXPIRES", Kind: nltrace.U32},
	unix.RTA_PAD:           {Name: "RTA_PAD", Kind: nltrace.Bytes},
	unix.RTA_UID:           {Name: "RTA_UID", Kind: nltrace.U32},
	unix.RTA_TTL_PROPAGATE: {Name: "RTA_TTL_PROPAGATE", Kind: nltrace.U8},
	unix.RTA_IP_PROTO:      {Name: "RTA_IP_PROTO", Kind: nltrace.U8},
	unix.RTA_SPORT:         {Name: "RTA_SPORT", Format: fmtBE16},
	unix.RTA_DPORT:         {Name: "RTA_DPORT", Format: fmtBE16},
	unix.RTA_DPORT + 1:     {Name: "RTA_NH_ID", Kind: nltrace.U32},
}}

var metricsSpace = nltrace.Space{Name: "rtax", Attrs: []nltrace.Attr{
	unix.RTAX_LOCK:               {Name: "RTAX_LOCK", Kind: nltrace.U32},
	unix.RTAX_MTU:                {Name: "RTAX_MTU", Kind: nltrace.U32},
	unix.RTAX_WINDOW:             {Name: "RTAX_WINDOW", Kind: nltrace.U32},
	unix.RTAX_RTT:                {Name: "RTAX_RTT", Kind: nltrace.U32},
	unix.RTAX_RTTVAR:             {Name: "RTAX_RTTVAR", Kind: nltrace.U32},
	unix.RTAX_SSTHRESH:           {Name: "RTAX_SSTHRESH", Kind: nltrace.U32},
	unix.RTAX_CWND:               {Name: "RTAX_CWND", Kind: nltrace.U32},
	unix.RTAX_ADVMSS:             {Name: "RTAX_ADVMSS", Kind: nltrace.U32},
	unix.RTAX_REORDERING:         {Name: "RTAX_REORDERING", Kind: nltrace.U32},
	unix.RTAX_HOPLIMIT:           {Name: "RTAX_HOPLIMIT", Kind: nltrace.U32},
	unix.RTAX_INITCWND:           {Name: "RTAX_INITCWND", Kind: nltrace.U32},
	unix.RTAX_FEATURES:           {Name: "RTAX_FEATURES", Kind: nltrace.U32},
	unix.RTAX_RTO_MIN:            {Name: "RTAX_RTO_MIN", Kind: nltrace.U32},
	unix.RTAX_INITRWND:           {Name: "RTAX_INITRWND", Kind: nltrace.U32},
	unix.RTAX_QUICKACK:           {Name: "RTAX_QUICKACK", Kind: nltrace.U32},
	unix.RTAX_CC_ALGO:            {Name: "RTAX_CC_ALGO", Kind: nltrace.String},
	unix.RTAX_FASTOPEN_NO_COOKIE: {Name: "RTAX_FASTOPEN_NO_COOKIE", Kind: nltrace.U32},
}}
