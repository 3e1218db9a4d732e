package cni

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nsnet/nsnet/nat"
	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/plan"
	"github.com/nsnet/nsnet/rtnl"
)

// hostVethName is the host end of a container's veth: derived from the
// attachment's key, so that DEL finds it without any state and two ADDs
// of one attachment collide instead of making two.
func hostVethName(id, ifname string) string {
	h := fnv.New64a()
	h.Write([]byte(id + "\x00" + ifname))
	return "veth" + hex.EncodeToString(h.Sum(nil)[:4])
}

// natPrefix starts the NAT attachment ids of this face and network:
// "<length of the name>_<network name>_" for the main plugins (bridge,
// ptp, nsnet), with a "p" before it for portmap. The rules of one
// container and interface in two networks, or from the main plugin and
// portmap, so have keys of their own, and GC of one network never touches
// another's (container ids and network names may both contain '.', '_'
// and '-': the length makes the split unambiguous).
func (r *run) natPrefix() string {
	p := strconv.Itoa(len(r.conf.Name)) + "_" + r.conf.Name + "_"
	if r.face == "portmap" {
		p = "p" + p
	}
	return p
}

// natKey is the NAT attachment key of this face's rules for a CNI
// attachment.
func (r *run) natKey(id, ifname string) nat.AttachmentKey {
	return nat.AttachmentKey{ID: r.natPrefix() + strings.TrimSpace(id), IfName: ifname}
}

// natAttachment is what the face puts in nf_tables for a container with
// addresses ips: masquerade (bridge and ptp ipMasq, nsnet masquerade) and
// port mappings (nsnet's portMappings, portmap's runtimeConfig ones, to
// the first address of each family), tagged with natKey.
func (r *run) natAttachment(ips []IPConfig) (nat.Attachment, error) {
	c := r.conf
	k := r.natKey(r.env.ContainerID, r.env.IfName)
	a := nat.Attachment{ID: k.ID, IfName: k.IfName}
	var addrs []netip.Addr
	for _, ipc := range ips {
		addrs = append(addrs, ipc.Address.Addr())
		if r.face != "portmap" && (c.IPMasq || c.Masquerade) {
			a.Masquerade = append(a.Masquerade, netip.PrefixFrom(ipc.Address.Addr(), ipc.Address.Addr().BitLen()))
			a.MasqueradeExclude = append(a.MasqueradeExclude, ipc.Address.Masked())
		}
	}
	var ports []PortMapping
	switch r.face {
	case "nsnet":
		ports = append(append(ports, c.Ports...), c.RuntimeConfig.PortMappings...)
		a.SNATHairpin = true
	case "portmap":
		ports = c.RuntimeConfig.PortMappings
		a.SNATHairpin = c.SNAT == nil || *c.SNAT
	}
	pms, err := portMaps(ports, addrs)
	if err != nil {
		return nat.Attachment{}, err
	}
	for _, p := range pms {
		a.PortMaps = append(a.PortMaps, nat.PortMap(p))
	}
	if len(a.PortMaps) == 0 {
		a.SNATHairpin = false
	}
	a.HostLocalhost = len(a.PortMaps) > 0
	return a, nil
}

func natEmpty(a nat.Attachment) bool { return len(a.Masquerade) == 0 && len(a.PortMaps) == 0 }

// hasUDP reports whether a maps a UDP port.
func hasUDP(a nat.Attachment) bool {
	for _, p := range a.PortMaps {
		if p.Proto == "udp" {
			return true
		}
	}
	return false
}

// container is an open container namespace and a connection inside it.
type container struct {
	ns   *nsfs.NS
	conn *rtnl.Conn
}

func openContainer(path string) (*container, error) {
	ns, err := nsfs.Open(path)
	if err != nil {
		return nil, err
	}
	c, err := rtnl.Dial(&rtnl.Config{NetNS: ns.Fd()})
	if err != nil {
		ns.Close()
		return nil, err
	}
	return &container{ns: ns, conn: c}, nil
}

func (c *container) Close() {
	c.conn.Close()
	c.ns.Close()
}

