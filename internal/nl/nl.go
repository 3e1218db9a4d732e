// Package nl is the netlink transport shared by rtnl and nat: a connection
// over github.com/mdlayher/netlink with strict checking, tracing of every
// message sent and received, detection of interrupted dumps, and errors
// that name the operation and the object.
package nl

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nlattr"
	"github.com/nsnet/nsnet/internal/nltrace"
)

// Config opens a connection.
type Config struct {
	// NetNS is a file descriptor of the network namespace to open the socket
	// in; 0 means the namespace of the calling thread. The socket stays in
	// that namespace for its whole life; the caller's thread is never moved.
	NetNS int
	// Trace, when not nil, receives every message sent and received,
	// decoded with Schema.
	Trace    io.Writer
	TraceHex bool
	// TraceNS is printed on each traced message to say which namespace the
	// connection lives in ("" for none).
	TraceNS string
	Schema  *nltrace.Schema
	// Capture, when not nil, receives every datagram the socket sends
	// and receives, byte for byte (nsnet's --trace-pcap).
	Capture Tap
	// Kernel, when not nil, stands for the kernel, for unit tests: Dial
	// opens no socket (NetNS is not used), the Conn's port id is
	// FakePID, its sequence numbers start at 1, and everything it sends
	// goes to Kernel, whose replies it reads (see Kernel); Trace and
	// Capture see them as they would a socket's.
	Kernel Kernel
}

// Tap receives the datagrams of a netlink socket: family is the socket's
// protocol (unix.NETLINK_ROUTE, ...), sent says whether the datagram went
// to the kernel, and b is valid only during the call. WriteNetlink must be
// safe for concurrent use: connections in several namespaces share one.
// It is an alias of an unnamed interface, so that packages above nl can
// declare the same type without importing nl.
type Tap = interface {
	WriteNetlink(family int, sent bool, b []byte)
}

// recvBufferSize is the largest datagram the kernel sends on a netlink
// socket (netlink_recvmsg caps dump buffers at 32 KiB), rounded up.
const recvBufferSize = 32 * 1024

// Conn is a netlink connection. It is safe for concurrent use: requests
// are serialized, each one waiting for all of its replies.
//
// Conn speaks the request/reply protocol itself over a plain socket (see
// sock), with github.com/mdlayher/netlink's Message, OpError and Validate;
// opening one costs a socket and nothing else (netlink.Conn would also seed
// a math/rand source per connection, and a batch opens one per namespace).
type Conn struct {
	s     *sock
	pid   uint32        // the port id the kernel bound the socket to
	seq   atomic.Uint32 // the last sequence number used
	mu    sync.Mutex    // held for a request and its replies
	trace *nltrace.Printer
	// held, when not nil, keeps the requests given instead of sending
	// them (Hold); replay answers the next request (Replay).
	held   *held
	replay *replayed
}

// Dial opens a netlink socket of the given family (unix.NETLINK_ROUTE, ...)
// with extended acknowledgements and strict checking on.
func Dial(family int, cfg Config) (*Conn, error) {
	var nc *Conn
	if cfg.Kernel != nil {
		nc = &Conn{s: &sock{fake: &fakeKernel{fn: cfg.Kernel}, family: family, tap: cfg.Capture}, pid: FakePID}
	} else {
		name := cfg.TraceNS
		if name == "" {
			name = "fd " + strconv.Itoa(cfg.NetNS)
		}
		s, pid, err := dialSock(family, cfg.NetNS, name)
		if err != nil {
			return nil, fmt.Errorf("open netlink socket: %w", err)
		}
		s.family, s.tap = family, cfg.Capture
		nc = &Conn{s: s, pid: pid}
		nc.seq.Store(rand.Uint32())
	}
	if cfg.Trace != nil {
		nc.trace = nltrace.New(cfg.Trace, cfg.Schema, cfg.TraceHex)
		nc.trace.NS = cfg.TraceNS
	}
	return nc, nil
}

// Close closes the socket. A request waiting for its replies fails.
func (c *Conn) Close() error {
	if err := c.s.Close(); err != nil {
		return &netlink.OpError{Op: "close", Err: err}
	}
	return nil
}

// ErrDumpInterrupted means the kernel's object list changed while a dump
// was running (NLM_F_DUMP_INTR), so the result may be inconsistent.
var ErrDumpInterrupted = errors.New("dump interrupted by a concurrent change")

const flagDumpIntr = 0x10

// fix fills in what the caller may leave zero in a request's header: the
// length, a sequence number and the port id.
func (c *Conn) fix(m *netlink.Message) {
	if m.Header.Length == 0 {
		m.Header.Length = uint32(align(unix.NLMSG_HDRLEN + len(m.Data)))
	}
	if m.Header.Sequence == 0 {
		m.Header.Sequence = c.seq.Add(1)
	}
	if m.Header.PID == 0 {
		m.Header.PID = c.pid
	}
}

