package plan

import (
	"encoding/binary"
	"errors"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nlattr"
)

// portData encodes bridge port attributes as the kernel reports them.
func portData(t *testing.T, attrs ...KindAttr) []byte {
	t.Helper()
	b, err := encodeKindAttrs(attrs, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// portValue is the value of attribute typ in link name's port settings.
func portValue(k kernel, name string, typ uint16) []byte {
	r := nlattr.NewReader(k.Links[name].Attrs.Info.SlaveData, binary.NativeEndian)
	for r.Next() {
		if r.Type == typ {
			return r.Data
		}
	}
	return nil
}

// TestLinkSetBridgePort: bridge port settings are applied in one request
// (a backup port by its index), Applied compares them with what the
// kernel reports, and the Inverse computed before puts each back (no
// backup port: 0; a flush: nothing).
func TestLinkSetBridgePort(t *testing.T) {
	k := newKernel(t)
	k.AddLink("br0", "bridge", 0)
	v1 := k.AddLink("v1", "veth", 0)
	v0 := k.AddLink("v0", "veth", 0)
	v0.Attrs.Info.SlaveKind = "bridge"
	v0.Attrs.Info.SlaveData = portData(t, KindAttr{Type: unix.IFLA_BRPORT_COST, Data: []byte{2, 0, 0, 0}},
		KindAttr{Type: unix.IFLA_BRPORT_LEARNING, Data: []byte{1}})
	s := k.session()
	step := LinkSet{Dev: "v0", BridgePort: []KindAttr{
		{Type: unix.IFLA_BRPORT_COST, Data: []byte{100, 0, 0, 0}},
		{Type: unix.IFLA_BRPORT_LEARNING, Data: []byte{0}},
		{Type: unix.IFLA_BRPORT_BACKUP_PORT, Dev: "v1"},
	}}
	if ok, err := step.Applied(bg, s); ok || err != nil {
		t.Fatalf("applied before: %v %v", ok, err)
	}
	inv, err := step.Inverse(bg, s)
	if err != nil {
		t.Fatal(err)
	}
	if err := step.Apply(bg, s); err != nil {
		t.Fatal(err)
	}
	if c, l, b := portValue(k, "v0", unix.IFLA_BRPORT_COST), portValue(k, "v0", unix.IFLA_BRPORT_LEARNING),
		portValue(k, "v0", unix.IFLA_BRPORT_BACKUP_PORT); len(c) != 4 || c[0] != 100 || l[0] != 0 || binary.NativeEndian.Uint32(b) != v1.Index {
		t.Fatalf("after Apply: cost %v learning %v backup %v", c, l, b)
	}
	if ok, err := step.Applied(bg, s); !ok || err != nil {
		t.Fatalf("not applied after: %v %v", ok, err)
	}
	if err := UndoFits(step, inv); err != nil {
		t.Fatal(err)
	}
	if err := inv.Apply(bg, s); err != nil {
		t.Fatal(err)
	}
	if c, l, b := portValue(k, "v0", unix.IFLA_BRPORT_COST), portValue(k, "v0", unix.IFLA_BRPORT_LEARNING),
		portValue(k, "v0", unix.IFLA_BRPORT_BACKUP_PORT); c[0] != 2 || l[0] != 1 || binary.NativeEndian.Uint32(b) != 0 {
		t.Fatalf("after the inverse: cost %v learning %v backup %v", c, l, b)
	}

	// A flush is never applied, and has nothing to undo.
	flush := LinkSet{Dev: "v0", BridgePort: []KindAttr{{Type: unix.IFLA_BRPORT_FLUSH}}}
	if ok, _ := flush.Applied(bg, s); ok {
		t.Error("a flush counted as applied")
	}
	if inv, err := flush.Inverse(bg, s); err != nil || len(inv.(LinkSet).BridgePort) != 0 {
		t.Errorf("flush inverse: %v, %v", inv, err)
	}
	// A missing backup port is named by its keyword; a link that is no
	// port has no inverse and is refused by the kernel.
	var de *DeviceError
	if err := (LinkSet{Dev: "v0", BridgePort: []KindAttr{{Type: unix.IFLA_BRPORT_BACKUP_PORT, Dev: "nosuch"}}}).Apply(bg, s); !errors.As(err, &de) || de.Keyword != "backup_port" {
		t.Errorf("missing backup port: %v", err)
	}
	other := LinkSet{Dev: "v1", BridgePort: []KindAttr{{Type: unix.IFLA_BRPORT_COST, Data: []byte{5, 0, 0, 0}}}}
	if _, err := other.Inverse(bg, s); err == nil {
		t.Error("an inverse for a link that is no port")
	}
	if ok, err := other.Applied(bg, s); ok || err != nil {
		t.Errorf("applied on a link that is no port: %v %v", ok, err)
	}
	if err := other.Apply(bg, s); err == nil {
		t.Error("bridge port settings on a link that is no port")
	}
	// A setting the kernel does not report cannot be put back.
	unknown := LinkSet{Dev: "v0", BridgePort: []KindAttr{{Type: unix.IFLA_BRPORT_ISOLATED, Data: []byte{1}}}}
	if _, err := unknown.Inverse(bg, s); !errors.Is(err, ErrIrreversible) {
		t.Errorf("inverse of an unreported setting: %v", err)
	}
}

// TestLinkSetBridgePortJournal: the settings survive the journal, and a
// record with a bad one, or an undo that sets what the step did not, is
// refused.
func TestLinkSetBridgePortJournal(t *testing.T) {
	step := LinkSet{Dev: "v0", BridgePort: []KindAttr{{Type: unix.IFLA_BRPORT_COST, Data: []byte{9, 0, 0, 0}}, {Type: unix.IFLA_BRPORT_BACKUP_PORT, Dev: "v1"}}}
	kind, data, err := EncodeStep(step)
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeStep(kind, data)
	if err != nil || len(back.(LinkSet).BridgePort) != 2 || back.(LinkSet).BridgePort[1].Dev != "v1" {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	for _, bad := range []LinkSet{
		{Dev: "v0", BridgePort: []KindAttr{{Type: 0, Data: []byte{1}}}},
		{Dev: "v0", BridgePort: []KindAttr{{Type: unix.IFLA_BRPORT_COST, Data: make([]byte, 8)}}},
		{Dev: "v0", BridgePort: []KindAttr{{Type: unix.IFLA_BRPORT_BACKUP_PORT, Dev: "a/b"}}},
	} {
		kind, data, _ := EncodeStep(bad)
		if _, err := DecodeStep(kind, data); err == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
	wider := LinkSet{Dev: "v0", BridgePort: []KindAttr{{Type: unix.IFLA_BRPORT_LEARNING, Data: []byte{1}}}}
	if err := UndoFits(step, wider); err == nil {
		t.Error("an undo that sets learning fits a step that sets the cost")
	}
}
