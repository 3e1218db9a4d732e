package plan

import (
	"context"
	"fmt"

	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/rtnl"
)

// LinkGroupSet changes every link of group Group in namespace NS, as `ip
// link set group N ...` does: one request that names no link and carries
// IFLA_GROUP, which the kernel applies to each link of the group. The
// options that name one link (Address, NetNS, Lower, Index, the queue
// counts) are not for a group. It names no link, so it has no inverse.
type LinkGroupSet struct {
	NS      nsfs.Ref `json:",omitempty"`
	Group   uint32
	Options LinkOptions
}

// Apply sends the request.
func (c LinkGroupSet) Apply(ctx context.Context, s *Session) error {
	conn, err := s.Rtnl(c.NS)
	if err != nil {
		return err
	}
	m := &rtnl.LinkMessage{}
	o := c.Options
	o.Group = &c.Group
	if err := o.apply(s, conn, m); err != nil {
		return err
	}
	return conn.SetLink(m)
}

// Applied is false: what the group holds is not known beforehand.
func (c LinkGroupSet) Applied(ctx context.Context, s *Session) (bool, error) { return false, nil }

// Inverse is ErrIrreversible.
func (c LinkGroupSet) Inverse(ctx context.Context, s *Session) (Step, error) {
	return nil, fmt.Errorf("link set group %d %w: it names no link", c.Group, ErrIrreversible)
}

// LinkGroupDel deletes every link of group Group in namespace NS in one
// request, as `ip link delete group N` (the kernel refuses group 0).
type LinkGroupDel struct {
	NS    nsfs.Ref `json:",omitempty"`
	Group uint32
}

// Apply sends the request.
func (c LinkGroupDel) Apply(ctx context.Context, s *Session) error {
	conn, err := s.Rtnl(c.NS)
	if err != nil {
		return err
	}
	return conn.DeleteLink(&rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Group: &c.Group}})
}

// Applied is false: what the group holds is not known beforehand.
func (c LinkGroupDel) Applied(ctx context.Context, s *Session) (bool, error) { return false, nil }

// Inverse is ErrIrreversible.
func (c LinkGroupDel) Inverse(ctx context.Context, s *Session) (Step, error) {
	return nil, fmt.Errorf("link delete group %d %w: the links are not known", c.Group, ErrIrreversible)
}
