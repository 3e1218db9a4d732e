package plan

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/rtnl"
	"golang.org/x/sys/unix"
)

// Steps is a sequence of steps applied in order as one: the undo of a
// flush (every address put back).
type Steps []Step

// Apply applies the steps in order, stopping at the first failure.
func (c Steps) Apply(ctx context.Context, s *Session) error {
	for _, st := range c {
		if err := st.Apply(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// Applied reports whether every step is applied.
func (c Steps) Applied(ctx context.Context, s *Session) (bool, error) {
	for _, st := range c {
		if ok, err := st.Applied(ctx, s); !ok || err != nil {
			return false, err
		}
	}
	return true, nil
}

// Inverse is the steps' inverses in reverse order.
func (c Steps) Inverse(ctx context.Context, s *Session) (Step, error) {
	var inv Steps
	for i := len(c) - 1; i >= 0; i-- {
		st, err := c[i].Inverse(ctx, s)
		if err != nil {
			return nil, err
		}
		if st != nil {
			inv = append(inv, st)
		}
	}
	return inv, nil
}

// AddrFlush deletes the addresses of link Dev in namespace NS, of Family
// (FamilyUnspec: both), that Select keeps (nil: every one), as `ip
// address flush`.
type AddrFlush struct {
	NS     nsfs.Ref `json:",omitempty"`
	Dev    string
	Family rtnl.Family
	// Select is ip's filter of the flush; it is not journaled.
	Select func(*rtnl.AddrMessage) bool `json:"-"`
}

// list returns the addresses the flush deletes.
func (c AddrFlush) list(s *Session) (*rtnl.Conn, []rtnl.AddrMessage, error) {
	conn, err := s.Rtnl(c.NS)
	if err != nil {
		return nil, nil, err
	}
	idx, err := linkIndex(conn, "dev", c.Dev)
	if err != nil {
		return nil, nil, err
	}
	addrs, err := conn.Addrs(c.Family, idx)
	if err != nil || c.Select == nil {
		return conn, addrs, err
	}
	kept := addrs[:0]
	for i := range addrs {
		if c.Select(&addrs[i]) {
			kept = append(kept, addrs[i])
		}
	}
	return conn, kept, nil
}

// Apply deletes the addresses, secondaries first (deleting an IPv4
// primary takes its secondaries with it, or promotes one), in up to three
// rounds; a kernel refusal names the address.
func (c AddrFlush) Apply(ctx context.Context, s *Session) error {
	for round := 0; round < 3; round++ {
		conn, addrs, err := c.list(s)
		if err != nil || len(addrs) == 0 {
			return err
		}
		for i := len(addrs) - 1; i >= 0; i-- {
			a := &addrs[i]
			d := &rtnl.AddrMessage{Family: a.Family, PrefixLen: a.PrefixLen, Index: a.Index,
				Attrs: rtnl.AddrAttrs{Local: a.Attrs.Local, Address: a.Attrs.Address}}
			if err := conn.DeleteAddr(d); err != nil && !errors.Is(err, os.ErrNotExist) {
				var re *rtnl.Error
				if errors.As(err, &re) {
					local := a.Attrs.Local
					if !local.IsValid() {
						local = a.Attrs.Address
					}
					re.Object = fmt.Sprintf("%s/%d dev %s", local, a.PrefixLen, c.Dev)
				}
				return err
			}
		}
	}
	return nil
}

// Applied reports whether nothing is left to flush.
func (c AddrFlush) Applied(ctx context.Context, s *Session) (bool, error) {
	if s.Absent(c.NS) {
		return true, nil
	}
	_, addrs, err := c.list(s)
	return len(addrs) == 0, err
}

// Inverse adds back every address the flush would delete now.
func (c AddrFlush) Inverse(ctx context.Context, s *Session) (Step, error) {
	_, addrs, err := c.list(s)
	if err != nil {
		return nil, err
	}
	inv := Steps{}
	for i := range addrs {
		inv = append(inv, AddrOf(c.NS, c.Dev, &addrs[i]))
	}
	return inv, nil
}

// RouteFlush deletes the routes List selects, in rounds until none is
// left (at most ten), as `ip route flush`. With Cache ("flush cache") it
// flushes the IPv4 route cache, and only that unless Family is
// FamilyInet6 (then the cached IPv6 routes List selects).
type RouteFlush struct {
	NS     nsfs.Ref    `json:",omitempty"`
	Cache  bool        `json:",omitempty"`
	Family rtnl.Family `json:",omitempty"`
	// List returns the routes to delete now (ip's selector of the flush).
	// It is not journaled.
	List func() ([]rtnl.RouteMessage, error) `json:"-"`
	// Round, when set, is told before each round how many routes it
	// deletes; 0 ends the flush. It is not journaled.
	Round func(round, n int) error `json:"-"`
}

// Apply flushes. Routes already gone are not an error.
func (c RouteFlush) Apply(ctx context.Context, s *Session) error {
	if c.Cache && c.Family != rtnl.FamilyInet6 {
		// The IPv4 cache has been gone since Linux 3.6; its flush file
		// remains.
		err := s.Do(c.NS, func() error {
			return os.WriteFile("/proc/sys/net/ipv4/route/flush", []byte("-1"), 0)
		})
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if c.Family == rtnl.FamilyInet || c.Family == rtnl.FamilyUnspec {
			return nil
		}
	}
	conn, err := s.Rtnl(c.NS)
	if err != nil {
		return err
	}
	for round := 0; round < 10; round++ {
		routes, err := c.List()
		if err != nil {
			return err
		}
		if c.Round != nil {
			if err := c.Round(round, len(routes)); err != nil {
				return err
			}
		}
		if len(routes) == 0 {
			return nil
		}
		for i := range routes {
			m := RestorableRoute(&routes[i])
			if err := conn.DeleteRoute(&m); err != nil && !errors.Is(err, os.ErrNotExist) && !isErrno(err, unix.ESRCH) {
				return err
			}
		}
	}
	return nil
}

// isErrno reports whether err is the kernel's errno n.
func isErrno(err error, n unix.Errno) bool {
	var re *rtnl.Error
	if errors.As(err, &re) {
		e, ok := re.Errno()
		return ok && e == n
	}
	return false
}

// Applied reports whether nothing is left to flush (a cache flush always
// is: the cache is nobody's state).
func (c RouteFlush) Applied(ctx context.Context, s *Session) (bool, error) {
	if s.Absent(c.NS) || c.Cache {
		return true, nil
	}
	routes, err := c.List()
	return len(routes) == 0, err
}

// Inverse adds back every route the flush would delete now.
func (c RouteFlush) Inverse(ctx context.Context, s *Session) (Step, error) {
	if c.Cache {
		return nil, nil
	}
	routes, err := c.List()
	if err != nil {
		return nil, err
	}
	inv := Steps{}
	for i := range routes {
		inv = append(inv, RouteRaw{NS: c.NS, Op: "add", Route: RestorableRoute(&routes[i])})
	}
	return inv, nil
}
