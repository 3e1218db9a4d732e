package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mdlayher/netlink"

	"github.com/nsnet/nsnet/nltest"
	"github.com/nsnet/nsnet/plan"
	"github.com/nsnet/nsnet/sysctl"
)

// fakeHost is the machine nsnet's commands see in a unit test: a fake
// rtnetlink kernel (the embedded Model, with a new namespace's rules), a
// fake nf_tables (nft), and
// directories of the test's own for the up journals and the sysctls
// (sysctl.Root). The session makes real rtnl and nat Conns over them
// (plan.Options.Kernel), traced and captured as --trace and --trace-pcap
// ask; a connection of any other family fails, so no command under test
// reaches the real kernel through the session.
type fakeHost struct {
	*nltest.Model
	nft     *nltest.NFT
	sysctls string // sysctl.Root of the test
	journal string // journalDir of the test
	// dials counts the connections dialled, by family.
	dials map[string]int
}

// onFakeHost runs nsnet's commands against a fake host for the rest of
// the test. sysctls lists the sysctl files to create, as "net.a.b=value".
func onFakeHost(t *testing.T, sysctls ...string) *fakeHost {
	t.Helper()
	h := &fakeHost{Model: nltest.NewModel(), nft: nltest.NewNFT(), dials: map[string]int{}}
	h.Rules = nltest.DefaultRules()
	dir := t.TempDir()
	h.sysctls, h.journal = filepath.Join(dir, "sys"), filepath.Join(dir, "up")
	for _, kv := range sysctls {
		k, v, _ := strings.Cut(kv, "=")
		p := filepath.Join(h.sysctls, sysctlPath(k))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(v+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	oldRoot, oldJournal := sysctl.Root, journalDir
	sysctl.Root, journalDir = h.sysctls, h.journal
	sessionOptions = &plan.Options{Kernel: func(family string) func([]netlink.Message) ([]netlink.Message, error) {
		h.dials[family]++
		switch family {
		case "rtnl":
			return h.Func()
		case "nat":
			return h.nft.Func()
		}
		return nil
	}}
	t.Cleanup(func() {
		sessionOptions = nil
		sysctl.Root, journalDir = oldRoot, oldJournal
	})
	return h
}

// sysctlPath is the path of a dotted key below sysctl.Root, where a '/'
// in the dotted form stands for a '.' in a name.
func sysctlPath(key string) string {
	parts := strings.Split(key, ".")
	for i, p := range parts {
		parts[i] = strings.ReplaceAll(p, "/", ".")
	}
	return filepath.Join(parts...)
}

// sysctl returns the value of a sysctl file of the fake host.
func (h *fakeHost) sysctl(t *testing.T, key string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(h.sysctls, sysctlPath(key)))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// mustRun runs command lines (split on spaces) one by one and fails the
// test at the first that does not exit 0.
func mustRun(t *testing.T, lines ...string) {
	t.Helper()
	for _, line := range lines {
		if code, _, stderr := nsnet("", line); code != 0 {
			t.Fatalf("%s: exit %d: %s", line, code, stderr)
		}
	}
}

// wantOut runs a command line and compares its whole stdout with want.
func wantOut(t *testing.T, line, want string) {
	t.Helper()
	code, out, stderr := nsnet("", line)
	if code != 0 || out != want {
		t.Errorf("%s: exit %d, stderr %q\ngot:\n%s\nwant:\n%s", line, code, stderr, out, want)
	}
}

// wantErr runs a command line that must fail with exit status code and
// one line on stderr containing every one of words.
func wantErr(t *testing.T, line string, code int, words ...string) {
	t.Helper()
	c, out, stderr := nsnet("", line)
	if c != code || strings.Count(stderr, "\n") != 1 || out != "" {
		t.Errorf("%s: exit %d (want %d), stdout %q, stderr %q", line, c, code, out, stderr)
		return
	}
	for _, w := range words {
		if !strings.Contains(stderr, w) {
			t.Errorf("%s: stderr %q does not name %q", line, stderr, w)
		}
	}
}
