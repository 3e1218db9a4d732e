package topo

import (
	"io"
	"net/netip"

	"github.com/nsnet/nsnet/internal/jsonw"
)

// The JSON document: one object with the arrays namespaces, links, routes,
// nat and edges. Links, routes and NAT objects carry "netns", the ID of
// their namespace; a link's and an address's keys are those of `ip -j
// link` and `ip -j addr` (ifindex, ifname, flags, mtu, operstate,
// link_type, address, master, link, link_index, link_netnsid, linkinfo,
// addr_info with family, local, prefixlen, scope), a route's those of
// `ip -j route` (dst, gateway, dev, protocol, scope, prefsrc, metric,
// table, type) and a NAT object's those of `nsnet -j nat show`.

type jsonDoc struct {
	Namespaces []jsonNS    `json:"namespaces"`
	Links      []jsonLink  `json:"links"`
	Routes     []jsonRoute `json:"routes"`
	NAT        []jsonNAT   `json:"nat"`
	Edges      []jsonEdge  `json:"edges"`
}

type jsonNS struct {
	ID         string          `json:"id"`
	Name       string          `json:"name,omitempty"`
	PID        int             `json:"pid,omitempty"`
	Comm       string          `json:"comm,omitempty"`
	Current    bool            `json:"current,omitempty"`
	Inode      uint64          `json:"inode"`
	Forwarding *jsonForwarding `json:"forwarding"`
	Notes      []string        `json:"notes,omitempty"`
}

type jsonForwarding struct {
	IPv4 *bool `json:"ipv4,omitempty"`
	IPv6 *bool `json:"ipv6,omitempty"`
}

type jsonLinkInfo struct {
	Kind      string `json:"info_kind,omitempty"`
	SlaveKind string `json:"info_slave_kind,omitempty"`
}

type jsonLink struct {
	Netns       string        `json:"netns"`
	Ifindex     uint32        `json:"ifindex"`
	Link        string        `json:"link,omitempty"`
	LinkIndex   *uint32       `json:"link_index,omitempty"`
	Ifname      string        `json:"ifname"`
	Flags       []string      `json:"flags"`
	MTU         uint32        `json:"mtu"`
	Master      string        `json:"master,omitempty"`
	Operstate   string        `json:"operstate"`
	LinkType    string        `json:"link_type"`
	Address     string        `json:"address,omitempty"`
	LinkNetnsid *int32        `json:"link_netnsid,omitempty"`
	LinkInfo    *jsonLinkInfo `json:"linkinfo,omitempty"`
	AddrInfo    []jsonAddr    `json:"addr_info"`
}

type jsonAddr struct {
	Family    string      `json:"family"`
	Local     netip.Addr  `json:"local"`
	Address   *netip.Addr `json:"address,omitempty"`
	PrefixLen uint8       `json:"prefixlen"`
	Broadcast *netip.Addr `json:"broadcast,omitempty"`
	Scope     string      `json:"scope"`
}

type jsonRoute struct {
	Netns    string      `json:"netns"`
	Family   string      `json:"family"`
	Type     string      `json:"type,omitempty"`
	Dst      string      `json:"dst"`
	Gateway  *netip.Addr `json:"gateway,omitempty"`
	Dev      string      `json:"dev,omitempty"`
	Table    string      `json:"table,omitempty"`
	Protocol string      `json:"protocol"`
	Scope    string      `json:"scope"`
	PrefSrc  *netip.Addr `json:"prefsrc,omitempty"`
	Metric   *uint32     `json:"metric,omitempty"`
}

type jsonNAT struct {
	Netns   string `json:"netns"`
	Kind    string `json:"kind"`
	Object  string `json:"object"`
	Source  string `json:"source,omitempty"`
	Out     string `json:"out,omitempty"`
	A       string `json:"a,omitempty"`
	B       string `json:"b,omitempty"`
	Proto   string `json:"proto,omitempty"`
	Listen  string `json:"listen,omitempty"`
	To      string `json:"to,omitempty"`
	In      string `json:"in,omitempty"`
	Intact  bool   `json:"intact"`
	Packets uint64 `json:"packets"`
	Bytes   uint64 `json:"bytes"`
}

type jsonEnd struct {
	Netns       string `json:"netns,omitempty"`
	Ifindex     uint32 `json:"ifindex"`
	Ifname      string `json:"ifname,omitempty"`
	LinkNetnsid *int32 `json:"link_netnsid,omitempty"`
}

type jsonEdge struct {
	Kind string  `json:"kind"`
	A    jsonEnd `json:"a"`
	B    jsonEnd `json:"b"`
}

