package rtnl

import (
	"io"
	"strings"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

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
		NetNS: fd, Trace: cfg.Trace, TraceHex: cfg.TraceHex, TraceNS: cfg.TraceNS, Schema: schema,
	})
	if err != nil {
		return nil, err
	}
	return &Conn{nl: c}, nil
}

// Close closes the socket.
func (c *Conn) Close() error { return c.nl.Close() }

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
