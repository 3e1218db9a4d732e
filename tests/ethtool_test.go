package tests

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// ethtoolDevices makes one device of each kind the tests read back with
// the real ethtool: a veth pair, a bridge, a vxlan and a tun.
func ethtoolDevices(t *testing.T, sb *Sandbox) []string {
	t.Helper()
	if _, err := exec.LookPath("ethtool"); err != nil {
		t.Fatal("ethtool is not installed (apt-get install ethtool; .ci/run installs it)")
	}
	sb.MustNSNet("link", "add", "ev0", "type", "veth", "peer", "name", "ev1")
	sb.MustNSNet("link", "add", "ebr0", "type", "bridge")
	sb.Must("ip", "link", "add", "evx0", "type", "vxlan", "id", "42", "dstport", "4789")
	sb.Must("ip", "tuntap", "add", "etun0", "mode", "tun")
	return []string{"ev0", "ebr0", "evx0", "etun0"}
}

// ethtoolLine returns the line of `ethtool -k` output for name.
func ethtoolLine(out, name string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimLeft(l, "\t"), name+":") {
			return strings.TrimLeft(l, "\t")
		}
	}
	return ""
}

// TestEthtoolShow: nsnet ethtool -k, -l and -i print what ethtool prints,
// byte for byte, on veth, bridge, vxlan and tun devices; -l on a driver
// without channels fails as ethtool does (not supported), in one line.
func TestEthtoolShow(t *testing.T) {
	sb := NewSandbox(t)
	for _, dev := range ethtoolDevices(t, sb) {
		for _, opt := range []string{"-k", "-i", "-l"} {
			want := sb.Run("ethtool", opt, dev)
			got := sb.NSNet("ethtool", opt, dev)
			if want.Code != 0 {
				// ethtool: "netlink error: Operation not supported".
				if !strings.Contains(want.Stderr, "not supported") {
					t.Fatalf("ethtool %s %s: %s", opt, dev, want)
				}
				WantFail(t, got, 2, dev, "not supported")
				continue
			}
			if got.Code != 0 || got.Stdout != want.Stdout {
				t.Errorf("nsnet ethtool %s %s differs from ethtool:\n%s\nethtool:\n%s", opt, dev, got, want.Stdout)
			}
		}
	}
	// Inside a named namespace (-n): the socket, and -i's ioctl socket,
	// are made there.
	sb.MustNSNet("netns", "add", "eth")
	sb.MustNSNet("link", "add", "en0", "type", "veth", "peer", "name", "en1", "netns", "eth")
	sb.MustNSNet("-n", "eth", "ethtool", "-K", "en1", "tx", "off")
	for _, opt := range []string{"-k", "-i", "-l"} {
		want := sb.Must("ip", "netns", "exec", "eth", "ethtool", opt, "en1")
		if got := sb.MustNSNet("-n", "eth", "ethtool", opt, "en1"); got != want {
			t.Errorf("-n eth ethtool %s en1:\n%s\nethtool:\n%s", opt, got, want)
		}
	}
	if l := ethtoolLine(sb.Must("ip", "netns", "exec", "eth", "ethtool", "-k", "en1"), "tx-checksumming"); l != "tx-checksumming: off" {
		t.Errorf("-n eth ethtool -K en1 tx off: ethtool says %q", l)
	}
	WantFail(t, sb.NSNet("-n", "eth", "ethtool", "-i", "en0"), 1, "en0")

	// -j: the same features, with their state.
	var js struct {
		IfName   string `json:"ifname"`
		Features []struct {
			Name          string
			Active, Fixed bool
		}
	}
	if err := json.Unmarshal([]byte(sb.MustNSNet("-j", "ethtool", "-k", "ev0")), &js); err != nil || js.IfName != "ev0" {
		t.Fatalf("-j: %v %+v", err, js)
	}
	k := sb.Must("ethtool", "-k", "ev0")
	for _, f := range js.Features {
		line := ethtoolLine(k, f.Name)
		if line == "" {
			continue // printed under its legacy name
		}
		want := f.Name + ": " + map[bool]string{true: "on", false: "off"}[f.Active]
		if f.Fixed {
			want += " [fixed]"
		}
		if line != want {
			t.Errorf("-j says %q, ethtool %q", want, line)
		}
	}
}

