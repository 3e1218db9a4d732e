package pkt

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"time"

	"github.com/mdlayher/socket"
	"golang.org/x/sys/unix"
)

// PingConfig says what Ping sends.
type PingConfig struct {
	// Dst is the address to ping, IPv4 or IPv6; an IPv6 link-local
	// address needs a zone (the interface name).
	Dst netip.Addr
	// Count is the number of echo requests; 0 sends until ctx is done.
	Count int
	// Interval is the time between requests; 0 means one second.
	Interval time.Duration
	// Timeout bounds the wait for replies after the last request; 0 means
	// 10 seconds. Once some reply came, Ping waits at most twice the
	// longest round trip seen (and at least 10ms), as iputils ping does.
	Timeout time.Duration
	// Size is the number of data bytes after the 8-byte ICMP header; 0
	// means 56, as ping's default. A negative Size sends no data.
	Size int
	// Iface, when set, is an interface name to send through
	// (SO_BINDTODEVICE) or a local address to send from.
	Iface string
	// Socket creates the ICMP socket; nil means socket(2) in the calling
	// thread's network namespace.
	Socket SocketFunc
}

// PingReply is one answer to an echo request: an echo reply, or an ICMP
// error about the request when Error is set.
type PingReply struct {
	// From is the address that answered.
	From netip.Addr
	// Seq is the request's sequence number, counting from 1.
	Seq int
	// TTL is the reply's TTL (IPv4) or hop limit (IPv6); 0 if unknown.
	TTL int
	// Size is the number of ICMP bytes received (header included).
	Size int
	// RTT is the round-trip time.
	RTT time.Duration
	// Dup is set for a second reply to the same request.
	Dup bool
	// Error, when not empty, describes an ICMP error received instead of
	// a reply, in iputils' words ("Destination Host Unreachable"), or a
	// failure to send the request.
	Error string
}

// PingStats sums up a Ping run.
type PingStats struct {
	Transmitted int
	Received    int // echo replies, duplicates not counted
	Duplicates  int
	Errors      int // ICMP errors and failed sends
	// Min, Avg, Max and Mdev (the standard deviation) describe the round
	// trip times of the replies; zero without replies.
	Min, Avg, Max, Mdev time.Duration
	// Time is how long the run took.
	Time time.Duration
}

// Loss returns the percentage of requests that got no reply.
func (s PingStats) Loss() float64 {
	if s.Transmitted == 0 {
		return 0
	}
	return float64(s.Transmitted-s.Received) * 100 / float64(s.Transmitted)
}

// String returns the summary lines of iputils ping, without the "---"
// header:
//
//	3 packets transmitted, 3 received, 0% packet loss, time 2003ms
//	rtt min/avg/max/mdev = 0.041/0.049/0.056/0.006 ms
func (s PingStats) String() string {
	out := fmt.Sprintf("%d packets transmitted, %d received", s.Transmitted, s.Received)
	if s.Duplicates > 0 {
		out += fmt.Sprintf(", +%d duplicates", s.Duplicates)
	}
	if s.Errors > 0 {
		out += fmt.Sprintf(", +%d errors", s.Errors)
	}
	if s.Transmitted > 0 {
		out += ", " + strconv.FormatFloat(s.Loss(), 'g', 6, 64) + "% packet loss"
		out += fmt.Sprintf(", time %dms", s.Time.Milliseconds())
	}
	if s.Received > 0 {
		ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 3, 64) }
		out += fmt.Sprintf("\nrtt min/avg/max/mdev = %s/%s/%s/%s ms", ms(s.Min), ms(s.Avg), ms(s.Max), ms(s.Mdev))
	}
	return out
}

// pinger is an open ICMP socket.
type pinger struct {
	conn *socket.Conn
	v6   bool
	raw  bool // SOCK_RAW: sees every ICMP message, IPv4 ones with their IP header
	id   uint16
	dst  unix.Sockaddr
}

