package plan

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"github.com/mdlayher/netlink"

	"github.com/nsnet/nsnet/ethtool"
	"github.com/nsnet/nsnet/genl"
	"github.com/nsnet/nsnet/internal/fakeconn"
	"github.com/nsnet/nsnet/internal/nl"
	"github.com/nsnet/nsnet/nat"
	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/rtnl"
)

// Options configure a Session. The zero value is a session without tracing
// that dials real sockets.
type Options struct {
	// Trace, when not nil, receives every netlink message sent and
	// received, decoded (nsnet's --trace); TraceHex adds a hex dump.
	Trace    io.Writer
	TraceHex bool
	// Capture, when not nil, receives every datagram byte for byte
	// (nsnet's --trace-pcap).
	Capture interface {
		WriteNetlink(family int, sent bool, datagram []byte)
	}
	// MaxNS bounds the namespaces the session keeps open at once (0: a
	// quarter of RLIMIT_NOFILE, see NSCacheLimit).
	MaxNS int
	// Dial, when not nil, replaces the dialling of a family's connection
	// (tests hand out connections to a fake kernel, package nltest). It is
	// called with the namespace's reference and descriptor (0 for the
	// caller's own) and the family: "rtnl", "nat", "genl" or "ethtool".
	Dial func(ref nsfs.Ref, nsFD int, family string) (io.Closer, error)
	// Kernel, when not nil and Dial is nil, is the fake kernel of a
	// family's connections in unit tests (package nltest's Model.Func or
	// NFT.Func; nil for a family without one): the session makes real
	// rtnl, nat, genl and ethtool Conns whose socket it stands for,
	// traced and captured as Trace and Capture say (an ethtool Conn looks
	// its family up first: the fake answers CTRL_CMD_GETFAMILY). A family
	// it has no fake for fails.
	Kernel func(family string) func(req []netlink.Message) ([]netlink.Message, error)
}

// A Session holds what a plan needs across its steps: one open handle per
// namespace and one netlink connection per (namespace, family), opened on
// first use inside the namespace and reused by every later step, and
// closed by Close.
//
// At most MaxNS namespaces stay open with their connections: opening one
// more closes the least recently used one that no step running now has
// used (Begin starts a step), so a plan that touches 10,000 namespaces runs
// under a small RLIMIT_NOFILE. A cached named namespace is checked to be
// still what its name refers to before each use; if another process
// deleted or replaced it, the cache entry is dropped and the name opened
// again.
//
// A Session is not safe for concurrent use.
type Session struct {
	opt   Options
	nss   map[string]*nsEntry
	conns map[connKey]io.Closer
	tick  uint64
	maxNS int
}

type connKey struct{ ns, family string }

// nsEntry is an open namespace with its identity, kept to check that its
// name still refers to it with one system call.
type nsEntry struct {
	h        *nsfs.NS
	dev, ino uint64
	used     uint64 // Session.tick of its last use
	checked  uint64 // Session.tick of its last check against its name (0: never)
}

// NewSession returns an empty session; nil options mean the zero Options.
func NewSession(o *Options) *Session {
	s := &Session{nss: map[string]*nsEntry{}, conns: map[connKey]io.Closer{}}
	if o != nil {
		s.opt = *o
	}
	s.maxNS = s.opt.MaxNS
	if s.maxNS <= 0 {
		s.maxNS = NSCacheLimit()
	}
	return s
}

// NSCacheLimit is how many namespaces a session keeps open by default:
// each holds a handle and up to a few sockets, so a quarter of the
// descriptors left after a margin for stdio, the runtime and a journal,
// between 2 and 256.
func NSCacheLimit() int {
	var rl syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl) != nil {
		return 16
	}
	n := (int64(min(rl.Cur, 1<<20)) - 24) / 4
	return int(max(2, min(n, 256)))
}

// SetTrace changes where later connections trace (already open ones keep
// theirs).
func (s *Session) SetTrace(w io.Writer, hex bool) { s.opt.Trace, s.opt.TraceHex = w, hex }

// SetCapture changes where later connections copy their datagrams (nil:
// nowhere).
func (s *Session) SetCapture(c interface {
	WriteNetlink(family int, sent bool, datagram []byte)
}) {
	s.opt.Capture = c
}

