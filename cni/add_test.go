package cni

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/nltest"
	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/plan"
	"github.com/nsnet/nsnet/rtnl"
)

// fakeNode is a fake kernel for ADD's plan: the host's and the
// container's rtnetlink (nltest.Models; a veth made with its peer in the
// container's namespace shows its peer there, and goes away with it),
// an nf_tables that refuses everything, and sysctls in a map. Every
// change it is asked for (a new link, address or route, a link or bridge
// port setting, a sysctl write) is counted, and the failAt-th is refused.
type fakeNode struct {
	host, ct *nltest.Model
	sysctls  map[string]string
	hairpin  map[uint32]bool
	changes  int
	failAt   int
	peers    map[string]string // host veth -> container end
}

func newFakeNode() *fakeNode {
	return &fakeNode{host: nltest.NewModel(), ct: nltest.NewModel(), sysctls: map[string]string{},
		hairpin: map[uint32]bool{}, peers: map[string]string{}}
}

// refuse counts a change and reports whether it is the one to refuse.
func (f *fakeNode) refuse() bool {
	f.changes++
	return f.changes == f.failAt
}

func (f *fakeNode) serve(k *nltest.Model) nltest.Func {
	return func(req []netlink.Message) ([]netlink.Message, error) {
		m := req[0]
		typ := m.Header.Type
		create := typ == unix.RTM_NEWLINK && m.Header.Flags&netlink.Create != 0
		switch typ {
		case unix.RTM_NEWLINK, unix.RTM_SETLINK, unix.RTM_NEWADDR, unix.RTM_NEWROUTE:
			if f.refuse() {
				return []netlink.Message{nltest.Error(m, unix.EPERM, "")}, nil
			}
		}
		if typ == unix.RTM_SETLINK {
			// A bridge port's settings (AF_BRIDGE, IFLA_PROTINFO).
			f.hairpin[nlIndex(m.Data)] = true
			return []netlink.Message{nltest.Ack(m)}, nil
		}
		var lm rtnl.LinkMessage
		if typ == unix.RTM_NEWLINK || typ == unix.RTM_DELLINK {
			if err := lm.UnmarshalBinary(m.Data); err != nil {
				return nil, err
			}
		}
		before := len(k.Links)
		out, err := k.Func()(req)
		if create && len(k.Links) > before && lm.Attrs.Info != nil {
			if v, ok := lm.Attrs.Info.Data.(*rtnl.Veth); ok && v.Peer.Attrs.NetNSFD != nil {
				f.ct.AddLink(v.Peer.Attrs.Name, "veth", 0)
				f.peers[lm.Attrs.Name] = v.Peer.Attrs.Name
			}
			if lm.Attrs.Master != nil {
				l := k.Links[lm.Attrs.Name]
				l.Attrs.Master, l.Attrs.Info.SlaveKind = lm.Attrs.Master, "bridge"
			}
		}
		if typ == unix.RTM_DELLINK && len(k.Links) < before {
			for h, p := range f.peers {
				if k.Links[h] == nil && k == f.host || f.ct.Links[p] == nil && k == f.ct {
					delete(f.host.Links, h)
					delete(f.ct.Links, p)
					delete(f.peers, h)
				}
			}
		}
		up := rtnl.OperUp
		for _, l := range k.Links {
			l.Attrs.OperState = &up
		}
		return out, err
	}
}

// nlIndex is the ifindex of an ifinfomsg.
func nlIndex(b []byte) uint32 {
	if len(b) < 8 {
		return 0
	}
	return uint32(b[4]) | uint32(b[5])<<8 | uint32(b[6])<<16 | uint32(b[7])<<24
}

