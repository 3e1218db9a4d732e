package nat

import (
	"net/netip"
	"testing"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// The state a Conn keeps: objects found by key (forward B A is forward A
// B), publishes by what they listen on, the rule count kept as entries
// come and go.
func TestStateIndex(t *testing.T) {
	var rules []Rule
	objs := []Object{
		Forward{A: "up0", B: "h0"},
		Masquerade{Source: netip.MustParsePrefix("10.200.0.0/16")},
		Publish{Listen: netip.AddrPortFrom(netip.Addr{}, 8080), To: netip.MustParseAddrPort("192.0.2.2:80")},
	}
	for _, o := range objs {
		rs, err := o.Rules()
		if err != nil {
			t.Fatal(err)
		}
		rules = append(rules, rs...)
	}
	rules = append(rules, Rule{Family: TableFamily, Table: TableName, Chain: "forward", Comment: "not ours"})
	st := newState(true, group(rules))
	if st.ruleCount() != 2+1+2+1 {
		t.Fatalf("rule count %d", st.ruleCount())
	}
	if e := st.find(Forward{A: "h0", B: "up0"}); e == nil || !e.Intact || e.Object.String() != "forward up0 h0" {
		t.Fatalf("forward h0 up0: %+v", e)
	}
	other := Publish{Listen: netip.AddrPortFrom(netip.Addr{}, 8080), To: netip.MustParseAddrPort("192.0.2.3:80")}.canon()
	if got := st.listen[other.listenKey()]; len(got) != 1 || st.entries[got[0]].Object.String() != objs[2].String() {
		t.Fatalf("listen index: %v", got)
	}
	st.remove(objs[2])
	st.remove(objs[2])
	if st.find(objs[2]) != nil || len(st.listen) != 0 || st.ruleCount() != 4 {
		t.Fatalf("after remove: %+v", st)
	}
	st.remove(Forward{A: "h0", B: "up0"})
	if st.find(objs[0]) != nil || st.ruleCount() != 2 || st.find(objs[1]) == nil {
		t.Fatalf("after remove: %+v", st)
	}
	st.insert(group(rules[:2])[0])
	if e := st.find(objs[0]); e == nil || !e.Intact || st.ruleCount() != 4 {
		t.Fatalf("after insert: %+v", e)
	}
}

// What commit takes from the kernel's echoes: the new generation and the
// new rules with their handles; anything else is ignored.
func TestEchoed(t *testing.T) {
	genMsg := func(g uint32) netlink.Message {
		ae := newEncoder()
		ae.Uint32(unix.NFTA_GEN_ID, g)
		ae.Uint32(unix.NFTA_GEN_PROC_PID, 1)
		attrs, _ := ae.Encode()
		return netlink.Message{Header: netlink.Header{Type: msgType(unix.NFT_MSG_NEWGEN)}, Data: append(nfgenmsg(FamilyUnspec, 0), attrs...)}
	}
	rs, _ := Forward{A: "up0", B: "h1"}.Rules()
	var msgs []netlink.Message
	for i := range rs {
		rs[i].Handle = uint64(10 + i)
		data, err := rs[i].MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, netlink.Message{Header: netlink.Header{Type: msgType(unix.NFT_MSG_NEWRULE)}, Data: data})
	}
	tb, _ := (&Table{Family: TableFamily, Name: TableName}).MarshalBinary()
	msgs = append([]netlink.Message{{Header: netlink.Header{Type: msgType(unix.NFT_MSG_NEWTABLE)}, Data: tb}}, msgs...)
	msgs = append(msgs, genMsg(42))
	gen, added := echoed(msgs)
	if gen != 42 || len(added) != 2 || added[0].Handle != 10 || added[1].Handle != 11 || added[1].Comment != "nsnet forward up0 h1" {
		t.Fatalf("echoed: %d %+v", gen, added)
	}
	if e := group(added); len(e) != 1 || !e[0].Intact {
		t.Fatalf("echoed rules do not make the object: %+v", e)
	}
	if gen, _ := echoed(msgs[:3]); gen != 0 {
		t.Fatalf("no NEWGEN: gen %d", gen)
	}
	bad := genMsg(7)
	bad.Data = bad.Data[:3]
	if gen, added := echoed(append(msgs, bad)); gen != 0 || added != nil {
		t.Fatalf("bad NEWGEN: %d %v", gen, added)
	}
	if g, err := decodeGen(genMsg(7).Data); g != 7 || err != nil {
		t.Fatalf("decodeGen: %d %v", g, err)
	}
}
