package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nsnet/nsnet/pkt"
)

// maxSnaplen is tcpdump's largest snapshot length (MAXIMUM_SNAPLEN).
const maxSnaplen = 262144

const captureHelp = `Usage: nsnet [-n NAME] capture [-i IFACE|any] [-c COUNT] [-w FILE] [-s SNAPLEN] [-p] [FILTER...]
       nsnet capture -r FILE [-c COUNT] [-w FILE] [FILTER...]

Captures packets on an AF_PACKET socket (inside namespace NAME with -n) and
prints one line per packet, as "tcpdump -n -l" does:

  14:02:03.123456 IP 198.51.100.2 > 198.51.100.1: ICMP echo request, id 7, seq 1, length 64

Ethernet, ARP, IPv4, IPv6, ICMP, ICMPv6, UDP and TCP are decoded (TCP with
flags, relative sequence numbers and options); application payloads are shown
as their length. On "any" each line starts with the interface and direction
(In, Out, B, M, P). Ctrl-C, or COUNT packets, stops the capture; the counts
are then printed on stderr.

  -i IFACE     interface to capture on; "any" (the default) is every interface
               of the namespace, in cooked mode
  -c COUNT     stop after COUNT packets
  -w FILE      write the packets to a pcap file ("-" for stdout) instead of
               printing them (LINKTYPE_ETHERNET, or LINKTYPE_LINUX_SLL for any)
  -r FILE      read packets from a pcap file instead of capturing
  -s SNAPLEN   keep at most SNAPLEN bytes of each packet (default 262144)
  -p           do not put the interface into promiscuous mode

FILTER selects packets; the kernel drops the others. Its language is a subset
of tcpdump's, with the same meaning:

  expr      := term { ( or | || ) term }
  term      := factor { ( and | && ) factor }
  factor    := ( not | ! ) factor | ( expr ) | primitive
  primitive := ip | ip6 | arp | icmp | icmp6 | tcp | udp
             | [ ip | ip6 | arp ] [ DIR ] host ADDRESS
             | [ ip | ip6 | arp ] [ DIR ] net ADDRESS/LENGTH
             | [ tcp | udp ] [ DIR ] port NUMBER
             | [ tcp | udp ] [ DIR ] portrange NUMBER-NUMBER
             | DIR ADDRESS[/LENGTH]
             | VALUE                 (repeats the previous qualifiers:
                                      "host 192.0.2.1 or 192.0.2.2")
  DIR       := src | dst | src or dst | src and dst

ADDRESS is a numeric IPv4 or IPv6 address. "host" and "net" without DIR match
either address, and for IPv4 also ARP's sender and target; "port" matches TCP,
UDP and SCTP. Quote the filter for the shell when it has ( ) or !, e.g.
  nsnet -n blue capture -i veth0 'icmp or (tcp and port 8080)'
`

// captureCmd is a parsed "capture" line.
type captureCmd struct {
	iface   string
	count   int
	write   string
	read    string
	snaplen int
	noProm  bool
	filter  string
}

// parseCapture parses capture's options; every word that is not an option
// belongs to the filter.
func parseCapture(args []string, opt options) (command, error) {
	var c captureCmd
	var filter []string
	ifaceSet := false
	a := &argv{w: args}
	for a.more() {
		word := a.next()
		if !strings.HasPrefix(word, "-") || word == "-" {
			filter = append(filter, word)
			continue
		}
		flag, val := word[:2], word[2:]
		value := func() (string, error) {
			if val != "" {
				return val, nil
			}
			return a.value(flag)
		}
		var err error
		switch flag {
		case "-i":
			c.iface, err = value()
			ifaceSet = true
		case "-w":
			c.write, err = value()
		case "-r":
			c.read, err = value()
		case "-c", "-s":
			var v string
			if v, err = value(); err != nil {
				break
			}
			n, perr := strconv.ParseInt(v, 10, 32)
			if flag == "-c" {
				if perr != nil || n < 1 {
					return nil, usagef("capture: bad number %q for -c (want 1 to %d)", v, math.MaxInt32)
				}
				c.count = int(n)
				break
			}
			// As tcpdump: 0 is the default, above 262144 is refused.
			if perr != nil || n < 0 || n > maxSnaplen {
				return nil, usagef("capture: bad snapshot length %q for -s (want 0 to %d)", v, maxSnaplen)
			}
			c.snaplen = int(n)
		case "-p":
			if val != "" {
				return nil, usagef("capture: unknown option %q", word)
			}
			c.noProm = true
		default:
			return nil, usagef("capture: unknown option %q (try \"nsnet capture help\")", word)
		}
		if err != nil {
			return nil, err
		}
	}
	if c.read != "" && ifaceSet {
		return nil, usagef("capture: -r reads a file; it cannot be used with -i")
	}
	c.filter = strings.Join(filter, " ")
	// Check the filter now, so that a typo is a usage error.
	if _, err := pkt.CompileFilter(c.filter, pkt.LinkTypeEthernet); err != nil {
		var fe *pkt.FilterError
		if errors.As(err, &fe) {
			return nil, usagef("capture: bad filter: %s", err)
		}
		return nil, err
	}
	return c, nil
}

