package tests

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// The CNI tests drive nsnet as a CNI plugin through libcni (the reference
// runtime library, in tests/cnidriver) inside a sandbox whose /var/lib is
// a tmpfs (host-local's files and libcni's cache live there), and compare
// it with the reference plugins of the distribution (/usr/lib/cni, package
// containernetworking-plugins) on the same conflists.

// refCNIDir is where the distribution installs the reference plugins.
const refCNIDir = "/usr/lib/cni"

var (
	cniOnce   sync.Once
	cniDriver string // the libcni driver binary
	cniTool   string // cnitool, libcni's own command line
	cniDir    string // nsnet under every plugin name it serves
	cniErr    error
)

func cniBuild() {
	dir := filepath.Dir(nsnetBin)
	cniDriver = filepath.Join(dir, "cnidriver")
	out, err := exec.Command("go", "build", "-o", cniDriver, "./cnidriver").CombinedOutput()
	if err != nil {
		cniErr = fmt.Errorf("build cnidriver: %v\n%s", err, out)
		return
	}
	cniTool = filepath.Join(dir, "cnitool")
	out, err = exec.Command("go", "build", "-o", cniTool, "github.com/containernetworking/cni/cnitool").CombinedOutput()
	if err != nil {
		cniErr = fmt.Errorf("build cnitool: %v\n%s", err, out)
		return
	}
	cniDir = filepath.Join(dir, "cni")
	if err := os.MkdirAll(cniDir, 0o755); err != nil {
		cniErr = err
		return
	}
	for _, name := range []string{"nsnet", "bridge", "ptp", "host-local", "static", "portmap", "loopback"} {
		if err := os.Symlink(nsnetBin, filepath.Join(cniDir, name)); err != nil {
			cniErr = err
			return
		}
	}
}

// cniSandbox is a sandbox with /var/lib/cni on a tmpfs, and the plugin
// directory in use (nsnet's or the reference plugins').
type cniSandbox struct {
	*Sandbox
	t    *testing.T
	path string
}

func newCNISandbox(t *testing.T, path string) *cniSandbox {
	t.Helper()
	cniOnce.Do(cniBuild)
	if cniErr != nil {
		t.Fatal(cniErr)
	}
	if _, err := os.Stat(filepath.Join(refCNIDir, "bridge")); err != nil {
		t.Fatalf("reference CNI plugins missing (%v): install containernetworking-plugins (tests/oracles.sh does)", err)
	}
	if path == "" {
		path = cniDir
	}
	sb := NewSandbox(t)
	sb.MustSh("mount -t tmpfs sandbox-var-lib /var/lib && mkdir -p /var/lib/cni")
	return &cniSandbox{Sandbox: sb, t: t, path: path}
}

// conf writes a conflist and returns its path.
func (s *cniSandbox) conf(text string) string {
	s.t.Helper()
	f := filepath.Join(s.t.TempDir(), "net.conflist")
	if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
		s.t.Fatal(err)
	}
	return f
}

// cni runs the libcni driver: cmd on conflist conf for container id.
func (s *cniSandbox) cni(conf, cmd, id, netns string, extra ...string) Result {
	s.t.Helper()
	return s.Run(append([]string{cniDriver, "-conf", conf, "-path", s.path, "-cmd", cmd, "-id", id, "-netns", netns}, extra...)...)
}

func (s *cniSandbox) mustCNI(conf, cmd, id, netns string, extra ...string) string {
	s.t.Helper()
	r := s.cni(conf, cmd, id, netns, extra...)
	if r.Code != 0 {
		s.t.Fatalf("cni %s %s (%s): %s", cmd, id, s.path, r)
	}
	return r.Stdout
}

// plugin runs one plugin directly by the CNI exec protocol.
func (s *cniSandbox) plugin(name, command, id, netns, ifname, stdin string) Result {
	s.t.Helper()
	return s.RunInput(stdin, "env", "CNI_COMMAND="+command, "CNI_CONTAINERID="+id, "CNI_NETNS="+netns,
		"CNI_IFNAME="+ifname, "CNI_PATH="+s.path, filepath.Join(s.path, name))
}

