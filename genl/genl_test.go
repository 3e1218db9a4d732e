package genl

import (
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/mdlayher/genetlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nlattr"
	"github.com/nsnet/nsnet/internal/nltrace"
)

func encode(t *testing.T, fn func(ae *nlattr.Encoder)) []byte {
	t.Helper()
	ae := nlattr.NewEncoder(binary.NativeEndian)
	fn(ae)
	b, err := ae.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A controller reply as the kernel builds it: ops and groups are arrays
// of nested attributes indexed from 1.
func ctrlReply(t *testing.T) []byte {
	return encode(t, func(ae *nlattr.Encoder) {
		ae.String(unix.CTRL_ATTR_FAMILY_NAME, "ethtool")
		ae.Uint16(unix.CTRL_ATTR_FAMILY_ID, 21)
		ae.Uint32(unix.CTRL_ATTR_VERSION, 1)
		ae.Uint32(unix.CTRL_ATTR_HDRSIZE, 0)
		ae.Uint32(unix.CTRL_ATTR_MAXATTR, 0)
		ae.Nested(unix.CTRL_ATTR_OPS, func(nae *nlattr.Encoder) error {
			for i, op := range [][2]uint32{{1, 0xe}, {12, 0x1a}} {
				nae.Nested(uint16(i+1), func(o *nlattr.Encoder) error {
					o.Uint32(unix.CTRL_ATTR_OP_ID, op[0])
					o.Uint32(unix.CTRL_ATTR_OP_FLAGS, op[1])
					return nil
				})
			}
			return nil
		})
		ae.Nested(unix.CTRL_ATTR_MCAST_GROUPS, func(nae *nlattr.Encoder) error {
			nae.Nested(1, func(g *nlattr.Encoder) error {
				g.Uint32(unix.CTRL_ATTR_MCAST_GRP_ID, 6)
				g.String(unix.CTRL_ATTR_MCAST_GRP_NAME, "monitor")
				return nil
			})
			return nil
		})
	})
}

func TestParseFamily(t *testing.T) {
	f, err := parseFamily(ctrlReply(t))
	if err != nil {
		t.Fatal(err)
	}
	if f.ID != 21 || f.Name != "ethtool" || f.Version != 1 || len(f.Ops) != 2 || len(f.Groups) != 1 {
		t.Fatalf("%+v", f)
	}
	if f.Ops[1] != (Op{ID: 12, Flags: OpCmdCapDo | OpCmdCapHasPol | OpUnsAdminPerm}) {
		t.Errorf("op %+v", f.Ops[1])
	}
	if f.Groups[0] != (genetlink.MulticastGroup{ID: 6, Name: "monitor"}) {
		t.Errorf("group %+v", f.Groups[0])
	}
	if got := f.Ops[0].Flags.Names(); !slices.Equal(got, []string{"doit", "dumpit", "has-policy"}) {
		t.Errorf("flags %v", got)
	}
	if s := OpFlags(0x41).String(); s != "admin-perm,0x40" {
		t.Errorf("unknown flag bits: %q", s)
	}
	// Without an id, or garbage: an error, not a zero family.
	if _, err := parseFamily(encode(t, func(ae *nlattr.Encoder) { ae.String(unix.CTRL_ATTR_FAMILY_NAME, "x") })); !errors.Is(err, errNoFamilyID) {
		t.Errorf("no id: %v", err)
	}
	if _, err := parseFamily([]byte{9, 0, 1}); err == nil {
		t.Error("truncated attributes accepted")
	}
}

func header(typ uint16, flags uint16, payloadLen int) nltrace.Header {
	return nltrace.Header{Len: uint32(16 + payloadLen), Type: typ, Flags: flags, Seq: 7, PID: 1}
}

// --trace names generic netlink messages by family and command, in the
// direction they travel, and decodes their attributes by the family's
// names; an unknown family still shows its genlmsghdr.
func TestTraceGenl(t *testing.T) {
	names := newFamilyNames()
	var out strings.Builder
	p := nltrace.New(&out, names.schema(), false)

	req, _ := genetlink.Message{Header: genetlink.Header{Command: unix.CTRL_CMD_GETFAMILY, Version: 1},
		Data: encode(t, func(ae *nlattr.Encoder) { ae.String(unix.CTRL_ATTR_FAMILY_NAME, "ethtool") })}.MarshalBinary()
	p.Print(nltrace.Sent, header(unix.GENL_ID_CTRL, 1, len(req)), req)
	rep, _ := genetlink.Message{Header: genetlink.Header{Command: unix.CTRL_CMD_NEWFAMILY, Version: 2}, Data: ctrlReply(t)}.MarshalBinary()
	p.Print(nltrace.Received, header(unix.GENL_ID_CTRL, 0, len(rep)), rep)

	// Before the family is known: by id.
	feat := encode(t, func(ae *nlattr.Encoder) {
		ae.Nested(unix.ETHTOOL_A_FEATURES_HEADER, func(h *nlattr.Encoder) error {
			h.String(unix.ETHTOOL_A_HEADER_DEV_NAME, "veth0")
			return nil
		})
	})
	get, _ := genetlink.Message{Header: genetlink.Header{Command: unix.ETHTOOL_MSG_FEATURES_GET, Version: 1}, Data: feat}.MarshalBinary()
	p.Print(nltrace.Sent, header(21, 1, len(get)), get)
	names.add(21, "ethtool")
	p.Print(nltrace.Sent, header(21, 1, len(get)), get)
	// Command 12 is FEATURES_SET on the way in, FEATURES_SET_REPLY out.
	set, _ := genetlink.Message{Header: genetlink.Header{Command: 12, Version: 1}, Data: feat}.MarshalBinary()
	p.Print(nltrace.Received, header(21, 0, len(set)), set)

	// An error reply naming the request by its family and command.
	errMsg := make([]byte, 4+16+len(set))
	binary.NativeEndian.PutUint32(errMsg, uint32(0xffffffff-unix.EOPNOTSUPP+1))
	binary.NativeEndian.PutUint32(errMsg[4:], uint32(16+len(set)))
	binary.NativeEndian.PutUint16(errMsg[8:], 21)
	binary.NativeEndian.PutUint32(errMsg[12:], 9)
	copy(errMsg[20:], set)
	p.Print(nltrace.Received, header(unix.NLMSG_ERROR, 0, len(errMsg)), errMsg)

	got := out.String()
	for _, want := range []string{
		"→ CTRL_CMD_GETFAMILY flags=REQUEST seq=7",
		"genlmsghdr family=nlctrl (0x10) cmd=CTRL_CMD_GETFAMILY (3) version=1",
		`CTRL_ATTR_FAMILY_NAME "ethtool"`,
		"← CTRL_CMD_NEWFAMILY",
		"CTRL_ATTR_OP_FLAGS 0x1a<doit,has-policy,uns-admin-perm>",
		`CTRL_ATTR_MCAST_GRP_NAME "monitor"`,
		"→ genl(0x15):cmd=11 flags=REQUEST",
		"genlmsghdr family=0x15 cmd=11 version=1",
		"→ ETHTOOL_MSG_FEATURES_GET flags=REQUEST",
		"genlmsghdr family=ethtool (0x15) cmd=ETHTOOL_MSG_FEATURES_GET (11) version=1",
		`ETHTOOL_A_HEADER_DEV_NAME "veth0"`,
		"← ETHTOOL_MSG_FEATURES_SET_REPLY",
		"error -95 ENOTSUP for ETHTOOL_MSG_FEATURES_SET seq=9",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("trace lacks %q:\n%s", want, got)
		}
	}
	// Truncated payloads print raw, never panic.
	for n := range len(get) {
		p.Print(nltrace.Received, header(21, 0, n), get[:n])
	}
}