func notExist(err error) bool { return errors.Is(err, os.ErrNotExist) }

func ptr[T any](v T) *T { return &v }

// mainAdd is ADD for bridge, ptp and nsnet, a plan run by plan.Up in two
// stages: first the bridge (made when missing), the veth (its container
// end made inside the container's namespace in the same request, the host
// end on the bridge and up), hairpin and the IPAM reservation; then, from
// the addresses IPAM gave, the container's sysctls, addresses, link and
// routes, the host's gateway addresses and forwarding, masquerade and port
// mappings. A failure anywhere rolls back everything this ADD did.
func (r *run) mainAdd(mode string) (res *Result, err error) {
	c := r.conf
	if c.Vlan != 0 || c.VlanTrunk {
		return nil, errorf(ErrUnsupportedField, "vlan: VLAN tagging is not supported by nsnet (vlan %d)", c.Vlan)
	}
	if c.MacSpoofChk {
		return nil, errorf(ErrUnsupportedField, "macspoofchk is not supported by nsnet")
	}
	if c.HairpinMode && c.PromiscMode {
		return nil, errorf(ErrInvalidConfig, "cannot set hairpin mode and promiscuous mode at the same time")
	}
	if c.IsDefaultGateway {
		c.IsGateway = true
	}
	if mode == "ptp" && c.IPAM.Type == "" {
		return nil, errorf(ErrInvalidConfig, "ptp: ipam is required")
	}
	var mac net.HardwareAddr
	if c.RuntimeConfig.Mac != "" {
		if mac, err = net.ParseMAC(c.RuntimeConfig.Mac); err != nil {
			return nil, errorf(ErrInvalidConfig, "runtimeConfig mac %q: %v", c.RuntimeConfig.Mac, err)
		}
	}
	s := plan.NewSession(r.kernel)
	defer s.Close()
	ct := nsfs.PathRef(r.env.NetNS)
	host, err := s.Rtnl(nsfs.Self())
	if err != nil {
		return nil, errorf(ErrInternal, "%v", err)
	}
	cconn, err := s.Rtnl(ct)
	if err != nil {
		return nil, errorf(ErrInternal, "failed to open netns %q: %v", r.env.NetNS, err)
	}
	if _, err := cconn.LinkByName(r.env.IfName); err == nil {
		return nil, errorf(ErrInternal, "container veth name provided (%s) already exists", r.env.IfName)
	} else if !notExist(err) {
		return nil, errorf(ErrInternal, "%v", err)
	}

	a := &adder{ctx: r.context(), s: s, stderr: r.stderr}
	defer func() {
		if err != nil {
			a.rollback()
		}
	}()
	var mtu *uint32
	if c.MTU > 0 {
		mtu = ptr(uint32(c.MTU))
	}
	brName := c.Bridge
	if brName == "" {
		brName = "cni0"
	}
	hostName := hostVethName(r.env.ContainerID, r.env.IfName)

	// Stage 1: the links and the addresses' reservation.
	var steps []plan.Step
	veth := vethAdd{Host: hostName, Peer: r.env.IfName, PeerNS: ct, MTU: mtu, MAC: mac, ID: r.env.ContainerID}
	if mode == "bridge" {
		steps = append(steps, bridgeAdd{Name: brName, MTU: mtu, made: new(bool)}, bridgeUp{Name: brName, Promisc: c.PromiscMode})
		veth.Master = brName
	}
	steps = append(steps, veth)
	if mode == "bridge" && c.HairpinMode {
		steps = append(steps, namedStep{Step: plan.BridgePortSet{Dev: hostName, Hairpin: ptr(true)}, Name: "hairpin " + hostName})
	}
	ipr := &Result{}
	if c.IPAM.Type == "" {
		// Layer 2 only: the container end up, nothing else.
		steps = append(steps, plan.LinkSet{NS: ct, Dev: r.env.IfName, Up: ptr(true)})
	} else {
		steps = append(steps, ipamAdd{IPAM: r.ipam(), Name: "ipam " + c.IPAM.Type, Got: ipr})
	}
	if err = a.up(steps...); err != nil {
		return nil, err
	}

	res = &Result{}
	var br *rtnl.LinkMessage
	if mode == "bridge" {
		if br, err = host.LinkByName(brName); err != nil {
			return nil, err
		}
	}
	hostLink, err := host.LinkByName(hostName)
	if err != nil {
		return nil, err
	}
	contLink, err := cconn.LinkByName(r.env.IfName)
	if err != nil {
		return nil, err
	}
	hostIf := Interface{Name: hostName, Mac: hostLink.Attrs.Address.String()}
	contIf := Interface{Name: r.env.IfName, Mac: contLink.Attrs.Address.String(), Sandbox: r.env.NetNS}
	contIdx := 1
	if mode == "bridge" {
		res.Interfaces = []Interface{{Name: brName, Mac: br.Attrs.Address.String()}, hostIf, contIf}
		contIdx = 2
	} else {
		res.Interfaces = []Interface{hostIf, contIf}
	}
	if c.IPAM.Type == "" {
		return res, nil
	}
	if len(ipr.IPs) == 0 {
		return nil, errorf(ErrInternal, "IPAM plugin returned missing IP config")
	}
	res.IPs, res.Routes, res.DNS = ipr.IPs, ipr.Routes, ipr.DNS
	for i := range res.IPs {
		res.IPs[i].Interface = ptr(contIdx)
	}
	if mode == "bridge" {
		r.bridgeGateways(res)
	}
	for _, ipc := range res.IPs {
		if mode == "ptp" && !ipc.Gateway.IsValid() {
			return nil, errorf(ErrInvalidConfig, "ptp: IPAM gave %s no gateway", ipc.Address)
		}
	}
	nata, err := r.natAttachment(res.IPs)
	if err != nil {
		return nil, named("nat", err)
	}

	// Stage 2: the container's side (it goes with the veth), the host's
	// side, NAT.
	steps = r.containerSteps(ct, contLink.Index, res, mode == "ptp")
	fams := map[bool]bool{}
	for _, ipc := range res.IPs {
		fams[ipc.Address.Addr().Is4()] = true
	}
	switch mode {
	case "bridge":
		if c.IsGateway {
			for _, ipc := range res.IPs {
				if ipc.Gateway.IsValid() {
					gw := netip.PrefixFrom(ipc.Gateway, ipc.Address.Bits())
					steps = append(steps, bridgeAddr{Bridge: brName, Own: hostName, GW: gw, Force: c.ForceAddress})
				}
			}
			steps = append(steps, r.forwarding(fams)...)
		}
	case "ptp":
		steps = append(steps, r.forwarding(fams)...)
		name := "configure " + hostName
		for _, ipc := range res.IPs {
			bits := ipc.Address.Addr().BitLen()
			steps = append(steps,
				addrAdd{Msg: addrMsg(hostLink.Index, netip.PrefixFrom(ipc.Gateway, bits), true), ExistOK: true, Name: name},
				routeAdd{Msg: routeMsg(hostLink.Index, netip.PrefixFrom(ipc.Address.Addr(), bits), netip.Addr{}, netip.Addr{}, rtnl.ScopeHost), ExistOK: true, Name: name})
		}
	}
	if !natEmpty(nata) {
		if nata.HostLocalhost {
			iface := hostName
			if mode == "bridge" {
				iface = brName
			}
			steps = append(steps, sysctlsOn{KV: [][2]string{{ifSysctl("ipv4", iface, "route_localnet"), "1"}}, Name: "nat", set: r.sysctl()})
		}
		steps = append(steps, natAttach{A: nata, Name: "nat"})
	}
	if err = a.up(steps...); err != nil {
		return nil, err
	}
	if mode == "bridge" {
		if br, err := host.LinkByName(brName); err == nil {
			res.Interfaces[0].Mac = br.Attrs.Address.String()
		}
	}
	// Until the kernel sees the carrier (its link watch runs up to a
	// second late) the veth drops what is sent, so wait for both ends.
	waitOperUp(cconn, contLink.Index)
	waitOperUp(host, hostLink.Index)
	if !c.DNS.empty() {
		res.DNS = c.DNS
	}
	return res, nil
}