// TestEthtoolSetFeatures: -K with an alias (tx: every tx-checksum-*) and a
// kernel name changes what ethtool reads back, on each kind of device,
// and setting the old values back (tx on: the fixed tx-checksum-* stay
// as they are) restores ethtool -k exactly.
func TestEthtoolSetFeatures(t *testing.T) {
	sb := NewSandbox(t)
	for _, dev := range ethtoolDevices(t, sb) {
		before := sb.Must("ethtool", "-k", dev)
		gro := ethtoolLine(before, "generic-receive-offload")
		flip := "on"
		if strings.HasSuffix(gro, ": on") {
			flip = "off"
		}
		sb.MustNSNet("ethtool", "-K", dev, "tx", "off", "rx-gro", flip)
		after := sb.Must("ethtool", "-k", dev)
		// With tx off, TSO is wanted but off: "[requested on]" lines,
		// printed alike.
		if got := sb.MustNSNet("ethtool", "-k", dev); got != after {
			t.Errorf("%s: nsnet ethtool -k after tx off:\n%s\nethtool:\n%s", dev, got, after)
		}
		if l := ethtoolLine(after, "tx-checksum-ip-generic"); l != "tx-checksum-ip-generic: off" {
			t.Errorf("%s: after tx off, ethtool says %q", dev, l)
		}
		if l := ethtoolLine(after, "generic-receive-offload"); l != "generic-receive-offload: "+flip {
			t.Errorf("%s: after rx-gro %s, ethtool says %q", dev, flip, l)
		}
		if l := ethtoolLine(after, "tx-checksumming"); l != "tx-checksumming: off" {
			t.Errorf("%s: ethtool says %q", dev, l)
		}
		back := map[string]string{"on": "off", "off": "on"}[flip]
		sb.MustNSNet("ethtool", "-K", dev, "tx", "on", "gro", back)
		if got := sb.Must("ethtool", "-k", dev); got != before {
			t.Errorf("%s: not restored:\n%s\nwas:\n%s", dev, got, before)
		}
	}
}

// TestEthtoolErrors: one line, non-zero status, the bad token named;
// nothing is half applied.
func TestEthtoolErrors(t *testing.T) {
	sb := NewSandbox(t)
	ethtoolDevices(t, sb)
	before := sb.Must("ethtool", "-k", "ev0")
	WantFail(t, sb.NSNet("ethtool", "-K", "ev0", "gro", "on", "foo", "on"), 1, `"foo"`, "unknown feature")
	// rx-lro is fixed on a veth: refused, and gro (asked first) not changed.
	WantFail(t, sb.NSNet("ethtool", "-K", "ev0", "gro", "on", "lro", "on"), 1, `"lro"`, "fixed")
	WantFail(t, sb.NSNet("ethtool", "-K", "ev0", "tx", "maybe"), 255, `"maybe"`)
	WantFail(t, sb.NSNet("ethtool", "-K", "ev0", "tx"), 255, `"tx"`)
	WantFail(t, sb.NSNet("ethtool", "-L", "ev0", "rx", "99"), 2, "exceeds maximum")
	WantFail(t, sb.NSNet("ethtool", "-L", "ev0", "bogus", "1"), 255, `"bogus"`)
	WantFail(t, sb.NSNet("ethtool", "-g", "ev0"), 2, "not supported")
	WantFail(t, sb.NSNet("ethtool", "-k", "nosuch0"), 2, "nosuch0")
	WantFail(t, sb.NSNet("ethtool", "-x", "ev0"), 255, `"-x"`)
	if got := sb.Must("ethtool", "-k", "ev0"); got != before {
		t.Errorf("a refused request changed features:\n%s\nwas:\n%s", got, before)
	}
}

// TestEthtoolChannels: -L sets what ethtool -l reads back.
func TestEthtoolChannels(t *testing.T) {
	sb := NewSandbox(t)
	ethtoolDevices(t, sb)
	sb.MustNSNet("ethtool", "-L", "ev0", "rx", "2")
	out := sb.Must("ethtool", "-l", "ev0")
	cur := out[strings.Index(out, "Current hardware settings:"):]
	if !strings.Contains(cur, "RX:\t\t2\n") {
		t.Fatalf("ethtool -l after -L rx 2:\n%s", out)
	}
	if got := sb.MustNSNet("ethtool", "-l", "ev0"); got != out {
		t.Errorf("nsnet -l:\n%s\nethtool:\n%s", got, out)
	}
}

