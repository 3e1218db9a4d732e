// Package topo gathers the network topology of a host: every network
// namespace (the named ones under /run/netns, the one the caller runs in,
// and optionally every other one a process holds), each with its links,
// addresses, routes, forwarding settings and nsnet's NAT objects, and the
// edges between links: veth pairs joined end to end across namespaces,
// bridge ports, and the lower devices of macvlan and vxlan links. It
// renders the result as a text tree, JSON, Graphviz dot, Mermaid or a
// self-contained SVG.
//
// # How veth ends are paired
//
// Never by name: two namespaces may both have an eth0. A veth reports its
// peer's interface index (IFLA_LINK) and, when the peer is in another
// namespace, that namespace's id as the reporting namespace numbers it
// (IFLA_LINK_NETNSID). Ids are per namespace: namespace A's id 3 and B's
// id 3 may be different namespaces. Gather asks A's own rtnetlink socket
// which id A gave to each candidate namespace (RTM_GETNSID with the
// candidate's file descriptor), trying first the namespaces that hold a
// veth at the peer's index pointing back at A's link. RTM_GETNSID does not
// assign ids; the ids it reads were assigned by the kernel when the link
// dump reported the peer's namespace, which is what `ip link show` does
// too.
//
// # Namespaces and threads
//
// Every socket is opened inside its namespace (rtnl.Config.NetNS,
// nat.Config.NetNS) on nsfs's audited thread; the calling goroutine never
// changes namespace. Forwarding is read with RTM_GETNETCONF on the same
// socket, not from /proc/sys, which would need a thread inside.
package topo

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/nat"
	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/rtnl"
)

// Options say which namespaces Gather looks at.
type Options struct {
	// Base is the namespace the view starts from, "" for the caller's own:
	// a name under nsfs.RunDir or a path (nsnet -n). It is marked Current.
	Base string
	// All adds every network namespace a process holds that has no name
	// (found through /proc/*/ns/net, as `lsns -t net` does), labelled by
	// the process with the lowest PID in it.
	All bool
	// Trace, when not nil, receives every netlink message, decoded.
	Trace    io.Writer
	TraceHex bool
	// Capture, when not nil, receives every netlink datagram sent and
	// received, as rtnl.Config.Capture does (nsnet's --trace-pcap).
	Capture interface {
		WriteNetlink(family int, sent bool, b []byte)
	}
}

// Topology is what Gather found. Namespaces are in a fixed order (the
// current one, then named ones by name, then process-held ones by PID),
// and so are links (by interface index), routes (as the kernel dumps
// them) and edges (by the position of their first end), so the same state
// always renders the same.
type Topology struct {
	Namespaces []*Namespace
	Edges      []Edge
}

// Namespace is one network namespace and what is in it.
type Namespace struct {
	// ID names the namespace in the topology: its name under /run/netns,
	// or, for one without a name, "/self" (the caller's own) or
	// "/pid/PID" (held by a process). Names never contain '/', so the two
	// kinds cannot clash.
	ID      string
	Name    string // the name under /run/netns, "" if none
	PID     int    // the process holding an unnamed namespace, 0 if named or current
	Comm    string // that process's command name
	Current bool   // the namespace nsnet runs in (or the -n one)
	Inode   uint64 // the namespace's inode, as `lsns` and /proc/PID/ns/net show it

	IPv4Forwarding, IPv6Forwarding *bool // nil when the kernel did not say (IPv6 disabled)

	Links  []Link
	Routes []Route
	NAT    []NAT
	// Notes are what could not be read (nf_tables unavailable, say); the
	// rest of the namespace is still shown.
	Notes []string
}

// Label is the namespace as people read it: its name, "(nsnet's
// namespace)" or "pid 42 (sleep)".
func (n *Namespace) Label() string {
	switch {
	case n.Name != "":
		return n.Name
	case n.Current:
		return "(nsnet's namespace)"
	}
	return "pid " + strconv.Itoa(n.PID) + " (" + n.Comm + ")"
}

