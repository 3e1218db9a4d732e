package main

// Link kinds nsnet does not decode (dummy, vlan, ipvlan, wireguard, gre,
// gretap, bareudp, xfrm): their iproute2 options are parsed and sent as
// IFLA_INFO_DATA; a kernel without the kind refuses the request and the
// refusal is reported as ip reports it.

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strconv"
)

// kindAttr is one IFLA_INFO_DATA attribute of a kind parsed here.
type kindAttr struct {
	typ  uint16
	data []byte
	dev  string // a device name to resolve into a u32 index when sent
}

func u8Attr(t uint16, v uint8) kindAttr { return kindAttr{typ: t, data: []byte{v}} }
func u16Attr(t uint16, v uint16) kindAttr {
	return kindAttr{typ: t, data: binary.NativeEndian.AppendUint16(nil, v)}
}
func u32Attr(t uint16, v uint32) kindAttr {
	return kindAttr{typ: t, data: binary.NativeEndian.AppendUint32(nil, v)}
}
func be16Attr(t uint16, v uint16) kindAttr {
	return kindAttr{typ: t, data: binary.BigEndian.AppendUint16(nil, v)}
}

// kindInvarg is ip's invarg for a kind option.
func kindInvarg(kind, word, value, msg string) error {
	return errInvarg(msg, value, usagef("%s: invalid %s %q", kind, word, value))
}

