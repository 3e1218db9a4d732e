package cni

import (
	"errors"
	"os"
	"strings"

	"github.com/nsnet/nsnet/nsfs"
)

// setSysctl writes value to the sysctl at path (below /proc/sys, with
// slashes: an interface name may hold dots) of the calling thread's
// network namespace, unless it holds value already.
func setSysctl(key, value string) error {
	path := "/proc/sys/" + key
	if b, err := os.ReadFile(path); err == nil && strings.TrimSpace(string(b)) == value {
		return nil
	}
	return os.WriteFile(path, []byte(value), 0o644)
}

// ifSysctl is the path of an interface's sysctl: family "ipv4" or
// "ipv6", then net/FAMILY/conf/IFNAME/KEY.
func ifSysctl(family, ifname, key string) string {
	return "net/" + family + "/conf/" + ifname + "/" + key
}

// setSysctlsIn writes the key/value pairs inside ns (see setSysctl); keys
// that do not exist are skipped when optional.
func setSysctlsIn(ns *nsfs.NS, kv [][2]string, optional bool) error {
	return nsfs.Do(ns, func() error {
		for _, p := range kv {
			if err := setSysctl(p[0], p[1]); err != nil {
				if optional && errors.Is(err, os.ErrNotExist) {
					continue
				}
				return err
			}
		}
		return nil
	})
}