// Link is one network interface.
type Link struct {
	Index     uint32
	Name      string
	Kind      string // IFLA_INFO_KIND: "veth", "bridge", ...; "" for a physical or loopback device
	SlaveKind string // IFLA_INFO_SLAVE_KIND: "bridge" for a bridge port
	Flags     []string
	MTU       uint32
	OperState string
	LinkType  string // "ether", "loopback"
	Address   string // the MAC address, "" if none
	Master    uint32 // the bridge's index, 0 if none
	// Peer is IFLA_LINK (a veth's peer, a macvlan's lower device), 0 if
	// none; PeerNSID is IFLA_LINK_NETNSID when the peer is in another
	// namespace, as this namespace numbers it.
	Peer     uint32
	PeerNSID *int32
	// VxlanLower is a vxlan's underlying device (IFLA_VXLAN_LINK), 0 if none.
	VxlanLower uint32
	Addrs      []Addr
}

// Addr is one address of a link.
type Addr struct {
	Family    string // "inet" or "inet6"
	Local     netip.Addr
	Peer      netip.Addr // the other end of a point-to-point address, if any
	PrefixLen uint8
	Scope     string
	Broadcast netip.Addr
}

// Prefix returns the address with its prefix length, as `ip addr` prints it.
func (a Addr) Prefix() string {
	return a.Local.String() + "/" + strconv.Itoa(int(a.PrefixLen))
}

// Route is one route that is not implied by an address: a default route
// or one through a gateway or to a prefix no address covers (the kernel's
// own, protocol kernel, are left out, as is the local table).
type Route struct {
	Dst      string // "default" or a prefix
	Gateway  netip.Addr
	Dev      string
	Protocol string
	Scope    string
	PrefSrc  netip.Addr
	Metric   *uint32
	Table    string // "" for main
	Type     string // "" for unicast
	Family   string
}

// NAT is one of nsnet's NAT objects in a namespace's `table inet nsnet`.
type NAT struct {
	Object  string // nsnet's syntax: "masquerade 192.168.11.0/24 out ens33"
	Kind    string // "masquerade", "forward" or "publish"; "rule" for a rule with no nsnet comment
	Source  netip.Prefix
	Out     string // masquerade: the interface it leaves by ("" any)
	A, B    string // forward: the two interfaces
	Proto   string // publish
	Listen  netip.AddrPort
	To      netip.AddrPort
	In      string // publish: the interface it arrives on ("" any)
	Intact  bool   // its rules are exactly the ones the object makes
	Packets uint64
	Bytes   uint64
}

// Edge joins two links. For a veth pair A and B are the two ends (A in
// the earlier namespace). For a bridge port A is the bridge and B the
// port; for a macvlan or vxlan A is the lower device and B the link on it.
type Edge struct {
	// Kind is "veth", "bridge" (a bridge port), "master" (a port of
	// another master: bond, team, VRF), or the kind of a link on a lower
	// device: "macvlan", "vxlan", "ipip", ...
	Kind string
	A, B End
}

// End is one end of an edge. NS is -1 when the end is in a namespace the
// topology does not hold (a process's unnamed namespace without All):
// then only Index and NSID (as the other end's namespace numbers it) are
// known.
type End struct {
	NS    int // index into Topology.Namespaces
	Index uint32
	// NSID is IFLA_LINK_NETNSID as the other end's namespace reports
	// this end's namespace; nil when both ends share a namespace.
	NSID *int32
}

// Link returns the link an end names, or nil for an end outside the topology.
func (t *Topology) Link(e End) *Link {
	if e.NS < 0 || e.NS >= len(t.Namespaces) {
		return nil
	}
	return t.Namespaces[e.NS].link(e.Index)
}

func (n *Namespace) link(index uint32) *Link {
	i := sort.Search(len(n.Links), func(i int) bool { return n.Links[i].Index >= index })
	if i < len(n.Links) && n.Links[i].Index == index {
		return &n.Links[i]
	}
	return nil
}

// nsHandle is a namespace being gathered: its file, its socket, and what
// the socket listed.
type nsHandle struct {
	ns   *nsfs.NS
	here bool // the caller's own namespace: sockets need no setns
	dev  uint64
	conn *rtnl.Conn
	// nsids maps ids this namespace gave to others onto their index in
	// the topology (-1: none of them), filled as they are resolved.
	nsids map[int32]int
}

