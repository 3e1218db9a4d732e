package nl

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nltrace"
)

// Call is one request of ExecuteAll and, once ExecuteAll returns, its
// outcome.
type Call struct {
	// Msg is the request; ExecuteAll completes its header (length,
	// sequence number, port id) as Execute does. It must ask for an
	// acknowledgement (NLM_F_ACK) and must not be a dump.
	Msg netlink.Message
	// Replies are the request's replies other than its acknowledgement
	// (the echo of an NLM_F_ECHO request), copied.
	Replies []netlink.Message
	// Err is nil when the kernel accepted the request, the kernel's
	// refusal as Execute returns it (a *netlink.OpError), a local failure
	// that left the outcome unknown, or ErrNotSent.
	Err error
}

// ErrNotSent is the Err of a Call that ExecuteAll did not send because an
// earlier write of the same ExecuteAll failed: the kernel never saw it.
var ErrNotSent = errors.New("not sent: an earlier write failed")

// errUnknownSequence is the failure of a reply whose sequence number is
// that of no request waiting for one.
var errUnknownSequence = errors.New("reply to no request in flight")

// maxPerWrite bounds the requests of one write: the kernel handles a
// datagram's messages one after the other while the sender waits in
// sendmsg, so a write's length is also the latency of its last request.
const maxPerWrite = 64

// maxWriteBytes bounds a write's length below the default socket send
// buffer (a larger one fails with EMSGSIZE, and is then split).
const maxWriteBytes = 64 * 1024

// replyCost is a bound on the receive-buffer room the replies to request
// m take while they wait to be read (the kernel counts each queued reply
// at its skb's true size: its data rounded up, plus about 1 KiB of
// sk_buff and skb_shared_info). A refusal carries the request back with
// the extended acknowledgement; an echo is about the object's size.
func replyCost(m netlink.Message) int {
	n := 2*align(unix.NLMSG_HDRLEN+len(m.Data)) + 2048
	if m.Header.Flags&netlink.Echo != 0 {
		n += 4*align(unix.NLMSG_HDRLEN+len(m.Data)) + 4096
	}
	return n
}

// ExecuteAll sends the requests of calls, several to a write (one
// datagram of several netlink messages), and reads their replies, each
// acknowledgement, refusal and echo matched to its request by sequence
// number, whatever their order. It sends the next write once every
// request of the previous one has its acknowledgement.
//
// The kernel handles the messages of a datagram in order and goes on
// after one it refuses (netlink_rcv_skb): a request's refusal does not
// stop the ones after it in the same write. ExecuteAll puts as many
// requests in a write as their replies fit in half of the socket's
// receive buffer, since every reply is queued before the write returns
// and a full buffer drops replies (ENOBUFS); a write the socket's send
// buffer refuses as too long (EMSGSIZE, nothing handled) is split in two.
//
// The returned error is the first local failure: a write or read that
// failed, or a reply that belongs to no request in flight (its sequence
// number unknown, or a second acknowledgement). The socket is then
// drained; the requests of that write without an answer have that
// failure as Err (the kernel may have handled them), and those of later
// writes ErrNotSent. Tracing prints every request as it is written and
// every reply as it is read, as Execute does.
func (c *Conn) ExecuteAll(calls []Call) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.refuse(); err != nil {
		return err
	}
	for i := range calls {
		m := &calls[i].Msg
		if m.Header.Flags&netlink.Acknowledge == 0 || m.Header.Flags&netlink.Dump == netlink.Dump {
			return fmt.Errorf("netlink request %d of %d: ExecuteAll needs NLM_F_ACK and no dump", i+1, len(calls))
		}
		calls[i].Replies, calls[i].Err = nil, nil
		c.fix(m)
	}
	budget := c.s.recvBuffer() / 2
	for start := 0; start < len(calls); {
		end, cost, size := start, 0, 0
		for end < len(calls) && end-start < maxPerWrite {
			m := calls[end].Msg
			mc, ms := replyCost(m), align(unix.NLMSG_HDRLEN+len(m.Data))
			if end > start && (cost+mc > budget || size+ms > maxWriteBytes) {
				break
			}
			cost, size, end = cost+mc, size+ms, end+1
		}
		err := c.writeCalls(calls[start:end])
		for errors.Is(err, unix.EMSGSIZE) && end-start > 1 {
			// Refused whole before anything was handled: halve it.
			end = start + (end-start)/2
			err = c.writeCalls(calls[start:end])
		}
		if err != nil {
			end = start // nothing of this write was handled
		} else {
			err = c.readCalls(calls[start:end])
		}
		if err != nil {
			for i := end; i < len(calls); i++ {
				calls[i].Err = ErrNotSent
			}
			return err
		}
		start = end
	}
	return nil
}

