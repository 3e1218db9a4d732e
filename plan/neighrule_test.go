package plan

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"reflect"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/rtnl"
)

// TestNeighSteps: each neighbour step applies, is then applied, and its
// inverse (computed before it ran) puts back the entry the kernel had.
func TestNeighSteps(t *testing.T) {
	dst := netip.MustParseAddr("10.0.0.9")
	mac := net.HardwareAddr{2, 0, 0, 0, 0, 9}
	other := net.HardwareAddr{2, 0, 0, 0, 0, 8}
	stale := rtnl.NeighStale
	for _, tc := range []struct {
		name string
		have bool // an entry (STALE, other) is there before
		step func(NeighAdd) Step
	}{
		{"add", false, func(n NeighAdd) Step { return n }},
		{"replace new", false, func(n NeighAdd) Step { return NeighReplace(n) }},
		{"replace old", true, func(n NeighAdd) Step { return NeighReplace(n) }},
		{"change", true, func(n NeighAdd) Step { return NeighChange(n) }},
		{"del", true, func(n NeighAdd) Step { return NeighDel(n) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := newKernel(t)
			eth := k.AddLink("eth0", "veth", 0)
			before := []rtnl.NeighMessage(nil)
			if tc.have {
				before = []rtnl.NeighMessage{{Family: rtnl.FamilyInet, Index: eth.Index, State: rtnl.NeighStale,
					Flags: rtnl.NeighRouter, Attrs: rtnl.NeighAttrs{Dst: dst, LLAddr: other}}}
				k.Neighs = append(k.Neighs, before...)
			}
			s := k.session()
			st := tc.step(NeighAdd{Dev: "eth0", Dst: dst, LLAddr: mac})
			if ok, err := st.Applied(bg, s); ok || err != nil {
				t.Fatalf("applied before: %v %v", ok, err)
			}
			j := &MemoryJournal{}
			if err := Up(bg, s, []Step{st}, j); err != nil {
				t.Fatal(err)
			}
			if ok, err := st.Applied(bg, s); !ok || err != nil {
				t.Fatalf("not applied after up: %v %+v", err, k.Neighs)
			}
			if _, del := st.(NeighDel); del != (len(k.Neighs) == 0) {
				t.Fatalf("after up: %+v", k.Neighs)
			}
			if err := Down(bg, s, []Step{st}, DownOptions{Undo: j.Undo, Done: j.DownDone}); err != nil {
				t.Fatal(err)
			}
			if len(k.Neighs) != len(before) {
				t.Fatalf("after down: %+v, want %+v", k.Neighs, before)
			}
			if tc.have {
				n := k.Neighs[0]
				if n.State != stale || !reflect.DeepEqual(n.Attrs.LLAddr, other) || n.Flags&rtnl.NeighRouter == 0 {
					t.Fatalf("after down: %+v, want %+v", n, before[0])
				}
			}
		})
	}
}

func TestNeighInverseAndErrors(t *testing.T) {
	k := newKernel(t)
	k.AddLink("eth0", "veth", 0)
	s := k.session()
	dst := netip.MustParseAddr("2001:db8::1")
	// Nothing to delete: nothing to undo, and already applied.
	del := NeighDel{Dev: "eth0", Dst: dst}
	if inv, err := del.Inverse(bg, s); inv != nil || err != nil {
		t.Fatalf("%v %v", inv, err)
	}
	if ok, err := del.Applied(bg, s); !ok || err != nil {
		t.Fatal(ok, err)
	}
	// A change of nothing is undone by a deletion (proxy flag kept).
	ch := NeighChange{Dev: "eth0", Dst: dst, Flags: rtnl.NeighProxy | rtnl.NeighRouter, Managed: true}
	inv, err := ch.Inverse(bg, s)
	if want := (NeighDel{Dev: "eth0", Dst: dst, Flags: rtnl.NeighProxy}); err != nil || !reflect.DeepEqual(inv, want) {
		t.Fatalf("%#v %v", inv, err)
	}
	// A missing device is a *DeviceError that is os.ErrNotExist.
	err = NeighAdd{Dev: "nosuch", Dst: dst}.Apply(bg, s)
	var de *DeviceError
	if !errors.As(err, &de) || de.Name != "nosuch" || de.Keyword != "dev" || !errors.Is(err, os.ErrNotExist) || de.Error() == "" {
		t.Fatalf("%v", err)
	}
	// ... for which nothing is applied and a deletion is.
	if ok, err := (NeighAdd{Dev: "nosuch", Dst: dst}).Applied(bg, s); ok || err != nil {
		t.Fatal(ok, err)
	}
	// A managed entry is sent in state NONE with the managed flag; a
	// proxy entry is applied whatever its state.
	m := NeighAdd{Dev: "eth0", Dst: dst, Managed: true, Protocol: new(rtnl.RouteProtocol(4)), Flags: rtnl.NeighProxy}
	if err := m.Apply(bg, s); err != nil {
		t.Fatal(err)
	}
	if n := k.Neighs[0]; n.State != rtnl.NeighNone || n.Attrs.FlagsExt == nil || *n.Attrs.FlagsExt != rtnl.NeighExtManaged {
		t.Fatalf("%+v", n)
	}
	if ok, err := m.Applied(bg, s); !ok || err != nil {
		t.Fatal(ok, err)
	}
	// The undo of deleting it re-creates a proxy entry with its protocol.
	inv, err = NeighDel(m).Inverse(bg, s)
	if a, ok := inv.(NeighAdd); err != nil || !ok || a.Flags != rtnl.NeighProxy || a.State != nil || *a.Protocol != 4 {
		t.Fatalf("%#v %v", inv, err)
	}
	// A refusal is the kernel's error.
	k.Fail[unix.RTM_NEWNEIGH] = unix.EPERM
	if err := (NeighReplace{Dev: "eth0", Dst: dst}).Apply(bg, s); !errors.Is(err, unix.EPERM) {
		t.Fatal(err)
	}
}

