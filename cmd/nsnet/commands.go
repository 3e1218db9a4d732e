package main

import "fmt"

// objects lists the top-level words in the order abbreviations are tried,
// as in iproute2: "a" is address, "l" link, "r" route, "ru" rule, "n"
// neighbor, "net" netns.
var objects = []object{
	{name: "address", parse: parseAddr, help: addrHelp},
	{name: "route", parse: parseRoute, help: routeHelp},
	{name: "rule", parse: parseRule, help: ruleHelp},
	{name: "neighbor", parse: parseNeigh, help: neighHelp},
	{name: "neighbour", parse: parseNeigh, help: neighHelp},
	{name: "link", parse: parseLink, help: linkHelp},
	{name: "netns", parse: parseNetns, help: netnsHelp},
	{name: "nat", parse: parseNat, help: natHelp},
	{name: "sysctl", parse: parseSysctl, help: sysctlHelp},
	{name: "up", parse: parseUp, help: upHelp},
	{name: "down", parse: parseDown, help: upHelp},
	{name: "ping", parse: parsePing, help: pingHelp},
	{name: "capture", parse: parseCapture, help: captureHelp},
	{name: "genl", parse: parseGenl, help: genlHelp},
	{name: "ethtool", parse: parseEthtool, help: ethtoolHelp},
	{name: "topology", parse: parseTopology, help: topologyHelp},
	{name: "monitor", parse: parseMonitor, help: monitorHelp},
	{name: "tuntap", parse: parseTuntap, help: tuntapHelp, shadow: []string{"tunnel", "tunl"}},
	{name: "tap", parse: parseTuntap, help: tuntapHelp},
	{name: "ip", parse: parseIPObject, help: ipHelp},
}

// ipOnlyObjects are iproute2's objects nsnet does not implement, in ip's
// order; a word that names one is refused with a line that says so.
var ipOnlyObjects = []string{"addrlabel", "maddress", "ntable", "ntbl",
	"l2tp", "fou", "ila", "macsec", "tunnel", "tunl", "token", "tcpmetrics", "tcp_metrics",
	"xfrm", "mroute", "mrule", "netconf", "vrf", "sr", "nexthop", "mptcp", "ioam", "stats"}

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

// ipHelp is "nsnet ip help": what nsnet is when it runs as ip.
const ipHelp = `NSNET-IP(8)                      nsnet manual                      NSNET-IP(8)

NAME
       ip (nsnet) - iproute2's ip, for the objects nsnet implements

SYNOPSIS
       ln -s /usr/bin/nsnet /sbin/ip
       ip [ OPTIONS ] { link | address | route | rule | neigh | netns | tuntap | monitor }
          { COMMAND | help }
       nsnet ip help

DESCRIPTION
       When its program name is "ip", nsnet is a drop-in ip for the objects it
       implements: the same grammar, defaults and abbreviations, the same
       standard output (text, -o, -br, -d, -s -s, -j, -j -p), and ip's wording
       of errors on standard error:

           RTNETLINK answers: File exists          (the kernel refused; exit 2)
           Error: ipv4: Address already assigned.  (the kernel's own message)
           Cannot find device "eth9"               (exit 1)
           Device "eth9" does not exist.           (a listing; exit 1)
           Error: any valid prefix is expected rather than "10.0.0.0/33".
           Error: argument "x" is wrong: "metric" value is invalid
           Command "frob" is unknown, try "ip link help".
           Object "frob" is unknown, try "ip help".
           Cannot open network namespace "x": No such file or directory

       Run as nsnet, the messages are nsnet's own, but the exit statuses are
       ip's in both cases, so scripts that test them behave the same.

OPTIONS
       -o, -oneline   one line per record ("\" joins a record's lines)
       -j, -p         JSON, laid out as ip -j -p lays it out
       -br, -d, -s    brief, details (vxlan, bridge, bridge ports), statistics;
                      -s -s adds the RX errors / TX errors tables
       -h, -iec       human-readable counters
       -f FAMILY      inet, inet6, link; -4, -6, -0
       -c[=always|auto|never]
                      colours as ip 6.1 colours (auto: on a terminal only)
       -n NS, -all, -batch FILE, -force, -t, -N, -r, -rcvbuf N
                      accepted as ip accepts them

OBJECTS
       link, address, route, rule, neigh, netns, tuntap and monitor are ip's. tc,
       xfrm, mptcp, tunnel, maddress, l2tp, vrf, nexthop and the other
       iproute2 objects are refused with one line naming the object, with exit
       status 1 (as ip exits for an object it does not know).

EXIT STATUS
       0 success; 1 local failures and some argument errors; 2 the kernel
       refused the request; 255 other argument errors; netns exec: the
       command's status, 1 when it cannot be run.

SEE ALSO
       ip(8), docs/COMPAT.md (every known difference from iproute2 and why)
`

// parseIPObject is "nsnet ip [help]".
func parseIPObject(args []string, opt options) (command, error) {
	if len(args) == 0 || isHelp(args[0]) {
		return helpCmd{text: ipHelp}, nil
	}
	return nil, usagef("nsnet ip: only \"nsnet ip help\"; run nsnet as ip (a symlink named ip) for ip's commands")
}
