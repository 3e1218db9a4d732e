package cni

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"

	"github.com/nsnet/nsnet/nat"
	"github.com/nsnet/nsnet/plan"
	"github.com/nsnet/nsnet/rtnl"
)

// Faces are the plugin names Main serves: nsnet's own configuration
// schema and the reference plugins' (bridge, ptp, host-local, static,
// portmap, loopback).
var Faces = []string{"nsnet", "bridge", "ptp", "host-local", "static", "portmap", "loopback"}

// run is one plugin invocation.
type run struct {
	face   string
	env    Env
	conf   *NetConf
	stdin  []byte
	args   map[string]string
	stderr io.Writer

	// For tests: the session options of ADD's plan (a fake kernel), how
	// its steps write sysctls, and its context (nil: the defaults).
	kernel    *plan.Options
	setSysctl sysctlFunc
	ctx       context.Context
}

func (r *run) ipam() *ipam { return &ipam{env: r.env, conf: r.conf, stdin: r.stdin, args: r.args} }

// Main runs one CNI command as plugin face (one of Faces) with the
// environment env and the configuration stdin; it writes the result or
// the error object to stdout, notes to stderr, and returns the exit
// status (0 on success).
func Main(face string, env Env, stdin []byte, stdout, stderr io.Writer) int {
	out, version, err := Run(face, env, stdin, stderr)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			e = &Error{Code: ErrInternal, Msg: err.Error()}
		}
		stdout.Write(EncodeError(version, e))
		stdout.Write([]byte("\n"))
		return 1
	}
	if len(out) > 0 {
		stdout.Write(out)
		stdout.Write([]byte("\n"))
	}
	return 0
}

// Run is Main without the printing: the bytes to print on success, the
// configuration's version, and the error.
func Run(face string, env Env, stdin []byte, stderr io.Writer) ([]byte, string, error) {
	if !slices.Contains(Faces, face) {
		return nil, "", errorf(ErrInvalidConfig, "unknown plugin %q", face)
	}
	if env.Command == "VERSION" {
		return EncodeVersion(), "", nil
	}
	conf, err := ParseConf(stdin)
	if err != nil {
		return nil, "", err
	}
	r := &run{face: face, env: env, conf: conf, stdin: stdin, stderr: stderr}
	if r.args, err = ParseArgs(env.Args); err != nil {
		return nil, conf.CNIVersion, err
	}
	if err := r.checkEnv(); err != nil {
		return nil, conf.CNIVersion, err
	}
	if conf.RuntimeConfig.Bandwidth && env.Command == "ADD" {
		fmt.Fprintln(stderr, "nsnet: runtimeConfig bandwidth is ignored (no traffic shaping in nsnet)")
	}
	out, err := r.dispatch()
	return out, conf.CNIVersion, err
}

// checkEnv refuses a command without the variables it needs.
func (r *run) checkEnv() error {
	need := map[string][]string{
		"ADD":   {"CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"},
		"DEL":   {"CNI_CONTAINERID", "CNI_IFNAME"},
		"CHECK": {"CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"},
	}
	cmd := r.env.Command
	switch cmd {
	case "ADD", "DEL", "CHECK", "STATUS", "GC":
	case "":
		return errorf(ErrInvalidEnv, "CNI_COMMAND is not set")
	default:
		return errorf(ErrInvalidEnv, "unknown CNI_COMMAND %q", cmd)
	}
	vals := map[string]string{"CNI_CONTAINERID": r.env.ContainerID, "CNI_NETNS": r.env.NetNS, "CNI_IFNAME": r.env.IfName}
	for _, k := range need[cmd] {
		if r.face == "host-local" || r.face == "static" || r.face == "portmap" {
			if k == "CNI_NETNS" {
				continue
			}
		}
		if vals[k] == "" {
			return errorf(ErrInvalidEnv, "required env variable %s missing", k)
		}
	}
	if cmd == "CHECK" && !atLeast(r.conf.CNIVersion, "0.4.0") {
		return errorf(ErrIncompatibleVersion, "config version %q does not allow CHECK", r.conf.CNIVersion)
	}
	if (cmd == "STATUS" || cmd == "GC") && !atLeast(r.conf.CNIVersion, "1.1.0") {
		return errorf(ErrIncompatibleVersion, "config version %q does not allow %s", r.conf.CNIVersion, cmd)
	}
	if len(r.env.IfName) > 15 || r.env.IfName == "." || r.env.IfName == ".." || strings.ContainsAny(r.env.IfName, "/: \t\n\x00") {
		return errorf(ErrInvalidEnv, "invalid CNI_IFNAME %q", r.env.IfName)
	}
	return nil
}