// context is the context ADD's plan runs under.
func (r *run) context() context.Context {
	if r.ctx != nil {
		return r.ctx
	}
	return context.Background()
}

// sysctl is how steps write sysctls.
func (r *run) sysctl() sysctlFunc {
	if r.setSysctl != nil {
		return r.setSysctl
	}
	return setSysctlNS
}

// waitOperUp waits up to two seconds for link index to be operationally
// up.
func waitOperUp(c *rtnl.Conn, index uint32) {
	deadline := time.Now().Add(2 * time.Second)
	for d := time.Millisecond; time.Now().Before(deadline); d = min(2*d, 50*time.Millisecond) {
		l, err := c.LinkByIndex(index)
		if err != nil || (l.Attrs.OperState != nil && *l.Attrs.OperState == rtnl.OperUp) {
			return
		}
		time.Sleep(d)
	}
}

// bridgeGateways gives each address a gateway (the subnet's first address)
// where IPAM gave none and the bridge is the gateway, and adds default
// routes through it for isDefaultGateway, as the bridge plugin does.
func (r *run) bridgeGateways(res *Result) {
	c := r.conf
	haveDefault := map[bool]bool{}
	for _, rt := range res.Routes {
		if rt.Dst.Bits() == 0 && rt.GW.IsValid() {
			haveDefault[rt.Dst.Addr().Is4()] = true
		}
	}
	for i := range res.IPs {
		ipc := &res.IPs[i]
		v4 := ipc.Address.Addr().Is4()
		if !ipc.Gateway.IsValid() && c.IsGateway {
			ipc.Gateway = ipc.Address.Masked().Addr().Next()
		}
		if c.IsDefaultGateway && !haveDefault[v4] {
			dst := netip.PrefixFrom(netip.IPv6Unspecified(), 0)
			if v4 {
				dst = netip.PrefixFrom(netip.IPv4Unspecified(), 0)
			}
			res.Routes = append(res.Routes, Route{Dst: dst, GW: ipc.Gateway})
			haveDefault[v4] = true
		}
	}
}

