package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/journal"
)

// upFile is an up file that touches every kind of object the fake host
// has; upLines are its lines.
var upLines = []string{
	"link add br0 type bridge",
	"link add v0 type veth peer name v1",
	"link set v0 master br0 up mtu 1400",
	"addr add 10.1.0.1/24 dev br0",
	"route add 10.2.0.0/16 via 10.1.0.2",
	"neigh add 10.1.0.9 lladdr 02:00:00:00:00:09 dev br0",
	"rule add from 10.1.0.0/24 table 100 pref 1000",
	"sysctl -w net.ipv4.ip_forward=1",
	"nat masquerade add 10.1.0.0/24",
}

func writeUpFile(t *testing.T, lines ...string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "topo.nsnet")
	if err := os.WriteFile(f, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// fresh reports what of a fresh host is not there any more: the fake
// host as onFakeHost made it, with net.ipv4.ip_forward 0.
func (h *fakeHost) fresh(t *testing.T) []string {
	t.Helper()
	var bad []string
	if len(h.Links) != 1 || h.Links["lo"] == nil {
		bad = append(bad, "links")
	}
	if len(h.Addrs)+len(h.Routes)+len(h.Neighs) != 0 {
		bad = append(bad, "addrs, routes or neighbours")
	}
	if len(h.Rules) != 5 {
		bad = append(bad, "rules")
	}
	if len(h.nft.Tables)+len(h.nft.Rules)+len(h.nft.Objs) != 0 {
		bad = append(bad, "nf_tables")
	}
	if v := h.sysctl(t, "net.ipv4.ip_forward"); v != "0" {
		bad = append(bad, "ip_forward "+v)
	}
	return bad
}

// records returns the journal records of up file f still to undo, by
// line (kind and undo joined), and whether the journal exists.
func (h *fakeHost) records(t *testing.T, f string) (map[int]string, bool) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(h.journal, journal.Key(f))); os.IsNotExist(err) {
		return nil, false
	}
	j, err := journal.Open(context.Background(), h.journal, f, false)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	out := map[int]string{}
	for _, r := range j.Records() {
		out[r.Line] += strings.Join(append([]string{r.Kind}, r.Undo...), " ")
	}
	return out, true
}

