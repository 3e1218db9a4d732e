package plan_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/nltest"
	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/plan"
	"github.com/nsnet/nsnet/rtnl"
)

// Up applies a plan as a unit: when a step fails, what the steps before
// it did is undone. Here the kernel (a fake one, so the example runs
// without root) refuses the address: the bridge made by the first step is
// deleted again. On a real machine, plan.NewSession(nil) dials real
// sockets and the same steps build a real bridge.
func ExampleUp() {
	links := map[string]bool{}
	kernel := func(req []netlink.Message) ([]netlink.Message, error) {
		m := req[0]
		var l rtnl.LinkMessage
		l.UnmarshalBinary(m.Data)
		switch m.Header.Type {
		case unix.RTM_GETLINK:
			if !links[l.Attrs.Name] {
				return []netlink.Message{nltest.Error(m, unix.ENODEV, "")}, nil
			}
			b, _ := (&rtnl.LinkMessage{Index: 7, Attrs: rtnl.LinkAttrs{Name: l.Attrs.Name, Info: &rtnl.LinkInfo{Kind: "bridge"}}}).MarshalBinary()
			return []netlink.Message{nltest.Reply(m, unix.RTM_NEWLINK, b)}, nil
		case unix.RTM_NEWLINK:
			links[l.Attrs.Name] = true
			fmt.Println("kernel: add link", l.Attrs.Name)
		case unix.RTM_DELLINK:
			delete(links, l.Attrs.Name)
			fmt.Println("kernel: delete link", l.Attrs.Name)
		case unix.RTM_GETADDR:
			return nltest.Dump(m), nil
		case unix.RTM_NEWADDR:
			return []netlink.Message{nltest.Error(m, unix.EPERM, "")}, nil
		}
		return []netlink.Message{nltest.Ack(m)}, nil
	}
	s := plan.NewSession(&plan.Options{Dial: func(nsfs.Ref, int, string) (io.Closer, error) {
		return nltest.Rtnl(kernel, nil), nil
	}})
	defer s.Close()

	steps := []plan.Step{
		plan.LinkAdd{Name: "br0", Kind: "bridge"},
		plan.AddrAdd{Dev: "br0", Prefix: netip.MustParsePrefix("10.0.0.1/24")},
	}
	err := plan.Up(context.Background(), s, steps, nil)
	var ue *plan.UpError
	fmt.Println(errors.As(err, &ue), ue.Index, ue.RolledBack, errors.Is(err, os.ErrPermission))
	fmt.Println("links left:", len(links))
	// Output:
	// kernel: add link br0
	// kernel: delete link br0
	// true 1 1 true
	// links left: 0
}

// A MemoryJournal keeps the undos Up computed before each step, so that
// Down restores the state found before Up rather than undoing what it
// finds.
func ExampleMemoryJournal() {
	j := &plan.MemoryJournal{}
	id, _ := j.Record(0, plan.NetnsDel{Name: "blue"})
	undo, ok := j.Undo(0)
	fmt.Printf("%d %+v %v\n", id, undo, ok)
	j.DownDone(0)
	fmt.Println(j.Len())
	// Output:
	// 1 {Name:blue} true
	// 0
}