// Begin marks the start of a step: namespaces used from now on stay open
// until the next Begin, whatever else is opened.
func (s *Session) Begin() { s.tick++ }

// MaxNS is how many namespaces the session keeps open at once.
func (s *Session) MaxNS() int { return s.maxNS }

// SetMaxNS changes it (at least 1), for a caller that holds namespaces'
// descriptors of its own for a while.
func (s *Session) SetMaxNS(n int) { s.maxNS = max(1, n) }

// Close releases every cached connection and namespace handle. The
// session stays usable: later calls open what they need again.
func (s *Session) Close() error {
	for k, c := range s.conns {
		c.Close()
		delete(s.conns, k)
	}
	for k, ent := range s.nss {
		ent.h.Close()
		delete(s.nss, k)
	}
	return nil
}

// Forget closes what is cached for the namespace (after it was deleted,
// or when a plan is done with it).
func (s *Session) Forget(ref nsfs.Ref) { s.forget(ref.Key()) }

func (s *Session) forget(key string) {
	for k, c := range s.conns {
		if k.ns == key {
			c.Close()
			delete(s.conns, k)
		}
	}
	if ent, ok := s.nss[key]; ok {
		ent.h.Close()
		delete(s.nss, key)
	}
}

// evict closes least recently used namespaces (and their connections)
// until there is room for one more; those used since the last Begin stay.
func (s *Session) evict() {
	for len(s.nss) >= s.maxNS {
		victim, oldest := "", s.tick
		for k, ent := range s.nss {
			if ent.used < oldest {
				victim, oldest = k, ent.used
			}
		}
		if victim == "" {
			return
		}
		s.forget(victim)
	}
}

// Open returns the session's open handle of the namespace, opening it on
// first use; nil (and no error) for the caller's own namespace. The
// handle belongs to the session: do not close it.
func (s *Session) Open(ref nsfs.Ref) (*nsfs.NS, error) {
	key := ref.Key()
	if key == "" {
		return nil, nil
	}
	s.fresh(ref, key)
	if ent, ok := s.nss[key]; ok {
		ent.used = s.tick
		return ent.h, nil
	}
	h, err := ref.Open()
	if err != nil {
		return nil, err
	}
	s.evict()
	ent, err := newNSEntry(h)
	if err != nil {
		return nil, err
	}
	ent.used, ent.checked = s.tick, s.tick // opened by its name in this step
	s.nss[key] = ent
	return h, nil
}

// Cached returns the namespace's handle if the session holds it open (and
// it is still what its name refers to), nil otherwise.
func (s *Session) Cached(ref nsfs.Ref) *nsfs.NS {
	key := ref.Key()
	s.fresh(ref, key)
	if ent, ok := s.nss[key]; ok {
		ent.used = s.tick
		return ent.h
	}
	return nil
}

// Adopt caches an open namespace handle under ref, and its rtnetlink
// connection when conn is not nil (netns add opens both from inside the
// new namespace). The session owns both from then on, also on error.
func (s *Session) Adopt(ref nsfs.Ref, h *nsfs.NS, conn *rtnl.Conn) error {
	key := ref.Key()
	s.forget(key)
	s.evict()
	ent, err := newNSEntry(h)
	if err != nil {
		if conn != nil {
			conn.Close()
		}
		return err
	}
	ent.used = s.tick
	s.nss[key] = ent
	if conn != nil {
		s.conns[connKey{key, "rtnl"}] = conn
	}
	return nil
}

func newNSEntry(h *nsfs.NS) (*nsEntry, error) {
	dev, ino, err := h.ID()
	if err != nil {
		h.Close()
		return nil, err
	}
	return &nsEntry{h: h, dev: dev, ino: ino}, nil
}

