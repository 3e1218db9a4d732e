package main

import (
	"testing"
)

// TestErrorsAsIP: the mistakes of tests/compat/errors.txt that do not
// depend on the kernel's routing checks, on the fake host: nsnet exits
// with the status ip 6.1 exits with for the same line in a new namespace
// (noted beside each), with one line on stderr naming the bad word, and
// sends nothing for a line that does not parse.
func TestErrorsAsIP(t *testing.T) {
	k := onFakeHost(t)
	for _, c := range []struct {
		line string
		code int
		word string
	}{
		{"frob", 1, "frob"},
		{"link frob", 255, "frob"},
		{"addr frob", 255, "frob"},
		{"route frob", 255, "frob"},
		{"link set dev lo mtu nan", 255, "nan"},
		{"addr add 1.2.3.4/99 dev lo", 1, "1.2.3.4/99"},
		{"route add 9.9.9.0/24 dev", 255, "dev"},
		{"route add 9.9.8.0/24 metric x dev lo", 255, `"x"`},
		{"-x link", 255, "-x"},
		{"link show lo extra", 255, "extra"},
	} {
		before := k.Requests
		wantErr(t, c.line, c.code, c.word)
		if k.Requests != before {
			t.Errorf("%s: %d requests sent", c.line, k.Requests-before)
		}
	}
	// Errors of the kernel's state.
	wantErr(t, "link show dev nosuch0", 1, "nosuch0")
	wantErr(t, "link set dev nosuch0 up", 1, "nosuch0")
	wantErr(t, "addr add 1.2.3.4/24 dev nosuch0", 1, "nosuch0")
	mustRun(t, "addr add 1.2.3.4/24 dev lo")
	wantErr(t, "addr add 1.2.3.4/24 dev lo", 2, "1.2.3.4/24")
	wantErr(t, "route del 8.8.8.0/24", 2, "8.8.8.0/24")
	if code, out, _ := nsnet("", "-4 -6 link"); code != 0 || out == "" {
		t.Errorf("-4 -6 link: exit %d, %q", code, out)
	}
}