func addrPtr(a netip.Addr) *netip.Addr {
	if !a.IsValid() {
		return nil
	}
	return &a
}

// WriteJSON writes the topology as one JSON document (indented when
// pretty), followed by a newline. An end of an edge in a namespace the
// topology does not hold has no "netns"; its "link_netnsid" is the id the
// other end's namespace gave it. A veth end's "link_netnsid" is the id
// the other end's namespace gave this end's (the other end's
// IFLA_LINK_NETNSID), absent when both ends share a namespace.
func (t *Topology) WriteJSON(w io.Writer, pretty bool) error {
	d := jsonDoc{Namespaces: []jsonNS{}, Links: []jsonLink{}, Routes: []jsonRoute{}, NAT: []jsonNAT{}, Edges: []jsonEdge{}}
	for _, n := range t.Namespaces {
		jn := jsonNS{ID: n.ID, Name: n.Name, PID: n.PID, Comm: n.Comm, Current: n.Current, Inode: n.Inode, Notes: n.Notes}
		jn.Forwarding = &jsonForwarding{IPv4: n.IPv4Forwarding, IPv6: n.IPv6Forwarding}
		d.Namespaces = append(d.Namespaces, jn)
		for i := range n.Links {
			l := &n.Links[i]
			jl := jsonLink{Netns: n.ID, Ifindex: l.Index, Ifname: l.Name, Flags: l.Flags, MTU: l.MTU,
				Operstate: l.OperState, LinkType: l.LinkType, Address: l.Address, LinkNetnsid: l.PeerNSID,
				AddrInfo: []jsonAddr{}}
			if l.Peer != 0 {
				if p := n.link(l.Peer); p != nil && l.PeerNSID == nil {
					jl.Link = p.Name
				} else {
					idx := l.Peer
					jl.LinkIndex = &idx
				}
			}
			if l.Master != 0 {
				if m := n.link(l.Master); m != nil {
					jl.Master = m.Name
				}
			}
			if l.Kind != "" || l.SlaveKind != "" {
				jl.LinkInfo = &jsonLinkInfo{Kind: l.Kind, SlaveKind: l.SlaveKind}
			}
			for _, a := range l.Addrs {
				jl.AddrInfo = append(jl.AddrInfo, jsonAddr{Family: a.Family, Local: a.Local, Address: addrPtr(a.Peer),
					PrefixLen: a.PrefixLen, Broadcast: addrPtr(a.Broadcast), Scope: a.Scope})
			}
			d.Links = append(d.Links, jl)
		}
		for _, r := range n.Routes {
			d.Routes = append(d.Routes, jsonRoute{Netns: n.ID, Family: r.Family, Type: r.Type, Dst: r.Dst, Gateway: addrPtr(r.Gateway),
				Dev: r.Dev, Table: r.Table, Protocol: r.Protocol, Scope: r.Scope, PrefSrc: addrPtr(r.PrefSrc), Metric: r.Metric})
		}
		for _, x := range n.NAT {
			jx := jsonNAT{Netns: n.ID, Kind: x.Kind, Object: x.Object, Out: x.Out, A: x.A, B: x.B, Proto: x.Proto,
				In: x.In, Intact: x.Intact, Packets: x.Packets, Bytes: x.Bytes}
			if x.Source.IsValid() {
				jx.Source = x.Source.String()
			}
			if x.Listen.IsValid() || x.Listen.Port() != 0 {
				jx.Listen = listenString(x.Listen)
			}
			if x.To.IsValid() {
				jx.To = x.To.String()
			}
			d.NAT = append(d.NAT, jx)
		}
	}
	for _, e := range t.Edges {
		d.Edges = append(d.Edges, jsonEdge{Kind: e.Kind, A: t.jsonEnd(e.A), B: t.jsonEnd(e.B)})
	}
	b, err := jsonw.AppendNoHTML(nil, d)
	if err != nil {
		return err
	}
	if pretty {
		b = jsonw.Indent(nil, b, "", "    ")
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// listenString is a publish's listen address: "ADDR:PORT", or ":PORT" for any.
func listenString(a netip.AddrPort) string {
	if a.Addr().IsValid() {
		return a.String()
	}
	return ":" + itoa(int(a.Port()))
}

func (t *Topology) jsonEnd(e End) jsonEnd {
	j := jsonEnd{Ifindex: e.Index, LinkNetnsid: e.NSID}
	if e.NS >= 0 {
		j.Netns = t.Namespaces[e.NS].ID
		j.Ifname = t.devName(e)
	}
	return j
}
