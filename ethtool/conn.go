package ethtool

import (
	"encoding/binary"
	"errors"
	"sync"
	"syscall"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/genl"
	"github.com/nsnet/nsnet/internal/fakeconn"
	"github.com/nsnet/nsnet/internal/nl"
	"github.com/nsnet/nsnet/internal/nlattr"
)

// Conn is a connection to the ethtool generic netlink family. It is safe
// for concurrent use.
type Conn struct {
	g      *genl.Conn
	family genl.Family
	netns  int

	mu    sync.Mutex
	names []string // ETH_SS_FEATURES, read once
}

// ErrNotSupported is matched (errors.Is) by the errors of a request the
// device's driver does not implement (EOPNOTSUPP): channels or rings of a
// veth, a bridge.
var ErrNotSupported = errors.New("not supported by the device's driver")

// Dial opens a generic netlink socket as cfg says (nil: defaults) and
// looks up the ethtool family.
func Dial(cfg *genl.Config) (*Conn, error) {
	if cfg == nil {
		cfg = &genl.Config{}
	}
	g, err := genl.Dial(cfg)
	if err != nil {
		return nil, err
	}
	f, err := g.Family(unix.ETHTOOL_GENL_NAME)
	if err != nil {
		g.Close()
		return nil, err
	}
	return &Conn{g: g, family: f, netns: cfg.NetNS}, nil
}

// Close closes the socket.
func (c *Conn) Close() error { return c.g.Close() }

// A Conn over a fake kernel, for unit tests (cfg.Kernel is set): the
// fake kernel answers the lookup of the family as the controller does.
func init() {
	fakeconn.Ethtool = func(cfg nl.Config) (any, error) {
		g := fakeconn.Genl(cfg).(*genl.Conn)
		f, err := g.Family(unix.ETHTOOL_GENL_NAME)
		if err != nil {
			g.Close()
			return nil, err
		}
		return &Conn{g: g, family: f}, nil
	}
}

// request sends an ethtool message: cmd with its attributes and header
// attribute 1 naming dev, with flags (ETHTOOL_FLAG_*) in the header.
func (c *Conn) request(op, dev string, cmd uint8, hdrFlags uint32, attrs func(ae *nlattr.Encoder)) ([]genetlink.Message, error) {
	ae := nlattr.NewEncoder(binary.NativeEndian)
	ae.Nested(1, func(hae *nlattr.Encoder) error { // ETHTOOL_A_*_HEADER
		hae.String(unix.ETHTOOL_A_HEADER_DEV_NAME, dev)
		if hdrFlags != 0 {
			hae.Uint32(unix.ETHTOOL_A_HEADER_FLAGS, hdrFlags)
		}
		return nil
	})
	if attrs != nil {
		attrs(ae)
	}
	b, err := ae.Encode()
	if err != nil {
		return nil, &genl.Error{Op: op, Object: dev, Err: err}
	}
	var flags netlink.HeaderFlags
	if !isGet(cmd) {
		flags = netlink.Acknowledge
	}
	msgs, err := c.g.Execute(op, dev, c.family.ID,
		genetlink.Message{Header: genetlink.Header{Command: cmd, Version: unix.ETHTOOL_GENL_VERSION}, Data: b}, flags)
	if err != nil {
		return nil, notSupported(err)
	}
	return msgs, nil
}

// notSupported adds ErrNotSupported to an EOPNOTSUPP error.
func notSupported(err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) && errno == unix.EOPNOTSUPP {
		return &unsupported{err}
	}
	return err
}

type unsupported struct{ error }

func (u *unsupported) Unwrap() error { return u.error }

func (u *unsupported) Is(target error) bool { return target == ErrNotSupported }

// KernelRefused says the kernel refused the request (nsnet's exit status 2).
func (u *unsupported) KernelRefused() bool { return true }

// isGet reports whether cmd is one of the requests the kernel answers
// with a reply (and no acknowledgement unless asked).
func isGet(cmd uint8) bool {
	switch cmd {
	case unix.ETHTOOL_MSG_STRSET_GET, unix.ETHTOOL_MSG_FEATURES_GET, unix.ETHTOOL_MSG_CHANNELS_GET, unix.ETHTOOL_MSG_RINGS_GET:
		return true
	}
	return false
}
