package rtnl_test

import (
	"errors"
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/nltest"
	"github.com/nsnet/nsnet/rtnl"
)

// TestSetBridgePort: the request `bridge link set dev X hairpin on
// learning off` sends (RTM_SETLINK, family AF_BRIDGE, IFLA_PROTINFO nested
// with NLA_F_NESTED, which the kernel needs to read it as nested), and a
// missing link's error.
func TestSetBridgePort(t *testing.T) {
	on, off := true, false
	want := []byte{
		unix.AF_BRIDGE, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // ifinfomsg, index 5
		20, 0, unix.IFLA_PROTINFO, 0x80, // IFLA_PROTINFO | NLA_F_NESTED
		5, 0, unix.IFLA_BRPORT_MODE, 0, 1, 0, 0, 0,
		5, 0, unix.IFLA_BRPORT_LEARNING, 0, 0, 0, 0, 0,
	}
	hairpinOnly := append(append([]byte{}, want[:16]...), 12, 0, unix.IFLA_PROTINFO, 0x80, 5, 0, unix.IFLA_BRPORT_MODE, 0, 1, 0, 0, 0)
	c := script(t,
		nltest.Expect(unix.RTM_SETLINK, ack, want, nltest.Acked),
		nltest.Expect(unix.RTM_SETLINK, ack, hairpinOnly, refuse(unix.ENODEV, "")),
	)
	if err := c.SetBridgePort(5, rtnl.BridgePort{Hairpin: &on, Learning: &off}); err != nil {
		t.Fatal(err)
	}
	err := c.SetBridgePort(5, rtnl.BridgePort{Hairpin: &on})
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing link: %v", err)
	}
}
