package ethtool

import "strings"

// Legacy is one of ethtool's legacy offload flags: a short alias, the
// long name `ethtool -k` prints, and the pattern (at most one '*') of the
// kernel features it stands for.
type Legacy struct {
	Short, Long, Pattern string
}

// LegacyFlags are ethtool's flags in the order `ethtool -k` prints them
// (off_flag_def in ethtool's common.c). udp-fragmentation-offload (ufo)
// names no feature of a kernel with the ethtool netlink family; it is
// accepted and changes nothing, as in ethtool.
var LegacyFlags = []Legacy{
	{"rx", "rx-checksumming", "rx-checksum"},
	{"tx", "tx-checksumming", "tx-checksum-*"},
	{"sg", "scatter-gather", "tx-scatter-gather*"},
	{"tso", "tcp-segmentation-offload", "tx-tcp*-segmentation"},
	{"ufo", "udp-fragmentation-offload", "tx-udp-fragmentation"},
	{"gso", "generic-segmentation-offload", "tx-generic-segmentation"},
	{"gro", "generic-receive-offload", "rx-gro"},
	{"lro", "large-receive-offload", "rx-lro"},
	{"rxvlan", "rx-vlan-offload", "rx-vlan-hw-parse"},
	{"txvlan", "tx-vlan-offload", "tx-vlan-hw-insert"},
	{"ntuple", "ntuple-filters", "rx-ntuple-filter"},
	{"rxhash", "receive-hashing", "rx-hashing"},
}

// Match reports whether feature name matches the flag's pattern.
func (l Legacy) Match(name string) bool {
	pre, post, star := strings.Cut(l.Pattern, "*")
	if !star {
		return name == l.Pattern
	}
	return len(name) >= len(pre)+len(post) && strings.HasPrefix(name, pre) && strings.HasSuffix(name, post)
}

// legacyOf returns the index in LegacyFlags of the flag feature name
// belongs to, or -1.
func legacyOf(name string) int {
	if name == "" {
		return -1
	}
	for i, l := range LegacyFlags {
		if l.Match(name) {
			return i
		}
	}
	return -1
}

// Expand returns the features that word means, given the device's
// feature names: a short alias or long name of a legacy flag stands for
// every feature matching its pattern (tx: all of tx-checksum-*), and any
// other word for the feature of that name. ok is false for a word that
// names nothing.
func Expand(names []string, word string) (features []string, ok bool) {
	for _, l := range LegacyFlags {
		if word != l.Short && word != l.Long {
			continue
		}
		for _, n := range names {
			if l.Match(n) {
				features = append(features, n)
			}
		}
		return features, true
	}
	if indexOf(names, word) >= 0 {
		return []string{word}, true
	}
	return nil, false
}
