package main

// The -details text of vxlan and bridge links and the bridge port data
// (info_slave_data) as iproute2 6.1 prints them.

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/mdlayher/netlink"

	"github.com/nsnet/nsnet/internal/jsonw"
	"github.com/nsnet/nsnet/rtnl"
)

// kindText writes the -d text of a link kind's data; it reports false for
// kinds whose text is their JSON keys and values.
func kindText(b *strings.Builder, p *linkPrinter, li *rtnl.LinkInfo) bool {
	switch d := li.Data.(type) {
	case *rtnl.Vxlan:
		vxlanText(b, p, d)
	case *rtnl.Bridge:
		o := &obj{}
		bridgeJSON(o, d)
		for i, k := range o.keys {
			v := o.vals[i]
			if name, ok := bridgeTextNames[k]; ok {
				k = name
			}
			if raw, ok := v.(jsonw.Raw); ok { // a timer
				f, _ := strconv.ParseFloat(string(raw), 64)
				fmt.Fprintf(b, "%s %7.2f ", k, f)
				continue
			}
			fmt.Fprintf(b, "%s %v ", k, v)
		}
	default:
		return false
	}
	return true
}

// bridgeTextNames are the bridge keys whose text name is not the JSON one.
var bridgeTextNames = map[string]string{
	"root_id": "designated_root", "group_addr": "group_address",
	"mcast_last_member_cnt": "mcast_last_member_count", "mcast_startup_query_cnt": "mcast_startup_query_count",
	"mcast_last_member_intvl": "mcast_last_member_interval", "mcast_membership_intvl": "mcast_membership_interval",
	"mcast_querier_intvl": "mcast_querier_interval", "mcast_query_intvl": "mcast_query_interval",
	"mcast_query_response_intvl": "mcast_query_response_interval", "mcast_startup_query_intvl": "mcast_startup_query_interval",
}

// vxlanText is vxlan_print_opt's text.
func vxlanText(b *strings.Builder, p *linkPrinter, d *rtnl.Vxlan) {
	if d.ID != nil {
		fmt.Fprintf(b, "id %d ", *d.ID)
	}
	if d.Group.IsValid() && !d.Group.IsUnspecified() {
		if d.Group.IsMulticast() {
			fmt.Fprintf(b, "group %s ", d.Group)
		} else {
			fmt.Fprintf(b, "remote %s ", d.Group)
		}
	}
	if d.Local.IsValid() && !d.Local.IsUnspecified() {
		fmt.Fprintf(b, "local %s ", d.Local)
	}
	if d.Link != nil && *d.Link != 0 {
		fmt.Fprintf(b, "dev %s ", p.tab.name(*d.Link))
	}
	if d.PortLow != nil && d.PortHigh != nil {
		fmt.Fprintf(b, "srcport %d %d ", *d.PortLow, *d.PortHigh)
	}
	if d.Port != nil {
		fmt.Fprintf(b, "dstport %d ", *d.Port)
	}
	if d.Learning != nil && *d.Learning == 0 {
		b.WriteString("nolearning ")
	}
	if d.TOS != nil && *d.TOS != 0 {
		if *d.TOS == 1 {
			b.WriteString("tos inherit ")
		} else {
			fmt.Fprintf(b, "tos %#x ", *d.TOS)
		}
	}
	if d.TTL != nil {
		if *d.TTL == 0 {
			b.WriteString("ttl auto ")
		} else {
			fmt.Fprintf(b, "ttl %d ", *d.TTL)
		}
	}
	if d.DF != nil && *d.DF != 0 {
		fmt.Fprintf(b, "df %s ", map[uint8]string{1: "set", 2: "inherit"}[*d.DF])
	}
	if d.Ageing != nil {
		if *d.Ageing == 0 {
			b.WriteString("ageing none ")
		} else {
			fmt.Fprintf(b, "ageing %d ", *d.Ageing)
		}
	}
	for _, f := range []struct {
		k string
		v *uint8
	}{{"udpcsum", d.UDPCsum}, {"udp6zerocsumtx", d.UDPZeroCsum6Tx}, {"udp6zerocsumrx", d.UDPZeroCsum6Rx}} {
		if f.v != nil {
			if *f.v == 0 {
				b.WriteString("no")
			}
			b.WriteString(f.k + " ")
		}
	}
}

// brPortField is one printed field of a bridge port: its JSON key and
// value (key "" for text only) and its text.
type brPortField struct {
	key  string
	val  any
	text string
}

