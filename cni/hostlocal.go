package cni

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// DefaultDataDir is where host-local keeps its reservations, one
// directory per network name.
const DefaultDataDir = "/var/lib/cni/networks"

// The reference host-local's file format: a file per reserved address,
// named after it, holding "<container id>\r\n<ifname>"; the last address
// given out of range set i in last_reserved_ip.<i>; an flock on the file
// "lock" around every change.
const (
	lineBreak       = "\r\n"
	lastIPPrefix    = "last_reserved_ip."
	lockFileName    = "lock"
	reservationPerm = 0o600
)

// Range is one range of a range set, with defaults filled in: the first
// and last address it gives out, and the gateway (never given out).
type Range struct {
	Subnet  netip.Prefix
	Start   netip.Addr
	End     netip.Addr
	Gateway netip.Addr
}

// Contains reports whether a can be given out of r.
func (r Range) Contains(a netip.Addr) bool {
	return r.Subnet.Contains(a) && a.Compare(r.Start) >= 0 && a.Compare(r.End) <= 0
}

// RangeSet is a list of ranges an attachment gets one address from.
type RangeSet []Range

func (rs RangeSet) rangeFor(a netip.Addr) (int, bool) {
	for i, r := range rs {
		if r.Contains(a) {
			return i, true
		}
	}
	return 0, false
}

func (rs RangeSet) String() string {
	var s []string
	for _, r := range rs {
		s = append(s, r.Start.String()+"-"+r.End.String())
	}
	return strings.Join(s, ",")
}

// parseRange fills a range's defaults as host-local does: the gateway is
// the subnet's first address, the range runs from there to the last
// address (the one before the broadcast address for IPv4).
func parseRange(rc RangeConf) (Range, error) {
	p, err := netip.ParsePrefix(rc.Subnet)
	if err != nil {
		return Range{}, errorf(ErrInvalidConfig, "invalid subnet %q", rc.Subnet)
	}
	p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-ifv(p.Addr().Is4In6(), 96, 0))
	if p.Addr() != p.Masked().Addr() {
		return Range{}, errorf(ErrInvalidConfig, "subnet %s has host bits set (network address %s)", rc.Subnet, p.Masked().Addr())
	}
	if p.Bits() > p.Addr().BitLen()-2 {
		return Range{}, errorf(ErrInvalidConfig, "subnet %s too small to allocate from", rc.Subnet)
	}
	r := Range{Subnet: p}
	last := lastAddr(p)
	if p.Addr().Is4() {
		last = last.Prev()
	}
	parse := func(s, what string, def netip.Addr) (netip.Addr, error) {
		if s == "" {
			return def, nil
		}
		a, err := netip.ParseAddr(s)
		if err != nil || !p.Contains(a.Unmap()) {
			return netip.Addr{}, errorf(ErrInvalidConfig, "%s %q not in network %s", what, s, p)
		}
		return a.Unmap(), nil
	}
	if r.Gateway, err = parse(rc.Gateway, "gateway", p.Addr().Next()); err != nil {
		return Range{}, err
	}
	if r.Start, err = parse(rc.RangeStart, "rangeStart", p.Addr().Next()); err != nil {
		return Range{}, err
	}
	if r.End, err = parse(rc.RangeEnd, "rangeEnd", last); err != nil {
		return Range{}, err
	}
	if r.Start.Compare(r.End) > 0 {
		return Range{}, errorf(ErrInvalidConfig, "rangeStart %s after rangeEnd %s", r.Start, r.End)
	}
	return r, nil
}

