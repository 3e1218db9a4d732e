package genl

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"github.com/nsnet/nsnet/internal/nlattr"
	"golang.org/x/sys/unix"
)

// Family is a generic netlink family as the controller describes it: the
// id, name, version and multicast groups of genetlink.Family, with the
// size of its own header, its highest attribute type and its operations.
type Family struct {
	genetlink.Family
	HeaderSize uint32 // CTRL_ATTR_HDRSIZE: bytes of family header after the genlmsghdr
	MaxAttr    uint32 // CTRL_ATTR_MAXATTR
	Ops        []Op   // CTRL_ATTR_OPS
}

// Op is one operation (command) of a family.
type Op struct {
	ID    uint32 // the command number
	Flags OpFlags
}

// OpFlags says what an operation allows (GENL_* flags of CTRL_ATTR_OP_FLAGS).
type OpFlags uint32

// Operation flags.
const (
	OpAdminPerm    OpFlags = 0x01 // GENL_ADMIN_PERM: needs CAP_NET_ADMIN
	OpCmdCapDo     OpFlags = 0x02 // GENL_CMD_CAP_DO: a request
	OpCmdCapDump   OpFlags = 0x04 // GENL_CMD_CAP_DUMP: a dump
	OpCmdCapHasPol OpFlags = 0x08 // GENL_CMD_CAP_HASPOL: has an attribute policy
	OpUnsAdminPerm OpFlags = 0x10 // GENL_UNS_ADMIN_PERM: needs CAP_NET_ADMIN in the namespace's user namespace
)

var opFlagNames = []struct {
	f    OpFlags
	name string
}{
	{OpAdminPerm, "admin-perm"}, {OpCmdCapDo, "doit"}, {OpCmdCapDump, "dumpit"},
	{OpCmdCapHasPol, "has-policy"}, {OpUnsAdminPerm, "uns-admin-perm"},
}

// Names returns the flags' names, as `genl ctrl list` prints them
// ("admin-perm", "doit", "dumpit", "has-policy", "uns-admin-perm"), and
// unknown bits in hex.
func (f OpFlags) Names() []string {
	var out []string
	for _, n := range opFlagNames {
		if f&n.f != 0 {
			out = append(out, n.name)
			f &^= n.f
		}
	}
	if f != 0 {
		out = append(out, fmt.Sprintf("%#x", uint32(f)))
	}
	return out
}

// String joins Names with ",".
func (f OpFlags) String() string { return strings.Join(f.Names(), ",") }

// Families lists every family the kernel offers, from the controller.
func (c *Conn) Families() ([]Family, error) {
	msgs, err := c.Execute("list families", "", unix.GENL_ID_CTRL,
		genetlink.Message{Header: genetlink.Header{Command: unix.CTRL_CMD_GETFAMILY, Version: 1}}, netlink.Dump)
	if err != nil {
		return nil, err
	}
	fams := make([]Family, 0, len(msgs))
	for _, m := range msgs {
		f, err := parseFamily(m.Data)
		if err != nil {
			return nil, &Error{Op: "list families", Err: err}
		}
		c.names.add(f.ID, f.Name)
		fams = append(fams, f)
	}
	return fams, nil
}

// Family asks the controller for the family called name. An unknown name
// is an error that answers errors.Is(err, os.ErrNotExist).
func (c *Conn) Family(name string) (Family, error) {
	ae := nlattr.NewEncoder(binary.NativeEndian)
	ae.String(unix.CTRL_ATTR_FAMILY_NAME, name)
	attrs, err := ae.Encode()
	if err != nil {
		return Family{}, &Error{Op: "get family", Object: name, Err: err}
	}
	msgs, err := c.Execute("get family", name, unix.GENL_ID_CTRL,
		genetlink.Message{Header: genetlink.Header{Command: unix.CTRL_CMD_GETFAMILY, Version: 1}, Data: attrs}, 0)
	if err != nil {
		return Family{}, err
	}
	if len(msgs) != 1 {
		return Family{}, &Error{Op: "get family", Object: name, Err: fmt.Errorf("%d replies, want 1", len(msgs))}
	}
	f, err := parseFamily(msgs[0].Data)
	if err != nil {
		return Family{}, &Error{Op: "get family", Object: name, Err: err}
	}
	c.names.add(f.ID, f.Name)
	return f, nil
}

var errNoFamilyID = errors.New("controller reply without a family id or name")

// parseFamily decodes the attributes of a CTRL_CMD_NEWFAMILY reply.
func parseFamily(b []byte) (Family, error) {
	var f Family
	ad := nlattr.NewReader(b, binary.NativeEndian)
	for ad.Next() {
		switch ad.Type {
		case unix.CTRL_ATTR_FAMILY_ID:
			f.ID = ad.Uint16()
		case unix.CTRL_ATTR_FAMILY_NAME:
			f.Name = ad.String()
		case unix.CTRL_ATTR_VERSION:
			f.Version = uint8(ad.Uint32())
		case unix.CTRL_ATTR_HDRSIZE:
			f.HeaderSize = ad.Uint32()
		case unix.CTRL_ATTR_MAXATTR:
			f.MaxAttr = ad.Uint32()
		case unix.CTRL_ATTR_OPS:
			ad.Walk(func(nad *nlattr.Reader) error {
				for nad.Next() {
					var op Op
					nad.Walk(func(oad *nlattr.Reader) error {
						for oad.Next() {
							switch oad.Type {
							case unix.CTRL_ATTR_OP_ID:
								op.ID = oad.Uint32()
							case unix.CTRL_ATTR_OP_FLAGS:
								op.Flags = OpFlags(oad.Uint32())
							}
						}
						return nil
					})
					f.Ops = append(f.Ops, op)
				}
				return nil
			})
		case unix.CTRL_ATTR_MCAST_GROUPS:
			ad.Walk(func(nad *nlattr.Reader) error {
				for nad.Next() {
					var g genetlink.MulticastGroup
					nad.Walk(func(gad *nlattr.Reader) error {
						for gad.Next() {
							switch gad.Type {
							case unix.CTRL_ATTR_MCAST_GRP_ID:
								g.ID = gad.Uint32()
							case unix.CTRL_ATTR_MCAST_GRP_NAME:
								g.Name = gad.String()
							}
						}
						return nil
					})
					f.Groups = append(f.Groups, g)
				}
				return nil
			})
		}
	}
	if err := ad.Err(); err != nil {
		return f, err
	}
	if f.ID == 0 || f.Name == "" {
		return f, errNoFamilyID
	}
	return f, nil
}
