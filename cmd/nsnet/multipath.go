package main

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"

	"github.com/nsnet/nsnet/internal/nlattr"
	"github.com/nsnet/nsnet/rtnl"
	"golang.org/x/sys/unix"
)

// nexthopArg is one "nexthop via A dev D weight W onlink" group of a
// multipath route, as typed.
type nexthopArg struct {
	via    netip.Addr
	dev    string
	weight uint32 // 1..256; 0 means not given (1)
	onlink bool
}

// parseNexthops reads "nexthop ..." groups up to the end of the line, as
// ip's parse_nexthops: nothing but nexthops may follow the first one.
func parseNexthops(a *argv) ([]nexthopArg, error) {
	var nhs []nexthopArg
	for a.more() {
		w := a.next()
		if w != "nexthop" {
			return nil, ipUsage(255, fmt.Sprintf("Error: \"nexthop\" or end of line is expected instead of %q", w),
				usagef("route: %q after the nexthops (only \"nexthop ...\" may follow the first)", w))
		}
		if !a.more() {
			return nil, ipUsage(255, `Error: unexpected end of line after "nexthop"`, usagef("route: nothing after \"nexthop\""))
		}
		var nh nexthopArg
	words:
		for a.more() {
			switch a.peek() {
			case "via":
				a.next()
				v, err := a.value("via")
				if err != nil {
					return nil, err
				}
				if v == "inet" || v == "inet6" {
					if v, err = a.value(v); err != nil {
						return nil, err
					}
				}
				if nh.via, err = netip.ParseAddr(v); err != nil || nh.via.Zone() != "" {
					return nil, errFamilyAddr("inet", v, usagef("nexthop: invalid gateway %q", v))
				}
			case "dev":
				a.next()
				v, err := a.value("dev")
				if err != nil {
					return nil, err
				}
				if err := checkDevName(v); err != nil {
					return nil, err
				}
				nh.dev = v
			case "weight":
				a.next()
				v, err := a.value("weight")
				if err != nil {
					return nil, err
				}
				n, err := parseU32("weight", v)
				if err != nil || n == 0 || n > 256 {
					return nil, errInvarg("\"weight\" is invalid\n", v, usagef("nexthop: weight %q not in 1..256", v))
				}
				nh.weight = n
			case "onlink":
				a.next()
				nh.onlink = true
			default:
				break words
			}
		}
		nhs = append(nhs, nh)
	}
	return nhs, nil
}

// nexthop is one decoded struct rtnexthop with its gateway.
type nexthop struct {
	flags   uint8
	weight  int
	ifindex uint32
	gateway netip.Addr
}

// decodeMultipath reads RTA_MULTIPATH; it stops at the first malformed
// entry, as ip does.
func decodeMultipath(b []byte) []nexthop {
	var out []nexthop
	for len(b) >= 8 {
		l := int(binary.NativeEndian.Uint16(b))
		if l < 8 || l > len(b) {
			break
		}
		nh := nexthop{flags: b[2], weight: int(b[3]) + 1, ifindex: binary.NativeEndian.Uint32(b[4:])}
		for r := nlattr.NewReader(b[8:l], binary.NativeEndian); r.Next(); {
			if r.Type == unix.RTA_GATEWAY {
				if a, ok := netip.AddrFromSlice(r.Data); ok {
					nh.gateway = a.Unmap()
					if len(r.Data) == 16 {
						nh.gateway = a
					}
				}
			}
		}
		out = append(out, nh)
		l = (l + 3) &^ 3
		if l > len(b) {
			break
		}
		b = b[l:]
	}
	return out
}

// nexthopsJSON are a route's nexthops as ip's "nexthops" array.
func (p *routePrinter) nexthopsJSON(b []byte) []any {
	var out []any
	for _, nh := range decodeMultipath(b) {
		o := &obj{}
		if nh.gateway.IsValid() {
			o.add("gateway", nh.gateway.String())
		}
		o.add("dev", p.tab.name(nh.ifindex))
		o.add("weight", nh.weight)
		o.add("flags", rtnl.RouteFlags(nh.flags).Names())
		out = append(out, o)
	}
	return out
}

// nexthopsText writes the nexthops as ip's "\tnexthop ..." lines.
func nexthopsText(b *strings.Builder, nhs []any) {
	for _, n := range nhs {
		o := n.(*obj)
		b.WriteString("\n\tnexthop ")
		for i, k := range o.keys {
			switch k {
			case "gateway":
				a, _ := netip.ParseAddr(o.vals[i].(string))
				fmt.Fprintf(b, "via %s", paintAddr(fmt.Sprintf("%v ", o.vals[i]), a.Is6()))
			case "flags":
				for _, f := range o.vals[i].([]string) {
					b.WriteString(f + " ")
				}
			default:
				fmt.Fprintf(b, "%s %v ", k, o.vals[i])
			}
		}
	}
}

// firstNexthopVia is the first nexthop's gateway (the family of a route
// given only by its nexthops), or the zero Addr.
func firstNexthopVia(nhs []nexthopArg) netip.Addr {
	for _, nh := range nhs {
		if nh.via.IsValid() {
			return nh.via
		}
	}
	return netip.Addr{}
}