// options is the plan session of the fake node.
func (f *fakeNode) options() *plan.Options {
	return &plan.Options{Dial: func(ref nsfs.Ref, fd int, family string) (io.Closer, error) {
		switch family {
		case "rtnl":
			if ref.IsSelf() {
				return nltest.Rtnl(f.serve(f.host), nil), nil
			}
			return nltest.Rtnl(f.serve(f.ct), nil), nil
		case "nat":
			return nltest.NAT(func(req []netlink.Message) ([]netlink.Message, error) {
				return []netlink.Message{nltest.Error(req[0], unix.EPERM, "")}, nil
			}, nil), nil
		}
		return nil, errors.New("fake node: no " + family)
	}}
}

func (f *fakeNode) setSysctl(ns *nsfs.NS, key, value string) error {
	if f.refuse() {
		return &os.PathError{Op: "open", Path: key, Err: syscall.EPERM}
	}
	f.sysctls[key] = value
	return nil
}

// left says what the node holds besides lo, and the reservations in dir.
func (f *fakeNode) left(t *testing.T, dir string, keep ...string) string {
	var out []string
	for _, k := range []*nltest.Model{f.host, f.ct} {
		for name := range k.Links {
			if name != "lo" && !strings.Contains(strings.Join(keep, " "), name) {
				out = append(out, "link "+name)
			}
		}
		for _, a := range k.Addrs {
			out = append(out, "addr "+a.Prefix().String())
		}
		for _, r := range k.Routes {
			out = append(out, "route "+r.Dst.String())
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*"))
	for _, p := range files {
		if b := filepath.Base(p); b != "lock" && !strings.HasPrefix(b, "last_reserved_ip") {
			out = append(out, "reservation "+b)
		}
	}
	return strings.Join(out, ", ")
}

// addOn runs ADD of face with conf on the fake node.
func addOn(t *testing.T, f *fakeNode, face, conf, args string) (*Result, error) {
	t.Helper()
	c, err := ParseConf([]byte(conf))
	if err != nil {
		t.Fatal(err)
	}
	env := Env{Command: "ADD", ContainerID: "c1", NetNS: "/proc/self/ns/net", IfName: "eth0", Args: args}
	r := &run{face: face, env: env, conf: c, stdin: []byte(conf), stderr: io.Discard,
		kernel: f.options(), setSysctl: f.setSysctl}
	if r.args, err = ParseArgs(args); err != nil {
		t.Fatal(err)
	}
	out, err := r.dispatch()
	if err != nil {
		return nil, err
	}
	res, _, err := ParseResult(out)
	return res, err
}

// TestAddRefusedAtEveryStep: for each face, a refusal of each change ADD
// asks of the kernel (links, bridge port, addresses, routes, sysctls, the
// NAT rules) makes ADD fail and leaves nothing behind: no link, address,
// route or IP reservation, the bridge it made removed.
func TestAddRefusedAtEveryStep(t *testing.T) {
	cases := []struct {
		face, conf string
		changes    int // changes of a successful ADD
	}{
		{"bridge", `{"cniVersion":"1.0.0","name":"b","type":"bridge","bridge":"br9","isDefaultGateway":true,"hairpinMode":true,"mtu":1400,
			"ipam":{"type":"host-local","dataDir":"DIR","ranges":[[{"subnet":"10.9.0.0/24"}],[{"subnet":"fd09::/64"}]],"routes":[{"dst":"192.0.2.0/24"}]}}`, 20},
		{"ptp", `{"cniVersion":"1.0.0","name":"p","type":"ptp","ipam":{"type":"host-local","dataDir":"DIR","subnet":"10.8.0.0/24","routes":[{"dst":"0.0.0.0/0"}]}}`, 10},
		{"nsnet", `{"cniVersion":"1.0.0","name":"n","type":"nsnet","ipam":{"type":"host-local","subnet":"10.7.0.0/24","dataDir":"DIR"}}`, 11},
		{"bridge", `{"cniVersion":"1.0.0","name":"l2","type":"bridge","bridge":"br8"}`, 5},
		{"loopback", `{"cniVersion":"1.0.0","name":"lo","type":"loopback"}`, 1},
	}
	for _, tc := range cases {
		t.Run(tc.face, func(t *testing.T) {
			dir := t.TempDir()
			conf := strings.ReplaceAll(tc.conf, "DIR", dir)
			for k := 1; ; k++ {
				f := newFakeNode()
				f.failAt = k
				if tc.face == "loopback" {
					f.ct.Links["lo"].Flags = 0
				}
				res, err := addOn(t, f, tc.face, conf, "")
				if err == nil {
					if k-1 != tc.changes || f.changes != tc.changes {
						t.Fatalf("ADD succeeded after %d refusals and %d changes, want %d", k-1, f.changes, tc.changes)
					}
					if len(res.Interfaces) == 0 && tc.face != "loopback" {
						t.Errorf("result %+v", res)
					}
					if hairpin := strings.Contains(conf, "hairpinMode") || tc.face == "nsnet"; hairpin != (len(f.hairpin) == 1) {
						t.Errorf("hairpin ports %v", f.hairpin)
					}
					break
				}
				if k > tc.changes+1 {
					t.Fatalf("refusal %d (of %d changes): %v", k, f.changes, err)
				}
				if got := f.left(t, dir); got != "" {
					t.Errorf("refusal of change %d (%v) left %s", k, err, got)
				}
			}
		})
	}
}

// TestAddRollsBackIPAMAndNAT: an IPAM that refuses after the veth was
// made, and nf_tables refusing the masquerade after everything else, both
// leave nothing; a bridge that was there stays, with its address.
func TestAddRollsBackIPAMAndNAT(t *testing.T) {
	dir := t.TempDir()
	f := newFakeNode()
	_, err := addOn(t, f, "bridge", `{"cniVersion":"1.0.0","name":"b","type":"bridge","bridge":"br9","isGateway":true,
		"ipam":{"type":"host-local","dataDir":"`+dir+`","subnet":"10.9.0.0/24"}}`, "IP=10.10.0.5")
	if err == nil || !strings.Contains(err.Error(), "ipam host-local: ") {
		t.Fatalf("ADD with an address outside the range: %v", err)
	}
	if got := f.left(t, dir); got != "" {
		t.Errorf("refused IPAM left %s", got)
	}

	f = newFakeNode()
	br := f.host.AddLink("br9", "bridge", 0)
	f.host.Addrs = append(f.host.Addrs, *addrMsg(br.Index, netip.MustParsePrefix("10.9.0.1/24"), false))
	_, err = addOn(t, f, "bridge", `{"cniVersion":"1.0.0","name":"b","type":"bridge","bridge":"br9","isGateway":true,"ipMasq":true,
		"ipam":{"type":"host-local","dataDir":"`+dir+`","subnet":"10.9.0.0/24"}}`, "")
	if err == nil || !strings.HasPrefix(err.Error(), "nat: ") {
		t.Fatalf("ADD with nf_tables refusing: %v", err)
	}
	if f.host.Links["br9"] == nil || len(f.host.Addrs) != 1 || f.host.Addrs[0].Prefix().String() != "10.9.0.1/24" {
		t.Errorf("the bridge that was there changed: %v %v", f.host.Links, f.host.Addrs)
	}
	f.host.Addrs = nil
	if got := f.left(t, dir, "br9"); got != "" {
		t.Errorf("refused NAT left %s", got)
	}

	// portmap: route_localnet on the host interfaces of prevResult, then
	// the mappings, refused.
	f = newFakeNode()
	_, err = addOn(t, f, "portmap", `{"cniVersion":"1.0.0","name":"b","type":"portmap","runtimeConfig":{"portMappings":[{"hostPort":80,"containerPort":8080}]},
		"prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"br9"},{"name":"eth0","sandbox":"/x"}],"ips":[{"address":"10.9.0.2/24","interface":1}]}}`, "")
	if !isCode(err, ErrInternal) || !strings.HasPrefix(err.Error(), "portmap: ") || f.sysctls["net/ipv4/conf/br9/route_localnet"] != "1" || len(f.sysctls) != 1 {
		t.Errorf("portmap with nf_tables refusing: %v, sysctls %v", err, f.sysctls)
	}
}

// TestAddCancelled: an ADD whose context is cancelled does nothing.
func TestAddCancelled(t *testing.T) {
	f := newFakeNode()
	c, err := ParseConf([]byte(`{"cniVersion":"1.0.0","name":"l2","type":"bridge","bridge":"br8"}`))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := &run{face: "bridge", conf: c, stderr: &bytes.Buffer{}, kernel: f.options(), setSysctl: f.setSysctl, ctx: ctx,
		env: Env{Command: "ADD", ContainerID: "c1", NetNS: "/proc/self/ns/net", IfName: "eth0"}}
	if _, err := r.dispatch(); err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("cancelled ADD: %v", err)
	}
	if got := f.left(t, t.TempDir()); got != "" || f.changes != 0 {
		t.Errorf("cancelled ADD made %d changes, left %s", f.changes, got)
	}
}

// TestBridgeAddrRace: bridgeAddr's Apply, run after its Applied said no,
// finds GW put on the bridge meanwhile (by a parallel ADD) and succeeds
// without a second address; a different IPv4 address there is an error
// unless Force replaces it.
func TestBridgeAddrRace(t *testing.T) {
	gw := netip.MustParsePrefix("10.60.0.1/16")
	for _, tc := range []struct {
		name, there string
		force       bool
		want        string // the bridge's addresses after Apply; "" for an error
	}{
		{"gw put meanwhile", "10.60.0.1/16", false, "10.60.0.1/16"},
		{"other address", "10.61.0.1/16", false, ""},
		{"other address, force", "10.61.0.1/16", true, "10.60.0.1/16"},
	} {
		f := newFakeNode()
		br := f.host.AddLink("br0", "bridge", 0)
		s := plan.NewSession(f.options())
		step := bridgeAddr{Bridge: "br0", Own: "veth0", GW: gw, Force: tc.force}
		if ok, err := step.Applied(context.Background(), s); ok || err != nil {
			t.Fatalf("%s: Applied on a bare bridge = %v, %v", tc.name, ok, err)
		}
		f.host.Addrs = append(f.host.Addrs, *addrMsg(br.Index, netip.MustParsePrefix(tc.there), false))
		err := step.Apply(context.Background(), s)
		var got []string
		for _, a := range f.host.Addrs {
			got = append(got, a.Prefix().String())
		}
		switch {
		case tc.want == "" && (err == nil || !strings.Contains(err.Error(), "already has an IP address")):
			t.Errorf("%s: Apply = %v, want the bridge's address refused", tc.name, err)
		case tc.want != "" && (err != nil || strings.Join(got, " ") != tc.want):
			t.Errorf("%s: Apply = %v, addresses %v, want %s", tc.name, err, got, tc.want)
		}
		s.Close()
	}
}

// TestBridgeDelIfMade: the undo of a bridge this ADD made leaves it when
// another attachment's veth is on it (a concurrent ADD found the bridge),
// removes it when it has no ports, and leaves a bridge this ADD did not
// make.
func TestBridgeDelIfMade(t *testing.T) {
	for _, tc := range []struct {
		name       string
		made, port bool
		want       bool // the bridge is still there
	}{
		{"made, no ports", true, false, false},
		{"made, another's port", true, true, true},
		{"not made", false, false, true},
	} {
		f := newFakeNode()
		br := f.host.AddLink("br0", "bridge", 0)
		if tc.port {
			f.host.AddLink("vethother", "veth", 0).Attrs.Master = ptr(br.Index)
		}
		s := plan.NewSession(f.options())
		made := tc.made
		if err := (bridgeDelIfMade{Name: "br0", made: &made}).Apply(context.Background(), s); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		if _, ok := f.host.Links["br0"]; ok != tc.want {
			t.Errorf("%s: bridge there = %v, want %v", tc.name, ok, tc.want)
		}
		s.Close()
	}
}
