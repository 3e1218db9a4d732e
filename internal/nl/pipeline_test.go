package nl_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nl"
	"github.com/nsnet/nsnet/nltest"
)

// setLink is an acknowledged request whose payload names index i.
func setLink(i uint32) nl.Call {
	b := make([]byte, unix.SizeofIfInfomsg)
	binary.NativeEndian.PutUint32(b[4:], i)
	return nl.Call{Msg: netlink.Message{Header: netlink.Header{Type: unix.RTM_NEWLINK, Flags: netlink.Request | netlink.Acknowledge}, Data: b}}
}

func setLinks(n int) []nl.Call {
	calls := make([]nl.Call, n)
	for i := range calls {
		calls[i] = setLink(uint32(i + 1))
	}
	return calls
}

func index(m netlink.Message) uint32 { return binary.NativeEndian.Uint32(m.Data[4:]) }

// Several requests go in one write, each acknowledged; a refusal in the
// middle is its request's error and does not stop the ones after it.
func TestExecuteAllOneWrite(t *testing.T) {
	var writes [][]uint32
	c := dial(t, func(req []netlink.Message) ([]netlink.Message, error) {
		var w []uint32
		var out []netlink.Message
		for _, m := range req {
			w = append(w, index(m))
			if index(m) == 2 {
				out = append(out, nltest.Error(m, unix.ENODEV, "no such link"))
				continue
			}
			out = append(out, nltest.Ack(m))
		}
		writes = append(writes, w)
		return out, nil
	}, nil)
	calls := setLinks(4)
	if err := c.ExecuteAll(calls); err != nil {
		t.Fatal(err)
	}
	if len(writes) != 1 || len(writes[0]) != 4 {
		t.Fatalf("writes %v, want one of 4 requests", writes)
	}
	for i, call := range calls {
		if i == 1 {
			var oe *netlink.OpError
			if !errors.As(call.Err, &oe) || !errors.Is(call.Err, unix.ENODEV) || oe.Message != "no such link" || oe.Sequence != call.Msg.Header.Sequence {
				t.Fatalf("call 2: %#v", call.Err)
			}
			continue
		}
		if call.Err != nil || call.Msg.Header.Sequence != uint32(i+1) || call.Msg.Header.PID != nltest.PID {
			t.Fatalf("call %d: %v %+v", i+1, call.Err, call.Msg.Header)
		}
	}
	// No reply is left queued: the next request reads its own.
	if _, err := c.Execute(getLink(9)); err != nil {
		t.Fatalf("next request: %v", err)
	}
}

// Acknowledgements that come back in another order, and echoes, are
// matched to their requests by sequence number.
func TestExecuteAllOutOfOrder(t *testing.T) {
	c := dial(t, func(req []netlink.Message) ([]netlink.Message, error) {
		var out []netlink.Message
		for i := len(req) - 1; i >= 0; i-- {
			m := req[i]
			if index(m) == 3 {
				out = append(out, nltest.Reply(m, unix.RTM_NEWLINK, m.Data))
			}
			out = append(out, nltest.Ack(m))
		}
		return out, nil
	}, nil)
	calls := setLinks(5)
	if err := c.ExecuteAll(calls); err != nil {
		t.Fatal(err)
	}
	for i, call := range calls {
		want := 0
		if i == 2 {
			want = 1
		}
		if call.Err != nil || len(call.Replies) != want {
			t.Fatalf("call %d: %v, %d replies", i+1, call.Err, len(call.Replies))
		}
	}
	if index(calls[2].Replies[0]) != 3 {
		t.Fatalf("echo %+v", calls[2].Replies[0])
	}
}

// A missing acknowledgement (the socket would block: the fake says so)
// is a local failure for the requests still waiting; those of later
// writes are not sent.
func TestExecuteAllMissingAck(t *testing.T) {
	writes, first := 0, 0
	c := dial(t, func(req []netlink.Message) ([]netlink.Message, error) {
		writes++
		first = len(req)
		var out []netlink.Message
		for _, m := range req {
			if index(m) != 2 {
				out = append(out, nltest.Ack(m))
			}
		}
		return out, nil
	}, nil)
	calls := setLinks(70) // more than one write's worth
	err := c.ExecuteAll(calls)
	if !errors.Is(err, nl.ErrNoReply) || writes != 1 || first >= 70 {
		t.Fatalf("err %v after %d writes (the first of %d requests)", err, writes, first)
	}
	for i, call := range calls {
		switch {
		case i == 1 && !errors.Is(call.Err, nl.ErrNoReply),
			i >= first && !errors.Is(call.Err, nl.ErrNotSent),
			i != 1 && i < first && call.Err != nil:
			t.Fatalf("call %d: %v", i+1, call.Err)
		}
	}
}

