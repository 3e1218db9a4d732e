package cni

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// NetConf is a network configuration as a plugin receives it on stdin: the
// spec's common keys, runtimeConfig, and the keys of every face this
// package serves (bridge, ptp, portmap, nsnet); keys a face does not use
// are ignored, as the reference plugins ignore them. A key of the wrong
// JSON type is an error (code 6), as for the reference plugins.
type NetConf struct {
	CNIVersion string
	Name       string
	Type       string
	IPAM       IPAMConf
	DNS        DNS
	// PrevResult is the decoded prevResult object, nil when there is none.
	PrevResult map[string]any

	RuntimeConfig struct {
		PortMappings []PortMapping
		IPs          []string
		Mac          string
		Bandwidth    bool // present (and ignored)
		IPRanges     [][]RangeConf
	}
	// ArgsIPs is args.cni.ips.
	ArgsIPs []string
	// ValidAttachments is GC's cni.dev/valid-attachments.
	ValidAttachments []AttachmentKey

	// bridge
	Bridge           string
	IsGateway        bool
	IsDefaultGateway bool
	ForceAddress     bool
	IPMasq           bool
	MTU              int
	HairpinMode      bool
	PromiscMode      bool
	Vlan             int
	VlanTrunk        bool // present (and refused)
	MacSpoofChk      bool

	// portmap
	SNAT *bool

	// nsnet
	Mode       string
	Subnet     string
	Masquerade bool
	Ports      []PortMapping // portMappings
}

// AttachmentKey names an attachment: container id and interface name.
type AttachmentKey struct {
	ContainerID string
	IfName      string
}

// PortMapping is a runtimeConfig (or nsnet config) port mapping.
type PortMapping struct {
	HostPort      int
	ContainerPort int
	Protocol      string
	HostIP        string
}

// IPAMConf is the ipam object: host-local's and static's keys.
type IPAMConf struct {
	Type       string
	Ranges     [][]RangeConf
	Routes     []wireRoute
	DataDir    string
	ResolvConf string
	// The single range of old host-local configurations.
	RangeConf
	// static
	Addresses []StaticAddress
	DNS       DNS
}

// StaticAddress is an entry of static's addresses.
type StaticAddress struct {
	Address string
	Gateway string
}

// RangeConf is one range of host-local's ranges.
type RangeConf struct {
	Subnet     string
	RangeStart string
	RangeEnd   string
	Gateway    string
}

// ParseConf decodes stdin and checks the common keys.
func ParseConf(b []byte) (*NetConf, error) {
	v, err := parseJSON(b)
	if err != nil {
		return nil, &Error{Code: ErrDecode, Msg: "failed to decode network configuration", Details: err.Error()}
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errorf(ErrDecode, "network configuration is %s, not an object", jsonKind(v))
	}
	var jerr error
	o := jsonObj{m: m, err: &jerr}
	c := &NetConf{}
	o.str("cniVersion", &c.CNIVersion)
	o.str("name", &c.Name)
	o.str("type", &c.Type)
	c.IPAM = readIPAM(o.obj("ipam"))
	c.DNS = readDNS(o.obj("dns"))
	if o.has("prevResult") {
		c.PrevResult = o.obj("prevResult").m
	}
	rc := o.obj("runtimeConfig")
	c.RuntimeConfig.PortMappings = readPorts(rc, "portMappings")
	rc.strings("ips", &c.RuntimeConfig.IPs)
	rc.str("mac", &c.RuntimeConfig.Mac)
	c.RuntimeConfig.Bandwidth = rc.has("bandwidth")
	c.RuntimeConfig.IPRanges = readRangeSets(rc, "ipRanges")
	o.obj("args").obj("cni").strings("ips", &c.ArgsIPs)
	for _, a := range o.objects("cni.dev/valid-attachments") {
		var k AttachmentKey
		a.str("containerID", &k.ContainerID)
		a.str("ifname", &k.IfName)
		c.ValidAttachments = append(c.ValidAttachments, k)
	}
	o.str("bridge", &c.Bridge)
	o.boolean("isGateway", &c.IsGateway)
	o.boolean("isDefaultGateway", &c.IsDefaultGateway)
	o.boolean("forceAddress", &c.ForceAddress)
	o.boolean("ipMasq", &c.IPMasq)
	o.integer("mtu", &c.MTU)
	o.boolean("hairpinMode", &c.HairpinMode)
	o.boolean("promiscMode", &c.PromiscMode)
	o.integer("vlan", &c.Vlan)
	c.VlanTrunk = o.has("vlanTrunk")
	o.boolean("macspoofchk", &c.MacSpoofChk)
	o.boolPtr("snat", &c.SNAT)
	o.str("mode", &c.Mode)
	o.str("subnet", &c.Subnet)
	o.boolean("masquerade", &c.Masquerade)
	c.Ports = readPorts(o, "portMappings")
	if jerr != nil {
		return nil, &Error{Code: ErrDecode, Msg: "failed to decode network configuration", Details: jerr.Error()}
	}
	if c.CNIVersion == "" {
		c.CNIVersion = "0.1.0"
	}
	if err := checkVersion(c.CNIVersion); err != nil {
		return nil, err
	}
	return c, nil
}

func readIPAM(o jsonObj) IPAMConf {
	var c IPAMConf
	o.str("type", &c.Type)
	c.Ranges = readRangeSets(o, "ranges")
	for _, r := range o.objects("routes") {
		c.Routes = append(c.Routes, readRoute(r))
	}
	o.str("dataDir", &c.DataDir)
	o.str("resolvConf", &c.ResolvConf)
	c.RangeConf = readRange(o)
	for _, a := range o.objects("addresses") {
		var s StaticAddress
		a.str("address", &s.Address)
		a.str("gateway", &s.Gateway)
		c.Addresses = append(c.Addresses, s)
	}
	c.DNS = readDNS(o.obj("dns"))
	return c
}