// TestUpDown: up applies a file as a unit on the fake host and journals
// the undos that need the old state; up again changes nothing; --dry-run
// says what it would do; down brings the host back to what it was and
// removes the journal.
func TestUpDown(t *testing.T) {
	h := onFakeHost(t, "net.ipv4.ip_forward=0")
	f := writeUpFile(t, upLines...)
	if code, out, stderr := nsnet("", "up "+f); code != 0 || out != "" {
		t.Fatalf("up: exit %d: %s%s", code, out, stderr)
	}
	v0 := h.Links["v0"]
	if h.Links["br0"] == nil || h.Links["v1"] == nil || v0 == nil || *v0.Attrs.MTU != 1400 || v0.Flags&unix.IFF_UP == 0 ||
		*v0.Attrs.Master != h.Links["br0"].Index || len(h.Addrs) != 1 || len(h.Routes) != 1 || len(h.Neighs) != 1 ||
		len(h.Rules) != 6 || len(h.nft.Objs) != 1 || h.sysctl(t, "net.ipv4.ip_forward") != "1" {
		t.Fatalf("after up: links %v addrs %v routes %v neighs %v rules %d nft %v ip_forward %s", h.Links, h.Addrs, h.Routes,
			h.Neighs, len(h.Rules), h.nft.Objs, h.sysctl(t, "net.ipv4.ip_forward"))
	}
	// The journal holds the undos computed before each line ran: the links
	// to delete and the old sysctl value (0). Lines 3 and 4 act inside
	// links this up made (v0, br0): deleting those undoes them, so they
	// have no record. (Records are checked by what they must name,
	// whatever their encoding.)
	recs, ok := h.records(t, f)
	if !ok {
		t.Fatal("up left no journal")
	}
	for _, line := range []int{3, 4} {
		if r, ok := recs[line]; ok {
			t.Errorf("line %d, inside a link up made, has a record: %q", line, r)
		}
	}
	for line, words := range map[int][]string{1: {"br0"}, 2: {"v0"}, 8: {"ip_forward", "0"}} {
		r := recs[line]
		for _, w := range words {
			if !strings.Contains(r, w) {
				t.Errorf("journal record of line %d %q does not name %q", line, r, w)
			}
		}
	}

	reqs, batches := h.Requests, h.nft.Batches
	if code, _, stderr := nsnet("", "up "+f); code != 0 {
		t.Fatalf("second up: exit %d: %s", code, stderr)
	}
	if h.nft.Batches != batches || len(h.Addrs) != 1 || len(h.Rules) != 6 {
		t.Errorf("second up changed the host (%d requests, %d batches)", h.Requests-reqs, h.nft.Batches-batches)
	}
	code, out, _ := nsnet("", "up --dry-run "+f)
	if code != 0 || strings.Count(out, "already applied, skip") != len(upLines) {
		t.Errorf("dry run of an applied file: exit %d:\n%s", code, out)
	}

	if code, out, stderr := nsnet("", "down "+f); code != 0 || out != "" {
		t.Fatalf("down: exit %d: %s%s", code, out, stderr)
	}
	if bad := h.fresh(t); bad != nil {
		t.Errorf("down left %v: links %v rules %v", bad, h.Links, h.Rules)
	}
	if _, ok := h.records(t, f); ok {
		t.Error("down left the journal")
	}
	code, out, _ = nsnet("", "up -n "+f)
	if code != 0 || strings.Count(out, ": apply ") != len(upLines) {
		t.Errorf("dry run of a fresh host: exit %d:\n%s", code, out)
	}
	if bad := h.fresh(t); bad != nil {
		t.Errorf("--dry-run changed %v", bad)
	}
}

// TestUpRollback: a refusal in the middle of up undoes every line before
// it in reverse order, names the failing line and leaves no journal; a
// failing undo keeps the journal, which down then finishes.
func TestUpRollback(t *testing.T) {
	h := onFakeHost(t, "net.ipv4.ip_forward=0")
	f := writeUpFile(t, append(slices.Clone(upLines), "route add 10.3.0.0/16 via 10.1.0.3")...)
	// The second route is the 10th line: the 1st route goes through.
	h.Fail[unix.RTM_NEWROUTE], h.Skip[unix.RTM_NEWROUTE] = unix.ENETUNREACH, 1
	code, _, stderr := nsnet("", "up "+f)
	if code != 1 || !strings.Contains(stderr, f+":10:") || !strings.Contains(stderr, "rolled back 9 step(s)") ||
		strings.Count(stderr, "\n") != 1 {
		t.Fatalf("up: exit %d: %s", code, stderr)
	}
	if bad := h.fresh(t); bad != nil {
		t.Errorf("rollback left %v: links %v addrs %v routes %v", bad, h.Links, h.Addrs, h.Routes)
	}
	if recs, ok := h.records(t, f); ok {
		t.Errorf("a full rollback left the journal: %v", recs)
	}

	// The refusal again, and the undo of line 2 (link delete v0) refused
	// too: the rest is undone, the journal keeps line 2's record.
	h.Fail[unix.RTM_NEWROUTE], h.Skip[unix.RTM_NEWROUTE] = unix.ENETUNREACH, 1
	h.Fail[unix.RTM_DELLINK], h.Skip[unix.RTM_DELLINK] = unix.EBUSY, 0
	code, _, stderr = nsnet("", "up "+f)
	if code != 1 || !strings.Contains(stderr, "warning: undo "+f+":2:") ||
		!strings.Contains(stderr, "the undo of line(s) 2 failed: the journal is kept, run down to finish") {
		t.Fatalf("up with a failing undo: exit %d: %s", code, stderr)
	}
	if h.Links["v0"] == nil || h.Links["br0"] != nil || len(h.Addrs) != 0 {
		t.Fatalf("after the partial rollback: links %v addrs %v", h.Links, h.Addrs)
	}
	recs, ok := h.records(t, f)
	if !ok || len(recs) != 1 || !strings.Contains(recs[2], "v0") {
		t.Fatalf("journal %v (exists %v), want line 2's undo (deleting v0) alone", recs, ok)
	}
	if code, _, stderr := nsnet("", "down "+f); code != 0 {
		t.Fatalf("down: exit %d: %s", code, stderr)
	}
	if bad := h.fresh(t); bad != nil {
		t.Errorf("down left %v: %v", bad, h.Links)
	}
	if _, ok := h.records(t, f); ok {
		t.Error("down left the journal")
	}
}

