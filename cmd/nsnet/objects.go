package main

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
}