// Execute sends one request and returns its replies. An error reply from
// the kernel becomes an error (a *netlink.OpError, with the extended-ACK
// text); replies flagged NLM_F_DUMP_INTR are returned with
// ErrDumpInterrupted.
func (c *Conn) Execute(m netlink.Message) ([]netlink.Message, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held != nil {
		return nil, c.keep(m)
	}
	if c.replay != nil {
		if replies, err, ok := c.replayFor(m); ok {
			return replies, err
		}
	}
	c.fix(&m)
	if err := c.s.Send(m); err != nil {
		return nil, &netlink.OpError{Op: "send", Err: err}
	}
	if c.trace != nil {
		c.printMsg(nltrace.Sent, m)
	}
	msgs, err := c.receive()
	// With NLM_F_ECHO and NLM_F_ACK, the echo of what the request made
	// comes in a datagram of its own before the acknowledgement: read on
	// until the acknowledgement of this request's sequence number.
	const ackEcho = netlink.Echo | netlink.Acknowledge
	for err == nil && m.Header.Flags&ackEcho == ackEcho && !acked(msgs, m.Header.Sequence) {
		var more []netlink.Message
		more, err = c.receive()
		msgs = append(msgs, more...)
	}
	if err != nil && err != ErrDumpInterrupted {
		return nil, err
	}
	if verr := netlink.Validate(m, msgs); verr != nil {
		return nil, verr
	}
	if err != nil {
		return msgs, err
	}
	return msgs, checkIntr(msgs)
}

// acked reports whether msgs hold the acknowledgement of request seq.
func acked(msgs []netlink.Message, seq uint32) bool {
	for _, r := range msgs {
		if r.Header.Type == netlink.Error && r.Header.Sequence == seq {
			return true
		}
	}
	return false
}

// Dump runs a dump request, retrying up to retries times when the kernel
// says it was interrupted; after that it returns the last, possibly
// inconsistent, result with ErrDumpInterrupted.
func (c *Conn) Dump(m netlink.Message, retries int) ([]netlink.Message, error) {
	for i := 0; ; i++ {
		msgs, err := c.Execute(m)
		if errors.Is(err, ErrDumpInterrupted) && i < retries {
			continue
		}
		return msgs, err
	}
}

// DumpFunc runs the dump request m and calls fn with each reply as it is
// read, instead of collecting them: the datagrams are read into one
// reused buffer, so m.Data is valid only during the call, and a decoder
// must copy what it keeps. fn must not use c.
//
// Errors are Execute's: an error reply from the kernel ends the dump as a
// *netlink.OpError (fn has then seen the replies before it). When fn, or
// the check that a reply belongs to the request, fails, the rest of the
// dump is read and dropped, so that c stays usable, and that error is
// returned. When the kernel flagged any reply NLM_F_DUMP_INTR, DumpFunc
// returns ErrDumpInterrupted at the end: what fn saw may be inconsistent,
// and the caller should discard it and start again. Tracing prints each
// reply as it arrives.
func (c *Conn) DumpFunc(m netlink.Message, fn func(netlink.Message) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.refuse(); err != nil {
		return err
	}
	c.fix(&m)
	if err := c.s.Send(m); err != nil {
		return &netlink.OpError{Op: "send", Err: err}
	}
	if c.trace != nil {
		c.printMsg(nltrace.Sent, m)
	}
	bp := recvPool.Get().(*[]byte)
	defer recvPool.Put(bp)
	var (
		ferr error // from fn or validation: the rest is read, not handed on
		intr bool
	)
	for {
		b, err := c.s.readInto(*bp)
		if err != nil {
			err = &netlink.OpError{Op: "receive", Err: err}
			c.traceError(err)
			return err
		}
		more := false
		for len(b) >= unix.NLMSG_HDRLEN {
			var r netlink.Message
			if r, b, err = nextMessage(b); err != nil {
				err = &netlink.OpError{Op: "receive", Err: err}
				c.traceError(err)
				return err
			}
			if err := checkMessage(r); err != nil {
				c.traceError(err)
				return err
			}
			if r.Header.Flags&flagDumpIntr != 0 {
				intr = true
			}
			if r.Header.Type == netlink.Done && r.Header.Flags&netlink.Multi != 0 {
				return dumpResult(ferr, intr)
			}
			if r.Header.Flags&netlink.Multi != 0 {
				more = true
			}
			if c.trace != nil {
				c.printMsg(nltrace.Received, r)
			}
			if ferr == nil {
				ferr = netlink.Validate(m, []netlink.Message{r})
			}
			if ferr == nil {
				ferr = fn(r)
			}
		}
		if !more {
			// A reply that is not multi-part: the dump is this datagram.
			return dumpResult(ferr, intr)
		}
	}
}

