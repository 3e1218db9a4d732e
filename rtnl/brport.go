package rtnl

import (
	"strconv"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// BridgePort holds the IFLA_BRPORT_* settings of a bridge port that
// SetBridgePort changes; nil fields are left alone.
type BridgePort struct {
	Hairpin  *bool // IFLA_BRPORT_MODE: send frames back out the port they came in on
	Learning *bool // IFLA_BRPORT_LEARNING
}

// SetBridgePort changes the bridge port settings of link index (a link
// with a bridge master), as `ip link set DEV type bridge_slave hairpin on`
// or `bridge link set dev DEV hairpin on` do: RTM_SETLINK with family
// AF_BRIDGE and the settings nested in IFLA_PROTINFO. A missing link is an
// error matching os.ErrNotExist.
func (c *Conn) SetBridgePort(index uint32, p BridgePort) error {
	b := make([]byte, ifinfomsgLen)
	b[0] = unix.AF_BRIDGE
	native.PutUint32(b[4:], index)
	ae := netlink.NewAttributeEncoder()
	ae.Nested(unix.IFLA_PROTINFO, func(nae *netlink.AttributeEncoder) error {
		if p.Hairpin != nil {
			nae.Uint8(unix.IFLA_BRPORT_MODE, boolByte(*p.Hairpin))
		}
		if p.Learning != nil {
			nae.Uint8(unix.IFLA_BRPORT_LEARNING, boolByte(*p.Learning))
		}
		return nil
	})
	a, err := ae.Encode()
	if err != nil {
		return &Error{Op: "set bridge port", Object: "index " + strconv.FormatUint(uint64(index), 10), Err: err}
	}
	_, err = c.request("set bridge port", "index "+strconv.FormatUint(uint64(index), 10), unix.RTM_SETLINK, netlink.Acknowledge, append(b, a...))
	return err
}

func boolByte(v bool) uint8 {
	if v {
		return 1
	}
	return 0
}