// TestUpRefusesBadFiles: a line that cannot be undone, a line that does
// not parse, or a missing file: up names the line and changes nothing.
func TestUpRefusesBadFiles(t *testing.T) {
	h := onFakeHost(t, "net.ipv4.ip_forward=0")
	for _, c := range []struct {
		lines []string
		words []string
	}{
		{[]string{"link add br0 type bridge", "neigh flush dev br0"}, []string{":2:", "neigh flush"}},
		{[]string{"link add br0 type bridge", "link add x%d type bridge"}, []string{":2:", "x%d"}},
		{[]string{"link add br0 type bridge", "link show"}, []string{":2:", "cannot be undone"}},
	} {
		f := writeUpFile(t, c.lines...)
		wantErr(t, "up "+f, 255, c.words...)
		if bad := h.fresh(t); bad != nil {
			t.Errorf("%v: changed %v", c.lines, bad)
		}
	}
	// ip's status for a bad prefix is 1, in a file too.
	for _, c := range []struct {
		lines []string
		words []string
	}{
		{[]string{"link add br0 type bridge", "addr add 10.0.0.1/33 dev br0"}, []string{":2:", "10.0.0.1/33"}},
	} {
		f := writeUpFile(t, c.lines...)
		wantErr(t, "up "+f, 1, c.words...)
		if bad := h.fresh(t); bad != nil {
			t.Errorf("%v: changed %v", c.lines, bad)
		}
	}
	wantErr(t, "up "+filepath.Join(t.TempDir(), "nosuch"), 1, "nosuch")
	wantErr(t, "up", 255, "missing FILE")
	wantErr(t, "down a b", 255, `"b"`)
}

// TestUpJournalsOldState: a line acting on a link up did not make is
// checked and journaled with the state found before it ran, and down
// puts that state back.
func TestUpJournalsOldState(t *testing.T) {
	h := onFakeHost(t)
	h.AddLink("e0", "veth", 1500)
	f := writeUpFile(t, "link set e0 mtu 1400", "addr add 10.5.0.1/24 dev e0")
	if code, out, stderr := nsnet("", "up "+f); code != 0 || out != "" {
		t.Fatalf("up: exit %d: %s%s", code, out, stderr)
	}
	if *h.Links["e0"].Attrs.MTU != 1400 || len(h.Addrs) != 1 {
		t.Fatalf("after up: mtu %d addrs %v", *h.Links["e0"].Attrs.MTU, h.Addrs)
	}
	recs, _ := h.records(t, f)
	for line, words := range map[int][]string{1: {"e0", "1500"}, 2: {"e0", "10.5.0.1/24"}} {
		for _, w := range words {
			if !strings.Contains(recs[line], w) {
				t.Errorf("journal record of line %d %q does not name %q", line, recs[line], w)
			}
		}
	}
	if code, out, stderr := nsnet("", "down "+f); code != 0 || out != "" {
		t.Fatalf("down: exit %d: %s%s", code, out, stderr)
	}
	if l := h.Links["e0"]; l == nil || *l.Attrs.MTU != 1500 || len(h.Addrs) != 0 {
		t.Errorf("after down: e0 %v addrs %v, want e0 at mtu 1500 and no address", l, h.Addrs)
	}
}
