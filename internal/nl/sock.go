package nl

import (
	"encoding/binary"
	"errors"
	"os"
	"runtime"
	"sync"
	"syscall"
	"unsafe"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/nsfs"
)

// sock is the socket under a Conn: a blocking file descriptor in an
// os.File, which keeps it valid while a system call uses it.
//
// It replaces netlink.Dial's socket (github.com/mdlayher/socket), which
// starts a goroutine for every send and every receive to watch a context
// nobody can cancel here, and creates each socket in another namespace on
// a goroutine of its own. Those goroutines, and the thread wake-ups they
// cause, were most of nsnet's futex and nanosleep calls in a batch. Here a
// send or a receive is one system call, and sockets in other namespaces
// are made on nsfs's reused thread.
//
// The socket blocks instead of waiting in the runtime's poller: the kernel
// handles a request while it is sent, so its replies are queued before the
// first read, and registering each socket with the poller (and starting
// the poller at all, in a one-command process) only costs system calls.
// The price is that Close waits for a read in progress instead of
// interrupting it; nsnet never closes a Conn that another goroutine uses.
type sock struct {
	f  *os.File
	rc syscall.RawConn

	// The buffer, result and error of the system call in progress, and
	// the functions RawConn runs for it, made once: variables captured by
	// a closure made per call would be allocated on every send and
	// receive. Conn.mu serializes the calls.
	io      []byte
	n       int
	errno   syscall.Errno
	readFn  func(fd uintptr) bool
	writeFn func(fd uintptr) bool

	// family is the socket's netlink protocol; tap, when not nil, sees
	// every datagram written and read.
	family int
	tap    Tap
	// rcvbuf is SO_RCVBUF once read (recvBuffer), else 0.
	rcvbuf int

	// fake, when not nil, is the kernel of a Conn dialed with
	// Config.Kernel; f and rc are then nil.
	fake *fakeKernel
}

// recvPool holds the receive buffers, shared by all sockets: a batch keeps
// a socket per namespace open, but reads from one at a time.
var recvPool = sync.Pool{New: func() any { b := make([]byte, recvBufferSize); return &b }}

// dialSock opens a netlink socket of family in the namespace nsFD (0: the
// calling thread's; nsName names it in errors), binds it, and turns on
// extended acknowledgements and strict checking. It returns the socket
// and the port id the kernel gave it.
func dialSock(family, nsFD int, nsName string) (*sock, uint32, error) {
	fd := -1
	open := func() error {
		var err error
		fd, err = unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, family)
		return os.NewSyscallError("socket", err)
	}
	var err error
	if nsFD != 0 {
		err = nsfs.DoFD(nsFD, nsName, open)
	} else {
		err = open()
	}
	if err != nil {
		if fd >= 0 {
			unix.Close(fd)
		}
		return nil, 0, err
	}
	fail := func(call string, err error) (*sock, uint32, error) {
		unix.Close(fd)
		return nil, 0, os.NewSyscallError(call, err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fail("bind", err)
	}
	// Strict, as netlink.Config.Strict: fail loudly when the kernel lacks
	// either option.
	for _, o := range []int{unix.NETLINK_EXT_ACK, unix.NETLINK_GET_STRICT_CHK} {
		if err := unix.SetsockoptInt(fd, unix.SOL_NETLINK, o, 1); err != nil {
			return fail("setsockopt", err)
		}
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return fail("getsockname", err)
	}
	nsa, ok := sa.(*unix.SockaddrNetlink)
	if !ok {
		return fail("getsockname", unix.EINVAL)
	}
	f := os.NewFile(uintptr(fd), "netlink")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	s := &sock{f: f, rc: rc}
	s.readFn, s.writeFn = s.recvfrom, s.writeTo
	return s, nsa.Pid, nil
}

// Close closes the socket, once a read or write in progress is done.
func (s *sock) Close() error {
	if s.fake != nil {
		s.fake.closed = true
		return nil
	}
	return s.f.Close()
}

// Send sends one message.
func (s *sock) Send(m netlink.Message) error {
	b, err := m.MarshalBinary()
	if err != nil {
		return err
	}
	return s.write(b)
}

// SendMessages sends msgs in one datagram.
func (s *sock) SendMessages(msgs []netlink.Message) error {
	var buf []byte
	for _, m := range msgs {
		b, err := m.MarshalBinary()
		if err != nil {
			return err
		}
		buf = append(buf, b...)
	}
	return s.write(buf)
}

// write sends b to the kernel (an unconnected netlink socket sends to
// port 0, the kernel, without an address).
func (s *sock) write(b []byte) error {
	if s.fake != nil {
		err := s.fake.write(b)
		if err == nil && s.tap != nil {
			s.tap.WriteNetlink(s.family, true, b)
		}
		return err
	}
	s.io = b
	werr := s.rc.Write(s.writeFn)
	s.io = nil
	if werr != nil {
		return werr
	}
	if s.errno != 0 {
		return os.NewSyscallError("write", s.errno)
	}
	if s.tap != nil {
		s.tap.WriteNetlink(s.family, true, b)
	}
	return nil
}

// writeTo is write's system call, run by RawConn.Write.
func (s *sock) writeTo(fd uintptr) bool {
	for {
		_, _, e := unix.Syscall(unix.SYS_WRITE, fd, uintptr(unsafe.Pointer(unsafe.SliceData(s.io))), uintptr(len(s.io)))
		s.errno = e
		if e != unix.EINTR {
			return true
		}
	}
}

