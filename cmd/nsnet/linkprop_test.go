package main

import (
	"reflect"
	"strings"
	"testing"
)

// TestParseLinkProp: ip's "link property" grammar (abbreviations, the
// device with or without "dev", in any place) and its errors with ip's
// wording and exit statuses.
func TestParseLinkProp(t *testing.T) {
	for _, tc := range []struct {
		line string
		want linkProp
	}{
		{"link property add dev eth0 altname a0", linkProp{add: true, dev: "eth0", names: []string{"a0"}}},
		{"link p a eth0 alt a0 al a:b altname .", linkProp{add: true, dev: "eth0", names: []string{"a0", "a:b", "."}}},
		{"link prop del altname a0 dev eth0-alternative-name", linkProp{dev: "eth0-alternative-name", names: []string{"a0"}}},
		{"link property d eth0", linkProp{dev: "eth0", names: []string{}}},
	} {
		c, err := parseCommand(strings.Fields(tc.line), options{})
		if err != nil {
			t.Fatalf("%s: %v", tc.line, err)
		}
		if got, ok := c.(linkProp); !ok || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %#v, want %#v", tc.line, c, tc.want)
		}
	}
	for _, tc := range []struct {
		line, ip string
		code     int
	}{
		{"link property", "Usage: ip link property { add | del } dev DEVICE [ altname NAME .. ]", 255},
		{"link property delete dev eth0", "Operator required", 255},
		{"link property add", `Not enough of information: "dev" argument is required.`, 255},
		{"link property add altname x", `Not enough of information: "dev" argument is required.`, 255},
		{"link property add dev eth0 dev eth0", `Error: either "dev" is duplicate, or "eth0" is a garbage.`, 255},
		{"link property add dev eth0 altname", `Command line is not complete. Try option "help"`, 255},
		{"link property add dev eth0 altname a/b", `Error: argument "a/b" is wrong: not a valid altname`, 255},
		{"link property add dev a/b", `Error: argument "a/b" is wrong: "dev" not a valid ifname`, 255},
	} {
		_, err := parseCommand(strings.Fields(tc.line), options{})
		var ie *ipErr
		if !errorAs(err, &ie) || ie.ip != tc.ip || ie.code != tc.code {
			t.Errorf("%s: %v, want ip's %q exit %d", tc.line, err, tc.ip, tc.code)
		}
	}
	// Help words anywhere show the link help, as "link help" does (in ip
	// mode on stderr with exit 255, as ip prints its link usage).
	for _, line := range []string{"link property help", "link property --help", "link property add dev eth0 h"} {
		if c, err := parseCommand(strings.Fields(line), options{}); err != nil || c != (helpCmd{text: linkHelp}) {
			t.Errorf("%s: %#v %v, want the link help", line, c, err)
		}
	}
}

// TestLinkPropFakeKernel: the command changes the link's names, a refused
// name leaves the link as it was, and up/down of a file with both
// operators put the link back.
func TestLinkPropFakeKernel(t *testing.T) {
	k := onFakeHost(t)
	k.AddLink("eth0", "veth", 0)
	names := func() []string { return k.Links["eth0"].Attrs.AltNames }
	mustRun(t, "link property add dev eth0 altname a0 altname a1")
	if got := names(); !reflect.DeepEqual(got, []string{"a0", "a1"}) {
		t.Fatalf("altnames %q", got)
	}
	wantErr(t, "link property add dev eth0 altname a2 altname a0", 2, "a0")
	wantErr(t, "link property add dev nosuch0 altname x", 1, "nosuch0")
	if got := names(); !reflect.DeepEqual(got, []string{"a0", "a1"}) {
		t.Fatalf("altnames %q after a refused add", got)
	}
	f := writeUpFile(t, "link property add dev eth0 altname b0", "link property del dev eth0 altname a1")
	if code, _, stderr := nsnet("", "up "+f); code != 0 {
		t.Fatalf("up: %d %s", code, stderr)
	}
	if got := names(); !reflect.DeepEqual(got, []string{"a0", "b0"}) {
		t.Fatalf("altnames %q after up", got)
	}
	if code, _, stderr := nsnet("", "down "+f); code != 0 {
		t.Fatalf("down: %d %s", code, stderr)
	}
	if got := names(); !reflect.DeepEqual(got, []string{"a0", "a1"}) {
		t.Fatalf("altnames %q after down", got)
	}
}
