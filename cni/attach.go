package cni

import (
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

// mainAdd is ADD for bridge, ptp and nsnet: veth (on the bridge), IPAM,
// addresses and routes in the container, gateway addresses and forwarding
// on the host, masquerade and port mappings; rolled back as a whole on
// failure.
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
	host, err := rtnl.Dial(nil)
	if err != nil {
		return nil, errorf(ErrInternal, "%v", err)
	}
	defer host.Close()
	ct, err := openContainer(r.env.NetNS)
	if err != nil {
		return nil, errorf(ErrInternal, "failed to open netns %q: %v", r.env.NetNS, err)
	}
	defer ct.Close()
	if _, err := ct.conn.LinkByName(r.env.IfName); err == nil {
		return nil, errorf(ErrInternal, "container veth name provided (%s) already exists", r.env.IfName)
	} else if !notExist(err) {
		return nil, errorf(ErrInternal, "%v", err)
	}

	var plan Plan
	defer func() {
		if err != nil {
			if rerr := plan.Rollback(); rerr != nil {
				fmt.Fprintf(r.stderr, "nsnet: rollback: %v\n", rerr)
			}
		}
	}()
	res = &Result{}
	var mtu *uint32
	if c.MTU > 0 {
		mtu = ptr(uint32(c.MTU))
	}

	// The bridge: made (and on failure removed) when missing.
	brName := c.Bridge
	if brName == "" {
		brName = "cni0"
	}
	var br *rtnl.LinkMessage
	if mode == "bridge" {
		if err = plan.Do(r.ensureBridge(host, brName, mtu)); err != nil {
			return nil, err
		}
		if br, err = host.LinkByName(brName); err != nil {
			return nil, err
		}
	}

	// The veth: its container end made inside the container's namespace
	// in the same request, the host end on the bridge and up.
	hostName := hostVethName(r.env.ContainerID, r.env.IfName)
	peer := &rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Name: r.env.IfName, NetNSFD: ptr(uint32(ct.ns.Fd())), MTU: mtu}}
	if r.conf.RuntimeConfig.Mac != "" {
		hw, perr := net.ParseMAC(r.conf.RuntimeConfig.Mac)
		if perr != nil {
			return nil, errorf(ErrInvalidConfig, "runtimeConfig mac %q: %v", r.conf.RuntimeConfig.Mac, perr)
		}
		peer.Attrs.Address = hw
	}
	veth := &rtnl.LinkMessage{Flags: rtnl.LinkUp, Change: rtnl.LinkUp, Attrs: rtnl.LinkAttrs{
		Name: hostName, MTU: mtu, Info: &rtnl.LinkInfo{Kind: "veth", Data: &rtnl.Veth{Peer: peer}}}}
	if br != nil {
		veth.Attrs.Master = ptr(br.Index)
	}
	err = plan.Do(Step{Name: "veth " + hostName,
		Apply: func() error {
			if err := host.AddLink(veth); err != nil {
				if errors.Is(err, os.ErrExist) {
					return fmt.Errorf("attachment %s/%s exists (host link %s)", r.env.ContainerID, r.env.IfName, hostName)
				}
				return err
			}
			return nil
		},
		Undo: func() error {
			return ignoreNotExist(host.DeleteLink(&rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Name: hostName}}))
		},
	})
	if err != nil {
		return nil, err
	}
	hostLink, err := host.LinkByName(hostName)
	if err != nil {
		return nil, err
	}
	contLink, err := ct.conn.LinkByName(r.env.IfName)
	if err != nil {
		return nil, err
	}
	if mode == "bridge" && c.HairpinMode {
		if err = plan.Do(Step{Name: "hairpin " + hostName, Apply: func() error {
			return host.SetBridgePort(hostLink.Index, rtnl.BridgePort{Hairpin: ptr(true)})
		}}); err != nil {
			return nil, err
		}
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
		// Layer 2 only: the container end up, nothing else.
		if err = ct.conn.SetLink(&rtnl.LinkMessage{Index: contLink.Index, Flags: rtnl.LinkUp, Change: rtnl.LinkUp}); err != nil {
			return nil, err
		}
		return res, nil
	}

	// IPAM.
	var ipr *Result
	err = plan.Do(Step{Name: "ipam " + c.IPAM.Type,
		Apply: func() error {
			var err error
			ipr, err = r.ipam().add()
			return err
		},
		Undo: func() error { return r.ipam().del() },
	})
	if err != nil {
		return nil, err
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

	// The container's side: nothing to undo, the veth takes it along.
	if err = configureContainer(ct, contLink.Index, res, mode == "ptp"); err != nil {
		return nil, wrapStep("configure "+r.env.IfName, err)
	}

	// The host's side.
	fams := map[bool]bool{}
	for _, ipc := range res.IPs {
		fams[ipc.Address.Addr().Is4()] = true
	}
	switch mode {
	case "bridge":
		if c.IsGateway {
			for _, ipc := range res.IPs {
				if !ipc.Gateway.IsValid() {
					continue
				}
				gw := netip.PrefixFrom(ipc.Gateway, ipc.Address.Bits())
				if err = plan.Do(r.bridgeAddr(host, br.Index, brName, hostName, gw)); err != nil {
					return nil, err
				}
			}
			if err = enableForwarding(fams); err != nil {
				return nil, err
			}
		}
		if br, err = host.LinkByName(brName); err == nil {
			res.Interfaces[0].Mac = br.Attrs.Address.String()
		}
	case "ptp":
		if err = enableForwarding(fams); err != nil {
			return nil, err
		}
		for _, ipc := range res.IPs {
			if err = configurePTPHost(host, hostLink.Index, ipc); err != nil {
				return nil, wrapStep("configure "+hostName, err)
			}
		}
	}

	// NAT.
	if err = plan.Do(r.natStep(res, brName, hostName, mode)); err != nil {
		return nil, err
	}
	// Until the kernel sees the carrier (its link watch runs up to a
	// second late) the veth drops what is sent, so wait for both ends.
	waitOperUp(ct.conn, contLink.Index)
	waitOperUp(host, hostLink.Index)
	if !c.DNS.empty() {
		res.DNS = c.DNS
	}
	return res, nil
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

func ignoreNotExist(err error) error {
	if notExist(err) {
		return nil
	}
	return err
}

// ensureBridge makes the bridge when it is missing (up, with a fixed MAC
// so that it does not follow its ports), and refuses a link of that name
// that is no bridge. Undo removes it only when this step made it.
func (r *run) ensureBridge(host *rtnl.Conn, name string, mtu *uint32) Step {
	created := false
	return Step{Name: "bridge " + name,
		Apply: func() error {
			l, err := host.Link(&rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Name: name}})
			if err == nil {
				if l.Attrs.Info == nil || l.Attrs.Info.Kind != "bridge" {
					return fmt.Errorf("%q already exists but is not a bridge", name)
				}
			} else if notExist(err) {
				m := &rtnl.LinkMessage{Flags: rtnl.LinkUp, Change: rtnl.LinkUp, Attrs: rtnl.LinkAttrs{
					Name: name, MTU: mtu, Info: &rtnl.LinkInfo{Kind: "bridge"}}}
				if err := host.AddLink(m); err != nil && !errors.Is(err, os.ErrExist) {
					return err
				} else if err == nil {
					created = true
				}
				if l, err = host.LinkByName(name); err != nil {
					return err
				}
				// Pin the bridge's address: otherwise it takes its ports'
				// lowest and changes as containers come and go.
				if err := host.SetLink(&rtnl.LinkMessage{Index: l.Index, Attrs: rtnl.LinkAttrs{Address: l.Attrs.Address}}); err != nil {
					return err
				}
			} else {
				return err
			}
			set := &rtnl.LinkMessage{Index: l.Index, Flags: rtnl.LinkUp, Change: rtnl.LinkUp}
			if r.conf.PromiscMode {
				set.Flags |= rtnl.LinkPromisc
				set.Change |= rtnl.LinkPromisc
			}
			return host.SetLink(set)
		},
		Undo: func() error {
			if !created {
				return nil
			}
			return ignoreNotExist(host.DeleteLink(&rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Name: name}}))
		},
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

