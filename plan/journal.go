package plan

import (
	"context"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/jsonv"
	"github.com/nsnet/nsnet/internal/jsonw"
	"github.com/nsnet/nsnet/journal"
	"github.com/nsnet/nsnet/nat"
	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/rtnl"
	"github.com/nsnet/nsnet/sysctl"
)

// A step's journal form: its kind and its fields as JSON. Decoding
// validates every field as a parser would (names, sysctl keys, namespace
// references, NAT objects), so a record planted in a journal cannot make
// Down act outside what a step may do.

// stepRecord is the JSON of a step that is not written whole (netns,
// nat, sysctl, neighbour and rule steps).
type stepRecord struct {
	NS     string      `json:"ns,omitempty"` // nsfs.Ref.Key
	Name   string      `json:"name,omitempty"`
	Dev    string      `json:"dev,omitempty"`
	NAT    string      `json:"nat,omitempty"` // nat.Object.String()
	Sysctl []jsonw.Raw `json:"sysctl,omitempty"`
	// Neighbour entries.
	Dst      string  `json:"dst,omitempty"`
	LLAddr   *string `json:"lladdr,omitempty"`
	State    *uint32 `json:"state,omitempty"`
	Flags    *uint32 `json:"flags,omitempty"`
	Managed  *bool   `json:"managed,omitempty"`
	Protocol *uint32 `json:"protocol,omitempty"`
	// Rules: the request in the kernel's own encoding (hex).
	Rule  string `json:"rule,omitempty"`
	Exact *bool  `json:"exact,omitempty"`
}

// KindOf names a step's kind in journal records ("" for a step of
// another package, which cannot be journaled).
func KindOf(st Step) string {
	switch st.(type) {
	case NetnsAdd:
		return "netns-add"
	case NetnsDel:
		return "netns-del"
	case LinkAdd:
		return "link-add"
	case LinkDel:
		return "link-del"
	case LinkSet:
		return "link-set"
	case AddrAdd:
		return "addr-add"
	case AddrDel:
		return "addr-del"
	case AddrReplace:
		return "addr-replace"
	case RouteAdd:
		return "route-add"
	case RouteDel:
		return "route-del"
	case RouteReplace:
		return "route-replace"
	case RouteAppend:
		return "route-append"
	case RouteChange:
		return "route-change"
	case RouteRaw:
		return "route-raw"
	case NATAdd:
		return "nat-add"
	case NATDel:
		return "nat-del"
	case SysctlSet:
		return "sysctl-set"
	case NeighAdd:
		return "neigh-add"
	case NeighDel:
		return "neigh-del"
	case NeighChange:
		return "neigh-change"
	case NeighReplace:
		return "neigh-replace"
	case RuleAdd:
		return "rule-add"
	case RuleDel:
		return "rule-del"
	case EthtoolFeatures:
		return "ethtool-features"
	case EthtoolChannels:
		return "ethtool-channels"
	case EthtoolRings:
		return "ethtool-rings"
	case TunTapAdd:
		return "tuntap-add"
	case TunTapDel:
		return "tuntap-del"
	case AltNameAdd:
		return "altname-add"
	case AltNameDel:
		return "altname-del"
	}
	return ""
}

