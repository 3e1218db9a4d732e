package nl

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nltrace"
)

// NSIDCurrent is Event.NSID for an event of the socket's own namespace
// (or one the socket's namespace has no id for).
const NSIDCurrent = -1

// Event is one message the kernel multicast to a group the socket joined.
type Event struct {
	// Message aliases the receive buffer: it is valid only during the
	// callback that gets it.
	Message netlink.Message
	// NSID is, with ListenAllNSID, the id the socket's namespace gives to
	// the namespace the event happened in; NSIDCurrent otherwise.
	NSID int
}

// ErrOverrun means the socket's receive queue overflowed (ENOBUFS): the
// kernel dropped events. The socket stays usable; what was lost can only
// be recovered by dumping the objects again.
var ErrOverrun = errors.New("netlink event queue overrun: events were lost (ENOBUFS)")

// eventBufferSize bounds one event datagram. The kernel multicasts one
// message per datagram, sized to the object (a link with its counters is
// a few KiB); 64 KiB leaves room for any of them.
const eventBufferSize = 64 * 1024

// control runs fn with the socket's file descriptor.
func (s *sock) control(fn func(fd int) error) error {
	var ferr error
	if err := s.rc.Control(func(fd uintptr) { ferr = fn(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

// JoinGroups subscribes the socket to multicast groups (RTNLGRP_*,
// NFNLGRP_*: the group numbers, not bit masks). The socket then receives
// the kernel's notifications of those groups; it should not be used for
// requests any more, whose replies would mix with them.
func (c *Conn) JoinGroups(groups ...uint32) error {
	return c.s.control(func(fd int) error {
		for _, g := range groups {
			if err := unix.SetsockoptInt(fd, unix.SOL_NETLINK, unix.NETLINK_ADD_MEMBERSHIP, int(g)); err != nil {
				return fmt.Errorf("join netlink group %d: %w", g, os.NewSyscallError("setsockopt", err))
			}
		}
		return nil
	})
}

// ListenAllNSID makes the socket receive the events of every namespace
// that its own namespace has an id for (NETLINK_LISTEN_ALL_NSID); each
// Event then says which one in NSID.
func (c *Conn) ListenAllNSID() error {
	return c.s.control(func(fd int) error {
		if err := unix.SetsockoptInt(fd, unix.SOL_NETLINK, unix.NETLINK_LISTEN_ALL_NSID, 1); err != nil {
			if err == unix.EPERM {
				// The capability the kernel checks, named for the user.
				return fmt.Errorf("listen to all nsids (needs CAP_NET_BROADCAST): %w", os.NewSyscallError("setsockopt", err))
			}
			return fmt.Errorf("listen to all nsids: %w", os.NewSyscallError("setsockopt", err))
		}
		return nil
	})
}

// SetReceiveBuffer sets the socket's receive buffer to n bytes: with
// SO_RCVBUFFORCE when the process may exceed the system's limit
// (CAP_NET_ADMIN), else with SO_RCVBUF, which the kernel caps at
// net.core.rmem_max. The kernel doubles the value for its bookkeeping.
func (c *Conn) SetReceiveBuffer(n int) error {
	return c.setBuffer("receive", unix.SO_RCVBUFFORCE, unix.SO_RCVBUF, n)
}

// setBuffer sets a socket buffer to n bytes with option force, else with
// option plain.
func (c *Conn) setBuffer(what string, force, plain, n int) error {
	return c.s.control(func(fd int) error {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, force, n); err == nil {
			return nil
		}
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, plain, n); err != nil {
			return fmt.Errorf("set %s buffer: %w", what, os.NewSyscallError("setsockopt", err))
		}
		return nil
	})
}

// SetSendBuffer sets the socket's send buffer to n bytes, as
// SetReceiveBuffer does the receive buffer (SO_SNDBUFFORCE, else
// SO_SNDBUF): a netlink message, or a batch of them sent in one call,
// must fit it.
func (c *Conn) SetSendBuffer(n int) error {
	return c.setBuffer("send", unix.SO_SNDBUFFORCE, unix.SO_SNDBUF, n)
}

// ReadEvents reads the events of the groups the socket joined and calls
// fn with each, in the order the kernel queued them, until ctx is done
// (it then returns nil) or fn returns an error (returned as is). When the
// kernel dropped events because the socket's queue was full, ReadEvents
// returns ErrOverrun; the caller recovers (DiscardEvents, then dump the
// objects again) and calls ReadEvents again. Tracing prints each event as a received message.
//
// ReadEvents holds the connection for its whole run: no request may be
// made on c meanwhile (use another Conn for dumps).
func (c *Conn) ReadEvents(ctx context.Context, fn func(Event) error) error {
	if err := ctx.Err(); err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// The wake-up of a canceled ctx: an eventfd polled with the socket,
	// so that a blocked read ends at once, without closing the socket.
	efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return os.NewSyscallError("eventfd", err)
	}
	woken := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		var one [8]byte
		binary.NativeEndian.PutUint64(one[:], 1)
		unix.Write(efd, one[:])
		close(woken)
	})
	defer func() {
		if !stop() {
			<-woken // the wake-up ran or runs: let it finish with efd
		}
		unix.Close(efd)
	}()
	buf := make([]byte, eventBufferSize)
	oob := make([]byte, unix.CmsgSpace(4)*4)
	var rerr error
	cerr := c.s.rc.Read(func(fd uintptr) bool {
		rerr = c.eventLoop(int(fd), efd, buf, oob, fn)
		return true
	})
	if cerr != nil {
		return &netlink.OpError{Op: "receive", Err: cerr}
	}
	if errors.Is(rerr, errCanceled) {
		return nil
	}
	return rerr
}

