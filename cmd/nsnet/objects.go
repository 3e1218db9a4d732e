package main

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
	{name: "monitor", parse: parseMonitor, help: monitorHelp},
}
