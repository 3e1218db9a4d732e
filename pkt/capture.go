package pkt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/mdlayher/socket"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// CaptureConfig says what a Capture listens to.
type CaptureConfig struct {
	// Iface is the interface to capture on; "" or "any" means every
	// interface of the namespace, in cooked mode (LinkTypeLinuxSLL, with
	// the interface name and direction in each Packet).
	Iface string
	// Snaplen is the most bytes kept of each packet; 0 means
	// DefaultSnaplen, and more than MaxSnaplen is MaxSnaplen (as tcpdump).
	Snaplen int
	// Filter is an expression in the filter language (see the package
	// documentation); "" keeps every packet.
	Filter string
	// Promisc puts a named interface in promiscuous mode while the
	// capture is open. It does not apply to "any".
	Promisc bool
	// Socket creates the packet socket; nil means socket(2) in the
	// calling thread's network namespace.
	Socket SocketFunc
}

// A Capture receives packets from an AF_PACKET socket. The socket stays in
// the network namespace it was created in, whichever goroutine or thread
// then uses it. Next must not be called concurrently with itself; Stats,
// SetReadDeadline and Close may be called from any goroutine.
type Capture struct {
	conn     *socket.Conn
	rc       syscall.RawConn
	all      bool // every interface, cooked
	cooked   bool
	linkType LinkType
	snaplen  int
	buf, oob []byte

	mu       sync.Mutex
	names    map[int]string
	received uint64
	dropped  uint64
	captured uint64
}

// CaptureStats counts packets as tcpdump does when it stops.
type CaptureStats struct {
	// Captured is the number of packets Next returned.
	Captured uint64
	// Received is the number of packets that passed the filter in the
	// kernel ("received by filter").
	Received uint64
	// Dropped is the number of those the kernel dropped because the
	// socket's buffer was full ("dropped by kernel").
	Dropped uint64
}

// OpenCapture opens a packet socket as cfg says and attaches the compiled
// filter. To let no unfiltered packet through, the socket starts with a
// program that drops everything, is bound, drained, and only then gets the
// real filter.
func OpenCapture(cfg CaptureConfig) (*Capture, error) {
	all := cfg.Iface == "" || cfg.Iface == "any"
	name := cfg.Iface
	if all {
		name = "any"
	}
	snaplen := cfg.Snaplen
	if snaplen <= 0 {
		snaplen = DefaultSnaplen
	}
	snaplen = min(snaplen, MaxSnaplen)
	// Parse first: a bad expression should fail before any socket exists.
	if _, err := parseFilter(cfg.Filter); err != nil {
		return nil, err
	}
	c, err := openCapture(cfg, all, snaplen)
	if err != nil {
		return nil, fmt.Errorf("pkt: capture on %s: %w", name, err)
	}
	return c, nil
}

var dropAll = []bpf.RawInstruction{{Op: unix.BPF_RET | unix.BPF_K, K: 0}}

func openCapture(cfg CaptureConfig, all bool, snaplen int) (*Capture, error) {
	// Probe the interface's hardware type on a throwaway socket in the
	// same namespace: Ethernet-like interfaces get raw frames, anything
	// else cooked mode, as libpcap does.
	typ := unix.SOCK_RAW
	ifindex := 0
	cooked := all
	if !all {
		fd, err := cfg.Socket.open(unix.AF_PACKET, unix.SOCK_RAW, 0)
		if err != nil {
			return nil, err
		}
		probe, err := socket.New(fd, "packet")
		if err != nil {
			unix.Close(fd)
			return nil, err
		}
		rc, err := probe.SyscallConn()
		if err == nil {
			ifindex, err = ifIndex(rc, cfg.Iface)
		}
		var hw uint16
		if err == nil {
			hw, err = ifHWType(rc, cfg.Iface)
		}
		probe.Close()
		if err != nil {
			return nil, err
		}
		if hw != unix.ARPHRD_ETHER && hw != unix.ARPHRD_LOOPBACK {
			cooked = true
		}
	}
	if cooked {
		typ = unix.SOCK_DGRAM
	}
	l := layoutEthernet
	if cooked {
		l = layoutCooked
	}
	prog, err := compile(cfg.Filter, l)
	if err != nil {
		return nil, err
	}

	// Protocol 0: the socket receives nothing until bound.
	fd, err := cfg.Socket.open(unix.AF_PACKET, typ, 0)
	if err != nil {
		return nil, err
	}
	conn, err := socket.New(fd, "packet")
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	c := &Capture{conn: conn, all: all, cooked: cooked, snaplen: snaplen, names: make(map[int]string)}
	c.linkType = LinkTypeEthernet
	if cooked {
		c.linkType = LinkTypeLinuxSLL
	}
	if err := c.setup(cfg, ifindex, prog); err != nil {
		conn.Close()
		return nil, err
	}
	bufLen := snaplen
	if cooked {
		bufLen = max(snaplen-sllHeaderLen, 1)
	}
	c.buf = make([]byte, bufLen)
	c.oob = make([]byte, 128)
	return c, nil
}

