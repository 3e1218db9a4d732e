package main

import (
	"fmt"
	"net/netip"
	"strconv"

	"github.com/nsnet/nsnet/rtnl"
)

// vxlanUsage is ip 6.1's text for "type vxlan help" and an unknown vxlan
// option.
const vxlanUsage = `Usage: ... vxlan id VNI
		[ { group | remote } IP_ADDRESS ]
		[ local ADDR ]
		[ ttl TTL ]
		[ tos TOS ]
		[ df DF ]
		[ flowlabel LABEL ]
		[ dev PHYS_DEV ]
		[ dstport PORT ]
		[ srcport MIN MAX ]
		[ [no]learning ]
		[ [no]proxy ]
		[ [no]rsc ]
		[ [no]l2miss ]
		[ [no]l3miss ]
		[ ageing SECONDS ]
		[ maxaddress NUMBER ]
		[ [no]udpcsum ]
		[ [no]udp6zerocsumtx ]
		[ [no]udp6zerocsumrx ]
		[ [no]remcsumtx ] [ [no]remcsumrx ]
		[ [no]external ] [ gbp ] [ gpe ]
		[ [no]vnifilter ]

Where:	VNI	:= 0-16777215
	ADDR	:= { IP_ADDRESS | any }
	TOS	:= { NUMBER | inherit }
	TTL	:= { 1..255 | auto | inherit }
	DF	:= { unset | set | inherit }
	LABEL := 0-1048575`

// vxlanPortWarning is what ip prints for a new vxlan without dstport.
const vxlanPortWarning = `vxlan: destination port not specified
Will use Linux kernel default (non-standard value)
Use 'dstport 4789' to get the IANA assigned value
Use 'dstport 0' to get default and quiet this message`

// vxlanFlags are ip's on/off vxlan words in the order ip tries them
// after dstport, with the field each sets and its value.
var vxlanFlags = []struct {
	word  string
	field func(*rtnl.Vxlan) **uint8
	val   uint8
}{
	{"nolearning", func(v *rtnl.Vxlan) **uint8 { return &v.Learning }, 0},
	{"learning", func(v *rtnl.Vxlan) **uint8 { return &v.Learning }, 1},
	{"noproxy", func(v *rtnl.Vxlan) **uint8 { return &v.Proxy }, 0},
	{"proxy", func(v *rtnl.Vxlan) **uint8 { return &v.Proxy }, 1},
	{"norsc", func(v *rtnl.Vxlan) **uint8 { return &v.RSC }, 0},
	{"rsc", func(v *rtnl.Vxlan) **uint8 { return &v.RSC }, 1},
	{"nol2miss", func(v *rtnl.Vxlan) **uint8 { return &v.L2Miss }, 0},
	{"l2miss", func(v *rtnl.Vxlan) **uint8 { return &v.L2Miss }, 1},
	{"nol3miss", func(v *rtnl.Vxlan) **uint8 { return &v.L3Miss }, 0},
	{"l3miss", func(v *rtnl.Vxlan) **uint8 { return &v.L3Miss }, 1},
	{"udpcsum", func(v *rtnl.Vxlan) **uint8 { return &v.UDPCsum }, 1},
	{"noudpcsum", func(v *rtnl.Vxlan) **uint8 { return &v.UDPCsum }, 0},
	{"udp6zerocsumtx", func(v *rtnl.Vxlan) **uint8 { return &v.UDPZeroCsum6Tx }, 1},
	{"noudp6zerocsumtx", func(v *rtnl.Vxlan) **uint8 { return &v.UDPZeroCsum6Tx }, 0},
	{"udp6zerocsumrx", func(v *rtnl.Vxlan) **uint8 { return &v.UDPZeroCsum6Rx }, 1},
	{"noudp6zerocsumrx", func(v *rtnl.Vxlan) **uint8 { return &v.UDPZeroCsum6Rx }, 0},
	{"remcsumtx", func(v *rtnl.Vxlan) **uint8 { return &v.RemCsumTx }, 1},
	{"noremcsumtx", func(v *rtnl.Vxlan) **uint8 { return &v.RemCsumTx }, 0},
	{"remcsumrx", func(v *rtnl.Vxlan) **uint8 { return &v.RemCsumRx }, 1},
	{"noremcsumrx", func(v *rtnl.Vxlan) **uint8 { return &v.RemCsumRx }, 0},
}

