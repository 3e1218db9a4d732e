package tests

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// tsharkFields runs tshark on a capture file (outside the sandbox: it only
// reads the file) and returns, per frame, the values of each field.
func tsharkFields(t *testing.T, file string, fields ...string) []map[string][]string {
	t.Helper()
	args := []string{"-r", file, "-T", "fields", "-E", "separator=/t", "-E", "aggregator=,"}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	cmd := exec.Command("tshark", args...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark %v: %v", args, err)
	}
	var frames []map[string][]string
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		cols := strings.Split(line, "\t")
		m := map[string][]string{}
		for i, f := range fields {
			if i < len(cols) && cols[i] != "" {
				m[f] = strings.Split(cols[i], ",")
			}
		}
		frames = append(frames, m)
	}
	return frames
}

// traceMsg is one message of --trace's output: its type name, the type of
// the request an NLMSG_ERROR answers, the family header line and the
// top-level attributes in order.
type traceMsg struct {
	sent   bool
	name   string
	inner  string
	header string
	attrs  [][2]string // name, value
}

var traceHead = regexp.MustCompile(`^(→|←) (\S+) `)

func parseTrace(s string) []traceMsg {
	var msgs []traceMsg
	for _, line := range strings.Split(s, "\n") {
		if m := traceHead.FindStringSubmatch(line); m != nil {
			msgs = append(msgs, traceMsg{sent: m[1] == "→", name: m[2]})
			continue
		}
		if len(msgs) == 0 || !strings.HasPrefix(line, "    ") || strings.HasPrefix(line, "     ") {
			continue
		}
		cur := &msgs[len(msgs)-1]
		f := strings.Fields(line)
		switch {
		case (f[0] == "ack" || f[0] == "error") && slices.Contains(f, "for"):
			cur.inner = f[slices.Index(f, "for")+1]
		case strings.HasSuffix(f[0], "msg") || f[0] == "genlmsghdr":
			cur.header = strings.TrimSpace(line)
		default:
			cur.attrs = append(cur.attrs, [2]string{f[0], strings.Trim(strings.Join(f[1:], " "), `"`)})
		}
	}
	return msgs
}

// rtNumbers gives the numbers behind the names --trace prints, for the
// messages and attributes these tests compare.
var rtNumbers = map[string]int{
	"NLMSG_ERROR": unix.NLMSG_ERROR, "NLMSG_DONE": unix.NLMSG_DONE,
	"RTM_NEWLINK": unix.RTM_NEWLINK, "RTM_GETLINK": unix.RTM_GETLINK, "RTM_NEWADDR": unix.RTM_NEWADDR,
	"IFLA_IFNAME": unix.IFLA_IFNAME, "IFLA_LINKINFO": unix.IFLA_LINKINFO, "IFLA_EXT_MASK": unix.IFLA_EXT_MASK,
	"IFA_ADDRESS": unix.IFA_ADDRESS, "IFA_LOCAL": unix.IFA_LOCAL,
}

func hexNums(t *testing.T, vals []string) []int {
	t.Helper()
	var out []int
	for _, v := range vals {
		n, err := strconv.ParseInt(v, 0, 32)
		if err != nil {
			t.Fatalf("tshark value %q: %v", v, err)
		}
		out = append(out, int(n))
	}
	return out
}

func headerField(h, key string) string {
	for _, f := range strings.Fields(h) {
		if v, ok := strings.CutPrefix(f, key+"="); ok {
			return v
		}
	}
	return ""
}

