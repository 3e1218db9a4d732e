// Package nlpcap writes netlink messages as a pcap file that Wireshark and
// tshark decode: link type LINKTYPE_NETLINK (253), the format of a capture
// on an nlmon device, made without the nlmon kernel module.
//
// Each record is one datagram as it crossed a netlink socket (a request,
// a batch of requests, or a buffer of replies), behind the 16-byte cooked
// header of tcpdump.org's LINKTYPE_NETLINK, all fields big-endian:
//
//	offset  0  packet type     4 (PACKET_OUTGOING) sent to the kernel, 0 (PACKET_HOST) received
//	offset  2  ARPHRD_ type    824 (ARPHRD_NETLINK)
//	offset  4  address length  0
//	offset  6  address         8 bytes, zero
//	offset 14  protocol        the netlink family (0 NETLINK_ROUTE, 12 NETLINK_NETFILTER, 16 NETLINK_GENERIC)
//
// The netlink messages after it are in host byte order, as on the socket.
//
// A *Writer is the Capture of rtnl.Config, nat.Config and genl.Config.
package nlpcap

import (
	"encoding/binary"
	"io"
	"sync"
	"time"

	"github.com/nsnet/nsnet/pkt"
)

// Cooked header values.
const (
	// HeaderLen is the length of the cooked header before each datagram.
	HeaderLen = 16
	// ARPHRDNetlink is ARPHRD_NETLINK, the device type of the header.
	ARPHRDNetlink = 824
	// PacketHost (PACKET_HOST) marks a datagram received from the kernel.
	PacketHost = 0
	// PacketOutgoing (PACKET_OUTGOING) marks a datagram sent to the kernel.
	PacketOutgoing = 4
)

// Writer writes netlink datagrams to a pcap stream. It is safe for
// concurrent use; each record is flushed as it is written, so a reader
// of a pipe sees it at once.
type Writer struct {
	mu  sync.Mutex
	pw  *pkt.Writer
	buf []byte
	err error
	now func() time.Time
}

// NewWriter writes the pcap file header to w and returns a Writer.
func NewWriter(w io.Writer) (*Writer, error) {
	pw, err := pkt.NewWriter(w, pkt.LinkTypeNetlink, 0)
	if err != nil {
		return nil, err
	}
	return &Writer{pw: pw, now: time.Now}, nil
}

// Header returns the cooked header of a datagram of family, sent to the
// kernel or received from it.
func Header(family int, sent bool) [HeaderLen]byte {
	var h [HeaderLen]byte
	if sent {
		binary.BigEndian.PutUint16(h[0:], PacketOutgoing)
	} else {
		binary.BigEndian.PutUint16(h[0:], PacketHost)
	}
	binary.BigEndian.PutUint16(h[2:], ARPHRDNetlink)
	binary.BigEndian.PutUint16(h[14:], uint16(family))
	return h
}

// WriteNetlink writes datagram b of family as one record. A write error
// is kept (see Err) and later records are dropped: the connection that
// sent or received b goes on, as it would without a capture.
func (w *Writer) WriteNetlink(family int, sent bool, b []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return
	}
	h := Header(family, sent)
	w.buf = append(append(w.buf[:0], h[:]...), b...)
	w.err = w.pw.WritePacket(pkt.Packet{Time: w.now(), LinkType: pkt.LinkTypeNetlink, Data: w.buf, Length: len(w.buf)})
}

// Err returns the first error writing a record, or nil.
func (w *Writer) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}