// EncodeStep returns a step's kind and fields for a journal record.
func EncodeStep(st Step) (kind string, data []byte, err error) {
	kind = KindOf(st)
	var r stepRecord
	switch s := st.(type) {
	case NetnsAdd:
		r.Name = s.Name
	case NetnsDel:
		r.Name = s.Name
	case LinkAdd:
		if s.Echo != nil {
			s.Echo = nil
		}
		data, err = jsonw.Append(nil, s)
		return kind, data, err
	case LinkDel, LinkSet, EthtoolChannels, EthtoolRings:
		data, err = jsonw.Append(nil, s)
		return kind, data, err
	case EthtoolFeatures:
		s.Report = nil
		data, err = jsonw.Append(nil, s)
		return kind, data, err
	case AddrAdd, AddrDel, AddrReplace:
		data, err = jsonw.Append(nil, s)
		return kind, data, err
	case RouteAdd, RouteDel, RouteReplace, RouteAppend, RouteChange, RouteRaw:
		data, err = jsonw.Append(nil, s)
		return kind, data, err
	case TunTapAdd, TunTapDel, AltNameAdd, AltNameDel:
		data, err = jsonw.Append(nil, s)
		return kind, data, err
	case NATAdd:
		r.NS, r.NAT = s.NS.Key(), s.Object.String()
	case NATDel:
		r.NS, r.NAT = s.NS.Key(), s.Object.String()
	case SysctlSet:
		r.NS = s.NS.Key()
		for _, v := range s.Values {
			b, _ := jsonw.Append(nil, [2]string{v.Key.Path, v.Value})
			r.Sysctl = append(r.Sysctl, b)
		}
	case NeighAdd:
		r = neighRecord(s)
	case NeighDel:
		r = neighRecord(NeighAdd(s))
	case NeighChange:
		r = neighRecord(NeighAdd(s))
	case NeighReplace:
		r = neighRecord(NeighAdd(s))
	case RuleAdd:
		if r, err = ruleRecord(s.NS, &s.Rule); err != nil {
			return "", nil, err
		}
	case RuleDel:
		if r, err = ruleRecord(s.NS, &s.Rule); err != nil {
			return "", nil, err
		}
		if s.Exact {
			r.Exact = &s.Exact
		}
	default:
		return "", nil, fmt.Errorf("plan: a %T cannot be journaled", st)
	}
	data, err = jsonw.Append(nil, r)
	return kind, data, err
}

func neighRecord(s NeighAdd) stepRecord {
	r := stepRecord{NS: s.NS.Key(), Dev: s.Dev, Dst: s.Dst.String()}
	if s.LLAddr != nil {
		r.LLAddr = new(hex.EncodeToString(s.LLAddr))
	}
	if s.State != nil {
		r.State = new(uint32(*s.State))
	}
	if s.Flags != 0 {
		r.Flags = new(uint32(s.Flags))
	}
	if s.Managed {
		r.Managed = &s.Managed
	}
	if s.Protocol != nil {
		r.Protocol = new(uint32(*s.Protocol))
	}
	return r
}

func ruleRecord(ns nsfs.Ref, m *rtnl.RuleMessage) (stepRecord, error) {
	b, err := m.MarshalBinary()
	return stepRecord{NS: ns.Key(), Rule: hex.EncodeToString(b)}, err
}

