package cni

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// SupportedVersions are the CNI specification versions this plugin speaks,
// oldest first.
var SupportedVersions = []string{"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"}

// CurrentVersion is the newest version in SupportedVersions.
const CurrentVersion = "1.1.0"

// Error codes of the specification (section "Error"); 100 and up are the
// plugin's own.
const (
	ErrIncompatibleVersion uint = 1   // incompatible CNI version
	ErrUnsupportedField    uint = 2   // unsupported field in the network configuration
	ErrUnknownContainer    uint = 3   // container unknown or does not exist
	ErrInvalidEnv          uint = 4   // invalid necessary environment variables
	ErrIO                  uint = 5   // I/O failure
	ErrDecode              uint = 6   // failed to decode content
	ErrInvalidConfig       uint = 7   // invalid network configuration
	ErrTryAgainLater       uint = 11  // try again later
	ErrNotAvailable        uint = 50  // STATUS: the plugin is not available
	ErrLimitedConnectivity uint = 51  // STATUS: limited connectivity
	ErrInternal            uint = 999 // anything else (as the reference plugins)
)

// Error is a CNI error object, printed on stdout when a command fails.
type Error struct {
	Code    uint   `json:"code"`
	Msg     string `json:"msg"`
	Details string `json:"details,omitempty"`
}

func (e *Error) Error() string {
	if e.Details != "" {
		return e.Msg + ": " + e.Details
	}
	return e.Msg
}

// errorf returns an *Error with code and a formatted message.
func errorf(code uint, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Env is the CNI_* environment of one plugin run.
type Env struct {
	Command     string // CNI_COMMAND: ADD, DEL, CHECK, VERSION, STATUS, GC
	ContainerID string // CNI_CONTAINERID
	NetNS       string // CNI_NETNS: path of the container's network namespace
	IfName      string // CNI_IFNAME: interface name inside the container
	Args        string // CNI_ARGS: KEY=VALUE;KEY=VALUE
	Path        string // CNI_PATH: where plugins are (colon separated)
}

// EnvFrom reads the CNI_* variables through getenv (os.Getenv).
func EnvFrom(getenv func(string) string) Env {
	return Env{
		Command:     getenv("CNI_COMMAND"),
		ContainerID: getenv("CNI_CONTAINERID"),
		NetNS:       getenv("CNI_NETNS"),
		IfName:      getenv("CNI_IFNAME"),
		Args:        getenv("CNI_ARGS"),
		Path:        getenv("CNI_PATH"),
	}
}

// List returns env as KEY=VALUE strings for a delegated plugin, with
// command in CNI_COMMAND.
func (e Env) List(command string) []string {
	return []string{
		"CNI_COMMAND=" + command,
		"CNI_CONTAINERID=" + e.ContainerID,
		"CNI_NETNS=" + e.NetNS,
		"CNI_IFNAME=" + e.IfName,
		"CNI_ARGS=" + e.Args,
		"CNI_PATH=" + e.Path,
	}
}

// ParseArgs splits CNI_ARGS ("IgnoreUnknown=1;IP=10.0.0.5") into pairs.
// Keys this package does not know are ignored, as IgnoreUnknown asks.
func ParseArgs(s string) (map[string]string, error) {
	m := map[string]string{}
	if s == "" {
		return m, nil
	}
	for _, kv := range strings.Split(s, ";") {
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, errorf(ErrInvalidEnv, "CNI_ARGS: invalid pair %q", kv)
		}
		m[k] = v
	}
	return m, nil
}

// versionIndex returns v's place in SupportedVersions, or -1.
func versionIndex(v string) int { return slices.Index(SupportedVersions, v) }

// atLeast reports whether version v is v0 or newer (both supported).
func atLeast(v, v0 string) bool { return versionIndex(v) >= versionIndex(v0) }