// TestTracePcapTshark: tshark, the oracle, reads nsnet's --trace-pcap
// capture of a veth pair's creation and of an address's as --trace prints
// the same run: one frame per message, the same message types (the
// request an ack answers included), the same top-level attributes with
// the same names and values.
func TestTracePcapTshark(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Fatal("tshark is not installed (apt-get install tshark; .ci/run installs it)")
	}
	sb := NewSandbox(t)
	dir := t.TempDir()
	fields := []string{"netlink.family", "netlink.hdr_type", "netlink-route.nltype",
		"netlink-route.ifla_attr_type", "netlink-route.ifla_ifname", "netlink-route.ifi_index",
		"netlink-route.ifa_attr_type", "netlink-route.ifa_address.ipv4", "netlink-route.ifa_prefixlen",
		"netlink-route.ifa_index", "netlink.error"}

	for _, step := range []struct {
		name string
		args []string
	}{
		{"link", []string{"link", "add", "tva", "type", "veth", "peer", "name", "tvb"}},
		{"addr", []string{"addr", "add", "10.9.0.1/24", "dev", "tva"}},
	} {
		file := filepath.Join(dir, step.name+".pcap")
		r := sb.NSNet(append([]string{"--trace", "--trace-pcap", file}, step.args...)...)
		if r.Code != 0 {
			t.Fatalf("%v: %s", step.args, r)
		}
		msgs := parseTrace(r.Stderr)
		frames := tsharkFields(t, file, fields...)
		if len(frames) != len(msgs) || len(msgs) < 2 {
			t.Fatalf("%s: tshark read %d frames, --trace printed %d messages:\n%s", step.name, len(frames), len(msgs), r.Stderr)
		}
		for i, m := range msgs {
			fr := frames[i]
			if fam := fr["netlink.family"]; len(fam) != 1 || fam[0] != "0x0000" && fam[0] != "0" {
				t.Errorf("%s frame %d: netlink family %v, want NETLINK_ROUTE (0)", step.name, i+1, fam)
			}
			// Types: the message's own and, for an ack, the request's header.
			got := hexNums(t, append(slices.Clone(fr["netlink.hdr_type"]), fr["netlink-route.nltype"]...))
			want := []int{rtNumbers[m.name]}
			if m.inner != "" {
				want = append(want, rtNumbers[m.inner])
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) || slices.Contains(want, 0) {
				t.Errorf("%s frame %d: tshark types %v, --trace %s %s", step.name, i+1, got, m.name, m.inner)
			}
			if m.name == "NLMSG_ERROR" {
				if e := fr["netlink.error"]; len(e) != 1 || e[0] != "0" {
					t.Errorf("%s frame %d: tshark error code %v, --trace says ack", step.name, i+1, e)
				}
			}
			if !m.sent {
				if m.name == "RTM_NEWLINK" {
					// The kernel's reply: tshark and --trace agree on name and index.
					if v := fr["netlink-route.ifla_ifname"]; len(v) == 0 || v[0] != attrValue(m, "IFLA_IFNAME") {
						t.Errorf("%s frame %d: tshark ifname %v, --trace %q", step.name, i+1, v, attrValue(m, "IFLA_IFNAME"))
					}
					if v := fr["netlink-route.ifi_index"]; len(v) != 1 || v[0] != headerField(m.header, "index") {
						t.Errorf("%s frame %d: tshark index %v, --trace %q", step.name, i+1, v, m.header)
					}
				}
				continue
			}
			// A request: every top-level attribute, in order, by number and value.
			var names []int
			for _, a := range m.attrs {
				n, ok := rtNumbers[a[0]]
				if !ok {
					t.Fatalf("%s frame %d: no number for %s", step.name, i+1, a[0])
				}
				names = append(names, n)
			}
			switch m.name {
			case "RTM_NEWLINK", "RTM_GETLINK":
				if got := hexNums(t, fr["netlink-route.ifla_attr_type"]); !slices.Equal(got, names) {
					t.Errorf("%s frame %d: tshark attributes %v, --trace %v", step.name, i+1, got, m.attrs)
				}
				if v := fr["netlink-route.ifla_ifname"]; len(v) != 1 || v[0] != attrValue(m, "IFLA_IFNAME") {
					t.Errorf("%s frame %d: tshark ifname %v, --trace %v", step.name, i+1, v, m.attrs)
				}
			case "RTM_NEWADDR":
				if got := hexNums(t, fr["netlink-route.ifa_attr_type"]); !slices.Equal(got, names) {
					t.Errorf("%s frame %d: tshark attributes %v, --trace %v", step.name, i+1, got, m.attrs)
				}
				want := []string{attrValue(m, "IFA_LOCAL"), attrValue(m, "IFA_ADDRESS")}
				if m.attrs[0][0] == "IFA_ADDRESS" {
					want[0], want[1] = want[1], want[0]
				}
				if v := fr["netlink-route.ifa_address.ipv4"]; !slices.Equal(v, want) || want[0] != "10.9.0.1" {
					t.Errorf("%s frame %d: tshark addresses %v, --trace %v", step.name, i+1, v, want)
				}
				if v := fr["netlink-route.ifa_prefixlen"]; len(v) != 1 || v[0] != headerField(m.header, "prefixlen") || v[0] != "24" {
					t.Errorf("%s frame %d: tshark prefix length %v, --trace %q", step.name, i+1, v, m.header)
				}
				if v := fr["netlink-route.ifa_index"]; len(v) != 1 || v[0] != headerField(m.header, "index") {
					t.Errorf("%s frame %d: tshark index %v, --trace %q", step.name, i+1, v, m.header)
				}
			default:
				t.Errorf("%s frame %d: unexpected request %s", step.name, i+1, m.name)
			}
		}
	}
}

