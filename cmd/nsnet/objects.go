package main

import "fmt"

// objects lists the top-level words in the order abbreviations are tried,
// as in iproute2: "a" is address, "l" link, "r" route, "n" netns.
var objects = []object{
	{name: "address", parse: parseAddr, help: addrHelp},
	{name: "route", parse: parseRoute, help: routeHelp},
	{name: "link", parse: parseLink, help: linkHelp},
	{name: "netns", parse: parseNetns, help: netnsHelp},
	{name: "nat", parse: parseNat, help: natHelp},
	{name: "sysctl", parse: parseSysctl, help: sysctlHelp},
	{name: "up", parse: parseUp, help: upHelp},
	{name: "down", parse: parseDown, help: upHelp},
	{name: "ping", parse: parsePing, help: pingHelp},
	{name: "capture", parse: parseCapture, help: captureHelp},
}

// ipOnlyObjects are iproute2's objects nsnet does not implement, in ip's
// order; a word that names one is refused with a line that says so.
var ipOnlyObjects = []string{"addrlabel", "maddress", "rule", "neighbor", "neighbour", "ntable", "ntbl",
	"l2tp", "fou", "ila", "macsec", "tunnel", "tunl", "tuntap", "tap", "token", "tcpmetrics", "tcp_metrics",
	"monitor", "xfrm", "mroute", "mrule", "netconf", "vrf", "sr", "nexthop", "mptcp", "ioam", "stats"}

// errNotImplemented is the error for an ip object nsnet lacks, or nil
// when word names none; it exits as ip does for an unknown object.
func errNotImplemented(word string) error {
	for _, o := range ipOnlyObjects {
		if matches(word, o) {
			msg := fmt.Sprintf("Object %q is not implemented by nsnet (iproute2's ip has it).", o)
			return ipUsage(1, msg, usagef("object %q is not implemented by nsnet (iproute2's ip has it)", o))
		}
	}
	return nil
}