// checkVersion refuses a configuration version this plugin does not speak.
func checkVersion(v string) error {
	if versionIndex(v) < 0 {
		return &Error{Code: ErrIncompatibleVersion, Msg: "incompatible CNI versions",
			Details: fmt.Sprintf("config is %q, plugin supports %q", v, SupportedVersions)}
	}
	return nil
}

// Result is an ADD's result, in the newest version's terms; Encode writes
// it in any supported version.
type Result struct {
	Interfaces []Interface
	IPs        []IPConfig
	Routes     []Route
	DNS        DNS
}

// Interface is an entry of a result's interfaces list.
type Interface struct {
	Name       string
	Mac        string
	MTU        int    // 1.1.0
	Sandbox    string // the netns path, for container interfaces
	SocketPath string // 1.1.0
	PciID      string // 1.1.0
}

// IPConfig is an address given to an interface.
type IPConfig struct {
	Interface *int         // index into Interfaces
	Address   netip.Prefix // the address with its subnet's length
	Gateway   netip.Addr
}

// Route is a route the plugin configured, or that IPAM asks for.
type Route struct {
	Dst      netip.Prefix
	GW       netip.Addr
	MTU      int  // 1.1.0
	AdvMSS   int  // 1.1.0
	Priority int  // 1.1.0
	Table    *int // 1.1.0
	Scope    *int // 1.1.0
}

// DNS is a result's (or a configuration's) dns object.
type DNS struct {
	Nameservers []string `json:"nameservers,omitempty"`
	Domain      string   `json:"domain,omitempty"`
	Search      []string `json:"search,omitempty"`
	Options     []string `json:"options,omitempty"`
}

func (d DNS) empty() bool {
	return len(d.Nameservers) == 0 && d.Domain == "" && len(d.Search) == 0 && len(d.Options) == 0
}

// The result on the wire, a superset of every supported version.
type wireResult struct {
	CNIVersion string      `json:"cniVersion"`
	Interfaces []wireIface `json:"interfaces,omitempty"`
	IPs        []wireIP    `json:"ips,omitempty"`
	Routes     []wireRoute `json:"routes,omitempty"`
	DNS        *DNS        `json:"dns,omitempty"`
}

type wireIface struct {
	Name       string `json:"name"`
	Mac        string `json:"mac,omitempty"`
	MTU        int    `json:"mtu,omitempty"`
	Sandbox    string `json:"sandbox,omitempty"`
	SocketPath string `json:"socketPath,omitempty"`
	PciID      string `json:"pciID,omitempty"`
}

type wireIP struct {
	Version   string `json:"version,omitempty"` // 0.3.x and 0.4.0 only
	Interface *int   `json:"interface,omitempty"`
	Address   string `json:"address"`
	Gateway   string `json:"gateway,omitempty"`
}

type wireRoute struct {
	Dst      string `json:"dst"`
	GW       string `json:"gw,omitempty"`
	MTU      int    `json:"mtu,omitempty"`
	AdvMSS   int    `json:"advmss,omitempty"`
	Priority int    `json:"priority,omitempty"`
	Table    *int   `json:"table,omitempty"`
	Scope    *int   `json:"scope,omitempty"`
}

