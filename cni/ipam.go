package cni

import (
	"bufio"
	"bytes"
	"errors"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ipam is what a main plugin (bridge, ptp, nsnet) does with its ipam
// object: host-local and static run inside this process; any other type
// runs as the plugin of that name in CNI_PATH.
type ipam struct {
	env   Env
	conf  *NetConf
	stdin []byte
	args  map[string]string
}

// add returns the addresses, routes and DNS for the attachment.
func (p *ipam) add() (*Result, error) {
	switch p.conf.IPAM.Type {
	case "host-local":
		return hostLocalAdd(p.env, p.conf, p.args)
	case "static":
		return staticAdd(p.conf, p.args)
	case "":
		return nil, errorf(ErrInvalidConfig, "ipam: no type")
	}
	out, err := delegate(p.env, "ADD", p.conf.IPAM.Type, p.stdin)
	if err != nil {
		return nil, err
	}
	r, _, err := ParseResult(out)
	return r, err
}

// del releases the attachment's addresses; releasing nothing is no error.
func (p *ipam) del() error {
	switch p.conf.IPAM.Type {
	case "host-local":
		return hostLocalDel(p.env, p.conf)
	case "static", "":
		return nil
	}
	_, err := delegate(p.env, "DEL", p.conf.IPAM.Type, p.stdin)
	return err
}

// check verifies the attachment still holds addresses.
func (p *ipam) check() error {
	switch p.conf.IPAM.Type {
	case "host-local":
		return hostLocalCheck(p.env, p.conf)
	case "static", "":
		return nil
	}
	_, err := delegate(p.env, "CHECK", p.conf.IPAM.Type, p.stdin)
	return err
}

func hostLocalAdd(env Env, c *NetConf, args map[string]string) (*Result, error) {
	sets, err := rangeSets(c)
	if err != nil {
		return nil, err
	}
	req, err := c.requestedIPs(args)
	if err != nil {
		return nil, err
	}
	s, err := OpenStore(c.IPAM.DataDir, c.Name)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	ips, err := s.Allocate(env.ContainerID, env.IfName, sets, req)
	if err != nil {
		return nil, err
	}
	r := &Result{IPs: ips}
	for _, wr := range c.IPAM.Routes {
		rt, err := wr.route()
		if err != nil {
			s.Release(env.ContainerID, env.IfName)
			return nil, err
		}
		r.Routes = append(r.Routes, rt)
	}
	if c.IPAM.ResolvConf != "" {
		if r.DNS, err = parseResolvConf(c.IPAM.ResolvConf); err != nil {
			s.Release(env.ContainerID, env.IfName)
			return nil, errorf(ErrIO, "host-local: %v", err)
		}
	}
	return r, nil
}

func hostLocalDel(env Env, c *NetConf) error {
	if err := c.checkName(); err != nil {
		return err
	}
	s, err := OpenStore(c.IPAM.DataDir, c.Name)
	if err != nil {
		return err
	}
	defer s.Close()
	return s.Release(env.ContainerID, env.IfName)
}

func hostLocalCheck(env Env, c *NetConf) error {
	s, err := OpenStore(c.IPAM.DataDir, c.Name)
	if err != nil {
		return err
	}
	defer s.Close()
	has, err := s.Has(env.ContainerID, env.IfName)
	if err != nil {
		return err
	}
	if len(has) == 0 {
		return errorf(ErrInternal, "host-local: failed to find address added by container %s", env.ContainerID)
	}
	return nil
}

// parseResolvConf reads nameserver, domain, search and options lines.
func parseResolvConf(path string) (DNS, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return DNS{}, err
	}
	var d DNS
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || strings.HasPrefix(f[0], "#") || strings.HasPrefix(f[0], ";") {
			continue
		}
		switch f[0] {
		case "nameserver":
			d.Nameservers = append(d.Nameservers, f[1])
		case "domain":
			d.Domain = f[1]
		case "search":
			d.Search = append(d.Search, f[1:]...)
		case "options":
			d.Options = append(d.Options, f[1:]...)
		}
	}
	return d, nil
}

// staticAdd gives the configured addresses, or those of runtimeConfig ips
// and CNI_ARGS IP= (with their lengths), with GATEWAY= from CNI_ARGS.
func staticAdd(c *NetConf, args map[string]string) (*Result, error) {
	r := &Result{DNS: c.IPAM.DNS}
	var gws []netip.Addr
	if g := args["GATEWAY"]; g != "" {
		for _, s := range strings.Split(g, ",") {
			a, err := netip.ParseAddr(strings.TrimSpace(s))
			if err != nil {
				return nil, errorf(ErrInvalidConfig, "static: invalid GATEWAY %q", s)
			}
			gws = append(gws, a)
		}
	}
	add := func(addr, gw string) error {
		p, err := netip.ParsePrefix(strings.TrimSpace(addr))
		if err != nil {
			return errorf(ErrInvalidConfig, "static: invalid address %q (want ADDRESS/LENGTH)", addr)
		}
		ipc := IPConfig{Address: p}
		if gw != "" {
			if ipc.Gateway, err = netip.ParseAddr(gw); err != nil {
				return errorf(ErrInvalidConfig, "static: invalid gateway %q", gw)
			}
		} else {
			for _, g := range gws {
				if g.Is4() == p.Addr().Is4() {
					ipc.Gateway = g
				}
			}
		}
		r.IPs = append(r.IPs, ipc)
		return nil
	}
	var reqs []string
	if v := args["IP"]; v != "" {
		reqs = append(reqs, strings.Split(v, ",")...)
	}
	reqs = append(reqs, c.RuntimeConfig.IPs...)
	for _, s := range reqs {
		if err := add(s, ""); err != nil {
			return nil, err
		}
	}
	if len(reqs) == 0 {
		for _, a := range c.IPAM.Addresses {
			if err := add(a.Address, a.Gateway); err != nil {
				return nil, err
			}
		}
	}
	if len(r.IPs) == 0 {
		return nil, errorf(ErrInvalidConfig, "static: no addresses")
	}
	for _, wr := range c.IPAM.Routes {
		rt, err := wr.route()
		if err != nil {
			return nil, err
		}
		r.Routes = append(r.Routes, rt)
	}
	return r, nil
}

// findPlugin looks name up in CNI_PATH's directories.
func findPlugin(path, name string) (string, error) {
	if name == "" || strings.ContainsAny(name, "/\x00") || name == "." || name == ".." {
		return "", errorf(ErrInvalidConfig, "invalid plugin name %q", name)
	}
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			continue
		}
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", errorf(ErrInvalidEnv, "failed to find plugin %q in path %q", name, path)
}

// delegate runs plugin name from CNI_PATH with command and stdin (the CNI
// exec protocol) and returns its stdout; a failure is the plugin's own
// error object when it printed one.
func delegate(env Env, command, name string, stdin []byte) ([]byte, error) {
	bin, err := findPlugin(env.Path, name)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin)
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = os.Stderr
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CNI_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env.List(command)...)
	if err := cmd.Run(); err != nil {
		if e := parseError(stdout.Bytes()); e != nil {
			return nil, e
		}
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, errorf(ErrInternal, "%s %s: %v", name, command, err)
		}
		return nil, errorf(ErrIO, "%s %s: %v", name, command, err)
	}
	return stdout.Bytes(), nil
}
