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

// loadLinks puts the links a real kernel listed (testdata/links_dump.txt)
// in the fake kernel.
func loadLinks(t *testing.T, h *fakeHost) {
	t.Helper()
	f, err := os.Open("testdata/links_dump.txt")
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
		_, hx, _ := strings.Cut(sc.Text(), " ")
		b, err := hex.DecodeString(hx)
		if err != nil || len(b) < 16 {
			t.Fatalf("bad line %q: %v", sc.Text(), err)
		}
		l := &rtnl.LinkMessage{}
		if err := l.UnmarshalBinary(b[16:]); err != nil {
			t.Fatal(err)
		}
		h.PutLink(l)
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
	loadLinks(t, h)
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
