package main

import (
	"bytes"
	"context"
	"io"
	"net/netip"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/nltest"
	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/plan"
)

// onModel runs nsnet's commands against a fake rtnetlink kernel for the
// rest of the test.
func onModel(t *testing.T) *nltest.Model {
	k := nltest.NewModel()
	sessionOptions = &plan.Options{Dial: func(ref nsfs.Ref, fd int, family string) (io.Closer, error) {
		return nltest.Rtnl(k.Func(), nil), nil
	}}
	t.Cleanup(func() { sessionOptions = nil })
	return k
}

// nsnet runs one command line (split on spaces) and returns its exit
// status, stdout and stderr.
func nsnet(stdin string, line string) (int, string, string) {
	var o, e bytes.Buffer
	code := run(context.Background(), strings.Fields(line), strings.NewReader(stdin), &o, &e)
	return code, o.String(), e.String()
}

// TestCommandsOnFakeKernel: link, addr and route commands build the
// kernel state they say, show it back, and fail as ip does.
func TestCommandsOnFakeKernel(t *testing.T) {
	k := onModel(t)
	for _, line := range []string{
		"link add br0 type bridge",
		"link add v0 type veth peer name v1",
		"link set v0 up mtu 1400 master br0",
		"addr add 10.1.0.1/24 dev br0",
		"addr add 2001:db8::1/64 dev br0",
		"route add 10.2.0.0/16 via 10.1.0.2",
		"route add 10.3.0.0/16 dev br0",
	} {
		if code, _, stderr := nsnet("", line); code != 0 {
			t.Fatalf("%s: exit %d: %s", line, code, stderr)
		}
	}
	v0, br := k.Links["v0"], k.Links["br0"]
	if br == nil || k.Links["v1"] == nil || v0.Flags&unix.IFF_UP == 0 || *v0.Attrs.MTU != 1400 || *v0.Attrs.Master != br.Index {
		t.Fatalf("links %v", k.Links)
	}
	if len(k.Addrs) != 2 || len(k.Routes) != 2 {
		t.Fatalf("addrs %v routes %v", k.Addrs, k.Routes)
	}
	if a := k.Addrs[0]; a.Attrs.Local != netip.MustParseAddr("10.1.0.1") || a.PrefixLen != 24 {
		t.Errorf("addr %+v", a)
	}
	_, out, _ := nsnet("", "-br link show")
	for _, w := range []string{"br0", "v0 ", "v1 ", "lo "} {
		if !strings.Contains(out, w) {
			t.Errorf("link show: no %q in\n%s", w, out)
		}
	}
	_, out, _ = nsnet("", "-j addr show dev br0")
	if !strings.Contains(out, `"local":"10.1.0.1","prefixlen":24`) || !strings.Contains(out, `"local":"2001:db8::1"`) {
		t.Errorf("addr show -j:\n%s", out)
	}
	_, out, _ = nsnet("", "route show")
	if !strings.Contains(out, "10.2.0.0/16 via 10.1.0.2") || !strings.Contains(out, "10.3.0.0/16 dev br0") {
		t.Errorf("route show:\n%s", out)
	}
	// Errors: the kernel's, in nsnet's words, with ip's exit statuses.
	if code, _, stderr := nsnet("", "addr add 10.1.0.1/24 dev br0"); code != 2 || !strings.Contains(stderr, "exists") {
		t.Errorf("duplicate address: exit %d: %s", code, stderr)
	}
	if code, _, stderr := nsnet("", "link set nosuch up"); code == 0 || !strings.Contains(stderr, "nosuch") {
		t.Errorf("missing link: exit %d: %s", code, stderr)
	}
	// A batch: a failing line stops it; -force goes on.
	code, _, stderr := nsnet("route del 10.3.0.0/16 dev br0\nlink del nosuch\naddr del 10.1.0.1/24 dev br0\n", "-batch -")
	if code != 1 || !strings.Contains(stderr, "nosuch") || len(k.Routes) != 1 || len(k.Addrs) != 2 {
		t.Errorf("batch: exit %d, routes %v, addrs %v: %s", code, k.Routes, k.Addrs, stderr)
	}
	code, _, _ = nsnet("link del nosuch\naddr del 10.1.0.1/24 dev br0\n", "-force -batch -")
	if code != 1 || len(k.Addrs) != 1 {
		t.Errorf("batch -force: exit %d, addrs %v", code, k.Addrs)
	}
	if code, _, stderr := nsnet("", "link del v1"); code != 0 || k.Links["v0"] != nil {
		t.Errorf("link del of a veth end: exit %d: %s (links %v)", code, stderr, k.Links)
	}
}

