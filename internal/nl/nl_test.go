package nl

import (
	"encoding/binary"
	"errors"
	"os"
	"syscall"
	"testing"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// errMsg builds an NLMSG_ERROR with errno, the request's header (its
// length field set to reqLen), payload bytes of the request and TLVs.
func errMsg(flags netlink.HeaderFlags, errno int32, reqLen uint32, payload []byte, tlvs []byte) netlink.Message {
	b := binary.NativeEndian.AppendUint32(nil, uint32(errno))
	b = binary.NativeEndian.AppendUint32(b, reqLen)
	b = append(b, make([]byte, unix.NLMSG_HDRLEN-4)...)
	b = append(b, payload...)
	b = append(b, tlvs...)
	return netlink.Message{Header: netlink.Header{Type: netlink.Error, Flags: flags, Sequence: 7}, Data: b}
}

func extAck(msg string, off uint32) []byte {
	ae := netlink.NewAttributeEncoder()
	ae.String(unix.NLMSGERR_ATTR_MSG, msg)
	ae.Uint32(unix.NLMSGERR_ATTR_OFFS, off)
	b, err := ae.Encode()
	if err != nil {
		panic(err)
	}
	return b
}

// negErrno is errno as the kernel sends it: negative, in 32 bits.
func negErrno(e syscall.Errno) uint32 { return uint32(-int32(e)) }

func TestCheckMessage(t *testing.T) {
	payload := make([]byte, 8)
	for _, c := range []struct {
		name  string
		m     netlink.Message
		errno syscall.Errno // 0: no error
		text  string
		off   int
		short bool
	}{
		{name: "ack", m: errMsg(netlink.Capped, 0, 16, nil, nil)},
		{name: "plain error", m: errMsg(0, -int32(unix.EEXIST), 24, payload, nil), errno: unix.EEXIST},
		{name: "extended ack", m: errMsg(netlink.AcknowledgeTLVs, -int32(unix.EINVAL), 24, payload, extAck("bad thing", 20)),
			errno: unix.EINVAL, text: "bad thing", off: 20},
		{name: "capped extended ack", m: errMsg(netlink.Capped|netlink.AcknowledgeTLVs, -int32(unix.ENODEV), 24, nil, extAck("no dev", 16)),
			errno: unix.ENODEV, text: "no dev", off: 16},
		{name: "short", m: netlink.Message{Header: netlink.Header{Type: netlink.Error}, Data: []byte{1}}, short: true},
		{name: "done of a dump", m: netlink.Message{Header: netlink.Header{Type: netlink.Done, Flags: netlink.Multi}, Data: make([]byte, 4)}},
		{name: "failed dump", m: netlink.Message{Header: netlink.Header{Type: netlink.Done, Flags: netlink.Multi},
			Data: binary.NativeEndian.AppendUint32(nil, negErrno(unix.EINTR))}, errno: unix.EINTR},
		{name: "other", m: netlink.Message{Header: netlink.Header{Type: unix.RTM_NEWLINK}, Data: []byte{0xff, 0xff, 0xff, 0xff}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := checkMessage(c.m)
			if c.errno == 0 && !c.short {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			var oe *netlink.OpError
			if !errors.As(err, &oe) {
				t.Fatalf("got %T %v, want a *netlink.OpError", err, err)
			}
			if c.short {
				if !errors.Is(err, errShortError) {
					t.Fatalf("got %v, want errShortError", err)
				}
				return
			}
			if !errors.Is(err, c.errno) || oe.Message != c.text || oe.Offset != c.off || oe.Op != "receive" {
				t.Fatalf("got %+v, want errno %v, message %q, offset %d", oe, c.errno, c.text, c.off)
			}
		})
	}
}

// TestExecuteKernel talks to the kernel without changing anything: a dump
// of the links (a multi-part reply) and a request that fails.
func TestExecuteKernel(t *testing.T) {
	c, err := Dial(unix.NETLINK_ROUTE, Config{})
	if err != nil {
		t.Skipf("no rtnetlink here: %v", err)
	}
	defer c.Close()
	ifinfo := make([]byte, unix.SizeofIfInfomsg)
	msgs, err := c.Dump(netlink.Message{
		Header: netlink.Header{Type: unix.RTM_GETLINK, Flags: netlink.Request | netlink.Dump},
		Data:   ifinfo,
	}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) == 0 {
		t.Fatal("a link dump returned nothing (there is always lo)")
	}
	for _, m := range msgs {
		if m.Header.Type != unix.RTM_NEWLINK {
			t.Fatalf("dump returned a message of type %d", m.Header.Type)
		}
	}
	// A link index nobody has.
	binary.NativeEndian.PutUint32(ifinfo[4:], 0x7ffffff0)
	_, err = c.Execute(netlink.Message{
		Header: netlink.Header{Type: unix.RTM_GETLINK, Flags: netlink.Request},
		Data:   ifinfo,
	})
	werr := Wrap("get link", "#0x7ffffff0", err)
	var ne *Error
	if !errors.As(werr, &ne) || !ne.Kernel() || !errors.Is(werr, os.ErrNotExist) {
		t.Fatalf("got %v, want a kernel error that matches os.ErrNotExist", werr)
	}
	// The socket is still usable after an error.
	if _, err := c.Dump(netlink.Message{
		Header: netlink.Header{Type: unix.RTM_GETLINK, Flags: netlink.Request | netlink.Dump},
		Data:   make([]byte, unix.SizeofIfInfomsg),
	}, 3); err != nil {
		t.Fatal(err)
	}
}