// fd is the namespace for rtnl.Config.NetNS: 0 for the caller's own, so
// that reading it needs no CAP_SYS_ADMIN (setns), as `ip` needs none.
func (h *nsHandle) fd() int {
	if h.here {
		return 0
	}
	return h.ns.Fd()
}

// Gather reads the topology. It fails only when the base namespace
// cannot be read; a named namespace that is stale (its mount gone) is
// skipped, and a process that exits while Gather runs is left out.
func Gather(opt Options) (*Topology, error) {
	hs, t, err := open(opt)
	defer func() {
		for _, h := range hs {
			if h.conn != nil {
				h.conn.Close()
			}
			h.ns.Close()
		}
	}()
	if err != nil {
		return nil, err
	}
	for i, h := range hs {
		if err := read(t.Namespaces[i], h, opt); err != nil {
			if i == 0 {
				return nil, err
			}
			// Another namespace that cannot be read is shown with the
			// reason instead of failing the whole view.
			t.Namespaces[i].Notes = append(t.Namespaces[i].Notes, err.Error())
		}
	}
	t.Edges = edges(t, hs)
	return t, nil
}

// open finds the namespaces, deduplicated by device and inode, and opens
// an rtnetlink socket inside each.
func open(opt Options) ([]*nsHandle, *Topology, error) {
	t := &Topology{}
	var hs []*nsHandle
	seen := map[[2]uint64]int{}
	add := func(ns *nsfs.NS, n *Namespace) (bool, error) {
		dev, ino, err := ns.ID()
		if err != nil {
			ns.Close()
			return false, err
		}
		if i, ok := seen[[2]uint64{dev, ino}]; ok {
			ns.Close()
			if n.Name != "" && t.Namespaces[i].Name == "" {
				t.Namespaces[i].Name, t.Namespaces[i].ID = n.Name, n.Name
			}
			return false, nil
		}
		seen[[2]uint64{dev, ino}] = len(hs)
		n.Inode = ino
		hs = append(hs, &nsHandle{ns: ns, dev: dev, nsids: map[int32]int{}})
		t.Namespaces = append(t.Namespaces, n)
		return true, nil
	}

	var base *nsfs.NS
	var err error
	baseNS := &Namespace{ID: "/self", Current: true}
	switch {
	case opt.Base == "":
		base, err = nsfs.Current()
	case strings.ContainsRune(opt.Base, '/'):
		base, err = nsfs.Open(opt.Base)
	default:
		base, err = nsfs.OpenName(opt.Base)
		baseNS.ID, baseNS.Name = opt.Base, opt.Base
	}
	if err != nil {
		return hs, nil, err
	}
	if _, err := add(base, baseNS); err != nil {
		return hs, nil, err
	}
	hs[0].here = opt.Base == ""

	entries, err := nsfs.List()
	if err != nil {
		return hs, nil, err
	}
	for _, e := range entries {
		if e.Stale {
			continue
		}
		ns, err := nsfs.OpenName(e.Name)
		if err != nil {
			continue // deleted since List
		}
		if _, err := add(ns, &Namespace{ID: e.Name, Name: e.Name}); err != nil {
			return hs, nil, err
		}
	}

	if opt.All {
		for _, pid := range pids() {
			// Most processes share a namespace already seen: a stat
			// tells without opening it.
			var st unix.Stat_t
			if unix.Stat("/proc/"+strconv.Itoa(pid)+"/ns/net", &st) != nil {
				continue
			}
			if _, ok := seen[[2]uint64{st.Dev, st.Ino}]; ok {
				continue
			}
			ns, err := nsfs.OpenPID(pid)
			if err != nil {
				continue // exited, or a kernel thread's namespace we may not open
			}
			comm, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
			n := &Namespace{ID: "/pid/" + strconv.Itoa(pid), PID: pid, Comm: strings.TrimSpace(string(comm))}
			if _, err := add(ns, n); err != nil {
				return hs, nil, err
			}
		}
	}

	// The current namespace stays first; the named ones are sorted by
	// nsfs.List, the process-held ones by PID.
	for i, h := range hs {
		c, err := rtnl.Dial(&rtnl.Config{NetNS: h.fd(), Trace: opt.Trace, TraceHex: opt.TraceHex, TraceNS: t.Namespaces[i].ID, Capture: opt.Capture})
		if err != nil {
			if i == 0 {
				return hs, nil, err
			}
			t.Namespaces[i].Notes = append(t.Namespaces[i].Notes, err.Error())
			continue
		}
		h.conn = c
	}
	return hs, t, nil
}

