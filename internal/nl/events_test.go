package nl

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A cancelled context ends a ReadEvents that waits for events at once,
// with nil, and the connection can wait again. Joining an rtnetlink group
// needs no privilege.
func TestReadEventsCancel(t *testing.T) {
	c, err := Dial(unix.NETLINK_ROUTE, Config{})
	if err != nil {
		t.Skipf("no netlink socket here: %v", err)
	}
	defer c.Close()
	if err := c.JoinGroups(unix.RTNLGRP_NSID); err != nil {
		t.Fatal(err)
	}
	if err := c.SetReceiveBuffer(1 << 16); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		start := time.Now()
		err := c.ReadEvents(ctx, func(Event) error { return nil })
		cancel()
		if err != nil {
			t.Fatalf("ReadEvents: %v", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("ReadEvents returned %v after the cancel", d)
		}
	}
	// Already cancelled: returns without reading.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.ReadEvents(ctx, func(Event) error { t.Fatal("event"); return nil }); err != nil {
		t.Fatal(err)
	}
}

func TestEventNSID(t *testing.T) {
	if got := eventNSID(nil); got != NSIDCurrent {
		t.Fatalf("no control message: %d", got)
	}
	// One NETLINK_LISTEN_ALL_NSID control message carrying nsid 7.
	oob := make([]byte, unix.CmsgSpace(4))
	h := (*unix.Cmsghdr)(unsafePointer(oob))
	h.Level, h.Type = unix.SOL_NETLINK, unix.NETLINK_LISTEN_ALL_NSID
	h.SetLen(unix.CmsgLen(4))
	binary.NativeEndian.PutUint32(oob[unix.CmsgLen(0):], 7)
	if got := eventNSID(oob); got != 7 {
		t.Fatalf("nsid %d, want 7", got)
	}
	// Another control message is not an nsid.
	h.Type = unix.NETLINK_PKTINFO
	if got := eventNSID(oob); got != NSIDCurrent {
		t.Fatalf("pktinfo read as nsid %d", got)
	}
	if got := eventNSID(bytes.Repeat([]byte{0xff}, 3)); got != NSIDCurrent {
		t.Fatalf("garbage read as nsid %d", got)
	}
}

func unsafePointer(b []byte) unsafe.Pointer { return unsafe.Pointer(&b[0]) }
