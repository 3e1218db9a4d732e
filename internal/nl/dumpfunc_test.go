package nl

import (
	"errors"
	"testing"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// getLinks is a dump of every link (struct ifinfomsg, zero), which needs
// no privilege and changes nothing.
var getLinks = netlink.Message{
	Header: netlink.Header{Type: unix.RTM_GETLINK, Flags: netlink.Request | netlink.Dump},
	Data:   make([]byte, 16),
}

// DumpFunc hands on what Dump returns; when fn fails it reads the rest of
// the dump, so the next request on the connection gets its own replies.
func TestDumpFunc(t *testing.T) {
	c, err := Dial(unix.NETLINK_ROUTE, Config{})
	if err != nil {
		t.Skip("no rtnetlink socket:", err)
	}
	defer c.Close()
	msgs, err := c.Dump(getLinks, 0)
	if err != nil || len(msgs) == 0 {
		t.Fatalf("Dump: %d messages, %v", len(msgs), err)
	}
	var types []netlink.HeaderType
	if err := c.DumpFunc(getLinks, func(m netlink.Message) error {
		types = append(types, m.Header.Type)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(types) != len(msgs) {
		t.Fatalf("DumpFunc saw %d messages, Dump returned %d", len(types), len(msgs))
	}

	stop := errors.New("stop")
	calls := 0
	err = c.DumpFunc(getLinks, func(netlink.Message) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("got %v after %d calls, want stop after 1", err, calls)
	}
	again, err := c.Dump(getLinks, 0)
	if err != nil || len(again) != len(msgs) {
		t.Fatalf("Dump after a failed DumpFunc: %d messages, %v", len(again), err)
	}
}

// A kernel error ends DumpFunc as Execute's errors do.
func TestDumpFuncKernelError(t *testing.T) {
	c, err := Dial(unix.NETLINK_ROUTE, Config{})
	if err != nil {
		t.Skip("no rtnetlink socket:", err)
	}
	defer c.Close()
	bad := getLinks
	bad.Data = []byte{0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0} // strict checking refuses a header filter on index
	err = c.DumpFunc(bad, func(netlink.Message) error { return nil })
	_, eerr := c.Execute(bad)
	var oe, oe2 *netlink.OpError
	if !errors.As(err, &oe) || !errors.As(eerr, &oe2) || !errors.Is(oe.Err, oe2.Err) || oe.Message != oe2.Message {
		t.Fatalf("DumpFunc: %v, Execute: %v", err, eerr)
	}
}
