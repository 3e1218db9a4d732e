package sysctl

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
)

func TestParseKey(t *testing.T) {
	for in, want := range map[string]Key{
		"net.ipv4.ip_forward":              {Path: "net/ipv4/ip_forward", Name: "net.ipv4.ip_forward"},
		"net/ipv4/ip_forward":              {Path: "net/ipv4/ip_forward", Name: "net.ipv4.ip_forward"},
		"net.ipv4.conf.eth0/10.forwarding": {Path: "net/ipv4/conf/eth0.10/forwarding", Name: "net.ipv4.conf.eth0/10.forwarding"},
		"net/ipv4/conf/eth0.10/forwarding": {Path: "net/ipv4/conf/eth0.10/forwarding", Name: "net.ipv4.conf.eth0/10.forwarding"},
	} {
		got, err := ParseKey(in)
		if err != nil || got != want {
			t.Errorf("ParseKey(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for in, why := range map[string]string{
		"":                        "empty",
		"net.ipv4.ip_forward\x00": "NUL",
		"net/./ipv4":              `"."`,
		"net/../../etc/passwd":    `".."`,
		"net..ipv4":               "empty component",
		"/net/ipv4/ip_forward":    "empty component",
		"vm.swappiness":           "net.*",
		"net.ipv4.":               "empty component",
	} {
		_, err := ParseKey(in)
		if err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("ParseKey(%q): %v, want an error with %q", in, err, why)
		}
	}
}

func TestMustKeyPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	MustKey("kernel.hostname")
}

func TestSameValue(t *testing.T) {
	if !SameValue("4096 16384", "4096\t16384\n") || SameValue("1", "0") {
		t.Error("SameValue")
	}
}

// The tests below read the caller's own namespace: /proc/sys/net exists
// on every Linux machine and reading it needs no privilege.
func TestReadOwnNamespace(t *testing.T) {
	k := MustKey("net.ipv4.ip_forward")
	v, err := Read(nil, k)
	if err != nil {
		t.Fatalf("read ip_forward: %v", err)
	}
	if v != "0" && v != "1" {
		t.Errorf("ip_forward = %q", v)
	}
	if _, err := Read(nil, MustKey("net.ipv4.no_such_key")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing key: %v", err)
	}
	_, err = Read(nil, MustKey("net.ipv4"))
	if !errors.Is(err, ErrIsDir) {
		t.Errorf("directory: %v", err)
	}
	entries, err := Walk(nil, "net/ipv4/conf/lo")
	if err != nil || len(entries) == 0 {
		t.Fatalf("Walk: %d entries, %v", len(entries), err)
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Key, "net.ipv4.conf.lo.") {
			t.Errorf("Walk entry %q", e.Key)
		}
	}
	if _, err := Walk(nil, "net/../etc"); err == nil {
		t.Error("Walk outside net accepted")
	}
	if err := Write(nil, k, "1\x000"); err == nil || !strings.Contains(err.Error(), "NUL") {
		t.Errorf("NUL value: %v", err)
	}
	if h := modeHint("/proc/sys/net/ipv4/route/flush", os.O_RDONLY); h == "" {
		t.Errorf("no write-only hint for route/flush (mode 0200)")
	}
	if h := modeHint("/proc/sys/net/ipv4/ip_forward", os.O_RDONLY); h != "" {
		t.Errorf("hint on a readable key: %q", h)
	}
}
