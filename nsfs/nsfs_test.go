package nsfs

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func TestValidName(t *testing.T) {
	for _, ok := range []string{"a", "nstest", "with space", "x.y", strings.Repeat("n", 255), "-dash"} {
		if err := ValidName(ok); err != nil {
			t.Errorf("%q rejected: %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "a/b", "/", "../x", strings.Repeat("n", 256), "nul\x00"} {
		if err := ValidName(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestOpenRefusesNonNamespace(t *testing.T) {
	f, err := os.CreateTemp("", "notns")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(f.Name())
	f.Close()
	if _, err := Open(f.Name()); !errors.Is(err, ErrNotNamespace) {
		t.Fatalf("plain file: got %v, want ErrNotNamespace", err)
	}
}

func TestCurrentAndClose(t *testing.T) {
	ns, err := Current()
	if err != nil {
		t.Skipf("no /proc/self/ns/net here: %v", err)
	}
	other, err := Open("/proc/self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	if !ns.Equal(other) {
		t.Fatal("two handles on the current namespace are not Equal")
	}
	if err := ns.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ns.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	other.Close()
}