// DecodeStep is the step EncodeStep wrote, every field validated.
func DecodeStep(kind string, data []byte) (Step, error) {
	switch kind {
	case "ethtool-features":
		var f EthtoolFeatures
		if err := decodeTyped(kind, data, &f); err != nil {
			return nil, err
		}
		if len(f.Names) != len(f.On) || len(f.Names) > 1024 {
			return nil, fmt.Errorf("an ethtool-features record with %d names and %d values", len(f.Names), len(f.On))
		}
		for _, n := range f.Names {
			if n == "" || len(n) > 64 || strings.ContainsAny(n, " \t\n\x00") {
				return nil, fmt.Errorf("bad feature name %.70q", n)
			}
		}
		return f, validDev(f.Dev)
	case "ethtool-channels":
		var c EthtoolChannels
		if err := decodeTyped(kind, data, &c); err != nil {
			return nil, err
		}
		return c, validDev(c.Dev)
	case "ethtool-rings":
		var r EthtoolRings
		if err := decodeTyped(kind, data, &r); err != nil {
			return nil, err
		}
		return r, validDev(r.Dev)
	case "link-add":
		var l LinkAdd
		if err := decodeTyped(kind, data, &l); err != nil {
			return nil, err
		}
		return l, validLinkAdd(l)
	case "link-del":
		var l LinkDel
		if err := decodeTyped(kind, data, &l); err != nil {
			return nil, err
		}
		return l, validDev(l.Name)
	case "link-set":
		var l LinkSet
		if err := decodeTyped(kind, data, &l); err != nil {
			return nil, err
		}
		if l.Kind != nil {
			return nil, fmt.Errorf("a link-set record that changes a kind's data")
		}
		for _, a := range l.BridgePort {
			if a.Type == 0 || a.Type > unix.IFLA_BRPORT_BACKUP_NHID || len(a.Data) > 4 || a.Dev != "" && validDev(a.Dev) != nil {
				return nil, fmt.Errorf("a link-set record with a bad bridge port setting (type %d)", a.Type)
			}
		}
		if l.Name != "" {
			if err := validDev(l.Name); err != nil {
				return nil, err
			}
		}
		o := l.options()
		return l, validOptions(l.Dev, &o)
	case "addr-add", "addr-del", "addr-replace":
		var a AddrAdd
		if err := decodeTyped(kind, data, &a); err != nil {
			return nil, err
		}
		if err := validAddr(a); err != nil {
			return nil, err
		}
		switch kind {
		case "addr-add":
			return a, nil
		case "addr-del":
			return AddrDel(a), nil
		}
		return AddrReplace(a), nil
	case "route-add", "route-del", "route-replace", "route-append", "route-change":
		var ra RouteAdd
		if err := decodeTyped(kind, data, &ra); err != nil {
			return nil, err
		}
		if err := validRoute(ra); err != nil {
			return nil, err
		}
		switch kind {
		case "route-add":
			return ra, nil
		case "route-del":
			return RouteDel(ra), nil
		case "route-replace":
			return RouteReplace(ra), nil
		case "route-append":
			return RouteAppend(ra), nil
		}
		return RouteChange(ra), nil
	case "tuntap-add", "tuntap-del":
		var t TunTapAdd
		if err := decodeTyped(kind, data, &t); err != nil {
			return nil, err
		}
		if err := validDev(t.Name); err != nil {
			return nil, err
		}
		if t.Mode != "tun" && t.Mode != "tap" {
			return nil, fmt.Errorf("bad tuntap mode %.10q", t.Mode)
		}
		if kind == "tuntap-del" {
			return TunTapDel(t), nil
		}
		return t, nil
	case "altname-add", "altname-del":
		var a AltNameAdd
		if err := decodeTyped(kind, data, &a); err != nil {
			return nil, err
		}
		if err := validAltNames(a); err != nil {
			return nil, err
		}
		if kind == "altname-del" {
			return AltNameDel(a), nil
		}
		return a, nil
	case "route-raw":
		var rr RouteRaw
		if err := decodeTyped(kind, data, &rr); err != nil {
			return nil, err
		}
		if rr.Op != "add" && rr.Op != "replace" && rr.Op != "delete" || rr.Route.Family != rtnl.FamilyInet && rr.Route.Family != rtnl.FamilyInet6 {
			return nil, fmt.Errorf("bad route record")
		}
		if rr.Dev != "" {
			if err := validDev(rr.Dev); err != nil {
				return nil, err
			}
		}
		return rr, nil
	}
	r, err := parseRecord(data)
	if err != nil {
		return nil, fmt.Errorf("a %.20q record: %v", kind, err)
	}
	ns, err := nsfs.ParseKey(r.NS)
	if err != nil {
		return nil, err
	}
	name := func() error { return nsfs.ValidName(r.Name) }
	dev := validDev
	switch kind {
	case "netns-add", "netns-del":
		if err := name(); err != nil {
			return nil, err
		}
		if kind == "netns-add" {
			return NetnsAdd{Name: r.Name}, nil
		}
		return NetnsDel{Name: r.Name}, nil
	case "nat-add", "nat-del":
		o, err := nat.ParseObject(r.NAT)
		if err != nil {
			return nil, err
		}
		if kind == "nat-add" {
			return NATAdd{NS: ns, Object: o}, nil
		}
		return NATDel{NS: ns, Object: o}, nil
	case "neigh-add", "neigh-del", "neigh-change", "neigh-replace":
		n := NeighAdd{NS: ns, Dev: r.Dev}
		if n.Dst, err = netip.ParseAddr(r.Dst); err != nil {
			return nil, err
		}
		if r.Dev != "" {
			if err := dev(r.Dev); err != nil {
				return nil, err
			}
		}
		if r.LLAddr != nil {
			if n.LLAddr, err = hex.DecodeString(*r.LLAddr); err != nil || len(n.LLAddr) > 32 {
				return nil, fmt.Errorf("bad link-layer address %.40q", *r.LLAddr)
			}
			if n.LLAddr == nil {
				n.LLAddr = net.HardwareAddr{}
			}
		}
		if r.State != nil {
			if *r.State > 0xffff {
				return nil, fmt.Errorf("bad neighbour state %d", *r.State)
			}
			n.State = new(rtnl.NeighState(*r.State))
		}
		if r.Flags != nil {
			if *r.Flags > 0xff {
				return nil, fmt.Errorf("bad neighbour flags %d", *r.Flags)
			}
			n.Flags = rtnl.NeighFlags(*r.Flags)
		}
		if r.Protocol != nil {
			if *r.Protocol > 0xff {
				return nil, fmt.Errorf("bad protocol %d", *r.Protocol)
			}
			n.Protocol = new(rtnl.RouteProtocol(*r.Protocol))
		}
		n.Managed = r.Managed != nil && *r.Managed
		switch kind {
		case "neigh-add":
			return n, nil
		case "neigh-del":
			return NeighDel(n), nil
		case "neigh-change":
			return NeighChange(n), nil
		}
		return NeighReplace(n), nil
	case "rule-add", "rule-del":
		b, err := hex.DecodeString(r.Rule)
		if err != nil {
			return nil, fmt.Errorf("bad rule encoding")
		}
		var m rtnl.RuleMessage
		if err := m.UnmarshalBinary(b); err != nil {
			return nil, fmt.Errorf("bad rule: %v", err)
		}
		if m.Family != rtnl.FamilyInet && m.Family != rtnl.FamilyInet6 {
			return nil, fmt.Errorf("bad rule family %d", m.Family)
		}
		if kind == "rule-add" {
			return RuleAdd{NS: ns, Rule: m}, nil
		}
		return RuleDel{NS: ns, Rule: m, Exact: r.Exact != nil && *r.Exact}, nil
	case "sysctl-set":
		s := SysctlSet{NS: ns}
		for _, raw := range r.Sysctl {
			kv, err := parsePair(raw)
			if err != nil {
				return nil, err
			}
			k, err := sysctl.ParseKey(kv[0])
			if err != nil {
				return nil, err
			}
			s.Values = append(s.Values, SysctlValue{Key: k, Value: kv[1]})
		}
		return s, nil
	}
	return nil, fmt.Errorf("unknown step kind %.20q", kind)
}

