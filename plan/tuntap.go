package plan

import (
	"context"
	"errors"
	"os"

	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/rtnl"
	"github.com/nsnet/nsnet/tuntap"
)

// TunTapAdd makes a persistent TUN or TAP device (ip tuntap add), in NS:
// /dev/net/tun is opened on a thread inside it.
type TunTapAdd struct {
	NS    nsfs.Ref `json:",omitempty"`
	Name  string
	Mode  string  // "tun" or "tap"
	Owner *uint32 `json:",omitempty"`
	Group *uint32 `json:",omitempty"`
	// PI keeps the packet information header (ip's "pi").
	PI         bool `json:",omitempty"`
	OneQueue   bool `json:",omitempty"`
	VnetHdr    bool `json:",omitempty"`
	MultiQueue bool `json:",omitempty"`
}

// TunTapDel removes the device (ip tuntap del): its mode and multi_queue
// must be the device's.
type TunTapDel TunTapAdd

// config is the device as package tuntap takes it.
func (c TunTapAdd) config() tuntap.Config {
	m := tuntap.TAP
	if c.Mode == tuntap.TUN.String() {
		m = tuntap.TUN
	}
	return tuntap.Config{Name: c.Name, Mode: m, Owner: c.Owner, Group: c.Group,
		PI: c.PI, OneQueue: c.OneQueue, VnetHdr: c.VnetHdr, MultiQueue: c.MultiQueue}
}

// find returns the device's data as the kernel has it, or nil when NS has
// no TUN/TAP device of that name.
func (c TunTapAdd) find(s *Session) (*rtnl.Tun, error) {
	if s.Absent(c.NS) {
		return nil, nil
	}
	conn, err := s.Rtnl(c.NS)
	if err != nil {
		return nil, err
	}
	l, err := conn.LinkByName(c.Name)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if l.Attrs.Info == nil || l.Attrs.Info.Kind != "tun" {
		return nil, nil
	}
	d, _ := l.Attrs.Info.Data.(*rtnl.Tun)
	if d == nil {
		d = &rtnl.Tun{}
	}
	return d, nil
}

// Apply makes the device.
func (c TunTapAdd) Apply(ctx context.Context, s *Session) error {
	return s.Do(c.NS, func() error { return tuntap.Add(c.config()) })
}

// Applied reports whether NS has a TUN/TAP device of that name.
func (c TunTapAdd) Applied(ctx context.Context, s *Session) (bool, error) {
	d, err := c.find(s)
	return d != nil, err
}

// Inverse removes the device.
func (c TunTapAdd) Inverse(ctx context.Context, s *Session) (Step, error) { return TunTapDel(c), nil }

// Apply removes the device.
func (c TunTapDel) Apply(ctx context.Context, s *Session) error {
	return s.Do(c.NS, func() error { return tuntap.Delete(TunTapAdd(c).config()) })
}

// Applied reports whether the device is gone.
func (c TunTapDel) Applied(ctx context.Context, s *Session) (bool, error) {
	d, err := TunTapAdd(c).find(s)
	return d == nil && err == nil, err
}

// Inverse makes the device again as the kernel describes it now (its
// mode, flags, owner and group); nil when there is none.
func (c TunTapDel) Inverse(ctx context.Context, s *Session) (Step, error) {
	d, err := TunTapAdd(c).find(s)
	if d == nil || err != nil {
		return nil, err
	}
	on := func(v *uint8) bool { return v != nil && *v != 0 }
	a := TunTapAdd{NS: c.NS, Name: c.Name, Mode: tuntap.TAP.String(), Owner: d.Owner, Group: d.Group,
		PI: on(d.PI), VnetHdr: on(d.VnetHdr), MultiQueue: on(d.MultiQueue)}
	if d.Type != nil && tuntap.Mode(*d.Type) == tuntap.TUN {
		a.Mode = tuntap.TUN.String()
	}
	return a, nil
}