var errCanceled = errors.New("canceled")

// DiscardEvents drops the events queued on the socket, without waiting
// for more, and returns how many messages it dropped. After ErrOverrun,
// call it before dumping the objects again: the kernel reports the
// overrun before the events queued ahead of it, which are older than the
// dump, so handing them on after it would leave stale state last.
func (c *Conn) DiscardEvents() (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	buf := make([]byte, eventBufferSize)
	n := 0
	var rerr error
	cerr := c.s.rc.Read(func(fd uintptr) bool {
		for {
			m, _, rflags, _, err := unix.Recvmsg(int(fd), buf, nil, unix.MSG_DONTWAIT)
			switch {
			case err == unix.EINTR || err == unix.ENOBUFS:
				// More were dropped meanwhile: they are older than the
				// dump too.
				continue
			case err == unix.EAGAIN:
				return true
			case err != nil:
				rerr = &netlink.OpError{Op: "receive", Err: os.NewSyscallError("recvmsg", err)}
				return true
			}
			if rflags&unix.MSG_TRUNC != 0 {
				rerr = &netlink.OpError{Op: "receive", Err: errTruncated}
				return true
			}
			c.tapEvent(buf[:m])
			b := buf[:align(m)]
			for len(b) >= unix.NLMSG_HDRLEN {
				var msg netlink.Message
				if msg, b, err = nextMessage(b); err != nil {
					break
				}
				if c.trace != nil {
					c.printMsg(nltrace.Received, msg)
				}
				n++
			}
		}
	})
	if cerr != nil {
		return n, &netlink.OpError{Op: "receive", Err: cerr}
	}
	return n, rerr
}

// eventLoop is ReadEvents' loop on the socket fd, ended by a write to efd.
func (c *Conn) eventLoop(fd, efd int, buf, oob []byte, fn func(Event) error) error {
	pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}, {Fd: int32(efd), Events: unix.POLLIN}}
	for {
		pfd[0].Revents, pfd[1].Revents = 0, 0
		if _, err := unix.Poll(pfd, -1); err != nil {
			if err == unix.EINTR {
				continue
			}
			return &netlink.OpError{Op: "receive", Err: os.NewSyscallError("poll", err)}
		}
		if pfd[1].Revents != 0 {
			return errCanceled
		}
		if pfd[0].Revents == 0 {
			continue
		}
		// Drain what is queued before polling again.
		for {
			n, oobn, rflags, _, err := unix.Recvmsg(fd, buf, oob, unix.MSG_DONTWAIT)
			switch {
			case err == unix.EAGAIN || err == unix.EINTR:
			case err == unix.ENOBUFS:
				return ErrOverrun
			case err != nil:
				return &netlink.OpError{Op: "receive", Err: os.NewSyscallError("recvmsg", err)}
			}
			if err != nil {
				break
			}
			if rflags&unix.MSG_TRUNC != 0 {
				return &netlink.OpError{Op: "receive", Err: errTruncated}
			}
			c.tapEvent(buf[:n])
			nsid := eventNSID(oob[:oobn])
			b := buf[:align(n)]
			for len(b) >= unix.NLMSG_HDRLEN {
				var m netlink.Message
				if m, b, err = nextMessage(b); err != nil {
					return &netlink.OpError{Op: "receive", Err: err}
				}
				if c.trace != nil {
					c.printMsg(nltrace.Received, m)
				}
				if err := fn(Event{Message: m, NSID: nsid}); err != nil {
					return err
				}
			}
			if pollCanceled(efd) {
				return errCanceled
			}
		}
	}
}

// tapEvent hands a received event datagram to whatever observes the
// socket's traffic byte for byte besides tracing: --trace-pcap's tap.
func (c *Conn) tapEvent(b []byte) {
	if c.s.tap != nil {
		c.s.tap.WriteNetlink(c.s.family, false, b)
	}
}

// pollCanceled reports, without blocking, whether efd was written.
func pollCanceled(efd int) bool {
	p := []unix.PollFd{{Fd: int32(efd), Events: unix.POLLIN}}
	n, _ := unix.Poll(p, 0)
	return n > 0 && p[0].Revents != 0
}

// eventNSID returns the NETLINK_LISTEN_ALL_NSID id in the control
// messages of a datagram, or NSIDCurrent.
func eventNSID(oob []byte) int {
	if len(oob) == 0 {
		return NSIDCurrent
	}
	cms, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return NSIDCurrent
	}
	for _, cm := range cms {
		if cm.Header.Level == unix.SOL_NETLINK && cm.Header.Type == unix.NETLINK_LISTEN_ALL_NSID && len(cm.Data) >= 4 {
			return int(int32(binary.NativeEndian.Uint32(cm.Data)))
		}
	}
	return NSIDCurrent
}
