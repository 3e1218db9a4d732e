package rtnl

import (
	"encoding/hex"
	"net/netip"
	"testing"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// Payloads captured (nsnet --trace=hex monitor) from the notifications of
// `ip neigh add 10.9.0.7 lladdr 02:00:00:00:00:07 dev v0`, `ip rule add
// not to 10.12.0.0/16 fwmark 0x10/0xff iif v0 lookup 100 prio 1001` and
// `ip netns set peer 5`.
const (
	capNeigh = "020000000300000080000003080001000a0900070a000200020000000007000008000400000000001400030000000000000000000000000001000000"
	capRule  = "02100000640000010200000008000f006400000008000e00ffffffff0500150000000000070003007630000008000600e903000008000a001000000008001000ff000000080001000a0c0000"
	capNSID  = "0000000008000100" + "05000000"
)

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeNeighEvent(t *testing.T) {
	e, err := DecodeEvent(unix.RTM_NEWNEIGH, mustHex(t, capNeigh))
	if err != nil {
		t.Fatal(err)
	}
	n := e.Neigh
	if n == nil || e.Deleted() {
		t.Fatalf("event %+v", e)
	}
	if n.Family != FamilyInet || n.Index != 3 || n.Attrs.Dst != netip.MustParseAddr("10.9.0.7") ||
		n.Attrs.LLAddr.String() != "02:00:00:00:00:07" || n.Attrs.Probes == nil || *n.Attrs.Probes != 0 {
		t.Fatalf("neigh %+v", n)
	}
	if s := n.State.Names(); len(s) != 1 || s[0] != "PERMANENT" {
		t.Fatalf("states %v", s)
	}
}

func TestDecodeRuleEvent(t *testing.T) {
	e, err := DecodeEvent(unix.RTM_DELRULE, mustHex(t, capRule))
	if err != nil {
		t.Fatal(err)
	}
	r := e.Rule
	if r == nil || !e.Deleted() {
		t.Fatalf("event %+v", e)
	}
	a := &r.Attrs
	if r.Family != FamilyInet || r.Dst != netip.MustParsePrefix("10.12.0.0/16") || r.Table != 100 ||
		r.Action != RuleToTable || r.Flags&RuleInvert == 0 || a.IIFName != "v0" ||
		*a.Priority != 1001 || *a.FwMark != 0x10 || *a.FwMask != 0xff || *a.SuppressPrefixLen != -1 || *a.Protocol != 0 {
		t.Fatalf("rule %+v", r)
	}
}

func TestDecodeNSIDEvent(t *testing.T) {
	e, err := DecodeEvent(unix.RTM_NEWNSID, mustHex(t, capNSID))
	if err != nil || e.NetNS == nil || e.NetNS.NSID != 5 || e.NetNS.CurrentNSID != nil {
		t.Fatalf("%+v %v", e, err)
	}
	if _, err := DecodeEvent(unix.RTM_NEWNSID, mustHex(t, "00000000")); err == nil {
		t.Fatal("an nsid event without NETNSA_NSID decoded")
	}
}

// Truncated and garbled payloads are errors, never panics.
func TestDecodeEventBad(t *testing.T) {
	for _, typ := range []uint16{unix.RTM_NEWLINK, unix.RTM_NEWADDR, unix.RTM_NEWROUTE, unix.RTM_NEWNEIGH, unix.RTM_NEWRULE, unix.RTM_NEWNSID} {
		for _, p := range []string{"", "02", capRule[:30] + "ff"} {
			if _, err := DecodeEvent(netlinkType(typ), mustHex(t, p)); err == nil && p == "" {
				t.Errorf("type %d: empty payload decoded", typ)
			}
		}
	}
	if e, err := DecodeEvent(3, nil); e != nil || err != nil { // NLMSG_DONE
		t.Fatalf("control message: %v %v", e, err)
	}
}

func FuzzDecodeEvent(f *testing.F) {
	for typ, p := range map[uint16]string{unix.RTM_NEWNEIGH: capNeigh, unix.RTM_NEWRULE: capRule, unix.RTM_NEWNSID: capNSID} {
		b, _ := hex.DecodeString(p)
		f.Add(typ, b)
	}
	f.Fuzz(func(t *testing.T, typ uint16, b []byte) {
		DecodeEvent(netlinkType(typ), b)
	})
}

func netlinkType(t uint16) netlink.HeaderType { return netlink.HeaderType(t) }
