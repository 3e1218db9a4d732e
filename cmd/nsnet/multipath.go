package main

import (
	"net/netip"
)

// nexthopArg is one "nexthop via A dev D weight W onlink" group of a
// multipath route, as typed.
type nexthopArg struct {
	via    netip.Addr
	dev    string
	weight uint32 // 1..256; 0 means not given (1)
	onlink bool
}
