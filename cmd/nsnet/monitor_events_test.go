package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/hex"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/mdlayher/netlink"

	"github.com/nsnet/nsnet/rtnl"
)

// cannedEvents replays notifications to the monitor, then ends as a
// closed socket would (Receive returns nil).
type cannedEvents struct {
	events []*rtnl.Event
	cfg    *rtnl.MonitorConfig
}

func (c *cannedEvents) Receive(ctx context.Context, fn func(*rtnl.Event) error) error {
	for _, ev := range c.events {
		if err := fn(ev); err != nil {
			return err
		}
	}
	return nil
}

func (c *cannedEvents) Discard() (int, error) { return 0, nil }
func (c *cannedEvents) Close() error          { return nil }

// loadEvents reads testdata/monitor_events.txt: notifications a real
// kernel sent, one message per line.
func loadEvents(t *testing.T) []*rtnl.Event {
	t.Helper()
	f, err := os.Open("testdata/monitor_events.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []*rtnl.Event
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "#") {
			continue
		}
		_, hx, _ := strings.Cut(sc.Text(), " ")
		b, err := hex.DecodeString(hx)
		if err != nil || len(b) < 16 {
			t.Fatalf("bad line %q: %v", sc.Text(), err)
		}
		typ := netlink.HeaderType(binary.NativeEndian.Uint16(b[4:]))
		ev, err := rtnl.DecodeEvent(typ, b[16:])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}

// onCannedEvents makes the monitor read events instead of a socket for
// the rest of the test, and returns the groups it asked for.
func onCannedEvents(t *testing.T, events []*rtnl.Event) *cannedEvents {
	c := &cannedEvents{events: events}
	old := dialMonitor
	dialMonitor = func(cfg *rtnl.MonitorConfig) (eventSource, error) { c.cfg = cfg; return c, nil }
	t.Cleanup(func() { dialMonitor = old })
	return c
}

// TestMonitorPrintsAsIP: the notifications a kernel sent for link, addr,
// route, neigh and rule changes, printed by nsnet monitor as ip monitor
// printed the same notifications (testdata/monitor_ip.txt).
func TestMonitorPrintsAsIP(t *testing.T) {
	k := onFakeHost(t)
	// The links of the namespace the events were captured in.
	k.AddLink("v1", "veth", 0)
	k.AddLink("v0", "veth", 0)
	c := onCannedEvents(t, loadEvents(t))
	want, err := os.ReadFile("testdata/monitor_ip.txt")
	if err != nil {
		t.Fatal(err)
	}
	wantOut(t, "monitor label link address route neigh rule", string(want))
	if g := c.cfg.Groups; !slices.Contains(g, rtnl.GroupLink) || !slices.Contains(g, rtnl.GroupNeigh) || !slices.Contains(g, rtnl.GroupIPv6Rule) ||
		slices.Contains(g, rtnl.GroupNSID) {
		t.Errorf("groups %v", g)
	}
	// -4 asks for IPv4's groups alone; a dev filter keeps v0's events
	// and, as ip, leaves out "dev".
	_, out, _ := nsnet("", "-4 monitor route")
	if strings.Count(out, "\n") != 8 || len(c.cfg.Groups) != 1 || c.cfg.Groups[0] != rtnl.GroupIPv4Route {
		t.Errorf("-4 monitor route: groups %v:\n%s", c.cfg.Groups, out)
	}
	_, out, _ = nsnet("", "monitor neigh dev v1")
	if out != "" {
		t.Errorf("monitor neigh dev v1: %q", out)
	}
	_, out, _ = nsnet("", "monitor neigh dev v0")
	if out != "10.0.0.7 lladdr 02:00:00:00:00:07 PERMANENT \nDeleted 10.0.0.7 lladdr 02:00:00:00:00:07 PERMANENT \n" {
		t.Errorf("monitor neigh dev v0: %q", out)
	}
}

// TestMonitorJSON: -j prints one object per notification with the event,
// the object and ip -j's members.
func TestMonitorJSON(t *testing.T) {
	k := onFakeHost(t)
	k.AddLink("v1", "veth", 0)
	k.AddLink("v0", "veth", 0)
	onCannedEvents(t, loadEvents(t))
	code, out, stderr := nsnet("", "-j monitor rule neigh")
	want := `{"event":"new","object":"neigh","dst":"10.0.0.7","dev":"v0","lladdr":"02:00:00:00:00:07","state":["PERMANENT"]}` + "\n" +
		`{"event":"new","object":"rule","priority":1000,"src":"10.5.0.0","srclen":16,"table":"100"}` + "\n" +
		`{"event":"del","object":"rule","priority":1000,"src":"10.5.0.0","srclen":16,"table":"100"}` + "\n" +
		`{"event":"del","object":"neigh","dst":"10.0.0.7","dev":"v0","lladdr":"02:00:00:00:00:07","state":["PERMANENT"]}` + "\n"
	if code != 0 || out != want {
		t.Errorf("exit %d %s\ngot:\n%s\nwant:\n%s", code, stderr, out, want)
	}
	_, out, _ = nsnet("", "-j monitor link address route")
	if n := strings.Count(out, "\n"); n != 12 || !strings.Contains(out, `{"event":"new","object":"link","ifindex":3,"link":"v1","ifname":"v0","flags":["NO-CARRIER","BROADCAST","MULTICAST","UP","M-DOWN"]`) ||
		!strings.Contains(out, `{"event":"del","object":"address","index":3,"dev":"v0","family":"inet","local":"10.0.0.1","prefixlen":24`) {
		t.Errorf("-j monitor link address route: %d lines:\n%s", n, out)
	}
}
