package pkt

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// The pcap file format: a 24-byte file header, then per packet a 16-byte
// record header and the captured bytes.
//
//	file:   magic u32 | major u16 | minor u16 | thiszone i32 | sigfigs u32 | snaplen u32 | linktype u32
//	record: seconds u32 | microseconds (or nanoseconds) u32 | captured length u32 | wire length u32
//
// The magic number is written in the writer's byte order, so readers
// detect both orders; 0xa1b23c4d instead of 0xa1b2c3d4 means nanosecond
// timestamps.
const (
	pcapMagicMicro = 0xa1b2c3d4
	pcapMagicNano  = 0xa1b23c4d
	pcapngMagic    = 0x0a0d0d0a

	// DefaultSnaplen is the snapshot length captures use unless told
	// otherwise, the same as tcpdump's.
	DefaultSnaplen = 262144
	// MaxSnaplen is the largest snapshot length a capture keeps (tcpdump's
	// MAXIMUM_SNAPLEN): larger values are clamped to it.
	MaxSnaplen = 262144

	// maxRecord bounds the captured length of one record a Reader
	// accepts, so that a corrupt file cannot make it allocate gigabytes.
	maxRecord = 1 << 20
)

// ErrBadPcap is wrapped by the errors a Reader returns for input that is
// not a well-formed pcap file.
var ErrBadPcap = errors.New("not a valid pcap file")

// A Writer writes packets to a pcap file that tcpdump, tshark and
// Wireshark read: version 2.4, microsecond timestamps, little-endian.
// Every packet is flushed to the underlying writer as it is written.
type Writer struct {
	w        *bufio.Writer
	linkType LinkType
	snaplen  int
}

// NewWriter writes the file header for packets of linkType, at most
// snaplen bytes each (0, or more than the header's 32 bits hold, means
// DefaultSnaplen), and returns a Writer.
func NewWriter(w io.Writer, linkType LinkType, snaplen int) (*Writer, error) {
	if snaplen <= 0 || uint64(snaplen) > 1<<32-1 {
		snaplen = DefaultSnaplen
	}
	pw := &Writer{w: bufio.NewWriter(w), linkType: linkType, snaplen: snaplen}
	var h [24]byte
	binary.LittleEndian.PutUint32(h[0:], pcapMagicMicro)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], uint32(snaplen))
	binary.LittleEndian.PutUint32(h[20:], uint32(linkType))
	if _, err := pw.w.Write(h[:]); err != nil {
		return nil, fmt.Errorf("pkt: write pcap header: %w", err)
	}
	if err := pw.w.Flush(); err != nil {
		return nil, fmt.Errorf("pkt: write pcap header: %w", err)
	}
	return pw, nil
}

// WritePacket appends p, cut to the snapshot length. p.LinkType must be
// the file's.
func (w *Writer) WritePacket(p Packet) error {
	if p.LinkType != w.linkType {
		return fmt.Errorf("pkt: write packet of link type %v to a %v file", p.LinkType, w.linkType)
	}
	data := p.Data
	if len(data) > w.snaplen {
		data = data[:w.snaplen]
	}
	var h [16]byte
	binary.LittleEndian.PutUint32(h[0:], uint32(p.Time.Unix()))
	binary.LittleEndian.PutUint32(h[4:], uint32(p.Time.Nanosecond()/1000))
	binary.LittleEndian.PutUint32(h[8:], uint32(len(data)))
	binary.LittleEndian.PutUint32(h[12:], uint32(max(p.Length, len(p.Data))))
	if _, err := w.w.Write(h[:]); err != nil {
		return fmt.Errorf("pkt: write packet: %w", err)
	}
	if _, err := w.w.Write(data); err != nil {
		return fmt.Errorf("pkt: write packet: %w", err)
	}
	if err := w.w.Flush(); err != nil {
		return fmt.Errorf("pkt: write packet: %w", err)
	}
	return nil
}

// A Reader reads packets from a pcap file in either byte order, with
// microsecond or nanosecond timestamps. The pcapng format is not read.
type Reader struct {
	r        *bufio.Reader
	order    binary.ByteOrder
	nano     bool
	linkType LinkType
	snaplen  int
}

// NewReader reads the file header from r and returns a Reader.
func NewReader(r io.Reader) (*Reader, error) {
	br := bufio.NewReader(r)
	var h [24]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("pkt: read pcap header: %w: too short", ErrBadPcap)
		}
		return nil, fmt.Errorf("pkt: read pcap header: %w", err)
	}
	pr := &Reader{r: br}
	switch {
	case binary.LittleEndian.Uint32(h[:]) == pcapMagicMicro:
		pr.order = binary.LittleEndian
	case binary.BigEndian.Uint32(h[:]) == pcapMagicMicro:
		pr.order = binary.BigEndian
	case binary.LittleEndian.Uint32(h[:]) == pcapMagicNano:
		pr.order, pr.nano = binary.LittleEndian, true
	case binary.BigEndian.Uint32(h[:]) == pcapMagicNano:
		pr.order, pr.nano = binary.BigEndian, true
	case binary.LittleEndian.Uint32(h[:]) == pcapngMagic:
		return nil, fmt.Errorf("pkt: read pcap header: %w: pcapng files are not supported (write pcap with tcpdump -w, or tshark -F pcap)", ErrBadPcap)
	default:
		return nil, fmt.Errorf("pkt: read pcap header: %w: bad magic number %#08x", ErrBadPcap, binary.LittleEndian.Uint32(h[:]))
	}
	if major := pr.order.Uint16(h[4:]); major != 2 {
		return nil, fmt.Errorf("pkt: read pcap header: %w: version %d", ErrBadPcap, major)
	}
	pr.snaplen = int(pr.order.Uint32(h[16:]))
	// The upper bits of the link type field carry FCS information.
	pr.linkType = LinkType(pr.order.Uint32(h[20:]) & 0x03ffffff)
	return pr, nil
}

// LinkType returns the link type of the file's packets.
func (r *Reader) LinkType() LinkType { return r.linkType }

// Snaplen returns the snapshot length recorded in the file header.
func (r *Reader) Snaplen() int { return r.snaplen }

// Next returns the next packet, or io.EOF after the last one.
func (r *Reader) Next() (Packet, error) {
	var h [16]byte
	if _, err := io.ReadFull(r.r, h[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return Packet{}, io.EOF
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return Packet{}, fmt.Errorf("pkt: read packet: %w: truncated record header", ErrBadPcap)
		}
		return Packet{}, fmt.Errorf("pkt: read packet: %w", err)
	}
	sec, frac := r.order.Uint32(h[0:]), r.order.Uint32(h[4:])
	caplen, wirelen := r.order.Uint32(h[8:]), r.order.Uint32(h[12:])
	if caplen > maxRecord {
		return Packet{}, fmt.Errorf("pkt: read packet: %w: record of %d bytes", ErrBadPcap, caplen)
	}
	data := make([]byte, caplen)
	if _, err := io.ReadFull(r.r, data); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return Packet{}, fmt.Errorf("pkt: read packet: %w: truncated packet", ErrBadPcap)
		}
		return Packet{}, fmt.Errorf("pkt: read packet: %w", err)
	}
	nsec := int64(frac) * 1000
	if r.nano {
		nsec = int64(frac)
	}
	return Packet{
		Time:     time.Unix(int64(sec), nsec),
		LinkType: r.linkType,
		Data:     data,
		Length:   max(int(wirelen), len(data)),
	}, nil
}
