package main

import (
	"bufio"
	"encoding/hex"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/nsnet/nsnet/rtnl"
)

// loadDump puts the links, addresses and routes a real kernel listed
// (a testdata file of messages, one a line: type, then the bytes with the
// header) in the fake kernel.
func loadDump(t *testing.T, h *fakeHost, file string) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "#") {
			continue
		}
		typ, hx, _ := strings.Cut(sc.Text(), " ")
		b, err := hex.DecodeString(hx)
		if err != nil || len(b) < 16 {
			t.Fatalf("bad line %q: %v", sc.Text(), err)
		}
		switch typ {
		case "RTM_NEWLINK":
			l := &rtnl.LinkMessage{}
			err = l.UnmarshalBinary(b[16:])
			h.PutLink(l)
		case "RTM_NEWADDR":
			var a rtnl.AddrMessage
			err = a.UnmarshalBinary(b[16:])
			h.Addrs = append(h.Addrs, a)
		case "RTM_NEWROUTE":
			var r rtnl.RouteMessage
			err = r.UnmarshalBinary(b[16:])
			h.Routes = append(h.Routes, r)
		default:
			t.Fatalf("%s: no such message", typ)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// ipOutputs reads testdata/links_ip.txt: what ip printed for each
// command line ("== ARGS" before each).
func ipOutputs(t *testing.T, file string) (cmds []string, outs map[string]string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	outs = map[string]string{}
	cur := ""
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if c, ok := strings.CutPrefix(line, "== "); ok {
			cur = strings.TrimSuffix(c, "\n")
			cmds = append(cmds, cur)
			continue
		}
		outs[cur] += line
	}
	return cmds, outs
}

// timers are the bridge's running timers, which moved between the dump
// and ip's listing.
var timers = regexp.MustCompile(`(gc_timer"?:?\s*)[0-9.]+`)

// TestLinkListingsAsIP: every link listing form (text, -d, -s, -s -s,
// -br, -o, -j, -d -j, -s -j, -j -p, master and type filters) of links a
// real kernel listed prints what ip 6.1 printed for the same links.
func TestLinkListingsAsIP(t *testing.T) {
	h := onFakeHost(t)
	loadDump(t, h, "testdata/links_dump.txt")
	cmds, outs := ipOutputs(t, "testdata/links_ip.txt")
	if len(cmds) < 10 {
		t.Fatalf("%d listings in testdata", len(cmds))
	}
	for _, c := range cmds {
		code, out, stderr := nsnet("", c)
		got, want := timers.ReplaceAllString(out, "${1}T"), timers.ReplaceAllString(outs[c], "${1}T")
		if code != 0 || got != want {
			t.Errorf("%s: exit %d %s\ngot:\n%s\nwant:\n%s", c, code, stderr, got, want)
		}
	}
}

// TestAddrRouteListingsAsIP: address and route listings (forms, filters
// and selectors) of the addresses and routes a real kernel listed print
// what ip 6.1 printed for them.
func TestAddrRouteListingsAsIP(t *testing.T) {
	h := onFakeHost(t)
	loadDump(t, h, "testdata/addr_route_dump.txt")
	cmds, outs := ipOutputs(t, "testdata/addr_route_ip.txt")
	if len(cmds) < 20 {
		t.Fatalf("%d listings in testdata", len(cmds))
	}
	for _, c := range cmds {
		code, out, stderr := nsnet("", c)
		if code != 0 || out != outs[c] {
			t.Errorf("%s: exit %d %s\ngot:\n%s\nwant:\n%s", c, code, stderr, out, outs[c])
		}
	}
}
