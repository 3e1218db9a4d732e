package main

import (
	"encoding/binary"
	"fmt"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/plan"
)

// bridgeSlaveUsage is ip 6.1's text for "type bridge_slave" help and
// unknown options.
const bridgeSlaveUsage = `Usage: ... bridge_slave [ fdb_flush ]
			[ state STATE ]
			[ priority PRIO ]
			[ cost COST ]
			[ guard {on | off} ]
			[ hairpin {on | off} ]
			[ fastleave {on | off} ]
			[ root_block {on | off} ]
			[ learning {on | off} ]
			[ flood {on | off} ]
			[ proxy_arp {on | off} ]
			[ proxy_arp_wifi {on | off} ]
			[ mcast_router MULTICAST_ROUTER ]
			[ mcast_fast_leave {on | off} ]
			[ mcast_flood {on | off} ]
			[ bcast_flood {on | off} ]
			[ mcast_to_unicast {on | off} ]
			[ group_fwd_mask MASK ]
			[ neigh_suppress {on | off} ]
			[ vlan_tunnel {on | off} ]
			[ isolated {on | off} ]
			[ locked {on | off} ]
			[ backup_port DEVICE ] [ nobackup_port ]`

// bridgeSlaveOpts are ip's bridge_slave options in the order ip tries
// them (a word may abbreviate one, as ip's matches() allows): the
// IFLA_BRPORT_* attribute each sets and its value, 'f' none, 'o' on or
// off, '1', '2' or '4' a number of that many bytes, 'd' a device's index,
// 'z' the number 0 (four bytes).
var bridgeSlaveOpts = []struct {
	word string
	typ  uint16
	val  byte
	bad  string // ip's invarg text for a bad number
}{
	{"fdb_flush", unix.IFLA_BRPORT_FLUSH, 'f', ""},
	{"state", unix.IFLA_BRPORT_STATE, '1', "state is invalid"},
	{"priority", unix.IFLA_BRPORT_PRIORITY, '2', "priority is invalid"},
	{"cost", unix.IFLA_BRPORT_COST, '4', "cost is invalid"},
	{"hairpin", unix.IFLA_BRPORT_MODE, 'o', ""},
	{"guard", unix.IFLA_BRPORT_GUARD, 'o', ""},
	{"root_block", unix.IFLA_BRPORT_PROTECT, 'o', ""},
	{"fastleave", unix.IFLA_BRPORT_FAST_LEAVE, 'o', ""},
	{"learning", unix.IFLA_BRPORT_LEARNING, 'o', ""},
	{"flood", unix.IFLA_BRPORT_UNICAST_FLOOD, 'o', ""},
	{"mcast_flood", unix.IFLA_BRPORT_MCAST_FLOOD, 'o', ""},
	{"bcast_flood", unix.IFLA_BRPORT_BCAST_FLOOD, 'o', ""},
	{"mcast_to_unicast", unix.IFLA_BRPORT_MCAST_TO_UCAST, 'o', ""},
	{"proxy_arp", unix.IFLA_BRPORT_PROXYARP, 'o', ""},
	{"proxy_arp_wifi", unix.IFLA_BRPORT_PROXYARP_WIFI, 'o', ""},
	{"mcast_router", unix.IFLA_BRPORT_MULTICAST_ROUTER, '1', "invalid mcast_router"},
	{"mcast_fast_leave", unix.IFLA_BRPORT_FAST_LEAVE, 'o', ""},
	{"neigh_suppress", unix.IFLA_BRPORT_NEIGH_SUPPRESS, 'o', ""},
	{"group_fwd_mask", unix.IFLA_BRPORT_GROUP_FWD_MASK, '2', "invalid group_fwd_mask"},
	{"vlan_tunnel", unix.IFLA_BRPORT_VLAN_TUNNEL, 'o', ""},
	{"isolated", unix.IFLA_BRPORT_ISOLATED, 'o', ""},
	{"locked", unix.IFLA_BRPORT_LOCKED, 'o', ""},
	{"backup_port", unix.IFLA_BRPORT_BACKUP_PORT, 'd', ""},
	{"nobackup_port", unix.IFLA_BRPORT_BACKUP_PORT, 'z', ""},
}

// parseBridgeSlave reads the words after "type bridge_slave" as ip does
// into bridge port settings (plan.LinkSet.BridgePort).
func parseBridgeSlave(a *argv) ([]plan.KindAttr, error) {
	attrs := []plan.KindAttr{}
	for a.more() {
		word := a.next()
		i := 0
		for i < len(bridgeSlaveOpts) && !matches(word, bridgeSlaveOpts[i].word) {
			i++
		}
		if i == len(bridgeSlaveOpts) && matches(word, "help") { // after the options: "h" is hairpin
			return nil, ipUsage(1, bridgeSlaveUsage, usagef("bridge_slave: the options are those of ip's bridge_slave"))
		}
		if i == len(bridgeSlaveOpts) {
			return nil, ipUsage(1, fmt.Sprintf("bridge_slave: unknown option %q?\n%s", word, bridgeSlaveUsage),
				usagef("bridge_slave: unknown option %q", word))
		}
		o := bridgeSlaveOpts[i]
		at := plan.KindAttr{Type: o.typ}
		var v string
		if o.val != 'f' && o.val != 'z' {
			var err error
			if v, err = a.value(word); err != nil {
				return nil, errIncomplete(err)
			}
		}
		switch o.val {
		case 'z':
			at.Data = []byte{0, 0, 0, 0}
		case 'd':
			if err := checkDevName(v); err != nil {
				return nil, err
			}
			at.Dev = v
		case 'o':
			switch {
			case matches(v, "off"):
				at.Data = []byte{0}
			case matches(v, "on"):
				at.Data = []byte{1}
			default:
				return nil, ipUsage(1, fmt.Sprintf("Error: argument of %q must be one of \"off\", \"on\", not %q", o.word, v),
					usagef("bridge_slave %s: want on or off, not %q", o.word, v))
			}
		case '1', '2', '4':
			size := int(o.val - '0')
			n, err := strconv.ParseUint(v, 0, 8*size)
			if err != nil {
				return nil, errInvarg(o.bad, v, usagef("bridge_slave %s: %q is not a number below 2^%d", o.word, v, 8*size))
			}
			switch size {
			case 1:
				at.Data = []byte{byte(n)}
			case 2:
				at.Data = binary.NativeEndian.AppendUint16(nil, uint16(n))
			default:
				at.Data = binary.NativeEndian.AppendUint32(nil, uint32(n))
			}
		}
		attrs = append(attrs, at)
	}
	return attrs, nil
}
