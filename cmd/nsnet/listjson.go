package main

import (
	"bytes"
	"net"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/nsnet/nsnet/rtnl"
)

// jsonWriter appends JSON to b without building values first: the link
// and address listings write 10,000 objects with it. Keys are the
// printers' own constants (plain ASCII) and are written unescaped. A
// comma goes before any key or value that follows another.
type jsonWriter struct {
	b     []byte
	comma bool
}

func (w *jsonWriter) sep() {
	if w.comma {
		w.b = append(w.b, ',')
	}
	w.comma = false
}

// key starts the member k of the current object.
func (w *jsonWriter) key(k string) {
	w.sep()
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':')
}

func (w *jsonWriter) beginObject() { w.sep(); w.b = append(w.b, '{') }
func (w *jsonWriter) endObject()   { w.b = append(w.b, '}'); w.comma = true }
func (w *jsonWriter) beginArray()  { w.sep(); w.b = append(w.b, '[') }
func (w *jsonWriter) endArray()    { w.b = append(w.b, ']'); w.comma = true }

func (w *jsonWriter) str(s string) {
	w.sep()
	w.b = appendJSONString(w.b, s)
	w.comma = true
}

// lit writes a string that needs no escaping: one of the printers' or
// rtnl's names (flags, states, families, scopes).
func (w *jsonWriter) lit(s string) {
	w.sep()
	w.b = append(w.b, '"')
	w.b = append(w.b, s...)
	w.b = append(w.b, '"')
	w.comma = true
}

func (w *jsonWriter) uint(v uint64) {
	w.sep()
	w.b = strconv.AppendUint(w.b, v, 10)
	w.comma = true
}

func (w *jsonWriter) int(v int64) {
	w.sep()
	w.b = strconv.AppendInt(w.b, v, 10)
	w.comma = true
}

func (w *jsonWriter) bool(v bool) {
	w.sep()
	w.b = strconv.AppendBool(w.b, v)
	w.comma = true
}

func (w *jsonWriter) null() {
	w.sep()
	w.b = append(w.b, "null"...)
	w.comma = true
}

// ip writes an address as a string, as netip.Addr.String does.
func (w *jsonWriter) ip(a netip.Addr) {
	if !a.IsValid() {
		w.str(a.String())
		return
	}
	w.sep()
	w.b = append(w.b, '"')
	w.b = a.AppendTo(w.b)
	w.b = append(w.b, '"')
	w.comma = true
}

// mac writes a hardware address as net.HardwareAddr.String does.
func (w *jsonWriter) mac(a net.HardwareAddr) {
	const hex = "0123456789abcdef"
	w.sep()
	w.b = append(w.b, '"')
	for i, c := range a {
		if i > 0 {
			w.b = append(w.b, ':')
		}
		w.b = append(w.b, hex[c>>4], hex[c&0xf])
	}
	w.b = append(w.b, '"')
	w.comma = true
}

// strs writes a list of strings.
func (w *jsonWriter) strs(s []string) {
	w.beginArray()
	for _, v := range s {
		w.str(v)
	}
	w.endArray()
}

// value writes v through appendJSON (the obj values of -d's info_data).
func (w *jsonWriter) value(v any) error {
	w.sep()
	var err error
	w.b, err = appendJSON(w.b, v)
	w.comma = true
	return err
}

// listingMemoryLimit bounds the heap of a listing while pauseGC has the
// collector off.
const listingMemoryLimit = 256 << 20

// pauseGC turns the garbage collector off, up to listingMemoryLimit, until
// the function it returns is called. A listing's memory stays in use until
// it is printed (the decoded links and addresses), so collecting while it
// grows would free next to nothing; the heap stays bounded by
// listingMemoryLimit, past which the collector runs again.
func pauseGC() (resume func()) {
	pct := debug.SetGCPercent(-1)
	lim := debug.SetMemoryLimit(-1)
	debug.SetMemoryLimit(min(lim, listingMemoryLimit))
	return func() {
		debug.SetMemoryLimit(lim)
		debug.SetGCPercent(pct)
	}
}

// jsonFlushSize is how much output a listing collects before writing it.
const jsonFlushSize = 256 << 10

// jsonList prints a JSON array on one line (indented with -pretty) whose
// elements each(w) appends; each calls w.flush now and then to keep the
// buffer small.
type jsonList struct {
	jsonWriter
	e   *env
	err error
}

func newJSONList(e *env) *jsonList {
	l := &jsonList{e: e}
	l.b = make([]byte, 0, jsonFlushSize+jsonFlushSize/4)
	l.beginArray()
	return l
}

// flush writes what the buffer holds once it is large, unless the
// output is to be indented (which needs it whole).
func (l *jsonList) flush() {
	if len(l.b) < jsonFlushSize || l.e.opt.pretty || l.err != nil {
		return
	}
	_, l.err = l.e.out.Write(l.b)
	l.b = l.b[:0]
}

