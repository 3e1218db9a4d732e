package plan

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/ethtool"
)

func u32p(v uint32) *uint32 { return &v }

// TestEthtoolFeaturesUpDown: a legacy name (tx) and a feature name turned
// off by Up on the fake ethtool family, Applied then true, and Down
// turning them back on; the report sees the changes.
func TestEthtoolFeaturesUpDown(t *testing.T) {
	k := newEthKernel()
	d := k.veth("v0")
	s := k.session(nil)
	var report []ethtool.FeatureChange
	step := EthtoolFeatures{Dev: "v0", Names: []string{"tx", "rx-gro"}, On: []bool{false, false},
		Report: func(ch []ethtool.FeatureChange) error { report = ch; return nil }}
	if ok, err := step.Applied(bg, s); ok || err != nil {
		t.Fatalf("applied before up: %v %v", ok, err)
	}
	j := &MemoryJournal{}
	if err := Up(bg, s, []Step{step}, j); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"tx-checksum-ipv4", "tx-checksum-ipv6", "rx-gro"} {
		if f := d.feats[n]; f.wanted || f.active {
			t.Errorf("%s still on after up: %+v", n, *f)
		}
	}
	if f := d.feats["tx-scatter-gather"]; !f.active {
		t.Errorf("tx-scatter-gather turned off")
	}
	if len(report) != 3 || report[0].Refused || report[0].Active {
		t.Errorf("report %v", report)
	}
	if ok, err := step.Applied(bg, s); !ok || err != nil {
		t.Fatalf("not applied after up: %v %v", ok, err)
	}
	undo, _ := j.Undo(0)
	want := EthtoolFeatures{Dev: "v0", Names: []string{"tx-checksum-ipv4", "tx-checksum-ipv6", "rx-gro"}, On: []bool{true, true, true}}
	if !reflect.DeepEqual(undo, want) {
		t.Fatalf("undo %#v, want %#v", undo, want)
	}
	sets := k.sets
	if err := Up(bg, s, []Step{step}, nil); err != nil || k.sets != sets {
		t.Fatalf("second up: %v, %d sets", err, k.sets-sets)
	}
	if err := undo.Apply(bg, s); err != nil {
		t.Fatal(err)
	}
	for n, f := range d.feats {
		if n != "rx-lro" && (!f.wanted || !f.active) {
			t.Errorf("%s off after the undo", n)
		}
	}
}

// TestEthtoolFeaturesRefusals: names the device lacks, fixed features, a
// driver that keeps every value, and a report that fails.
func TestEthtoolFeaturesRefusals(t *testing.T) {
	k := newEthKernel()
	d := k.veth("v0")
	s := k.session(nil)
	cases := []struct {
		step EthtoolFeatures
		want string
	}{
		{EthtoolFeatures{Dev: "v0", Names: []string{"bogus"}, On: []bool{true}}, `ethtool -K v0: unknown feature "bogus"`},
		{EthtoolFeatures{Dev: "v0", Names: []string{"rx-lro"}, On: []bool{true}}, `ethtool -K v0: "rx-lro" is fixed (off [fixed]), cannot turn it on`},
		{EthtoolFeatures{Dev: "v0", Names: []string{"lro"}, On: []bool{true}}, `ethtool -K v0: "lro" (rx-lro) is fixed (off [fixed]), cannot turn it on`},
		{EthtoolFeatures{Dev: "nope", Names: []string{"tx"}, On: []bool{true}}, "nope"},
	}
	for _, c := range cases {
		err := c.step.Apply(bg, s)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.step.Names, err, c.want)
		}
		if _, err := c.step.Applied(bg, s); c.step.Dev == "nope" && err == nil {
			t.Errorf("applied on a missing device: no error")
		}
		if _, err := c.step.Inverse(bg, s); c.step.Names[0] == "bogus" && err == nil {
			t.Errorf("inverse of an unknown name: no error")
		}
	}
	if k.sets != 0 {
		t.Fatalf("%d sets sent for refused steps", k.sets)
	}
	// The fixed feature, asked at the value it has: applied, nothing to undo.
	off := EthtoolFeatures{Dev: "v0", Names: []string{"rx-lro"}, On: []bool{false}}
	if ok, err := off.Applied(bg, s); !ok || err != nil {
		t.Errorf("rx-lro off: applied %v %v", ok, err)
	}
	if inv, err := off.Inverse(bg, s); inv != nil || err != nil {
		t.Errorf("inverse of a fixed feature: %v %v", inv, err)
	}
	// A driver that keeps the old value: every change refused.
	d.feats["rx-gro"].refuse = true
	gro := EthtoolFeatures{Dev: "v0", Names: []string{"gro"}, On: []bool{false}}
	if err := gro.Apply(bg, s); err == nil || err.Error() != "ethtool -K v0: could not change any device features" {
		t.Errorf("refused change: %v", err)
	}
	if !d.feats["rx-gro"].active {
		t.Errorf("rx-gro changed")
	}
	// A report that fails fails the step.
	bad := errors.New("report failed")
	tx := EthtoolFeatures{Dev: "v0", Names: []string{"tx-checksum-ipv4"}, On: []bool{false},
		Report: func([]ethtool.FeatureChange) error { return bad }}
	if err := tx.Apply(bg, s); !errors.Is(err, bad) {
		t.Errorf("report error: %v", err)
	}
	// Asking for the value a feature has: the kernel reports nothing.
	sg := EthtoolFeatures{Dev: "v0", Names: []string{"sg"}, On: []bool{true}}
	if err := sg.Apply(bg, s); err != nil {
		t.Errorf("no-op set: %v", err)
	}
}

