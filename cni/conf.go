package cni

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
)

// NetConf is a network configuration as a plugin receives it on stdin: the
// spec's common keys, runtimeConfig, and the keys of every face this
// package serves (bridge, ptp, portmap, nsnet); keys a face does not use
// are ignored, as the reference plugins ignore them.
type NetConf struct {
	CNIVersion string          `json:"cniVersion"`
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	IPAM       IPAMConf        `json:"ipam"`
	DNS        DNS             `json:"dns"`
	PrevResult json.RawMessage `json:"prevResult,omitempty"`

	RuntimeConfig struct {
		PortMappings []PortMapping   `json:"portMappings,omitempty"`
		IPs          []string        `json:"ips,omitempty"`
		Mac          string          `json:"mac,omitempty"`
		Bandwidth    json.RawMessage `json:"bandwidth,omitempty"`
		IPRanges     [][]RangeConf   `json:"ipRanges,omitempty"`
	} `json:"runtimeConfig"`
	Args struct {
		CNI struct {
			IPs []string `json:"ips,omitempty"`
		} `json:"cni"`
	} `json:"args"`
	// ValidAttachments is GC's cni.dev/valid-attachments.
	ValidAttachments []AttachmentKey `json:"cni.dev/valid-attachments"`

	// bridge
	Bridge           string          `json:"bridge"`
	IsGateway        bool            `json:"isGateway"`
	IsDefaultGateway bool            `json:"isDefaultGateway"`
	ForceAddress     bool            `json:"forceAddress"`
	IPMasq           bool            `json:"ipMasq"`
	MTU              int             `json:"mtu"`
	HairpinMode      bool            `json:"hairpinMode"`
	PromiscMode      bool            `json:"promiscMode"`
	Vlan             int             `json:"vlan"`
	VlanTrunk        json.RawMessage `json:"vlanTrunk,omitempty"`
	MacSpoofChk      bool            `json:"macspoofchk"`

	// portmap
	SNAT *bool `json:"snat"`

	// nsnet
	Mode       string        `json:"mode"`
	Subnet     string        `json:"subnet"`
	Masquerade bool          `json:"masquerade"`
	Ports      []PortMapping `json:"portMappings"`
}

// AttachmentKey names an attachment: container id and interface name.
type AttachmentKey struct {
	ContainerID string `json:"containerID"`
	IfName      string `json:"ifname"`
}

// PortMapping is a runtimeConfig (or nsnet config) port mapping.
type PortMapping struct {
	HostPort      int    `json:"hostPort"`
	ContainerPort int    `json:"containerPort"`
	Protocol      string `json:"protocol"`
	HostIP        string `json:"hostIP,omitempty"`
}

// IPAMConf is the ipam object: host-local's and static's keys.
type IPAMConf struct {
	Type       string        `json:"type"`
	Ranges     [][]RangeConf `json:"ranges,omitempty"`
	Routes     []wireRoute   `json:"routes,omitempty"`
	DataDir    string        `json:"dataDir,omitempty"`
	ResolvConf string        `json:"resolvConf,omitempty"`
	// The single range of old host-local configurations.
	RangeConf
	// static
	Addresses []struct {
		Address string `json:"address"`
		Gateway string `json:"gateway,omitempty"`
	} `json:"addresses,omitempty"`
	DNS DNS `json:"dns"`
}

// RangeConf is one range of host-local's ranges.
type RangeConf struct {
	Subnet     string `json:"subnet,omitempty"`
	RangeStart string `json:"rangeStart,omitempty"`
	RangeEnd   string `json:"rangeEnd,omitempty"`
	Gateway    string `json:"gateway,omitempty"`
}

// ParseConf decodes stdin and checks the common keys.
func ParseConf(b []byte) (*NetConf, error) {
	var c NetConf
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, &Error{Code: ErrDecode, Msg: "failed to decode network configuration", Details: err.Error()}
	}
	if c.CNIVersion == "" {
		c.CNIVersion = "0.1.0"
	}
	if err := checkVersion(c.CNIVersion); err != nil {
		return nil, err
	}
	return &c, nil
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
	srcs = append(srcs, c.Args.CNI.IPs...)
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
