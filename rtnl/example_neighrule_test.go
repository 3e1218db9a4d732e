package rtnl_test

import (
	"errors"
	"fmt"
	"log"
	"net"
	"net/netip"
	"os"

	"github.com/nsnet/nsnet/rtnl"
)

// A permanent ARP entry for 10.0.0.2 on veth0, in the namespace "blue".
func ExampleConn_AddNeigh() {
	c, err := rtnl.Dial(&rtnl.Config{NetNSName: "blue"})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	idx, err := c.LinkIndex("veth0")
	if err != nil {
		log.Fatal(err)
	}
	err = c.AddNeigh(&rtnl.NeighMessage{Family: rtnl.FamilyInet, Index: idx, State: rtnl.NeighPermanent,
		Attrs: rtnl.NeighAttrs{Dst: netip.MustParseAddr("10.0.0.2"), LLAddr: net.HardwareAddr{2, 0, 0, 0, 0, 2}}})
	if errors.Is(err, os.ErrExist) {
		log.Fatal("there is an entry for 10.0.0.2 already")
	}
	if err != nil {
		log.Fatal(err)
	}
}

// Route what comes from 10.1.0.0/16 by table 100, then list the IPv4
// rules as ip rule does.
func ExampleConn_AddRule() {
	c, err := rtnl.Dial(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	pref := uint32(1000)
	err = c.AddRule(&rtnl.RuleMessage{Family: rtnl.FamilyInet, Src: netip.MustParsePrefix("10.1.0.0/16"),
		Table: 100, Action: rtnl.RuleToTable, Attrs: rtnl.RuleAttrs{Priority: &pref}})
	if err != nil {
		log.Fatal(err)
	}
	rules, err := c.Rules(rtnl.FamilyInet)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range rules {
		var p uint32
		if r.Attrs.Priority != nil {
			p = *r.Attrs.Priority
		}
		fmt.Printf("%d: %s %s\n", p, r.Action, r.Table)
	}
}