// finish closes the array and writes the rest, with a newline.
func (l *jsonList) finish() error {
	l.endArray()
	if l.err != nil {
		return l.err
	}
	b := l.b
	if l.e.opt.pretty {
		b = ipPretty(b)
	}
	b = append(b, '\n')
	_, err := l.e.out.Write(b)
	return err
}

// linkRefJSON writes "link" or "link_index" as iproute2 does, before
// ifname.
func (p *linkPrinter) linkRefJSON(w *jsonWriter, l *rtnl.LinkMessage) {
	if lk := l.Attrs.Link; lk != nil {
		switch {
		case *lk == 0:
			w.key("link")
			w.null()
		case l.Attrs.LinkNetNSID != nil:
			w.key("link_index")
			w.uint(uint64(*lk))
		default:
			w.key("link")
			w.str(p.tab.name(*lk))
		}
	}
}

// flagsJSON writes the flags member.
func (p *linkPrinter) flagsJSON(w *jsonWriter, l *rtnl.LinkMessage) {
	p.flagBuf = p.appendFlags(p.flagBuf[:0], l)
	w.key("flags")
	w.beginArray()
	for _, f := range p.flagBuf {
		w.lit(f)
	}
	w.endArray()
}

// briefLinkJSON writes l as `ip -j -br link` prints it.
func (p *linkPrinter) briefLinkJSON(w *jsonWriter, l *rtnl.LinkMessage) {
	w.beginObject()
	p.linkRefJSON(w, l)
	w.key("ifname")
	w.str(l.Attrs.Name)
	w.key("operstate")
	w.lit(p.operstate(l))
	if l.Attrs.Address != nil {
		w.key("address")
		w.mac(l.Attrs.Address)
	}
	p.flagsJSON(w, l)
	w.endObject()
}

// linkJSON writes the members of l as `ip -j link` prints them (withMode
// false: as `ip -j addr` does), without the closing brace, so that addr
// can add its addr_info.
func (p *linkPrinter) linkJSON(w *jsonWriter, l *rtnl.LinkMessage, withMode bool) error {
	a := &l.Attrs
	w.beginObject()
	w.key("ifindex")
	w.uint(uint64(l.Index))
	p.linkRefJSON(w, l)
	w.key("ifname")
	w.str(a.Name)
	p.flagsJSON(w, l)
	if a.MTU != nil {
		w.key("mtu")
		w.uint(uint64(*a.MTU))
	}
	if a.Qdisc != "" {
		w.key("qdisc")
		w.str(a.Qdisc)
	}
	if a.Master != nil && *a.Master != 0 {
		w.key("master")
		w.str(p.tab.name(*a.Master))
	}
	w.key("operstate")
	w.lit(p.operstate(l))
	if withMode && a.LinkMode != nil {
		w.key("linkmode")
		w.lit(a.LinkMode.String())
	}
	if a.Group != nil {
		w.key("group")
		if *a.Group == 0 {
			w.lit("default")
		} else {
			w.sep()
			w.b = append(w.b, '"')
			w.b = strconv.AppendUint(w.b, uint64(*a.Group), 10)
			w.b = append(w.b, '"')
			w.comma = true
		}
	}
	if a.TxQueueLen != nil {
		w.key("txqlen")
		w.uint(uint64(*a.TxQueueLen))
	}
	if p.e.opt.family == 0 || withMode {
		w.key("link_type")
		w.lit(l.Type.String())
		if a.Address != nil {
			w.key("address")
			w.mac(a.Address)
		}
		if a.Broadcast != nil {
			if l.Flags&rtnl.LinkPointToPoint != 0 {
				w.key("link_pointtopoint")
				w.bool(true)
			}
			w.key("broadcast")
			w.mac(a.Broadcast)
		}
		if a.PermAddress != nil && !bytes.Equal(a.PermAddress, a.Address) {
			w.key("permaddr")
			w.mac(a.PermAddress)
		}
	}
	if a.LinkNetNSID != nil {
		w.key("link_netnsid")
		w.int(int64(*a.LinkNetNSID))
	}
	if p.e.opt.details {
		if err := p.detailsJSONw(w, l, withMode); err != nil {
			return err
		}
	}
	if a.Alias != nil && *a.Alias != "" && withMode {
		w.key("ifalias")
		w.str(*a.Alias)
	}
	if p.e.opt.stats && a.Stats != nil {
		s := a.Stats
		w.key("stats64")
		w.beginObject()
		w.key("rx")
		w.beginObject()
		for _, f := range []struct {
			k string
			v uint64
		}{{"bytes", s.RxBytes}, {"packets", s.RxPackets}, {"errors", s.RxErrors}, {"dropped", s.RxDropped},
			{"over_errors", s.RxOverErrors}, {"multicast", s.Multicast}} {
			w.key(f.k)
			w.uint(f.v)
		}
		statsJSONExtra(w, p.e.opt.statsLevel, true, s, a.CarrierChanges)
		w.endObject()
		w.key("tx")
		w.beginObject()
		for _, f := range []struct {
			k string
			v uint64
		}{{"bytes", s.TxBytes}, {"packets", s.TxPackets}, {"errors", s.TxErrors}, {"dropped", s.TxDropped},
			{"carrier_errors", s.TxCarrierErrors}, {"collisions", s.Collisions}} {
			w.key(f.k)
			w.uint(f.v)
		}
		statsJSONExtra(w, p.e.opt.statsLevel, false, s, a.CarrierChanges)
		w.endObject()
		w.endObject()
	}
	if len(a.AltNames) > 0 {
		w.key("altnames")
		w.strs(a.AltNames)
	}
	return nil
}

