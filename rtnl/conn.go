package rtnl

import (
	"errors"
	"io"
	"strings"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/fakeconn"
	"github.com/nsnet/nsnet/internal/nl"
	"github.com/nsnet/nsnet/nsfs"
)

// Config says where and how to open a Conn. The zero value opens a socket
// in the calling thread's network namespace with tracing off.
type Config struct {
	// NetNS is a file descriptor of a network namespace (from nsfs); the
	// socket is created inside it and stays there. 0 means the current one.
	NetNS int
	// NetNSName, when NetNS is 0, names the namespace instead: a name
	// under /run/netns ("nstest") or a path ("/proc/42/ns/net"). The file
	// is opened for Dial and closed once the socket exists.
	NetNSName string
	// Trace, when not nil, receives every message sent and received,
	// decoded by name (nsnet's --trace). TraceHex adds a hex dump.
	Trace    io.Writer
	TraceHex bool
	// TraceNS labels traced messages with the namespace's name.
	TraceNS string
	// Capture, when not nil, receives every datagram sent and received,
	// byte for byte (an *nlpcap.Writer writes them as pcap: nsnet's
	// --trace-pcap).
	Capture interface {
		WriteNetlink(family int, sent bool, datagram []byte)
	}
}

// Conn is an rtnetlink (NETLINK_ROUTE) connection with extended
// acknowledgements and strict dump checking. It is safe for concurrent use.
type Conn struct {
	nl *nl.Conn
}

// Error is the type of the errors Conn's methods return: it names the
// operation and the object, and answers errors.Is for os.ErrExist,
// os.ErrNotExist and os.ErrPermission.
type Error = nl.Error

// ErrDumpInterrupted is returned (with the partial result) when the kernel
// kept interrupting a dump because the objects changed while it ran.
var ErrDumpInterrupted = nl.ErrDumpInterrupted

// dumpRetries bounds how often an interrupted dump is started again.
const dumpRetries = 5

// Dial opens an rtnetlink socket as cfg says; a nil cfg means defaults.
func Dial(cfg *Config) (*Conn, error) {
	if cfg == nil {
		cfg = &Config{}
	}
	fd := cfg.NetNS
	if fd == 0 && cfg.NetNSName != "" {
		var ns *nsfs.NS
		var err error
		if strings.ContainsRune(cfg.NetNSName, '/') {
			ns, err = nsfs.Open(cfg.NetNSName)
		} else {
			ns, err = nsfs.OpenName(cfg.NetNSName)
		}
		if err != nil {
			return nil, err
		}
		defer ns.Close()
		fd = ns.Fd()
	}
	c, err := nl.Dial(unix.NETLINK_ROUTE, nl.Config{
		NetNS: fd, Trace: cfg.Trace, TraceHex: cfg.TraceHex, TraceNS: cfg.TraceNS, Schema: schema, Capture: cfg.Capture,
	})
	if err != nil {
		return nil, err
	}
	return &Conn{nl: c}, nil
}

// Close closes the socket.
func (c *Conn) Close() error { return c.nl.Close() }

// A Conn over a fake kernel, for package nltest: cfg.Kernel is set, so
// no socket is opened and nl.Dial cannot fail.
func init() {
	fakeconn.Rtnl = func(cfg nl.Config) any {
		cfg.Schema = schema
		c, _ := nl.Dial(unix.NETLINK_ROUTE, cfg)
		return &Conn{nl: c}
	}
}

// request sends one message and returns the replies, wrapping any error
// with op and object.
func (c *Conn) request(op, object string, typ netlink.HeaderType, flags netlink.HeaderFlags, data []byte) ([]netlink.Message, error) {
	msgs, err := c.nl.Execute(netlink.Message{
		Header: netlink.Header{Type: typ, Flags: netlink.Request | flags},
		Data:   data,
	})
	return msgs, nl.Wrap(op, object, err)
}

// dump runs a dump request with bounded retries on NLM_F_DUMP_INTR.
func (c *Conn) dump(op string, typ netlink.HeaderType, data []byte) ([]netlink.Message, error) {
	msgs, err := c.nl.Dump(netlink.Message{
		Header: netlink.Header{Type: typ, Flags: netlink.Request | netlink.Dump},
		Data:   data,
	}, dumpRetries)
	return msgs, nl.Wrap(op, "", err)
}

// dumpEach runs a dump request and hands each reply to fn as it arrives
// (nm.Data is valid only during the call; see nl.Conn.DumpFunc). When the
// kernel says the dump was interrupted, reset discards what fn decoded and
// the dump starts again, up to dumpRetries times; after that what the last
// run decoded stands, with ErrDumpInterrupted.
func (c *Conn) dumpEach(op string, typ netlink.HeaderType, data []byte, reset func(), fn func(nm netlink.Message) error) error {
	m := netlink.Message{
		Header: netlink.Header{Type: typ, Flags: netlink.Request | netlink.Dump},
		Data:   data,
	}
	for i := 0; ; i++ {
		err := c.nl.DumpFunc(m, fn)
		if errors.Is(err, ErrDumpInterrupted) && i < dumpRetries {
			reset()
			continue
		}
		return nl.Wrap(op, "", err)
	}
}

// chunks hands out zeroed values of T from arrays that never move, so that
// pointers into them stay valid while more are handed out: the storage
// of a dump's decoded messages, allocated a chunk at a time as they
// arrive. Appending to one slice instead would allocate five times the
// final size on the way (append grows a large slice by a quarter).
type chunks[T any] struct {
	done [][]T // the full chunks, in order
	cur  []T
}

// maxChunk bounds a chunk's length.
const maxChunk = 1024

// next returns a pointer to a new zero T.
func (c *chunks[T]) next() *T {
	if len(c.cur) == cap(c.cur) {
		if c.cur != nil {
			c.done = append(c.done, c.cur)
		}
		c.cur = make([]T, 0, min(max(2*cap(c.cur), 16), maxChunk))
	}
	c.cur = c.cur[:len(c.cur)+1]
	return &c.cur[len(c.cur)-1]
}

// unget takes back the value next returned last.
func (c *chunks[T]) unget() {
	var zero T
	c.cur[len(c.cur)-1] = zero
	c.cur = c.cur[:len(c.cur)-1]
}

// all returns the values handed out, in order: the one chunk there is, or
// a copy of all of them in one slice (nil for none).
func (c *chunks[T]) all() []T {
	if len(c.done) == 0 {
		if len(c.cur) == 0 {
			return nil
		}
		return c.cur
	}
	n := len(c.cur)
	for _, d := range c.done {
		n += len(d)
	}
	out := make([]T, 0, n)
	for _, d := range c.done {
		out = append(out, d...)
	}
	return append(out, c.cur...)
}