// TestReversibleOnFakeKernel: applied and inverse of the commands up and
// down use, against a kernel state.
func TestReversibleOnFakeKernel(t *testing.T) {
	k := onModel(t)
	k.AddLink("eth0", "veth", 0)
	s := newSession(context.Background(), nil, io.Discard, io.Discard)
	defer s.close()
	for _, tc := range []struct {
		line string
		inv  string // the inverse's words before the line runs
	}{
		{"link add br0 type bridge", `link-del {"NS":"","Name":"br0"}`},
		{"addr add 10.0.0.1/24 dev eth0", `addr-del {"NS":"","Dev":"eth0","Prefix":"10.0.0.1/24"`},
		{"route add 10.9.0.0/16 via 10.0.0.2", `route-del {"NS":"","Dst":"10.9.0.0/16","Gateway":"10.0.0.2"`},
		{"link set eth0 up mtu 1400", `link-set {"NS":"","Dev":"eth0","Up":false,"MTU":1500}`},
	} {
		c := mustParse(t, tc.line).(reversible)
		e := s.env("", options{})
		if ok, err := c.applied(e); ok || err != nil {
			t.Fatalf("%s: applied before it ran: %v", tc.line, err)
		}
		inv, err := c.inverse(e)
		if err != nil {
			t.Fatalf("%s: inverse: %v", tc.line, err)
		}
		if w := undoText(inv); !strings.HasPrefix(w, tc.inv) {
			t.Errorf("%s: inverse %q, want %q...", tc.line, w, tc.inv)
		}
		if err := c.run(e); err != nil {
			t.Fatalf("%s: %v", tc.line, err)
		}
		if ok, err := c.applied(e); !ok || err != nil {
			t.Fatalf("%s: not applied after it ran: %v", tc.line, err)
		}
		if err := inv.run(e); err != nil {
			t.Fatalf("%s: undo: %v", tc.line, err)
		}
		if ok, _ := c.applied(e); ok {
			t.Fatalf("%s: still applied after its undo", tc.line)
		}
	}
	if len(k.Addrs) != 0 || len(k.Routes) != 0 || k.Links["br0"] != nil || k.Links["eth0"].Flags&unix.IFF_UP != 0 {
		t.Fatalf("left addrs %v routes %v links %v", k.Addrs, k.Routes, k.Links)
	}
}

// undoText is an undo as up journals it: a plan step's kind and fields.
func undoText(inv command) string {
	kind, data, err := plan.EncodeStep(inv.(stepCmd).st)
	if err != nil {
		return err.Error()
	}
	return kind + " " + string(data)
}