// Encode returns r as JSON in the given version: 0.3.x and 0.4.0 carry a
// "version" in each IP and none of 1.1.0's additions (interface mtu,
// socketPath, pciID; route mtu, advmss, priority, table, scope); 1.0.0 has
// no "version" and none of 1.1.0's additions either.
func (r *Result) Encode(version string) ([]byte, error) {
	if err := checkVersion(version); err != nil {
		return nil, err
	}
	v11 := atLeast(version, "1.1.0")
	legacy := !atLeast(version, "1.0.0")
	w := wireResult{CNIVersion: version}
	for _, i := range r.Interfaces {
		wi := wireIface{Name: i.Name, Mac: i.Mac, Sandbox: i.Sandbox}
		if v11 {
			wi.MTU, wi.SocketPath, wi.PciID = i.MTU, i.SocketPath, i.PciID
		}
		w.Interfaces = append(w.Interfaces, wi)
	}
	for _, ip := range r.IPs {
		wip := wireIP{Interface: ip.Interface, Address: ip.Address.String()}
		if ip.Gateway.IsValid() {
			wip.Gateway = ip.Gateway.String()
		}
		if legacy {
			wip.Version = "4"
			if ip.Address.Addr().Is6() {
				wip.Version = "6"
			}
		}
		w.IPs = append(w.IPs, wip)
	}
	for _, rt := range r.Routes {
		wr := wireRoute{Dst: rt.Dst.String()}
		if rt.GW.IsValid() {
			wr.GW = rt.GW.String()
		}
		if v11 {
			wr.MTU, wr.AdvMSS, wr.Priority, wr.Table, wr.Scope = rt.MTU, rt.AdvMSS, rt.Priority, rt.Table, rt.Scope
		}
		w.Routes = append(w.Routes, wr)
	}
	if !r.DNS.empty() {
		d := r.DNS
		w.DNS = &d
	}
	return json.Marshal(&w)
}

// ParseResult decodes a result of any supported version (a prevResult, or
// a delegated IPAM plugin's output) and returns it with its version.
func ParseResult(b []byte) (*Result, string, error) {
	var w wireResult
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, "", &Error{Code: ErrDecode, Msg: "failed to decode result", Details: err.Error()}
	}
	if err := checkVersion(w.CNIVersion); err != nil {
		return nil, "", err
	}
	r := &Result{}
	for _, i := range w.Interfaces {
		r.Interfaces = append(r.Interfaces, Interface(i))
	}
	for _, ip := range w.IPs {
		p, err := netip.ParsePrefix(ip.Address)
		if err != nil {
			return nil, "", errorf(ErrDecode, "result: bad address %q", ip.Address)
		}
		c := IPConfig{Interface: ip.Interface, Address: p}
		if ip.Gateway != "" {
			if c.Gateway, err = netip.ParseAddr(ip.Gateway); err != nil {
				return nil, "", errorf(ErrDecode, "result: bad gateway %q", ip.Gateway)
			}
		}
		r.IPs = append(r.IPs, c)
	}
	for _, rt := range w.Routes {
		route, err := rt.route()
		if err != nil {
			return nil, "", err
		}
		r.Routes = append(r.Routes, route)
	}
	if w.DNS != nil {
		r.DNS = *w.DNS
	}
	return r, w.CNIVersion, nil
}

func (rt wireRoute) route() (Route, error) {
	d, err := netip.ParsePrefix(rt.Dst)
	if err != nil {
		return Route{}, errorf(ErrInvalidConfig, "bad route destination %q", rt.Dst)
	}
	r := Route{Dst: d.Masked(), MTU: rt.MTU, AdvMSS: rt.AdvMSS, Priority: rt.Priority, Table: rt.Table, Scope: rt.Scope}
	if rt.GW != "" {
		if r.GW, err = netip.ParseAddr(rt.GW); err != nil {
			return Route{}, errorf(ErrInvalidConfig, "bad route gateway %q", rt.GW)
		}
	}
	return r, nil
}

// EncodeVersion is VERSION's answer.
func EncodeVersion() []byte {
	b, _ := json.Marshal(struct {
		CNIVersion        string   `json:"cniVersion"`
		SupportedVersions []string `json:"supportedVersions"`
	}{CurrentVersion, SupportedVersions})
	return b
}

// EncodeError is an error object in version v (CurrentVersion when v is
// not one this plugin speaks).
func EncodeError(v string, e *Error) []byte {
	if versionIndex(v) < 0 {
		v = CurrentVersion
	}
	b, _ := json.Marshal(struct {
		CNIVersion string `json:"cniVersion"`
		*Error
	}{v, e})
	return b
}
