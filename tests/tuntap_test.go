package tests

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestTuntapUpDownAndProcesses: tuntap add lines of an up file make the
// devices in a named namespace (as ip describes them), a second up
// changes nothing, down removes them; -d listings name the process
// attached to a device as ip's do; a deleted device that a process holds
// goes when the process lets go.
func TestTuntapUpDownAndProcesses(t *testing.T) {
	sb := NewSandbox(t)
	sb.MustNSNet("netns", "add", "tt")
	up := filepath.Join(t.TempDir(), "tap.up")
	if err := os.WriteFile(up, []byte("-n tt tuntap add dev tap0 mode tap user 65534\n-n tt tuntap add dev tun0 mode tun multi_queue vnet_hdr\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sb.MustNSNet("up", up)
	out := sb.Must("ip", "-n", "tt", "-d", "link", "show", "tap0")
	if !strings.Contains(out, "tun type tap pi off vnet_hdr off persist on user") {
		t.Fatalf("tap0 after up:\n%s", out)
	}
	out = sb.Must("ip", "-n", "tt", "-d", "link", "show", "tun0")
	if !strings.Contains(out, "tun type tun pi off vnet_hdr on multi_queue numqueues 0 numdisabled 0 persist on") {
		t.Fatalf("tun0 after up:\n%s", out)
	}
	sb.MustNSNet("up", up) // applied: nothing to do
	if n := strings.Count(sb.Must("ip", "-n", "tt", "-br", "link"), "\n"); n != 3 {
		t.Errorf("after a second up: %d links, want lo, tap0, tun0", n)
	}

	// A process attached to tap0, named by both listings.
	hold := filepath.Join(filepath.Dir(nsnetBin), "tunhold")
	if b, err := exec.Command("go", "build", "-o", hold, "./tunhold").CombinedOutput(); err != nil {
		t.Fatalf("build tunhold: %v\n%s", err, b)
	}
	cmd := sb.Cmd("ip", "netns", "exec", "tt", hold, "tap0", "tap")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	if l, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || l != "attached\n" {
		t.Fatalf("tunhold: %q %v", l, err)
	}
	args := []string{"-d", "tuntap", "show"}
	want := sb.Must(append([]string{"ip", "netns", "exec", "tt", "ip"}, args...)...)
	got := sb.Must(append([]string{"ip", "netns", "exec", "tt", nsnetBin}, args...)...)
	if got != want || !strings.Contains(got, "\tAttached to processes:tunhold(") {
		t.Errorf("%v: nsnet %q, ip %q", args, got, want)
	}
	// ip 6.1's -d -j writes the processes without their braces (not
	// JSON); nsnet writes objects.
	js := mustParseJSON(t, "nsnet -d -j tuntap", sb.Must("ip", "netns", "exec", "tt", nsnetBin, "-d", "-j", "tuntap", "show")).([]any)
	if p := js[0].(map[string]any)["processes"].([]any); len(p) != 1 || p[0].(map[string]any)["name"] != "tunhold" {
		t.Errorf("-d -j processes of tap0: %v", js[0])
	}
	// Held by a process, tap0 cannot be attached to: del fails as ip's.
	ipr := sb.Run("ip", "-n", "tt", "tuntap", "del", "tap0", "mode", "tap")
	WantFail(t, sb.NSNet("-n", "tt", "tuntap", "del", "tap0", "mode", "tap"), ipr.Code, "TUNSETIFF", "busy")
	stdin.Close()
	cmd.Wait()
	sb.MustNSNet("-n", "tt", "tuntap", "del", "tap0", "mode", "tap")
	if strings.Contains(sb.Must("ip", "-n", "tt", "link"), "tap0") {
		t.Error("tap0 stayed after tuntap del")
	}

	sb.MustNSNet("down", up)
	if out := sb.Must("ip", "-n", "tt", "-br", "link"); strings.Contains(out, "tun0") || strings.Contains(out, "tap0") {
		t.Errorf("after down:\n%s", out)
	}
}
