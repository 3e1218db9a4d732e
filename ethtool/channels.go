package ethtool

import (
	"encoding/binary"
	"fmt"

	"github.com/nsnet/nsnet/internal/nlattr"
	"golang.org/x/sys/unix"
)

// Channels are a device's queue counts (ETHTOOL_A_CHANNELS_*): the
// maximums and the current values. A nil field is one the driver does
// not report (ethtool prints "n/a").
type Channels struct {
	RXMax, TXMax, OtherMax, CombinedMax *uint32
	RX, TX, Other, Combined             *uint32
}

// ChannelCounts are the counts to set; nil fields are left as they are.
type ChannelCounts struct {
	RX, TX, Other, Combined *uint32
}

// Channels returns dev's channels; ErrNotSupported when its driver has
// none (a bridge, a vxlan).
func (c *Conn) Channels(dev string) (Channels, error) {
	var ch Channels
	msgs, err := c.request("get channels", dev, unix.ETHTOOL_MSG_CHANNELS_GET, 0, nil)
	if err != nil {
		return ch, err
	}
	if len(msgs) != 1 {
		return ch, fmt.Errorf("get channels %s: %d replies, want 1", dev, len(msgs))
	}
	fields := map[uint16]**uint32{
		unix.ETHTOOL_A_CHANNELS_RX_MAX: &ch.RXMax, unix.ETHTOOL_A_CHANNELS_TX_MAX: &ch.TXMax,
		unix.ETHTOOL_A_CHANNELS_OTHER_MAX: &ch.OtherMax, unix.ETHTOOL_A_CHANNELS_COMBINED_MAX: &ch.CombinedMax,
		unix.ETHTOOL_A_CHANNELS_RX_COUNT: &ch.RX, unix.ETHTOOL_A_CHANNELS_TX_COUNT: &ch.TX,
		unix.ETHTOOL_A_CHANNELS_OTHER_COUNT: &ch.Other, unix.ETHTOOL_A_CHANNELS_COMBINED_COUNT: &ch.Combined,
	}
	if err := decodeU32s(msgs[0].Data, fields); err != nil {
		return ch, fmt.Errorf("get channels %s: %w", dev, err)
	}
	return ch, nil
}

// SetChannels changes dev's channel counts.
func (c *Conn) SetChannels(dev string, n ChannelCounts) error {
	_, err := c.request("set channels", dev, unix.ETHTOOL_MSG_CHANNELS_SET, 0, func(ae *nlattr.Encoder) {
		putU32s(ae, []u32Attr{
			{unix.ETHTOOL_A_CHANNELS_RX_COUNT, n.RX}, {unix.ETHTOOL_A_CHANNELS_TX_COUNT, n.TX},
			{unix.ETHTOOL_A_CHANNELS_OTHER_COUNT, n.Other}, {unix.ETHTOOL_A_CHANNELS_COMBINED_COUNT, n.Combined},
		})
	})
	return err
}

// Rings are a device's ring sizes (ETHTOOL_A_RINGS_*); nil fields are
// not reported by the driver.
type Rings struct {
	RXMax, RXMiniMax, RXJumboMax, TXMax *uint32
	RX, RXMini, RXJumbo, TX             *uint32
}

// RingCounts are the ring sizes to set; nil fields are left as they are.
type RingCounts struct {
	RX, RXMini, RXJumbo, TX *uint32
}

// Rings returns dev's ring sizes; ErrNotSupported when its driver has no
// rings to report (veth, bridge, vxlan, tun on this kernel).
func (c *Conn) Rings(dev string) (Rings, error) {
	var r Rings
	msgs, err := c.request("get rings", dev, unix.ETHTOOL_MSG_RINGS_GET, 0, nil)
	if err != nil {
		return r, err
	}
	if len(msgs) != 1 {
		return r, fmt.Errorf("get rings %s: %d replies, want 1", dev, len(msgs))
	}
	fields := map[uint16]**uint32{
		unix.ETHTOOL_A_RINGS_RX_MAX: &r.RXMax, unix.ETHTOOL_A_RINGS_RX_MINI_MAX: &r.RXMiniMax,
		unix.ETHTOOL_A_RINGS_RX_JUMBO_MAX: &r.RXJumboMax, unix.ETHTOOL_A_RINGS_TX_MAX: &r.TXMax,
		unix.ETHTOOL_A_RINGS_RX: &r.RX, unix.ETHTOOL_A_RINGS_RX_MINI: &r.RXMini,
		unix.ETHTOOL_A_RINGS_RX_JUMBO: &r.RXJumbo, unix.ETHTOOL_A_RINGS_TX: &r.TX,
	}
	if err := decodeU32s(msgs[0].Data, fields); err != nil {
		return r, fmt.Errorf("get rings %s: %w", dev, err)
	}
	return r, nil
}

// SetRings changes dev's ring sizes.
func (c *Conn) SetRings(dev string, n RingCounts) error {
	_, err := c.request("set rings", dev, unix.ETHTOOL_MSG_RINGS_SET, 0, func(ae *nlattr.Encoder) {
		putU32s(ae, []u32Attr{
			{unix.ETHTOOL_A_RINGS_RX, n.RX}, {unix.ETHTOOL_A_RINGS_RX_MINI, n.RXMini},
			{unix.ETHTOOL_A_RINGS_RX_JUMBO, n.RXJumbo}, {unix.ETHTOOL_A_RINGS_TX, n.TX},
		})
	})
	return err
}

type u32Attr struct {
	typ uint16
	v   *uint32
}

// putU32s encodes the attributes whose values are set, in order.
func putU32s(ae *nlattr.Encoder, attrs []u32Attr) {
	for _, a := range attrs {
		if a.v != nil {
			ae.Uint32(a.typ, *a.v)
		}
	}
}

// decodeU32s sets *fields[t] for every 32-bit attribute t in b.
func decodeU32s(b []byte, fields map[uint16]**uint32) error {
	ad := nlattr.NewReader(b, binary.NativeEndian)
	for ad.Next() {
		if p, ok := fields[ad.Type]; ok {
			v := ad.Uint32()
			*p = &v
		}
	}
	return ad.Err()
}