// pids returns the processes in /proc, in increasing order.
func pids() []int {
	des, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, de := range des {
		if pid, err := strconv.Atoi(de.Name()); err == nil && pid > 0 {
			out = append(out, pid)
		}
	}
	sort.Ints(out)
	return out
}

// read lists the namespace's links, addresses, routes, forwarding and NAT.
func read(n *Namespace, h *nsHandle, opt Options) error {
	if h.conn == nil {
		return nil
	}
	skip := rtnl.ExtFilterSkipStats
	links, err := h.conn.DumpLinks(&rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{ExtMask: &skip}})
	if err != nil {
		return err
	}
	addrs, err := h.conn.Addrs(rtnl.FamilyUnspec, 0)
	if err != nil {
		return err
	}
	routes, err := h.conn.Routes(rtnl.RouteFilter{})
	if err != nil {
		return err
	}
	n.Links = make([]Link, 0, len(links))
	for i := range links {
		n.Links = append(n.Links, newLink(&links[i]))
	}
	sort.Slice(n.Links, func(i, j int) bool { return n.Links[i].Index < n.Links[j].Index })
	for i := range n.Links {
		// As ip: M-DOWN on a link whose peer or lower device in the same
		// namespace is down.
		l := &n.Links[i]
		if l.Peer != 0 && l.PeerNSID == nil {
			if p := n.link(l.Peer); p != nil && !slices.Contains(p.Flags, "UP") {
				l.Flags = append(l.Flags, "M-DOWN")
			}
		}
	}
	for i := range addrs {
		a := &addrs[i]
		if l := n.link(a.Index); l != nil {
			l.Addrs = append(l.Addrs, newAddr(a))
		}
	}
	for i := range routes {
		if r, ok := newRoute(n, &routes[i]); ok {
			n.Routes = append(n.Routes, r)
		}
	}
	if on, err := h.conn.Forwarding(rtnl.FamilyInet); err == nil {
		n.IPv4Forwarding = &on
	}
	if on, err := h.conn.Forwarding(rtnl.FamilyInet6); err == nil {
		n.IPv6Forwarding = &on
	}
	n.NAT, err = readNAT(h, opt, n.ID)
	if err != nil {
		n.Notes = append(n.Notes, "nat: "+err.Error())
	}
	return nil
}

// readNAT lists nsnet's NAT objects in the namespace.
func readNAT(h *nsHandle, opt Options, id string) ([]NAT, error) {
	c, err := nat.Dial(&nat.Config{NetNS: h.fd(), Trace: opt.Trace, TraceHex: opt.TraceHex, TraceNS: id, Capture: opt.Capture})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	entries, err := c.List()
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var out []NAT
	for _, e := range entries {
		out = append(out, newNAT(e))
	}
	return out, nil
}

func newLink(m *rtnl.LinkMessage) Link {
	a := &m.Attrs
	l := Link{
		Index:    m.Index,
		Name:     a.Name,
		Flags:    m.Flags.Names(),
		LinkType: m.Type.String(),
	}
	if a.MTU != nil {
		l.MTU = *a.MTU
	}
	l.OperState = "UNKNOWN"
	if a.OperState != nil {
		l.OperState = a.OperState.String()
	}
	if len(a.Address) > 0 {
		l.Address = a.Address.String()
	}
	if a.Master != nil {
		l.Master = *a.Master
	}
	if a.Link != nil && *a.Link != 0 && (*a.Link != m.Index || a.LinkNetNSID != nil) {
		l.Peer = *a.Link
	}
	if a.LinkNetNSID != nil {
		id := *a.LinkNetNSID
		l.PeerNSID = &id
	}
	if a.Info != nil {
		l.Kind, l.SlaveKind = a.Info.Kind, a.Info.SlaveKind
		if v, ok := a.Info.Data.(*rtnl.Vxlan); ok && v.Link != nil {
			l.VxlanLower = *v.Link
		}
	}
	return l
}