// normResult is a result with what is random (MAC addresses, the host
// veth's name) replaced, for comparing nsnet's with the reference's.
func normResult(t *testing.T, out string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("result %q: %v", out, err)
	}
	if ifs, ok := m["interfaces"].([]any); ok {
		for _, i := range ifs {
			im := i.(map[string]any)
			if _, ok := im["mac"]; ok {
				im["mac"] = "MAC"
			}
			if n, _ := im["name"].(string); strings.HasPrefix(n, "veth") {
				im["name"] = "VETH"
			}
		}
	}
	if d, ok := m["dns"].(map[string]any); ok && len(d) == 0 {
		delete(m, "dns")
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// cniState is what ADD leaves in the kernel and on disk, as ip and ls
// see it: the container's addresses and routes, the host's bridge
// addresses, ports and hairpin settings, the host routes through veths,
// and host-local's files.
func (s *cniSandbox) state(netns []string, bridge, network string) string {
	s.t.Helper()
	var b strings.Builder
	for _, ns := range netns {
		fmt.Fprintf(&b, "[%s addrs] %s\n", ns, addrs(s.t, s.Must("ip", "-n", ns, "-j", "addr", "show", "dev", "eth0")))
		for _, fam := range []string{"-4", "-6"} {
			fmt.Fprintf(&b, "[%s routes %s] %s\n", ns, fam, routes(s.t, s.Must("ip", "-n", ns, fam, "-j", "route", "show"), true))
		}
		fmt.Fprintf(&b, "[%s link] %s\n", ns, s.MustSh("ip -n "+ns+" -o link show dev eth0 | grep -o 'mtu [0-9]*\\|state [A-Z]*' | tr '\\n' ' '"))
	}
	if bridge != "" {
		fmt.Fprintf(&b, "[bridge addrs] %s\n", addrs(s.t, s.Must("ip", "-j", "addr", "show", "dev", bridge)))
		fmt.Fprintf(&b, "[bridge ports] %s\n", s.MustSh("ip -o link show master "+bridge+" | wc -l"))
		fmt.Fprintf(&b, "[hairpin] %s\n", s.MustSh("ip -d link show master "+bridge+" | grep -o 'hairpin [a-z]*' | sort | uniq -c"))
	}
	for _, fam := range []string{"-4", "-6"} {
		fmt.Fprintf(&b, "[host routes %s] %s\n", fam, routes(s.t, s.Must("ip", fam, "-j", "route", "show"), false))
	}
	fmt.Fprintf(&b, "[forwarding] %s", s.MustSh("sysctl -n net.ipv4.ip_forward net.ipv6.conf.all.forwarding | tr '\\n' ' '"))
	fmt.Fprintf(&b, "\n[ipam] %s\n", s.MustSh("cd /var/lib/cni/networks/"+network+" && for f in *; do printf '%s=%s ' \"$f\" \"$(cat $f | tr '\\r\\n' '|_')\"; done"))
	return b.String()
}

// addrs lists the global addresses of ip -j addr output.
func addrs(t *testing.T, js string) string {
	var links []struct {
		AddrInfo []struct {
			Local     string `json:"local"`
			PrefixLen int    `json:"prefixlen"`
			Scope     string `json:"scope"`
		} `json:"addr_info"`
	}
	if err := json.Unmarshal([]byte(js), &links); err != nil {
		t.Fatalf("ip -j addr: %v: %s", err, js)
	}
	var out []string
	for _, l := range links {
		for _, a := range l.AddrInfo {
			if a.Scope != "link" {
				out = append(out, fmt.Sprintf("%s/%d", a.Local, a.PrefixLen))
			}
		}
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// routes lists ip -j route output without link-local and multicast
// routes, with veth names replaced (inContainer: all of them).
func routes(t *testing.T, js string, inContainer bool) string {
	var rs []map[string]any
	if err := json.Unmarshal([]byte(js), &rs); err != nil {
		t.Fatalf("ip -j route: %v: %s", err, js)
	}
	var out []string
	for _, r := range rs {
		dst, _ := r["dst"].(string)
		if strings.HasPrefix(dst, "fe80") || strings.HasPrefix(dst, "ff00") {
			continue
		}
		dev, _ := r["dev"].(string)
		if strings.HasPrefix(dev, "veth") {
			dev = "VETH"
		}
		s := fmt.Sprintf("%s via=%v dev=%s scope=%v src=%v", dst, r["gateway"], dev, r["scope"], r["prefsrc"])
		out = append(out, s)
	}
	sort.Strings(out)
	return strings.Join(out, "; ")
}

// cniOutside adds a stand-in outside host: namespace ext behind veth vext
// (198.51.100.1 on the sandbox's side, 198.51.100.2 in ext), with no
// route back to the containers, so only masqueraded traffic comes back.
func (s *cniSandbox) outside() {
	s.t.Helper()
	s.MustSh(`ip netns add ext && ip link add vext type veth peer name eth0 netns ext &&
ip addr add 198.51.100.1/24 dev vext && ip link set vext up &&
ip -n ext addr add 198.51.100.2/24 dev eth0 && ip -n ext link set eth0 up && ip -n ext link set lo up`)
}

// serve starts a TCP server in namespace ns (empty: the sandbox's own)
// answering "<reply> from <client address>"; it stops with the test.
func (s *cniSandbox) serve(ns, addr, reply string) {
	s.t.Helper()
	argv := []string{cniDriver, "-serve", addr, "-reply", reply}
	if ns != "" {
		argv = append([]string{"ip", "netns", "exec", ns}, argv...)
	}
	cmd := s.Cmd(argv...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	buf := make([]byte, 10)
	if n, _ := out.Read(buf); !strings.HasPrefix(string(buf[:n]), "listening") {
		s.t.Fatalf("server %s in %q did not start", addr, ns)
	}
}

// dial connects from ns to addr and returns the answer ("" when none).
func (s *cniSandbox) dial(ns, addr string) string {
	s.t.Helper()
	argv := []string{cniDriver, "-dial", addr}
	if ns != "" {
		argv = append([]string{"ip", "netns", "exec", ns}, argv...)
	}
	r := s.Run(argv...)
	return strings.TrimSpace(r.Stdout)
}

// ping reports whether addr answers from ns; four tries, since on a
// loaded machine the first echo can be lost to neighbour discovery.
func (s *cniSandbox) ping(ns, addr string) bool {
	s.t.Helper()
	argv := []string{"ping", "-c1", "-W3", addr}
	if ns != "" {
		argv = append([]string{"ip", "netns", "exec", ns}, argv...)
	}
	for range 4 {
		if s.Run(argv...).Code == 0 {
			return true
		}
	}
	return false
}

// container makes the namespace of a container. Duplicate address
// detection is off for the interfaces made in it, so that the reference
// ptp plugin, which adds a route with the container's IPv6 address as
// source right after waiting a bounded time for the address, does not
// fail on a loaded machine; nsnet turns it off for its interface anyway.
func (s *cniSandbox) container(name string) {
	s.t.Helper()
	s.Must("ip", "netns", "add", name)
	s.Must("ip", "netns", "exec", name, "sysctl", "-q", "-w", "net.ipv6.conf.default.accept_dad=0")
}

const cniBridgeList = `{"cniVersion": "1.0.0", "name": "cmp", "plugins": [
  {"type": "bridge", "bridge": "cni0", "isGateway": true, "isDefaultGateway": true, "ipMasq": true, "hairpinMode": true, "mtu": 1400,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.22.0.0/24"}], [{"subnet": "fd00:22::/64"}]],
            "routes": [{"dst": "192.0.2.0/24", "gw": "10.22.0.1"}]}},
  {"type": "portmap", "capabilities": {"portMappings": true}, "snat": true}
]}`

// bridgeRun adds two containers to the bridge network with the plugins in
// path, one with a published port, and returns the results, the state
// and the reachability seen.
func bridgeRun(t *testing.T, path string) (results []string, state, reach string) {
	s := newCNISandbox(t, path)
	conf := s.conf(cniBridgeList)
	s.outside()
	for _, c := range []string{"c1", "c2"} {
		s.container(c)
		caps := ""
		if c == "c1" {
			caps = `{"portMappings": [{"hostPort": 8080, "containerPort": 80, "protocol": "tcp"}]}`
		}
		out := s.mustCNI(conf, "add", c, "/run/netns/"+c, "-caps", caps)
		results = append(results, normResult(t, out))
	}
	state = s.state([]string{"c1", "c2"}, "cni0", "cmp")
	s.serve("c1", ":80", "c1")
	s.serve("ext", ":7", "ext")
	var b strings.Builder
	check := func(what string, ok bool) { fmt.Fprintf(&b, "%s: %v\n", what, ok) }
	check("c1 -> c2", s.ping("c1", "10.22.0.3"))
	check("c1 -> c2 v6", s.ping("c1", "fd00:22::3"))
	check("host -> c1", s.ping("", "10.22.0.2"))
	check("c2 -> outside, masqueraded", s.dial("c2", "198.51.100.2:7") == "ext from 198.51.100.1")
	check("outside -> published port", s.dial("ext", "198.51.100.1:8080") == "c1 from 198.51.100.2")
	check("host -> published port at its address", strings.HasPrefix(s.dial("", "198.51.100.1:8080"), "c1 from"))
	check("host -> published port at 127.0.0.1", strings.HasPrefix(s.dial("", "127.0.0.1:8080"), "c1 from"))
	check("c2 -> published port", strings.HasPrefix(s.dial("c2", "198.51.100.1:8080"), "c1 from"))
	check("c1 -> its own published port (hairpin)", strings.HasPrefix(s.dial("c1", "198.51.100.1:8080"), "c1 from"))
	reach = b.String()

	// CHECK passes on what ADD made; DEL twice, then nothing is left of
	// c1 but the bridge and c2.
	s.mustCNI(conf, "check", "c1", "/run/netns/c1")
	s.mustCNI(conf, "del", "c1", "/run/netns/c1", "-caps", `{"portMappings": [{"hostPort": 8080, "containerPort": 80, "protocol": "tcp"}]}`)
	s.mustCNI(conf, "del", "c1", "/run/netns/c1")
	if out := s.Must("ip", "-n", "c1", "-o", "link"); strings.Contains(out, "eth0") {
		t.Errorf("%s: eth0 left in c1 after DEL:\n%s", path, out)
	}
	if out := s.MustSh("ls /var/lib/cni/networks/cmp"); strings.Contains(out, "10.22.0.2") {
		t.Errorf("%s: c1's reservation left after DEL: %s", path, out)
	}
	if out := s.MustSh("ip -o link show master cni0 | wc -l"); strings.TrimSpace(out) != "1" {
		t.Errorf("%s: bridge ports after DEL of c1: %s", path, out)
	}
	if s.dial("ext", "198.51.100.1:8080") != "" {
		t.Errorf("%s: published port still answers after DEL", path)
	}
	return results, state, reach
}

// TestCNIBridgeLikeReference runs the same bridge + host-local + portmap
// conflist with nsnet and with the reference plugins and compares the
// results, the kernel state, host-local's files and what can reach what.
func TestCNIBridgeLikeReference(t *testing.T) {
	var res [2][]string
	var state, reach [2]string
	for i, path := range []string{"", refCNIDir} {
		res[i], state[i], reach[i] = bridgeRun(t, path)
	}
	for i := range res[0] {
		if res[0][i] != res[1][i] {
			t.Errorf("result %d differs:\nnsnet:     %s\nreference: %s", i, res[0][i], res[1][i])
		}
	}
	if state[0] != state[1] {
		t.Errorf("state differs:\n--- nsnet\n%s--- reference\n%s", state[0], state[1])
	}
	if reach[0] != reach[1] || strings.Contains(reach[0], "false") {
		t.Errorf("reachability:\n--- nsnet\n%s--- reference\n%s", reach[0], reach[1])
	}
	t.Logf("nsnet state:\n%s\nreachability:\n%s", state[0], reach[0])
}

const cniPTPList = `{"cniVersion": "1.0.0", "name": "ptpnet", "plugins": [
  {"type": "ptp", "ipMasq": true, "mtu": 1450,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.33.0.0/24"}], [{"subnet": "fd00:33::/64"}]],
            "routes": [{"dst": "0.0.0.0/0"}, {"dst": "::/0"}]}}
]}`

// ptpRun adds two containers to the ptp network with the plugins in path
// and returns the results, the state and the reachability seen; ok is
// false when ADD failed (only allowed for the reference plugins).
func ptpRun(t *testing.T, path string) (res, state, reach string, ok bool) {
	s := newCNISandbox(t, path)
	conf := s.conf(cniPTPList)
	s.outside()
	for _, c := range []string{"c1", "c2"} {
		s.container(c)
		r := s.cni(conf, "add", c, "/run/netns/"+c)
		if r.Code != 0 && path == refCNIDir {
			t.Logf("reference ptp ADD failed: %s", r.Stderr)
			return "", "", "", false
		}
		if r.Code != 0 {
			t.Fatalf("cni add %s: %s", c, r)
		}
		res += normResult(t, r.Stdout) + "\n"
	}
	state = s.state([]string{"c1", "c2"}, "", "ptpnet")
	s.serve("ext", ":7", "ext")
	reach = fmt.Sprintf("host->c1 %v, host->c1 v6 %v, c1->c2 %v, c1->outside masqueraded %v\n",
		s.ping("", "10.33.0.2"), s.ping("", "fd00:33::2"), s.ping("c1", "10.33.0.3"),
		s.dial("c1", "198.51.100.2:7") == "ext from 198.51.100.1")
	s.mustCNI(conf, "del", "c1", "/run/netns/c1")
	s.mustCNI(conf, "del", "c2", "/run/netns/c2")
	if out := s.MustSh("ls /var/lib/cni/networks/ptpnet; ip -o link | grep -c veth || true"); strings.Contains(out, "10.33") || strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:]) != "0" {
		t.Errorf("%s: left after DEL: %s", path, out)
	}
	return res, state, reach, true
}

// TestCNIPTPLikeReference compares ptp with the reference plugin: the
// container's addresses and routes, the host's routes to it, host-local's
// files, and traffic between host, containers and a masqueraded outside.
// The reference ptp sometimes fails ADD on a loaded machine (it adds a
// route with the container's new IPv6 address as source, and the kernel
// refuses it): it is the oracle here, so it gets a second sandbox.
func TestCNIPTPLikeReference(t *testing.T) {
	var state, reach, res [2]string
	res[0], state[0], reach[0], _ = ptpRun(t, "")
	ok := false
	for try := 0; try < 2 && !ok; try++ {
		res[1], state[1], reach[1], ok = ptpRun(t, refCNIDir)
	}
	if !ok {
		t.Fatal("the reference ptp plugin failed ADD twice")
	}
	if res[0] != res[1] {
		t.Errorf("results differ:\nnsnet:     %s\nreference: %s", res[0], res[1])
	}
	if state[0] != state[1] {
		t.Errorf("state differs:\n--- nsnet\n%s--- reference\n%s", state[0], state[1])
	}
	if reach[0] != reach[1] || strings.Contains(reach[0], "false") {
		t.Errorf("reachability:\nnsnet:     %s\nreference: %s", reach[0], reach[1])
	}
}

// TestCNIResultVersions adds a container with a conflist of every
// version: libcni decodes nsnet's result in that version, which is the
// reference plugins' result where they speak it too (up to 1.0.0).
func TestCNIResultVersions(t *testing.T) {
	versions := []string{"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"}
	got := map[string]map[string]string{}
	for _, path := range []string{"", refCNIDir} {
		s := newCNISandbox(t, path)
		got[path] = map[string]string{}
		for i, v := range versions {
			if path == refCNIDir && v == "1.1.0" {
				continue // the distribution's plugins (v1.1.1) speak up to 1.0.0
			}
			conf := s.conf(fmt.Sprintf(`{"cniVersion": %q, "name": "v%d", "plugins": [
  {"type": "bridge", "bridge": "br%d", "isDefaultGateway": true,
   "ipam": {"type": "host-local", "subnet": "10.40.%d.0/24", "routes": [{"dst": "192.0.2.0/24"}]}}]}`, v, i, i, i))
			ns := fmt.Sprintf("v%d", i)
			s.Must("ip", "netns", "add", ns)
			out := s.mustCNI(conf, "add", ns, "/run/netns/"+ns)
			var m map[string]any
			if err := json.Unmarshal([]byte(out), &m); err != nil || m["cniVersion"] != v {
				t.Errorf("%s: result for %s is %s", path, v, out)
			}
			hasVersion := strings.Contains(normResult(t, out), `"version":"4"`)
			if hasVersion != (v < "1.0.0") {
				t.Errorf("%s: result %s: ips carry \"version\": %v", path, v, hasVersion)
			}
			got[path][v] = normResult(t, out)
			s.mustCNI(conf, "del", ns, "/run/netns/"+ns)
		}
	}
	for v, r := range got[refCNIDir] {
		if got[""][v] != r {
			t.Errorf("version %s:\nnsnet:     %s\nreference: %s", v, got[""][v], r)
		}
	}
}

const cniNsnetList = `{"cniVersion": "1.1.0", "name": "nsnet1", "plugins": [
  {"type": "nsnet", "mode": "bridge", "bridge": "nsnet0", "subnet": "10.50.0.0/24", "masquerade": true,
   "portMappings": [{"hostPort": 9090, "containerPort": 80, "protocol": "tcp"}],
   "capabilities": {"portMappings": true}}
]}`

// TestCNIDelCases: DEL twice, DEL without CNI_NETNS, DEL after the netns
// is gone, ADD of an interface name the container has; each leaves
// nothing of the attachment (link, reservation, NAT rules).
func TestCNIDelCases(t *testing.T) {
	s := newCNISandbox(t, "")
	conf := s.conf(cniNsnetList)
	leftovers := func(id string) string {
		return s.MustSh("ls /var/lib/cni/networks/nsnet1 | grep -v -e lock -e last_reserved || true; ip -o link | grep -o 'veth[0-9a-f]*' || true; nft list ruleset | grep -o 'attachment [0-9]*_nsnet1_" + id + " [a-z0-9]*' || true")
	}
	for _, tc := range []struct{ name, netnsArg string }{
		{"twice", "/run/netns/c"},
		{"without netns", ""},
		{"netns gone", "/run/netns/c"},
	} {
		s.Must("ip", "netns", "add", "c")
		s.mustCNI(conf, "add", "c", "/run/netns/c")
		if l := leftovers("c"); !strings.Contains(l, "attachment 6_nsnet1_c eth0") || !strings.Contains(l, "10.50.0.") {
			t.Fatalf("%s: ADD made no reservation or rule: %s", tc.name, l)
		}
		if tc.name != "twice" {
			s.Must("ip", "netns", "del", "c")
		}
		s.mustCNI(conf, "del", "c", tc.netnsArg)
		s.mustCNI(conf, "del", "c", tc.netnsArg)
		if l := strings.TrimSpace(leftovers("c")); l != "" {
			t.Errorf("DEL %s left: %s", tc.name, l)
		}
		s.Run("ip", "netns", "del", "c")
	}

	// ADD of an existing interface name fails with an error object and
	// leaves the existing link, and nothing else, behind.
	s.Must("ip", "netns", "add", "d")
	s.Must("ip", "-n", "d", "link", "add", "eth0", "type", "veth", "peer", "name", "other")
	r := s.cni(conf, "add", "d", "/run/netns/d")
	if r.Code == 0 || !strings.Contains(r.Stderr, "already exists") {
		t.Fatalf("ADD over an existing eth0: %s", r)
	}
	if l := strings.TrimSpace(leftovers("d")); l != "" {
		t.Errorf("failed ADD left: %s", l)
	}
}

// TestCNIStatusGC: STATUS answers for a 1.1.0 list; GC keeps the valid
// attachments' reservations and NAT rules and removes the others, also
// those libcni has no cache of (the plugin's own GC, not libcni's DELs).
func TestCNIStatusGC(t *testing.T) {
	s := newCNISandbox(t, "")
	conf := s.conf(cniNsnetList)
	s.mustCNI(conf, "status", "", "")
	for _, c := range []string{"a", "b", "c"} {
		s.Must("ip", "netns", "add", c)
		s.mustCNI(conf, "add", c, "/run/netns/"+c)
	}
	// Forget libcni's cache so only the plugin's GC can find b and c.
	s.MustSh("rm -rf /var/lib/cni/cache")
	s.mustCNI(conf, "gc", "", "", "-valid", "a/eth0")
	owners := s.MustSh("cat /var/lib/cni/networks/nsnet1/10.* | tr '\\r\\n' '|,'; echo; nft list ruleset | grep -o 'attachment [0-9a-z_]* eth0' | sort -u")
	if !strings.Contains(owners, "a|,eth0") || strings.Contains(owners, "b|") || strings.Contains(owners, "c|") ||
		!strings.Contains(owners, "attachment 6_nsnet1_a eth0") || strings.Contains(owners, "_b eth0") || strings.Contains(owners, "_c eth0") {
		t.Errorf("after GC keeping a/eth0: %s", owners)
	}
	// Another network's attachment of the same container and interface
	// name survives this network's GC.
	other := s.conf(`{"cniVersion": "1.1.0", "name": "other", "plugins": [
  {"type": "nsnet", "mode": "ptp", "subnet": "10.51.0.0/24", "masquerade": true}]}`)
	s.mustCNI(other, "add", "a", "/run/netns/a", "-if", "eth1")
	s.mustCNI(conf, "gc", "", "")
	if owners := s.MustSh("ls /var/lib/cni/networks/nsnet1 | grep -c '^10\\.' || true; nft list ruleset | grep -c 'attachment 6_nsnet1_' || true"); strings.Fields(owners)[0] != "0" || strings.Fields(owners)[1] != "0" {
		t.Errorf("after GC with no valid attachments: %s", owners)
	}
	if out := s.MustSh("ls /var/lib/cni/networks/other | grep -c '^10' ; nft list ruleset | grep -c 'attachment 5_other_a eth1'"); strings.Join(strings.Fields(out), " ") != "1 1" {
		t.Errorf("the other network's reservation and rules after this one's GC: %s", out)
	}
}

// TestCNIParallel runs 100 ADD/DEL pairs at once (each through libcni):
// every ADD gets its own address, and nothing is left afterwards.
func TestCNIParallel(t *testing.T) {
	n := 100
	if testing.Short() {
		n = 20
	}
	s := newCNISandbox(t, "")
	conf := s.conf(`{"cniVersion": "1.0.0", "name": "par", "plugins": [
  {"type": "bridge", "bridge": "par0", "isGateway": true, "ipMasq": true, "ipam": {"type": "host-local", "subnet": "10.60.0.0/16"}}]}`)
	s.MustSh(fmt.Sprintf("for i in $(seq 1 %d); do ip netns add p$i; done", n))
	out := s.MustSh(fmt.Sprintf(`for i in $(seq 1 %d); do
  ( %s -conf %s -path %s -cmd add -id p$i -netns /run/netns/p$i > /run/add.$i 2>&1 || echo "ADD p$i failed: $(cat /run/add.$i)"
    cat /var/lib/cni/networks/par/* 2>/dev/null >/dev/null
    %s -conf %s -path %s -cmd del -id p$i -netns /run/netns/p$i || echo "DEL p$i failed" ) &
done; wait; cat /run/add.* | grep -o '"address": "[0-9./]*"' | sort | uniq -d`, n, cniDriver, conf, cniDir, cniDriver, conf, cniDir))
	if strings.TrimSpace(out) != "" {
		t.Errorf("parallel ADD/DEL: %s", out)
	}
	got := s.MustSh("cat /run/add.* | grep -o '\"address\": \"10.60' | wc -l; ls /var/lib/cni/networks/par | grep -c '^10\\.' || true; ip -o link show master par0 | wc -l; nft list ruleset | grep -c attachment || true")
	if f := strings.Fields(got); f[0] != fmt.Sprint(n) || f[1] != "0" || f[2] != "0" || f[3] != "0" {
		t.Errorf("after %d ADD/DEL pairs: results, reservations, bridge ports, NAT rules = %v", n, f)
	}
}

// TestCNIKillDuringAdd kills the plugin with SIGKILL in the middle of ADD
// (while a slow IPAM plugin, run by the exec protocol, holds it after the
// veth is made and the address reserved); DEL then leaves nothing.
func TestCNIKillDuringAdd(t *testing.T) {
	s := newCNISandbox(t, "")
	dir := t.TempDir()
	slow := filepath.Join(dir, "slowipam")
	if err := os.WriteFile(slow, []byte("#!/bin/sh\nout=$("+filepath.Join(cniDir, "host-local")+") || { echo \"$out\"; exit 1; }\n[ \"$CNI_COMMAND\" = ADD ] && { echo $$ > /run/slow.pid; touch /run/ipam-done; exec sleep 30; }\necho \"$out\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"bridge", "host-local"} {
		os.Symlink(nsnetBin, filepath.Join(dir, name))
	}
	s.path = dir
	confJSON := `{"cniVersion": "1.0.0", "name": "kill", "type": "bridge", "bridge": "kb0", "isGateway": true, "ipMasq": true, "ipam": {"type": "slowipam", "subnet": "10.70.0.0/24"}}`
	s.Must("ip", "netns", "add", "k")
	script := fmt.Sprintf(`printf '%%s' '%s' > /run/conf.json
CNI_COMMAND=ADD CNI_CONTAINERID=k CNI_NETNS=/run/netns/k CNI_IFNAME=eth0 CNI_PATH=%s %s/bridge < /run/conf.json > /run/add.out 2>&1 &
pid=$!
for i in $(seq 1 100); do [ -e /run/ipam-done ] && break; sleep 0.05; done
[ -e /run/ipam-done ] || { echo "IPAM never ran"; cat /run/add.out; exit 1; }
kill -9 $pid; wait $pid
echo "killed: $(ip -n k -o link show eth0 | wc -l) eth0, $(ls /var/lib/cni/networks/kill | grep -c '^10\.') reservation"
kill -9 $(cat /run/slow.pid)
CNI_COMMAND=DEL CNI_CONTAINERID=k CNI_NETNS=/run/netns/k CNI_IFNAME=eth0 CNI_PATH=%s %s/bridge < /run/conf.json
echo "after DEL: $(ip -n k -o link show eth0 2>/dev/null | wc -l) eth0, $(ls /var/lib/cni/networks/kill | grep -c '^10\.') reservation, $(ip -o link | grep -c veth) veth, $(nft list ruleset 2>/dev/null | grep -c attachment) rules"`,
		confJSON, dir, dir, dir, dir)
	out := s.MustSh(script)
	if !strings.Contains(out, "killed: 1 eth0, 1 reservation") {
		t.Fatalf("the kill did not catch ADD in the middle: %s", out)
	}
	if !strings.Contains(out, "after DEL: 0 eth0, 0 reservation, 0 veth, 0 rules") {
		t.Errorf("DEL after kill -9: %s", out)
	}
}

// TestCNINsnetType: nsnet's own schema, a bridge network and a ptp network
// with masquerade and a published port, reachable as the reference chain
// would make them.
func TestCNINsnetType(t *testing.T) {
	s := newCNISandbox(t, "")
	conf := s.conf(cniNsnetList)
	s.outside()
	s.Must("ip", "netns", "add", "c1")
	out := normResult(t, s.mustCNI(conf, "add", "c1", "/run/netns/c1"))
	if !strings.Contains(out, `"address":"10.50.0.2/24"`) || !strings.Contains(out, `"gateway":"10.50.0.1"`) {
		t.Fatalf("result: %s", out)
	}
	s.serve("c1", ":80", "c1")
	s.serve("ext", ":7", "ext")
	if got := s.dial("c1", "198.51.100.2:7"); got != "ext from 198.51.100.1" {
		t.Errorf("c1 -> outside: %q", got)
	}
	if got := s.dial("ext", "198.51.100.1:9090"); got != "c1 from 198.51.100.2" {
		t.Errorf("outside -> published port: %q", got)
	}
	if got := s.dial("", "127.0.0.1:9090"); !strings.HasPrefix(got, "c1 from") {
		t.Errorf("host 127.0.0.1 -> published port: %q", got)
	}
	if got := s.dial("c1", "198.51.100.1:9090"); !strings.HasPrefix(got, "c1 from") {
		t.Errorf("hairpin: %q", got)
	}
	s.mustCNI(conf, "check", "c1", "/run/netns/c1")
	// CHECK notices an address taken away.
	s.Must("ip", "-n", "c1", "addr", "del", "10.50.0.2/24", "dev", "eth0")
	if r := s.cni(conf, "check", "c1", "/run/netns/c1"); r.Code == 0 || !strings.Contains(r.Stderr, "10.50.0.2/24") {
		t.Errorf("CHECK without the address: %s", r)
	}
	s.mustCNI(conf, "del", "c1", "/run/netns/c1")
	if got := s.dial("ext", "198.51.100.1:9090"); got != "" {
		t.Errorf("published port after DEL: %q", got)
	}

	// The same in ptp mode.
	ptp := s.conf(`{"cniVersion": "1.1.0", "name": "nsnetptp", "plugins": [
  {"type": "nsnet", "mode": "ptp", "subnet": "10.52.0.0/24", "masquerade": true,
   "portMappings": [{"hostPort": 9091, "containerPort": 80, "protocol": "tcp"}]}]}`)
	s.Must("ip", "netns", "add", "p1")
	s.mustCNI(ptp, "add", "p1", "/run/netns/p1")
	s.serve("p1", ":80", "p1")
	for _, tc := range []struct{ ns, addr, want string }{
		{"p1", "198.51.100.2:7", "ext from 198.51.100.1"},
		{"ext", "198.51.100.1:9091", "p1 from 198.51.100.2"},
		{"", "127.0.0.1:9091", "p1 from"},
	} {
		if got := s.dial(tc.ns, tc.addr); !strings.HasPrefix(got, tc.want) {
			t.Errorf("ptp mode, %q -> %s: %q", tc.ns, tc.addr, got)
		}
	}
	s.mustCNI(ptp, "check", "p1", "/run/netns/p1")
	s.mustCNI(ptp, "del", "p1", "/run/netns/p1")
}

// TestCNILoopbackLikeReference: loopback brings lo up and reports it as
// the reference plugin does.
func TestCNILoopbackLikeReference(t *testing.T) {
	var res [2]string
	for i, path := range []string{"", refCNIDir} {
		s := newCNISandbox(t, path)
		conf := s.conf(`{"cniVersion": "1.0.0", "name": "lo", "plugins": [{"type": "loopback"}]}`)
		s.Must("ip", "netns", "add", "l")
		res[i] = normResult(t, s.mustCNI(conf, "add", "l", "/run/netns/l", "-if", "lo"))
		if !s.ping("l", "127.0.0.1") {
			t.Errorf("%s: lo not up", path)
		}
		s.mustCNI(conf, "del", "l", "/run/netns/l", "-if", "lo")
	}
	if res[0] != res[1] {
		t.Errorf("loopback result:\nnsnet:     %s\nreference: %s", res[0], res[1])
	}
}

// TestCNIErrorsAndVersion: VERSION lists the versions; bad input gives
// error objects with the spec's codes, through the exec protocol.
func TestCNIErrorsAndVersion(t *testing.T) {
	s := newCNISandbox(t, "")
	s.Must("ip", "netns", "add", "e")
	r := s.plugin("bridge", "VERSION", "", "", "", `{"cniVersion":"1.0.0"}`)
	if r.Code != 0 || !strings.Contains(r.Stdout, `"supportedVersions":["0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]`) {
		t.Errorf("VERSION: %s", r)
	}
	for _, tc := range []struct {
		name, cmd, ifname, conf string
		code                    int
	}{
		{"bad version", "ADD", "eth0", `{"cniVersion":"9.9.9","name":"n","type":"bridge"}`, 1},
		{"vlan", "ADD", "eth0", `{"cniVersion":"1.0.0","name":"n","type":"bridge","vlan":5,"ipam":{"type":"host-local","subnet":"10.1.0.0/24"}}`, 2},
		{"no ifname", "ADD", "", `{"cniVersion":"1.0.0","name":"n","type":"bridge"}`, 4},
		{"bad json", "ADD", "eth0", `{"cniVersion":`, 6},
		{"bad subnet", "ADD", "eth0", `{"cniVersion":"1.0.0","name":"n","type":"bridge","ipam":{"type":"host-local","subnet":"10.1.0.1/24"}}`, 7},
	} {
		r := s.plugin("bridge", tc.cmd, "x", "/run/netns/e", tc.ifname, tc.conf)
		var e struct {
			Code uint   `json:"code"`
			Msg  string `json:"msg"`
		}
		if r.Code == 0 || json.Unmarshal([]byte(r.Stdout), &e) != nil || e.Code != uint(tc.code) || e.Msg == "" {
			t.Errorf("%s: want error code %d, got %s", tc.name, tc.code, r)
		}
	}
	// Nothing was made by the refused commands.
	if out := s.MustSh("ip -o link | grep -v ' lo:' || true; ip -n e -o link | grep -v ' lo:' || true"); strings.TrimSpace(out) != "" {
		t.Errorf("refused ADDs left links: %s", out)
	}
}

// TestCNIRequestedIP: CNI_ARGS IP= and runtimeConfig ips choose the
// address, as host-local does, runtimeConfig mac the MAC; an address
// outside the ranges fails.
func TestCNIRequestedIP(t *testing.T) {
	s := newCNISandbox(t, "")
	conf := s.conf(`{"cniVersion": "1.0.0", "name": "req", "plugins": [
  {"type": "bridge", "bridge": "rq0", "isGateway": true, "capabilities": {"ips": true, "mac": true},
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.80.0.0/24", "rangeStart": "10.80.0.100", "rangeEnd": "10.80.0.200"}]]}}]}`)
	for _, c := range []string{"r1", "r2", "r3", "r4"} {
		s.Must("ip", "netns", "add", c)
	}
	if out := s.mustCNI(conf, "add", "r1", "/run/netns/r1", "-args", "IgnoreUnknown=1;IP=10.80.0.150"); !strings.Contains(out, "10.80.0.150/24") {
		t.Errorf("CNI_ARGS IP=: %s", out)
	}
	if out := s.mustCNI(conf, "add", "r2", "/run/netns/r2", "-caps", `{"ips": ["10.80.0.160/24"], "mac": "02:00:00:aa:bb:cc"}`); !strings.Contains(out, "10.80.0.160/24") || !strings.Contains(out, "02:00:00:aa:bb:cc") {
		t.Errorf("runtimeConfig ips and mac: %s", out)
	}
	if out := s.Must("ip", "-n", "r2", "-o", "link", "show", "eth0"); !strings.Contains(out, "02:00:00:aa:bb:cc") {
		t.Errorf("runtimeConfig mac not on eth0: %s", out)
	}
	if out := s.mustCNI(conf, "add", "r3", "/run/netns/r3"); !strings.Contains(out, "10.80.0.161/24") {
		t.Errorf("after the requested ones, the next address after the last reserved: %s", out)
	}
	if r := s.cni(conf, "add", "r4", "/run/netns/r4", "-args", "IP=10.80.0.50"); r.Code == 0 {
		t.Errorf("an address outside the range was given: %s", r)
	}
	if out := s.MustSh("ip -n r4 -o link show | grep -c eth0; ls /var/lib/cni/networks/req | grep -c '^10'"); strings.Fields(out)[0] != "0" || strings.Fields(out)[1] != "3" {
		t.Errorf("the failed ADD was not rolled back: %s", out)
	}
}

// TestCNIExecutesNothing: as bridge with host-local, nsnet runs no other
// program (host-local is built in), under strace.
func TestCNIExecutesNothing(t *testing.T) {
	s := newCNISandbox(t, "")
	s.Must("ip", "netns", "add", "x")
	conf := `{"cniVersion":"1.0.0","name":"nx","type":"bridge","isGateway":true,"ipMasq":true,"ipam":{"type":"host-local","subnet":"10.90.0.0/24"}}`
	r := s.RunInput(conf, "env", "CNI_COMMAND=ADD", "CNI_CONTAINERID=x", "CNI_NETNS=/run/netns/x", "CNI_IFNAME=eth0", "CNI_PATH=/nonexistent",
		"strace", "-f", "-qq", "-e", "trace=execve,execveat,fork,vfork", "-o", "/run/strace.log", filepath.Join(cniDir, "bridge"))
	if r.Code != 0 {
		t.Fatalf("ADD: %s", r)
	}
	if log := s.Must("cat", "/run/strace.log"); strings.Count(log, "execve(") != 1 || strings.Contains(log, "fork(") {
		t.Errorf("the plugin executed something else:\n%s", log)
	}
}

// TestCNITool drives nsnet with cnitool (libcni's command line) on a
// conflist in NETCONFPATH: add, check, status, gc (which, with no valid
// attachments, removes everything), del; and nsnet's host-local shares
// its files with the reference host-local.
func TestCNITool(t *testing.T) {
	s := newCNISandbox(t, "")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "10-tool.conflist"), []byte(`{"cniVersion": "1.1.0", "name": "tool", "plugins": [
  {"type": "bridge", "bridge": "tool0", "isDefaultGateway": true, "ipMasq": true, "ipam": {"type": "host-local", "subnet": "10.91.0.0/24"}},
  {"type": "portmap", "capabilities": {"portMappings": true}},
  {"type": "loopback"}]}`), 0o644)
	s.Must("ip", "netns", "add", "t")
	tool := func(args ...string) string {
		return s.Must(append([]string{"env", "NETCONFPATH=" + dir, "CNI_PATH=" + cniDir, "CAP_ARGS={\"portMappings\":[{\"hostPort\":8081,\"containerPort\":80,\"protocol\":\"tcp\"}]}", cniTool}, args...)...)
	}
	if out := tool("add", "tool", "/run/netns/t"); !strings.Contains(out, "10.91.0.2/24") {
		t.Fatalf("cnitool add: %s", out)
	}
	tool("check", "tool", "/run/netns/t")
	tool("status", "tool", "/run/netns/t")
	if out := s.MustSh("nft list ruleset | grep -o 'attachment p*4_tool_cnitool-[0-9a-f]* eth0' | sort -u | wc -l"); strings.TrimSpace(out) != "2" {
		t.Errorf("masquerade and port mapping rules: %s", out)
	}
	tool("gc", "tool", "/run/netns/t")
	if out := s.MustSh("ls /var/lib/cni/networks/tool | grep -c '^10' || true; nft list ruleset | grep -c attachment || true; ip -n t -o link | grep -c eth0 || true"); strings.Join(strings.Fields(out), " ") != "0 0 0" {
		t.Errorf("after cnitool gc: reservations, rules, eth0 = %s", out)
	}
	tool("del", "tool", "/run/netns/t")

	// One data directory, both host-locals: the reference reserves, nsnet
	// continues after it and releases what the reference reserved.
	conf := `{"cniVersion":"1.0.0","name":"shared","ipam":{"type":"host-local","subnet":"10.92.0.0/24"}}`
	ref := s.RunInput(conf, "env", "CNI_COMMAND=ADD", "CNI_CONTAINERID=r", "CNI_IFNAME=eth0", "CNI_NETNS=/run/netns/t", "CNI_PATH="+refCNIDir, refCNIDir+"/host-local")
	own := s.plugin("host-local", "ADD", "n", "/run/netns/t", "eth0", conf)
	if !strings.Contains(ref.Stdout, "10.92.0.2/24") || !strings.Contains(own.Stdout, "10.92.0.3/24") {
		t.Fatalf("shared host-local: reference %s, nsnet %s", ref, own)
	}
	if r := s.plugin("host-local", "DEL", "r", "", "eth0", conf); r.Code != 0 {
		t.Fatal(r)
	}
	if out := s.MustSh("ls /var/lib/cni/networks/shared | grep '^10'"); strings.TrimSpace(out) != "10.92.0.3" {
		t.Errorf("after nsnet released the reference's reservation: %s", out)
	}
}

// TestCNIRollback: ADDs that fail late undo what they did: a bridge with
// another address (refused without forceAddress) keeps its address and
// loses the veth and the reservation; a route IPAM asks for that cannot be
// added undoes the veth, the reservation, the masquerade and the bridge
// the ADD made.
func TestCNIRollback(t *testing.T) {
	s := newCNISandbox(t, "")
	s.Must("ip", "netns", "add", "r")
	s.MustSh("ip link add rb0 type bridge && ip addr add 10.1.1.1/24 dev rb0")
	r := s.plugin("bridge", "ADD", "r", "/run/netns/r", "eth0",
		`{"cniVersion":"1.0.0","name":"rb","type":"bridge","bridge":"rb0","isGateway":true,"ipMasq":true,"ipam":{"type":"host-local","subnet":"10.95.0.0/24"}}`)
	if r.Code == 0 || !strings.Contains(r.Stdout, "already has an IP address") {
		t.Fatalf("ADD onto a bridge with another address: %s", r)
	}
	left := func() string {
		return strings.Join(strings.Fields(s.MustSh("ip -n r -o link | grep -c eth0; ip -o link | grep -c veth; ls /var/lib/cni/networks/*/ | grep -c '^10' ; nft list ruleset 2>/dev/null | grep -c attachment; ip -o link | grep -c ' rb[01]:'")), " ")
	}
	if got := left(); got != "0 0 0 0 1" {
		t.Errorf("after the refused ADD: eth0, veths, reservations, NAT rules, bridges = %s", got)
	}
	if out := s.Must("ip", "-o", "addr", "show", "dev", "rb0"); !strings.Contains(out, "10.1.1.1/24") || strings.Contains(out, "10.95") {
		t.Errorf("the existing bridge's addresses changed: %s", out)
	}
	r = s.plugin("bridge", "ADD", "r", "/run/netns/r", "eth0",
		`{"cniVersion":"1.0.0","name":"rb1","type":"bridge","bridge":"rb1","isGateway":true,"ipMasq":true,"ipam":{"type":"host-local","subnet":"10.96.0.0/24","routes":[{"dst":"192.0.2.0/24","gw":"203.0.113.1"}]}}`)
	if r.Code == 0 {
		t.Fatalf("ADD with an unreachable route gateway: %s", r)
	}
	if got := left(); got != "0 0 0 0 1" {
		t.Errorf("after the failed ADD: eth0, veths, reservations, NAT rules, bridges = %s (%s)", got, r.Stdout)
	}
}