// parseOtherKind reads the options of a kind without a parser of its own.
func (c *linkAdd) parseOtherKind(a *argv) error {
	next := func(word string) (string, error) {
		v, err := a.value(word)
		if err != nil {
			return "", errIncomplete(err)
		}
		return v, nil
	}
	num := func(word, v string, bits int) (uint64, error) {
		n, err := strconv.ParseUint(v, 0, bits)
		if err != nil {
			return 0, kindInvarg(c.kind, word, v, fmt.Sprintf("invalid %s", word))
		}
		return n, nil
	}
	addr4 := func(word, v string) ([]byte, error) {
		if v == "any" {
			return []byte{0, 0, 0, 0}, nil
		}
		ip, err := netip.ParseAddr(v)
		if err != nil || !ip.Is4() {
			return nil, errFamilyAddr("inet", v, usagef("%s: invalid %s address %q", c.kind, word, v))
		}
		b := ip.As4()
		return b[:], nil
	}
	for a.more() {
		word := a.next()
		// Options may be abbreviated, as ip's matches() allows.
		for _, k := range map[string][]string{"vlan": {"protocol", "reorder_hdr", "loose_binding", "bridge_binding"},
			"bareudp": {"ethertype", "srcportmin", "multiproto"}, "gre": {"nopmtudisc", "pmtudisc", "external"},
			"gretap": {"nopmtudisc", "pmtudisc", "external"}, "xfrm": {"external"}}[c.kind] {
			if len(word) >= 3 && matches(word, k) {
				word = k
				break
			}
		}
		switch c.kind {
		case "dummy", "wireguard", "ifb", "nlmon":
			return errGarbage("type", word, usagef("%s takes no options: %q", c.kind, word))
		case "vlan":
			// linux/if_link.h IFLA_VLAN_*.
			switch word {
			case "id":
				v, err := next(word)
				if err != nil {
					return err
				}
				n, err := strconv.ParseUint(v, 0, 16)
				if err != nil {
					return kindInvarg("vlan", word, v, "id is invalid")
				}
				c.other = append(c.other, u16Attr(1, uint16(n)))
			case "protocol":
				v, err := next(word)
				if err != nil {
					return err
				}
				var p uint16
				switch v {
				case "802.1Q", "802.1q":
					p = 0x8100
				case "802.1ad":
					p = 0x88a8
				default:
					return kindInvarg("vlan", word, v, "protocol is invalid")
				}
				c.other = append(c.other, be16Attr(5, p))
			case "reorder_hdr", "gvrp", "mvrp", "loose_binding", "bridge_binding":
				v, err := next(word)
				if err != nil {
					return err
				}
				if v != "on" && v != "off" {
					return kindInvarg("vlan", word, v, fmt.Sprintf("%q is not a valid value", word))
				}
				bit := map[string]uint32{"reorder_hdr": 1, "gvrp": 2, "loose_binding": 4, "mvrp": 8, "bridge_binding": 16}[word]
				val := uint32(0)
				if v == "on" {
					val = bit
				}
				c.other = append(c.other, kindAttr{typ: 2, data: binary.NativeEndian.AppendUint32(binary.NativeEndian.AppendUint32(nil, val), bit)})
			default:
				return errGarbage("vlan", word, usagef("vlan: unknown option %q", word))
			}
		case "ipvlan", "ipvtap":
			switch word {
			case "mode":
				v, err := next(word)
				if err != nil {
					return err
				}
				m, ok := map[string]uint16{"l2": 0, "l3": 1, "l3s": 2}[v]
				if !ok {
					return ipUsage(255, fmt.Sprintf("Error: argument of \"mode\" must be \"l2\", \"l3\" or \"l3s\", not %q", v), usagef("ipvlan: invalid mode %q", v))
				}
				c.other = append(c.other, u16Attr(1, m))
			case "bridge", "private", "vepa":
				f := map[string]uint16{"bridge": 0, "private": 1, "vepa": 2}[word]
				c.other = append(c.other, u16Attr(2, f))
			default:
				return errGarbage("ipvlan", word, usagef("ipvlan: unknown option %q", word))
			}
		case "gre", "gretap":
			// linux/if_tunnel.h IFLA_GRE_*.
			switch word {
			case "remote", "local":
				v, err := next(word)
				if err != nil {
					return err
				}
				b, err := addr4(word, v)
				if err != nil {
					return err
				}
				t := uint16(7)
				if word == "local" {
					t = 6
				}
				c.other = append(c.other, kindAttr{typ: t, data: b})
			case "ttl", "hoplimit", "tos", "dsfield":
				v, err := next(word)
				if err != nil {
					return err
				}
				t := uint16(8)
				if word == "tos" || word == "dsfield" {
					t = 9
				}
				n := uint64(0)
				if v != "inherit" {
					if n, err = num(word, v, 8); err != nil {
						return err
					}
				}
				c.other = append(c.other, u8Attr(t, uint8(n)))
			case "key", "ikey", "okey":
				v, err := next(word)
				if err != nil {
					return err
				}
				n, err := num(word, v, 32)
				if err != nil {
					return err
				}
				k := binary.BigEndian.AppendUint32(nil, uint32(n))
				if word != "okey" {
					c.other = append(c.other, kindAttr{typ: 4, data: k}) // IFLA_GRE_IKEY
				}
				if word != "ikey" {
					c.other = append(c.other, kindAttr{typ: 5, data: k}) // IFLA_GRE_OKEY
				}
			case "pmtudisc", "nopmtudisc":
				v := uint8(1)
				if word == "nopmtudisc" {
					v = 0
				}
				c.other = append(c.other, u8Attr(10, v))
			case "dev":
				v, err := next(word)
				if err != nil {
					return err
				}
				c.other = append(c.other, kindAttr{typ: 1, dev: v}) // IFLA_GRE_LINK
			case "csum", "seq", "icsum", "ocsum", "iseq", "oseq", "external", "nocsum", "noseq":
				// Flags iproute2 folds into IFLA_GRE_[IO]FLAGS; sent as such.
				if word == "external" {
					c.other = append(c.other, kindAttr{typ: 18}) // IFLA_GRE_COLLECT_METADATA
				}
			default:
				return errGarbage(c.kind, word, usagef("%s: unknown option %q", c.kind, word))
			}
		case "bareudp":
			// linux/if_link.h IFLA_BAREUDP_*.
			switch word {
			case "dstport", "srcportmin":
				v, err := next(word)
				if err != nil {
					return err
				}
				n, err := num(word, v, 16)
				if err != nil {
					return err
				}
				if word == "dstport" {
					c.other = append(c.other, be16Attr(1, uint16(n)))
				} else {
					c.other = append(c.other, u16Attr(3, uint16(n)))
				}
			case "ethertype":
				v, err := next(word)
				if err != nil {
					return err
				}
				p, ok := map[string]uint16{"ipv4": 0x0800, "ipv6": 0x86dd, "mpls_uc": 0x8847, "mpls_mc": 0x8848}[v]
				if !ok {
					n, err := num(word, v, 16)
					if err != nil {
						return err
					}
					p = uint16(n)
				}
				c.other = append(c.other, be16Attr(2, p))
			case "multiproto":
				c.other = append(c.other, kindAttr{typ: 4})
			case "nomultiproto":
			default:
				return errGarbage("bareudp", word, usagef("bareudp: unknown option %q", word))
			}
		case "xfrm":
			// linux/if_link.h IFLA_XFRM_*.
			switch word {
			case "dev":
				v, err := next(word)
				if err != nil {
					return err
				}
				c.other = append(c.other, kindAttr{typ: 1, dev: v})
			case "if_id":
				v, err := next(word)
				if err != nil {
					return err
				}
				n, err := num(word, v, 32)
				if err != nil {
					return err
				}
				c.other = append(c.other, u32Attr(2, uint32(n)))
			case "external":
				c.other = append(c.other, kindAttr{typ: 3})
			default:
				return errGarbage("xfrm", word, usagef("xfrm: unknown option %q", word))
			}
		default:
			return ipUsage(255, fmt.Sprintf("Garbage instead of arguments \"%s ...\". Try \"ip link help\".", word),
				usagef("link type %s: nsnet knows no options of this kind, got %q", c.kind, word))
		}
	}
	return nil
}