func (c *Capture) setup(cfg CaptureConfig, ifindex int, prog []bpf.RawInstruction) error {
	rc, err := c.conn.SyscallConn()
	if err != nil {
		return err
	}
	c.rc = rc
	if err := c.conn.SetBPF(dropAll); err != nil {
		return fmt.Errorf("attach filter: %w", err)
	}
	if err := c.conn.Bind(&unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifindex}); err != nil {
		return err
	}
	// Drain what arrived between socket(2) and the drop-all filter.
	buf := make([]byte, 1)
	_ = rc.Control(func(fd uintptr) {
		for {
			if _, _, err := unix.Recvfrom(int(fd), buf, unix.MSG_DONTWAIT|unix.MSG_TRUNC); err != nil && err != unix.EINTR {
				return
			}
		}
	})
	if cfg.Promisc && !c.all {
		mreq := unix.PacketMreq{Ifindex: int32(ifindex), Type: unix.PACKET_MR_PROMISC}
		if err := c.conn.SetsockoptPacketMreq(unix.SOL_PACKET, unix.PACKET_ADD_MEMBERSHIP, &mreq); err != nil {
			return fmt.Errorf("promiscuous mode: %w", err)
		}
	}
	if err := c.conn.SetsockoptInt(unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1); err != nil {
		return err
	}
	_ = c.conn.SetReadBuffer(2 << 20) // as tcpdump's default -B; best effort
	if err := c.conn.SetBPF(prog); err != nil {
		return fmt.Errorf("attach filter: %w", err)
	}
	// Reading the statistics resets them: forget the drop-all period.
	if _, err := c.conn.GetsockoptTpacketStats(unix.SOL_PACKET, unix.PACKET_STATISTICS); err != nil {
		return err
	}
	return nil
}

// sllHeaderLen is the size of the LINKTYPE_LINUX_SLL header:
//
//	packet type u16 | ARPHRD type u16 | address length u16 | address [8]byte | protocol u16
const sllHeaderLen = 16

// LinkType returns the link type of the packets Next returns:
// LinkTypeEthernet, or LinkTypeLinuxSLL in cooked mode.
func (c *Capture) LinkType() LinkType { return c.linkType }

// Snaplen returns the snapshot length.
func (c *Capture) Snaplen() int { return c.snaplen }

// SetReadDeadline makes a pending or later Next return an error wrapping
// os.ErrDeadlineExceeded at t; a time in the past stops Next at once. The
// zero time means no deadline.
func (c *Capture) SetReadDeadline(t time.Time) error { return c.conn.SetReadDeadline(t) }

// Next waits for the next packet that passes the filter and returns it. It
// skips the copy of each packet that the kernel shows leaving a loopback
// interface, which would otherwise appear twice, as libpcap does.
func (c *Capture) Next() (Packet, error) {
	for {
		var (
			n, oobn int
			from    unix.Sockaddr
			rerr    error
		)
		err := c.rc.Read(func(fd uintptr) bool {
			n, oobn, _, from, rerr = unix.Recvmsg(int(fd), c.buf, c.oob, unix.MSG_TRUNC)
			return rerr != unix.EAGAIN && rerr != unix.EINTR
		})
		if err == nil {
			err = rerr
		}
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, os.ErrClosed) {
				return Packet{}, fmt.Errorf("pkt: capture: %w", err)
			}
			return Packet{}, fmt.Errorf("pkt: capture: %w", os.NewSyscallError("recvmsg", err))
		}
		sa, _ := from.(*unix.SockaddrLinklayer)
		if sa != nil && sa.Pkttype == unix.PACKET_OUTGOING && sa.Hatype == unix.ARPHRD_LOOPBACK {
			continue
		}
		ts := time.Now()
		if ns, ok := rxTime(c.oob[:oobn]); ok {
			ts = time.Unix(0, ns)
		}
		capLen := min(n, len(c.buf))
		p := Packet{Time: ts, LinkType: c.linkType, Length: n}
		if !c.cooked {
			p.Data = append([]byte(nil), c.buf[:capLen]...)
		} else {
			p.Data = make([]byte, sllHeaderLen+capLen)
			p.Length = sllHeaderLen + n
			if sa != nil {
				binary.BigEndian.PutUint16(p.Data[0:], uint16(sa.Pkttype))
				binary.BigEndian.PutUint16(p.Data[2:], sa.Hatype)
				binary.BigEndian.PutUint16(p.Data[4:], uint16(sa.Halen))
				copy(p.Data[6:14], sa.Addr[:])
				// sa.Protocol holds the raw, network-order field.
				binary.NativeEndian.PutUint16(p.Data[14:], sa.Protocol)
			}
			copy(p.Data[sllHeaderLen:], c.buf[:capLen])
			if c.all && sa != nil {
				p.Iface = c.ifName(sa.Ifindex)
			}
		}
		c.mu.Lock()
		c.captured++
		c.mu.Unlock()
		return p, nil
	}
}

// ifName names an interface index in the socket's namespace, caching the
// answer; an index that has no name any more is shown as a number.
func (c *Capture) ifName(index int) string {
	c.mu.Lock()
	name, ok := c.names[index]
	c.mu.Unlock()
	if ok {
		return name
	}
	name, err := ifName(c.rc, index)
	if err != nil {
		return fmt.Sprintf("if%d", index)
	}
	c.mu.Lock()
	c.names[index] = name
	c.mu.Unlock()
	return name
}

// Stats returns the counts since the capture was opened.
func (c *Capture) Stats() (CaptureStats, error) {
	st, err := c.conn.GetsockoptTpacketStats(unix.SOL_PACKET, unix.PACKET_STATISTICS)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		return CaptureStats{Captured: c.captured, Received: c.received, Dropped: c.dropped},
			fmt.Errorf("pkt: capture statistics: %w", err)
	}
	// The kernel resets its counters on every read.
	c.received += uint64(st.Packets)
	c.dropped += uint64(st.Drops)
	return CaptureStats{Captured: c.captured, Received: c.received, Dropped: c.dropped}, nil
}

// Close closes the socket; a pending Next returns an error.
func (c *Capture) Close() error { return c.conn.Close() }
