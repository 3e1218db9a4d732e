package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/nsnet/nsnet/ethtool"
	"github.com/nsnet/nsnet/journal"
	"github.com/nsnet/nsnet/nat"
	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/plan"
	"github.com/nsnet/nsnet/rtnl"
	"github.com/nsnet/nsnet/sysctl"
)

func mustParse(t *testing.T, s string) command {
	t.Helper()
	w, err := splitWords(s)
	if err != nil {
		t.Fatal(err)
	}
	c, err := parseCommand(w, options{})
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return c
}

// TestCaptureSnaplenRange: -s is 0 (the default) to 262144 as in tcpdump;
// a larger value was taken as an allocation size (a runtime out-of-memory
// crash) or wrapped to 0 in the pcap header.
func TestCaptureSnaplenRange(t *testing.T) {
	for _, v := range []string{"99999999999", "4294967296", "262145", "-1", "9223372036854775808", "1e3"} {
		_, err := parseCommand([]string{"capture", "-s", v, "-i", "lo"}, options{})
		if !isUsage(err) || !strings.Contains(err.Error(), v) {
			t.Errorf("-s %s: %v, want a usage error naming it", v, err)
		}
	}
	for _, v := range []string{"0", "1", "262144"} {
		if _, err := parseCommand([]string{"capture", "-s", v, "-i", "lo"}, options{}); err != nil {
			t.Errorf("-s %s: %v", v, err)
		}
	}
	for _, v := range []string{"0", "2147483648", "99999999999"} {
		if _, err := parseCommand([]string{"capture", "-c", v, "-i", "lo"}, options{}); !isUsage(err) {
			t.Errorf("-c %s: %v, want a usage error", v, err)
		}
	}
}

// TestNULRefusedInBatchValues: a NUL inside a batch line's alias, label or
// sysctl value is refused (the kernel would cut the string there).
func TestNULRefusedInBatchValues(t *testing.T) {
	for _, line := range []string{
		"link set v0 alias \"a\x00b\"",
		"addr add 192.0.2.1/24 dev v0 label \"v0\x00x\"",
		"sysctl -w net.ipv4.ip_forward=1\x000",
	} {
		_, err := parseLine(globals{}, "f", 1, line)
		if !isUsage(err) || !strings.Contains(err.Error(), `\x00`) {
			t.Errorf("%q: %v, want a usage error showing the NUL escaped", line, err)
		}
	}
	if got := shownValue("1\x000"); got != `"1\x000"` {
		t.Errorf("shownValue = %s", got)
	}
	if got := shownValue("4096 16384"); got != "4096 16384" {
		t.Errorf("shownValue = %s", got)
	}
}

