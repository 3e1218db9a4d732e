package nl

import (
	"encoding/binary"
	"errors"
	"os"
	"syscall"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// Kernel stands for the kernel in unit tests (Config.Kernel, package
// nltest): it receives the messages of each datagram a Conn sends, with
// their headers complete (length, sequence number, port id), and returns
// the replies the kernel would send, headers included.
//
// The replies reach the Conn as the kernel would queue them on the
// socket: each reply is a datagram of its own, except the parts of a
// multi-part reply (NLM_F_MULTI), which go two to a datagram up to the
// NLMSG_DONE, so that a dump spans datagrams as a large one does. A reply
// whose Length is 0 gets the length of its header and payload; nothing
// else is changed.
//
// A non-nil error is what the socket's next read returns once the
// replies returned with it are read (a syscall.Errno as the
// *os.SyscallError a real read gives): ENOBUFS, for instance, is how the
// kernel says it dropped replies. A read with nothing queued, where a
// real socket would block for ever, fails with ErrNoReply.
type Kernel func(req []netlink.Message) ([]netlink.Message, error)

// FakePID is the port id of a Conn whose kernel is a Kernel: the PID of
// its requests' headers.
const FakePID = 1

// ErrNoReply is the error of a read from a Conn whose Kernel queued
// nothing more to read, where a real socket would block.
var ErrNoReply = errors.New("the fake kernel has no reply queued (a socket would block here)")

// fakeKernel is the socket of a Conn dialed with Config.Kernel: what the
// Conn writes goes to fn, and what fn returns is queued to be read.
type fakeKernel struct {
	fn     Kernel
	queue  []fakeDatagram
	closed bool
}

// fakeDatagram is a datagram queued for the Conn to read, or the error
// its read returns.
type fakeDatagram struct {
	b   []byte
	err error
}

// write hands the messages in b to the Kernel and queues its replies.
func (k *fakeKernel) write(b []byte) error {
	if k.closed {
		return os.ErrClosed
	}
	// The Kernel may keep the requests: give it its own copy.
	b = append([]byte(nil), b...)
	var reqs []netlink.Message
	for len(b) >= unix.NLMSG_HDRLEN {
		m, rest, err := nextMessage(b)
		if err != nil {
			return err
		}
		reqs = append(reqs, m)
		b = rest
	}
	replies, err := k.fn(reqs)
	var multi []byte // the multi-part datagram being filled
	parts := 0
	flush := func() {
		if multi != nil {
			k.queue = append(k.queue, fakeDatagram{b: multi})
			multi, parts = nil, 0
		}
	}
	for _, r := range replies {
		mb := appendMessage(nil, r)
		if r.Header.Flags&netlink.Multi == 0 {
			flush()
			k.queue = append(k.queue, fakeDatagram{b: mb})
			continue
		}
		multi = append(multi, mb...)
		parts++
		if parts == 2 || r.Header.Type == netlink.Done {
			flush()
		}
	}
	flush()
	if err != nil {
		var errno syscall.Errno
		if errors.As(err, &errno) {
			err = os.NewSyscallError("recvfrom", err)
		}
		k.queue = append(k.queue, fakeDatagram{err: err})
	}
	return nil
}

// appendMessage appends m to b as the kernel puts it in a datagram: the
// header, with the length of header and payload when m's is 0, and the
// payload padded to the netlink alignment.
func appendMessage(b []byte, m netlink.Message) []byte {
	l := m.Header.Length
	if l == 0 {
		l = uint32(unix.NLMSG_HDRLEN + len(m.Data))
	}
	b = binary.NativeEndian.AppendUint32(b, l)
	b = binary.NativeEndian.AppendUint16(b, uint16(m.Header.Type))
	b = binary.NativeEndian.AppendUint16(b, uint16(m.Header.Flags))
	b = binary.NativeEndian.AppendUint32(b, m.Header.Sequence)
	b = binary.NativeEndian.AppendUint32(b, m.Header.PID)
	b = append(b, m.Data...)
	return append(b, make([]byte, align(len(m.Data))-len(m.Data))...)
}

// readInto reads the next queued datagram as sock.readInto does.
func (k *fakeKernel) readInto(buf []byte) ([]byte, error) {
	if k.closed {
		return nil, os.ErrClosed
	}
	if len(k.queue) == 0 {
		return nil, ErrNoReply
	}
	d := k.queue[0]
	k.queue = k.queue[1:]
	if d.err != nil {
		return nil, d.err
	}
	if len(d.b) > len(buf) {
		return nil, errTruncated
	}
	return buf[:copy(buf, d.b)], nil
}

// readMany reads up to n queued datagrams as sock.readMany does: the
// first as readInto, then those queued before the next error.
func (k *fakeKernel) readMany(buf []byte, slot, n int) ([][]byte, error) {
	var out [][]byte
	for i := 0; i < n; i++ {
		if i > 0 && (len(k.queue) == 0 || k.queue[0].err != nil) {
			break
		}
		b, err := k.readInto(buf[i*slot : (i+1)*slot])
		if err != nil {
			return out, err
		}
		out = append(out, b)
	}
	return out, nil
}

// drain drops the queued datagrams up to the next error, which a real
// socket's non-blocking reads stop at.
func (k *fakeKernel) drain() {
	for len(k.queue) > 0 {
		d := k.queue[0]
		k.queue = k.queue[1:]
		if d.err != nil {
			return
		}
	}
}
