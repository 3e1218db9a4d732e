package nl_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nl"
	"github.com/nsnet/nsnet/nltest"
)

// These tests run nl.Conn against a fake kernel (Config.Kernel): the
// request and reply code is the real one, only the socket is not.

func dial(t *testing.T, fn nltest.Func, trace *bytes.Buffer) *nl.Conn {
	t.Helper()
	cfg := nl.Config{Kernel: nl.Kernel(fn), TraceNS: "fake"}
	if trace != nil {
		cfg.Trace = trace
	}
	c, err := nl.Dial(unix.NETLINK_ROUTE, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func getLink(index uint32) netlink.Message {
	b := make([]byte, unix.SizeofIfInfomsg)
	binary.NativeEndian.PutUint32(b[4:], index)
	return netlink.Message{Header: netlink.Header{Type: unix.RTM_GETLINK, Flags: netlink.Request}, Data: b}
}

var dumpLinks = netlink.Message{
	Header: netlink.Header{Type: unix.RTM_GETLINK, Flags: netlink.Request | netlink.Dump},
	Data:   make([]byte, unix.SizeofIfInfomsg),
}

// link is a reply part: an RTM_NEWLINK whose payload is its index.
func link(i byte) netlink.Message {
	return netlink.Message{Header: netlink.Header{Type: unix.RTM_NEWLINK}, Data: []byte{0, 0, 0, 0, i, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}}
}

// The kernel gets the request with its header filled in (length,
// sequence numbers from 1, the fake port id) and its reply comes back.
func TestFakeExecute(t *testing.T) {
	var got []netlink.Message
	c := dial(t, func(req []netlink.Message) ([]netlink.Message, error) {
		got = append(got, req...)
		return []netlink.Message{nltest.Reply(req[0], unix.RTM_NEWLINK, req[0].Data)}, nil
	}, nil)
	for seq := uint32(1); seq <= 2; seq++ {
		msgs, err := c.Execute(getLink(7))
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 1 || msgs[0].Header.Type != unix.RTM_NEWLINK || msgs[0].Data[4] != 7 {
			t.Fatalf("replies %+v", msgs)
		}
		h := got[seq-1].Header
		if h.Length != 32 || h.Sequence != seq || h.PID != nltest.PID || h.Flags != netlink.Request {
			t.Fatalf("request %d header %+v", seq, h)
		}
	}
}

// An error reply with an extended ACK becomes an *netlink.OpError with
// the errno, the kernel's text, the offset and the sequence number, and
// Wrap names them all.
func TestFakeExtendedAck(t *testing.T) {
	c := dial(t, func(req []netlink.Message) ([]netlink.Message, error) {
		return []netlink.Message{nltest.ErrorAt(req[0], unix.EEXIST, "Link already exists", 20)}, nil
	}, nil)
	_, err := c.Execute(getLink(7))
	var oe *netlink.OpError
	if !errors.As(err, &oe) || !errors.Is(err, unix.EEXIST) || oe.Message != "Link already exists" || oe.Offset != 20 || oe.Sequence != 1 {
		t.Fatalf("got %#v", err)
	}
	werr := nl.Wrap("add link", "veth0", err)
	var ne *nl.Error
	if !errors.As(werr, &ne) || !ne.Kernel() || !errors.Is(werr, os.ErrExist) || errors.Is(werr, os.ErrNotExist) {
		t.Fatalf("wrapped: %v", werr)
	}
	if want := "add link veth0: file exists (kernel: Link already exists)"; werr.Error() != want {
		t.Fatalf("got %q, want %q", werr.Error(), want)
	}
	if errno, ok := ne.Errno(); !ok || errno != unix.EEXIST {
		t.Fatalf("Errno: %v %v", errno, ok)
	}
}

// A dump of five links arrives in three datagrams; Dump collects them
// and DumpFunc hands them on one by one.
func TestFakeDumpAcrossDatagrams(t *testing.T) {
	calls := 0
	c := dial(t, func(req []netlink.Message) ([]netlink.Message, error) {
		calls++
		return nltest.Dump(req[0], link(1), link(2), link(3), link(4), link(5)), nil
	}, nil)
	msgs, err := c.Dump(dumpLinks, 0)
	if err != nil || len(msgs) != 5 {
		t.Fatalf("Dump: %d messages, %v", len(msgs), err)
	}
	for i, m := range msgs {
		if m.Data[4] != byte(i+1) || m.Header.Flags&netlink.Multi == 0 {
			t.Fatalf("message %d: %+v", i, m)
		}
	}
	var seen []byte
	if err := c.DumpFunc(dumpLinks, func(m netlink.Message) error { seen = append(seen, m.Data[4]); return nil }); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(seen, []byte{1, 2, 3, 4, 5}) || calls != 2 {
		t.Fatalf("DumpFunc saw %v in %d calls", seen, calls)
	}
}

// NLM_F_DUMP_INTR: Dump starts again up to its retries, then returns the
// last result with ErrDumpInterrupted; DumpFunc says so at the end.
func TestFakeDumpInterrupted(t *testing.T) {
	intr := 0 // how many more dumps are interrupted
	calls := 0
	c := dial(t, func(req []netlink.Message) ([]netlink.Message, error) {
		calls++
		msgs := nltest.Dump(req[0], link(1), link(2), link(3))
		if intr > 0 {
			intr--
			msgs[1].Header.Flags |= netlink.DumpInterrupted
		}
		return msgs, nil
	}, nil)

	intr = 2
	msgs, err := c.Dump(dumpLinks, 5)
	if err != nil || len(msgs) != 3 || calls != 3 {
		t.Fatalf("Dump after 2 interruptions: %d messages, %v, %d calls", len(msgs), err, calls)
	}

	intr, calls = 10, 0
	msgs, err = c.Dump(dumpLinks, 2)
	if !errors.Is(err, nl.ErrDumpInterrupted) || len(msgs) != 3 || calls != 3 {
		t.Fatalf("Dump always interrupted: %d messages, %v, %d calls", len(msgs), err, calls)
	}

	intr = 1
	n := 0
	err = c.DumpFunc(dumpLinks, func(netlink.Message) error { n++; return nil })
	if !errors.Is(err, nl.ErrDumpInterrupted) || n != 3 {
		t.Fatalf("DumpFunc: %v after %d messages", err, n)
	}
	// And the connection goes on.
	if err := c.DumpFunc(dumpLinks, func(netlink.Message) error { return nil }); err != nil {
		t.Fatal(err)
	}
}

// The kernel may flag only the NLMSG_DONE (the change came after the
// last part was filled): that dump is interrupted too.
func TestFakeDumpInterruptedAtDone(t *testing.T) {
	intr := 0
	c := dial(t, func(req []netlink.Message) ([]netlink.Message, error) {
		msgs := nltest.Dump(req[0], link(1), link(2), link(3))
		if intr > 0 {
			intr--
			msgs[len(msgs)-1].Header.Flags |= netlink.DumpInterrupted
		}
		return msgs, nil
	}, nil)
	intr = 1
	msgs, err := c.Execute(dumpLinks)
	if !errors.Is(err, nl.ErrDumpInterrupted) || len(msgs) != 3 {
		t.Fatalf("Execute: %d messages, %v", len(msgs), err)
	}
	intr = 1
	if msgs, err := c.Dump(dumpLinks, 1); err != nil || len(msgs) != 3 || intr != 0 {
		t.Fatalf("Dump: %d messages, %v", len(msgs), err)
	}
	intr = 1
	if err := c.DumpFunc(dumpLinks, func(netlink.Message) error { return nil }); !errors.Is(err, nl.ErrDumpInterrupted) {
		t.Fatalf("DumpFunc: %v", err)
	}
}

// A dump the kernel ends with an error in its NLMSG_DONE (EINTR here)
// fails with that errno, for Dump and DumpFunc alike.
func TestFakeDumpFailsInDone(t *testing.T) {
	c := dial(t, func(req []netlink.Message) ([]netlink.Message, error) {
		msgs := nltest.Dump(req[0], link(1), link(2))
		msgs[len(msgs)-1] = nltest.DumpDone(req[0], unix.EINTR)
		return msgs, nil
	}, nil)
	if _, err := c.Dump(dumpLinks, 3); !errors.Is(err, unix.EINTR) {
		t.Fatalf("Dump: %v", err)
	}
	n := 0
	if err := c.DumpFunc(dumpLinks, func(netlink.Message) error { n++; return nil }); !errors.Is(err, unix.EINTR) || n != 2 {
		t.Fatalf("DumpFunc: %v after %d", err, n)
	}
}

// When fn fails, DumpFunc reads the rest of the dump, and the next
// request gets its own replies.
func TestFakeDumpFuncStops(t *testing.T) {
	c := dial(t, func(req []netlink.Message) ([]netlink.Message, error) {
		if req[0].Header.Flags&netlink.Dump == 0 {
			return []netlink.Message{nltest.Reply(req[0], unix.RTM_NEWLINK, req[0].Data)}, nil
		}
		return nltest.Dump(req[0], link(1), link(2), link(3), link(4), link(5)), nil
	}, nil)
	stop := errors.New("stop")
	calls := 0
	if err := c.DumpFunc(dumpLinks, func(netlink.Message) error { calls++; return stop }); !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("got %v after %d calls", err, calls)
	}
	msgs, err := c.Execute(getLink(9))
	if err != nil || len(msgs) != 1 || msgs[0].Data[4] != 9 {
		t.Fatalf("Execute after a stopped dump: %+v, %v", msgs, err)
	}
}

// A reply with another request's sequence number is refused
// (netlink.Validate), in Execute and in DumpFunc.
func TestFakeWrongSequence(t *testing.T) {
	c := dial(t, func(req []netlink.Message) ([]netlink.Message, error) {
		m := nltest.Reply(req[0], unix.RTM_NEWLINK, make([]byte, 16))
		m.Header.Sequence += 100
		if req[0].Header.Flags&netlink.Dump != 0 {
			return nltest.Dump(req[0], m), nil
		}
		return []netlink.Message{m}, nil
	}, nil)
	if _, err := c.Execute(getLink(1)); err == nil || !strings.Contains(err.Error(), "sequence") {
		t.Fatalf("Execute: %v", err)
	}
	// Dump fixes the sequence numbers: make the part wrong after it.
	c2 := dial(t, func(req []netlink.Message) ([]netlink.Message, error) {
		msgs := nltest.Dump(req[0], link(1))
		msgs[0].Header.Sequence++
		return msgs, nil
	}, nil)
	n := 0
	if err := c2.DumpFunc(dumpLinks, func(netlink.Message) error { n++; return nil }); err == nil || n != 0 {
		t.Fatalf("DumpFunc: %v, fn called %d times", err, n)
	}
}

// A batch: every message asking for an ACK gets one; echoes are returned.
func TestFakeBatch(t *testing.T) {
	var seqs []uint32
	c := dial(t, func(req []netlink.Message) ([]netlink.Message, error) {
		var out []netlink.Message
		for _, m := range req {
			seqs = append(seqs, m.Header.Sequence)
			if m.Header.Flags&netlink.Echo != 0 {
				out = append(out, nltest.Reply(m, m.Header.Type, m.Data))
			}
			if m.Header.Flags&netlink.Acknowledge != 0 {
				out = append(out, nltest.Ack(m))
			}
		}
		return out, nil
	}, nil)
	msgs := batch(4)
	msgs[2].Header.Flags |= netlink.Echo
	msgs[0].Header.Flags &^= netlink.Acknowledge
	echoes, idx, err := c.SendBatch(msgs)
	if err != nil || idx != -1 || len(echoes) != 1 || echoes[0].Data[4] != 2 {
		t.Fatalf("echoes %+v, idx %d, err %v", echoes, idx, err)
	}
	if len(seqs) != 4 || seqs[0] != 1 || seqs[3] != 4 {
		t.Fatalf("sequence numbers %v", seqs)
	}
}

func batch(n int) []netlink.Message {
	msgs := make([]netlink.Message, n)
	for i := range msgs {
		msgs[i] = link(byte(i))
		msgs[i].Header.Flags = netlink.Request | netlink.Acknowledge
	}
	return msgs
}

// A refusal in the middle of a batch is attributed by its sequence number
// to the message it belongs to; what was queued after it is dropped, so
// the next request gets its own reply.
func TestFakeBatchRefusedInTheMiddle(t *testing.T) {
	c := dial(t, func(req []netlink.Message) ([]netlink.Message, error) {
		if len(req) == 1 {
			return []netlink.Message{nltest.Ack(req[0])}, nil
		}
		var out []netlink.Message
		for i, m := range req {
			if i == 2 {
				out = append(out, nltest.Error(m, unix.EINVAL, "bad attribute"))
				continue
			}
			out = append(out, nltest.Ack(m))
		}
		return out, nil
	}, nil)
	_, idx, err := c.SendBatch(batch(5))
	var oe *netlink.OpError
	if idx != 2 || !errors.As(err, &oe) || !errors.Is(err, unix.EINVAL) || oe.Message != "bad attribute" {
		t.Fatalf("idx %d, err %v", idx, err)
	}
	msgs, err := c.Execute(netlink.Message{Header: netlink.Header{Type: unix.RTM_NEWLINK, Flags: netlink.Request | netlink.Acknowledge}, Data: make([]byte, 16)})
	if err != nil || len(msgs) != 1 || msgs[0].Header.Type != netlink.Error || msgs[0].Header.Sequence != 6 {
		t.Fatalf("after the refused batch: %+v, %v", msgs, err)
	}
}

// ENOBUFS (the kernel dropped replies) is a receive error that names no
// message; the batch fails with it.
func TestFakeBatchENOBUFS(t *testing.T) {
	c := dial(t, func(req []netlink.Message) ([]netlink.Message, error) {
		return []netlink.Message{nltest.Ack(req[0])}, unix.ENOBUFS
	}, nil)
	_, idx, err := c.SendBatch(batch(3))
	var oe *netlink.OpError
	var se *os.SyscallError
	if idx != -1 || !errors.Is(err, unix.ENOBUFS) || !errors.As(err, &oe) || oe.Op != "receive" || !errors.As(err, &se) {
		t.Fatalf("idx %d, err %#v", idx, err)
	}
	if ne := nl.Wrap("add", "x", err).(*nl.Error); ne.Kernel() {
		t.Fatal("ENOBUFS taken for a kernel refusal")
	}
}

// The errors of the socket itself: a read where the kernel sent nothing,
// a datagram larger than the buffer, an error in a dump, a closed Conn.
func TestFakeSocketErrors(t *testing.T) {
	c := dial(t, func(req []netlink.Message) ([]netlink.Message, error) { return nil, nil }, nil)
	if _, err := c.Execute(getLink(1)); !errors.Is(err, nl.ErrNoReply) {
		t.Fatalf("no reply: %v", err)
	}
	if err := c.DumpFunc(dumpLinks, func(netlink.Message) error { return nil }); !errors.Is(err, nl.ErrNoReply) {
		t.Fatalf("no reply to a dump: %v", err)
	}

	big := dial(t, func(req []netlink.Message) ([]netlink.Message, error) {
		return []netlink.Message{nltest.Reply(req[0], unix.RTM_NEWLINK, make([]byte, 40000))}, nil
	}, nil)
	if _, err := big.Execute(getLink(1)); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("truncated: %v", err)
	}
	if err := big.DumpFunc(dumpLinks, func(netlink.Message) error { return nil }); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("truncated dump: %v", err)
	}

	short := dial(t, func(req []netlink.Message) ([]netlink.Message, error) {
		return []netlink.Message{nltest.Reply(req[0], netlink.Error, []byte{1, 2})}, nil
	}, nil)
	if _, err := short.Execute(getLink(1)); err == nil || !strings.Contains(err.Error(), "short netlink error") {
		t.Fatalf("short error: %v", err)
	}
	if err := short.DumpFunc(dumpLinks, func(netlink.Message) error { return nil }); err == nil || !strings.Contains(err.Error(), "short netlink error") {
		t.Fatalf("short error in a dump: %v", err)
	}

	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Execute(getLink(1)); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
	if _, _, err := c.SendBatch(batch(2)); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("batch after Close: %v", err)
	}
}

// Tracing prints what was sent, what came back, and the kernel's error.
func TestFakeTrace(t *testing.T) {
	var trace bytes.Buffer
	c := dial(t, func(req []netlink.Message) ([]netlink.Message, error) {
		if req[0].Header.Flags&netlink.Dump != 0 {
			return nltest.Dump(req[0], link(1)), nil
		}
		return []netlink.Message{nltest.Error(req[0], unix.ENODEV, "no such device")}, nil
	}, &trace)
	if _, err := c.Execute(getLink(1)); !errors.Is(err, unix.ENODEV) {
		t.Fatal(err)
	}
	if err := c.DumpFunc(dumpLinks, func(netlink.Message) error { return nil }); err != nil {
		t.Fatal(err)
	}
	out := trace.String()
	for _, want := range []string{"ENODEV", "no such device", "fake"} {
		if !strings.Contains(out, want) {
			t.Errorf("trace lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "\n"); n < 4 {
		t.Errorf("trace has %d lines, want one per message sent and received at least:\n%s", n, out)
	}
}
