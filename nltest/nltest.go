// Package nltest runs nsnet's netlink connections against a fake kernel,
// for unit tests that need neither root nor a socket: Rtnl and NAT return
// an *rtnl.Conn and a *nat.Conn whose every request goes to a Func, and
// whose replies are the ones the Func returns. It is in the spirit of
// github.com/mdlayher/netlink/nltest, with nsnet's own transport under it,
// so a test runs the same request, reply and error code as a real Conn:
// sequence and port checks, multi-part replies read across datagrams,
// NLM_F_DUMP_INTR, extended acknowledgements, batches whose refused
// message is found by its sequence number.
//
// A Func sees each datagram the Conn sends as its messages, headers
// complete: a plain request is one message, an nf_tables batch is all of
// its messages from NFNL_MSG_BATCH_BEGIN to NFNL_MSG_BATCH_END. It answers
// with the messages the kernel would send back, built with Reply, Ack,
// Error and Dump, which copy the request's sequence number and port id
// as the kernel does. Script plays a list of steps, one per request, and
// fails the test on a request it did not expect.
//
// The replies reach the Conn as the kernel would queue them: each is a
// datagram of its own, except a multi-part reply's parts, which go two to
// a datagram up to the NLMSG_DONE. An error returned by a Func is what the
// socket's next read returns once those replies are read (a
// syscall.Errno such as ENOBUFS as the *os.SyscallError of a real read).
// A read with nothing queued, where a real socket would block, fails.
package nltest

import (
	"encoding/binary"
	"io"
	"syscall"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/fakeconn"
	"github.com/nsnet/nsnet/internal/nl"
	"github.com/nsnet/nsnet/nat"
	"github.com/nsnet/nsnet/rtnl"
)

// A Func is the fake kernel: it gets the messages of one datagram a Conn
// sent and returns the replies, or an error for the socket's next read.
type Func func(req []netlink.Message) ([]netlink.Message, error)

// PID is the port id of a fake Conn, the PID in its requests' headers.
// Its sequence numbers start at 1.
const PID = 1 // internal/nl.FakePID; TestFakeExecute there checks they agree

// Options are a fake Conn's options; nil means none.
type Options struct {
	// Trace, when not nil, receives every message sent and received,
	// decoded as nsnet --trace prints it; TraceHex adds a hex dump, and
	// TraceNS labels each message with a namespace name.
	Trace    io.Writer
	TraceHex bool
	TraceNS  string
}

func (o *Options) config(fn Func) nl.Config {
	cfg := nl.Config{Kernel: nl.Kernel(fn)}
	if o != nil {
		cfg.Trace, cfg.TraceHex, cfg.TraceNS = o.Trace, o.TraceHex, o.TraceNS
	}
	return cfg
}

// Rtnl returns an rtnetlink connection whose kernel is fn. Close it as
// usual; it holds no resources.
func Rtnl(fn Func, o *Options) *rtnl.Conn {
	return fakeconn.Rtnl(o.config(fn)).(*rtnl.Conn)
}

// NAT returns an nf_tables connection whose kernel is fn.
func NAT(fn Func, o *Options) *nat.Conn {
	return fakeconn.NAT(o.config(fn)).(*nat.Conn)
}

// Reply returns a message of type typ with payload data, in reply to req:
// with req's sequence number and port id.
func Reply(req netlink.Message, typ netlink.HeaderType, data []byte) netlink.Message {
	return netlink.Message{
		Header: netlink.Header{Type: typ, Sequence: req.Header.Sequence, PID: req.Header.PID},
		Data:   data,
	}
}

// Ack returns the kernel's acknowledgement of req: an NLMSG_ERROR with
// error 0 and req's header alone (NLM_F_CAPPED).
func Ack(req netlink.Message) netlink.Message {
	b := binary.NativeEndian.AppendUint32(nil, 0)
	b = appendHeader(b, req)
	m := Reply(req, netlink.Error, b)
	m.Header.Flags = netlink.Capped
	return m
}

// Error returns the kernel's refusal of req with errno: an NLMSG_ERROR
// with the negative error number and req whole, and, when msg is not
// empty, the extended acknowledgement message msg (NLM_F_ACK_TLVS).
func Error(req netlink.Message, errno syscall.Errno, msg string) netlink.Message {
	return ErrorAt(req, errno, msg, 0)
}

// ErrorAt is Error with the extended acknowledgement's offset too: the
// byte of req (counted from its header) the kernel blames, when not 0.
func ErrorAt(req netlink.Message, errno syscall.Errno, msg string, offset uint32) netlink.Message {
	b := binary.NativeEndian.AppendUint32(nil, uint32(-int32(errno)))
	b = appendHeader(b, req)
	b = append(b, req.Data...)
	m := Reply(req, netlink.Error, b)
	if msg == "" && offset == 0 {
		return m
	}
	m.Header.Flags = netlink.AcknowledgeTLVs
	ae := netlink.NewAttributeEncoder()
	if msg != "" {
		ae.String(unix.NLMSGERR_ATTR_MSG, msg)
	}
	if offset != 0 {
		ae.Uint32(unix.NLMSGERR_ATTR_OFFS, offset)
	}
	tlvs, err := ae.Encode()
	if err != nil {
		panic(err) // a string and a uint32 always encode
	}
	m.Data = append(m.Data, tlvs...)
	return m
}

// Dump returns a multi-part reply to req: each of msgs with req's
// sequence number and port id and NLM_F_MULTI, then the NLMSG_DONE.
// Setting netlink.DumpInterrupted on a part (or on the result's last
// message, the NLMSG_DONE) says the dump was interrupted.
func Dump(req netlink.Message, msgs ...netlink.Message) []netlink.Message {
	out := make([]netlink.Message, 0, len(msgs)+1)
	for _, m := range msgs {
		m.Header.Sequence, m.Header.PID = req.Header.Sequence, req.Header.PID
		m.Header.Flags |= netlink.Multi
		out = append(out, m)
	}
	return append(out, DumpDone(req, 0))
}

// DumpDone returns the NLMSG_DONE that ends a dump in reply to req;
// errno, when not 0, says the dump failed with it.
func DumpDone(req netlink.Message, errno syscall.Errno) netlink.Message {
	m := Reply(req, netlink.Done, binary.NativeEndian.AppendUint32(nil, uint32(-int32(errno))))
	m.Header.Flags = netlink.Multi
	return m
}

// appendHeader appends req's netlink header, as the kernel quotes it.
func appendHeader(b []byte, req netlink.Message) []byte {
	l := req.Header.Length
	if l == 0 {
		l = uint32(unix.NLMSG_HDRLEN + len(req.Data))
	}
	b = binary.NativeEndian.AppendUint32(b, l)
	b = binary.NativeEndian.AppendUint16(b, uint16(req.Header.Type))
	b = binary.NativeEndian.AppendUint16(b, uint16(req.Header.Flags))
	b = binary.NativeEndian.AppendUint32(b, req.Header.Sequence)
	return binary.NativeEndian.AppendUint32(b, req.Header.PID)
}
