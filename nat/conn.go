package nat

import (
	"errors"
	"io"
	"sync"

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

// Conn is an nf_tables (NETLINK_NETFILTER) connection. Its methods may be
// called from several goroutines, but each one is a read-decide-write
// transaction of its own; the kernel's generation check (not a lock)
// keeps concurrent writers, in other processes or on other Conns, from
// losing or duplicating rules. A Conn keeps what it last read or wrote of
// nsnet's table, tagged with the ruleset generation, and reads the table
// again only when the generation says someone else changed the ruleset.
type Conn struct {
	nl *nl.Conn

	mu    sync.Mutex    // serializes the transactions of this Conn
	cache *state        // nsnet's table at generation cache.gen; nil if unknown
	based uint32        // a generation at which the table and base chains were there; 0 if none
	drops *forwardDrops // ForwardDrops' last result; nil if none
}

// Error is the type of the errors Conn's methods return: it names the
// operation and the object, and answers errors.Is for os.ErrExist,
// os.ErrNotExist and os.ErrPermission.
type Error = nl.Error

// ErrDumpInterrupted is returned (with the partial result) when the kernel
// kept interrupting a dump because the ruleset changed while it ran.
var ErrDumpInterrupted = nl.ErrDumpInterrupted

// dumpRetries bounds how often an interrupted dump is started again.
const dumpRetries = 5

// Dial opens an nf_tables socket as cfg says; a nil cfg means defaults.
func Dial(cfg *Config) (*Conn, error) {
	if cfg == nil {
		cfg = &Config{}
	}
	c, err := nl.Dial(unix.NETLINK_NETFILTER, nl.Config{
		NetNS: cfg.NetNS, Trace: cfg.Trace, TraceHex: cfg.TraceHex, TraceNS: cfg.TraceNS, Schema: schema, Capture: cfg.Capture,
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
	fakeconn.NAT = func(cfg nl.Config) any {
		cfg.Schema = schema
		c, _ := nl.Dial(unix.NETLINK_NETFILTER, cfg)
		return &Conn{nl: c}
	}
}

// dump runs an NLM_F_DUMP request of nf_tables operation op for family f
// (FamilyUnspec for all) with attrs as filter, and returns the reply
// payloads of type reply.
func (c *Conn) dump(what string, op, reply uint16, f Family, attrs func(ae *encoder)) ([][]byte, error) {
	if attrs == nil {
		attrs = func(*encoder) {}
	}
	data, err := encodeMsg(f, attrs)
	if err != nil {
		return nil, nl.Wrap("list", what, err)
	}
	msgs, err := c.nl.Dump(netlink.Message{
		Header: netlink.Header{Type: msgType(op), Flags: netlink.Request | netlink.Dump},
		Data:   data,
	}, dumpRetries)
	if err != nil {
		return nil, nl.Wrap("list", what, explain(err, false))
	}
	var out [][]byte
	for _, m := range msgs {
		if m.Header.Type == msgType(reply) {
			out = append(out, m.Data)
		}
	}
	return out, nil
}

// Tables lists the tables of family f (FamilyUnspec for every family).
func (c *Conn) Tables(f Family) ([]Table, error) {
	msgs, err := c.dump("tables", unix.NFT_MSG_GETTABLE, unix.NFT_MSG_NEWTABLE, f, nil)
	if err != nil {
		return nil, err
	}
	out := make([]Table, 0, len(msgs))
	for _, m := range msgs {
		var t Table
		if err := t.UnmarshalBinary(m); err != nil {
			return nil, nl.Wrap("decode", "table", err)
		}
		out = append(out, t)
	}
	return out, nil
}

// Chains lists the chains of family f (FamilyUnspec for every family).
func (c *Conn) Chains(f Family) ([]Chain, error) {
	msgs, err := c.dump("chains", unix.NFT_MSG_GETCHAIN, unix.NFT_MSG_NEWCHAIN, f, nil)
	if err != nil {
		return nil, err
	}
	out := make([]Chain, 0, len(msgs))
	for _, m := range msgs {
		var ch Chain
		if err := ch.UnmarshalBinary(m); err != nil {
			return nil, nl.Wrap("decode", "chain", err)
		}
		out = append(out, ch)
	}
	return out, nil
}

// Rules lists the rules of table (family f); a missing table has none.
func (c *Conn) Rules(f Family, table string) ([]Rule, error) {
	msgs, err := c.dump("rules of table "+f.String()+" "+table, unix.NFT_MSG_GETRULE, unix.NFT_MSG_NEWRULE, f,
		func(ae *encoder) { ae.String(unix.NFTA_RULE_TABLE, table) })
	if errors.Is(err, unix.ENOENT) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := make([]Rule, 0, len(msgs))
	for _, m := range msgs {
		var r Rule
		if err := r.UnmarshalBinary(m); err != nil {
			return nil, nl.Wrap("decode", "rule", err)
		}
		if r.Table == table {
			out = append(out, r)
		}
	}
	return out, nil
}

// Generation returns the ruleset's generation, which every committed
// change increments (NFT_MSG_GETGEN).
func (c *Conn) Generation() (uint32, error) {
	msgs, err := c.nl.Execute(netlink.Message{
		Header: netlink.Header{Type: msgType(unix.NFT_MSG_GETGEN), Flags: netlink.Request},
		Data:   nfgenmsg(FamilyUnspec, 0),
	})
	if err != nil {
		return 0, nl.Wrap("get", "ruleset generation", explain(err, false))
	}
	for _, m := range msgs {
		if m.Header.Type != msgType(unix.NFT_MSG_NEWGEN) {
			continue
		}
		id, err := decodeGen(m.Data)
		return id, nl.Wrap("get", "ruleset generation", err)
	}
	return 0, nl.Wrap("get", "ruleset generation", errNoGen)
}

// decodeGen returns the generation in the payload of an NFT_MSG_NEWGEN.
func decodeGen(b []byte) (uint32, error) {
	_, attrs, err := splitNfgenmsg(b)
	if err != nil {
		return 0, err
	}
	ad := newDecoder(attrs)
	for ad.Next() {
		if ad.Type == unix.NFTA_GEN_ID {
			id := ad.Uint32()
			return id, ad.Err()
		}
	}
	if err := ad.Err(); err != nil {
		return 0, err
	}
	return 0, errNoGen
}