// errTruncated is returned when a datagram does not fit the receive
// buffer; the kernel never sends one that large to a request.
var errTruncated = errors.New("netlink message truncated")

// nextMessage splits the first message off b, a datagram padded to the
// netlink alignment: the message (its Data aliases b) and the rest.
func nextMessage(b []byte) (netlink.Message, []byte, error) {
	var m netlink.Message
	l := int(binary.NativeEndian.Uint32(b))
	if l < unix.NLMSG_HDRLEN || align(l) > len(b) {
		return m, nil, errors.New("netlink message with a bad length")
	}
	if err := m.UnmarshalBinary(b[:align(l)]); err != nil {
		return m, nil, err
	}
	return m, b[align(l):], nil
}

// read receives one datagram into memory the caller owns, padded to the
// netlink alignment.
func (s *sock) read() ([]byte, error) {
	bp := recvPool.Get().(*[]byte)
	defer recvPool.Put(bp)
	b, err := s.readInto(*bp)
	if err != nil {
		return nil, err
	}
	return append(make([]byte, 0, len(b)), b...), nil
}

// readInto receives one datagram into buf, which must be recvBufferSize
// long, and returns it padded to the netlink alignment: a slice of buf.
func (s *sock) readInto(buf []byte) ([]byte, error) {
	if s.fake != nil {
		b, err := s.fake.readInto(buf)
		if err == nil && s.tap != nil {
			s.tap.WriteNetlink(s.family, false, b)
		}
		return b, err
	}
	s.io = buf
	rerr := s.rc.Read(s.readFn)
	s.io = nil
	if rerr != nil {
		return nil, rerr
	}
	if s.errno != 0 {
		return nil, os.NewSyscallError("recvfrom", s.errno)
	}
	n := s.n
	if n > len(buf) {
		return nil, errTruncated
	}
	if s.tap != nil {
		s.tap.WriteNetlink(s.family, false, buf[:n])
	}
	// Pad to the alignment (recvBufferSize is aligned): the padding is
	// never read, since each message's length bounds its data.
	return buf[:align(n)], nil
}

// readMany receives up to n datagrams in one recvmmsg system call into
// buf, slot bytes each (slot a multiple of the netlink alignment): it
// waits for the first, and takes those queued behind it without waiting
// (MSG_WAITFORONE). It returns them padded to the netlink alignment,
// slices of buf. A datagram longer than slot is an error (errTruncated),
// returned with the datagrams before it: the caller sizes slot by the
// replies it expects.
func (s *sock) readMany(buf []byte, slot, n int) ([][]byte, error) {
	slot = min(slot, len(buf))
	n = max(1, min(n, len(buf)/slot))
	if s.fake != nil {
		ds, err := s.fake.readMany(buf, slot, n)
		for _, d := range ds {
			if s.tap != nil {
				s.tap.WriteNetlink(s.family, false, d)
			}
		}
		return ds, err
	}
	hdrs := make([]unix.Mmsghdr, n)
	iovs := make([]unix.Iovec, n)
	for i := range hdrs {
		iovs[i].Base = &buf[i*slot]
		iovs[i].SetLen(slot)
		hdrs[i].Hdr.Iov = &iovs[i]
		hdrs[i].Hdr.SetIovlen(1)
	}
	var got int
	var errno syscall.Errno
	rerr := s.rc.Read(func(fd uintptr) bool {
		for {
			// MSG_TRUNC: each length is the datagram's own, so that a
			// truncated one is seen.
			r, _, e := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&hdrs[0])), uintptr(n),
				unix.MSG_WAITFORONE|unix.MSG_TRUNC, 0, 0)
			got, errno = int(r), e
			if e != unix.EINTR {
				return true
			}
		}
	})
	runtime.KeepAlive(iovs)
	if rerr != nil {
		return nil, rerr
	}
	if errno != 0 {
		return nil, os.NewSyscallError("recvmmsg", errno)
	}
	out := make([][]byte, 0, got)
	for i := 0; i < got; i++ {
		l := int(hdrs[i].Len)
		if l > slot || hdrs[i].Hdr.Flags&unix.MSG_TRUNC != 0 {
			return out, errTruncated
		}
		d := buf[i*slot : i*slot+l]
		if s.tap != nil {
			s.tap.WriteNetlink(s.family, false, d)
		}
		out = append(out, buf[i*slot:i*slot+align(l)])
	}
	return out, nil
}

// recvfrom is readInto's system call, run by RawConn.Read.
func (s *sock) recvfrom(fd uintptr) bool {
	for {
		// MSG_TRUNC: return the datagram's real length, so that a
		// truncated one is seen.
		r, _, e := unix.Syscall6(unix.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&s.io[0])), uintptr(len(s.io)), unix.MSG_TRUNC, 0, 0)
		s.n, s.errno = int(r), e
		if e != unix.EINTR {
			return true
		}
	}
}

// drain discards replies already queued on the socket without blocking.
func (s *sock) drain() {
	if s.fake != nil {
		s.fake.drain()
		return
	}
	buf := make([]byte, 1<<16)
	_ = s.rc.Read(func(fd uintptr) bool {
		for {
			n, _, err := unix.Recvfrom(int(fd), buf, unix.MSG_DONTWAIT)
			if err != nil {
				return true
			}
			if s.tap != nil && n <= len(buf) {
				s.tap.WriteNetlink(s.family, false, buf[:n])
			}
		}
	})
}

// align rounds n up to the netlink message alignment.
func align(n int) int { return (n + unix.NLMSG_ALIGNTO - 1) &^ (unix.NLMSG_ALIGNTO - 1) }