// fresh drops what is cached for a named namespace whose name no longer
// refers to it (another process deleted or replaced RunDir/NAME), so that a
// later step fails as "no such namespace" instead of acting on a namespace
// nobody can reach. A path names its namespace by the file itself. The
// check is made once per step (Begin): a step that asks for the handle and
// then a connection looks at the name once.
func (s *Session) fresh(ref nsfs.Ref, key string) {
	ent, ok := s.nss[key]
	if !ok || ref.Kind != nsfs.RefName || (ent.checked == s.tick && s.tick != 0) {
		return
	}
	var st syscall.Stat_t
	if syscall.Lstat(filepath.Join(nsfs.RunDir, ref.Name), &st) == nil && uint64(st.Dev) == ent.dev && st.Ino == ent.ino {
		ent.checked = s.tick
		return
	}
	s.forget(key)
}

// Do runs fn on a thread inside the namespace (directly for the caller's
// own). fn must not start goroutines.
func (s *Session) Do(ref nsfs.Ref, fn func() error) error {
	h, err := s.Open(ref)
	if err != nil {
		return err
	}
	if h == nil {
		return fn()
	}
	return nsfs.Do(h, fn)
}

// Conn returns the cached connection of a family in the namespace,
// dialling it with dial (given the namespace's descriptor, 0 for the
// caller's own) on first use.
func (s *Session) Conn(ref nsfs.Ref, family string, dial func(nsFD int) (io.Closer, error)) (io.Closer, error) {
	// Open first: it drops the cached handle and connections of a
	// namespace whose name now means something else.
	h, err := s.Open(ref)
	if err != nil {
		return nil, err
	}
	fd := 0
	if h != nil {
		fd = h.Fd()
	}
	k := connKey{ref.Key(), family}
	if c, ok := s.conns[k]; ok {
		return c, nil
	}
	c, err := s.dial(ref, fd, family, true, dial)
	if err != nil {
		return nil, err
	}
	s.conns[k] = c
	return c, nil
}

// dial opens a connection of family in the namespace (fd): through
// Options.Dial or the fake kernel when they are set (the fake traces only
// when trace is true), else with dial.
func (s *Session) dial(ref nsfs.Ref, fd int, family string, trace bool, dial func(fd int) (io.Closer, error)) (io.Closer, error) {
	switch {
	case s.opt.Dial != nil:
		return s.opt.Dial(ref, fd, family)
	case s.opt.Kernel != nil:
		return s.fake(ref, family, trace)
	}
	return dial(fd)
}

// fake returns a connection of family over Options.Kernel's fake kernel,
// traced (when trace is true) and captured as the options say.
func (s *Session) fake(ref nsfs.Ref, family string, trace bool) (io.Closer, error) {
	fn := s.opt.Kernel(family)
	mk := map[string]func(nl.Config) (any, error){
		"rtnl":    func(cfg nl.Config) (any, error) { return fakeconn.Rtnl(cfg), nil },
		"nat":     func(cfg nl.Config) (any, error) { return fakeconn.NAT(cfg), nil },
		"genl":    func(cfg nl.Config) (any, error) { return fakeconn.Genl(cfg), nil },
		"ethtool": fakeconn.Ethtool,
	}[family]
	if fn == nil || mk == nil {
		return nil, fmt.Errorf("plan: Options.Kernel has no fake kernel for family %q", family)
	}
	cfg := nl.Config{Kernel: fn, TraceNS: ref.Key(), Capture: s.opt.Capture}
	if trace {
		cfg.Trace, cfg.TraceHex = s.opt.Trace, s.opt.TraceHex
	}
	c, err := mk(cfg)
	if err != nil {
		return nil, err
	}
	return c.(io.Closer), nil
}

// errFamily is the error of a Dial hook that returned a connection of
// another type than the family's.
var errFamily = errors.New("plan: Options.Dial returned a connection of the wrong type")

func conn[T io.Closer](s *Session, ref nsfs.Ref, family string, dial func(fd int) (io.Closer, error)) (T, error) {
	var zero T
	c, err := s.Conn(ref, family, dial)
	if err != nil {
		return zero, err
	}
	t, ok := c.(T)
	if !ok {
		return zero, errFamily
	}
	return t, nil
}

// Rtnl returns the rtnetlink connection of the namespace.
func (s *Session) Rtnl(ref nsfs.Ref) (*rtnl.Conn, error) {
	return conn[*rtnl.Conn](s, ref, "rtnl", func(fd int) (io.Closer, error) {
		return rtnl.Dial(&rtnl.Config{NetNS: fd, Trace: s.opt.Trace, TraceHex: s.opt.TraceHex, TraceNS: ref.Key(), Capture: s.opt.Capture})
	})
}