func attrValue(m traceMsg, name string) string {
	for _, a := range m.attrs {
		if a[0] == name {
			return a[1]
		}
	}
	return ""
}

// TestTracePcapNftables: in the capture of `nat masquerade add`, tshark
// finds the netfilter family, the nf_tables subsystem and the batch's
// messages (NFNL_MSG_BATCH_BEGIN, NFT_MSG_NEWRULE, NFNL_MSG_BATCH_END),
// which --trace names. The distribution's tshark (4.0) names neither the
// nf_tables message types nor their attributes: --trace does.
func TestTracePcapNftables(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Fatal("tshark is not installed (apt-get install tshark; .ci/run installs it)")
	}
	sb := NewSandbox(t)
	sb.MustNSNet("link", "add", "nv0", "type", "veth", "peer", "name", "nv1")
	file := filepath.Join(t.TempDir(), "nat.pcap")
	r := sb.NSNet("--trace", "--trace-pcap", file, "nat", "masquerade", "add", "10.8.0.0/24")
	if r.Code != 0 {
		t.Fatal(r)
	}
	for _, name := range []string{"NFNL_MSG_BATCH_BEGIN", "NFT_MSG_NEWRULE", "NFNL_MSG_BATCH_END"} {
		if !strings.Contains(r.Stderr, "→ "+name+" ") {
			t.Errorf("--trace does not show %s sent:\n%s", name, r.Stderr)
		}
	}
	frames := tsharkFields(t, file, "netlink.family", "netlink.hdr_type", "netlink-netfilter.subsys")
	types := map[int]bool{}
	subsys := map[int]bool{}
	for i, fr := range frames {
		if fam := fr["netlink.family"]; len(fam) != 1 || fam[0] != "0x000c" && fam[0] != "12" {
			t.Errorf("frame %d: netlink family %v, want NETLINK_NETFILTER (12)", i+1, fam)
		}
		for _, n := range hexNums(t, fr["netlink.hdr_type"]) {
			types[n] = true
		}
		for _, n := range hexNums(t, fr["netlink-netfilter.subsys"]) {
			subsys[n] = true
		}
	}
	newRule := unix.NFNL_SUBSYS_NFTABLES<<8 | unix.NFT_MSG_NEWRULE
	for _, typ := range []int{unix.NFNL_MSG_BATCH_BEGIN, newRule, unix.NFNL_MSG_BATCH_END} {
		if !types[typ] {
			t.Errorf("tshark did not see message type %#x; saw %v", typ, types)
		}
	}
	if !subsys[unix.NFNL_SUBSYS_NFTABLES] {
		t.Errorf("tshark did not find the nf_tables subsystem; saw %v", subsys)
	}
	// What the docs say tshark does not do: name the type.
	v, err := exec.Command("tshark", "-r", file, "-V").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(v), "Netfilter tables") {
		t.Errorf("tshark -V does not name the nf_tables subsystem")
	}
}

// genlHeader reads the family id and the command number from --trace's
// genlmsghdr line ("genlmsghdr family=ethtool (0x15) cmd=NAME (11) version=1").
func genlHeader(h string) (family, cmd string) {
	f := strings.Fields(h)
	for i, w := range f {
		if strings.HasPrefix(w, "family=") && i+1 < len(f) {
			family = strings.Trim(f[i+1], "()")
		}
		if strings.HasPrefix(w, "cmd=") && i+1 < len(f) {
			cmd = strings.Trim(f[i+1], "()")
		}
	}
	return family, cmd
}

