package tuntap

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		c    Config
		want uint16
	}{
		{Config{Mode: TAP}, unix.IFF_TAP | unix.IFF_NO_PI},
		{Config{Mode: TUN, PI: true}, unix.IFF_TUN},
		{Config{Mode: TAP, VnetHdr: true, MultiQueue: true, OneQueue: true},
			unix.IFF_TAP | unix.IFF_NO_PI | unix.IFF_VNET_HDR | unix.IFF_MULTI_QUEUE | unix.IFF_ONE_QUEUE},
	} {
		if got := tc.c.flags(); got != tc.want {
			t.Errorf("%+v: flags %#x, want %#x", tc.c, got, tc.want)
		}
	}
	if TAP.String() != "tap" || TUN.String() != "tun" {
		t.Error("mode names")
	}
}

// TestAttachRefusesBadConfig: no mode, or a name too long for an ifreq,
// fails before /dev/net/tun is opened.
func TestAttachRefusesBadConfig(t *testing.T) {
	if err := Add(Config{Name: "t0"}); err == nil {
		t.Error("no mode: no error")
	}
	if err := Delete(Config{Name: "a-name-longer-than-ifnamsiz", Mode: TAP}); err == nil {
		t.Error("long name: no error")
	}
}