// A reply whose sequence number is no request's in flight (another
// request's, or a second acknowledgement) is a failure, not a match.
func TestExecuteAllExtraAck(t *testing.T) {
	for name, extra := range map[string]func(req []netlink.Message) netlink.Message{
		"unknown": func(req []netlink.Message) netlink.Message {
			m := nltest.Ack(req[0])
			m.Header.Sequence = 999
			return m
		},
		"twice": func(req []netlink.Message) netlink.Message { return nltest.Ack(req[0]) },
	} {
		t.Run(name, func(t *testing.T) {
			c := dial(t, func(req []netlink.Message) ([]netlink.Message, error) {
				out := []netlink.Message{nltest.Ack(req[0]), extra(req)}
				for _, m := range req[1:] {
					out = append(out, nltest.Ack(m))
				}
				return out, nil
			}, nil)
			calls := setLinks(3)
			err := c.ExecuteAll(calls)
			if err == nil || !strings.Contains(err.Error(), "reply to no request in flight") {
				t.Fatalf("err %v", err)
			}
			if calls[0].Err != nil || calls[1].Err == nil || calls[2].Err == nil {
				t.Fatalf("calls %v %v %v", calls[0].Err, calls[1].Err, calls[2].Err)
			}
		})
	}
}

// Many requests go in as few writes as the bounds allow, in order.
func TestExecuteAllSplits(t *testing.T) {
	var sizes []int
	next := uint32(1)
	c := dial(t, func(req []netlink.Message) ([]netlink.Message, error) {
		sizes = append(sizes, len(req))
		var out []netlink.Message
		for _, m := range req {
			if index(m) != next {
				t.Errorf("request %d sent as %d", index(m), next)
			}
			next++
			out = append(out, nltest.Ack(m))
		}
		return out, nil
	}, nil)
	calls := setLinks(150)
	if err := c.ExecuteAll(calls); err != nil {
		t.Fatal(err)
	}
	// Every write but the last is full (the same bound for requests of
	// one size), none holds more than 64, and all 150 went.
	sum := 0
	for i, n := range sizes {
		sum += n
		if n > 64 || i < len(sizes)-1 && n != sizes[0] || n == 0 {
			t.Fatalf("writes of %v requests", sizes)
		}
	}
	if sum != 150 || len(sizes) != (150+sizes[0]-1)/sizes[0] || len(sizes) > 4 {
		t.Fatalf("writes of %v requests", sizes)
	}
}

// Tracing prints every request of a write, then every reply, a refusal
// as its error.
func TestExecuteAllTrace(t *testing.T) {
	var trace bytes.Buffer
	c := dial(t, func(req []netlink.Message) ([]netlink.Message, error) {
		return []netlink.Message{nltest.Ack(req[0]), nltest.Error(req[1], unix.EEXIST, "")}, nil
	}, &trace)
	if err := c.ExecuteAll(setLinks(2)); err != nil {
		t.Fatal(err)
	}
	out := trace.String()
	if strings.Count(out, "seq=1") < 2 || strings.Count(out, "seq=2") < 2 || !strings.Contains(out, "EEXIST") && !strings.Contains(out, "exists") {
		t.Fatalf("trace:\n%s", out)
	}
	if testing.Verbose() {
		t.Log(out)
	}
	if i, j := strings.Index(out, "seq=2"), strings.LastIndex(out, "seq=1"); i > j {
		t.Fatalf("both requests are not sent before the replies:\n%s", out)
	}
}

