package plan

import (
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nlattr"
	"github.com/nsnet/nsnet/nltest"
	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/rtnl"
)

// brportKernel is the model kernel with bridge ports: RTM_SETLINK of
// family AF_BRIDGE stores IFLA_PROTINFO's settings as the port's
// IFLA_INFO_SLAVE_DATA, which a link dump then reports.
func brportKernel(k kernel) nltest.Func {
	return func(req []netlink.Message) ([]netlink.Message, error) {
		m := req[0]
		if m.Header.Type != unix.RTM_SETLINK {
			return k.Func()(req)
		}
		if errno, ok := k.Fail[unix.RTM_SETLINK]; ok {
			delete(k.Fail, unix.RTM_SETLINK)
			return []netlink.Message{nltest.Error(m, errno, "")}, nil
		}
		idx := binary.NativeEndian.Uint32(m.Data[4:8])
		var port *rtnl.LinkMessage
		for _, l := range k.Links {
			if l.Index == idx {
				port = l
			}
		}
		if m.Data[0] != unix.AF_BRIDGE || port == nil || port.Attrs.Info == nil || port.Attrs.Info.SlaveKind != "bridge" {
			return []netlink.Message{nltest.Error(m, unix.EOPNOTSUPP, "")}, nil
		}
		set := map[uint16]uint8{}
		r := nlattr.NewReader(port.Attrs.Info.SlaveData, binary.NativeEndian)
		for r.Next() {
			set[r.Type] = r.Uint8()
		}
		r = nlattr.NewReader(m.Data[16:], binary.NativeEndian)
		for r.Next() {
			if r.Type == unix.IFLA_PROTINFO {
				n := r.Nested()
				for n.Next() {
					set[n.Type] = n.Uint8()
				}
			}
		}
		e := nlattr.NewEncoder(binary.NativeEndian)
		for _, t := range []uint16{unix.IFLA_BRPORT_MODE, unix.IFLA_BRPORT_LEARNING} {
			if v, ok := set[t]; ok {
				e.Uint8(t, v)
			}
		}
		b, err := e.Encode()
		port.Attrs.Info.SlaveData = b
		return []netlink.Message{nltest.Ack(m)}, err
	}
}

func brportSession(k kernel) *Session {
	return NewSession(&Options{Dial: func(nsfs.Ref, int, string) (io.Closer, error) {
		return nltest.Rtnl(brportKernel(k), nil), nil
	}})
}

// TestBridgePortSet: hairpin on and learning off on a port, applied, a
// second Up changes nothing, Down restores what was there; a link that
// is no bridge port is refused and its refusal rolled back.
func TestBridgePortSet(t *testing.T) {
	k := newKernel(t)
	k.AddLink("br0", "bridge", 0)
	p := k.AddLink("p0", "veth", 0)
	p.Attrs.Info.SlaveKind = "bridge"
	p.Attrs.Info.SlaveData = []byte{5, 0, unix.IFLA_BRPORT_LEARNING, 0, 1, 0, 0, 0}
	s := brportSession(k)
	on, off := true, false
	set := BridgePortSet{Dev: "p0", Hairpin: &on, Learning: &off}
	if ok, err := set.Applied(bg, s); ok || err != nil {
		t.Fatalf("applied before: %v %v", ok, err)
	}
	inv, err := set.Inverse(bg, s)
	if err != nil {
		t.Fatal(err)
	}
	if iv := inv.(BridgePortSet); *iv.Hairpin || !*iv.Learning {
		t.Errorf("inverse %+v", iv)
	}
	j := &MemoryJournal{}
	if err := Up(bg, s, []Step{set}, j); err != nil {
		t.Fatal(err)
	}
	if ok, err := set.Applied(bg, s); !ok || err != nil {
		t.Fatalf("not applied after Up: %v", err)
	}
	before := k.Requests
	if err := Up(bg, s, []Step{set}, nil); err != nil || k.Requests != before+1 {
		t.Fatalf("second Up: %v, %d requests", err, k.Requests-before)
	}
	if err := Down(bg, s, []Step{set}, DownOptions{Undo: j.Undo, Done: j.DownDone}); err != nil {
		t.Fatal(err)
	}
	now, err := set.state(s)
	if err != nil || *now.Hairpin || !*now.Learning {
		t.Errorf("after Down: %+v %v", now, err)
	}

	// Not a port: refused before anything is sent.
	k.AddLink("v9", "veth", 0)
	err = Up(bg, s, []Step{BridgePortSet{Dev: "v9", Hairpin: &on}}, nil)
	var ue *UpError
	if !errors.As(err, &ue) || ue.Index != 0 {
		t.Errorf("a link that is no port: %v", err)
	}
	// The kernel refusing the change after a link step: the link goes.
	k.Fail[unix.RTM_SETLINK] = unix.EPERM
	err = Up(bg, s, []Step{LinkAdd{Name: "v1", Kind: "bridge"}, BridgePortSet{Dev: "p0", Hairpin: &on}}, nil)
	if !errors.As(err, &ue) || ue.Index != 1 || ue.RolledBack != 1 || k.Links["v1"] != nil {
		t.Errorf("refused port change: %v, links %v", err, k.Links)
	}
	// A missing link, and a namespace that is not there.
	if err := (BridgePortSet{Dev: "nope", Hairpin: &on}).Apply(bg, s); err == nil {
		t.Error("missing link accepted")
	}
	if ok, err := (BridgePortSet{NS: nsfs.PathRef("/nonexistent/ns"), Dev: "p0", Hairpin: &on}).Applied(bg, s); ok || err != nil {
		t.Errorf("absent namespace: %v %v", ok, err)
	}
}
