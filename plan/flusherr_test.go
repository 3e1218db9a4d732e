package plan

import (
	"errors"
	"net/netip"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/rtnl"
)

// TestRouteFlushFailures: a failing selector or round callback stops the
// flush before anything is deleted; a route already gone is no error; a
// refused deletion is; Steps stop at their first failure.
func TestRouteFlushFailures(t *testing.T) {
	k := newKernel(t)
	k.AddLink("eth0", "veth", 0)
	s := k.session()
	add := RouteAdd{Dst: netip.MustParsePrefix("10.1.0.0/16"), Dev: "eth0"}
	if err := add.Apply(bg, s); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	list := func() ([]rtnl.RouteMessage, error) {
		conn, _ := s.Rtnl(nsfs.Self())
		return conn.Routes(rtnl.RouteFilter{Family: rtnl.FamilyInet, Table: rtnl.TableMain})
	}
	for _, rf := range []RouteFlush{
		{List: func() ([]rtnl.RouteMessage, error) { return nil, boom }},
		{List: list, Round: func(int, int) error { return boom }},
	} {
		if err := rf.Apply(bg, s); !errors.Is(err, boom) || len(k.Routes) != 1 {
			t.Fatalf("flush: %v, routes %v", err, k.Routes)
		}
		if _, err := rf.Inverse(bg, s); rf.Round == nil && !errors.Is(err, boom) {
			t.Fatalf("inverse: %v", err)
		}
	}
	// A route listed but gone by the time it is deleted (ESRCH): done.
	ghost := []rtnl.RouteMessage{{Family: rtnl.FamilyInet, Dst: netip.MustParsePrefix("10.9.0.0/16"), Table: rtnl.TableMain}}
	calls := 0
	rf := RouteFlush{List: func() ([]rtnl.RouteMessage, error) {
		calls++
		if calls == 1 {
			return ghost, nil
		}
		return nil, nil
	}}
	if err := rf.Apply(bg, s); err != nil || calls != 2 || len(k.Routes) != 1 {
		t.Fatalf("ghost route: %v after %d lists", err, calls)
	}
	// A refused deletion fails the flush and leaves the route.
	k.Fail[unix.RTM_DELROUTE] = unix.EPERM
	var re *rtnl.Error
	if err := (RouteFlush{List: list}).Apply(bg, s); !errors.As(err, &re) || len(k.Routes) != 1 {
		t.Fatalf("refused deletion: %v, routes %v", err, k.Routes)
	}
	delete(k.Fail, unix.RTM_DELROUTE)

	// Steps: the first failure stops them; Applied is false while one is not.
	second := RouteAdd{Dst: netip.MustParsePrefix("10.2.0.0/16"), Dev: "nope"}
	third := RouteAdd{Dst: netip.MustParsePrefix("10.3.0.0/16"), Dev: "eth0"}
	steps := Steps{add, second, third}
	if ok, err := steps.Applied(bg, s); ok || err != nil {
		t.Fatalf("steps applied: %v %v", ok, err)
	}
	var de *DeviceError
	if err := (Steps{second, third}).Apply(bg, s); !errors.As(err, &de) || len(k.Routes) != 1 {
		t.Fatalf("steps: %v, routes %v", err, k.Routes)
	}
	failing := Steps{add, AddrFlush{Dev: "eth0"}, LinkSet{Dev: "nope", MTU: u32p(1)}}
	if _, err := failing.Inverse(bg, s); err == nil || err.Error() != "get link nope: no such device" {
		t.Fatalf("inverse of a step on a missing device: %v", err)
	}
}
