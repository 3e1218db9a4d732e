package plan

import (
	"context"
	"errors"
	"os"
	"reflect"
	"testing"

	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/rtnl"
)

// TestTunTapSteps: Applied and Inverse read the device from rtnetlink (a
// link of kind tun in the fake kernel); Apply in a namespace that does
// not exist fails before /dev/net/tun is opened.
func TestTunTapSteps(t *testing.T) {
	k := newKernel(t)
	s := k.session()
	bg := context.Background()
	one, owner := uint8(1), uint32(1000)
	add := TunTapAdd{Name: "tun0", Mode: "tun", PI: true}
	if ok, err := add.Applied(bg, s); ok || err != nil {
		t.Fatalf("absent device applied: %v %v", ok, err)
	}
	if ok, err := TunTapDel(add).Applied(bg, s); !ok || err != nil {
		t.Fatalf("absent device not deleted: %v %v", ok, err)
	}
	if inv, err := TunTapDel(add).Inverse(bg, s); inv != nil || err != nil {
		t.Fatalf("inverse of deleting nothing: %v %v", inv, err)
	}
	k.Links["tun0"] = &rtnl.LinkMessage{Index: 7, Attrs: rtnl.LinkAttrs{Name: "tun0",
		Info: &rtnl.LinkInfo{Kind: "tun", Data: &rtnl.Tun{Type: &one, PI: &one, MultiQueue: &one, Persist: &one, Owner: &owner}}}}
	k.Links["v0"] = &rtnl.LinkMessage{Index: 8, Attrs: rtnl.LinkAttrs{Name: "v0", Info: &rtnl.LinkInfo{Kind: "veth"}}}
	if ok, err := add.Applied(bg, s); !ok || err != nil {
		t.Fatalf("device there, not applied: %v %v", ok, err)
	}
	if ok, _ := (TunTapAdd{Name: "v0", Mode: "tap"}).Applied(bg, s); ok {
		t.Error("a veth counts as a TUN/TAP device")
	}
	inv, err := TunTapDel(add).Inverse(bg, s)
	want := TunTapAdd{Name: "tun0", Mode: "tun", PI: true, MultiQueue: true, Owner: &owner}
	if err != nil || !reflect.DeepEqual(inv, want) {
		t.Errorf("inverse of del: %+v %v, want %+v", inv, err, want)
	}
	if inv, _ := add.Inverse(bg, s); inv != TunTapDel(add) {
		t.Errorf("inverse of add: %+v", inv)
	}
	gone := TunTapAdd{NS: nsfs.PathRef("/nonexistent/ns"), Name: "tap0", Mode: "tap"}
	// The namespace's error, from before /dev/net/tun is opened (a unit
	// test never makes a device in the namespace it runs in).
	var pe *os.PathError
	if err := gone.Apply(bg, s); !errors.As(err, &pe) || pe.Path != "/nonexistent/ns" {
		t.Errorf("add in a missing namespace: %v, want the namespace's open error", err)
	}
	if err := TunTapDel(gone).Apply(bg, s); !errors.As(err, &pe) || pe.Path != "/nonexistent/ns" {
		t.Errorf("del in a missing namespace: %v, want the namespace's open error", err)
	}
	if c := (TunTapAdd{Name: "t", Mode: "tap", VnetHdr: true}).config(); c.Mode.String() != "tap" || !c.VnetHdr {
		t.Errorf("config: %+v", c)
	}
}
