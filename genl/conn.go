package genl

import (
	"io"
	"sync"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/fakeconn"
	"github.com/nsnet/nsnet/internal/nl"
)

// Config says where and how to open a Conn. The zero value opens a socket
// in the calling thread's network namespace with tracing off.
type Config struct {
	// NetNS is a file descriptor of a network namespace (from nsfs); the
	// socket is created inside it and stays there. 0 means the current one.
	NetNS int
	// Trace, when not nil, receives every message sent and received,
	// decoded by the family's name (nsnet's --trace). TraceHex adds a hex
	// dump.
	Trace    io.Writer
	TraceHex bool
	// TraceNS labels traced messages with the namespace's name.
	TraceNS string
	// Capture, when not nil, receives every datagram sent and received,
	// byte for byte (an *nlpcap.Writer writes them as pcap).
	Capture interface {
		WriteNetlink(family int, sent bool, datagram []byte)
	}
}

// Conn is a generic netlink connection. It is safe for concurrent use.
type Conn struct {
	nl    *nl.Conn
	names *familyNames
}

// Error is the type of the errors Conn's methods return.
type Error = nl.Error

// dumpRetries bounds how often an interrupted dump is started again.
const dumpRetries = 5

// Dial opens a generic netlink socket as cfg says; a nil cfg means
// defaults.
func Dial(cfg *Config) (*Conn, error) {
	if cfg == nil {
		cfg = &Config{}
	}
	names := newFamilyNames()
	c, err := nl.Dial(unix.NETLINK_GENERIC, nl.Config{
		NetNS: cfg.NetNS, Trace: cfg.Trace, TraceHex: cfg.TraceHex, TraceNS: cfg.TraceNS,
		Schema: names.schema(), Capture: cfg.Capture,
	})
	if err != nil {
		return nil, err
	}
	return &Conn{nl: c, names: names}, nil
}

// Close closes the socket.
func (c *Conn) Close() error { return c.nl.Close() }

// A Conn over a fake kernel, for unit tests: cfg.Kernel is set, so no
// socket is opened and nl.Dial cannot fail.
func init() {
	fakeconn.Genl = func(cfg nl.Config) any {
		names := newFamilyNames()
		cfg.Schema = names.schema()
		c, _ := nl.Dial(unix.NETLINK_GENERIC, cfg)
		return &Conn{nl: c, names: names}
	}
}

// Execute sends m to the family with id family, with flags added to
// NLM_F_REQUEST, and returns the replies (without the acknowledgement).
// With netlink.Acknowledge it reads up to the acknowledgement, so that a
// request whose reply may or may not come (a set) is done when it
// returns; without it, the request must be one that is answered (a get).
// op and object name the request in errors ("set features", "veth0").
func (c *Conn) Execute(op, object string, family uint16, m genetlink.Message, flags netlink.HeaderFlags) ([]genetlink.Message, error) {
	data, err := m.MarshalBinary()
	if err != nil {
		return nil, nl.Wrap(op, object, err)
	}
	req := netlink.Message{Header: netlink.Header{Type: netlink.HeaderType(family), Flags: netlink.Request | flags}, Data: data}
	var msgs []netlink.Message
	switch {
	case flags&netlink.Dump == netlink.Dump:
		msgs, err = c.nl.Dump(req, dumpRetries)
	case flags&netlink.Acknowledge != 0:
		// A reply (if the family sends one) and the acknowledgement come
		// in datagrams of their own: read up to the acknowledgement.
		msgs, _, err = c.nl.SendBatch([]netlink.Message{req})
	default:
		msgs, err = c.nl.Execute(req)
	}
	if err != nil {
		return nil, nl.Wrap(op, object, err)
	}
	out := make([]genetlink.Message, 0, len(msgs))
	for _, r := range msgs {
		if r.Header.Type == netlink.Error {
			continue // the acknowledgement
		}
		var gm genetlink.Message
		if err := gm.UnmarshalBinary(r.Data); err != nil {
			return nil, nl.Wrap(op, object, err)
		}
		out = append(out, gm)
	}
	return out, nil
}

// familyNames maps the ids of the families a Conn has met to their names,
// for the trace printer, which decodes a message by its family's name.
type familyNames struct {
	mu sync.RWMutex
	m  map[uint16]string
}

func newFamilyNames() *familyNames {
	return &familyNames{m: map[uint16]string{unix.GENL_ID_CTRL: "nlctrl"}}
}

func (f *familyNames) add(id uint16, name string) {
	f.mu.Lock()
	f.m[id] = name
	f.mu.Unlock()
}

func (f *familyNames) name(id uint16) (string, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	n, ok := f.m[id]
	return n, ok
}