// packetSink is where captured packets go: printed lines or a pcap file.
type packetSink struct {
	out  io.Writer
	fmt  pkt.Formatter
	pcap *pkt.Writer
	file *os.File
}

func (c captureCmd) sink(e *env, lt pkt.LinkType, snaplen int) (*packetSink, error) {
	s := &packetSink{out: e.out}
	if c.write == "" {
		return s, nil
	}
	w := e.out
	if c.write != "-" {
		f, err := os.Create(c.write)
		if err != nil {
			return nil, fmt.Errorf("capture: %w", err)
		}
		s.file, w = f, f
	}
	pw, err := pkt.NewWriter(w, lt, snaplen)
	if err != nil {
		s.close()
		return nil, fmt.Errorf("capture: %w", err)
	}
	s.pcap = pw
	return s, nil
}

func (s *packetSink) put(p pkt.Packet) error {
	if s.pcap != nil {
		return s.pcap.WritePacket(p)
	}
	_, err := io.WriteString(s.out, s.fmt.Format(p)+"\n")
	return err
}

// close closes the output file, once.
func (s *packetSink) close() error {
	f := s.file
	s.file = nil
	if f != nil {
		return f.Close()
	}
	return nil
}

func (c captureCmd) run(e *env) error {
	if c.read != "" {
		return c.runRead(e)
	}
	capt, err := pkt.OpenCapture(pkt.CaptureConfig{
		Iface: c.iface, Snaplen: c.snaplen, Filter: c.filter, Promisc: !c.noProm, Socket: socketIn(e),
	})
	if err != nil {
		return err
	}
	defer capt.Close()
	sink, err := c.sink(e, capt.LinkType(), capt.Snaplen())
	if err != nil {
		return err
	}
	defer sink.close()
	name := c.iface
	if name == "" {
		name = "any"
	}
	fmt.Fprintf(e.s.stderr, "nsnet: listening on %s, link-type %s, snapshot length %d bytes\n", name, capt.LinkType(), capt.Snaplen())

	// Ctrl-C: a deadline in the past wakes Next.
	stopped := make(chan struct{})
	defer close(stopped)
	go func() {
		select {
		case <-e.ctx.Done():
			capt.SetReadDeadline(time.Unix(1, 0))
		case <-stopped:
		}
	}()
	var runErr error
	for n := 0; c.count == 0 || n < c.count; n++ {
		p, err := capt.Next()
		if err != nil {
			if e.ctx.Err() == nil {
				runErr = err
			}
			break
		}
		if err := sink.put(p); err != nil {
			runErr = fmt.Errorf("capture: %w", err)
			break
		}
	}
	st, err := capt.Stats()
	if err == nil {
		fmt.Fprintf(e.s.stderr, "%d packets captured\n%d packets received by filter\n%d packets dropped by kernel\n",
			st.Captured, st.Received, st.Dropped)
	}
	if cerr := sink.close(); runErr == nil && cerr != nil {
		runErr = fmt.Errorf("capture: %w", cerr)
	}
	return runErr
}

// runRead prints (or copies with -w) the packets of a pcap file that pass
// the filter, which runs in user space over the file's link type.
func (c captureCmd) runRead(e *env) error {
	in := e.s.stdin
	if c.read != "-" {
		f, err := os.Open(c.read)
		if err != nil {
			return fmt.Errorf("capture: %w", err)
		}
		defer f.Close()
		in = f
	}
	r, err := pkt.NewReader(in)
	if err != nil {
		return fmt.Errorf("capture: %s: %w", c.read, err)
	}
	// Without a filter every link type is read and printed; a filter is
	// refused only for a link type it cannot be compiled for.
	var flt *pkt.Filter
	if strings.TrimSpace(c.filter) != "" {
		prog, err := pkt.CompileFilter(c.filter, r.LinkType())
		if err != nil {
			return fmt.Errorf("capture: %s: %w", c.read, err)
		}
		if flt, err = pkt.NewFilter(prog); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.s.stderr, "nsnet: reading from file %s, link-type %s, snapshot length %d\n", c.read, r.LinkType(), r.Snaplen())
	sink, err := c.sink(e, r.LinkType(), r.Snaplen())
	if err != nil {
		return err
	}
	defer sink.close()
	for n := 0; c.count == 0 || n < c.count; {
		if e.ctx.Err() != nil {
			break
		}
		p, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("capture: %s: %w", c.read, err)
		}
		if flt != nil && !flt.Match(p.Data) {
			continue
		}
		n++
		if err := sink.put(p); err != nil {
			return fmt.Errorf("capture: %w", err)
		}
	}
	return sink.close()
}