func newAddr(a *rtnl.AddrMessage) Addr {
	out := Addr{Family: a.Family.String(), PrefixLen: a.PrefixLen, Scope: a.Scope.String(), Broadcast: a.Attrs.Broadcast}
	out.Local = a.Attrs.Local
	if !out.Local.IsValid() {
		out.Local = a.Attrs.Address
	} else if a.Attrs.Address.IsValid() && a.Attrs.Address != a.Attrs.Local {
		out.Peer = a.Attrs.Address
	}
	return out
}

// newRoute keeps the routes an address does not imply: not the kernel's
// own (protocol kernel: connected prefixes, IPv6 link-local and
// multicast), not the local table's, not broadcast or local ones.
func newRoute(n *Namespace, m *rtnl.RouteMessage) (Route, bool) {
	switch {
	case m.Table == rtnl.TableLocal, m.Protocol == rtnl.ProtoKernel,
		m.Type == rtnl.RouteLocal, m.Type == rtnl.RouteBroadcast, m.Type == rtnl.RouteMulticast,
		m.Flags&rtnl.RouteCloned != 0:
		return Route{}, false
	}
	r := Route{
		Gateway:  m.Attrs.Gateway,
		Protocol: m.Protocol.String(),
		Scope:    m.Scope.String(),
		PrefSrc:  m.Attrs.PrefSrc,
		Metric:   m.Attrs.Priority,
		Family:   m.Family.String(),
	}
	switch {
	case m.Dst.Bits() == 0 || !m.Dst.IsValid():
		r.Dst = "default"
	case m.Dst.IsSingleIP():
		r.Dst = m.Dst.Addr().String() // as ip prints a host route
	default:
		r.Dst = m.Dst.String()
	}
	if m.Table != rtnl.TableMain {
		r.Table = m.Table.String()
	}
	if m.Type != rtnl.RouteUnicast {
		r.Type = m.Type.String()
	}
	if m.Attrs.OIF != nil {
		if l := n.link(*m.Attrs.OIF); l != nil {
			r.Dev = l.Name
		} else {
			r.Dev = "if" + strconv.FormatUint(uint64(*m.Attrs.OIF), 10)
		}
	}
	return r, true
}

func newNAT(e nat.Entry) NAT {
	out := NAT{Intact: e.Intact, Packets: e.Packets, Bytes: e.Bytes}
	switch o := e.Object.(type) {
	case nat.Masquerade:
		out.Kind, out.Source, out.Out = "masquerade", o.Source.Masked(), o.OutIface
	case nat.Forward:
		out.Kind, out.A, out.B = "forward", o.A, o.B
	case nat.Publish:
		out.Kind, out.Proto, out.Listen, out.To, out.In = "publish", o.Proto.String(), o.Listen, o.To, o.InIface
		if out.Proto == "" {
			out.Proto = nat.TCP.String()
		}
	case nil:
		out.Kind = "rule"
		if len(e.Rules) > 0 {
			out.Object = "rule " + e.Rules[0].Chain + ": " + nat.Describe(e.Rules[0].Exprs)
		}
		return out
	}
	out.Object = e.Object.String()
	return out
}