// detailsJSONw writes what -d adds to a link's object.
func (p *linkPrinter) detailsJSONw(w *jsonWriter, l *rtnl.LinkMessage, withMode bool) error {
	a := &l.Attrs
	for _, f := range []struct {
		k string
		v *uint32
	}{{"promiscuity", a.Promiscuity}, {"allmulti", a.AllMulti}, {"min_mtu", a.MinMTU}, {"max_mtu", a.MaxMTU}} {
		w.key(f.k)
		w.uint(uint64(u32or0(f.v)))
	}
	if a.Info != nil {
		w.key("linkinfo")
		w.beginObject()
		w.key("info_kind")
		w.str(a.Info.Kind)
		if d := infoData(p, a.Info); d != nil {
			w.key("info_data")
			if err := w.value(d); err != nil {
				return err
			}
		}
		if a.Info.SlaveKind != "" {
			w.key("info_slave_kind")
			w.str(a.Info.SlaveKind)
			if d := slaveJSON(p, a.Info); d != nil {
				w.key("info_slave_data")
				if err := w.value(d); err != nil {
					return err
				}
			}
		}
		w.endObject()
	}
	if a.AddrGenMode != nil && withMode {
		w.key("inet6_addr_gen_mode")
		w.str(addrGenMode(*a.AddrGenMode))
	}
	for _, f := range []struct {
		name string
		v    *uint32
	}{{"num_tx_queues", a.NumTxQueues}, {"num_rx_queues", a.NumRxQueues}, {"gso_max_size", a.GSOMaxSize},
		{"gso_max_segs", a.GSOMaxSegs}, {"tso_max_size", a.TSOMaxSize}, {"tso_max_segs", a.TSOMaxSegs},
		{"gro_max_size", a.GROMaxSize}} {
		if f.v != nil {
			w.key(f.name)
			w.uint(uint64(*f.v))
		}
	}
	return nil
}

// addrJSONw writes one addr_info entry of `ip -j addr`.
func (p *linkPrinter) addrJSONw(w *jsonWriter, a *rtnl.AddrMessage) {
	w.beginObject()
	p.addrJSONFields(w, a)
	w.endObject()
}

// addrJSONFields writes the members of an addr_info entry.
func (p *linkPrinter) addrJSONFields(w *jsonWriter, a *rtnl.AddrMessage) {
	w.key("family")
	w.lit(a.Family.String())
	w.key("local")
	w.ip(addrLocal(a))
	if peer := addrPeer(a); peer.IsValid() {
		w.key("address")
		w.ip(peer)
	}
	w.key("prefixlen")
	w.uint(uint64(a.PrefixLen))
	if a.Attrs.Broadcast.IsValid() {
		w.key("broadcast")
		w.ip(a.Attrs.Broadcast)
	}
	if a.Attrs.Anycast.IsValid() {
		w.key("anycast")
		w.ip(a.Attrs.Anycast)
	}
	w.key("scope")
	w.lit(a.Scope.String())
	p.flagBuf = a.Flags.AppendNames(p.flagBuf[:0], a.Family)
	for _, f := range p.flagBuf {
		if k, ok := strings.CutPrefix(f, "flags "); ok {
			w.key("flags")
			w.str(k)
			continue
		}
		w.key(f)
		w.bool(true)
	}
	if a.Family == rtnl.FamilyInet && a.Attrs.Label != "" {
		w.key("label")
		w.str(a.Attrs.Label)
	}
	if ci := a.Attrs.CacheInfo; ci != nil {
		w.key("valid_life_time")
		w.uint(uint64(ci.Valid))
		w.key("preferred_life_time")
		w.uint(uint64(ci.Preferred))
	}
}

// briefAddrJSONw writes one addr_info entry of `ip -j -br addr`.
func briefAddrJSONw(w *jsonWriter, a *rtnl.AddrMessage) {
	w.beginObject()
	w.key("local")
	w.ip(addrLocal(a))
	if peer := addrPeer(a); peer.IsValid() {
		w.key("address")
		w.ip(peer)
	}
	w.key("prefixlen")
	w.uint(uint64(a.PrefixLen))
	w.endObject()
}
