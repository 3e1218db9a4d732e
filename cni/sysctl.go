package cni

import (
	"errors"
	"os"

	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/sysctl"
)

// setSysctl writes value to the sysctl at path (below /proc/sys, with
// slashes: an interface name may hold dots) of the calling thread's
// network namespace, unless it holds value already. The key is validated
// by package sysctl: a path that would leave /proc/sys/net is refused.
func setSysctl(key, value string) error {
	return setSysctlNS(nil, key, value)
}

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

// setSysctlsIn writes the key/value pairs inside ns (see setSysctl); keys
// that do not exist are skipped when optional.
func setSysctlsIn(ns *nsfs.NS, kv [][2]string, optional bool) error {
	for _, p := range kv {
		if err := setSysctlNS(ns, p[0], p[1]); err != nil {
			if optional && errors.Is(err, os.ErrNotExist) {
				continue
			}
			return err
		}
	}
	return nil
}
