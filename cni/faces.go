package cni

import (
	"net"

	"github.com/nsnet/nsnet/nat"
	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/plan"
	"github.com/nsnet/nsnet/rtnl"
)

// portmapAdd is portmap's ADD: a chained plugin that publishes the
// runtime's portMappings to the container addresses of prevResult and
// passes prevResult on.
func (r *run) portmapAdd() ([]byte, error) {
	c := r.conf
	if c.PrevResult == nil {
		return nil, errorf(ErrInvalidConfig, "portmap: must be called as a chained plugin (no prevResult)")
	}
	prev, _, err := resultFrom(c.PrevResult, "prevResult")
	if err != nil {
		return nil, err
	}
	a, err := r.natAttachment(prev.IPs)
	if err != nil {
		return nil, err
	}
	if !natEmpty(a) {
		// 127.0.0.1 reaches the container only with route_localnet on the
		// host interfaces it goes through (those of prevResult outside the
		// sandbox). The attachment replaces one of its key.
		var steps []plan.Step
		for _, i := range prev.Interfaces {
			if i.Sandbox == "" && i.Name != "" {
				steps = append(steps, sysctlsOn{KV: [][2]string{{ifSysctl("ipv4", i.Name, "route_localnet"), "1"}}, set: r.sysctl()})
			}
		}
		steps = append(steps, natAttach{A: a, Replace: true})
		s := plan.NewSession(r.kernel)
		defer s.Close()
		ad := &adder{ctx: r.context(), s: s, stderr: r.stderr}
		if err := ad.up(steps...); err != nil {
			return nil, errorf(ErrInternal, "portmap: %v", err)
		}
	}
	return prev.Encode(c.CNIVersion)
}

func (r *run) portmapDel() error {
	k := r.natKey(r.env.ContainerID, r.env.IfName)
	return withNAT(func(n *nat.Conn) error { return n.DelAttachment(k.ID, k.IfName) })
}

// portmapCheck verifies the mappings of prevResult's addresses are in
// nf_tables exactly as ADD put them.
func (r *run) portmapCheck() error {
	if r.conf.PrevResult == nil {
		return errorf(ErrInvalidConfig, "CHECK: required prevResult missing")
	}
	prev, _, err := resultFrom(r.conf.PrevResult, "prevResult")
	if err != nil {
		return err
	}
	return r.checkNAT(prev)
}

// loopbackAdd is loopback's ADD: lo up (whatever CNI_IFNAME says); the
// result is prevResult in a chain, else lo with its first address of each
// family.
func (r *run) loopbackAdd() (*Result, error) {
	s := plan.NewSession(r.kernel)
	defer s.Close()
	ref := nsfs.PathRef(r.env.NetNS)
	conn, err := s.Rtnl(ref)
	if err != nil {
		return nil, errorf(ErrInternal, "failed to open netns %q: %v", r.env.NetNS, err)
	}
	ad := &adder{ctx: r.context(), s: s, stderr: r.stderr}
	if err := ad.up(plan.LinkSet{NS: ref, Dev: "lo", Up: ptr(true)}); err != nil {
		return nil, errorf(ErrInternal, "loopback: %v", err)
	}
	l, err := conn.LinkByName("lo")
	if err != nil {
		return nil, errorf(ErrInternal, "loopback: %v", err)
	}
	res := &Result{Interfaces: []Interface{{Name: "lo", Mac: net.HardwareAddr(make([]byte, 6)).String(), Sandbox: r.env.NetNS}}}
	for _, fam := range []rtnl.Family{rtnl.FamilyInet, rtnl.FamilyInet6} {
		addrs, err := conn.Addrs(fam, l.Index)
		if err != nil {
			return nil, errorf(ErrInternal, "loopback: %v", err)
		}
		for _, a := range addrs {
			if !a.Prefix().Addr().IsLoopback() {
				return nil, errorf(ErrInternal, "loopback interface found with non-loopback address %s", a.Prefix())
			}
		}
		if len(addrs) > 0 {
			res.IPs = append(res.IPs, IPConfig{Interface: ptr(0), Address: addrs[0].Prefix()})
		}
	}
	if r.conf.PrevResult != nil {
		prev, _, err := resultFrom(r.conf.PrevResult, "prevResult")
		return prev, err
	}
	return res, nil
}

// loopbackDel brings lo down; a namespace that is gone is no error.
func (r *run) loopbackDel() error {
	if r.env.NetNS == "" {
		return nil
	}
	ct, err := openContainer(r.env.NetNS)
	if err != nil {
		if notExist(err) {
			return nil
		}
		return errorf(ErrInternal, "failed to open netns %q: %v", r.env.NetNS, err)
	}
	defer ct.Close()
	err = ct.conn.SetLink(&rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Name: "lo"}, Change: rtnl.LinkUp})
	if err != nil && !notExist(err) {
		return errorf(ErrInternal, "loopback: %v", err)
	}
	return nil
}