// dispatch runs the command for the face.
func (r *run) dispatch() ([]byte, error) {
	c := r.conf
	switch r.face {
	case "nsnet":
		if err := r.nsnetDefaults(); err != nil {
			return nil, err
		}
	case "host-local", "static":
		// As a plugin of its own, the IPAM is this face whatever the
		// ipam type says (it names the plugin that was run: this one).
		c.IPAM.Type = r.face
		if err := c.checkName(); err != nil && r.face == "host-local" {
			return nil, err
		}
	case "bridge", "ptp":
		if c.IPAM.Type != "" && c.IPAM.Type != "static" {
			if err := c.checkName(); err != nil {
				return nil, err
			}
		}
	}
	mode := r.face
	if r.face == "nsnet" {
		mode = c.Mode
	}
	switch r.env.Command {
	case "ADD":
		var res *Result
		var err error
		switch r.face {
		case "host-local", "static":
			res, err = r.ipamFaceAdd()
		case "portmap":
			return r.portmapAdd()
		case "loopback":
			res, err = r.loopbackAdd()
		default:
			res, err = r.mainAdd(mode)
		}
		if err != nil {
			return nil, err
		}
		return res.Encode(c.CNIVersion)
	case "DEL":
		switch r.face {
		case "host-local", "static":
			return nil, r.ipam().del()
		case "portmap":
			return nil, r.portmapDel()
		case "loopback":
			return nil, r.loopbackDel()
		}
		return nil, r.mainDel()
	case "CHECK":
		switch r.face {
		case "host-local", "static":
			return nil, r.ipam().check()
		case "portmap":
			return nil, r.portmapCheck()
		case "loopback":
			return nil, nil
		}
		return nil, r.mainCheck()
	case "STATUS":
		return nil, r.status()
	case "GC":
		return nil, r.gc()
	}
	return nil, errorf(ErrInvalidEnv, "unknown CNI_COMMAND %q", r.env.Command)
}

// nsnetDefaults turns nsnet's own schema into the bridge/ptp terms the
// attachment code reads: mode bridge (default) or ptp, a subnet (with
// host-local under the default data dir) or an ipam object, masquerade
// and portMappings.
func (r *run) nsnetDefaults() error {
	c := r.conf
	switch c.Mode {
	case "":
		c.Mode = "bridge"
	case "bridge", "ptp":
	default:
		return errorf(ErrInvalidConfig, "nsnet: unknown mode %q (bridge or ptp)", c.Mode)
	}
	if err := c.checkName(); err != nil {
		return err
	}
	if c.Subnet != "" {
		if c.IPAM.Type != "" {
			return errorf(ErrInvalidConfig, "nsnet: give subnet or ipam, not both")
		}
		c.IPAM.Type = "host-local"
		for _, s := range splitComma(c.Subnet) {
			c.IPAM.Ranges = append(c.IPAM.Ranges, []RangeConf{{Subnet: s}})
		}
	}
	if c.IPAM.Type == "" {
		return errorf(ErrInvalidConfig, "nsnet: subnet or ipam is required")
	}
	if c.Bridge == "" {
		c.Bridge = "nsnet0"
	}
	if c.Mode == "bridge" {
		c.IsGateway, c.IsDefaultGateway, c.HairpinMode = true, true, true
	}
	if c.Mode == "ptp" {
		// A default route through the host end for each family.
		fams := map[bool]bool{}
		for _, rt := range c.IPAM.Routes {
			if d, err := netip.ParsePrefix(rt.Dst); err == nil && d.Bits() == 0 {
				fams[d.Addr().Is4()] = true
			}
		}
		sets, err := rangeSets(c)
		if err == nil {
			for _, rs := range sets {
				v4 := rs[0].Subnet.Addr().Is4()
				if !fams[v4] {
					dst := "::/0"
					if v4 {
						dst = "0.0.0.0/0"
					}
					c.IPAM.Routes = append(c.IPAM.Routes, wireRoute{Dst: dst})
					fams[v4] = true
				}
			}
		}
	}
	return nil
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			if f := trimSpace(s[start:i]); f != "" {
				out = append(out, f)
			}
			start = i + 1
		}
	}
	return out
}

func trimSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// ipamFaceAdd is host-local's (or static's) ADD as a plugin of its own:
// a plan of one step, the reservation.
func (r *run) ipamFaceAdd() (*Result, error) {
	s := plan.NewSession(r.kernel)
	defer s.Close()
	res := &Result{}
	a := &adder{ctx: r.context(), s: s, stderr: r.stderr}
	if err := a.up(ipamAdd{IPAM: r.ipam(), Got: res}); err != nil {
		return nil, err
	}
	return res, nil
}

// status is STATUS: the plugin can serve when its IPAM data directory is
// usable and, for the main plugins, nf_tables answers where NAT is asked.
func (r *run) status() error {
	c := r.conf
	if c.IPAM.Type == "host-local" || r.face == "host-local" {
		if c.Name != "" {
			s, err := OpenStore(c.IPAM.DataDir, c.Name)
			if err != nil {
				return &Error{Code: ErrNotAvailable, Msg: "host-local data directory unusable", Details: err.Error()}
			}
			s.Close()
		}
	}
	if c.IPMasq || c.Masquerade || r.face == "portmap" {
		if err := withNAT(func(n *nat.Conn) error { _, err := n.Attachments(); return err }); err != nil {
			return &Error{Code: ErrNotAvailable, Msg: "nf_tables unusable", Details: err.Error()}
		}
	}
	if _, err := rtnl.Dial(nil); err != nil {
		return &Error{Code: ErrNotAvailable, Msg: "rtnetlink unusable", Details: err.Error()}
	}
	return nil
}

// gc is GC: every IP reservation and NAT attachment whose owner is not in
// cni.dev/valid-attachments goes.
func (r *run) gc() error {
	c := r.conf
	var errs []error
	if c.IPAM.Type == "host-local" || r.face == "host-local" {
		if err := c.checkName(); err != nil {
			return err
		}
		s, err := OpenStore(c.IPAM.DataDir, c.Name)
		if err != nil {
			return err
		}
		removed, err := s.GC(c.ValidAttachments)
		s.Close()
		if err != nil {
			errs = append(errs, err)
		}
		for _, rm := range removed {
			fmt.Fprintf(r.stderr, "nsnet: gc: released %s of %s/%s\n", rm.Addr, rm.ContainerID, rm.IfName)
		}
	}
	if c.IPMasq || c.Masquerade || r.face == "portmap" || len(c.Ports) > 0 {
		var valid []nat.AttachmentKey
		for _, k := range c.ValidAttachments {
			valid = append(valid, r.natKey(k.ContainerID, k.IfName))
		}
		err := withNAT(func(n *nat.Conn) error {
			have, err := n.Attachments()
			if err != nil {
				return err
			}
			// Only this face's and this network's attachments.
			for _, h := range have {
				if strings.HasPrefix(h.ID, r.natPrefix()) && !slices.Contains(valid, h) {
					if err := n.DelAttachment(h.ID, h.IfName); err != nil {
						return err
					}
					fmt.Fprintf(r.stderr, "nsnet: gc: removed NAT rules of %s/%s\n", h.ID, h.IfName)
				}
			}
			return nil
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