// DialRtnl opens a second rtnetlink connection in the namespace, not
// cached: the caller closes it (two dumps at once, one per socket). It
// goes through Options.Dial too, and traces only when trace is true.
func (s *Session) DialRtnl(ref nsfs.Ref, trace bool) (*rtnl.Conn, error) {
	return dialFresh(s, ref, "rtnl", trace, func(fd int, cfg nl.Config) (*rtnl.Conn, error) {
		return rtnl.Dial(&rtnl.Config{NetNS: fd, Trace: cfg.Trace, TraceHex: cfg.TraceHex, TraceNS: cfg.TraceNS, Capture: cfg.Capture})
	})
}

// DialNAT opens a second nf_tables connection in the namespace, not
// cached, as DialRtnl does: the caller uses it on another goroutine and
// closes it.
func (s *Session) DialNAT(ref nsfs.Ref, trace bool) (*nat.Conn, error) {
	return dialFresh(s, ref, "nat", trace, func(fd int, cfg nl.Config) (*nat.Conn, error) {
		return nat.Dial(&nat.Config{NetNS: fd, Trace: cfg.Trace, TraceHex: cfg.TraceHex, TraceNS: cfg.TraceNS, Capture: cfg.Capture})
	})
}

// dialFresh opens a connection of family in the namespace that the
// Session does not keep: through Options.Dial or the fake kernel when
// they are set, else with dial (cfg holds the tracing, when trace).
func dialFresh[T io.Closer](s *Session, ref nsfs.Ref, family string, trace bool, dial func(fd int, cfg nl.Config) (T, error)) (T, error) {
	var zero T
	h, err := s.Open(ref)
	if err != nil {
		return zero, err
	}
	fd := 0
	if h != nil {
		fd = h.Fd()
	}
	c, err := s.dial(ref, fd, family, trace, func(fd int) (io.Closer, error) {
		cfg := nl.Config{TraceNS: ref.Key(), Capture: s.opt.Capture}
		if trace {
			cfg.Trace, cfg.TraceHex = s.opt.Trace, s.opt.TraceHex
		}
		return dial(fd, cfg)
	})
	if err != nil {
		return zero, err
	}
	t, ok := c.(T)
	if !ok {
		c.Close()
		return zero, errFamily
	}
	return t, nil
}

// NAT returns the nf_tables connection of the namespace.
func (s *Session) NAT(ref nsfs.Ref) (*nat.Conn, error) {
	return conn[*nat.Conn](s, ref, "nat", func(fd int) (io.Closer, error) {
		return nat.Dial(&nat.Config{NetNS: fd, Trace: s.opt.Trace, TraceHex: s.opt.TraceHex, TraceNS: ref.Key(), Capture: s.opt.Capture})
	})
}

// Genl returns the generic netlink connection of the namespace.
func (s *Session) Genl(ref nsfs.Ref) (*genl.Conn, error) {
	return conn[*genl.Conn](s, ref, "genl", func(fd int) (io.Closer, error) {
		return genl.Dial(&genl.Config{NetNS: fd, Trace: s.opt.Trace, TraceHex: s.opt.TraceHex, TraceNS: ref.Key(), Capture: s.opt.Capture})
	})
}

// Ethtool returns the ethtool (generic netlink) connection of the
// namespace.
func (s *Session) Ethtool(ref nsfs.Ref) (*ethtool.Conn, error) {
	return conn[*ethtool.Conn](s, ref, "ethtool", func(fd int) (io.Closer, error) {
		return ethtool.Dial(&genl.Config{NetNS: fd, Trace: s.opt.Trace, TraceHex: s.opt.TraceHex, TraceNS: ref.Key(), Capture: s.opt.Capture})
	})
}

// Absent reports whether ref names a namespace that does not exist:
// nothing a step would make can be there, and nothing it would remove.
func (s *Session) Absent(ref nsfs.Ref) bool {
	if ref.IsSelf() {
		return false
	}
	_, err := s.Open(ref)
	return errors.Is(err, os.ErrNotExist)
}