// A holding Conn keeps acknowledged requests unsent and refuses the ones
// that need replies; Replay answers the same request with its recorded
// outcome, and sends any other.
func TestHoldReplay(t *testing.T) {
	sent := 0
	c := dial(t, func(req []netlink.Message) ([]netlink.Message, error) {
		sent += len(req)
		var out []netlink.Message
		for _, m := range req {
			if m.Header.Flags&netlink.Acknowledge == 0 {
				out = append(out, nltest.Reply(m, unix.RTM_NEWLINK, m.Data))
				continue
			}
			out = append(out, nltest.Error(m, unix.EBUSY, "busy"))
		}
		return out, nil
	}, nil)
	c.Hold()
	for i := uint32(1); i <= 2; i++ {
		m := setLink(i).Msg
		if i == 2 {
			// NLM_F_EXCL shares its bit with NLM_F_MATCH: not a dump.
			m.Header.Flags |= netlink.Create | netlink.Excl
		}
		if msgs, err := c.Execute(m); err != nil || msgs != nil {
			t.Fatalf("held request: %v %v", msgs, err)
		}
	}
	if n, refused := c.Held(); n != 2 || refused {
		t.Fatalf("held %d, refused %v", n, refused)
	}
	if _, err := c.Execute(getLink(3)); !errors.Is(err, nl.ErrHeld) {
		t.Fatalf("get while holding: %v", err)
	}
	if _, err := c.Dump(dumpLinks, 0); !errors.Is(err, nl.ErrHeld) {
		t.Fatalf("dump while holding: %v", err)
	}
	if n, refused := c.Held(); n != 2 || !refused {
		t.Fatalf("held %d, refused %v", n, refused)
	}
	c.DropHeld(1)
	if n, refused := c.Held(); n != 1 || refused {
		t.Fatalf("after DropHeld: held %d, refused %v", n, refused)
	}
	calls := c.Release()
	if sent != 0 || len(calls) != 1 || index(calls[0].Msg) != 1 {
		t.Fatalf("sent %d, released %+v", sent, calls)
	}
	if err := c.ExecuteAll(calls); err != nil || !errors.Is(calls[0].Err, unix.EBUSY) || sent != 1 {
		t.Fatalf("ExecuteAll: %v, call %v, sent %d", err, calls[0].Err, sent)
	}
	// The same request again: its outcome, unsent; then live.
	err := c.Replay(calls[0], func() error {
		_, err := c.Execute(setLink(1).Msg)
		if !errors.Is(err, unix.EBUSY) || sent != 1 {
			t.Fatalf("replayed: %v, sent %d", err, sent)
		}
		_, err = c.Execute(getLink(1))
		return err
	})
	if err != nil || sent != 2 {
		t.Fatalf("after the replayed request: %v, sent %d", err, sent)
	}
	// Another first request is sent.
	_ = c.Replay(calls[0], func() error {
		c.Execute(setLink(5).Msg)
		return nil
	})
	if sent != 3 {
		t.Fatalf("a different request was not sent (%d)", sent)
	}
}

// The replies of a write are read several to a system call, each in a
// slot sized for an acknowledgement or a refusal with its request; a
// reply longer than its slot is a local failure, not a wrong answer.
func TestExecuteAllTruncatedReply(t *testing.T) {
	c := dial(t, func(req []netlink.Message) ([]netlink.Message, error) {
		return []netlink.Message{nltest.Ack(req[0]), nltest.Error(req[1], unix.EINVAL, strings.Repeat("x", 4096))}, nil
	}, nil)
	calls := setLinks(2)
	err := c.ExecuteAll(calls)
	if err == nil || !strings.Contains(err.Error(), "truncated") || calls[0].Err != nil || calls[1].Err == nil {
		t.Fatalf("err %v, calls %v %v", err, calls[0].Err, calls[1].Err)
	}
}

// Every datagram the kernel queued for a write reaches the capture tap,
// as one read each would.
func TestExecuteAllCapture(t *testing.T) {
	var tap countTap
	c, err := nl.Dial(unix.NETLINK_ROUTE, nl.Config{Capture: &tap, Kernel: func(req []netlink.Message) ([]netlink.Message, error) {
		var out []netlink.Message
		for _, m := range req {
			out = append(out, nltest.Ack(m))
		}
		return out, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.ExecuteAll(setLinks(5)); err != nil {
		t.Fatal(err)
	}
	if tap.sent != 1 || tap.received != 5 {
		t.Fatalf("tap saw %d sent and %d received datagrams, want 1 and 5", tap.sent, tap.received)
	}
}

type countTap struct{ sent, received int }

func (c *countTap) WriteNetlink(family int, sent bool, b []byte) {
	if sent {
		c.sent++
	} else {
		c.received++
	}
}

// Requests too large for two reply slots in the receive buffer have
// their replies read one at a time, a refusal carrying its request whole.
func TestExecuteAllLargeRequests(t *testing.T) {
	c := dial(t, func(req []netlink.Message) ([]netlink.Message, error) {
		var out []netlink.Message
		for _, m := range req {
			out = append(out, nltest.Error(m, unix.EINVAL, "too big"))
		}
		return out, nil
	}, nil)
	calls := setLinks(2)
	for i := range calls {
		calls[i].Msg.Data = append(calls[i].Msg.Data, make([]byte, 20000)...)
	}
	if err := c.ExecuteAll(calls); err != nil {
		t.Fatal(err)
	}
	for i, call := range calls {
		if !errors.Is(call.Err, unix.EINVAL) {
			t.Fatalf("call %d: %v", i+1, call.Err)
		}
	}
}
