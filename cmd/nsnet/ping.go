package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nsnet/nsnet/pkt"
)

const pingHelp = `Usage: nsnet [-n NAME] [-j] ping [-c COUNT] [-i INTERVAL] [-W TIMEOUT] [-s SIZE]
                              [-I IFACE|ADDR] [-4|-6] [-j] HOST

Sends ICMP (IPv4) or ICMPv6 echo requests to HOST and prints each reply as
iputils ping does, then the loss and round-trip summary. With -n the socket is
opened inside namespace NAME.

  HOST         a numeric address (fe80::1%veth0 for link-local), or a name from
               /etc/hosts (with -n NAME, /etc/netns/NAME/hosts when it exists);
               nsnet never asks DNS
  -c COUNT     stop after COUNT requests (default: until Ctrl-C)
  -i INTERVAL  seconds between requests, fractions allowed (default 1)
  -W TIMEOUT   seconds to wait for replies after the last request (default 10;
               once replies came, at most twice the longest round trip)
  -s SIZE      data bytes after the ICMP header (default 56)
  -I IFACE     send through interface IFACE, or from local address ADDR
  -4, -6       use IPv4 or IPv6 for a name that has both (also as global options)
  -j           print the summary, with every reply, as JSON (also global -j)

Root (CAP_NET_RAW) gets raw ICMP sockets; other users get ICMP datagram sockets
if their group is in net.ipv4.ping_group_range.

Exit status: 0 if any reply came, 1 if none, 2 on other errors (unknown host,
no socket, no route), 255 on usage errors.
`

// pingCmd is a parsed "ping" line.
type pingCmd struct {
	host     string
	count    int
	interval time.Duration
	timeout  time.Duration
	size     int // -1: not given
	iface    string
	family   int // 0, 4 or 6
	json     bool
	pretty   bool
}

// parsePing parses ping's options, which may come before or after HOST,
// as separate words ("-c 3") or attached ("-c3").
func parsePing(args []string, opt options) (command, error) {
	c := pingCmd{size: -1, family: opt.family, json: opt.json, pretty: opt.pretty}
	a := &argv{w: args}
	for a.more() {
		word := a.next()
		if !strings.HasPrefix(word, "-") || word == "-" {
			if c.host != "" {
				return nil, usagef("ping: unexpected argument %q (one HOST only)", word)
			}
			c.host = word
			continue
		}
		flag, val := word[:2], word[2:]
		value := func() (string, error) {
			if val != "" {
				return val, nil
			}
			return a.value(flag)
		}
		switch flag {
		case "-4", "-6", "-j":
			if val != "" {
				return nil, usagef("ping: unknown option %q", word)
			}
			switch flag {
			case "-4":
				c.family = 4
			case "-6":
				c.family = 6
			default:
				c.json = true
			}
		case "-c":
			v, err := value()
			if err != nil {
				return nil, err
			}
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return nil, usagef("ping: bad count %q for -c (want a number >= 1)", v)
			}
			c.count = n
		case "-i", "-W":
			v, err := value()
			if err != nil {
				return nil, err
			}
			d, err := seconds(v)
			if err != nil || (flag == "-i" && d < time.Millisecond) || (flag == "-W" && d <= 0) {
				return nil, usagef("ping: bad time %q for %s (want seconds, like 1 or 0.2)", v, flag)
			}
			if flag == "-i" {
				c.interval = d
			} else {
				c.timeout = d
			}
		case "-s":
			v, err := value()
			if err != nil {
				return nil, err
			}
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 65500 {
				return nil, usagef("ping: bad size %q for -s (want 0 to 65500)", v)
			}
			c.size = n
		case "-I":
			v, err := value()
			if err != nil {
				return nil, err
			}
			c.iface = v
		default:
			return nil, usagef("ping: unknown option %q (try \"nsnet ping help\")", word)
		}
	}
	if c.host == "" {
		return nil, usagef("ping: missing HOST (try \"nsnet ping help\")")
	}
	return c, nil
}

// seconds parses a time in seconds such as "1" or "0.2".
func seconds(s string) (time.Duration, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e6 {
		return 0, errors.New("bad time")
	}
	return time.Duration(f * float64(time.Second)), nil
}

