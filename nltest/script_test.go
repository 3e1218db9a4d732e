package nltest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/nltest"
	"github.com/nsnet/nsnet/rtnl"
)

// recorder is a testing.TB that records failures and cleanups.
type recorder struct {
	testing.TB
	errors   []string
	cleanups []func()
}

func (r *recorder) Helper()           {}
func (r *recorder) Error(args ...any) { r.errors = append(r.errors, fmt.Sprint(args...)) }
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }
func (r *recorder) end() {
	for _, f := range r.cleanups {
		f()
	}
}

var delLink5 = []byte{0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}

// A Script accepts what its steps expect and fails the test on a request
// they do not, on one too many, and on steps left unplayed.
func TestScript(t *testing.T) {
	del := func() nltest.Func {
		return nltest.Expect(unix.RTM_DELLINK, netlink.Request|netlink.Acknowledge, delLink5, nltest.Acked)
	}
	// Played as expected.
	r := &recorder{TB: t}
	s := nltest.NewScript(r, del())
	c := nltest.Rtnl(s.Func(), nil)
	if err := c.DeleteLink(&rtnl.LinkMessage{Index: 5}); err != nil {
		t.Fatal(err)
	}
	r.end()
	if len(r.errors) != 0 || len(s.Requests) != 1 || s.Requests[0][0].Header.Sequence != 1 {
		t.Fatalf("errors %q, requests %v", r.errors, s.Requests)
	}

	// Another payload, then a request too many, then a step unplayed.
	r = &recorder{TB: t}
	s = nltest.NewScript(r, del(), del(), del())
	c = nltest.Rtnl(s.Func(), nil)
	err := c.DeleteLink(&rtnl.LinkMessage{Index: 6})
	if err == nil || len(r.errors) != 1 || !strings.Contains(r.errors[0], "step 1: got type 0x11 flags request|acknowledge data 00000000060000") {
		t.Fatalf("mismatch: %v, %q", err, r.errors)
	}
	if err := c.DeleteLink(&rtnl.LinkMessage{Index: 5}); err != nil {
		t.Fatal(err)
	}
	r.end()
	if len(r.errors) != 2 || !strings.Contains(r.errors[1], "1 of 3 script steps were not played") {
		t.Fatalf("unplayed: %q", r.errors)
	}

	r = &recorder{TB: t}
	s = nltest.NewScript(r)
	c = nltest.Rtnl(s.Func(), nil)
	if err := c.DeleteLink(&rtnl.LinkMessage{Index: 5}); err == nil || len(r.errors) != 1 || !strings.Contains(r.errors[0], "request 1 (type 0x11 flags request|acknowledge) after the script's 0 steps") {
		t.Fatalf("extra request: %v, %q", err, r.errors)
	}
}

// The helpers build the kernel's messages with the request's sequence
// number and port id.
func TestReplies(t *testing.T) {
	req := netlink.Message{Header: netlink.Header{Type: unix.RTM_GETLINK, Flags: netlink.Request | netlink.Dump, Sequence: 9, PID: nltest.PID}, Data: make([]byte, 16)}
	ack := nltest.Ack(req)
	if ack.Header.Type != netlink.Error || ack.Header.Flags != netlink.Capped || ack.Header.Sequence != 9 || len(ack.Data) != 20 {
		t.Fatalf("ack %+v", ack)
	}
	e := nltest.ErrorAt(req, unix.EINVAL, "", 20)
	if e.Header.Flags != netlink.AcknowledgeTLVs || len(e.Data) != 4+16+16+8 {
		t.Fatalf("error %+v", e)
	}
	if e := nltest.Error(req, unix.EINVAL, ""); e.Header.Flags != 0 || len(e.Data) != 4+16+16 {
		t.Fatalf("plain error %+v", e)
	}
	d := nltest.Dump(req, nltest.Reply(req, unix.RTM_NEWLINK, nil))
	if len(d) != 2 || d[0].Header.Flags != netlink.Multi || d[1].Header.Type != netlink.Done || d[1].Header.Flags != netlink.Multi || d[1].Header.Sequence != 9 {
		t.Fatalf("dump %+v", d)
	}
}