func readRange(o jsonObj) RangeConf {
	var r RangeConf
	o.str("subnet", &r.Subnet)
	o.str("rangeStart", &r.RangeStart)
	o.str("rangeEnd", &r.RangeEnd)
	o.str("gateway", &r.Gateway)
	return r
}

// readRangeSets reads host-local's [[range, ...], ...].
func readRangeSets(o jsonObj, key string) [][]RangeConf {
	var sets [][]RangeConf
	for i, v := range o.array(key) {
		a, ok := v.([]any)
		if !ok {
			o.fail(key+"["+strconv.Itoa(i)+"]", "an array", v)
			return nil
		}
		inner := jsonObj{m: map[string]any{"set": a}, path: o.path + key + "[" + strconv.Itoa(i) + "]", err: o.err}
		var set []RangeConf
		for _, r := range inner.objects("set") {
			set = append(set, readRange(r))
		}
		sets = append(sets, set)
	}
	return sets
}

func readPorts(o jsonObj, key string) []PortMapping {
	var out []PortMapping
	for _, p := range o.objects(key) {
		var m PortMapping
		p.integer("hostPort", &m.HostPort)
		p.integer("containerPort", &m.ContainerPort)
		p.str("protocol", &m.Protocol)
		p.str("hostIP", &m.HostIP)
		out = append(out, m)
	}
	return out
}

// checkName refuses a network name that is not a safe file name (the IPAM
// directory is named after it).
func (c *NetConf) checkName() error {
	if c.Name == "" || c.Name == "." || c.Name == ".." || strings.ContainsAny(c.Name, "/\x00") {
		return errorf(ErrInvalidConfig, "invalid network name %q", c.Name)
	}
	return nil
}

// portMaps turns mappings into validated values; ips are the container's
// addresses (the mapping goes to the first of each family).
func portMaps(ms []PortMapping, ips []netip.Addr) ([]portMap, error) {
	var out []portMap
	for _, m := range ms {
		proto := strings.ToLower(m.Protocol)
		if proto == "" {
			proto = "tcp"
		}
		if proto != "tcp" && proto != "udp" && proto != "sctp" {
			return nil, errorf(ErrInvalidConfig, "portMappings: unknown protocol %q", m.Protocol)
		}
		if m.HostPort <= 0 || m.HostPort > 65535 || m.ContainerPort <= 0 || m.ContainerPort > 65535 {
			return nil, errorf(ErrInvalidConfig, "portMappings: invalid port %d:%d", m.HostPort, m.ContainerPort)
		}
		var hostIP netip.Addr
		if m.HostIP != "" {
			a, err := netip.ParseAddr(m.HostIP)
			if err != nil {
				return nil, errorf(ErrInvalidConfig, "portMappings: invalid hostIP %q", m.HostIP)
			}
			hostIP = a.Unmap()
			if hostIP.IsUnspecified() {
				// 0.0.0.0 and :: mean any address of that family.
				hostIP = netip.Addr{}
				for _, ip := range firstPerFamily(ips) {
					if ip.Is4() == a.Unmap().Is4() {
						out = append(out, portMap{HostPort: uint16(m.HostPort), ContainerIP: ip, ContainerPort: uint16(m.ContainerPort), Proto: proto})
					}
				}
				continue
			}
		}
		for _, ip := range firstPerFamily(ips) {
			if hostIP.IsValid() && hostIP.Is4() != ip.Is4() {
				continue
			}
			out = append(out, portMap{HostIP: hostIP, HostPort: uint16(m.HostPort), ContainerIP: ip, ContainerPort: uint16(m.ContainerPort), Proto: proto})
		}
	}
	return out, nil
}

// portMap is a mapping to one container address.
type portMap struct {
	HostIP        netip.Addr
	HostPort      uint16
	ContainerIP   netip.Addr
	ContainerPort uint16
	Proto         string
}

func firstPerFamily(ips []netip.Addr) []netip.Addr {
	var v4, v6 netip.Addr
	for _, ip := range ips {
		if ip.Is4() && !v4.IsValid() {
			v4 = ip
		}
		if ip.Is6() && !v6.IsValid() {
			v6 = ip
		}
	}
	var out []netip.Addr
	for _, a := range []netip.Addr{v4, v6} {
		if a.IsValid() {
			out = append(out, a)
		}
	}
	return out
}

// requestedIPs are the addresses asked for by CNI_ARGS IP= (several,
// comma separated), args.cni.ips and runtimeConfig ips, without lengths.
func (c *NetConf) requestedIPs(args map[string]string) ([]netip.Addr, error) {
	var srcs []string
	if v := args["IP"]; v != "" {
		srcs = append(srcs, strings.Split(v, ",")...)
	}
	srcs = append(srcs, c.ArgsIPs...)
	srcs = append(srcs, c.RuntimeConfig.IPs...)
	var out []netip.Addr
	for _, s := range srcs {
		s = strings.TrimSpace(s)
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Addr())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, errorf(ErrInvalidConfig, "requested IP %q is not an address", s)
		}
		out = append(out, a.Unmap())
	}
	return out, nil
}

func (k AttachmentKey) String() string { return fmt.Sprintf("%s/%s", k.ContainerID, k.IfName) }