func addrMsg(index uint32, p netip.Prefix, nodad bool) *rtnl.AddrMessage {
	m := &rtnl.AddrMessage{Family: rtnl.FamilyOf(p.Addr()), PrefixLen: uint8(p.Bits()), Index: index,
		Attrs: rtnl.AddrAttrs{Local: p.Addr(), Address: p.Addr()}}
	if nodad {
		m.Flags |= rtnl.AddrNoDAD
	}
	if p.Addr().Is4() && p.Bits() < 31 {
		m.Attrs.Broadcast = lastAddr(p)
	}
	return m
}

// forwarding is the steps that turn on forwarding for the families in
// fams (true: IPv4) in the host's namespace.
func (r *run) forwarding(fams map[bool]bool) []plan.Step {
	var steps []plan.Step
	if fams[true] {
		steps = append(steps, sysctlsOn{KV: [][2]string{{"net/ipv4/ip_forward", "1"}}, Fail: "could not enable IP forwarding", set: r.sysctl()})
	}
	if fams[false] {
		steps = append(steps, sysctlsOn{KV: [][2]string{{ifSysctl("ipv6", "all", "forwarding"), "1"}}, Fail: "could not enable IPv6 forwarding", set: r.sysctl()})
	}
	return steps
}

// containerSteps give the container's interface (index, in namespace
// ct) its addresses, bring it up and add the routes (through the
// family's gateway where a route names none). For ptp the subnet is
// reached through the gateway: no prefix route, a link route to the
// gateway and the subnet via it. Everything they make goes with the
// interface.
func (r *run) containerSteps(ct nsfs.Ref, index uint32, res *Result, ptp bool) []plan.Step {
	ifname := ""
	v6 := false
	for _, ipc := range res.IPs {
		v6 = v6 || ipc.Address.Addr().Is6()
	}
	for _, i := range res.Interfaces {
		if i.Sandbox != "" {
			ifname = i.Name
		}
	}
	name := "configure " + ifname
	kv := [][2]string{{ifSysctl("ipv4", ifname, "arp_notify"), "1"}}
	if v6 {
		kv = append(kv, [2]string{ifSysctl("ipv6", "lo", "disable_ipv6"), "0"}, [2]string{ifSysctl("ipv6", ifname, "disable_ipv6"), "0"},
			[2]string{ifSysctl("ipv6", ifname, "accept_dad"), "0"}, [2]string{ifSysctl("ipv6", ifname, "keep_addr_on_down"), "1"})
	}
	steps := []plan.Step{sysctlsOn{NS: ct, KV: kv, Optional: true, Name: name, set: r.sysctl()}}
	gws := map[bool]netip.Addr{}
	for _, ipc := range res.IPs {
		m := addrMsg(index, ipc.Address, true)
		if ptp {
			m.Flags |= rtnl.AddrNoPrefixRoute
		}
		steps = append(steps, addrAdd{NS: ct, Msg: m, Name: name})
		v4 := ipc.Address.Addr().Is4()
		if _, ok := gws[v4]; !ok && ipc.Gateway.IsValid() {
			gws[v4] = ipc.Gateway
		}
	}
	steps = append(steps, namedStep{Step: plan.LinkSet{NS: ct, Dev: ifname, Up: ptr(true)}, Name: name})
	if ptp {
		for _, ipc := range res.IPs {
			bits := ipc.Address.Addr().BitLen()
			steps = append(steps,
				routeAdd{NS: ct, Msg: routeMsg(index, netip.PrefixFrom(ipc.Gateway, bits), netip.Addr{}, ipc.Address.Addr(), rtnl.ScopeLink), Name: name},
				routeAdd{NS: ct, Msg: routeMsg(index, ipc.Address.Masked(), ipc.Gateway, ipc.Address.Addr(), rtnl.ScopeUniverse), ExistOK: true, Name: name})
		}
	}
	for _, rt := range res.Routes {
		gw := rt.GW
		if !gw.IsValid() {
			gw = gws[rt.Dst.Addr().Is4()]
		}
		scope := rtnl.ScopeUniverse
		if !gw.IsValid() {
			scope = rtnl.ScopeLink
		}
		if rt.Scope != nil {
			scope = rtnl.Scope(*rt.Scope)
		}
		m := routeMsg(index, rt.Dst, gw, netip.Addr{}, scope)
		if rt.Priority > 0 {
			m.Attrs.Priority = ptr(uint32(rt.Priority))
		}
		if rt.Table != nil {
			m.Table = rtnl.Table(*rt.Table)
		}
		if rt.MTU > 0 || rt.AdvMSS > 0 {
			m.Attrs.Metrics = &rtnl.RouteMetrics{}
			if rt.MTU > 0 {
				m.Attrs.Metrics.MTU = ptr(uint32(rt.MTU))
			}
			if rt.AdvMSS > 0 {
				m.Attrs.Metrics.AdvMSS = ptr(uint32(rt.AdvMSS))
			}
		}
		// A route given twice (IPAM's default route and the bridge's) is
		// one route, as for the reference plugins.
		steps = append(steps, routeAdd{NS: ct, Msg: m, ExistOK: true, Name: name, Desc: fmt.Sprintf("route %s via %s", rt.Dst, gw)})
	}
	return steps
}