// resolveHost turns HOST into an address: a numeric one, or the first of
// the wanted family in the hosts file of the command's namespace.
func resolveHost(e *env, host string, family int) (netip.Addr, error) {
	fits := func(a netip.Addr) bool {
		return family == 0 || (family == 4) == a.Unmap().Is4()
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if !fits(a) {
			return netip.Addr{}, fmt.Errorf("%s: address family for hostname not supported (-%d)", host, family)
		}
		return a.Unmap().WithZone(a.Zone()), nil
	}
	path := "/etc/hosts"
	if e.ns != "" {
		// What "ip netns exec" binds over /etc/hosts.
		if p := filepath.Join("/etc/netns", e.ns, "hosts"); fileExists(p) {
			path = p
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%s: %w", host, err)
	}
	defer f.Close()
	addrs, err := pkt.LookupHosts(f, host)
	if err != nil {
		return netip.Addr{}, err
	}
	for _, a := range addrs {
		if fits(a) {
			return a.Unmap(), nil
		}
	}
	return netip.Addr{}, fmt.Errorf("%s: name not found in %s (nsnet does not use DNS)", host, path)
}

// socketIn returns how to open sockets in the command's namespace: nil
// for nsnet's own.
func socketIn(e *env) pkt.SocketFunc {
	if e.ns == "" {
		return nil
	}
	return pkt.SocketVia(e.do)
}

// rttString formats a round trip time as iputils does: three significant
// decimals below 10ms, fewer above.
func rttString(d time.Duration) string {
	us := float64(d) / 1e3
	switch {
	case us >= 100000-50:
		return strconv.FormatFloat(us/1000, 'f', 0, 64)
	case us >= 10000-5:
		return strconv.FormatFloat(us/1000, 'f', 1, 64)
	case us >= 1000:
		return strconv.FormatFloat(us/1000, 'f', 2, 64)
	}
	return strconv.FormatFloat(us/1000, 'f', 3, 64)
}

// pingJSON is the -j output.
type pingJSON struct {
	Host        string          `json:"host"`
	Address     string          `json:"address"`
	Transmitted int             `json:"transmitted"`
	Received    int             `json:"received"`
	Duplicates  int             `json:"duplicates"`
	Errors      int             `json:"errors"`
	Loss        float64         `json:"packet_loss"`
	TimeMS      int64           `json:"time_ms"`
	RTTMin      *float64        `json:"rtt_min_ms,omitempty"`
	RTTAvg      *float64        `json:"rtt_avg_ms,omitempty"`
	RTTMax      *float64        `json:"rtt_max_ms,omitempty"`
	RTTMdev     *float64        `json:"rtt_mdev_ms,omitempty"`
	Replies     []pingReplyJSON `json:"replies"`
}

type pingReplyJSON struct {
	Seq   int      `json:"icmp_seq"`
	From  string   `json:"from,omitempty"`
	Bytes int      `json:"bytes,omitempty"`
	TTL   int      `json:"ttl,omitempty"`
	Time  *float64 `json:"time_ms,omitempty"`
	Dup   bool     `json:"duplicate,omitempty"`
	Error string   `json:"error,omitempty"`
}

func msFloat(d time.Duration) *float64 {
	f := math.Round(float64(d)/1e3) / 1e3
	return &f
}

func (c pingCmd) run(e *env) error {
	dst, err := resolveHost(e, c.host, c.family)
	if err != nil {
		return &exitStatus{code: 2, err: fmt.Errorf("ping: %w", err)}
	}
	cfg := pkt.PingConfig{
		Dst: dst, Count: c.count, Interval: c.interval, Timeout: c.timeout,
		Size: c.size, Iface: c.iface, Socket: socketIn(e),
	}
	size := c.size
	switch size {
	case -1:
		size, cfg.Size = 56, 0
	case 0:
		cfg.Size = -1
	}
	out := e.out
	if c.json {
		out = io.Discard // stdout is for the JSON document only
	}
	if dst.Is4() {
		fmt.Fprintf(out, "PING %s (%s) %d(%d) bytes of data.\n", c.host, dst, size, size+28)
	} else {
		fmt.Fprintf(out, "PING %s(%s) %d data bytes\n", c.host, dst, size)
	}
	var replies []pingReplyJSON
	st, err := pkt.Ping(e.ctx, cfg, func(r pkt.PingReply) {
		j := pingReplyJSON{Seq: r.Seq, Dup: r.Dup, Error: r.Error}
		if r.From.IsValid() {
			j.From = r.From.String()
		}
		switch {
		case r.Error != "" && !r.From.IsValid():
			fmt.Fprintf(e.s.stderr, "nsnet: ping: icmp_seq=%d: %s\n", r.Seq, r.Error)
		case r.Error != "":
			fmt.Fprintf(out, "From %s icmp_seq=%d %s\n", r.From, r.Seq, r.Error)
		default:
			j.Bytes, j.TTL, j.Time = r.Size, r.TTL, msFloat(r.RTT)
			dup := ""
			if r.Dup {
				dup = " (DUP!)"
			}
			fmt.Fprintf(out, "%d bytes from %s: icmp_seq=%d ttl=%d time=%s ms%s\n",
				r.Size, r.From, r.Seq, r.TTL, rttString(r.RTT), dup)
		}
		replies = append(replies, j)
	})
	if err != nil {
		return &exitStatus{code: 2, err: err}
	}
	if c.json {
		j := pingJSON{
			Host: c.host, Address: dst.String(), Transmitted: st.Transmitted, Received: st.Received,
			Duplicates: st.Duplicates, Errors: st.Errors, Loss: math.Round(st.Loss()*1e4) / 1e4,
			TimeMS: st.Time.Milliseconds(), Replies: replies,
		}
		if j.Replies == nil {
			j.Replies = []pingReplyJSON{}
		}
		if st.Received > 0 {
			j.RTTMin, j.RTTAvg, j.RTTMax, j.RTTMdev = msFloat(st.Min), msFloat(st.Avg), msFloat(st.Max), msFloat(st.Mdev)
		}
		o := *e
		o.opt.pretty = c.pretty
		if err := o.printJSON(j); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(out, "\n--- %s ping statistics ---\n%s\n", c.host, st)
	}
	if st.Received == 0 {
		return &exitStatus{code: 1}
	}
	return nil
}