// softErr reports whether a socket error concerns one request only.
func softErr(err error) bool {
	for _, e := range []error{unix.EHOSTUNREACH, unix.ENETUNREACH, unix.EHOSTDOWN, unix.ECONNREFUSED,
		unix.ENOBUFS, unix.EMSGSIZE, unix.EAGAIN, unix.EACCES, unix.EPERM, unix.ENETDOWN, unix.EPROTO} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func openPinger(cfg PingConfig) (*pinger, error) {
	p := &pinger{v6: cfg.Dst.Is6() && !cfg.Dst.Is4In6()}
	domain, proto := unix.AF_INET, unix.IPPROTO_ICMP
	if p.v6 {
		domain, proto = unix.AF_INET6, unix.IPPROTO_ICMPV6
	}
	// A raw socket needs CAP_NET_RAW; without it, try an ICMP datagram
	// ("ping") socket, which net.ipv4.ping_group_range may allow.
	fd, err := cfg.Socket.open(domain, unix.SOCK_RAW, proto)
	p.raw = true
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
		var derr error
		fd, derr = cfg.Socket.open(domain, unix.SOCK_DGRAM, proto)
		if derr != nil {
			return nil, fmt.Errorf("%w (raw ICMP sockets need CAP_NET_RAW; datagram ICMP sockets need a group in net.ipv4.ping_group_range)", derr)
		}
		p.raw = false
	} else if err != nil {
		return nil, err
	}
	conn, err := socket.New(fd, "icmp")
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	p.conn = conn
	if err := p.setup(cfg); err != nil {
		conn.Close()
		return nil, err
	}
	return p, nil
}