func routeMsg(index uint32, dst netip.Prefix, gw, src netip.Addr, scope rtnl.Scope) *rtnl.RouteMessage {
	return &rtnl.RouteMessage{Family: rtnl.FamilyOf(dst.Addr()), Dst: dst, Table: rtnl.TableMain,
		Protocol: rtnl.ProtoBoot, Scope: scope, Type: rtnl.RouteUnicast,
		Attrs: rtnl.RouteAttrs{OIF: ptr(index), Gateway: gw, PrefSrc: src}}
}

// withNAT runs fn on a nf_tables connection in the calling namespace.
func withNAT(fn func(*nat.Conn) error) error {
	n, err := nat.Dial(nil)
	if err != nil {
		return err
	}
	defer n.Close()
	return fn(n)
}

// mainDel is DEL for bridge, ptp and nsnet: the container's interface (and
// with it the veth) when the namespace is still there, the host end by
// its derived name, the IP reservations and the NAT rules, each of which
// may already be gone.
func (r *run) mainDel() error {
	var errs []error
	deleted := false
	if r.env.NetNS != "" {
		ct, err := openContainer(r.env.NetNS)
		switch {
		case err == nil:
			err := ct.conn.DeleteLink(&rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Name: r.env.IfName}})
			if err != nil && !notExist(err) {
				errs = append(errs, err)
			}
			deleted = err == nil
			ct.Close()
		case notExist(err) || errors.Is(err, nsfs.ErrNotNamespace):
			// The namespace is gone, and the veth with it.
		default:
			errs = append(errs, err)
		}
	}
	// The host end goes with the container's; look for it only when
	// that was not there (its name says which attachment it belongs to).
	if !deleted {
		if host, err := rtnl.Dial(nil); err == nil {
			if err := host.DeleteLink(&rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Name: hostVethName(r.env.ContainerID, r.env.IfName)}}); err != nil && !notExist(err) {
				errs = append(errs, err)
			}
			host.Close()
		} else {
			errs = append(errs, err)
		}
	}
	if r.conf.IPAM.Type != "" {
		if err := r.ipam().del(); err != nil {
			errs = append(errs, err)
		}
	}
	if r.conf.IPMasq || r.conf.Masquerade || len(r.conf.Ports) > 0 || len(r.conf.RuntimeConfig.PortMappings) > 0 {
		if err := withNAT(func(n *nat.Conn) error {
			k := r.natKey(r.env.ContainerID, r.env.IfName)
			return n.DelAttachment(k.ID, k.IfName)
		}); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// mainCheck is CHECK: the container's interface is there with the
// addresses of prevResult, and IPAM still holds them.
func (r *run) mainCheck() error {
	if r.conf.PrevResult == nil {
		return errorf(ErrInvalidConfig, "CHECK: required prevResult missing")
	}
	prev, _, err := resultFrom(r.conf.PrevResult, "prevResult")
	if err != nil {
		return err
	}
	ct, err := openContainer(r.env.NetNS)
	if err != nil {
		return errorf(ErrInternal, "failed to open netns %q: %v", r.env.NetNS, err)
	}
	defer ct.Close()
	l, err := ct.conn.LinkByName(r.env.IfName)
	if err != nil {
		return errorf(ErrInternal, "CHECK: %v", err)
	}
	have := map[netip.Prefix]bool{}
	for _, fam := range []rtnl.Family{rtnl.FamilyInet, rtnl.FamilyInet6} {
		addrs, err := ct.conn.Addrs(fam, l.Index)
		if err != nil {
			return err
		}
		for _, a := range addrs {
			have[a.Prefix()] = true
		}
	}
	for _, ipc := range prev.IPs {
		if !have[ipc.Address] {
			return errorf(ErrInternal, "CHECK: %s has no address %s", r.env.IfName, ipc.Address)
		}
	}
	if r.conf.IPAM.Type != "" {
		if err := r.ipam().check(); err != nil {
			return err
		}
	}
	return r.checkNAT(prev)
}

// checkNAT verifies that the face's NAT rules for prev's addresses are in
// nf_tables exactly as ADD put them.
func (r *run) checkNAT(prev *Result) error {
	a, err := r.natAttachment(prev.IPs)
	if err != nil || natEmpty(a) {
		return err
	}
	if err := withNAT(func(n *nat.Conn) error { return n.CheckAttachment(a) }); err != nil {
		return errorf(ErrInternal, "CHECK: NAT rules of %s/%s: %v", r.env.ContainerID, r.env.IfName, err)
	}
	return nil
}
