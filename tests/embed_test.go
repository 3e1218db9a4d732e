package tests

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestEmbedExample runs examples/embed (the seed walkthrough built with
// package plan, no command-line words) in a sandbox: with -keep the
// topology is there as ip and nft read it back; the full run applies,
// verifies (nstest pings the host end) and undoes it, leaving the sandbox
// as it was.
func TestEmbedExample(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "embed")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, "../examples/embed")
	build.Env = append(build.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build examples/embed: %v\n%s", err, out)
	}
	sb := NewSandbox(t)
	snap := "ls /run/netns; ip -o link show; ip -o addr show; nft list ruleset; cat /proc/sys/net/ipv4/ip_forward"
	before := sb.MustSh(snap)

	out := sb.Must(bin, "-uplink", "ens33")
	if !strings.Contains(out, "nstest pings 192.168.11.100") || !strings.Contains(out, "undone") {
		t.Fatalf("embed: %s", out)
	}
	if after := sb.MustSh(snap); after != before {
		t.Fatalf("the full run left changes:\n--- before\n%s\n--- after\n%s", before, after)
	}

	sb.Must(bin, "-uplink", "ens33", "-keep")
	if a := sb.Must("ip", "-n", "nstest", "-o", "addr", "show", "dev", "veth0s1"); !strings.Contains(a, "192.168.11.101/24") {
		t.Errorf("nstest's address: %s", a)
	}
	if r := sb.Must("ip", "-n", "nstest", "route", "show", "default"); !strings.Contains(r, "via 192.168.11.100") {
		t.Errorf("nstest's default route: %s", r)
	}
	if rs := sb.Must("nft", "list", "ruleset"); !strings.Contains(rs, "masquerade") || !strings.Contains(rs, `"ens33"`) {
		t.Errorf("ruleset: %s", rs)
	}
	if f := sb.Must("cat", "/proc/sys/net/ipv4/ip_forward"); strings.TrimSpace(f) != "1" {
		t.Errorf("ip_forward %q", f)
	}
	// The kept topology is the seed file's: nsnet down of the seed removes it.
	seed, err := filepath.Abs("../examples/seed.nsnet")
	if err != nil {
		t.Fatal(err)
	}
	sb.MustNSNet("down", seed)
	if ns := sb.Must("ls", "/run/netns"); strings.TrimSpace(ns) != "" {
		t.Errorf("after down: /run/netns holds %q", ns)
	}
}
