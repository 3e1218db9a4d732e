package cni

import (
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
	Code    uint
	Msg     string
	Details string
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
	Nameservers []string
	Domain      string
	Search      []string
	Options     []string
}

func (d DNS) empty() bool {
	return len(d.Nameservers) == 0 && d.Domain == "" && len(d.Search) == 0 && len(d.Options) == 0
}

// wireRoute is a route as configurations and results write it.
type wireRoute struct {
	Dst, GW               string
	MTU, AdvMSS, Priority int
	Table, Scope          *int
}

func readRoute(o jsonObj) wireRoute {
	var r wireRoute
	o.str("dst", &r.Dst)
	o.str("gw", &r.GW)
	o.integer("mtu", &r.MTU)
	o.integer("advmss", &r.AdvMSS)
	o.integer("priority", &r.Priority)
	o.intPtr("table", &r.Table)
	o.intPtr("scope", &r.Scope)
	return r
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
	var w jsonWriter
	w.open('{')
	w.key("cniVersion")
	w.str(version)
	if len(r.Interfaces) > 0 {
		w.key("interfaces")
		w.open('[')
		for _, i := range r.Interfaces {
			w.open('{')
			w.key("name")
			w.str(i.Name)
			w.field("mac", i.Mac)
			if v11 {
				w.intField("mtu", i.MTU)
			}
			w.field("sandbox", i.Sandbox)
			if v11 {
				w.field("socketPath", i.SocketPath)
				w.field("pciID", i.PciID)
			}
			w.close('}')
		}
		w.close(']')
	}
	if len(r.IPs) > 0 {
		w.key("ips")
		w.open('[')
		for _, ip := range r.IPs {
			w.open('{')
			if legacy {
				w.key("version")
				w.str(map[bool]string{true: "4", false: "6"}[ip.Address.Addr().Is4()])
			}
			if ip.Interface != nil {
				w.key("interface")
				w.num(*ip.Interface)
			}
			w.key("address")
			w.str(ip.Address.String())
			if ip.Gateway.IsValid() {
				w.field("gateway", ip.Gateway.String())
			}
			w.close('}')
		}
		w.close(']')
	}
	if len(r.Routes) > 0 {
		w.key("routes")
		w.open('[')
		for _, rt := range r.Routes {
			w.open('{')
			w.key("dst")
			w.str(rt.Dst.String())
			if rt.GW.IsValid() {
				w.field("gw", rt.GW.String())
			}
			if v11 {
				w.intField("mtu", rt.MTU)
				w.intField("advmss", rt.AdvMSS)
				w.intField("priority", rt.Priority)
				if rt.Table != nil {
					w.key("table")
					w.num(*rt.Table)
				}
				if rt.Scope != nil {
					w.key("scope")
					w.num(*rt.Scope)
				}
			}
			w.close('}')
		}
		w.close(']')
	}
	if !r.DNS.empty() {
		w.key("dns")
		w.open('{')
		w.strings("nameservers", r.DNS.Nameservers)
		w.field("domain", r.DNS.Domain)
		w.strings("search", r.DNS.Search)
		w.strings("options", r.DNS.Options)
		w.close('}')
	}
	w.close('}')
	return w.b, nil
}

// ParseResult decodes a result of any supported version (a prevResult, or
// a delegated IPAM plugin's output) and returns it with its version.
func ParseResult(b []byte) (*Result, string, error) {
	v, err := parseJSON(b)
	if err != nil {
		return nil, "", &Error{Code: ErrDecode, Msg: "failed to decode result", Details: err.Error()}
	}
	return resultFrom(v, "result")
}

// resultFrom reads a decoded result; what names it in errors.
func resultFrom(v any, what string) (*Result, string, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, "", errorf(ErrDecode, "%s is %s, not an object", what, jsonKind(v))
	}
	var jerr error
	o := jsonObj{m: m, path: what + ".", err: &jerr}
	var version string
	o.str("cniVersion", &version)
	r := &Result{}
	for _, io := range o.objects("interfaces") {
		var i Interface
		io.str("name", &i.Name)
		io.str("mac", &i.Mac)
		io.integer("mtu", &i.MTU)
		io.str("sandbox", &i.Sandbox)
		io.str("socketPath", &i.SocketPath)
		io.str("pciID", &i.PciID)
		r.Interfaces = append(r.Interfaces, i)
	}
	type ipw struct{ addr, gw string }
	var ips []ipw
	for _, ipo := range o.objects("ips") {
		var c IPConfig
		var w ipw
		ipo.intPtr("interface", &c.Interface)
		ipo.str("address", &w.addr)
		ipo.str("gateway", &w.gw)
		r.IPs = append(r.IPs, c)
		ips = append(ips, w)
	}
	var routes []wireRoute
	for _, ro := range o.objects("routes") {
		routes = append(routes, readRoute(ro))
	}
	r.DNS = readDNS(o.obj("dns"))
	if jerr != nil {
		return nil, "", &Error{Code: ErrDecode, Msg: "failed to decode " + what, Details: jerr.Error()}
	}
	if err := checkVersion(version); err != nil {
		return nil, "", err
	}
	for i, w := range ips {
		p, err := netip.ParsePrefix(w.addr)
		if err != nil {
			return nil, "", errorf(ErrDecode, "%s: bad address %q", what, w.addr)
		}
		r.IPs[i].Address = p
		if w.gw != "" {
			if r.IPs[i].Gateway, err = netip.ParseAddr(w.gw); err != nil {
				return nil, "", errorf(ErrDecode, "%s: bad gateway %q", what, w.gw)
			}
		}
	}
	for _, wr := range routes {
		route, err := wr.route()
		if err != nil {
			return nil, "", err
		}
		r.Routes = append(r.Routes, route)
	}
	return r, version, nil
}

func readDNS(o jsonObj) DNS {
	var d DNS
	o.strings("nameservers", &d.Nameservers)
	o.str("domain", &d.Domain)
	o.strings("search", &d.Search)
	o.strings("options", &d.Options)
	return d
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
	var w jsonWriter
	w.open('{')
	w.field("cniVersion", CurrentVersion)
	w.strings("supportedVersions", SupportedVersions)
	w.close('}')
	return w.b
}

// EncodeError is an error object in version v (CurrentVersion when v is
// not one this plugin speaks).
func EncodeError(v string, e *Error) []byte {
	if versionIndex(v) < 0 {
		v = CurrentVersion
	}
	var w jsonWriter
	w.open('{')
	w.field("cniVersion", v)
	w.key("code")
	w.num(int(e.Code))
	w.key("msg")
	w.str(e.Msg)
	w.field("details", e.Details)
	w.close('}')
	return w.b
}

// parseError reads an error object (a delegated plugin's); nil when b is
// none.
func parseError(b []byte) *Error {
	v, err := parseJSON(b)
	if err != nil {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	var jerr error
	o := jsonObj{m: m, err: &jerr}
	var code int
	e := &Error{}
	o.integer("code", &code)
	o.str("msg", &e.Msg)
	o.str("details", &e.Details)
	if jerr != nil || e.Msg == "" || code < 0 {
		return nil
	}
	e.Code = uint(code)
	return e
}
