package main

import (
	"fmt"
	"strconv"

	"github.com/nsnet/nsnet/rtnl"
)

// bridgeUsage is ip 6.1's text for "type bridge help" and an unknown
// bridge option.
const bridgeUsage = `Usage: ... bridge [ fdb_flush ]
		  [ forward_delay FORWARD_DELAY ]
		  [ hello_time HELLO_TIME ]
		  [ max_age MAX_AGE ]
		  [ ageing_time AGEING_TIME ]
		  [ stp_state STP_STATE ]
		  [ priority PRIORITY ]
		  [ group_fwd_mask MASK ]
		  [ group_address ADDRESS ]
		  [ no_linklocal_learn NO_LINKLOCAL_LEARN ]
		  [ vlan_filtering VLAN_FILTERING ]
		  [ vlan_protocol VLAN_PROTOCOL ]
		  [ vlan_default_pvid VLAN_DEFAULT_PVID ]
		  [ vlan_stats_enabled VLAN_STATS_ENABLED ]
		  [ vlan_stats_per_port VLAN_STATS_PER_PORT ]
		  [ mcast_snooping MULTICAST_SNOOPING ]
		  [ mcast_vlan_snooping MULTICAST_VLAN_SNOOPING ]
		  [ mcast_router MULTICAST_ROUTER ]
		  [ mcast_query_use_ifaddr MCAST_QUERY_USE_IFADDR ]
		  [ mcast_querier MULTICAST_QUERIER ]
		  [ mcast_hash_elasticity HASH_ELASTICITY ]
		  [ mcast_hash_max HASH_MAX ]
		  [ mcast_last_member_count LAST_MEMBER_COUNT ]
		  [ mcast_startup_query_count STARTUP_QUERY_COUNT ]
		  [ mcast_last_member_interval LAST_MEMBER_INTERVAL ]
		  [ mcast_membership_interval MEMBERSHIP_INTERVAL ]
		  [ mcast_querier_interval QUERIER_INTERVAL ]
		  [ mcast_query_interval QUERY_INTERVAL ]
		  [ mcast_query_response_interval QUERY_RESPONSE_INTERVAL ]
		  [ mcast_startup_query_interval STARTUP_QUERY_INTERVAL ]
		  [ mcast_stats_enabled MCAST_STATS_ENABLED ]
		  [ mcast_igmp_version IGMP_VERSION ]
		  [ mcast_mld_version MLD_VERSION ]
		  [ nf_call_iptables NF_CALL_IPTABLES ]
		  [ nf_call_ip6tables NF_CALL_IP6TABLES ]
		  [ nf_call_arptables NF_CALL_ARPTABLES ]

Where: VLAN_PROTOCOL := { 802.1Q | 802.1ad }`

// brNum sets a numeric bridge attribute of bits bits.
func brNum[T uint8 | uint16 | uint32 | uint64](bits int, field func(*rtnl.Bridge) **T) func(*rtnl.Bridge, string) bool {
	return func(br *rtnl.Bridge, v string) bool {
		n, err := strconv.ParseUint(v, 0, bits)
		if err != nil {
			return false
		}
		t := T(n)
		*field(br) = &t
		return true
	}
}

// brBool sets bit of the bridge's boolean options (IFLA_BR_MULTI_BOOLOPT)
// from a number, nonzero meaning on.
func brBool(bit uint32) func(*rtnl.Bridge, string) bool {
	return func(br *rtnl.Bridge, v string) bool {
		n, err := strconv.ParseUint(v, 0, 8)
		if err != nil {
			return false
		}
		if br.BoolOpts == nil {
			br.BoolOpts = &rtnl.BridgeBoolOpts{}
		}
		br.BoolOpts.Mask |= bit
		if n != 0 {
			br.BoolOpts.Values |= bit
		} else {
			br.BoolOpts.Values &^= bit
		}
		return true
	}
}

// bridgeOpt is one of ip's bridge options: its word (which a shorter
// word may abbreviate unless exact) and set, which reads the value, false
// for a bad one (ip's message: "invalid " and the option).
type bridgeOpt struct {
	word  string
	exact bool
	set   func(*rtnl.Bridge, string) bool
}

