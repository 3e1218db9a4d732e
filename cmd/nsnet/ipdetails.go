package main

// The -details text of vxlan, bridge and tun links and the bridge port data
// (info_slave_data) as iproute2 6.1 prints them.

import (
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/nsnet/nsnet/internal/jsonw"
	"github.com/nsnet/nsnet/internal/nlattr"
	"github.com/nsnet/nsnet/rtnl"
	"github.com/nsnet/nsnet/tuntap"
)

// kindText writes the -d text of a link kind's data; it reports false for
// kinds whose text is their JSON keys and values.
func kindText(b *strings.Builder, p *linkPrinter, li *rtnl.LinkInfo) bool {
	switch d := li.Data.(type) {
	case *rtnl.Vxlan:
		vxlanText(b, p, d)
	case *rtnl.Tun:
		tunText(b, d)
	case *rtnl.Bridge:
		o := &obj{}
		bridgeJSON(o, d)
		for i, k := range o.keys {
			v := o.vals[i]
			k = bridgeTextName(k)
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

// bridgeTextName is the -d text name of a bridge's JSON key: the key,
// but for these few.
func bridgeTextName(k string) string {
	switch k {
	case "root_id":
		return "designated_root"
	case "group_addr":
		return "group_address"
	case "mcast_last_member_cnt":
		return "mcast_last_member_count"
	case "mcast_startup_query_cnt":
		return "mcast_startup_query_count"
	case "mcast_last_member_intvl":
		return "mcast_last_member_interval"
	case "mcast_membership_intvl":
		return "mcast_membership_interval"
	case "mcast_querier_intvl":
		return "mcast_querier_interval"
	case "mcast_query_intvl":
		return "mcast_query_interval"
	case "mcast_query_response_intvl":
		return "mcast_query_response_interval"
	case "mcast_startup_query_intvl":
		return "mcast_startup_query_interval"
	}
	return k
}

// vxlanText is vxlan_print_opt's text.
func vxlanText(b *strings.Builder, p *linkPrinter, d *rtnl.Vxlan) {
	on := func(v *uint8) bool { return v != nil && *v != 0 }
	if on(d.External) {
		b.WriteString("external ")
	}
	if on(d.VNIFilter) {
		b.WriteString("vnifilter") // as ip: no space after it
	}
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
	for _, f := range []struct {
		k string
		v *uint8
	}{{"proxy", d.Proxy}, {"rsc", d.RSC}, {"l2miss", d.L2Miss}, {"l3miss", d.L3Miss}} {
		if on(f.v) {
			b.WriteString(f.k + " ")
		}
	}
	if d.TOS != nil && *d.TOS != 0 {
		if *d.TOS == 1 {
			b.WriteString("tos inherit ")
		} else {
			fmt.Fprintf(b, "tos %#x ", *d.TOS)
		}
	}
	switch {
	case on(d.TTLInherit):
		b.WriteString("ttl inherit ")
	case d.TTL != nil && *d.TTL == 0:
		b.WriteString("ttl auto ")
	case d.TTL != nil:
		fmt.Fprintf(b, "ttl %d ", *d.TTL)
	}
	if d.DF != nil && *d.DF != 0 {
		fmt.Fprintf(b, "df %s ", map[uint8]string{1: "set", 2: "inherit"}[*d.DF])
	}
	if d.Label != nil && *d.Label != 0 {
		fmt.Fprintf(b, "flowlabel %#x ", *d.Label)
	}
	if d.Ageing != nil {
		if *d.Ageing == 0 {
			b.WriteString("ageing none ")
		} else {
			fmt.Fprintf(b, "ageing %d ", *d.Ageing)
		}
	}
	if d.Limit != nil && *d.Limit != 0 {
		fmt.Fprintf(b, "maxaddr %d ", *d.Limit)
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
	if on(d.RemCsumTx) {
		b.WriteString("remcsumtx ")
	}
	if on(d.RemCsumRx) {
		b.WriteString("remcsumrx ")
	}
	if d.GBP {
		b.WriteString("gbp ")
	}
	if d.GPE {
		b.WriteString("gpe ")
	}
}

// brPortField is one printed field of a bridge port: its JSON key and
// value (key "" for text only) and its text.
type brPortField struct {
	key  string
	val  any
	text string
}

// How a bridge port attribute is printed (brPortSpec.kind).
const (
	bpNum       = iota // a number
	bpOnOff            // on/off (JSON: a boolean)
	bpHex              // 0x... (0 as "0")
	bpID               // a bridge id, prio.mac
	bpTimer            // hundredths as seconds (JSON: a raw number)
	bpState            // the STP state's name
	bpFastLeave        // mcast_fast_leave: text only
	bpFwdMask          // group_fwd_mask and its names
	bpBackup           // the backup port's name
)

// brPortSpec is one field bridge_slave_print_opt prints: the IFLA_BRPORT_*
// type, how, its JSON key and its text name ("" when the key).
type brPortSpec struct {
	t         uint16
	kind      uint8
	key, text string
}

// brPortSpecs are the fields in bridge_slave_print_opt's order.
var brPortSpecs = [...]brPortSpec{
	{1, bpState, "state", ""},
	{2, bpNum, "priority", ""},
	{3, bpNum, "cost", ""},
	{4, bpOnOff, "hairpin", ""},
	{5, bpOnOff, "guard", ""},
	{6, bpOnOff, "root_block", ""},
	{7, bpOnOff, "fastleave", ""},
	{8, bpOnOff, "learning", ""},
	{9, bpOnOff, "flood", ""},
	{17, bpHex, "id", "port_id"},
	{18, bpHex, "no", "port_no"},
	{15, bpNum, "designated_port", ""},
	{16, bpNum, "designated_cost", ""},
	{14, bpID, "bridge_id", "designated_bridge"},
	{13, bpID, "root_id", "designated_root"},
	{23, bpTimer, "hold_timer", ""},
	{21, bpTimer, "message_age_timer", ""},
	{22, bpTimer, "forward_delay_timer", ""},
	{19, bpNum, "topology_change_ack", ""},
	{20, bpNum, "config_pending", ""},
	{10, bpOnOff, "proxy_arp", ""},
	{12, bpOnOff, "proxy_arp_wifi", ""},
	{25, bpNum, "multicast_router", "mcast_router"},
	{7, bpFastLeave, "", "mcast_fast_leave"},
	{27, bpOnOff, "mcast_flood", ""},
	{30, bpOnOff, "bcast_flood", ""},
	{28, bpOnOff, "mcast_to_unicast", ""},
	{32, bpOnOff, "neigh_suppress", ""},
	{31, bpFwdMask, "group_fwd_mask", ""},
	{29, bpOnOff, "vlan_tunnel", ""},
	{33, bpOnOff, "isolated", ""},
	{39, bpOnOff, "locked", ""},
	{34, bpBackup, "backup_port", ""},
}

// brPortValue is attribute t of tb as a number of its kernel width.
func brPortValue(tb *[40][]byte, t uint16) (uint64, bool) {
	v := tb[t]
	switch {
	case v == nil:
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

// onOff is iproute2's word for a boolean.
func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// brPortFields decodes IFLA_INFO_SLAVE_DATA of a bridge port into what
// bridge_slave_print_opt prints, in its order.
func brPortFields(p *linkPrinter, data []byte) []brPortField {
	var tb [40][]byte
	r := nlattr.NewReader(data, binary.NativeEndian)
	for r.Next() {
		if int(r.Type) < len(tb) {
			tb[r.Type] = r.Data
		}
	}
	// A truncated attribute ends the walk; the fields before it print.
	var out []brPortField
	add := func(key string, val any, text string) {
		out = append(out, brPortField{key, val, text})
	}
	for _, f := range &brPortSpecs {
		text := f.text
		if text == "" {
			text = f.key
		}
		if f.kind == bpID {
			if v := tb[f.t]; len(v) >= 8 {
				s := fmt.Sprintf("%.2x%.2x.%x:%x:%x:%x:%x:%x", v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7])
				add(f.key, s, text+" "+s+" ")
			}
			continue
		}
		v, ok := brPortValue(&tb, f.t)
		if !ok {
			continue
		}
		switch f.kind {
		case bpNum:
			add(f.key, v, text+" "+strconv.FormatUint(v, 10)+" ")
		case bpOnOff:
			add(f.key, v != 0, text+" "+onOff(v != 0)+" ")
		case bpFastLeave:
			add("", nil, text+" "+onOff(v != 0)+" ")
		case bpHex, bpFwdMask:
			s := "0"
			if v != 0 {
				s = "0x" + strconv.FormatUint(v, 16)
			}
			add(f.key, s, text+" "+s+" ")
			if f.kind == bpFwdMask {
				s = groupFwdMaskNames(v)
				add("group_fwd_mask_str", s, "group_fwd_mask_str "+s+" ")
			}
		case bpTimer:
			add(f.key, jsonw.Raw(fmt.Sprintf("%d.%.2d", v/100, v%100)), fmt.Sprintf("%s %4d.%.2d ", text, v/100, v%100))
		case bpState:
			states := [...]string{"disabled", "listening", "learning", "forwarding", "blocking"}
			if v < uint64(len(states)) {
				add("state", states[v], "state "+states[v]+" ")
			} else {
				add("state_index", v, "state ("+strconv.FormatUint(v, 10)+") ")
			}
		case bpBackup:
			n := p.tab.name(uint32(v))
			add(f.key, n, text+" "+n+" ")
		}
	}
	return out
}

// groupFwdMaskNames names the bits of a port's group_fwd_mask ("stp",
// "lacp", "lldp", others in hex), "0x0" for none.
func groupFwdMaskNames(v uint64) string {
	var parts []string
	for i := 0; v>>i != 0; i++ {
		if v>>i&1 == 0 {
			continue
		}
		switch i {
		case 0:
			parts = append(parts, "stp")
		case 2:
			parts = append(parts, "lacp")
		case 14:
			parts = append(parts, "lldp")
		default:
			parts = append(parts, "0x"+strconv.FormatUint(1<<i, 16))
		}
	}
	if len(parts) == 0 {
		return "0x0"
	}
	return strings.Join(parts, ",")
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

// tunJSON adds a TUN/TAP device's info_data as ip's tun_print_opt does:
// multi_queue always (false when off), its queue counts when on, and the
// owner and group by name when /etc/passwd and /etc/group name them.
func tunJSON(o *obj, d *rtnl.Tun) {
	if d.Type != nil {
		o.add("type", tuntap.Mode(*d.Type).String())
	}
	if d.PI != nil {
		o.add("pi", *d.PI != 0)
	}
	if d.VnetHdr != nil {
		o.add("vnet_hdr", *d.VnetHdr != 0)
	}
	mq := d.MultiQueue != nil && *d.MultiQueue != 0
	o.add("multi_queue", mq)
	if mq {
		if d.NumQueues != nil {
			o.add("numqueues", *d.NumQueues)
		}
		if d.NumDisabledQueues != nil {
			o.add("numdisabled", *d.NumDisabledQueues)
		}
	}
	if d.Persist != nil {
		o.add("persist", *d.Persist != 0)
	}
	if d.Owner != nil {
		o.add("user", idName("/etc/passwd", *d.Owner))
	}
	if d.Group != nil {
		o.add("group", idName("/etc/group", *d.Group))
	}
}

// tunText writes the same as `ip -d link` text: "multi_queue" alone when
// on, nothing when off.
func tunText(b *strings.Builder, d *rtnl.Tun) {
	o := &obj{}
	tunJSON(o, d)
	for i, k := range o.keys {
		switch v := o.vals[i].(type) {
		case bool:
			if k == "multi_queue" {
				if v {
					b.WriteString("multi_queue ")
				}
				continue
			}
			fmt.Fprintf(b, "%s %s ", k, textValue(v))
		default:
			fmt.Fprintf(b, "%s %v ", k, v)
		}
	}
}

// idName is the name of user or group id in file (/etc/passwd or
// /etc/group), or the number when the file does not name it, as getpwuid
// and getgrgid answer from files.
func idName(file string, id uint32) any {
	if name, _, ok := idLine(file, 2, strconv.FormatUint(uint64(id), 10)); ok {
		return name
	}
	return id
}

// idFiles are the lines of the files idLine read, read once a process
// (a listing of many TUN/TAP devices names two ids each).
var idFiles = map[string][]string{}

// idLine finds the first line of file ("name:x:id:...", as /etc/passwd
// and /etc/group are) whose field (0, the name, or 2, the id) is key.
func idLine(file string, field int, key string) (name string, id uint32, ok bool) {
	lines, seen := idFiles[file]
	if !seen {
		if data, err := os.ReadFile(file); err == nil {
			lines = strings.Split(string(data), "\n")
		}
		idFiles[file] = lines
	}
	for _, line := range lines {
		f := strings.SplitN(line, ":", 4)
		if len(f) < 3 || f[0] == "" || f[field] != key {
			continue
		}
		if n, err := strconv.ParseUint(f[2], 10, 32); err == nil {
			return f[0], uint32(n), true
		}
	}
	return "", 0, false
}
