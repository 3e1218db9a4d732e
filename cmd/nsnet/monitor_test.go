package main

import (
	"context"
	"encoding/hex"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/rtnl"
)

// The notifications captured in rtnl/monitor_test.go, printed as ip
// monitor printed them in the same sandbox.
func TestMonitorNeighRuleText(t *testing.T) {
	tab := newLinkTable(nil, []rtnl.LinkMessage{{Index: 3, Attrs: rtnl.LinkAttrs{Name: "v0"}}})
	neigh, _ := hex.DecodeString("020000000300000080000003080001000a0900070a000200020000000007000008000400000000001400030000000000000000000000000001000000")
	rule, _ := hex.DecodeString("02100000640000010200000008000f006400000008000e00ffffffff0500150000000000070003007630000008000600e903000008000a001000000008001000ff000000080001000a0c0000")
	e, err := rtnl.DecodeEvent(unix.RTM_NEWNEIGH, neigh)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	np := neighPrinter{tab: tab, showDev: true}
	np.fields(e.Neigh).text(&b)
	if want := "10.9.0.7 dev v0 lladdr 02:00:00:00:00:07 PERMANENT \n"; b.String() != want {
		t.Fatalf("neigh %q, want %q", b.String(), want)
	}
	j, _ := appendJSON(nil, np.fields(e.Neigh).json())
	if want := `{"dst":"10.9.0.7","dev":"v0","lladdr":"02:00:00:00:00:07","state":["PERMANENT"]}`; string(j) != want {
		t.Fatalf("neigh JSON %s", j)
	}
	e, err = rtnl.DecodeEvent(unix.RTM_NEWRULE, rule)
	if err != nil {
		t.Fatal(err)
	}
	b.Reset()
	ruleFields(e.Rule, false).text(&b)
	if want := "1001:\tnot from all to 10.12.0.0/16 fwmark 0x10/0xff iif v0 lookup 100\n"; b.String() != want {
		t.Fatalf("rule %q, want %q", b.String(), want)
	}
	j, _ = appendJSON(nil, ruleFields(e.Rule, false).json())
	if want := `{"priority":1001,"not":null,"src":"all","dst":"10.12.0.0","dstlen":16,"fwmark":"0x10","fwmask":"0xff","iif":"v0","table":"100"}`; string(j) != want {
		t.Fatalf("rule JSON %s", j)
	}
}

func TestMonitorTimestamps(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 5, 7, 42_000, time.UTC)
	if got := string(appendTimestamp(nil, at, 1)); got != "Timestamp: Tue Dec  1 09:05:07 2026 42 usec\n" {
		t.Fatalf("-t: %q", got)
	}
	if got := string(appendTimestamp(nil, at, 2)); got != "[2026-12-01T09:05:07.000042] " {
		t.Fatalf("-ts: %q", got)
	}
	if got := appendTimestamp(nil, at, 0); len(got) != 0 {
		t.Fatalf("none: %q", got)
	}
}

func TestParseMonitor(t *testing.T) {
	c, err := parseMonitor([]string{"li", "addr", "label", "all-nsid", "rcvbuf", "8192"}, options{})
	if err != nil {
		t.Fatal(err)
	}
	m := c.(monitorCmd)
	if m.objects != monLink|monAddr || !m.label || !m.allNSID || m.rcvbuf != 8192 {
		t.Fatalf("%+v", m)
	}
	c, _ = parseMonitor([]string{"all"}, options{})
	if m := c.(monitorCmd); m.objects != monRtnlAll || !m.label {
		t.Fatalf("all: %+v", m)
	}
	if g := (monitorCmd{objects: monAddr | monRoute}).groups(4); len(g) != 2 || g[0] != rtnl.GroupIPv4Addr || g[1] != rtnl.GroupIPv4Route {
		t.Fatalf("-4 groups %v", g)
	}
	for _, bad := range [][]string{{"bogus"}, {"rcvbuf"}, {"rcvbuf", "12"}, {"rcvbuf", "x"}} {
		if _, err := parseMonitor(bad, options{}); err == nil || !isUsage(err) {
			t.Errorf("%v: %v", bad, err)
		}
	}
}

func TestTimestampOptions(t *testing.T) {
	for opt, want := range map[string]int{"-t": 1, "-ti": 1, "-timestamp": 1, "-ts": 2, "-tsh": 2, "--tshort": 2} {
		g, _, err := parseGlobals([]string{opt, "monitor"})
		if err != nil || g.opt.timestamp != want {
			t.Errorf("%s: timestamp %d, %v; want %d", opt, g.opt.timestamp, err, want)
		}
	}
	if g, _, err := parseGlobals([]string{"--trace", "monitor"}); err != nil || g.opt.timestamp != 0 || !g.trace {
		t.Errorf("--trace: %+v %v", g, err)
	}
}

// benchMonitor is a monitor printing to io.Discard, with a captured veth
// RTM_NEWLINK notification.
func benchMonitor(b *testing.B, json bool) (*monitor, *rtnl.Event, []byte) {
	raw, err := os.ReadFile("../../rtnl/testdata/link_veth_reply.hex")
	if err != nil {
		b.Fatal(err)
	}
	payload, err := hex.DecodeString(strings.SplitN(strings.TrimSpace(string(raw)), "\n", 2)[0])
	if err != nil {
		b.Fatal(err)
	}
	s := newSession(context.Background(), nil, io.Discard, io.Discard)
	e := s.env("", options{json: json})
	m := &monitor{c: monitorCmd{objects: monRtnlAll}, e: e}
	m.lp = &linkPrinter{e: e, tab: newLinkTable(nil, nil)}
	m.rp = &routePrinter{tab: m.lp.tab, showTable: true, showDev: true}
	ev, err := rtnl.DecodeEvent(unix.RTM_NEWLINK, payload)
	if err != nil {
		b.Fatal(err)
	}
	return m, ev, payload
}

// BenchmarkMonitorLinkEvent decodes and prints one link notification, as
// text and as a JSON line: the work per event of "nsnet monitor link".
func BenchmarkMonitorLinkEvent(b *testing.B) {
	for _, json := range []bool{false, true} {
		name := map[bool]string{false: "text", true: "json"}[json]
		b.Run(name, func(b *testing.B) {
			m, _, payload := benchMonitor(b, json)
			b.ReportAllocs()
			for b.Loop() {
				ev, err := rtnl.DecodeEvent(unix.RTM_NEWLINK, payload)
				if err != nil {
					b.Fatal(err)
				}
				if err := m.event(ev); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
