package rtnl

import (
	"net"
	"net/netip"
	"reflect"
	"testing"
)

// TestDecodeLinkReply decodes the kernel's reply to `ip link show veth0s0`
// for a veth whose peer is in another namespace (nsid 0), up, mtu 1400.
func TestDecodeLinkReply(t *testing.T) {
	b := readHex(t, "link_veth_reply.hex")[0]
	var m LinkMessage
	if err := m.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	a := m.Attrs
	switch {
	case m.Index != 2 || a.Name != "veth0s0" || m.Type != HardwareEther:
		t.Fatalf("index %d name %q type %v", m.Index, a.Name, m.Type)
	case m.Flags&(LinkUp|LinkLowerUp|LinkBroadcast|LinkMulticast) != LinkUp|LinkLowerUp|LinkBroadcast|LinkMulticast:
		t.Fatalf("flags %v", m.Flags)
	case a.MTU == nil || *a.MTU != 1400 || a.MinMTU == nil || *a.MinMTU != 68:
		t.Fatalf("mtu %v min %v", a.MTU, a.MinMTU)
	case a.Link == nil || *a.Link != 2 || a.LinkNetNSID == nil || *a.LinkNetNSID != 0:
		t.Fatalf("link %v netnsid %v", a.Link, a.LinkNetNSID)
	case a.OperState == nil || *a.OperState != OperUp || a.Qdisc != "noqueue":
		t.Fatalf("operstate %v qdisc %q", a.OperState, a.Qdisc)
	case a.Info == nil || a.Info.Kind != "veth":
		t.Fatalf("info %+v", a.Info)
	case a.AddrGenMode == nil || *a.AddrGenMode != 0:
		t.Fatalf("addrgenmode %v", a.AddrGenMode)
	case len(a.Address) != 6 || a.Broadcast.String() != "ff:ff:ff:ff:ff:ff":
		t.Fatalf("address %v brd %v", a.Address, a.Broadcast)
	case a.Stats == nil || a.TxQueueLen == nil || *a.TxQueueLen != 1000:
		t.Fatalf("stats %v txqlen %v", a.Stats, a.TxQueueLen)
	}
	if got := m.Flags.Names(); !reflect.DeepEqual(got, []string{"BROADCAST", "MULTICAST", "UP", "LOWER_UP"}) {
		t.Fatalf("flag names %v", got)
	}
	roundTrip(t, &m, &LinkMessage{})
}

// roundTrip checks that decode(encode(m)) == m.
func roundTrip(t *testing.T, m, empty Message) {
	t.Helper()
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if err := empty.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(empty, m) {
		t.Fatalf("round trip changed the message\n got %s\nwant %s", show(empty), show(m))
	}
}

