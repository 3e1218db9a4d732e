package rtnl

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nltrace"
)

// schema tells the --trace printer how to decode rtnetlink messages.
var schema = &nltrace.Schema{Family: "rtnetlink", Msg: traceMsg}

func traceMsg(t uint16) (nltrace.Msg, bool) {
	switch t {
	case unix.RTM_NEWLINK:
		return nltrace.Msg{Name: "RTM_NEWLINK", Kind: nltrace.KindNew, Header: 16, HeaderFmt: fmtIfinfomsg, Attrs: linkSpace}, true
	case unix.RTM_DELLINK:
		return nltrace.Msg{Name: "RTM_DELLINK", Kind: nltrace.KindDel, Header: 16, HeaderFmt: fmtIfinfomsg, Attrs: linkSpace}, true
	case unix.RTM_GETLINK:
		return nltrace.Msg{Name: "RTM_GETLINK", Kind: nltrace.KindGet, Header: 16, HeaderFmt: fmtIfinfomsg, Attrs: linkSpace}, true
	case unix.RTM_SETLINK:
		return nltrace.Msg{Name: "RTM_SETLINK", Kind: nltrace.KindNew, Header: 16, HeaderFmt: fmtIfinfomsg, Attrs: linkSpace}, true
	case unix.RTM_NEWNSID:
		return nltrace.Msg{Name: "RTM_NEWNSID", Kind: nltrace.KindNew, Header: 4, HeaderFmt: fmtRtgenmsg, Attrs: nsidSpace}, true
	case unix.RTM_DELNSID:
		return nltrace.Msg{Name: "RTM_DELNSID", Kind: nltrace.KindDel, Header: 4, HeaderFmt: fmtRtgenmsg, Attrs: nsidSpace}, true
	case unix.RTM_GETNSID:
		return nltrace.Msg{Name: "RTM_GETNSID", Kind: nltrace.KindGet, Header: 4, HeaderFmt: fmtRtgenmsg, Attrs: nsidSpace}, true
	}
	return nltrace.Msg{}, false
}

var nsidSpace = &nltrace.Space{Name: "netnsa", Attrs: map[uint16]nltrace.Attr{
	netnsaNSID:        {Name: "NETNSA_NSID", Kind: nltrace.S32},
	netnsaPID:         {Name: "NETNSA_PID", Kind: nltrace.U32},
	netnsaFD:          {Name: "NETNSA_FD", Kind: nltrace.U32},
	netnsaTargetNSID:  {Name: "NETNSA_TARGET_NSID", Kind: nltrace.S32},
	netnsaCurrentNSID: {Name: "NETNSA_CURRENT_NSID", Kind: nltrace.S32},
}}

// linkSpace is the IFLA_* attribute space (filled in by link tracing).
var linkSpace *nltrace.Space

func fmtRtgenmsg(b []byte) string { return "rtgenmsg family=" + familyName(b[0]) }

func fmtIfinfomsg(b []byte) string {
	return fmt.Sprintf("ifinfomsg family=%s type=%d index=%d flags=%#x change=%#x",
		familyName(b[0]), binary.NativeEndian.Uint16(b[2:]), int32(binary.NativeEndian.Uint32(b[4:])),
		binary.NativeEndian.Uint32(b[8:]), binary.NativeEndian.Uint32(b[12:]))
}

func familyName(f byte) string {
	switch f {
	case unix.AF_UNSPEC:
		return "AF_UNSPEC"
	case unix.AF_INET:
		return "AF_INET"
	case unix.AF_INET6:
		return "AF_INET6"
	case unix.AF_BRIDGE:
		return "AF_BRIDGE"
	}
	return fmt.Sprint(f)
}
