package nat

import (
	"encoding/binary"
	"errors"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nl"
)

// ctnetlink (NFNL_SUBSYS_CTNETLINK) message types and attributes, from
// linux/netfilter/nfnetlink_conntrack.h.
const (
	ctSubsys          = 1 // NFNL_SUBSYS_CTNETLINK
	ctMsgNew          = 0 // IPCTNL_MSG_CT_NEW
	ctMsgGet          = 1 // IPCTNL_MSG_CT_GET
	ctMsgDelete       = 2 // IPCTNL_MSG_CT_DELETE
	ctaTupleOrig      = 1 // CTA_TUPLE_ORIG
	ctaZone           = 18
	ctaTupleProto     = 2 // CTA_TUPLE_PROTO, inside a tuple
	ctaProtoNum       = 1 // CTA_PROTO_NUM, u8
	ctaProtoDstPort   = 3 // CTA_PROTO_DST_PORT, be16
	nlaTypeMask       = 0x3fff
	ctFlowDescription = "conntrack entries"
)

func ctType(op uint16) netlink.HeaderType { return netlink.HeaderType(ctSubsys<<8 | op) }

// DeleteStaleConntrack deletes the conntrack entries of UDP flows whose
// original destination port is the host port of one of a's UDP mappings,
// in the mapping's family, as the portmap plugin does after adding its
// rules: a flow seen before the mapping existed would otherwise keep its
// old path (NAT is decided on a flow's first packet) until it times out.
// Call it after AddAttachment. It returns how many entries it deleted;
// an entry that went away meanwhile is not an error.
//
// It dumps the family's conntrack table (IPCTNL_MSG_CT_GET) and deletes
// each matching entry by its original tuple and zone
// (IPCTNL_MSG_CT_DELETE); it never sends a delete without a tuple, which
// the kernel would take for a flush of the whole table.
func (c *Conn) DeleteStaleConntrack(a Attachment) (int, error) {
	k := a.key()
	if _, err := a.Rules(); err != nil {
		return 0, nl.Wrap("delete", "conntrack entries of attachment "+k.String(), err)
	}
	ports := map[uint8]map[uint16]bool{}
	for _, pm := range a.PortMaps {
		if p, _ := parseProto(pm.Proto); p != UDP {
			continue
		}
		f := uint8(unix.AF_INET)
		if pm.ContainerIP.Is6() {
			f = unix.AF_INET6
		}
		if ports[f] == nil {
			ports[f] = map[uint16]bool{}
		}
		ports[f][pm.HostPort] = true
	}
	n := 0
	for _, f := range []uint8{unix.AF_INET, unix.AF_INET6} {
		if ports[f] == nil {
			continue
		}
		msgs, err := c.nl.Dump(netlink.Message{
			Header: netlink.Header{Type: ctType(ctMsgGet), Flags: netlink.Request | netlink.Dump},
			Data:   []byte{f, 0, 0, 0},
		}, dumpRetries)
		if err != nil {
			return n, nl.Wrap("list", ctFlowDescription, err)
		}
		for _, m := range msgs {
			if m.Header.Type != ctType(ctMsgNew) {
				continue
			}
			del, ok := staleEntry(m.Data, ports[f])
			if !ok {
				continue
			}
			_, err := c.nl.Execute(netlink.Message{
				Header: netlink.Header{Type: ctType(ctMsgDelete), Flags: netlink.Request | netlink.Acknowledge},
				Data:   append([]byte{f, 0, 0, 0}, del...),
			})
			if errors.Is(err, unix.ENOENT) {
				continue
			}
			if err != nil {
				return n, nl.Wrap("delete", "conntrack entry", err)
			}
			n++
		}
	}
	return n, nil
}

// staleEntry reads a conntrack entry (an IPCTNL_MSG_CT_NEW payload) and,
// if its original tuple is UDP to one of ports, returns the attributes of
// a delete of it: the original tuple as the kernel sent it, and the zone.
func staleEntry(b []byte, ports map[uint16]bool) ([]byte, bool) {
	if len(b) < 4 {
		return nil, false
	}
	var tuple, zone []byte
	for _, at := range rawAttrs(b[4:]) {
		switch at.typ & nlaTypeMask {
		case ctaTupleOrig:
			tuple = at.raw
			for _, t := range rawAttrs(at.value) {
				if t.typ&nlaTypeMask != ctaTupleProto {
					continue
				}
				var proto uint8
				var port uint16
				for _, p := range rawAttrs(t.value) {
					switch {
					case p.typ&nlaTypeMask == ctaProtoNum && len(p.value) >= 1:
						proto = p.value[0]
					case p.typ&nlaTypeMask == ctaProtoDstPort && len(p.value) >= 2:
						port = binary.BigEndian.Uint16(p.value)
					}
				}
				if proto != uint8(UDP) || !ports[port] {
					return nil, false
				}
			}
		case ctaZone:
			zone = at.raw
		}
	}
	if tuple == nil || !hasProto(tuple) {
		return nil, false
	}
	return append(append([]byte{}, tuple...), zone...), true
}

// hasProto reports whether a tuple attribute holds a CTA_TUPLE_PROTO: one
// without it was not matched and must not be deleted.
func hasProto(tuple []byte) bool {
	for _, at := range rawAttrs(tuple) {
		for _, t := range rawAttrs(at.value) {
			if t.typ&nlaTypeMask == ctaTupleProto {
				return true
			}
		}
	}
	return false
}

// rawAttr is one netlink attribute: type, value, and the whole attribute
// with its header and padding.
type rawAttr struct {
	typ   uint16
	value []byte
	raw   []byte
}

// rawAttrs splits b into attributes; it stops at the first malformed one.
func rawAttrs(b []byte) []rawAttr {
	var out []rawAttr
	for len(b) >= 4 {
		l := int(binary.NativeEndian.Uint16(b))
		if l < 4 || l > len(b) {
			break
		}
		padded := min((l+3)&^3, len(b))
		out = append(out, rawAttr{typ: binary.NativeEndian.Uint16(b[2:]), value: b[4:l], raw: b[:padded]})
		b = b[padded:]
	}
	return out
}