func ifv(c bool, a, b int) int {
	if c {
		return a
	}
	return b
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := range b {
		bit := i * 8
		switch {
		case bit >= p.Bits():
			b[i] = 0xff
		case bit+8 > p.Bits():
			b[i] |= 0xff >> (p.Bits() - bit)
		}
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// rangeSets builds the range sets of an ipam object (runtimeConfig
// ipRanges first, then the legacy single range, then ranges), refusing
// overlaps as host-local does.
func rangeSets(c *NetConf) ([]RangeSet, error) {
	var confs [][]RangeConf
	confs = append(confs, c.RuntimeConfig.IPRanges...)
	if c.IPAM.Subnet != "" {
		confs = append(confs, []RangeConf{c.IPAM.RangeConf})
	}
	confs = append(confs, c.IPAM.Ranges...)
	if len(confs) == 0 {
		return nil, errorf(ErrInvalidConfig, "no IP ranges specified")
	}
	var sets []RangeSet
	for i, rc := range confs {
		if len(rc) == 0 {
			return nil, errorf(ErrInvalidConfig, "range set %d is empty", i)
		}
		var rs RangeSet
		for _, r := range rc {
			rr, err := parseRange(r)
			if err != nil {
				return nil, err
			}
			if len(rs) > 0 && rr.Subnet.Addr().Is4() != rs[0].Subnet.Addr().Is4() {
				return nil, errorf(ErrInvalidConfig, "range set %d mixes address families", i)
			}
			rs = append(rs, rr)
		}
		sets = append(sets, rs)
	}
	for i := range sets {
		for j := i + 1; j < len(sets); j++ {
			for _, a := range sets[i] {
				for _, b := range sets[j] {
					if a.Subnet.Overlaps(b.Subnet) && a.Start.Compare(b.End) <= 0 && b.Start.Compare(a.End) <= 0 {
						return nil, errorf(ErrInvalidConfig, "range set %d overlaps with %d", i, j)
					}
				}
			}
		}
	}
	return sets, nil
}

// Store is host-local's directory for one network.
type Store struct {
	dir  string
	lock *os.File
}

// OpenStore opens (creating it) dataDir/network and its lock file.
func OpenStore(dataDir, network string) (*Store, error) {
	if dataDir == "" {
		dataDir = DefaultDataDir
	}
	dir := filepath.Join(dataDir, network)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, &Error{Code: ErrIO, Msg: "host-local: " + err.Error()}
	}
	f, err := os.OpenFile(filepath.Join(dir, lockFileName), os.O_RDWR|os.O_CREATE|unix.O_CLOEXEC, reservationPerm)
	if err != nil {
		return nil, &Error{Code: ErrIO, Msg: "host-local: " + err.Error()}
	}
	return &Store{dir: dir, lock: f}, nil
}

// Close closes the lock file.
func (s *Store) Close() error { return s.lock.Close() }

// Dir is the store's directory.
func (s *Store) Dir() string { return s.dir }

// locked runs fn holding the store's flock, which every host-local
// (nsnet's and the reference plugin) takes around its changes.
func (s *Store) locked(fn func() error) error {
	for {
		err := unix.Flock(int(s.lock.Fd()), unix.LOCK_EX)
		if err == nil {
			break
		}
		if !errors.Is(err, unix.EINTR) {
			return &Error{Code: ErrIO, Msg: "host-local: lock: " + err.Error()}
		}
	}
	defer unix.Flock(int(s.lock.Fd()), unix.LOCK_UN)
	return fn()
}

// reserve creates a's file exclusively; false when it is taken.
func (s *Store) reserve(id, ifname string, a netip.Addr, rangeID int) (bool, error) {
	name := filepath.Join(s.dir, a.String())
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, reservationPerm)
	if errors.Is(err, os.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	_, err = f.WriteString(strings.TrimSpace(id) + lineBreak + ifname)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return false, err
	}
	if err := os.WriteFile(filepath.Join(s.dir, lastIPPrefix+strconv.Itoa(rangeID)), []byte(a.String()), reservationPerm); err != nil {
		os.Remove(name)
		return false, err
	}
	return true, nil
}

// Reservation is one reserved address and its owner.
type Reservation struct {
	Addr        netip.Addr
	ContainerID string
	IfName      string // empty in files written by old host-local versions
}

// Reservations lists the store's reserved addresses.
func (s *Store) Reservations() ([]Reservation, error) {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, err
	}
	var out []Reservation
	for _, e := range ents {
		a, err := netip.ParseAddr(e.Name())
		if err != nil || e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(s.dir, e.Name()))
		if err != nil {
			continue
		}
		id, ifname, _ := strings.Cut(strings.TrimSpace(string(b)), lineBreak)
		out = append(out, Reservation{Addr: a, ContainerID: strings.TrimSpace(id), IfName: ifname})
	}
	return out, nil
}

func (r Reservation) owned(id, ifname string) bool {
	return r.ContainerID == strings.TrimSpace(id) && (r.IfName == ifname || r.IfName == "")
}

// Allocate reserves one address of each range set for id/ifname: the
// requested address that falls in the set, or the next free one after
// the set's last reserved address (round robin, skipping the gateway), as
// host-local does. Requests that fall in no set are an error. On error
// nothing stays reserved.
func (s *Store) Allocate(id, ifname string, sets []RangeSet, requested []netip.Addr) ([]IPConfig, error) {
	var out []IPConfig
	err := s.locked(func() error {
		have, err := s.Reservations()
		if err != nil {
			return &Error{Code: ErrIO, Msg: "host-local: " + err.Error()}
		}
		left := append([]netip.Addr(nil), requested...)
		var got []netip.Addr
		undo := func() {
			for _, a := range got {
				os.Remove(filepath.Join(s.dir, a.String()))
			}
		}
		for idx, rs := range sets {
			var want netip.Addr
			for i, a := range left {
				if _, ok := rs.rangeFor(a); ok {
					want = a
					left = append(left[:i], left[i+1:]...)
					break
				}
			}
			c, err := s.allocOne(id, ifname, idx, rs, want, have)
			if err != nil {
				undo()
				return fmt.Errorf("failed to allocate for range %d: %w", idx, err)
			}
			got = append(got, c.Address.Addr())
			out = append(out, c)
		}
		if len(left) > 0 {
			undo()
			return errorf(ErrInvalidConfig, "failed to allocate all requested IPs: %s", addrList(left))
		}
		return nil
	})
	return out, err
}

func addrList(as []netip.Addr) string {
	var s []string
	for _, a := range as {
		s = append(s, a.String())
	}
	return strings.Join(s, " ")
}