// TestBatchContinuationBackslashes: an odd number of trailing backslashes
// continues the line (shell rules); an even number is escaped backslashes.
func TestBatchContinuationBackslashes(t *testing.T) {
	for _, tc := range []struct {
		text  string
		lines int
		last  string
	}{
		{"link set v0 alias x\\\\\\\n up\n", 1, `link set v0 alias x\\  up`},
		{"netns add a\\\\\nnetns add b\n", 2, "netns add b"},
		{"link set v0 alias x\\\n up\n", 1, "link set v0 alias x  up"},
		{"netns add a\\\\\\\\\nnetns add b\n", 2, "netns add b"},
	} {
		s := newSession(context.Background(), strings.NewReader(tc.text), io.Discard, io.Discard)
		ls, err := readLines(s, globals{}, "-", false)
		if err != nil {
			t.Errorf("%q: %v", tc.text, err)
			continue
		}
		if len(ls) != tc.lines || ls[len(ls)-1].text != tc.last {
			var got []string
			for _, l := range ls {
				got = append(got, l.text)
			}
			t.Errorf("%q: lines %q, want %d ending %q", tc.text, got, tc.lines, tc.last)
		}
	}
	// The escaped backslash is a backslash of the word.
	l, err := parseLine(globals{}, "f", 1, `link set v0 alias a\\ up`)
	if err != nil || *l.cmd.(linkSet).spec.alias != `a\` {
		t.Errorf("escaped backslash: %+v %v", l.cmd, err)
	}
}

// TestCapHintNamesWhatIsMissing: a permission error on a file-system path
// (the journal under /run) or on a write-only sysctl does not blame a
// capability.
func TestCapHintNamesWhatIsMissing(t *testing.T) {
	fsErr := fmt.Errorf("journal: %w", &os.PathError{Op: "mkdir", Path: "/run/nsnet", Err: syscall.EACCES})
	h := capHint(fsErr, fsErr.Error())
	if strings.Contains(h, "CAP_NET_ADMIN") || !strings.Contains(h, "/run/nsnet") {
		t.Errorf("file-system error hint: %q", h)
	}
	ro := &hinted{err: fmt.Errorf("sysctl x: %w", syscall.EACCES), hint: "the key is write-only: it cannot be read"}
	if h := capHint(ro, ro.Error()); h != ro.hint {
		t.Errorf("hinted error: %q", h)
	}
	nl := fmt.Errorf("add link: %w", syscall.EPERM)
	if h := capHint(nl, nl.Error()); !strings.Contains(h, "CAP_NET_ADMIN") {
		t.Errorf("netlink EPERM hint: %q", h)
	}
}

// TestLinkTemplateRefusedInUp: a kernel name template cannot be undone by
// name, so up refuses it (a batch runs it).
func TestLinkTemplateRefusedInUp(t *testing.T) {
	for _, s := range []string{"link add a%d type bridge", "link add v0 type veth peer name p%d"} {
		if err := upOnly(mustParse(t, s)); !isUsage(err) || !strings.Contains(err.Error(), "%d") {
			t.Errorf("%q: %v", s, err)
		}
	}
	if err := upOnly(mustParse(t, "link add a0 type bridge")); err != nil {
		t.Error(err)
	}
}

// TestJournalRecordValidation: a record is accepted only as the typed undo
// of the step on its line; anything else planted in a journal is refused.
func TestJournalRecordValidation(t *testing.T) {
	s := newSession(context.Background(), nil, io.Discard, io.Discard)
	e := s.env("", options{})
	mk := func(text, ns string) step {
		l, err := parseLine(globals{}, "f", 3, text)
		if err != nil {
			t.Fatal(err)
		}
		if ns != "" {
			l.ns = ns
		}
		return step{l: l, rev: l.cmd.(reversible), hash: journal.LineHash(l.text)}
	}
	sys := mk("sysctl -w net.ipv4.ip_forward=1", "")
	veth := mk("link add v0 type veth peer name v1", "")
	set := mk("link set v0 name w0 mtu 1400", "")
	nsAdd := mk("netns add r1", "")
	addr := mk("-n r1 addr add 192.0.2.1/24 dev v1", "")
	route := mk("route add 198.51.100.0/24 dev v0", "")
	move := mk("link set v1 netns r1", "")
	// Typed records: the plan step that undoes the line's own, in its
	// namespace, and nothing else.
	trec := func(st step, undo plan.Step) journal.Record {
		kind, data, err := plan.EncodeStep(undo)
		if err != nil {
			t.Fatal(err)
		}
		return journal.Record{Line: 3, Hash: st.hash, Kind: kind, Undo: []string{string(data)}}
	}
	r1 := nsfs.NameRef("r1")
	p := netip.MustParsePrefix("192.0.2.1/24")
	typedGood := []struct {
		st   step
		undo plan.Step
	}{
		{addr, plan.AddrDel{NS: r1, Dev: "v1", Prefix: p}},
		{sys, plan.SysctlSet{Values: []plan.SysctlValue{{Key: sysctl.MustKey("net.ipv4.ip_forward"), Value: "0"}}}},
		{nsAdd, plan.NetnsDel{Name: "r1"}},
		{mk("ethtool -K v0 tx off", ""), plan.EthtoolFeatures{Dev: "v0", Names: []string{"tx-checksum-ip-generic"}, On: []bool{true}}},
		{mk("ethtool -L v0 rx 2", ""), plan.EthtoolChannels{Dev: "v0", Counts: ethtool.ChannelCounts{RX: new(uint32(1))}}},
		{route, plan.RouteDel{Dst: netip.MustParsePrefix("198.51.100.0/24"), Dev: "v0"}},
		{veth, plan.LinkDel{Name: "v0"}},
		{set, plan.LinkSet{Dev: "w0", Name: "v0", MTU: new(uint32(1500))}},
		{move, plan.LinkSet{NS: r1, Dev: "v1", NetNS: new(nsfs.PathRef("/proc/self/ns/net")), Up: new(true)}},
		{mk("link del v0", ""), plan.LinkAdd{Name: "v0", Kind: "veth", Veth: &plan.Veth{Peer: "v1", UpAfter: true}}},
	}
	for _, g := range typedGood {
		r := trec(g.st, g.undo)
		c, err := g.st.undoOf(e, r)
		if err != nil {
			t.Errorf("%s / %s: refused: %v", g.st.l.text, r.Undo[0], err)
			continue
		}
		if !reflect.DeepEqual(c, undoCommand(g.undo)) {
			t.Errorf("%s: got %#v", g.st.l.text, c)
		}
		if back, ok := g.st.record(e, c); !ok || !reflect.DeepEqual(back, r) {
			t.Errorf("%s: up would write %+v, not %+v", g.st.l.text, back, r)
		}
	}
	typedBad := []struct {
		st   step
		undo plan.Step
	}{
		{addr, plan.AddrDel{NS: r1, Dev: "v1", Prefix: netip.MustParsePrefix("192.0.2.9/24")}},
		{addr, plan.AddrAdd{NS: r1, Dev: "v1", Prefix: p}},
		{addr, plan.AddrDel{Dev: "v1", Prefix: p}},
		{addr, plan.AddrDel{NS: r1, Dev: "v2", Prefix: p}},
		{addr, plan.NetnsDel{Name: "r1"}},
		{sys, plan.AddrDel{NS: r1, Dev: "v1", Prefix: p}},
		{sys, plan.SysctlSet{Values: []plan.SysctlValue{{Key: sysctl.MustKey("net.ipv4.conf.all.forwarding"), Value: "1"}}}},
		{sys, plan.SysctlSet{NS: r1, Values: []plan.SysctlValue{{Key: sysctl.MustKey("net.ipv4.ip_forward"), Value: "0"}}}},
		{nsAdd, plan.NetnsDel{Name: "r2"}},
		{nsAdd, plan.NetnsAdd{Name: "r1"}},
		{mk("ethtool -K v0 tx off", ""), plan.EthtoolFeatures{Dev: "v1", Names: []string{"tx"}, On: []bool{true}}},
		{mk("ethtool -L v0 rx 2", ""), plan.EthtoolChannels{Dev: "v0", Counts: ethtool.ChannelCounts{TX: new(uint32(1))}}},
		{mk("nat masquerade add 10.0.0.0/24", ""), plan.NATDel{Object: nat.Masquerade{Source: netip.MustParsePrefix("10.0.0.0/24")}}},
		{route, plan.RouteDel{Dst: netip.MustParsePrefix("0.0.0.0/0"), Dev: "v0"}},
		{route, plan.RouteDel{NS: r1, Dst: netip.MustParsePrefix("198.51.100.0/24"), Dev: "v0"}},
		{route, plan.RouteRaw{Op: "add", Route: rtnl.RouteMessage{Family: rtnl.FamilyInet, Dst: netip.MustParsePrefix("198.51.100.0/24")}}},
		{sys, plan.LinkDel{Name: "v0"}},
		{veth, plan.LinkDel{Name: "v9"}},
		{veth, plan.LinkDel{NS: r1, Name: "v0"}},
		{veth, plan.NetnsDel{Name: "v0"}},
		{set, plan.LinkSet{Dev: "w0", Name: "v0", Master: new("br0")}},
		{set, plan.LinkSet{Dev: "v0", MTU: new(uint32(1500))}},
		{set, plan.LinkDel{Name: "w0"}},
		{set, plan.LinkSet{Dev: "w0", Name: "v0", NetNS: new(r1)}},
		{move, plan.LinkSet{Dev: "v1", NetNS: new(nsfs.PathRef("/proc/self/ns/net")), Up: new(true)}},
		{move, plan.LinkSet{NS: r1, Dev: "v1", NetNS: new(nsfs.PathRef("/proc/1/ns/net")), Up: new(true)}},
		{mk("link del v0", ""), plan.LinkAdd{Name: "v1", Kind: "bridge"}},
		{mk("link del v0", ""), plan.LinkAdd{Name: "v0", Kind: "dummy"}},
	}
	for _, b := range typedBad {
		if c, err := b.st.undoOf(e, trec(b.st, b.undo)); err == nil {
			t.Errorf("%s: record %#v accepted as %#v", b.st.l.text, b.undo, c)
		}
	}
	// Words (the journal of an older nsnet) are refused.
	for _, w := range [][]string{{"link", "delete", "dev", "v0"}, {"sysctl", "-w", "net.ipv4.ip_forward=0"}} {
		r := journal.Record{Line: 3, Hash: veth.hash, Kind: "link-add", Undo: w}
		if c, err := veth.undoOf(e, r); err == nil {
			t.Errorf("words %q accepted as %#v", w, c)
		}
	}
}

// FuzzReadLines: the batch reader (lines, continuations, quotes, comments)
// never panics; it fails only with usage or line errors, and the lines it
// returns are numbered in increasing order.
func FuzzReadLines(f *testing.F) {
	for _, s := range []string{
		"netns add a\nlink add v0 type veth peer name v1 \\\n  netns a\n# c\n",
		"netns add 'x y' # c\n-n a link set lo up\n\\\\\\\n",
		"sysctl -w \"a=b\\\"\"\n\n\r\n\\",
		"link set v0 alias \"a\x00b\"\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		var stderr bytes.Buffer
		s := newSession(context.Background(), strings.NewReader(text), io.Discard, &stderr)
		for _, force := range []bool{false, true} {
			ls, err := readLines(s, globals{}, "-", force)
			if err != nil {
				var le *lineError
				if !isUsage(err) && !errors.As(err, &le) && !strings.Contains(err.Error(), "token too long") {
					t.Fatalf("%q: error %T %v", text, err, err)
				}
			}
			last := 0
			for _, l := range ls {
				if l.num <= last || l.cmd == nil {
					t.Fatalf("%q: line %d after %d (cmd %v)", text, l.num, last, l.cmd)
				}
				last = l.num
			}
			s.stdin = strings.NewReader(text)
		}
	})
}