// decodeTyped fills step (a pointer) from data, the JSON of a step
// written whole (jsonw), refusing anything else (decodeStrict).
func decodeTyped(kind string, data []byte, step any) error {
	v, err := jsonv.Parse(data)
	if err == nil {
		err = decodeStrict(v, reflect.ValueOf(step))
	}
	if err != nil {
		return fmt.Errorf("a %.20q record: %v", kind, err)
	}
	return nil
}

// validDev checks a device name as the kernel would.
func validDev(d string) error {
	if d == "" || len(d) > 15 || d == "." || d == ".." || strings.ContainsAny(d, "/:\x00 \t\n") {
		return fmt.Errorf("bad device name %q", d)
	}
	return nil
}

// validLinkAdd checks a journaled link creation: one of the kinds an
// undo re-creates, with valid names.
func validLinkAdd(l LinkAdd) error {
	switch l.Kind {
	case "bridge", "veth", "vxlan", "macvlan", "macvtap":
	default:
		return fmt.Errorf("link kind %.20q", l.Kind)
	}
	if len(l.Data) > 0 {
		return fmt.Errorf("a link-add record with raw kind data")
	}
	if err := validOptions(l.Name, &l.Options); err != nil {
		return err
	}
	if l.Veth != nil {
		if err := validOptions(l.Veth.Peer, &l.Veth.Options); err != nil {
			return err
		}
	}
	if l.Vxlan != nil && l.Vxlan.Dev != "" {
		return validDev(l.Vxlan.Dev)
	}
	return nil
}

// validOptions checks a link's name and the names its options give.
func validOptions(name string, o *LinkOptions) error {
	for _, d := range []string{name, o.Lower} {
		if d != "" || d == name {
			if err := validDev(d); err != nil {
				return err
			}
		}
	}
	if o.Master != nil && *o.Master != "" {
		if err := validDev(*o.Master); err != nil {
			return err
		}
	}
	if o.Alias != nil && strings.ContainsAny(*o.Alias, "\x00") {
		return fmt.Errorf("bad alias")
	}
	return nil
}

// validRoute checks the fields of a journaled route step.
func validRoute(r RouteAdd) error {
	if !r.Dst.IsValid() {
		return fmt.Errorf("bad route destination")
	}
	for _, d := range append([]Nexthop{{Dev: r.Dev}}, r.Nexthops...) {
		if d.Dev != "" {
			if err := validDev(d.Dev); err != nil {
				return err
			}
		}
	}
	return nil
}