func (s *Store) allocOne(id, ifname string, idx int, rs RangeSet, want netip.Addr, have []Reservation) (IPConfig, error) {
	if want.IsValid() {
		i, _ := rs.rangeFor(want)
		r := rs[i]
		if want == r.Gateway {
			return IPConfig{}, fmt.Errorf("requested ip %s is subnet's gateway", want)
		}
		ok, err := s.reserve(id, ifname, want, idx)
		if err != nil {
			return IPConfig{}, err
		}
		if !ok {
			return IPConfig{}, fmt.Errorf("requested IP address %s is not available in range set %s", want, rs)
		}
		return IPConfig{Address: netip.PrefixFrom(want, r.Subnet.Bits()), Gateway: r.Gateway}, nil
	}
	for _, h := range have {
		if h.owned(id, ifname) {
			if _, ok := rs.rangeFor(h.Addr); ok {
				return IPConfig{}, fmt.Errorf("%s has been allocated to %s, duplicate allocation is not allowed", h.Addr, id)
			}
		}
	}
	it := newRangeIter(rs, s.lastReserved(idx))
	for {
		a, ri, ok := it.next()
		if !ok {
			return IPConfig{}, fmt.Errorf("no IP addresses available in range set: %s", rs)
		}
		got, err := s.reserve(id, ifname, a, idx)
		if err != nil {
			return IPConfig{}, err
		}
		if got {
			return IPConfig{Address: netip.PrefixFrom(a, rs[ri].Subnet.Bits()), Gateway: rs[ri].Gateway}, nil
		}
	}
}

func (s *Store) lastReserved(idx int) netip.Addr {
	b, err := os.ReadFile(filepath.Join(s.dir, lastIPPrefix+strconv.Itoa(idx)))
	if err != nil {
		return netip.Addr{}
	}
	a, _ := netip.ParseAddr(strings.TrimSpace(string(b)))
	return a.Unmap()
}

// rangeIter walks a range set round robin: from the address after last
// (when last is in the set) or from the first range's start, through the
// end of each range into the next one, until it comes back to where it
// began, skipping gateways.
type rangeIter struct {
	rs      RangeSet
	idx     int
	cur     netip.Addr
	start   netip.Addr
	started bool
}

func newRangeIter(rs RangeSet, last netip.Addr) *rangeIter {
	it := &rangeIter{rs: rs}
	if last.IsValid() {
		if i, ok := rs.rangeFor(last); ok {
			it.idx, it.cur = i, last
		}
	}
	return it
}

func (it *rangeIter) next() (netip.Addr, int, bool) {
	for {
		r := it.rs[it.idx]
		switch {
		case !it.cur.IsValid():
			it.cur = r.Start
		case it.cur == r.End:
			it.idx = (it.idx + 1) % len(it.rs)
			it.cur = it.rs[it.idx].Start
		default:
			it.cur = it.cur.Next()
		}
		if !it.started {
			it.start, it.started = it.cur, true
		} else if it.cur == it.start {
			return netip.Addr{}, 0, false
		}
		if it.cur == it.rs[it.idx].Gateway {
			continue
		}
		return it.cur, it.idx, true
	}
}

// Release removes every reservation of id/ifname (and of id alone, in
// files of old host-local versions); releasing nothing is not an error.
func (s *Store) Release(id, ifname string) error {
	return s.locked(func() error {
		have, err := s.Reservations()
		if err != nil {
			return &Error{Code: ErrIO, Msg: "host-local: " + err.Error()}
		}
		for _, h := range have {
			if h.owned(id, ifname) {
				if err := os.Remove(filepath.Join(s.dir, h.Addr.String())); err != nil && !errors.Is(err, os.ErrNotExist) {
					return &Error{Code: ErrIO, Msg: "host-local: " + err.Error()}
				}
			}
		}
		return nil
	})
}

// Has reports the addresses id/ifname holds.
func (s *Store) Has(id, ifname string) ([]netip.Addr, error) {
	var out []netip.Addr
	err := s.locked(func() error {
		have, err := s.Reservations()
		for _, h := range have {
			if h.owned(id, ifname) {
				out = append(out, h.Addr)
			}
		}
		return err
	})
	return out, err
}

// GC removes every reservation whose owner is not in valid and returns
// what it removed.
func (s *Store) GC(valid []AttachmentKey) ([]Reservation, error) {
	keep := map[AttachmentKey]bool{}
	ids := map[string]bool{}
	for _, k := range valid {
		keep[AttachmentKey{strings.TrimSpace(k.ContainerID), k.IfName}] = true
		ids[strings.TrimSpace(k.ContainerID)] = true
	}
	var removed []Reservation
	err := s.locked(func() error {
		have, err := s.Reservations()
		if err != nil {
			return &Error{Code: ErrIO, Msg: "host-local: " + err.Error()}
		}
		for _, h := range have {
			if keep[AttachmentKey{h.ContainerID, h.IfName}] || (h.IfName == "" && ids[h.ContainerID]) {
				continue
			}
			if err := os.Remove(filepath.Join(s.dir, h.Addr.String())); err == nil {
				removed = append(removed, h)
			}
		}
		return nil
	})
	return removed, err
}