// bridgeAddr puts a gateway address on the bridge. An address of the same
// family already there (IPv4), or overlapping (IPv6), is an error unless
// forceAddress replaces it. Undo removes the address this step added,
// unless the bridge has other ports than own (whose containers may have
// come meanwhile and use it).
func (r *run) bridgeAddr(host *rtnl.Conn, index uint32, name, own string, gw netip.Prefix) Step {
	added := false
	fam := rtnl.FamilyOf(gw.Addr())
	return Step{Name: "address " + gw.String() + " on " + name,
		Apply: func() error {
			addrs, err := host.Addrs(fam, index)
			if err != nil {
				return err
			}
			for _, a := range addrs {
				p := a.Prefix()
				if p == gw {
					return nil
				}
				if a.Scope == rtnl.ScopeLink {
					continue
				}
				if fam == rtnl.FamilyInet || p.Overlaps(gw) {
					if !r.conf.ForceAddress {
						return fmt.Errorf("%q already has an IP address different from %v", name, gw)
					}
					if err := host.DeleteAddr(&a); err != nil {
						return err
					}
				}
			}
			m := addrMsg(index, gw, fam == rtnl.FamilyInet6)
			if err := host.AddAddr(m); err != nil {
				if errors.Is(err, os.ErrExist) {
					return nil
				}
				return err
			}
			added = true
			return nil
		},
		Undo: func() error {
			if !added {
				return nil
			}
			links, err := host.Links()
			if err != nil {
				return err
			}
			for _, l := range links {
				if l.Attrs.Master != nil && *l.Attrs.Master == index && l.Attrs.Name != own {
					return nil
				}
			}
			return ignoreNotExist(host.DeleteAddr(addrMsg(index, gw, false)))
		},
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

// enableForwarding turns on forwarding for the families in fams (true:
// IPv4) in the host's namespace.
func enableForwarding(fams map[bool]bool) error {
	if fams[true] {
		if err := setSysctl("net/ipv4/ip_forward", "1"); err != nil {
			return errorf(ErrInternal, "could not enable IP forwarding: %v", err)
		}
	}
	if fams[false] {
		if err := setSysctl(ifSysctl("ipv6", "all", "forwarding"), "1"); err != nil {
			return errorf(ErrInternal, "could not enable IPv6 forwarding: %v", err)
		}
	}
	return nil
}

// configureContainer gives the container's interface its addresses, brings
// it up and adds the routes (through the family's gateway where a route
// names none). For ptp the subnet is reached through the gateway: no
// prefix route, a link route to the gateway and the subnet via it.
func configureContainer(ct *container, index uint32, res *Result, ptp bool) error {
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
	kv := [][2]string{{ifSysctl("ipv4", ifname, "arp_notify"), "1"}}
	if v6 {
		kv = append(kv, [2]string{ifSysctl("ipv6", "lo", "disable_ipv6"), "0"}, [2]string{ifSysctl("ipv6", ifname, "disable_ipv6"), "0"},
			[2]string{ifSysctl("ipv6", ifname, "accept_dad"), "0"}, [2]string{ifSysctl("ipv6", ifname, "keep_addr_on_down"), "1"})
	}
	if err := setSysctlsIn(ct.ns, kv, true); err != nil {
		return err
	}
	gws := map[bool]netip.Addr{}
	for _, ipc := range res.IPs {
		m := addrMsg(index, ipc.Address, true)
		if ptp {
			m.Flags |= rtnl.AddrNoPrefixRoute
		}
		if err := ct.conn.AddAddr(m); err != nil {
			return err
		}
		v4 := ipc.Address.Addr().Is4()
		if _, ok := gws[v4]; !ok && ipc.Gateway.IsValid() {
			gws[v4] = ipc.Gateway
		}
	}
	if err := ct.conn.SetLink(&rtnl.LinkMessage{Index: index, Flags: rtnl.LinkUp, Change: rtnl.LinkUp}); err != nil {
		return err
	}
	if ptp {
		for _, ipc := range res.IPs {
			bits := ipc.Address.Addr().BitLen()
			if err := ct.conn.AddRoute(routeMsg(index, netip.PrefixFrom(ipc.Gateway, bits), netip.Addr{}, ipc.Address.Addr(), rtnl.ScopeLink)); err != nil {
				return err
			}
			if err := ct.conn.AddRoute(routeMsg(index, ipc.Address.Masked(), ipc.Gateway, ipc.Address.Addr(), rtnl.ScopeUniverse)); err != nil && !errors.Is(err, os.ErrExist) {
				return err
			}
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
		if err := ct.conn.AddRoute(m); err != nil && !errors.Is(err, os.ErrExist) {
			return fmt.Errorf("route %s via %s: %w", rt.Dst, gw, err)
		}
	}
	return nil
}

func routeMsg(index uint32, dst netip.Prefix, gw, src netip.Addr, scope rtnl.Scope) *rtnl.RouteMessage {
	return &rtnl.RouteMessage{Family: rtnl.FamilyOf(dst.Addr()), Dst: dst, Table: rtnl.TableMain,
		Protocol: rtnl.ProtoBoot, Scope: scope, Type: rtnl.RouteUnicast,
		Attrs: rtnl.RouteAttrs{OIF: ptr(index), Gateway: gw, PrefSrc: src}}
}

// configurePTPHost gives the host end the gateway address (a host
// address) and a route to the container's address through it.
func configurePTPHost(host *rtnl.Conn, index uint32, ipc IPConfig) error {
	bits := ipc.Address.Addr().BitLen()
	if err := host.AddAddr(addrMsg(index, netip.PrefixFrom(ipc.Gateway, bits), true)); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	err := host.AddRoute(routeMsg(index, netip.PrefixFrom(ipc.Address.Addr(), bits), netip.Addr{}, netip.Addr{}, rtnl.ScopeHost))
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	return err
}

// natStep installs the attachment's masquerade and port mappings (bridge
// and ptp ipMasq, nsnet's masquerade and portMappings) in one tagged
// nf_tables transaction; nothing when the configuration asks for none.
func (r *run) natStep(res *Result, brName, hostName, mode string) Step {
	a, aerr := r.natAttachment(res.IPs)
	return Step{Name: "nat",
		Apply: func() error {
			if aerr != nil {
				return aerr
			}
			if natEmpty(a) {
				return nil
			}
			if a.HostLocalhost {
				iface := hostName
				if mode == "bridge" {
					iface = brName
				}
				if err := setSysctl(ifSysctl("ipv4", iface, "route_localnet"), "1"); err != nil {
					return err
				}
			}
			return withNAT(func(n *nat.Conn) error {
				if err := n.AddAttachment(a); err != nil {
					return err
				}
				if hasUDP(a) {
					_, err := n.DeleteStaleConntrack(a)
					return err
				}
				return nil
			})
		},
		Undo: func() error {
			if natEmpty(a) {
				return nil
			}
			return withNAT(func(n *nat.Conn) error { return n.DelAttachment(a.ID, a.IfName) })
		},
	}
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