// writeCalls writes the requests of calls in one datagram and traces them.
func (c *Conn) writeCalls(calls []Call) error {
	n := 0
	for _, call := range calls {
		n += unix.NLMSG_HDRLEN + align(len(call.Msg.Data))
	}
	b := make([]byte, 0, n)
	for _, call := range calls {
		b = appendMessage(b, call.Msg)
	}
	if err := c.s.write(b); err != nil {
		return &netlink.OpError{Op: "send", Err: err}
	}
	if c.trace != nil {
		for _, call := range calls {
			c.printMsg(nltrace.Sent, call.Msg)
		}
	}
	return nil
}

// readCalls reads the replies to the requests of calls, just written,
// until each has its acknowledgement.
func (c *Conn) readCalls(calls []Call) error {
	waiting := make(map[uint32]int, len(calls))
	for i, call := range calls {
		waiting[call.Msg.Header.Sequence] = i
	}
	bp := recvPool.Get().(*[]byte)
	defer recvPool.Put(bp)
	fail := func(err error) error {
		if c.trace != nil {
			c.printError(err)
		}
		c.s.drain()
		for _, i := range waiting {
			calls[i].Err = err
		}
		return err
	}
	slot := replySlot(calls)
	for len(waiting) > 0 {
		var dgrams [][]byte
		var err error
		if slot > 0 {
			dgrams, err = c.s.readMany(*bp, slot, len(waiting))
		} else {
			var b []byte
			b, err = c.s.readInto(*bp)
			dgrams = [][]byte{b}
		}
		for _, b := range dgrams {
			if err := c.readReplies(calls, waiting, b); err != nil {
				return fail(err)
			}
		}
		if err != nil {
			return fail(&netlink.OpError{Op: "receive", Err: err})
		}
	}
	return nil
}

// replySlot is the room each reply to calls needs, for readMany: an
// acknowledgement, or a refusal carrying its request back with the
// kernel's extended acknowledgement (its text, offset and the policy of
// an attribute, well under 2 KiB). It is 0, and one datagram is read at a
// time, when a request asks for its echo (whose size is the object's) or
// when two slots would not fit the receive buffer.
func replySlot(calls []Call) int {
	n := 0
	for _, call := range calls {
		if call.Msg.Header.Flags&netlink.Echo != 0 {
			return 0
		}
		n = max(n, len(call.Msg.Data))
	}
	slot := align(unix.NLMSG_HDRLEN+4+unix.NLMSG_HDRLEN+n) + 2048
	if slot > recvBufferSize/2 {
		return 0 // a large request: its replies one at a time
	}
	return slot
}

// readReplies matches the replies of datagram b to the calls waiting for
// them, by sequence number.
func (c *Conn) readReplies(calls []Call, waiting map[uint32]int, b []byte) error {
	for len(b) >= unix.NLMSG_HDRLEN {
		var r netlink.Message
		var err error
		if r, b, err = nextMessage(b); err != nil {
			return &netlink.OpError{Op: "receive", Err: err}
		}
		i, ok := waiting[r.Header.Sequence]
		if !ok {
			return &netlink.OpError{Op: "receive", Sequence: r.Header.Sequence,
				Err: fmt.Errorf("%w (sequence %d, type %d)", errUnknownSequence, r.Header.Sequence, r.Header.Type)}
		}
		if err := netlink.Validate(calls[i].Msg, []netlink.Message{r}); err != nil {
			return err
		}
		if r.Header.Type != netlink.Error {
			if c.trace != nil {
				c.printMsg(nltrace.Received, r)
			}
			r.Data = bytes.Clone(r.Data)
			calls[i].Replies = append(calls[i].Replies, r)
			continue
		}
		delete(waiting, r.Header.Sequence)
		calls[i].Err = checkMessage(r)
		if c.trace != nil {
			if calls[i].Err != nil {
				c.printError(calls[i].Err)
			} else {
				c.printMsg(nltrace.Received, r)
			}
		}
	}
	return nil
}