// TestTracePcapGenl: the capture of an ethtool change holds the controller
// lookup and the ethtool family's messages; tshark names the family ids
// and commands --trace prints, message by message, and reads the
// controller's answer (the ethtool family's id) as --trace does. tshark
// (4.0) knows no ethtool attributes: --trace decodes them.
func TestTracePcapGenl(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Fatal("tshark is not installed (apt-get install tshark; .ci/run installs it)")
	}
	sb := NewSandbox(t)
	sb.MustNSNet("link", "add", "gv0", "type", "veth", "peer", "name", "gv1")
	file := filepath.Join(t.TempDir(), "genl.pcap")
	r := sb.NSNet("--trace", "--trace-pcap", file, "ethtool", "-K", "gv0", "gro", "on")
	if r.Code != 0 {
		t.Fatal(r)
	}
	msgs := parseTrace(r.Stderr)
	frames := tsharkFields(t, file, "netlink.family", "genl.family_id", "genl.cmd", "genl.ctrl.cmd", "genl.ctrl.family_id", "genl.ctrl.family_name")
	if len(frames) != len(msgs) || len(msgs) < 6 {
		t.Fatalf("tshark read %d frames, --trace printed %d messages:\n%s", len(frames), len(msgs), r.Stderr)
	}
	ethtoolID := ""
	for i, m := range msgs {
		fr := frames[i]
		if fam := fr["netlink.family"]; len(fam) != 1 || fam[0] != "0x0010" && fam[0] != "16" {
			t.Errorf("frame %d: netlink family %v, want NETLINK_GENERIC (16)", i+1, fam)
		}
		if m.name == "NLMSG_ERROR" {
			continue
		}
		fam, cmd := genlHeader(m.header)
		if v := fr["genl.family_id"]; len(v) != 1 || v[0] != fam {
			t.Errorf("frame %d (%s): tshark family id %v, --trace %q", i+1, m.name, v, fam)
		}
		cmdField := "genl.cmd"
		if fam == "0x10" {
			cmdField = "genl.ctrl.cmd"
		}
		if v := fr[cmdField]; len(v) != 1 || v[0] != cmd {
			t.Errorf("frame %d (%s): tshark command %v, --trace %q", i+1, m.name, v, cmd)
		}
		if m.name == "CTRL_CMD_NEWFAMILY" {
			id, _ := strconv.Atoi(attrValue(m, "CTRL_ATTR_FAMILY_ID"))
			ethtoolID = "0x" + hex4(id)
			if v := fr["genl.ctrl.family_id"]; len(v) != 1 || v[0] != ethtoolID || attrValue(m, "CTRL_ATTR_FAMILY_NAME") != "ethtool" {
				t.Errorf("frame %d: tshark family id %v, --trace %v", i+1, v, m.attrs)
			}
		}
	}
	if ethtoolID == "" || !strings.Contains(r.Stderr, "→ ETHTOOL_MSG_FEATURES_SET ") || !strings.Contains(r.Stderr, "ETHTOOL_A_BITSET_BIT_NAME \"rx-gro\"") {
		t.Errorf("--trace did not decode the ethtool request:\n%s", r.Stderr)
	}
}

// TestTracePcapStdoutBatch: --trace-pcap - writes the capture on stdout,
// here of a batch file whose lines use two netlink families; tshark reads
// it from a pipe.
func TestTracePcapStdoutBatch(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Fatal("tshark is not installed (apt-get install tshark; .ci/run installs it)")
	}
	sb := NewSandbox(t)
	writeFile(t, sb, "/run/cap.nsnet", "link add sv0 type veth peer name sv1\nethtool -L sv0 rx 2\n")
	out := sb.MustSh("$NSNET --trace-pcap - -batch /run/cap.nsnet | tshark -r - -T fields -e netlink.family 2>/dev/null")
	fams := map[string]int{}
	for _, l := range strings.Fields(out) {
		fams[l]++
	}
	if fams["0x0000"] < 2 || fams["0x0010"] < 3 || len(fams) != 2 {
		t.Errorf("families in the capture: %v", fams)
	}
	// Inside a batch file the option is refused, as --trace is.
	writeFile(t, sb, "/run/bad.nsnet", "--trace-pcap /tmp/x link show\n")
	WantFail(t, sb.NSNet("-batch", "/run/bad.nsnet"), 255, "/run/bad.nsnet:1:")
	WantFail(t, sb.NSNet("--trace-pcap"), 255, "--trace-pcap")
	WantFail(t, sb.NSNet("--trace-pcap", "/nonexistent/dir/x.pcap", "link", "show"), 1, "/nonexistent/dir/x.pcap")
}

// TestTracePcapMonitor: a monitor's events go to --trace-pcap too, as
// received datagrams tshark decodes (RTM_NEWLINK of the link another
// process added).
func TestTracePcapMonitor(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Fatal("tshark is not installed (apt-get install tshark; .ci/run installs it)")
	}
	sb := NewSandbox(t)
	out := sb.MustSh(`$NSNET --trace-pcap /run/mon.pcap monitor link >/run/mon.out & p=$!
for i in $(seq 50); do [ -s /run/mon.pcap ] && break; sleep 0.1; done
sleep 0.3
ip link add pm0 type veth peer name pm1
for i in $(seq 50); do grep -q pm0 /run/mon.out && break; sleep 0.1; done
kill -INT $p; wait $p
tshark -r /run/mon.pcap -T fields -e netlink-route.ifla_ifname 2>/dev/null`)
	if !strings.Contains(out, "pm0") || !strings.Contains(out, "pm1") {
		t.Fatalf("the monitor's capture lacks the new links' events; tshark read:\n%s\nmonitor printed:\n%s", out, sb.MustSh("cat /run/mon.out"))
	}
}
