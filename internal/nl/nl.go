// Package nl is the netlink transport shared by rtnl and nat: a connection
// over github.com/mdlayher/netlink with strict checking, tracing of every
// message sent and received, detection of interrupted dumps, and errors
// that name the operation and the object.
package nl

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

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
}

// recvBufferSize is the largest datagram the kernel sends on a netlink
// socket (netlink_recvmsg caps dump buffers at 32 KiB), rounded up.
const recvBufferSize = 32 * 1024

// Conn is a netlink connection. It is safe for concurrent use.
type Conn struct {
	c     *netlink.Conn
	trace *nltrace.Printer
}

// Dial opens a netlink socket of the given family (unix.NETLINK_ROUTE, ...)
// with extended acknowledgements and strict checking on.
func Dial(family int, cfg Config) (*Conn, error) {
	// A fixed receive buffer saves the MSG_PEEK read that sizes each reply:
	// the kernel never builds a netlink datagram larger than 32 KiB.
	c, err := netlink.Dial(family, &netlink.Config{NetNS: cfg.NetNS, Strict: true, MessageBufferSize: recvBufferSize})
	if err != nil {
		return nil, fmt.Errorf("open netlink socket: %w", unwrapOp(err))
	}
	nc := &Conn{c: c}
	if cfg.Trace != nil {
		nc.trace = nltrace.New(cfg.Trace, cfg.Schema, cfg.TraceHex)
		nc.trace.NS = cfg.TraceNS
	}
	return nc, nil
}

// Close closes the socket.
func (c *Conn) Close() error { return c.c.Close() }

// ErrDumpInterrupted means the kernel's object list changed while a dump
// was running (NLM_F_DUMP_INTR), so the result may be inconsistent.
var ErrDumpInterrupted = errors.New("dump interrupted by a concurrent change")

const flagDumpIntr = 0x10

// Execute sends one request and returns its replies. An error reply from
// the kernel becomes an error; replies flagged NLM_F_DUMP_INTR are returned
// with ErrDumpInterrupted.
func (c *Conn) Execute(m netlink.Message) ([]netlink.Message, error) {
	if c.trace == nil {
		msgs, err := c.c.Execute(m)
		if err != nil {
			return nil, err
		}
		return msgs, checkIntr(msgs)
	}
	req, err := c.c.Send(m)
	if err != nil {
		return nil, err
	}
	c.printMsg(nltrace.Sent, req)
	msgs, err := c.receive()
	if err != nil {
		return nil, err
	}
	if err := netlink.Validate(req, msgs); err != nil {
		return nil, err
	}
	return msgs, checkIntr(msgs)
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

func checkIntr(msgs []netlink.Message) error {
	for _, m := range msgs {
		if m.Header.Flags&flagDumpIntr != 0 {
			return ErrDumpInterrupted
		}
	}
	return nil
}

// receive reads the replies to one request, tracing each one.
func (c *Conn) receive() ([]netlink.Message, error) {
	msgs, err := c.c.Receive()
	c.printReplies(msgs, err)
	return msgs, err
}

func (c *Conn) printReplies(msgs []netlink.Message, err error) {
	for _, r := range msgs {
		c.printMsg(nltrace.Received, r)
	}
	var oe *netlink.OpError
	if err != nil && errors.As(err, &oe) && oe.Op == "receive" {
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
	sent, err := c.c.SendMessages(msgs)
	if err != nil {
		return nil, -1, err
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
		replies, err := c.c.Receive()
		if c.trace != nil {
			c.printReplies(replies, err)
		}
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
			c.drain()
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

// drain discards replies already queued on the socket without blocking.
func (c *Conn) drain() {
	rc, err := c.c.SyscallConn()
	if err != nil {
		return
	}
	buf := make([]byte, 1<<16)
	_ = rc.Read(func(fd uintptr) bool {
		for {
			if _, _, err := unix.Recvfrom(int(fd), buf, unix.MSG_DONTWAIT); err != nil {
				return true
			}
		}
	})
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
func (e *Error) Kernel() bool {
	var oe *netlink.OpError
	if errors.As(e.Err, &oe) && oe.Op == "receive" && e.isErrno() {
		return true
	}
	var k interface{ KernelRefused() bool }
	return errors.As(e.Err, &k) && k.KernelRefused()
}

func (e *Error) isErrno() bool { _, ok := e.Errno(); return ok }

// unwrapOp strips mdlayher's "netlink receive:" prefix, keeping the errno.
func unwrapOp(err error) error {
	var oe *netlink.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err
	}
	return err
}