// recvBuffer is the socket's receive buffer size (SO_RCVBUF), read once.
func (s *sock) recvBuffer() int {
	if s.rcvbuf > 0 {
		return s.rcvbuf
	}
	s.rcvbuf = defaultRecvBuffer
	if s.fake == nil {
		_ = s.rc.Control(func(fd uintptr) {
			if n, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF); err == nil && n > 0 {
				s.rcvbuf = n
			}
		})
	}
	return s.rcvbuf
}

// defaultRecvBuffer is the receive buffer of a fake kernel's socket, and
// of one whose size cannot be read: net.core.rmem_default's default.
const defaultRecvBuffer = 212992

// ErrHeld is the error of a request a holding Conn (see Hold) does not
// keep: one that needs its replies (a get, a dump, an echo) or a batch.
// Nothing was sent.
var ErrHeld = errors.New("request needs its replies: not held")

// held is what a Conn keeps between Hold and Release.
type held struct {
	msgs    []netlink.Message
	refused bool
}

// replayed is the outcome a Conn gives the next request instead of
// sending it, when that request is msg (see Replay).
type replayed struct {
	msg     netlink.Message
	replies []netlink.Message
	err     error
}

// Hold makes c keep the requests it is given instead of sending them,
// until Release: a request that asks for an acknowledgement and for no
// other reply (NLM_F_ACK, neither NLM_F_ECHO nor a dump) is kept, and
// Execute returns no replies and no error for it, as if the kernel had
// accepted it; any other request (Execute, Dump, DumpFunc, SendBatch) is
// not sent and fails with ErrHeld, and Held says so. Nothing reaches the
// kernel while c holds. A holding Conn is for one goroutine: the one
// that called Hold.
func (c *Conn) Hold() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.held = &held{}
}

// Held returns how many requests c keeps, and whether c refused one since
// Hold or the last DropHeld.
func (c *Conn) Held() (n int, refused bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held == nil {
		return 0, false
	}
	return len(c.held.msgs), c.held.refused
}

// DropHeld forgets the requests kept after the first n, and that one was
// refused.
func (c *Conn) DropHeld(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held != nil && n >= 0 && n <= len(c.held.msgs) {
		c.held.msgs = c.held.msgs[:n]
		c.held.refused = false
	}
}

// Release stops holding and returns the requests kept, in the order they
// were given, as Calls for ExecuteAll.
func (c *Conn) Release() []Call {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held == nil {
		return nil
	}
	calls := make([]Call, len(c.held.msgs))
	for i, m := range c.held.msgs {
		calls[i].Msg = m
	}
	c.held = nil
	return calls
}

// keep is Execute while c holds (c.mu held).
func (c *Conn) keep(m netlink.Message) error {
	f := m.Header.Flags
	// NLM_F_DUMP is two bits that a change request uses for other
	// things (NLM_F_EXCL is NLM_F_MATCH): a dump has both.
	if f&netlink.Acknowledge == 0 || f&netlink.Echo != 0 || f&netlink.Dump == netlink.Dump {
		c.held.refused = true
		return ErrHeld
	}
	m.Data = bytes.Clone(m.Data)
	c.held.msgs = append(c.held.msgs, m)
	return nil
}

// refuse is what a request other than Execute's does while c holds or
// replays (c.mu held): it fails while c holds; it ends a replay.
func (c *Conn) refuse() error {
	c.replay = nil
	if c.held != nil {
		c.held.refused = true
		return ErrHeld
	}
	return nil
}

// Replay runs fn with c answering fn's first request with call's
// outcome, without sending it, when that request is call.Msg again (the
// same type, flags and payload): Execute returns call.Replies and
// call.Err as it returned them when call was sent with ExecuteAll. Any
// other first request, and every later one, is sent as usual. So a
// caller that sent the requests of several operations with ExecuteAll
// runs each refused operation's own code again to have its error worded,
// and retried, as that code does. It returns fn's error.
func (c *Conn) Replay(call Call, fn func() error) error {
	c.mu.Lock()
	c.replay = &replayed{msg: call.Msg, replies: call.Replies, err: call.Err}
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.replay = nil
		c.mu.Unlock()
	}()
	return fn()
}

// replayFor returns the replayed outcome of m and true when c replays m,
// and ends the replay either way (c.mu held).
func (c *Conn) replayFor(m netlink.Message) ([]netlink.Message, error, bool) {
	r := c.replay
	c.replay = nil
	if r == nil || r.msg.Header.Type != m.Header.Type || r.msg.Header.Flags != m.Header.Flags || !bytes.Equal(r.msg.Data, m.Data) {
		return nil, nil, false
	}
	return r.replies, r.err, true
}