// brPortFields decodes IFLA_INFO_SLAVE_DATA of a bridge port into what
// bridge_slave_print_opt prints, in its order.
func brPortFields(p *linkPrinter, data []byte) []brPortField {
	ad, err := netlink.NewAttributeDecoder(data)
	if err != nil {
		return nil
	}
	tb := map[uint16][]byte{}
	for ad.Next() {
		tb[ad.Type()] = ad.Bytes()
	}
	var out []brPortField
	u := func(t uint16) (uint64, bool) {
		v, ok := tb[t]
		switch {
		case !ok:
			return 0, false
		case len(v) >= 8 && (t == 21 || t == 22 || t == 23):
			return binary.NativeEndian.Uint64(v), true
		case len(v) >= 4 && (t == 3 || t == 34):
			return uint64(binary.NativeEndian.Uint32(v)), true
		case len(v) >= 2 && (t == 2 || t == 15 || t == 16 || t == 17 || t == 18 || t == 31):
			return uint64(binary.NativeEndian.Uint16(v)), true
		case len(v) >= 1:
			return uint64(v[0]), true
		}
		return 0, false
	}
	onoff := func(t uint16, key string) {
		if v, ok := u(t); ok {
			out = append(out, brPortField{key, v != 0, fmt.Sprintf("%s %s ", key, map[bool]string{true: "on", false: "off"}[v != 0])})
		}
	}
	num := func(t uint16, key, text string) {
		if v, ok := u(t); ok {
			out = append(out, brPortField{key, v, fmt.Sprintf("%s %d ", text, v)})
		}
	}
	hex := func(t uint16, key, text string) {
		if v, ok := u(t); ok {
			s := "0"
			if v != 0 {
				s = fmt.Sprintf("%#x", v)
			}
			out = append(out, brPortField{key, s, fmt.Sprintf("%s %s ", text, s)})
		}
	}
	bridgeID := func(t uint16, key, text string) {
		if v, ok := tb[t]; ok && len(v) >= 8 {
			s := fmt.Sprintf("%.2x%.2x.%x:%x:%x:%x:%x:%x", v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7])
			out = append(out, brPortField{key, s, fmt.Sprintf("%s %s ", text, s)})
		}
	}
	timer := func(t uint16, key string) {
		if v, ok := u(t); ok {
			s := fmt.Sprintf("%d.%.2d", v/100, v%100)
			out = append(out, brPortField{key, jsonw.Raw(s), fmt.Sprintf("%s %4d.%.2d ", key, v/100, v%100)})
		}
	}
	if v, ok := u(1); ok {
		states := []string{"disabled", "listening", "learning", "forwarding", "blocking"}
		if v < uint64(len(states)) {
			out = append(out, brPortField{"state", states[v], "state " + states[v] + " "})
		} else {
			out = append(out, brPortField{"state_index", v, fmt.Sprintf("state (%d) ", v)})
		}
	}
	num(2, "priority", "priority")
	num(3, "cost", "cost")
	onoff(4, "hairpin")
	onoff(5, "guard")
	onoff(6, "root_block")
	onoff(7, "fastleave")
	onoff(8, "learning")
	onoff(9, "flood")
	hex(17, "id", "port_id")
	hex(18, "no", "port_no")
	num(15, "designated_port", "designated_port")
	num(16, "designated_cost", "designated_cost")
	bridgeID(14, "bridge_id", "designated_bridge")
	bridgeID(13, "root_id", "designated_root")
	timer(23, "hold_timer")
	timer(21, "message_age_timer")
	timer(22, "forward_delay_timer")
	num(19, "topology_change_ack", "topology_change_ack")
	num(20, "config_pending", "config_pending")
	onoff(10, "proxy_arp")
	onoff(12, "proxy_arp_wifi")
	num(25, "multicast_router", "mcast_router")
	if v, ok := u(7); ok {
		out = append(out, brPortField{"", nil, fmt.Sprintf("mcast_fast_leave %s ", map[bool]string{true: "on", false: "off"}[v != 0])})
	}
	onoff(27, "mcast_flood")
	onoff(30, "bcast_flood")
	onoff(28, "mcast_to_unicast")
	onoff(32, "neigh_suppress")
	if v, ok := u(31); ok {
		hex(31, "group_fwd_mask", "group_fwd_mask")
		names := map[int]string{0: "stp", 2: "lacp", 14: "lldp"}
		var parts []string
		for i := 0; v>>i != 0; i++ {
			if v>>i&1 != 0 {
				if n, ok := names[i]; ok {
					parts = append(parts, n)
				} else {
					parts = append(parts, fmt.Sprintf("0x%x", 1<<i))
				}
			}
		}
		s := "0x0"
		if len(parts) > 0 {
			s = strings.Join(parts, ",")
		}
		out = append(out, brPortField{"group_fwd_mask_str", s, "group_fwd_mask_str " + s + " "})
	}
	onoff(29, "vlan_tunnel")
	onoff(33, "isolated")
	onoff(39, "locked")
	if v, ok := u(34); ok {
		n := p.tab.name(uint32(v))
		out = append(out, brPortField{"backup_port", n, "backup_port " + n + " "})
	}
	return out
}

// slaveJSON is a port's info_slave_data, or nil for kinds not decoded.
func slaveJSON(p *linkPrinter, li *rtnl.LinkInfo) *obj {
	if li.SlaveKind != "bridge" || len(li.SlaveData) == 0 {
		return nil
	}
	o := &obj{}
	for _, f := range brPortFields(p, li.SlaveData) {
		if f.key != "" {
			o.add(f.key, f.val)
		}
	}
	return o
}

// slaveText writes a port's -d text after "bridge_slave ".
func slaveText(b *strings.Builder, p *linkPrinter, li *rtnl.LinkInfo) {
	if li.SlaveKind != "bridge" {
		return
	}
	for _, f := range brPortFields(p, li.SlaveData) {
		b.WriteString(f.text)
	}
}