// dumpResult is what a dump that read to its end returns: the error that
// stopped handing replies on, else ErrDumpInterrupted if a reply said so.
func dumpResult(ferr error, intr bool) error {
	if ferr == nil && intr {
		return ErrDumpInterrupted
	}
	return ferr
}

// traceError prints err when tracing is on.
func (c *Conn) traceError(err error) {
	if c.trace != nil {
		c.printError(err)
	}
}

func checkIntr(msgs []netlink.Message) error {
	for _, m := range msgs {
		if m.Header.Flags&flagDumpIntr != 0 {
			return ErrDumpInterrupted
		}
	}
	return nil
}

// receive reads the replies to one request and traces them (an error
// reply as the error alone).
func (c *Conn) receive() ([]netlink.Message, error) {
	msgs, err := c.receiveReplies()
	if c.trace != nil {
		for _, r := range msgs {
			c.printMsg(nltrace.Received, r)
		}
		if err != nil {
			c.printError(err)
		}
	}
	return msgs, err
}

// receiveReplies reads the replies to one request: one datagram, or, for a
// multi-part reply, datagrams up to the NLMSG_DONE (which is not
// returned; when it is flagged NLM_F_DUMP_INTR, as the kernel flags it
// when the change happened after the last part, the replies come with
// ErrDumpInterrupted). The first error reply ends it as an error.
func (c *Conn) receiveReplies() ([]netlink.Message, error) {
	var msgs []netlink.Message
	for {
		more := false
		b, err := c.s.read()
		if err != nil {
			return nil, &netlink.OpError{Op: "receive", Err: err}
		}
		for len(b) >= unix.NLMSG_HDRLEN {
			var m netlink.Message
			if m, b, err = nextMessage(b); err != nil {
				return nil, &netlink.OpError{Op: "receive", Err: err}
			}
			if err := checkMessage(m); err != nil {
				return nil, err
			}
			if m.Header.Type == netlink.Done && m.Header.Flags&netlink.Multi != 0 {
				if m.Header.Flags&flagDumpIntr != 0 {
					return msgs, ErrDumpInterrupted
				}
				return msgs, nil
			}
			if m.Header.Flags&netlink.Multi != 0 {
				more = true
			}
			msgs = append(msgs, m)
		}
		if !more {
			return msgs, nil
		}
	}
}

// checkMessage returns the error an NLMSG_ERROR (or an NLMSG_DONE that
// ends a dump) carries, as a *netlink.OpError with the extended-ACK
// message and offset, or nil.
func checkMessage(m netlink.Message) error {
	const errnoLen = 4
	var hasHeader bool
	switch {
	case m.Header.Type == netlink.Error:
		hasHeader = true // errno, then the request's header (and payload)
	case m.Header.Type == netlink.Done && m.Header.Flags&netlink.Multi != 0:
		if len(m.Data) == 0 {
			return nil
		}
	default:
		return nil
	}
	if len(m.Data) < errnoLen {
		return &netlink.OpError{Op: "receive", Err: errShortError}
	}
	code := int32(binary.NativeEndian.Uint32(m.Data))
	if code == 0 {
		return nil
	}
	oerr := &netlink.OpError{Op: "receive", Err: syscall.Errno(-code), Sequence: m.Header.Sequence}
	if m.Header.Flags&netlink.AcknowledgeTLVs == 0 {
		return oerr
	}
	off := errnoLen
	if hasHeader {
		if len(m.Data) < errnoLen+unix.NLMSG_HDRLEN {
			return &netlink.OpError{Op: "receive", Err: errShortError}
		}
		if m.Header.Flags&netlink.Capped != 0 {
			// Only the request's header was sent back.
			off += unix.NLMSG_HDRLEN
		} else {
			off += int(binary.NativeEndian.Uint32(m.Data[errnoLen:]))
		}
		if off > len(m.Data) {
			return &netlink.OpError{Op: "receive", Err: errShortError}
		}
	}
	ad := nlattr.NewReader(m.Data[off:], binary.NativeEndian)
	for ad.Next() {
		switch ad.Type {
		case unix.NLMSGERR_ATTR_MSG:
			oerr.Message = ad.String()
		case unix.NLMSGERR_ATTR_OFFS:
			oerr.Offset = int(ad.Uint32())
		}
	}
	// Malformed TLVs: keep what was decoded.
	return oerr
}

var errShortError = errors.New("short netlink error message")

func (c *Conn) printError(err error) {
	var oe *netlink.OpError
	if errors.As(err, &oe) && oe.Op == "receive" {
		var errno syscall.Errno
		if errors.As(oe.Err, &errno) {
			c.trace.PrintError(oe.Sequence, int(errno), errno.Error(), oe.Message, oe.Offset)
		}
	}
}

