package tests

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// releaseBinary builds nsnet as `make` does (static, stripped, trimmed).
func releaseBinary(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "nsnet")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w -X main.version=test "+entryLDFlag(), "-o", out, "../cmd/nsnet")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, b)
	}
	return out
}

// TestReleaseBinaryIsStatic checks the ELF file itself: no interpreter, no
// shared libraries, no symbol table.
func TestReleaseBinaryIsStatic(t *testing.T) {
	bin := releaseBinary(t)
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Fatal("the release binary has an ELF interpreter: it is not static")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Fatalf("the release binary needs shared libraries: %v", libs)
	}
	if f.Section(".symtab") != nil {
		t.Fatal("the release binary is not stripped")
	}
	fi, _ := os.Stat(bin)
	t.Logf("release binary: %d bytes", fi.Size())
}

// TestSeedInEmptyRoot runs the seed walkthrough with nothing but the
// binary: a chroot holding only nsnet, /proc, /sys and empty /run and
// /etc, and an empty environment (no PATH). It proves nsnet needs no libc,
// no shell and no ip/nft/iptables.
func TestSeedInEmptyRoot(t *testing.T) {
	bin := releaseBinary(t)
	sb := NewSandbox(t)
	seed, err := os.ReadFile("../examples/seed.nsnet")
	if err != nil {
		t.Fatal(err)
	}
	sb.MustSh(`set -e
r=/run/root
mkdir -p $r/proc $r/sys $r/run $r/etc
cp ` + bin + ` $r/nsnet
mount -t proc proc $r/proc
mount -t sysfs sysfs $r/sys
cat > $r/seed.nsnet <<'EOF'
` + string(seed) + `EOF
`)
	chroot := func(args ...string) Result {
		return sb.Run(append([]string{"env", "-i", "/usr/sbin/chroot", "/run/root", "/nsnet"}, args...)...)
	}
	if r := chroot("up", "/seed.nsnet"); r.Code != 0 {
		t.Fatalf("seed in the empty root: %s", r)
	}
	if out := sb.Must("ls", "/run/root"); strings.Join(strings.Fields(out), " ") != "etc nsnet proc run seed.nsnet sys" {
		t.Fatalf("the empty root gained files: %q", out)
	}
	// iproute2 outside the chroot is the oracle: the namespace exists, its
	// address and route are there, and packets cross the veth.
	ns := "--net=/run/root/run/netns/nstest"
	if out := sb.Must("nsenter", ns, "ip", "-o", "-4", "addr", "show", "dev", "veth0s1"); !strings.Contains(out, "192.168.11.101/24") {
		t.Fatalf("address in nstest: %q", out)
	}
	if out := sb.Must("nsenter", ns, "ip", "route", "show", "default"); !strings.Contains(out, "via 192.168.11.100") {
		t.Fatalf("default route in nstest: %q", out)
	}
	sb.Must("nsenter", ns, "ping", "-c", "1", "-W", "2", "192.168.11.100")
	if r := chroot("down", "/seed.nsnet"); r.Code != 0 {
		t.Fatalf("down in the empty root: %s", r)
	}
	if out := sb.Must("ls", "-A", "/run/root/run/netns"); out != "" {
		t.Fatalf("down left namespaces: %q", out)
	}
}

// TestNeverExecutes proves, under strace, that nsnet runs no other
// program: the only execve is nsnet's own, through a whole walkthrough.
func TestNeverExecutes(t *testing.T) {
	sb := NewSandbox(t)
	seed, err := os.ReadFile("../examples/seed.nsnet")
	if err != nil {
		t.Fatal(err)
	}
	sb.MustSh("cat > /run/seed.nsnet <<'EOF'\n" + string(seed) + "EOF\n")
	for _, args := range [][]string{{"up", "/run/seed.nsnet"}, {"-n", "nstest", "addr", "show"}, {"nat", "show"}, {"down", "/run/seed.nsnet"}} {
		r := sb.Run(append([]string{"strace", "-f", "-qq", "-e", "trace=execve,execveat,fork,vfork", "-o", "/run/strace.log", nsnetBin}, args...)...)
		if r.Code != 0 {
			t.Fatalf("nsnet %v: %s", args, r)
		}
		log := sb.Must("cat", "/run/strace.log")
		if n := strings.Count(log, "execve("); n != 1 || strings.Contains(log, "execveat(") || strings.Contains(log, "fork(") {
			t.Fatalf("nsnet %v executed something else:\n%s", args, log)
		}
	}
}
