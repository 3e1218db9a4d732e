package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBatchAsIP: -batch and -force -batch on the fake host, against what
// ip 6.1 -batch did with the same files in a new namespace: a failing
// line stops the batch with status 1 (what ran stays); -force goes on and
// still exits 1; the error names the file and line; a file that cannot
// be read is an error naming it.
func TestBatchAsIP(t *testing.T) {
	k := onFakeHost(t)
	dir := t.TempDir()
	b1 := filepath.Join(dir, "b1")
	if err := os.WriteFile(b1, []byte("link add br0 type bridge\nlink set nosuch up\naddr add 10.1.0.1/24 dev br0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := nsnet("", "-batch "+b1)
	if code != 1 || !strings.Contains(stderr, b1+":2") || !strings.Contains(stderr, "nosuch") || k.Links["br0"] == nil || len(k.Addrs) != 0 {
		t.Fatalf("-batch: exit %d, links %v, addrs %v: %s", code, k.Links, k.Addrs, stderr)
	}
	code, _, stderr = nsnet("", "-force -batch "+b1)
	if code != 1 || !strings.Contains(stderr, b1+":1") || !strings.Contains(stderr, b1+":2") || len(k.Addrs) != 1 {
		t.Fatalf("-force -batch: exit %d, addrs %v: %s", code, k.Addrs, stderr)
	}
	wantErr(t, "-batch "+filepath.Join(dir, "nosuch"), 1, filepath.Join(dir, "nosuch"))

	// A line that does not parse: -force goes on after it too, as the
	// README says (ip 6.1 exits at a bad prefix, whatever -force says).
	b2 := filepath.Join(dir, "b2")
	if err := os.WriteFile(b2, []byte("link add br2 type bridge\naddr add 10.2.0.1/99 dev br2\nlink set br2 mtu 1400\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = nsnet("", "-force -batch "+b2)
	if l := k.Links["br2"]; code != 1 || !strings.Contains(stderr, b2+":2") || !strings.Contains(stderr, "10.2.0.1/99") || l == nil || *l.Attrs.MTU != 1400 {
		t.Fatalf("-force over a bad line: exit %d, br2 %+v: %s", code, l, stderr)
	}

	// A batch from stdin, with comments, blank lines and a continued line.
	code, _, stderr = nsnet("# a comment\n\nlink add br1 \\\n type bridge\nlink set br1 mtu 1400 up\n", "-batch -")
	if l := k.Links["br1"]; code != 0 || l == nil || *l.Attrs.MTU != 1400 || l.Flags&1 == 0 {
		t.Fatalf("stdin batch: exit %d, br1 %+v: %s", code, l, stderr)
	}
	// A failing line of stdin: nsnet names it <stdin>, ip names it "-",
	// as it was given (ip -batch - prints "Command failed -:1").
	if code, _, stderr = nsnet("link set nosuch up\n", "-batch -"); code != 1 || !strings.Contains(stderr, "<stdin>:1") {
		t.Errorf("stdin batch, failing line: exit %d: %q", code, stderr)
	}
	ipMode = true
	defer func() { ipMode = false }()
	if code, _, stderr = nsnet("link set nosuch up\n", "-batch -"); code != 1 || stderr != "Cannot find device \"nosuch\"\nCommand failed -:1\n" {
		t.Errorf("as ip, stdin batch, failing line: exit %d: %q", code, stderr)
	}
}
