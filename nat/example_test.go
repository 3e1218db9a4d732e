package nat_test

import (
	"errors"
	"fmt"
	"log"
	"net/netip"

	"github.com/nsnet/nsnet/nat"
)

// Give 192.168.11.0/24 Internet access through ens33, as the seed's
// iptables lines do. Needs CAP_NET_ADMIN, so it is compiled, not run.
func ExampleConn_Add() {
	c, err := nat.Dial(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	for _, o := range []nat.Object{
		nat.Masquerade{Source: netip.MustParsePrefix("192.168.11.0/24"), OutIface: "ens33"},
		nat.Forward{A: "veth0s0", B: "ens33"},
		nat.Publish{Listen: netip.AddrPortFrom(netip.Addr{}, 8080), To: netip.MustParseAddrPort("192.168.11.101:80")},
	} {
		if err := c.Add(o); err != nil && !errors.Is(err, nat.ErrExist) {
			log.Fatal(err)
		}
	}
	drops, err := c.ForwardDrops()
	if err != nil {
		log.Fatal(err)
	}
	for _, ch := range drops {
		fmt.Printf("table %s %s chain %s drops forwarded traffic\n", ch.Family, ch.Table, ch.Name)
	}
}

// List what nsnet has in its table.
func ExampleConn_List() {
	c, err := nat.Dial(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	entries, err := c.List()
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range entries {
		if e.Object == nil {
			continue // a rule someone else put in nsnet's table
		}
		fmt.Println(e.Object, "intact:", e.Intact)
		for _, r := range e.Rules {
			fmt.Printf("  %s handle %d: %s\n", r.Chain, r.Handle, nat.Describe(r.Exprs))
		}
	}
}

func ExampleParseObject() {
	o, err := nat.ParseObject("publish [2001:db8::1]:8080 to [2001:db8:11::101]:80")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(o)
	rules, err := o.Rules()
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range rules {
		fmt.Printf("%s: %s\n", r.Chain, nat.Describe(r.Exprs))
	}
	// Output:
	// publish [2001:db8::1]:8080/tcp to [2001:db8:11::101]:80
	// prerouting: meta nfproto ipv6 ip6 daddr 2001:db8::1 meta l4proto tcp tcp dport 8080 counter name "publish/tcp/2001-db8--1/8080" dnat ip6 to [2001:db8:11::101]:80
	// output: meta nfproto ipv6 ip6 daddr 2001:db8::1 meta l4proto tcp tcp dport 8080 counter name "publish/tcp/2001-db8--1/8080" dnat ip6 to [2001:db8:11::101]:80
}

func ExampleMasquerade_Rules() {
	m := nat.Masquerade{Source: netip.MustParsePrefix("192.168.11.0/24"), OutIface: "ens33"}
	rules, err := m.Rules()
	if err != nil {
		log.Fatal(err)
	}
	r := rules[0]
	fmt.Printf("table %s %s chain %s\n", r.Family, r.Table, r.Chain)
	fmt.Println(nat.Describe(r.Exprs))
	fmt.Printf("comment %q\n", r.Comment)
	// Output:
	// table inet nsnet chain postrouting
	// meta nfproto ipv4 ip saddr 192.168.11.0/24 oifname "ens33" counter name "masquerade/192.168.11.0/24/ens33" masquerade
	// comment "nsnet masquerade 192.168.11.0/24 out ens33"
}