func TestLinkRoundTrip(t *testing.T) {
	for _, m := range []*LinkMessage{
		{},
		{Family: FamilyBridge, Type: HardwareEther, Index: 7, Flags: LinkUp | LinkRunning, Change: LinkUp},
		{Index: 3, Attrs: LinkAttrs{
			Name: "veth0", Address: net.HardwareAddr{2, 1, 2, 3, 4, 5}, Broadcast: net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
			MTU: new(uint32(9000)), Link: new(uint32(4)), LinkNetNSID: new(int32(-1)), Master: new(uint32(0)),
			Qdisc: "noqueue", TxQueueLen: new(uint32(1000)), OperState: new(OperLowerLayerDown),
			LinkMode: new(LinkModeDormant), Group: new(uint32(0)), Alias: new(""), Promiscuity: new(uint32(1)),
			AllMulti: new(uint32(0)), NumTxQueues: new(uint32(2)), NumRxQueues: new(uint32(2)),
			GSOMaxSize: new(uint32(65536)), GSOMaxSegs: new(uint32(65535)), TSOMaxSize: new(uint32(524280)),
			TSOMaxSegs: new(uint32(65535)), GROMaxSize: new(uint32(65536)), Carrier: new(uint8(1)),
			CarrierChanges: new(uint32(2)), ProtoDown: new(uint8(0)), NetNSFD: new(uint32(5)), NetNSPID: new(uint32(1)),
			ExtMask: new(uint32(8)), AltNames: []string{"alt0", "alt1"}, AddrGenMode: new(uint8(1)),
			Stats:  &LinkStats{RxPackets: 1, TxBytes: 2, RxOtherhostDropped: 3},
			MinMTU: new(uint32(68)), MaxMTU: new(uint32(65535)), PermAddress: net.HardwareAddr{1, 2, 3, 4, 5, 6},
			Info: &LinkInfo{Kind: "veth", Data: &Veth{Peer: &LinkMessage{Flags: LinkUp, Change: LinkUp,
				Attrs: LinkAttrs{Name: "veth1", NetNSFD: new(uint32(9)), MTU: new(uint32(1280))}}},
				SlaveKind: "bridge", SlaveData: []byte{5, 0, 1, 0, 3, 0, 0, 0}},
		}},
		{Attrs: LinkAttrs{Name: "br0", Info: &LinkInfo{Kind: "bridge", Data: &Bridge{
			ForwardDelay: new(uint32(1500)), HelloTime: new(uint32(200)), MaxAge: new(uint32(2000)),
			AgeingTime: new(uint32(30000)), STPState: new(uint32(1)), Priority: new(uint16(32768)),
			VlanFiltering: new(uint8(1)), VlanDefaultPVID: new(uint16(1)), RootPort: new(uint16(0)),
			RootPathCost: new(uint32(0)), McastSnooping: new(uint8(1)), McastQuerier: new(uint8(0)),
			NfCallIptables: new(uint8(0)), NfCallIp6tables: new(uint8(0)),
			GroupAddr: net.HardwareAddr{1, 0x80, 0xc2, 0, 0, 0},
		}}}},
		{Attrs: LinkAttrs{Name: "vx0", Info: &LinkInfo{Kind: "vxlan", Data: &Vxlan{
			ID: new(uint32(42)), Group: netip.MustParseAddr("ff02::1"), Local: netip.MustParseAddr("2001:db8::1"),
			Link: new(uint32(2)), Port: new(uint16(4789)), PortLow: new(uint16(1000)), PortHigh: new(uint16(2000)),
			TTL: new(uint8(64)), TOS: new(uint8(0)), Learning: new(uint8(0)), Ageing: new(uint32(300)),
			DF: new(uint8(2)), UDPCsum: new(uint8(1)), UDPZeroCsum6Tx: new(uint8(0)), UDPZeroCsum6Rx: new(uint8(1)),
		}}}},
		{Attrs: LinkAttrs{Name: "vx1", Info: &LinkInfo{Kind: "vxlan", Data: &Vxlan{
			Proxy: new(uint8(1)), RSC: new(uint8(0)), L2Miss: new(uint8(1)), L3Miss: new(uint8(1)),
			RemCsumTx: new(uint8(1)), RemCsumRx: new(uint8(0)), External: new(uint8(1)), VNIFilter: new(uint8(1)),
			Limit: new(uint32(10)), Label: new(uint32(0x12345)), TTLInherit: new(uint8(1)), GBP: true, GPE: true,
		}}}},
		{Attrs: LinkAttrs{Name: "mv0", Info: &LinkInfo{Kind: "macvtap", Data: &Macvlan{
			Mode: new(MacvlanPassthru), Flags: new(uint16(1)), BcQueueLen: new(uint32(1000)), BcQueueLenUsed: new(uint32(1000)),
		}}}},
		{Attrs: LinkAttrs{Name: "tap0", Info: &LinkInfo{Kind: "tun", Data: &Tun{
			Owner: new(uint32(0)), Group: new(uint32(0)), Type: new(uint8(2)), PI: new(uint8(0)), VnetHdr: new(uint8(1)),
			Persist: new(uint8(1)), MultiQueue: new(uint8(0)),
		}}}},
		{Attrs: LinkAttrs{Name: "wg0", Info: &LinkInfo{Kind: "wireguard", Data: &RawLinkData{Data: []byte{8, 0, 1, 0, 1, 0, 0, 0}}}}},
	} {
		t.Run(m.Attrs.Name, func(t *testing.T) { roundTrip(t, m, &LinkMessage{}) })
	}
}

func TestLinkDecodeErrors(t *testing.T) {
	for name, b := range map[string][]byte{
		"short header":     make([]byte, 15),
		"bad attribute":    append(make([]byte, 16), 0xff, 0, 3, 0),
		"mtu of two bytes": append(make([]byte, 16), 6, 0, 4, 0, 1, 2, 0, 0),
		"short veth peer": append(make([]byte, 16),
			0x18, 0, 18, 0, 8, 0, 1, 0, 'v', 'e', 't', 'h', 0x0c, 0, 2, 0, 8, 0, 1, 0, 0, 0, 0, 0),
	} {
		var m LinkMessage
		if err := m.UnmarshalBinary(b); err == nil {
			t.Errorf("%s: decoded without error: %s", name, show(&m))
		}
	}
}

func TestLinkFlagNames(t *testing.T) {
	for _, tt := range []struct {
		f    LinkFlags
		want string
	}{
		{LinkUp | LinkBroadcast | LinkMulticast, "NO-CARRIER,BROADCAST,MULTICAST,UP"},
		{LinkUp | LinkRunning | LinkLowerUp | LinkLoopback, "LOOPBACK,UP,LOWER_UP"},
		{LinkBroadcast | 0x80000000, "BROADCAST,80000000"},
		{0, ""},
	} {
		if got := tt.f.String(); got != tt.want {
			t.Errorf("%#x: %q, want %q", uint32(tt.f), got, tt.want)
		}
	}
	if OperLowerLayerDown.String() != "LOWERLAYERDOWN" || OperState(9).String() != "9" {
		t.Error("operstate names")
	}
	if HardwareLoopback.String() != "loopback" || HardwareType(999).String() != "[999]" {
		t.Error("hardware type names")
	}
}