// validAddr checks the fields of a journaled address step.
func validAddr(a AddrAdd) error {
	if err := validDev(a.Dev); err != nil {
		return err
	}
	if !a.Prefix.IsValid() || a.Peer.IsValid() && a.Peer.Addr().Is4() != a.Prefix.Addr().Is4() {
		return fmt.Errorf("bad address %s", a.Prefix)
	}
	if a.BroadcastCalc != "" && a.BroadcastCalc != "+" && a.BroadcastCalc != "-" {
		return fmt.Errorf("bad broadcast %.10q", a.BroadcastCalc)
	}
	if len(a.Label) > 15 || strings.ContainsAny(a.Label, "\x00") {
		return fmt.Errorf("bad label %.20q", a.Label)
	}
	return nil
}

// parseRecord reads the JSON EncodeStep wrote. Unlike a lenient decoder
// it refuses unknown keys and values of the wrong type, so a record holds
// exactly the fields of a step.
func parseRecord(data []byte) (stepRecord, error) {
	var r stepRecord
	v, err := jsonv.Parse(data)
	if err != nil {
		return r, err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return r, fmt.Errorf("not a JSON object")
	}
	str := func(k string, x any) (string, error) {
		s, ok := x.(string)
		if !ok {
			return "", fmt.Errorf("%q is not a string", k)
		}
		return s, nil
	}
	for k, x := range obj {
		var err error
		switch k {
		case "ns":
			r.NS, err = str(k, x)
		case "name":
			r.Name, err = str(k, x)
		case "dev":
			r.Dev, err = str(k, x)
		case "nat":
			r.NAT, err = str(k, x)
		case "dst":
			r.Dst, err = str(k, x)
		case "lladdr":
			var v string
			if v, err = str(k, x); err == nil {
				r.LLAddr = &v
			}
		case "rule":
			r.Rule, err = str(k, x)
		case "state", "flags", "protocol":
			var u uint32
			if u, err = u32(k, x); err == nil {
				switch k {
				case "state":
					r.State = &u
				case "flags":
					r.Flags = &u
				default:
					r.Protocol = &u
				}
			}
		case "managed", "exact":
			b, ok := x.(bool)
			if !ok {
				return r, fmt.Errorf("%q is not a boolean", k)
			}
			if k == "managed" {
				r.Managed = &b
			} else {
				r.Exact = &b
			}
		case "sysctl":
			list, ok := x.([]any)
			if !ok {
				return r, fmt.Errorf("%q is not a list", k)
			}
			for _, e := range list {
				pair, ok := e.([]any)
				if !ok || len(pair) != 2 {
					return r, fmt.Errorf("%q holds something other than [key, value] pairs", k)
				}
				if _, ok := pair[0].(string); !ok {
					return r, fmt.Errorf("%q holds a key that is not a string", k)
				}
				if _, ok := pair[1].(string); !ok {
					return r, fmt.Errorf("%q holds a value that is not a string", k)
				}
				b, werr := jsonw.Append(nil, pair)
				if werr != nil {
					return r, werr
				}
				r.Sysctl = append(r.Sysctl, b)
			}
		default:
			return r, fmt.Errorf("unknown field %.20q", k)
		}
		if err != nil {
			return r, err
		}
	}
	return r, nil
}

// u32 reads the value of key k as a 32-bit unsigned number.
func u32(k string, x any) (uint32, error) {
	n, ok := x.(jsonv.Number)
	if !ok {
		return 0, fmt.Errorf("%q is not a number", k)
	}
	u, err := strconv.ParseUint(string(n), 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%q: %v", k, err)
	}
	return uint32(u), nil
}

// parsePair reads a sysctl [key, value] pair of a record.
func parsePair(raw []byte) ([2]string, error) {
	var kv [2]string
	v, err := jsonv.Parse(raw)
	if err != nil {
		return kv, err
	}
	pair, ok := v.([]any)
	if !ok || len(pair) != 2 {
		return kv, fmt.Errorf("a sysctl value is not a [key, value] pair")
	}
	for i := range kv {
		s, ok := pair[i].(string)
		if !ok {
			return kv, fmt.Errorf("a sysctl value is not a [key, value] pair of strings")
		}
		kv[i] = s
	}
	return kv, nil
}