// TestEthtoolChannelsRings sets channels and rings with Up, checks the
// fake device's counts, Applied, and that Down restores the old ones; a
// veth (no channels or rings) fails with ethtool.ErrNotSupported.
func TestEthtoolChannelsRings(t *testing.T) {
	k := newEthKernel()
	d := k.nic("eth0")
	k.veth("v0")
	s := k.session(nil)
	steps := []Step{
		EthtoolChannels{Dev: "eth0", Counts: ethtool.ChannelCounts{Combined: u32p(2), RX: u32p(1)}},
		EthtoolRings{Dev: "eth0", Counts: ethtool.RingCounts{RX: u32p(1024), TX: u32p(512)}},
	}
	for _, st := range steps {
		if ok, err := st.Applied(bg, s); ok || err != nil {
			t.Fatalf("%T applied before up: %v %v", st, ok, err)
		}
	}
	j := &MemoryJournal{}
	if err := Up(bg, s, steps, j); err != nil {
		t.Fatal(err)
	}
	if d.channels[unix.ETHTOOL_A_CHANNELS_COMBINED_COUNT] != 2 || d.rings[unix.ETHTOOL_A_RINGS_RX] != 1024 || d.rings[unix.ETHTOOL_A_RINGS_TX] != 512 {
		t.Fatalf("after up: channels %v, rings %v", d.channels, d.rings)
	}
	for _, st := range steps {
		if ok, err := st.Applied(bg, s); !ok || err != nil {
			t.Fatalf("%T not applied after up: %v %v", st, ok, err)
		}
	}
	undo, _ := j.Undo(0)
	if want := (EthtoolChannels{Dev: "eth0", Counts: ethtool.ChannelCounts{Combined: u32p(4), RX: u32p(1)}}); !reflect.DeepEqual(undo, want) {
		t.Errorf("channels undo %#v", undo)
	}
	if err := Down(bg, s, steps, DownOptions{Undo: j.Undo}); err != nil {
		t.Fatal(err)
	}
	if d.channels[unix.ETHTOOL_A_CHANNELS_COMBINED_COUNT] != 4 || d.rings[unix.ETHTOOL_A_RINGS_RX] != 256 {
		t.Fatalf("after down: channels %v, rings %v", d.channels, d.rings)
	}
	for _, st := range []Step{
		EthtoolChannels{Dev: "v0", Counts: ethtool.ChannelCounts{Combined: u32p(2)}},
		EthtoolRings{Dev: "v0", Counts: ethtool.RingCounts{RX: u32p(2)}},
	} {
		if err := st.Apply(bg, s); !errors.Is(err, ethtool.ErrNotSupported) {
			t.Errorf("%T on a veth: %v", st, err)
		}
		if _, err := st.Applied(bg, s); !errors.Is(err, ethtool.ErrNotSupported) {
			t.Errorf("%T applied on a veth: %v", st, err)
		}
		if _, err := st.Inverse(bg, s); !errors.Is(err, ethtool.ErrNotSupported) {
			t.Errorf("%T inverse on a veth: %v", st, err)
		}
	}
}