// edges pairs the links: veth ends, bridge ports, lower devices.
func edges(t *Topology, hs []*nsHandle) []Edge {
	var out []Edge
	seenVeth := map[[2]End]bool{}
	for i, n := range t.Namespaces {
		for j := range n.Links {
			l := &n.Links[j]
			here := End{NS: i, Index: l.Index}
			if l.Master != 0 {
				if m := n.link(l.Master); m != nil {
					k := "master" // a bond, a team, a VRF
					if m.Kind == "bridge" {
						k = "bridge"
					}
					out = append(out, Edge{Kind: k, A: End{NS: i, Index: m.Index}, B: here})
				}
			}
			lower, nsid := l.Peer, l.PeerNSID
			if l.Kind == "vxlan" {
				lower = l.VxlanLower // IFLA_LINK is the vxlan itself
			}
			if lower == 0 {
				continue
			}
			other := End{NS: i, Index: lower}
			if nsid != nil {
				other.NS = resolve(t, hs, i, *nsid, l)
			}
			if l.Kind == "veth" {
				a, b := here, other
				if b.NS >= 0 && (b.NS < a.NS || b.NS == a.NS && b.Index < a.Index) {
					a, b = b, a
				}
				k := [2]End{a, b}
				if seenVeth[k] {
					continue
				}
				seenVeth[k] = true
				if nsid != nil {
					a, b = fixNSIDs(t, a, b)
				}
				out = append(out, Edge{Kind: "veth", A: a, B: b})
				continue
			}
			if nsid != nil {
				other.NSID = nsid
			}
			out = append(out, Edge{Kind: l.Kind, A: other, B: here})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].A, out[j].A
		if a.NS != b.NS {
			return a.NS < b.NS
		}
		return a.Index < b.Index
	})
	return out
}

// fixNSIDs sets each end's NSID to how the other end's namespace numbers
// it: End.NSID of a is the id b's namespace gave a's (b's IFLA_LINK_NETNSID).
func fixNSIDs(t *Topology, a, b End) (End, End) {
	a.NSID, b.NSID = nil, nil
	if la := t.Link(a); la != nil && la.PeerNSID != nil {
		b.NSID = la.PeerNSID
	}
	if lb := t.Link(b); lb != nil && lb.PeerNSID != nil {
		a.NSID = lb.PeerNSID
	}
	return a, b
}

// resolve returns the index of the namespace that namespace i numbers
// nsid, or -1 if the topology does not hold it. l is the link of i that
// reported nsid: namespaces with a veth at l's peer index pointing back at
// l are asked first.
func resolve(t *Topology, hs []*nsHandle, i int, nsid int32, l *Link) int {
	h := hs[i]
	if j, ok := h.nsids[nsid]; ok {
		return j
	}
	if h.conn == nil {
		return -1
	}
	var likely, rest []int
	for j, n := range t.Namespaces {
		if j == i || hs[j].conn == nil {
			continue
		}
		if p := n.link(l.Peer); p != nil && p.Peer == l.Index && p.PeerNSID != nil {
			likely = append(likely, j)
		} else {
			rest = append(rest, j)
		}
	}
	for _, j := range append(likely, rest...) {
		id, err := h.conn.NSID(hs[j].ns.Fd())
		if err != nil || id == rtnl.NSIDNone {
			continue
		}
		if _, ok := h.nsids[int32(id)]; !ok {
			h.nsids[int32(id)] = j
		}
		if int32(id) == nsid {
			return j
		}
	}
	h.nsids[nsid] = -1
	return -1
}

// errBadFormat is returned by Render for a format it does not know.
var errBadFormat = errors.New("unknown format")

// Formats are the output forms Render takes.
var Formats = []string{"text", "json", "dot", "mermaid", "svg"}

// Render writes t to w in format f ("text", "json", "dot", "mermaid",
// "svg"); pretty indents JSON.
func Render(w io.Writer, t *Topology, f string, pretty bool) error {
	switch f {
	case "text", "":
		return t.WriteText(w)
	case "json":
		return t.WriteJSON(w, pretty)
	case "dot":
		return t.WriteDot(w)
	case "mermaid":
		return t.WriteMermaid(w)
	case "svg":
		return t.WriteSVG(w)
	}
	return fmt.Errorf("%w %q (want %s)", errBadFormat, f, strings.Join(Formats, ", "))
}

// devName is a link's name, or "ifN" for a link Gather did not see.
func (t *Topology) devName(e End) string {
	if l := t.Link(e); l != nil {
		return l.Name
	}
	return "if" + strconv.FormatUint(uint64(e.Index), 10)
}

// nsLabel is the label of an end's namespace, or "netnsid N" for one
// outside the topology.
func (t *Topology) nsLabel(e End, other End) string {
	if e.NS >= 0 {
		return t.Namespaces[e.NS].Label()
	}
	if e.NSID != nil {
		return "netnsid " + strconv.Itoa(int(*e.NSID)) + " of " + t.Namespaces[other.NS].Label()
	}
	return "?"
}