// bridgeOptions are ip's bridge options in the order ip tries them; they
// are made when a bridge's words are read, not at start-up.
func bridgeOptions() []bridgeOpt {
	return []bridgeOpt{
		{"forward_delay", false, brNum(32, func(b *rtnl.Bridge) **uint32 { return &b.ForwardDelay })},
		{"hello_time", false, brNum(32, func(b *rtnl.Bridge) **uint32 { return &b.HelloTime })},
		{"max_age", false, brNum(32, func(b *rtnl.Bridge) **uint32 { return &b.MaxAge })},
		{"ageing_time", false, brNum(32, func(b *rtnl.Bridge) **uint32 { return &b.AgeingTime })},
		{"stp_state", false, brNum(32, func(b *rtnl.Bridge) **uint32 { return &b.STPState })},
		{"priority", false, brNum(16, func(b *rtnl.Bridge) **uint16 { return &b.Priority })},
		{"vlan_filtering", false, brNum(8, func(b *rtnl.Bridge) **uint8 { return &b.VlanFiltering })},
		{"vlan_protocol", false, func(b *rtnl.Bridge, v string) bool {
			p, ok := map[string]uint16{"802.1Q": 0x8100, "802.1ad": 0x88a8}[v]
			if !ok {
				n, err := strconv.ParseUint(v, 0, 16)
				if err != nil {
					return false
				}
				p = uint16(n)
			}
			b.VlanProtocol = &p
			return true
		}},
		{"group_fwd_mask", false, brNum(16, func(b *rtnl.Bridge) **uint16 { return &b.GroupFwdMask })},
		{"group_address", false, nil}, // a link-layer address: see parseBridge
		{"no_linklocal_learn", true, brBool(1 << 0)},
		{"fdb_flush", false, nil}, // no value
		{"vlan_default_pvid", false, brNum(16, func(b *rtnl.Bridge) **uint16 { return &b.VlanDefaultPVID })},
		{"vlan_stats_enabled", false, brNum(8, func(b *rtnl.Bridge) **uint8 { return &b.VlanStatsEnabled })},
		{"vlan_stats_per_port", false, brNum(8, func(b *rtnl.Bridge) **uint8 { return &b.VlanStatsPerPort })},
		{"mcast_router", false, brNum(8, func(b *rtnl.Bridge) **uint8 { return &b.McastRouter })},
		{"mcast_snooping", false, brNum(8, func(b *rtnl.Bridge) **uint8 { return &b.McastSnooping })},
		{"mcast_vlan_snooping", true, brBool(1 << 1)},
		{"mcast_query_use_ifaddr", false, brNum(8, func(b *rtnl.Bridge) **uint8 { return &b.McastQueryUseIfaddr })},
		{"mcast_querier", false, brNum(8, func(b *rtnl.Bridge) **uint8 { return &b.McastQuerier })},
		{"mcast_hash_elasticity", false, brNum(32, func(b *rtnl.Bridge) **uint32 { return &b.McastHashElasticity })},
		{"mcast_hash_max", false, brNum(32, func(b *rtnl.Bridge) **uint32 { return &b.McastHashMax })},
		{"mcast_last_member_count", false, brNum(32, func(b *rtnl.Bridge) **uint32 { return &b.McastLastMemberCnt })},
		{"mcast_startup_query_count", false, brNum(32, func(b *rtnl.Bridge) **uint32 { return &b.McastStartupQueryCnt })},
		{"mcast_last_member_interval", false, brNum(64, func(b *rtnl.Bridge) **uint64 { return &b.McastLastMemberIntvl })},
		{"mcast_membership_interval", false, brNum(64, func(b *rtnl.Bridge) **uint64 { return &b.McastMembershipIntvl })},
		{"mcast_querier_interval", false, brNum(64, func(b *rtnl.Bridge) **uint64 { return &b.McastQuerierIntvl })},
		{"mcast_query_interval", false, brNum(64, func(b *rtnl.Bridge) **uint64 { return &b.McastQueryIntvl })},
		{"mcast_query_response_interval", false, brNum(64, func(b *rtnl.Bridge) **uint64 { return &b.McastQueryResponseIntvl })},
		{"mcast_startup_query_interval", false, brNum(64, func(b *rtnl.Bridge) **uint64 { return &b.McastStartupQueryIntvl })},
		{"mcast_stats_enabled", false, brNum(8, func(b *rtnl.Bridge) **uint8 { return &b.McastStatsEnabled })},
		{"mcast_igmp_version", false, brNum(8, func(b *rtnl.Bridge) **uint8 { return &b.McastIGMPVersion })},
		{"mcast_mld_version", false, brNum(8, func(b *rtnl.Bridge) **uint8 { return &b.McastMLDVersion })},
		{"nf_call_iptables", false, brNum(8, func(b *rtnl.Bridge) **uint8 { return &b.NfCallIptables })},
		{"nf_call_ip6tables", false, brNum(8, func(b *rtnl.Bridge) **uint8 { return &b.NfCallIp6tables })},
		{"nf_call_arptables", false, brNum(8, func(b *rtnl.Bridge) **uint8 { return &b.NfCallArptables })},
	}
}

// parseBridge reads the words after "type bridge" as ip 6.1 does.
func (c *linkAdd) parseBridge(a *argv) error {
	br := &rtnl.Bridge{}
	bridgeOpts := bridgeOptions()
	for a.more() {
		word := a.next()
		i := 0
		for i < len(bridgeOpts) && !(word == bridgeOpts[i].word || !bridgeOpts[i].exact && matches(word, bridgeOpts[i].word)) {
			i++
		}
		if i == len(bridgeOpts) {
			if matches(word, "help") {
				return ipUsage(1, bridgeUsage, usagef("bridge: the options are those of ip's bridge"))
			}
			return ipUsage(1, fmt.Sprintf("bridge: unknown command %q?\n%s", word, bridgeUsage), usagef("bridge: unknown option %q", word))
		}
		o := bridgeOpts[i]
		if o.word == "fdb_flush" {
			br.FDBFlush = true
			continue
		}
		v, err := a.value(word)
		if err != nil {
			return errIncomplete(err)
		}
		if o.word == "group_address" {
			if br.GroupAddr, err = parseMAC(v); err != nil {
				return err
			}
			continue
		}
		if !o.set(br, v) {
			return errInvarg("invalid "+o.word, v, usagef("bridge %s: %q is not a valid value", o.word, v))
		}
	}
	c.bridge = br
	return nil
}