func (c *Conn) printMsg(d nltrace.Direction, m netlink.Message) {
	c.trace.Print(d, nltrace.Header{
		Len: m.Header.Length, Type: uint16(m.Header.Type), Flags: uint16(m.Header.Flags),
		Seq: m.Header.Sequence, PID: m.Header.PID,
	}, m.Data)
}

// SendBatch sends msgs in one sendmsg call and reads replies until every
// message that asked for an acknowledgement has one, or one of them fails.
// It returns the replies that were not acknowledgements (echoes). The
// error, if any, is the first one the kernel reported, with the index of
// the message it belongs to.
func (c *Conn) SendBatch(msgs []netlink.Message) ([]netlink.Message, int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.refuse(); err != nil {
		return nil, -1, err
	}
	sent := msgs
	for i := range sent {
		c.fix(&sent[i])
	}
	if err := c.s.SendMessages(sent); err != nil {
		return nil, -1, &netlink.OpError{Op: "send-messages", Err: err}
	}
	if c.trace != nil {
		for _, m := range sent {
			c.printMsg(nltrace.Sent, m)
		}
	}
	want := map[uint32]int{}
	for i, m := range sent {
		if m.Header.Flags&netlink.Acknowledge != 0 {
			want[m.Header.Sequence] = i
		}
	}
	var out []netlink.Message
	for len(want) > 0 {
		replies, err := c.receive()
		if err != nil {
			idx := -1
			var oe *netlink.OpError
			if errors.As(err, &oe) {
				for i, m := range sent {
					if m.Header.Sequence == oe.Sequence {
						idx = i
					}
				}
			}
			// Drain what is already queued so the socket stays usable.
			c.s.drain()
			return out, idx, err
		}
		for _, r := range replies {
			if r.Header.Type == netlink.Error {
				delete(want, r.Header.Sequence)
				continue
			}
			out = append(out, r)
		}
	}
	return out, -1, nil
}

// Error is an error from a netlink request. It names the operation and the
// object ("add link veth0: file exists"), keeps the kernel's extended-ACK
// text, and answers errors.Is for os.ErrExist (EEXIST), os.ErrNotExist
// (ENOENT, ENODEV, ESRCH, EADDRNOTAVAIL) and os.ErrPermission (EPERM, EACCES).
type Error struct {
	Op     string // "add link"
	Object string // "veth0"; may be empty
	Err    error  // the underlying error, often a *netlink.OpError
}

// Wrap returns err wrapped as an *Error, or nil when err is nil.
func Wrap(op, object string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Op: op, Object: object, Err: err}
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.Object != "" {
		b.WriteString(" ")
		b.WriteString(e.Object)
	}
	b.WriteString(": ")
	var oe *netlink.OpError
	if errors.As(e.Err, &oe) {
		b.WriteString(unwrapOp(oe).Error())
		if oe.Message != "" {
			b.WriteString(" (kernel: ")
			b.WriteString(oe.Message)
			b.WriteString(")")
		}
	} else {
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Is maps kernel error numbers to the os package's sentinel errors.
func (e *Error) Is(target error) bool {
	errno, ok := e.Errno()
	if !ok {
		return false
	}
	return errnoIs(errno, target)
}

func errnoIs(errno syscall.Errno, target error) bool {
	switch target {
	case os.ErrExist:
		return errno == unix.EEXIST
	case os.ErrNotExist:
		return errno == unix.ENOENT || errno == unix.ENODEV || errno == unix.ESRCH || errno == unix.EADDRNOTAVAIL
	case os.ErrPermission:
		return errno == unix.EPERM || errno == unix.EACCES
	}
	return false
}

// Errno returns the error number behind e, if there is one.
func (e *Error) Errno() (syscall.Errno, bool) {
	var errno syscall.Errno
	if errors.As(e.Err, &errno) {
		return errno, true
	}
	return 0, false
}

// Kernel reports whether the kernel refused the request (an error reply),
// as opposed to a local failure such as a socket error.
// An error in the chain can also say so itself with a KernelRefused
// method (nat's explained errors do).
//
// An error number the socket's read returned (ENOBUFS: the kernel
// dropped replies) is a local failure: only an error reply carries a
// bare error number in a "receive" *netlink.OpError.
func (e *Error) Kernel() bool {
	var oe *netlink.OpError
	if errors.As(e.Err, &oe) && oe.Op == "receive" {
		if _, ok := oe.Err.(syscall.Errno); ok {
			return true
		}
	}
	var k interface{ KernelRefused() bool }
	return errors.As(e.Err, &k) && k.KernelRefused()
}

// unwrapOp strips mdlayher's "netlink receive:" prefix, keeping the errno.
func unwrapOp(err error) error {
	var oe *netlink.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err
	}
	return err
}
