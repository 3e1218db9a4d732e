package plan

import (
	"context"
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nlattr"
	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/rtnl"
)

// BridgePortSet changes the bridge port settings of link Dev (a link with
// a bridge master) in namespace NS, as `bridge link set dev DEV hairpin
// on` does: Hairpin (send frames back out the port they came in on) and
// Learning. Nil fields are left as they are.
type BridgePortSet struct {
	NS       nsfs.Ref
	Dev      string
	Hairpin  *bool
	Learning *bool
}

// Apply makes the change in one request.
func (c BridgePortSet) Apply(ctx context.Context, s *Session) error {
	conn, err := s.Rtnl(c.NS)
	if err != nil {
		return err
	}
	idx, err := conn.LinkIndex(c.Dev)
	if err != nil {
		return err
	}
	return conn.SetBridgePort(idx, rtnl.BridgePort{Hairpin: c.Hairpin, Learning: c.Learning})
}

// state returns what the fields of c are now on the port, read from the
// link's IFLA_INFO_SLAVE_DATA (a setting the kernel does not report
// counts as off).
func (c BridgePortSet) state(s *Session) (BridgePortSet, error) {
	conn, err := s.Rtnl(c.NS)
	if err != nil {
		return BridgePortSet{}, err
	}
	l, err := conn.LinkByName(c.Dev)
	if err != nil {
		return BridgePortSet{}, err
	}
	if l.Attrs.Info == nil || l.Attrs.Info.SlaveKind != "bridge" {
		return BridgePortSet{}, fmt.Errorf("bridge port %s: %s is not a bridge port", c.Dev, c.Dev)
	}
	var hairpin, learning bool
	r := nlattr.NewReader(l.Attrs.Info.SlaveData, binary.NativeEndian)
	for r.Next() {
		switch r.Type {
		case unix.IFLA_BRPORT_MODE:
			hairpin = r.Uint8() != 0
		case unix.IFLA_BRPORT_LEARNING:
			learning = r.Uint8() != 0
		}
	}
	if err := r.Err(); err != nil {
		return BridgePortSet{}, fmt.Errorf("bridge port %s: %w", c.Dev, err)
	}
	now := BridgePortSet{NS: c.NS, Dev: c.Dev}
	if c.Hairpin != nil {
		now.Hairpin = &hairpin
	}
	if c.Learning != nil {
		now.Learning = &learning
	}
	return now, nil
}

// Applied reports whether the port has every setting c sets.
func (c BridgePortSet) Applied(ctx context.Context, s *Session) (bool, error) {
	if s.Absent(c.NS) {
		return false, nil
	}
	now, err := c.state(s)
	if err != nil {
		return false, err
	}
	has := func(want, now *bool) bool { return want == nil || now != nil && *want == *now }
	return has(c.Hairpin, now.Hairpin) && has(c.Learning, now.Learning), nil
}

// Inverse sets back what c changes, as it is now.
func (c BridgePortSet) Inverse(ctx context.Context, s *Session) (Step, error) {
	return c.state(s)
}
