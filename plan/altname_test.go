package plan

import (
	"errors"
	"os"
	"reflect"
	"testing"

	"golang.org/x/sys/unix"
)

// TestAltNames: names are added and deleted in one request each; a
// request the kernel refuses part-way leaves the link as it was; the
// inverse touches only the names the step changes; Up and Down through a
// journal put the link back.
func TestAltNames(t *testing.T) {
	k := newKernel(t)
	k.AddLink("eth0", "veth", 0)
	k.AddLink("eth1", "veth", 0)
	s := k.session()
	names := func(dev string) []string { return k.Links[dev].Attrs.AltNames }

	add := AltNameAdd{Dev: "eth0", Names: []string{"a0", "a1"}}
	if ok, err := add.Applied(bg, s); ok || err != nil {
		t.Fatal(ok, err)
	}
	before := k.Requests
	if err := add.Apply(bg, s); err != nil {
		t.Fatal(err)
	}
	if got := names("eth0"); !reflect.DeepEqual(got, []string{"a0", "a1"}) {
		t.Fatalf("altnames %q", got)
	}
	if n := k.Requests - before; n != 2 { // the link's lookup, one RTM_NEWLINKPROP
		t.Errorf("%d requests, want 2", n)
	}
	if ok, err := add.Applied(bg, s); !ok || err != nil {
		t.Fatal(ok, err)
	}

	// "a1" exists: the kernel adds "b0" and refuses "a1"; Apply takes
	// "b0" back.
	err := AltNameAdd{Dev: "eth1", Names: []string{"b0", "a1", "b1"}}.Apply(bg, s)
	if !errors.Is(err, os.ErrExist) {
		t.Fatalf("err %v, want EEXIST", err)
	}
	if got := names("eth1"); len(got) != 0 {
		t.Fatalf("eth1 kept %q after a refused request", got)
	}

	// The inverse of an add removes only the names the link lacks.
	inv, err := AltNameAdd{Dev: "eth0", Names: []string{"a1", "a2"}}.Inverse(bg, s)
	if err != nil || !reflect.DeepEqual(inv, AltNameDel{Dev: "eth0", Names: []string{"a2"}}) {
		t.Fatalf("inverse %#v %v", inv, err)
	}
	// The kernel deletes "a0" and refuses "nope": Apply gives "a0" back.
	err = AltNameDel{Dev: "eth0", Names: []string{"a0", "nope"}}.Apply(bg, s)
	if !errors.Is(err, unix.ENOENT) {
		t.Fatalf("err %v, want ENOENT", err)
	}
	if got := names("eth0"); len(got) != 2 {
		t.Fatalf("eth0 has %q after a refused delete", got)
	}
	del := AltNameDel{Dev: "eth0", Names: []string{"a0", "zz"}}
	inv, err = del.Inverse(bg, s)
	if err != nil || !reflect.DeepEqual(inv, AltNameAdd{Dev: "eth0", Names: []string{"a0"}}) {
		t.Fatalf("inverse %#v %v", inv, err)
	}
	if inv, err := (AltNameDel{Dev: "eth1", Names: []string{"x"}}).Inverse(bg, s); inv != nil || err != nil {
		t.Fatalf("inverse of a delete that deletes nothing: %#v %v", inv, err)
	}

	// A missing link names itself.
	var de *DeviceError
	if err := (AltNameAdd{Dev: "nosuch", Names: []string{"x"}}).Apply(bg, s); !errors.As(err, &de) || de.Name != "nosuch" {
		t.Fatalf("err %v", err)
	}

	// Up, then Down from the journal: eth1 gets "c0", loses it again.
	j := &MemoryJournal{}
	steps := []Step{AltNameAdd{Dev: "eth1", Names: []string{"c0"}}, AltNameDel{Dev: "eth0", Names: []string{"a1"}}}
	if err := Up(bg, s, steps, j); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(names("eth1"), []string{"c0"}) || !reflect.DeepEqual(names("eth0"), []string{"a0"}) {
		t.Fatalf("after up: eth0 %q eth1 %q", names("eth0"), names("eth1"))
	}
	if err := Down(bg, s, steps, DownOptions{Undo: j.Undo, Done: j.DownDone}); err != nil {
		t.Fatal(err)
	}
	if len(names("eth1")) != 0 || !reflect.DeepEqual(names("eth0"), []string{"a0", "a1"}) {
		t.Fatalf("after down: eth0 %q eth1 %q", names("eth0"), names("eth1"))
	}
	for _, st := range steps {
		inv, _ := st.Inverse(bg, s)
		if err := UndoFits(st, inv); inv != nil && err != nil {
			t.Errorf("%#v: its inverse %#v does not fit: %v", st, inv, err)
		}
	}
}
