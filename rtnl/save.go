package rtnl

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// ip's save files (`ip route save`, `ip address save`) are a 32-bit magic
// number in host byte order followed by the kernel's dump replies, each
// written as it came: netlink header and body.
const (
	// RouteSaveMagic opens a file of `ip route save`.
	RouteSaveMagic uint32 = 0x45311224
	// AddrSaveMagic opens a file of `ip address save`.
	AddrSaveMagic uint32 = 0x47361222
)

// Saved is one message of a save file: a netlink header in host byte
// order and the message body, nlmsg_len bytes in all.
type Saved []byte

// Header returns the message's netlink header.
func (s Saved) Header() netlink.Header {
	return netlink.Header{
		Length:   binary.NativeEndian.Uint32(s[0:4]),
		Type:     netlink.HeaderType(binary.NativeEndian.Uint16(s[4:6])),
		Flags:    netlink.HeaderFlags(binary.NativeEndian.Uint16(s[6:8])),
		Sequence: binary.NativeEndian.Uint32(s[8:12]),
		PID:      binary.NativeEndian.Uint32(s[12:16]),
	}
}

// Body returns the message without its header.
func (s Saved) Body() []byte { return s[unix.NLMSG_HDRLEN:] }

// saved encodes a received message as a save file holds it.
func saved(m netlink.Message) Saved {
	b := make(Saved, unix.NLMSG_HDRLEN+len(m.Data))
	binary.NativeEndian.PutUint32(b[0:4], uint32(len(b)))
	binary.NativeEndian.PutUint16(b[4:6], uint16(m.Header.Type))
	binary.NativeEndian.PutUint16(b[6:8], uint16(m.Header.Flags))
	binary.NativeEndian.PutUint32(b[8:12], m.Header.Sequence)
	binary.NativeEndian.PutUint32(b[12:16], m.Header.PID)
	copy(b[unix.NLMSG_HDRLEN:], m.Data)
	return b
}

// ErrSaveFile is matched (errors.Is) by the errors of ReadSaved and of
// Restore of a message that is no route or address: a file that is not
// one ip or nsnet wrote.
var ErrSaveFile = errors.New("not a save file")

// SaveFileError is why ReadSaved refused a file, with what ip reports:
// a wrong magic number (Elems whole numbers read, the bytes Magic found),
// or a message cut short or of a length outside a header and 16 KiB
// (Len, at offset At after its header, as ip's ftell).
type SaveFileError struct {
	BadMagic  bool
	Truncated bool
	Elems     int
	Magic     uint32
	Len, At   int
}

func (e *SaveFileError) Error() string {
	switch {
	case e.BadMagic:
		return fmt.Sprintf("%v: magic mismatch (%d elems, %x magic)", ErrSaveFile, e.Elems, e.Magic)
	case e.Truncated:
		return fmt.Sprintf("%v: truncated message", ErrSaveFile)
	}
	return fmt.Sprintf("%v: malformed message: len=%d @%d", ErrSaveFile, e.Len, e.At)
}

// Is matches ErrSaveFile.
func (e *SaveFileError) Is(target error) bool { return target == ErrSaveFile }

// ReadSaved splits the messages of a save file whose magic number is
// magic. It reads as ip does: each message takes nlmsg_len bytes rounded
// up to four, and a message must fit 16 KiB. A file it refuses gives a
// *SaveFileError, with the messages before the bad one.
func ReadSaved(file []byte, magic uint32) ([]Saved, error) {
	if len(file) < 4 || binary.NativeEndian.Uint32(file) != magic {
		// What ip's fread of the magic number finds: whole numbers
		// read, and the bytes there were.
		var head [4]byte
		copy(head[:], file)
		elems := 0
		if len(file) >= 4 {
			elems = 1
		}
		return nil, &SaveFileError{BadMagic: true, Elems: elems, Magic: binary.NativeEndian.Uint32(head[:])}
	}
	var out []Saved
	for b := file[4:]; len(b) > 0; {
		if len(b) < unix.NLMSG_HDRLEN {
			return out, &SaveFileError{Truncated: true}
		}
		n := int(binary.NativeEndian.Uint32(b))
		if n < unix.NLMSG_HDRLEN || n > 16384 {
			return out, &SaveFileError{Len: n, At: len(file) - len(b) + unix.NLMSG_HDRLEN}
		}
		padded := (n + unix.NLMSG_ALIGNTO - 1) &^ (unix.NLMSG_ALIGNTO - 1)
		if padded > len(b) {
			return out, &SaveFileError{Truncated: true}
		}
		out = append(out, Saved(b[:n:n]))
		b = b[padded:]
	}
	return out, nil
}

// RoutesSaved lists the routes f selects, as Routes does, each with the
// message the kernel sent for it (for a save file).
func (c *Conn) RoutesSaved(f RouteFilter) ([]RouteMessage, []Saved, error) {
	var raw []Saved
	routes, err := c.routes(f, func(m netlink.Message) { raw = append(raw, saved(m)) })
	return routes, raw, err
}

// AddrsSaved returns the messages of an address dump of family fam (or
// every family) on link index (or every link), as the kernel sent them:
// what `ip address save` writes.
func (c *Conn) AddrsSaved(fam Family, index uint32) ([]Saved, error) {
	req := &AddrMessage{Family: fam, Index: index}
	b, err := req.MarshalBinary()
	if err != nil {
		return nil, err
	}
	msgs, err := c.dump("list addresses", unix.RTM_GETADDR, b)
	var out []Saved
	for _, m := range msgs {
		if m.Header.Type == unix.RTM_NEWADDR {
			out = append(out, saved(m))
		}
	}
	return out, err
}

// Restore sends a saved route or address back to the kernel, as `ip
// route restore` and `ip address restore` do: its own type and body, its
// flags with NLM_F_REQUEST, NLM_F_CREATE and NLM_F_ACK added. One already
// there is an error matching os.ErrExist.
func (c *Conn) Restore(s Saved) error {
	h := s.Header()
	op, _, err := savedKind(h.Type)
	if err != nil {
		return err
	}
	_, err = c.request("restore "+op, "", h.Type, h.Flags|netlink.Create|netlink.Acknowledge, s.Body())
	return err
}

// Unrestore deletes what Restore of s made (RTM_DELROUTE or RTM_DELADDR
// with the same body): the undo of a restore that failed part way.
func (c *Conn) Unrestore(s Saved) error {
	op, del, err := savedKind(s.Header().Type)
	if err != nil {
		return err
	}
	_, err = c.request("delete restored "+op, "", del, netlink.Acknowledge, s.Body())
	return err
}

// savedKind names a saved message's type and its deleting type; only
// routes and addresses are restored.
func savedKind(t netlink.HeaderType) (string, netlink.HeaderType, error) {
	switch t {
	case unix.RTM_NEWROUTE:
		return "route", unix.RTM_DELROUTE, nil
	case unix.RTM_NEWADDR:
		return "address", unix.RTM_DELADDR, nil
	}
	return "", 0, fmt.Errorf("%w: message type %d is neither a route nor an address", ErrSaveFile, t)
}
