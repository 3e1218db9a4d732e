package nsfs

import (
	"errors"
	"os"
	"testing"
)

func TestParseRef(t *testing.T) {
	for in, want := range map[string]Ref{
		"blue":             NameRef("blue"),
		"4242":             PIDRef(4242),
		"/proc/1/ns/net":   PathRef("/proc/1/ns/net"),
		"./here":           PathRef("./here"),
		"/run/netns/green": PathRef("/run/netns/green"),
	} {
		got, err := ParseRef(in)
		if err != nil || got != want {
			t.Errorf("ParseRef(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "a\x00b", "..", "."} {
		if r, err := ParseRef(in); err == nil {
			t.Errorf("ParseRef(%q) = %+v, want an error", in, r)
		}
	}
}

func TestRefKeyRoundTrip(t *testing.T) {
	for _, r := range []Ref{Self(), NameRef("blue"), PathRef("/var/run/x"), PIDRef(7), FDRef(3)} {
		back, err := ParseKey(r.Key())
		if err != nil {
			t.Fatalf("ParseKey(%q): %v", r.Key(), err)
		}
		// PID and FD keys come back as the paths that mean the same namespace.
		if back.Key() != r.Key() {
			t.Errorf("%+v: key %q read back as %+v", r, r.Key(), back)
		}
		if r.String() == "" {
			t.Errorf("%+v: empty String", r)
		}
	}
	if !Self().IsSelf() || NameRef("x").IsSelf() {
		t.Error("IsSelf")
	}
	for _, k := range []string{"a\x00", "..", "."} {
		if _, err := ParseKey(k); err == nil {
			t.Errorf("ParseKey(%q) accepted", k)
		}
	}
}

func TestRefOpen(t *testing.T) {
	self, err := Self().Open()
	if err != nil {
		t.Fatal(err)
	}
	defer self.Close()
	for _, r := range []Ref{PIDRef(os.Getpid()), PathRef("/proc/self/ns/net"), FDRef(self.Fd())} {
		ns, err := r.Open()
		if err != nil {
			t.Fatalf("%v: %v", r, err)
		}
		if !ns.Equal(self) {
			t.Errorf("%v: another namespace", r)
		}
		ns.Close()
	}
	if _, err := NameRef("nsnet-no-such-namespace").Open(); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing name: %v", err)
	}
	if _, err := PIDRef(1 << 30).Open(); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing pid: %v", err)
	}
}