// parseVxlan reads the words after "type vxlan" as ip 6.1 does, with its
// messages and exit statuses.
func (c *linkAdd) parseVxlan(a *argv) error {
	vs := &vxlanSpec{}
	v := &vs.data
	seen := map[string]bool{} // ip's check_duparg (duparg2's words), by attribute
	dup := func(attr, key, val string) error {
		if seen[attr] {
			return errGarbage(key, val, usagef("vxlan: %s given twice", key))
		}
		seen[attr] = true
		return nil
	}
	learning, external, vnifilter := uint8(1), false, false
	// addr reads an address of family fam (the other address's, if any).
	addr := func(word, val string, fam netip.Addr) (netip.Addr, error) {
		ip, err := parseAddrIP(val)
		if val == "any" {
			ip, err = netip.IPv4Unspecified(), nil
			if fam.Is6() {
				ip = netip.IPv6Unspecified()
			}
		}
		if err != nil || fam.IsValid() && ip.Is4() != fam.Is4() {
			fw := "any valid"
			if fam.IsValid() {
				fw = familyWord(rtnl.FamilyOf(fam))
			}
			return netip.Addr{}, errFamilyAddr(fw, val, usagef("vxlan %s: %q is not an address of the right family", word, val))
		}
		return ip, nil
	}
	for a.more() {
		word := a.next()
		value := func() (string, error) {
			val, err := a.value(word)
			if err != nil {
				return "", errIncomplete(err)
			}
			return val, nil
		}
		num := func(val string, bits int, bad string) (uint64, error) {
			n, err := strconv.ParseUint(val, 0, bits)
			if err != nil {
				return 0, errInvarg(bad, val, usagef("vxlan %s: %q is not a number below 2^%d", word, val, bits))
			}
			return n, nil
		}
		switch {
		case matches(word, "id") || matches(word, "vni"):
			val, err := value()
			if err != nil {
				return err
			}
			if err := dup("id", "id", val); err != nil {
				return err
			}
			n, err := strconv.ParseUint(val, 0, 32)
			if err != nil || n >= 1<<24 {
				return errInvarg("invalid id", val, usagef("vxlan: id %q is not 0 to 16777215", val))
			}
			v.ID = new(uint32(n))
		case matches(word, "group") || matches(word, "remote"):
			group := matches(word, "group")
			if v.Group.IsValid() && v.Group.IsMulticast() != group {
				return ipUsage(1, "vxlan: both group and remote cannot be specified", usagef("vxlan: both group and remote"))
			}
			val, err := value()
			if err != nil {
				return err
			}
			key := map[bool]string{true: "group", false: "remote"}[group]
			if err := dup("group", key, val); err != nil {
				return err
			}
			ip, err := addr(word, val, v.Local)
			if err != nil {
				return err
			}
			if ip.IsMulticast() != group || ip.IsUnspecified() {
				return errInvarg("invalid "+key+" address", val, usagef("vxlan: %s %s: want a %s address", key, val, map[bool]string{true: "multicast", false: "unicast"}[group]))
			}
			v.Group = ip
		case matches(word, "local"):
			val, err := value()
			if err != nil {
				return err
			}
			if err := dup("local", "local", val); err != nil {
				return err
			}
			ip, err := addr(word, val, v.Group)
			if err != nil {
				return err
			}
			if ip.IsMulticast() {
				return errInvarg("invalid local address", val, usagef("vxlan: local %s is a multicast address", val))
			}
			v.Local = ip
		case matches(word, "dev"):
			val, err := value()
			if err != nil {
				return err
			}
			if err := dup("dev", "dev", val); err != nil {
				return err
			}
			if err := checkDevName(val); err != nil {
				return err
			}
			vs.dev = val
		case matches(word, "ttl") || matches(word, "hoplimit"):
			val, err := value()
			if err != nil {
				return err
			}
			if err := dup("ttl", "ttl", val); err != nil {
				return err
			}
			switch val {
			case "inherit":
				v.TTLInherit = new(uint8(1))
			case "auto":
				v.TTL = new(uint8(0))
			default:
				n, err := num(val, 32, "invalid TTL")
				if err != nil {
					return err
				}
				if n > 255 {
					return errInvarg("TTL must be <= 255", val, usagef("vxlan: ttl %d above 255", n))
				}
				v.TTL = new(uint8(n))
			}
		case matches(word, "tos") || matches(word, "dsfield"):
			val, err := value()
			if err != nil {
				return err
			}
			if err := dup("tos", "tos", val); err != nil {
				return err
			}
			t := uint8(1)
			if val != "inherit" {
				if t, err = parseDSField(val); err != nil {
					return errInvarg("bad TOS value", val, err)
				}
			}
			v.TOS = &t
		case matches(word, "df"):
			val, err := value()
			if err != nil {
				return err
			}
			if err := dup("df", "df", val); err != nil {
				return err
			}
			df, ok := map[string]uint8{"unset": 0, "set": 1, "inherit": 2}[val]
			if !ok {
				return errInvarg("DF must be 'unset', 'set' or 'inherit'", val, usagef("vxlan: df %q is not unset, set or inherit", val))
			}
			v.DF = &df
		case matches(word, "label") || matches(word, "flowlabel"):
			val, err := value()
			if err != nil {
				return err
			}
			if err := dup("label", "flowlabel", val); err != nil {
				return err
			}
			n, err := strconv.ParseUint(val, 0, 32)
			if err != nil || n > 0xfffff {
				return errInvarg("invalid flowlabel", val, usagef("vxlan: flowlabel %q is not 0 to 1048575", val))
			}
			v.Label = new(uint32(n))
		case matches(word, "ageing"):
			val, err := value()
			if err != nil {
				return err
			}
			if err := dup("ageing", "ageing", val); err != nil {
				return err
			}
			n := uint64(0)
			if val != "none" {
				if n, err = num(val, 32, "ageing timer"); err != nil {
					return err
				}
			}
			v.Ageing = new(uint32(n))
		case matches(word, "maxaddress"):
			val, err := value()
			if err != nil {
				return err
			}
			if err := dup("limit", "maxaddress", val); err != nil {
				return err
			}
			n := uint64(0)
			if val != "unlimited" {
				if n, err = num(val, 32, "max addresses"); err != nil {
					return err
				}
			}
			v.Limit = new(uint32(n))
		case matches(word, "port") || matches(word, "srcport"):
			low, err := value()
			if err != nil {
				return err
			}
			if err := dup("srcport", "srcport", low); err != nil {
				return err
			}
			lo, err := num(low, 16, "min port")
			if err != nil {
				return err
			}
			high, err := value()
			if err != nil {
				return err
			}
			hi, err := num(high, 16, "max port")
			if err != nil {
				return err
			}
			if lo != 0 || hi != 0 {
				v.PortLow, v.PortHigh = new(uint16(lo)), new(uint16(hi))
			}
		case matches(word, "dstport"):
			val, err := value()
			if err != nil {
				return err
			}
			if err := dup("dstport", "dstport", val); err != nil {
				return err
			}
			n, err := num(val, 16, "dst port")
			if err != nil {
				return err
			}
			v.Port = new(uint16(n))
		default:
			i := 0
			for i < len(vxlanFlags) && !matches(word, vxlanFlags[i].word) {
				i++
			}
			if i < len(vxlanFlags) {
				f := vxlanFlags[i]
				attr := f.word
				if len(attr) > 2 && attr[:2] == "no" {
					attr = attr[2:]
				}
				if err := dup(attr, word, word); err != nil {
					return err
				}
				if attr == "learning" {
					learning = f.val
					continue
				}
				*f.field(v) = new(f.val)
				continue
			}
			// ip tries these after the on/off words: "n" is nolearning.
			switch {
			case matches(word, "external") || matches(word, "noexternal"):
				ext := matches(word, "external")
				if err := dup("external", word, word); err != nil {
					return err
				}
				external = ext
				if ext {
					learning = 0
				}
				v.External = new(map[bool]uint8{true: 1}[ext])
				continue
			case matches(word, "gbp") || matches(word, "gpe"):
				gbp := matches(word, "gbp")
				if err := dup(map[bool]string{true: "gbp", false: "gpe"}[gbp], word, word); err != nil {
					return err
				}
				if gbp {
					v.GBP = true
				} else {
					v.GPE = true
				}
				continue
			case word == "vnifilter" || word == "novnifilter":
				if err := dup("vnifilter", word, word); err != nil {
					return err
				}
				vnifilter = word == "vnifilter"
				v.VNIFilter = new(map[bool]uint8{true: 1}[vnifilter])
				continue
			}
			if matches(word, "help") {
				return ipUsage(1, vxlanUsage, usagef("vxlan: the options are those of ip's vxlan"))
			}
			return ipUsage(1, fmt.Sprintf("vxlan: unknown command %q?\n%s", word, vxlanUsage), usagef("vxlan: unknown option %q", word))
		}
	}
	switch {
	case vnifilter && !external:
		return ipUsage(1, "vxlan: vnifilter is valid only when 'external' is set", usagef("vxlan: vnifilter needs external"))
	case external && v.ID != nil:
		return ipUsage(1, "vxlan: both 'external' and vni cannot be specified", usagef("vxlan: both external and an id"))
	case !external && !vnifilter && v.ID == nil && !c.change:
		return ipUsage(1, "vxlan: missing virtual network identifier", usagef("vxlan: missing \"id VNI\""))
	case v.Group.IsValid() && v.Group.IsMulticast() && vs.dev == "":
		return ipUsage(1, "vxlan: 'group' requires 'dev' to be specified", usagef("vxlan: a group needs \"dev DEV\""))
	}
	if v.Port == nil && v.GPE {
		v.Port = new(uint16(4790))
	} else if v.Port == nil && !c.change {
		vs.noPort = true
	}
	if !c.change || seen["learning"] {
		v.Learning = new(learning)
	}
	c.vxlan = vs
	return nil
}