// UndoFits checks that undo is an undo of step: the opposite change of the
// same object in the same namespace, changing nothing the step does not.
func UndoFits(step, undo Step) error {
	no := fmt.Errorf("a %s record is not an undo of a %s step", KindOf(undo), KindOf(step))
	same := func(a, b nsfs.Ref) bool { return a.Key() == b.Key() }
	switch s := step.(type) {
	case NetnsAdd:
		if u, ok := undo.(NetnsDel); ok && u.Name == s.Name {
			return nil
		}
	case NetnsDel:
		if u, ok := undo.(NetnsAdd); ok && u.Name == s.Name {
			return nil
		}
	case LinkAdd:
		if u, ok := undo.(LinkDel); ok && u.Name == s.Name && same(u.NS, s.home()) {
			return nil
		}
	case LinkDel:
		if u, ok := undo.(LinkAdd); ok && u.Name == s.Name && same(u.NS, s.NS) && u.Options.NetNS == nil {
			return nil
		}
	case LinkSet:
		if u, ok := undo.(LinkSet); ok && linkSetUndo(s, u) {
			return nil
		}
	case AddrAdd:
		if u, ok := undo.(AddrDel); ok && sameAddr(AddrAdd(u), s) {
			return nil
		}
	case AddrDel:
		if u, ok := undo.(AddrAdd); ok && sameAddr(u, AddrAdd(s)) {
			return nil
		}
	case AddrReplace:
		switch u := undo.(type) {
		case AddrDel:
			if sameAddr(AddrAdd(u), AddrAdd(s)) {
				return nil
			}
		case AddrReplace:
			if sameAddr(AddrAdd(u), AddrAdd(s)) {
				return nil
			}
		}
	case RouteAdd:
		return routeUndo(s, undo, false, no)
	case RouteAppend:
		return routeUndo(RouteAdd(s), undo, false, no)
	case RouteDel:
		if u, ok := undo.(RouteRaw); ok && u.Op == "add" && same(u.NS, s.NS) && u.Route.Dst == s.Dst {
			return nil
		}
	case RouteReplace:
		return routeUndo(RouteAdd(s), undo, true, no)
	case EthtoolFeatures:
		if u, ok := undo.(EthtoolFeatures); ok && same(u.NS, s.NS) && u.Dev == s.Dev {
			return nil
		}
	case EthtoolChannels:
		n := u32s(s.Counts.RX, s.Counts.TX, s.Counts.Other, s.Counts.Combined)
		if u, ok := undo.(EthtoolChannels); ok && same(u.NS, s.NS) && u.Dev == s.Dev &&
			subset(u32s(u.Counts.RX, u.Counts.TX, u.Counts.Other, u.Counts.Combined), n) {
			return nil
		}
	case EthtoolRings:
		n := u32s(s.Counts.RX, s.Counts.RXMini, s.Counts.RXJumbo, s.Counts.TX)
		if u, ok := undo.(EthtoolRings); ok && same(u.NS, s.NS) && u.Dev == s.Dev &&
			subset(u32s(u.Counts.RX, u.Counts.RXMini, u.Counts.RXJumbo, u.Counts.TX), n) {
			return nil
		}
	case RouteRaw:
		if u, ok := undo.(RouteRaw); ok && same(u.NS, s.NS) && u.Route.Dst == s.Route.Dst && u.Route.Table == s.Route.Table {
			return nil
		}
	case RouteChange:
		return routeUndo(RouteAdd(s), undo, true, no)
	case TunTapAdd:
		if u, ok := undo.(TunTapDel); ok && same(u.NS, s.NS) && u.Name == s.Name {
			return nil
		}
	case TunTapDel:
		if u, ok := undo.(TunTapAdd); ok && same(u.NS, s.NS) && u.Name == s.Name {
			return nil
		}
	case AltNameAdd:
		if u, ok := undo.(AltNameDel); ok && same(u.NS, s.NS) && u.Dev == s.Dev && subsetOf(u.Names, s.Names) {
			return nil
		}
	case AltNameDel:
		if u, ok := undo.(AltNameAdd); ok && same(u.NS, s.NS) && u.Dev == s.Dev && subsetOf(u.Names, s.Names) {
			return nil
		}
	case NATAdd:
		if u, ok := undo.(NATDel); ok && same(u.NS, s.NS) && SameNAT(u.Object, s.Object) {
			return nil
		}
	case NATDel:
		if u, ok := undo.(NATAdd); ok && same(u.NS, s.NS) && SameNAT(u.Object, s.Object) {
			return nil
		}
	case NeighAdd:
		if u, ok := undo.(NeighDel); ok && sameNeigh(NeighAdd(u), s) {
			return nil
		}
	case NeighDel:
		if u, ok := undo.(NeighAdd); ok && sameNeigh(u, NeighAdd(s)) {
			return nil
		}
	case NeighChange:
		return neighRestores(NeighAdd(s), undo, no)
	case NeighReplace:
		return neighRestores(NeighAdd(s), undo, no)
	case RuleAdd:
		if u, ok := undo.(RuleDel); ok && u.Exact && same(u.NS, s.NS) && reflect.DeepEqual(u.Rule, s.Rule) {
			return nil
		}
	case RuleDel:
		// The rule put back is one the deletion selects.
		if u, ok := undo.(RuleAdd); ok && same(u.NS, s.NS) && MatchRule(&s.Rule, &u.Rule) {
			return nil
		}
	case SysctlSet:
		u, ok := undo.(SysctlSet)
		if !ok || !same(u.NS, s.NS) {
			break
		}
		keys := map[string]bool{}
		for _, v := range s.Values {
			keys[v.Key.Path] = true
		}
		for _, v := range u.Values {
			if !keys[v.Key.Path] {
				return fmt.Errorf("the record writes %s, which the step does not", v.Key.Name)
			}
		}
		return nil
	}
	return no
}

