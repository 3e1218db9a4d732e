package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestCNIFace: which face argv[0] and CNI_COMMAND choose.
func TestCNIFace(t *testing.T) {
	t.Setenv("CNI_COMMAND", "")
	for _, tc := range []struct {
		argv []string
		face string
		ok   bool
	}{
		{[]string{"/opt/cni/bin/bridge"}, "bridge", true},
		{[]string{"host-local"}, "host-local", true},
		{[]string{"./portmap", "x"}, "portmap", true},
		{[]string{"/usr/bin/nsnet"}, "", false},
		{[]string{"nsnet", "link", "show"}, "", false},
		{[]string{"ip"}, "", false},
	} {
		if face, ok := cniFace(tc.argv); face != tc.face || ok != tc.ok {
			t.Errorf("%v: %q %v", tc.argv, face, ok)
		}
	}
	t.Setenv("CNI_COMMAND", "VERSION")
	if face, ok := cniFace([]string{"/opt/cni/bin/nsnet"}); face != "nsnet" || !ok {
		t.Errorf("nsnet with CNI_COMMAND: %q %v", face, ok)
	}
	if _, ok := cniFace([]string{"nsnet", "link", "show"}); ok {
		t.Error("nsnet with arguments became a plugin")
	}
	var out, errb bytes.Buffer
	if code := runCNI("bridge", strings.NewReader(`{"cniVersion":"1.0.0"}`), &out, &errb); code != 0 || !strings.Contains(out.String(), `"supportedVersions":["0.3.0"`) {
		t.Errorf("VERSION: %d %q %q", code, out.String(), errb.String())
	}
	t.Setenv("CNI_COMMAND", "")
	if code := runCNI("bridge", strings.NewReader(""), &out, &errb); code != 1 || !strings.Contains(errb.String(), "supported versions") {
		t.Errorf("without CNI_COMMAND: %d %q", code, errb.String())
	}
}