func rule(table rtnl.Table, src string, prio uint32) rtnl.RuleMessage {
	r := rtnl.RuleMessage{Family: rtnl.FamilyInet, Table: table, Action: rtnl.RuleToTable}
	if src != "" {
		r.Src = netip.MustParsePrefix(src)
	}
	if prio != 0 {
		r.Attrs.Priority = &prio
	}
	return r
}

// defaultRules are the kernel's three IPv4 rules.
func defaultRules(k kernel) {
	k.Rules = []rtnl.RuleMessage{rule(rtnl.TableLocal, "", 0), rule(rtnl.TableMain, "", 32766), rule(rtnl.TableDefault, "", 32767)}
	k.Rules[0].Attrs.Priority = new(uint32(0))
}

func TestRuleSteps(t *testing.T) {
	k := newKernel(t)
	defaultRules(k)
	s := k.session()
	// A broader rule to table 100 sits before the one the plan adds: the
	// undo of the add deletes the plan's own rule, not the first match.
	broad := rule(100, "", 100)
	k.Rules = append(k.Rules[:1], append([]rtnl.RuleMessage{broad}, k.Rules[1:]...)...)
	add := RuleAdd{Rule: rule(100, "10.1.0.0/16", 0)}
	if ok, err := add.Applied(bg, s); ok || err != nil {
		t.Fatal(ok, err)
	}
	if err := Up(bg, s, []Step{add}, nil); err != nil {
		t.Fatal(err)
	}
	if len(k.Rules) != 5 {
		t.Fatalf("%+v", k.Rules)
	}
	if ok, err := add.Applied(bg, s); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if err := Up(bg, s, []Step{add}, nil); err != nil || len(k.Rules) != 5 {
		t.Fatalf("second up: %v %+v", err, k.Rules)
	}
	if err := Down(bg, s, []Step{add}, DownOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(k.Rules) != 4 || !reflect.DeepEqual(k.Rules[1].Attrs.Priority, broad.Attrs.Priority) {
		t.Fatalf("down deleted the wrong rule: %+v", k.Rules)
	}
	// The exact deletion of a rule that is not there is os.ErrNotExist.
	err := RuleDel{Rule: add.Rule, Exact: true}.Apply(bg, s)
	if !errors.Is(err, os.ErrNotExist) || err.Error() != "no such rule (from 10.1.0.0/16 table 100)" {
		t.Fatal(err)
	}
	// A deletion by selector; its undo adds the rule back with its
	// priority.
	del := RuleDel{Rule: rtnl.RuleMessage{Family: rtnl.FamilyInet, Table: 100}}
	j := &MemoryJournal{}
	if err := Up(bg, s, []Step{del}, j); err != nil {
		t.Fatal(err)
	}
	if len(k.Rules) != 3 {
		t.Fatalf("%+v", k.Rules)
	}
	if ok, err := del.Applied(bg, s); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if err := Down(bg, s, []Step{del}, DownOptions{Undo: j.Undo, Done: j.DownDone}); err != nil {
		t.Fatal(err)
	}
	if len(k.Rules) != 4 || *k.Rules[1].Attrs.Priority != 100 || k.Rules[1].Table != 100 {
		t.Fatalf("%+v", k.Rules)
	}
	// Nothing to delete: nothing to undo.
	if inv, err := (RuleDel{Rule: rule(200, "", 0)}).Inverse(bg, s); inv != nil || err != nil {
		t.Fatal(inv, err)
	}
}

func TestMatchAndCanonRule(t *testing.T) {
	r := rule(100, "10.0.0.0/8", 5)
	r.Attrs.SuppressPrefixLen, r.Attrs.SuppressIfGroup = new(int32(-1)), new(int32(-1))
	r.Attrs.FwMark, r.Attrs.FwMask = new(uint32(1)), new(uint32(0xffffffff))
	r.Attrs.Protocol = new(rtnl.RouteProtocol(0))
	r.Flags = rtnl.RuleInvert | 0x10000
	q := rule(100, "", 0)
	if !MatchRule(&q, &r) {
		t.Fatal("a table selector does not match")
	}
	for _, bad := range []func(*rtnl.RuleMessage){
		func(m *rtnl.RuleMessage) { m.Table = 200 },
		func(m *rtnl.RuleMessage) { m.Attrs.Priority = new(uint32(6)) },
		func(m *rtnl.RuleMessage) { m.Src = netip.MustParsePrefix("10.1.0.0/16") },
		func(m *rtnl.RuleMessage) { m.Attrs.FwMark = new(uint32(2)) },
		func(m *rtnl.RuleMessage) { m.Attrs.IIFName = "eth0" },
		func(m *rtnl.RuleMessage) { m.Family = rtnl.FamilyInet6 },
	} {
		m := q
		bad(&m)
		if MatchRule(&m, &r) {
			t.Errorf("%+v matches %+v", m, r)
		}
	}
	back := RestorableRule(&r)
	if back.Flags != rtnl.RuleInvert || back.Attrs.SuppressPrefixLen != nil || back.Attrs.SuppressIfGroup != nil || back.Attrs.Protocol != nil {
		t.Fatalf("%+v", back)
	}
	req := rule(100, "10.0.0.0/8", 0)
	req.Attrs.FwMark = new(uint32(1))
	req.Flags = rtnl.RuleInvert
	if !reflect.DeepEqual(canonRule(&r, false), canonRule(&req, false)) {
		t.Fatalf("%+v\n%+v", canonRule(&r, false), canonRule(&req, false))
	}
}