// linkSetUndo reports whether u is an undo of s: a change of the same link
// (by its new name, back to the old one), where s left it, that changes
// nothing s does not and moves it only back where it was.
func linkSetUndo(s, u LinkSet) bool {
	now := s.Dev
	if s.Name != "" {
		now = s.Name
	}
	if u.Dev != now || u.Name != "" && u.Name != s.Dev || now != s.Dev && u.Name != s.Dev || u.Kind != nil {
		return false
	}
	where := s.NS
	if s.NetNS != nil {
		where = *s.NetNS
	}
	if u.NS.Key() != where.Key() {
		return false
	}
	if u.MTU != nil && s.MTU == nil || u.Address != nil && s.Address == nil || u.TxQueueLen != nil && s.TxQueueLen == nil ||
		u.Alias != nil && s.Alias == nil || u.Master != nil && s.Master == nil || u.Group != nil && s.Group == nil ||
		u.AddrGenMode != nil && s.AddrGenMode == nil || u.FlagMask&^s.FlagMask != 0 ||
		u.Broadcast != nil && s.Broadcast == nil || !subset(u32s(u.GSOMaxSize, u.GSOMaxSegs, u.GROMaxSize), u32s(s.GSOMaxSize, s.GSOMaxSegs, s.GROMaxSize)) ||
		u.Carrier != nil && s.Carrier == nil || u.ProtoDown != nil && s.ProtoDown == nil ||
		u.Up != nil && s.Up == nil && s.NetNS == nil {
		return false
	}
	if (u.NetNS == nil) != (s.NetNS == nil) {
		return false
	}
	for _, ua := range u.BridgePort {
		if !slices.ContainsFunc(s.BridgePort, func(sa KindAttr) bool { return sa.Type == ua.Type }) {
			return false
		}
	}
	if u.NetNS != nil {
		origin := s.NS
		if origin.IsSelf() {
			origin = nsfs.PathRef("/proc/self/ns/net")
		}
		return u.NetNS.Key() == origin.Key()
	}
	return true
}

func u32s(v ...*uint32) []*uint32 { return v }

// subset reports whether undo sets only counts the step sets.
func subset(undo, step []*uint32) bool {
	for i := range undo {
		if undo[i] != nil && step[i] == nil {
			return false
		}
	}
	return true
}

// routeUndo checks the undo of a change of the route to s.Dst: its
// deletion, or (when put) the kernel's copy of it put back.
func routeUndo(s RouteAdd, undo Step, put bool, no error) error {
	switch u := undo.(type) {
	case RouteDel:
		if u.NS.Key() == s.NS.Key() && u.Dst == s.Dst {
			return nil
		}
	case RouteRaw:
		if put && u.Op == "replace" && u.NS.Key() == s.NS.Key() && u.Route.Dst == s.Dst {
			return nil
		}
	}
	return no
}

// sameAddr reports whether a and b are about the same address: the same
// namespace, link and address (its length may differ where the step gave
// none).
func sameAddr(a, b AddrAdd) bool {
	return a.NS.Key() == b.NS.Key() && a.Dev == b.Dev && a.Prefix.Addr() == b.Prefix.Addr()
}

// sameNeigh reports whether a and b are about the same entry: namespace,
// address, link and proxy flag.
func sameNeigh(a, b NeighAdd) bool {
	return a.NS.Key() == b.NS.Key() && a.Dst == b.Dst && a.Dev == b.Dev && a.Flags&rtnl.NeighProxy == b.Flags&rtnl.NeighProxy
}

