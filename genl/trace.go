package genl

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nltrace"
)

// schema tells the --trace printer how to decode generic netlink: the
// message type is a family id, named from what the Conn has learned from
// the controller; the genlmsghdr's command, read in the direction of the
// message, names the message and picks the attribute space from the
// family's description (traceFamilies).
func (f *familyNames) schema() *nltrace.Schema {
	return &nltrace.Schema{Family: "generic netlink", Lookup: f.lookup}
}

// traceFamily describes one family for the printer.
type traceFamily struct {
	// cmd names command c of a message in direction dir and gives its
	// attribute space; "" if unknown.
	cmd func(dir nltrace.Direction, c uint8) (string, *nltrace.Space)
}

// traceFamilyOf returns the description of family fam for the families
// --trace decodes by name.
func traceFamilyOf(fam string) (traceFamily, bool) {
	switch fam {
	case "nlctrl":
		return traceFamily{cmd: ctrlCmd}, true
	case "ethtool":
		return traceFamily{cmd: ethtoolCmd}, true
	}
	return traceFamily{}, false
}

func (f *familyNames) lookup(dir nltrace.Direction, typ uint16, payload []byte) (nltrace.Msg, bool) {
	fam, known := f.name(typ)
	if !known {
		fam = fmt.Sprintf("genl(%#x)", typ)
	}
	if len(payload) < 4 {
		// The request header of a capped error reply: only the family.
		return nltrace.Msg{Name: fam}, true
	}
	cmd, version := payload[0], payload[1]
	var (
		name  string
		space *nltrace.Space
	)
	if tf, ok := traceFamilyOf(fam); ok {
		name, space = tf.cmd(dir, cmd)
	}
	label := name
	if name == "" {
		name = fam + ":cmd=" + strconv.Itoa(int(cmd))
		label = strconv.Itoa(int(cmd))
	} else {
		label += " (" + strconv.Itoa(int(cmd)) + ")"
	}
	kind := nltrace.KindOther
	switch {
	case strings.Contains(name, "_GET") && !strings.HasSuffix(name, "_REPLY"):
		kind = nltrace.KindGet
	case strings.HasSuffix(name, "_SET") || strings.Contains(name, "_NEW"):
		kind = nltrace.KindNew
	case strings.Contains(name, "_DEL"):
		kind = nltrace.KindDel
	}
	return nltrace.Msg{
		Name: name, Kind: kind, Header: 4, Attrs: space,
		HeaderFmt: func([]byte) string {
			if !known {
				return fmt.Sprintf("genlmsghdr family=%#x cmd=%s version=%d", typ, label, version)
			}
			return fmt.Sprintf("genlmsghdr family=%s (%#x) cmd=%s version=%d", fam, typ, label, version)
		},
	}, true
}

var ctrlCmds = [...]string{
	unix.CTRL_CMD_NEWFAMILY: "CTRL_CMD_NEWFAMILY", unix.CTRL_CMD_DELFAMILY: "CTRL_CMD_DELFAMILY",
	unix.CTRL_CMD_GETFAMILY: "CTRL_CMD_GETFAMILY", unix.CTRL_CMD_NEWOPS: "CTRL_CMD_NEWOPS",
	unix.CTRL_CMD_DELOPS: "CTRL_CMD_DELOPS", unix.CTRL_CMD_GETOPS: "CTRL_CMD_GETOPS",
	unix.CTRL_CMD_NEWMCAST_GRP: "CTRL_CMD_NEWMCAST_GRP", unix.CTRL_CMD_DELMCAST_GRP: "CTRL_CMD_DELMCAST_GRP",
	unix.CTRL_CMD_GETMCAST_GRP: "CTRL_CMD_GETMCAST_GRP", unix.CTRL_CMD_GETPOLICY: "CTRL_CMD_GETPOLICY",
}

func ctrlCmd(_ nltrace.Direction, c uint8) (string, *nltrace.Space) {
	if int(c) < len(ctrlCmds) {
		return ctrlCmds[c], &ctrlSpace
	}
	return "", &ctrlSpace
}

var ctrlOpSpace = nltrace.Space{Name: "ctrl_attr_op", Attrs: []nltrace.Attr{
	unix.CTRL_ATTR_OP_ID:    {Name: "CTRL_ATTR_OP_ID", Kind: nltrace.U32},
	unix.CTRL_ATTR_OP_FLAGS: {Name: "CTRL_ATTR_OP_FLAGS", Kind: nltrace.U32, Format: func(b []byte) string { return fmtOpFlags(b) }},
}}

var ctrlGrpSpace = nltrace.Space{Name: "ctrl_attr_mcast_grp", Attrs: []nltrace.Attr{
	unix.CTRL_ATTR_MCAST_GRP_NAME: {Name: "CTRL_ATTR_MCAST_GRP_NAME", Kind: nltrace.String},
	unix.CTRL_ATTR_MCAST_GRP_ID:   {Name: "CTRL_ATTR_MCAST_GRP_ID", Kind: nltrace.U32},
}}

var ctrlSpace = nltrace.Space{Name: "ctrl_attr", Attrs: []nltrace.Attr{
	unix.CTRL_ATTR_FAMILY_ID:    {Name: "CTRL_ATTR_FAMILY_ID", Kind: nltrace.U16},
	unix.CTRL_ATTR_FAMILY_NAME:  {Name: "CTRL_ATTR_FAMILY_NAME", Kind: nltrace.String},
	unix.CTRL_ATTR_VERSION:      {Name: "CTRL_ATTR_VERSION", Kind: nltrace.U32},
	unix.CTRL_ATTR_HDRSIZE:      {Name: "CTRL_ATTR_HDRSIZE", Kind: nltrace.U32},
	unix.CTRL_ATTR_MAXATTR:      {Name: "CTRL_ATTR_MAXATTR", Kind: nltrace.U32},
	unix.CTRL_ATTR_OPS:          {Name: "CTRL_ATTR_OPS", Kind: nltrace.Array, Elem: &nltrace.Attr{Name: "CTRL_ATTR_OP", Kind: nltrace.Nested, Nest: &ctrlOpSpace}},
	unix.CTRL_ATTR_MCAST_GROUPS: {Name: "CTRL_ATTR_MCAST_GROUPS", Kind: nltrace.Array, Elem: &nltrace.Attr{Name: "CTRL_ATTR_MCAST_GRP", Kind: nltrace.Nested, Nest: &ctrlGrpSpace}},
	unix.CTRL_ATTR_POLICY:       {Name: "CTRL_ATTR_POLICY", Kind: nltrace.Bytes},
	unix.CTRL_ATTR_OP_POLICY:    {Name: "CTRL_ATTR_OP_POLICY", Kind: nltrace.Bytes},
	unix.CTRL_ATTR_OP:           {Name: "CTRL_ATTR_OP", Kind: nltrace.U32},
}}

func fmtOpFlags(b []byte) string {
	if len(b) != 4 {
		return fmt.Sprintf("0x%x", b)
	}
	v := binary.NativeEndian.Uint32(b)
	return fmt.Sprintf("%#x<%s>", v, OpFlags(v))
}
