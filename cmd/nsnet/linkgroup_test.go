package main

import (
	"io"
	"strings"
	"testing"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/nltest"
	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/plan"
	"github.com/nsnet/nsnet/rtnl"
)

// TestLinkGroup: "link set group N ..." and "link delete group N" send
// one request naming no link, with IFLA_GROUP (the kernel applies it to
// the group's links); options that name one link are refused.
func TestLinkGroup(t *testing.T) {
	var got []netlink.Message
	sessionOptions = &plan.Options{Dial: func(ref nsfs.Ref, fd int, family string) (io.Closer, error) {
		return nltest.Rtnl(func(req []netlink.Message) ([]netlink.Message, error) {
			got = append(got, req[0])
			return []netlink.Message{nltest.Ack(req[0])}, nil
		}, nil), nil
	}}
	t.Cleanup(func() { sessionOptions = nil })
	for _, tc := range []struct {
		line string
		typ  netlink.HeaderType
		mtu  uint32
	}{
		{"link set group 7 up mtu 1400 type veth", unix.RTM_NEWLINK, 1400},
		{"link delete group 7", unix.RTM_DELLINK, 0},
	} {
		got = nil
		if code, _, stderr := nsnet("", tc.line); code != 0 || len(got) != 1 {
			t.Fatalf("%s: exit %d (%s), %d requests", tc.line, code, stderr, len(got))
		}
		var m rtnl.LinkMessage
		if err := m.UnmarshalBinary(got[0].Data); err != nil {
			t.Fatal(err)
		}
		if got[0].Header.Type != tc.typ || m.Index != 0 || m.Attrs.Name != "" || m.Attrs.Group == nil || *m.Attrs.Group != 7 ||
			tc.mtu != 0 && (m.Attrs.MTU == nil || *m.Attrs.MTU != tc.mtu || m.Flags&rtnl.LinkUp == 0) {
			t.Errorf("%s: sent %v %+v", tc.line, got[0].Header.Type, m)
		}
	}
	if code, _, stderr := nsnet("", "link set group 7 name x"); code == 0 || !strings.Contains(stderr, "group") {
		t.Errorf("a rename of a group: exit %d, %q", code, stderr)
	}
}
