package cni

import (
	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/sysctl"
)

// setSysctlNS writes value to the sysctl at path key (below /proc/sys,
// with slashes: an interface name may hold dots) of namespace ns (nil: the
// calling thread's), unless it holds value already. The key is validated
// by package sysctl: a path that would leave /proc/sys/net is refused.
func setSysctlNS(ns *nsfs.NS, key, value string) error {
	k, err := sysctl.ParseKey(key)
	if err != nil {
		return err
	}
	if v, err := sysctl.Read(ns, k); err == nil && sysctl.SameValue(v, value) {
		return nil
	}
	return sysctl.Write(ns, k, value)
}

// ifSysctl is the path of an interface's sysctl: family "ipv4" or
// "ipv6", then net/FAMILY/conf/IFNAME/KEY.
func ifSysctl(family, ifname, key string) string {
	return "net/" + family + "/conf/" + ifname + "/" + key
}
