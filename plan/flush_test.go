package plan

import (
	"errors"
	"net/netip"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/rtnl"
)

// TestFlushes: a flush deletes what its selector keeps, is then applied,
// and its inverse (Steps) puts every address or route back.
func TestFlushes(t *testing.T) {
	k := newKernel(t)
	k.AddLink("eth0", "veth", 0)
	s := k.session()
	for _, p := range []string{"10.0.0.1/24", "10.0.0.2/24", "2001:db8::1/64"} {
		if err := (AddrAdd{Dev: "eth0", Prefix: netip.MustParsePrefix(p)}).Apply(bg, s); err != nil {
			t.Fatal(err)
		}
	}
	af := AddrFlush{Dev: "eth0", Family: rtnl.FamilyInet, Select: func(a *rtnl.AddrMessage) bool { return a.Attrs.Local != netip.MustParseAddr("10.0.0.2") }}
	j := &MemoryJournal{}
	if err := Up(bg, s, []Step{af}, j); err != nil || len(k.Addrs) != 2 {
		t.Fatal(err, k.Addrs)
	}
	if ok, err := af.Applied(bg, s); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if err := Down(bg, s, []Step{af}, DownOptions{Undo: j.Undo, Done: j.DownDone}); err != nil || len(k.Addrs) != 3 {
		t.Fatal(err, k.Addrs)
	}
	k.Fail[unix.RTM_DELADDR] = unix.EPERM
	var re *rtnl.Error
	if err := (AddrFlush{Dev: "eth0"}).Apply(bg, s); !errors.As(err, &re) || re.Object == "" {
		t.Fatal(err)
	}
	var de *DeviceError
	if err := (AddrFlush{Dev: "nope"}).Apply(bg, s); !errors.As(err, &de) {
		t.Fatal(err)
	}

	for _, d := range []string{"10.1.0.0/16", "10.2.0.0/16"} {
		if err := (RouteAdd{Dst: netip.MustParsePrefix(d), Dev: "eth0"}).Apply(bg, s); err != nil {
			t.Fatal(err)
		}
	}
	rounds := 0
	rf := RouteFlush{List: func() ([]rtnl.RouteMessage, error) {
		conn, _ := s.Rtnl(nsfs.Ref{})
		return conn.Routes(rtnl.RouteFilter{Family: rtnl.FamilyInet, Table: rtnl.TableMain})
	}, Round: func(round, n int) error { rounds++; return nil }}
	inv, err := rf.Inverse(bg, s)
	if err != nil || len(inv.(Steps)) != 2 {
		t.Fatal(inv, err)
	}
	if ok, err := rf.Applied(bg, s); ok || err != nil {
		t.Fatal(ok, err)
	}
	if err := rf.Apply(bg, s); err != nil || len(k.Routes) != 0 || rounds != 2 {
		t.Fatal(err, k.Routes, rounds)
	}
	if err := inv.Apply(bg, s); err != nil || len(k.Routes) != 2 {
		t.Fatal(err, k.Routes)
	}
	if ok, err := inv.Applied(bg, s); !ok || err != nil {
		t.Fatal(ok, err)
	}
	back, err := inv.Inverse(bg, s)
	if err != nil || len(back.(Steps)) != 2 {
		t.Fatal(back, err)
	}
	// A cache flush is always applied and has nothing to undo.
	if ok, _ := (RouteFlush{Cache: true}).Applied(bg, s); !ok {
		t.Fatal("cache flush not applied")
	}
	if inv, err := (RouteFlush{Cache: true}).Inverse(bg, s); inv != nil || err != nil {
		t.Fatal(inv, err)
	}
}