// TestEthtoolUpDown: in an up file, ethtool -K and -L are undone by down
// (old values back, read with ethtool), and by the rollback of a failed up.
func TestEthtoolUpDown(t *testing.T) {
	sb := NewSandbox(t)
	sb.MustNSNet("link", "add", "uv0", "type", "veth", "peer", "name", "uv1")
	kBefore, lBefore := sb.Must("ethtool", "-k", "uv0"), sb.Must("ethtool", "-l", "uv0")
	file := "link add uw0 type veth peer name uw1\nethtool -K uv0 tx off sg off\nethtool -L uv0 tx 2\nethtool -K uw0 gro on\n"
	writeFile(t, sb, "/run/eth.nsnet", file)
	sb.MustNSNet("up", "/run/eth.nsnet")
	k := sb.Must("ethtool", "-k", "uv0")
	if ethtoolLine(k, "tx-checksumming") != "tx-checksumming: off" || ethtoolLine(k, "scatter-gather") != "scatter-gather: off" {
		t.Fatalf("up did not apply -K:\n%s", k)
	}
	if l := sb.Must("ethtool", "-l", "uv0"); !strings.HasSuffix(l, "TX:\t\t2\nOther:\t\tn/a\nCombined:\tn/a\n") {
		t.Fatalf("up did not apply -L:\n%s", l)
	}
	if out := sb.MustNSNet("up", "--dry-run", "/run/eth.nsnet"); strings.Contains(out, ": apply") {
		t.Errorf("dry run after up still plans work:\n%s", out)
	}
	sb.MustNSNet("down", "/run/eth.nsnet")
	if k, l := sb.Must("ethtool", "-k", "uv0"), sb.Must("ethtool", "-l", "uv0"); k != kBefore || l != lBefore {
		t.Fatalf("down did not restore:\n%s%s\nwas:\n%s%s", k, l, kBefore, lBefore)
	}
	if r := sb.Run("ip", "link", "show", "uw0"); r.Code == 0 {
		t.Fatal("down left uw0")
	}

	// A failing last line rolls the ethtool lines back.
	writeFile(t, sb, "/run/bad.nsnet", "ethtool -K uv0 tx off\nethtool -L uv0 rx 2\nethtool -L uv0 rx 99\n")
	WantFail(t, sb.NSNet("up", "/run/bad.nsnet"), 1, "/run/bad.nsnet:3:", "rolled back 2")
	if k, l := sb.Must("ethtool", "-k", "uv0"), sb.Must("ethtool", "-l", "uv0"); k != kBefore || l != lBefore {
		t.Fatalf("rollback did not restore:\n%s%s\nwas:\n%s%s", k, l, kBefore, lBefore)
	}

	// -batch runs ethtool lines too.
	sb.MustSh(`printf 'ethtool -K uv0 gro on\nethtool -L uv0 rx 2\n' | $NSNET -batch -`)
	if l := ethtoolLine(sb.Must("ethtool", "-k", "uv0"), "generic-receive-offload"); l != "generic-receive-offload: on" {
		t.Errorf("batch: %q", l)
	}
}

// TestGenlList: the families nsnet lists are those iproute2's genl lists
// (name and id), ethtool among them with its monitor group.
func TestGenlList(t *testing.T) {
	sb := NewSandbox(t)
	var fams []struct {
		Name        string
		ID          int
		Ops         []struct{ ID int }
		McastGroups []struct{ Name string } `json:"mcast_groups"`
	}
	if err := json.Unmarshal([]byte(sb.MustNSNet("-j", "genl", "list")), &fams); err != nil {
		t.Fatal(err)
	}
	text := sb.MustNSNet("genl", "list")
	oracle := sb.Run("genl", "ctrl", "list")
	seen := map[string]bool{}
	for _, f := range fams {
		seen[f.Name] = true
		head := "Name: " + f.Name + "\n\tID: 0x" + strings.ToLower(strings.TrimLeft(hex4(f.ID), "0"))
		if !strings.Contains(text, head) {
			t.Errorf("text output lacks %q", head)
		}
		if oracle.Code == 0 && !strings.Contains(oracle.Stdout, head) {
			t.Errorf("genl ctrl list lacks %q:\n%s", head, oracle.Stdout)
		}
		if f.Name == "ethtool" && (len(f.Ops) < 20 || len(f.McastGroups) != 1 || f.McastGroups[0].Name != "monitor") {
			t.Errorf("ethtool family: %+v", f)
		}
	}
	if !seen["nlctrl"] || !seen["ethtool"] {
		t.Fatalf("families: %v", seen)
	}
	WantFail(t, sb.NSNet("genl", "show", "nosuchfamily"), 2, "nosuchfamily")
}

func hex4(n int) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[n>>12&15], digits[n>>8&15], digits[n>>4&15], digits[n&15]})
}