// neighRestores checks the undo of a change or replace of entry s: a
// deletion of it, or a replace by the old copy of it.
func neighRestores(s NeighAdd, undo Step, no error) error {
	switch u := undo.(type) {
	case NeighDel:
		if sameNeigh(NeighAdd(u), s) {
			return nil
		}
	case NeighReplace:
		if sameNeigh(NeighAdd(u), s) {
			return nil
		}
	}
	return no
}

// FileJournal is a Journal in a file (package journal: one per plan name,
// locked, O_NOFOLLOW, regular files only, bounded, kill -9 safe). Each
// record is a typed undo (EncodeStep) naming its step by index and by a
// hash of the step's own encoding, so that Undo hands Down only records
// that are undos of the plan's own steps.
type FileJournal struct {
	j      *journal.Journal
	steps  []Step
	hashes []string
}

// OpenJournal locks and opens the journal of the plan called name in dir,
// for steps (waiting for another holder until ctx is done). With create
// false, a missing journal is an empty one.
func OpenJournal(ctx context.Context, dir, name string, steps []Step, create bool) (*FileJournal, error) {
	j, err := journal.Open(ctx, dir, name, create)
	if err != nil {
		return nil, err
	}
	f := &FileJournal{j: j, steps: steps}
	for _, st := range steps {
		kind, data, err := EncodeStep(st)
		if err != nil {
			j.Close()
			return nil, err
		}
		f.hashes = append(f.hashes, journal.LineHash(kind+" "+string(data)))
	}
	return f, nil
}

// Record appends undo as the typed undo of step i.
func (f *FileJournal) Record(i int, undo Step) (int, error) {
	kind, data, err := EncodeStep(undo)
	if err != nil {
		return 0, err
	}
	return f.j.Append(journal.Record{Line: i + 1, Hash: f.hashes[i], Kind: kind, Undo: []string{string(data)}})
}

// Done marks record id undone.
func (f *FileJournal) Done(id int) error { return f.j.MarkUndone(id) }

// undoOf decodes record r as an undo of step i, or fails.
func (f *FileJournal) undoOf(i int, r journal.Record) (Step, error) {
	if i < 0 || i >= len(f.steps) || r.Hash != f.hashes[i] {
		return nil, fmt.Errorf("record %d matches no step of the plan", r.Seq)
	}
	if len(r.Undo) != 1 {
		return nil, fmt.Errorf("record %d is not a typed undo", r.Seq)
	}
	u, err := DecodeStep(r.Kind, []byte(r.Undo[0]))
	if err != nil {
		return nil, err
	}
	return u, UndoFits(f.steps[i], u)
}

// records returns the records of step i that are undos of it, oldest
// first.
func (f *FileJournal) records(i int) []journal.Record {
	var out []journal.Record
	for _, r := range f.j.Records() {
		if r.Line != i+1 {
			continue
		}
		if _, err := f.undoOf(i, r); err == nil {
			out = append(out, r)
		}
	}
	return out
}

// Undo returns the oldest recorded undo of step i (the state before the
// first Up), if a record of it decodes and is an undo of that step; for
// DownOptions.Undo.
func (f *FileJournal) Undo(i int) (Step, bool) {
	rs := f.records(i)
	if len(rs) == 0 {
		return nil, false
	}
	u, _ := f.undoOf(i, rs[0])
	return u, true
}

// DownDone marks the records of step i undone, except refused ones; for
// DownOptions.Done.
func (f *FileJournal) DownDone(i int) {
	for _, r := range f.records(i) {
		f.j.MarkUndone(r.Seq)
	}
}

// Unmatched returns the live records that are no undo of a step of the
// plan (another plan's, an edited step's, or planted ones); Down never
// runs them and they stay.
func (f *FileJournal) Unmatched() []journal.Record {
	var out []journal.Record
	for _, r := range f.j.Records() {
		if _, err := f.undoOf(r.Line-1, r); err != nil {
			out = append(out, r)
		}
	}
	return out
}

// Live reports whether undos are left.
func (f *FileJournal) Live() bool { return f.j.Live() }

// Close unlocks and closes the journal, keeping it.
func (f *FileJournal) Close() error { return f.j.Close() }

// Remove deletes the journal (all undone) and unlocks it.
func (f *FileJournal) Remove() error { return f.j.Remove() }