func (p *pinger) setup(cfg PingConfig) error {
	p.id = uint16(rand.Uint32())
	_ = p.conn.SetsockoptInt(unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
	if p.v6 {
		if err := p.conn.SetsockoptInt(unix.IPPROTO_IPV6, unix.IPV6_RECVHOPLIMIT, 1); err != nil {
			return err
		}
		if p.raw {
			// Let through echo replies and errors only, not the
			// neighbor discovery chatter.
			var f unix.ICMPv6Filter
			for i := range f.Data {
				f.Data[i] = ^uint32(0)
			}
			for _, t := range []uint8{1, 2, 3, 4, 129} {
				f.Data[t>>5] &^= 1 << (t & 31)
			}
			if err := p.conn.SetsockoptICMPv6Filter(unix.IPPROTO_ICMPV6, unix.ICMPV6_FILTER, &f); err != nil {
				return err
			}
		}
	} else if !p.raw {
		if err := p.conn.SetsockoptInt(unix.IPPROTO_IP, unix.IP_RECVTTL, 1); err != nil {
			return err
		}
	}
	rc, err := p.conn.SyscallConn()
	if err != nil {
		return err
	}
	if cfg.Iface != "" {
		if a, err := netip.ParseAddr(cfg.Iface); err == nil {
			if err := p.conn.Bind(sockaddr(a, 0)); err != nil {
				return fmt.Errorf("bind to %s: %w", a, err)
			}
		} else if err := p.conn.SetsockoptString(unix.SOL_SOCKET, unix.SO_BINDTODEVICE, cfg.Iface); err != nil {
			return fmt.Errorf("bind to interface %q: %w", cfg.Iface, err)
		}
	}
	zone := 0
	if z := cfg.Dst.Zone(); z != "" {
		if n, err := strconv.Atoi(z); err == nil {
			zone = n
		} else if zone, err = ifIndex(rc, z); err != nil {
			return err
		}
	}
	p.dst = sockaddr(cfg.Dst, zone)
	return nil
}

func sockaddr(a netip.Addr, zone int) unix.Sockaddr {
	if a.Is4() || a.Is4In6() {
		return &unix.SockaddrInet4{Addr: a.Unmap().As4()}
	}
	return &unix.SockaddrInet6{Addr: a.As16(), ZoneId: uint32(zone)}
}

// Checksum returns the Internet checksum (RFC 1071) of b, as ICMP for IPv4
// uses it.
func Checksum(b []byte) uint16 {
	var sum uint32
	for len(b) >= 2 {
		sum += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		sum += uint32(b[0]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// ICMP message types of echo requests and replies.
const (
	icmpEchoReply    = 0
	icmpEchoRequest  = 8
	icmp6EchoRequest = 128
	icmp6EchoReply   = 129
)

// Echo is an ICMP or ICMPv6 echo request or reply.
type Echo struct {
	Reply bool // echo reply rather than request
	V6    bool // ICMPv6 rather than ICMP
	ID    uint16
	Seq   uint16
	Data  []byte
}

// Marshal encodes the message. The checksum is filled in for ICMP; for
// ICMPv6 it is left zero, for the kernel computes it over the pseudo
// header.
func (e Echo) Marshal() []byte {
	b := make([]byte, 8+len(e.Data))
	switch {
	case e.V6 && e.Reply:
		b[0] = icmp6EchoReply
	case e.V6:
		b[0] = icmp6EchoRequest
	case e.Reply:
		b[0] = icmpEchoReply
	default:
		b[0] = icmpEchoRequest
	}
	binary.BigEndian.PutUint16(b[4:], e.ID)
	binary.BigEndian.PutUint16(b[6:], e.Seq)
	copy(b[8:], e.Data)
	if !e.V6 {
		binary.BigEndian.PutUint16(b[2:], Checksum(b))
	}
	return b
}

// ParseEcho decodes an ICMP (v6 false) or ICMPv6 echo message. It fails
// for other messages and for ICMP messages whose checksum is wrong.
func ParseEcho(b []byte, v6 bool) (Echo, error) {
	if len(b) < 8 {
		return Echo{}, errors.New("pkt: echo message too short")
	}
	e := Echo{V6: v6, ID: binary.BigEndian.Uint16(b[4:]), Seq: binary.BigEndian.Uint16(b[6:]), Data: b[8:]}
	switch {
	case !v6 && b[0] == icmpEchoRequest, v6 && b[0] == icmp6EchoRequest:
	case !v6 && b[0] == icmpEchoReply, v6 && b[0] == icmp6EchoReply:
		e.Reply = true
	default:
		return Echo{}, fmt.Errorf("pkt: ICMP type %d is not an echo message", b[0])
	}
	if b[1] != 0 {
		return Echo{}, fmt.Errorf("pkt: echo message with code %d", b[1])
	}
	if !v6 && Checksum(b) != 0 {
		return Echo{}, errors.New("pkt: bad ICMP checksum")
	}
	return e, nil
}

// event is what the receiving goroutine reports.
type event struct {
	reply PingReply
	at    time.Time
	err   error // fatal
}

// Ping sends echo requests to cfg.Dst and calls onReply (if not nil) for
// every reply and every error about a request, from the calling goroutine.
// It returns when cfg.Count requests were answered or timed out, or when
// ctx is done; the statistics are valid in both cases. An error means Ping
// could not run: no socket, or no route to the address.
func Ping(ctx context.Context, cfg PingConfig, onReply func(PingReply)) (PingStats, error) {
	if !cfg.Dst.IsValid() {
		return PingStats{}, errors.New("pkt: ping: no destination address")
	}
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	switch {
	case cfg.Size == 0:
		cfg.Size = 56
	case cfg.Size < 0:
		cfg.Size = 0
	}
	if onReply == nil {
		onReply = func(PingReply) {}
	}
	p, err := openPinger(cfg)
	if err != nil {
		return PingStats{}, fmt.Errorf("pkt: ping %s: %w", cfg.Dst, err)
	}
	defer p.conn.Close()

	rctx, stop := context.WithCancel(context.Background())
	events := make(chan event, 64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.receive(rctx, cfg.Dst, events)
	}()
	defer func() { stop(); <-done }()

	var (
		st       PingStats
		start    = time.Now()
		sent     = make(map[uint16]time.Time)
		answered = make(map[uint16]bool)
		sum, sq  float64
		data     = make([]byte, cfg.Size)
		next     = time.NewTimer(0)
		linger   <-chan time.Time
	)
	for i := range data {
		data[i] = byte(i)
	}
	defer next.Stop()
	finish := func() (PingStats, error) {
		st.Time = time.Since(start)
		if st.Received > 0 {
			n := float64(st.Received)
			avg := sum / n
			st.Avg = time.Duration(avg)
			st.Mdev = time.Duration(math.Sqrt(max(sq/n-avg*avg, 0)))
		}
		return st, nil
	}
	for {
		select {
		case <-ctx.Done():
			return finish()
		case <-linger:
			return finish()
		case <-next.C:
			seq := uint16(st.Transmitted + 1)
			msg := Echo{V6: p.v6, ID: p.id, Seq: seq, Data: data}.Marshal()
			now := time.Now()
			err := p.conn.Sendto(ctx, msg, 0, p.dst)
			st.Transmitted++
			sent[seq] = now
			delete(answered, seq)
			if err != nil {
				switch {
				case ctx.Err() != nil:
					st.Transmitted--
					return finish()
				case st.Transmitted == 1 && errors.Is(err, unix.ENETUNREACH):
					return st, fmt.Errorf("pkt: ping %s: %w", cfg.Dst, err)
				case softErr(err):
					st.Errors++
					onReply(PingReply{Seq: int(seq), Error: err.Error()})
				default:
					return st, fmt.Errorf("pkt: ping %s: %w", cfg.Dst, err)
				}
			}
			if cfg.Count > 0 && st.Transmitted >= cfg.Count {
				wait := cfg.Timeout
				if st.Received > 0 {
					wait = min(wait, max(2*st.Max, 10*time.Millisecond))
				}
				linger = time.After(wait)
				if st.Received+st.Errors >= st.Transmitted {
					return finish()
				}
			} else {
				next.Reset(cfg.Interval)
			}
		case ev := <-events:
			if ev.err != nil {
				return st, fmt.Errorf("pkt: ping %s: %w", cfg.Dst, ev.err)
			}
			r := ev.reply
			seq := uint16(r.Seq)
			t0, ok := sent[seq]
			if !ok {
				continue // not ours, or from before a wrap-around
			}
			r.Seq = seqNumber(st.Transmitted, seq)
			if r.Error != "" {
				st.Errors++
				onReply(r)
			} else {
				r.RTT = max(ev.at.Sub(t0), 0)
				if answered[seq] {
					r.Dup = true
					st.Duplicates++
				} else {
					answered[seq] = true
					st.Received++
					if st.Received == 1 || r.RTT < st.Min {
						st.Min = r.RTT
					}
					st.Max = max(st.Max, r.RTT)
					x := float64(r.RTT)
					sum += x
					sq += x * x
				}
				onReply(r)
			}
			if cfg.Count > 0 && st.Transmitted >= cfg.Count && st.Received+st.Errors >= st.Transmitted {
				return finish()
			}
		}
	}
}

// seqNumber turns a 16-bit sequence number back into the count it stands
// for, the latest one at or before transmitted.
func seqNumber(transmitted int, seq uint16) int {
	return transmitted - int(uint16(transmitted)-seq)
}

// receive reads ICMP messages until ctx is done and reports those about
// this pinger's requests.
func (p *pinger) receive(ctx context.Context, dst netip.Addr, events chan<- event) {
	buf := make([]byte, 65536)
	oob := make([]byte, 256)
	for {
		n, oobn, _, from, err := p.conn.Recvmsg(ctx, buf, oob, 0)
		at := time.Now()
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			if softErr(err) {
				// An ICMP error the kernel turned into a socket error; the
				// message itself arrives (or arrived) on a raw socket.
				continue
			}
			select {
			case events <- event{err: err}:
			case <-ctx.Done():
			}
			return
		}
		if ns, ok := rxTime(oob[:oobn]); ok {
			at = time.Unix(0, ns)
		}
		r, ok := p.parse(buf[:n], oob[:oobn], from, dst)
		if !ok {
			continue
		}
		select {
		case events <- event{reply: r, at: at}:
		case <-ctx.Done():
			return
		}
	}
}

// parse decodes a received message; ok is false for messages that are not
// about this pinger's requests.
func (p *pinger) parse(b, oob []byte, from unix.Sockaddr, dst netip.Addr) (r PingReply, ok bool) {
	switch sa := from.(type) {
	case *unix.SockaddrInet4:
		r.From = netip.AddrFrom4(sa.Addr)
	case *unix.SockaddrInet6:
		r.From = netip.AddrFrom16(sa.Addr)
	}
	if !p.v6 && p.raw {
		if len(b) < 20 {
			return r, false
		}
		hl := int(b[0]&0x0f) * 4
		if len(b) < hl {
			return r, false
		}
		r.TTL = int(b[8])
		b = b[hl:]
	} else {
		r.TTL = cmsgInt(oob)
	}
	if len(b) < 8 {
		return r, false
	}
	r.Size = len(b)
	typ, code := b[0], b[1]
	id, seq := binary.BigEndian.Uint16(b[4:]), binary.BigEndian.Uint16(b[6:])
	if (!p.v6 && typ == icmpEchoReply) || (p.v6 && typ == icmp6EchoReply) {
		if !p.v6 && Checksum(b) != 0 {
			return r, false
		}
		r.Seq = int(seq)
		return r, !p.raw || id == p.id
	}
	// An error carries the start of the request it is about.
	inner := b[8:]
	var innerDst netip.Addr
	var echo []byte
	if p.v6 {
		if len(inner) < 48 || inner[6] != protoICMPv6 {
			return r, false
		}
		innerDst, echo = netip.AddrFrom16([16]byte(inner[24:40])), inner[40:]
	} else {
		if len(inner) < 28 || inner[9] != protoICMP {
			return r, false
		}
		ihl := int(inner[0]&0x0f) * 4
		if ihl < 20 || len(inner) < ihl+8 {
			return r, false
		}
		innerDst, echo = netip.AddrFrom4([4]byte(inner[16:20])), inner[ihl:]
	}
	want := uint8(icmpEchoRequest)
	if p.v6 {
		want = icmp6EchoRequest
	}
	if echo[0] != want || innerDst != dst.WithZone("") || (p.raw && binary.BigEndian.Uint16(echo[4:]) != p.id) {
		return r, false
	}
	r.Seq = int(binary.BigEndian.Uint16(echo[6:]))
	if p.v6 {
		r.Error = icmp6Error(typ, code, b)
	} else {
		r.Error = icmp4Error(typ, code, b)
	}
	if r.Error == "" {
		return r, false
	}
	r.TTL, r.Size = 0, 0
	return r, true
}

// cmsgInt returns the TTL or hop limit control message's value, or 0.
func cmsgInt(oob []byte) int {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return 0
	}
	for _, m := range msgs {
		if (m.Header.Level == unix.IPPROTO_IP && m.Header.Type == unix.IP_TTL) ||
			(m.Header.Level == unix.IPPROTO_IPV6 && m.Header.Type == unix.IPV6_HOPLIMIT) {
			if len(m.Data) >= 4 {
				return int(int32(binary.NativeEndian.Uint32(m.Data)))
			}
		}
	}
	return 0
}

var unreach4 = []string{
	"Destination Net Unreachable", "Destination Host Unreachable", "Destination Protocol Unreachable",
	"Destination Port Unreachable", "Frag needed and DF set", "Source Route Failed",
	"Destination Net Unknown", "Destination Host Unknown", "Source Host Isolated",
	"Destination Net Prohibited", "Destination Host Prohibited",
	"Destination Net Unreachable for Type of Service", "Destination Host Unreachable for Type of Service",
	"Packet filtered", "Precedence Violation", "Precedence Cutoff",
}

// icmp4Error describes an ICMP error as iputils ping does.
func icmp4Error(typ, code uint8, b []byte) string {
	switch typ {
	case 3:
		if code == 4 {
			return fmt.Sprintf("Frag needed and DF set (mtu = %d)", binary.BigEndian.Uint16(b[6:]))
		}
		if int(code) < len(unreach4) {
			return unreach4[code]
		}
		return fmt.Sprintf("Dest Unreachable, Bad Code: %d", code)
	case 4:
		return "Source Quench"
	case 5:
		kinds := []string{"Redirect Network", "Redirect Host", "Redirect Type of Service and Network", "Redirect Type of Service and Host"}
		if int(code) < len(kinds) {
			return fmt.Sprintf("%s(New nexthop: %s)", kinds[code], netip.AddrFrom4([4]byte(b[4:8])))
		}
		return fmt.Sprintf("Redirect, Bad Code: %d", code)
	case 11:
		switch code {
		case 0:
			return "Time to live exceeded"
		case 1:
			return "Frag reassembly time exceeded"
		}
		return fmt.Sprintf("Time exceeded, Bad Code: %d", code)
	case 12:
		return fmt.Sprintf("Parameter problem: pointer = %d", b[4])
	}
	return ""
}

// icmp6Error describes an ICMPv6 error as iputils ping does.
func icmp6Error(typ, code uint8, b []byte) string {
	switch typ {
	case 1:
		codes := []string{"No route", "Administratively prohibited", "Beyond scope of source address", "Address unreachable", "Port unreachable"}
		if int(code) < len(codes) {
			return "Destination unreachable: " + codes[code]
		}
		return fmt.Sprintf("Destination unreachable: Unknown code %d", code)
	case 2:
		return fmt.Sprintf("Packet too big: mtu=%d", binary.BigEndian.Uint32(b[4:]))
	case 3:
		switch code {
		case 0:
			return "Time exceeded: Hop limit"
		case 1:
			return "Time exceeded: Defragmentation failure"
		}
		return fmt.Sprintf("Time exceeded: code %d", code)
	case 4:
		kinds := []string{"Wrong header field ", "Unknown header ", "Unknown option "}
		k := fmt.Sprintf("code %d ", code)
		if int(code) < len(kinds) {
			k = kinds[code]
		}
		return fmt.Sprintf("Parameter problem: %sat %d", k, binary.BigEndian.Uint32(b[4:]))
	}
	return ""
}