// TestListingsOnFakeKernel: every listing form prints the model's objects
// (text, -o, -br, -d, -s, -j, -j -p), and changes read back as made.
func TestListingsOnFakeKernel(t *testing.T) {
	k := onModel(t)
	for _, line := range []string{
		"link add br0 type bridge", "link add v0 type veth peer name v1", "link set v0 master br0 up",
		"addr add 10.1.0.1/24 dev br0", "addr add 10.1.0.9/32 dev v0", "addr add 2001:db8::1/64 dev br0",
		"route add 10.2.0.0/16 via 10.1.0.2", "route add 2001:db8:1::/48 dev br0",
	} {
		if code, _, stderr := nsnet("", line); code != 0 {
			t.Fatalf("%s: exit %d: %s", line, code, stderr)
		}
	}
	for _, c := range []struct{ line, want string }{
		{"link show", "br0"},
		{"link show dev v0", "v0"},
		{"-o link show", "br0"},
		{"-d link show br0", "bridge"},
		{"-s link show v0", "master br0"},
		{"-j link show", `"ifname":"br0"`},
		{"-j -p link show v0", `"ifname": "v0"`},
		{"link show master br0", "v0"},
		{"link show type bridge", "br0"},
		{"addr show", "10.1.0.1/24"},
		{"-4 addr show dev br0", "10.1.0.1/24"},
		{"-6 addr show dev br0", "2001:db8::1/64"},
		{"-o addr show", "10.1.0.9/32"},
		{"-br addr show", "10.1.0.1/24"},
		{"-j addr show", `"local":"10.1.0.9"`},
		{"route show", "10.2.0.0/16 via 10.1.0.2"},
		{"-6 route show", "2001:db8:1::/48 dev br0"},
		{"-j route show", `"dst":"10.2.0.0/16"`},
		{"-j -p route show", `"gateway": "10.1.0.2"`},
		{"route show dev br0", ""},
	} {
		code, out, stderr := nsnet("", c.line)
		if code != 0 || !strings.Contains(out, c.want) {
			t.Errorf("%s: exit %d, no %q in\n%s%s", c.line, code, c.want, out, stderr)
		}
	}
	for _, line := range []string{
		"route replace 10.2.0.0/16 via 10.1.0.3", "route del 2001:db8:1::/48 dev br0",
		"addr del 10.1.0.9/32 dev v0", "link set v0 nomaster", "link set br0 mtu 9000 down",
		"addr flush dev br0",
	} {
		if code, _, stderr := nsnet("", line); code != 0 {
			t.Errorf("%s: exit %d: %s", line, code, stderr)
		}
	}
	if len(k.Addrs) != 0 || *k.Links["v0"].Attrs.Master != 0 || *k.Links["br0"].Attrs.MTU != 9000 || len(k.Routes) != 1 {
		t.Errorf("after the changes: addrs %v routes %v links %v", k.Addrs, k.Routes, k.Links)
	}
	// Bad input: a one-line error naming the token, exit 255 (as ip), the
	// kernel never asked.
	before := k.Requests
	for _, line := range []string{
		"link add a/b type bridge", "addr add 10.1.0.1/33 dev br0", "route add 10.0.0.0/8 via nonsense",
		"link set br0 mtu -1", "addr add 10.0.0.1/24", "link add x0 type bridge nonsense",
	} {
		if code, _, stderr := nsnet("", line); code != 255 && code != 1 || strings.Count(strings.TrimSpace(stderr), "\n") > 1 {
			t.Errorf("%s: exit %d: %q", line, code, stderr)
		}
	}
	if k.Requests != before {
		t.Errorf("bad input reached the kernel (%d requests)", k.Requests-before)
	}
}

// TestRouteShowNoMainTable: in a namespace with no IPv4 route the kernel
// has no main table and refuses a dump of it (ENOENT); ip's listings of
// the main table then print nothing and exit 0, while a listing of another
// missing table and a flush of the main table are refused (exit 2).
func TestRouteShowNoMainTable(t *testing.T) {
	k := onModel(t)
	for _, tc := range []struct {
		line, stdout string
		code         int
	}{
		{"route show", "", 0},
		{"-j route show", "[]\n", 0},
		{"route list table main dev lo", "", 0},
		{"-4 route show", "", 0},
		{"route show table 100", "", 2},
		{"route flush table main", "", 2},
	} {
		k.Fail[unix.RTM_GETROUTE] = unix.ENOENT
		code, stdout, stderr := nsnet("", tc.line)
		if code != tc.code || stdout != tc.stdout || (code == 0) != (stderr == "") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit %d, stdout %q", tc.line, code, stdout, stderr, tc.code, tc.stdout)
		}
	}
	if code, _, stderr := nsnet("", "route flush"); code != 1 || !strings.Contains(stderr, "route flush") {
		t.Errorf("route flush without a selector: exit %d, %q; want ip's exit 1", code, stderr)
	}
}
