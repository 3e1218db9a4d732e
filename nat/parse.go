package nat

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// ParseObject parses an object in nsnet's command syntax, the form String
// returns and rule comments carry (without "nsnet "):
//
//	masquerade PREFIX [out IFACE]
//	forward IFACE IFACE
//	publish [ADDR:]PORT[/tcp|/udp] to ADDR:PORT [in IFACE]
//
// IPv6 addresses with a port are written in brackets: [2001:db8::1]:8080.
// A PREFIX without a length is a single address. Errors name the word
// that is wrong.
func ParseObject(s string) (Object, error) {
	w := strings.Fields(s)
	if len(w) == 0 {
		return nil, fmt.Errorf("empty object")
	}
	var o Object
	var err error
	switch w[0] {
	case "masquerade":
		o, err = parseMasquerade(w[1:])
	case "forward":
		o, err = parseForward(w[1:])
	case "publish":
		o, err = parsePublish(w[1:])
	default:
		return nil, fmt.Errorf("unknown object %q (want masquerade, forward or publish)", w[0])
	}
	if err != nil {
		return nil, err
	}
	if _, err := o.Rules(); err != nil {
		return nil, err
	}
	return o, nil
}

func parseMasquerade(w []string) (Object, error) {
	if len(w) == 0 {
		return nil, fmt.Errorf("masquerade: missing source PREFIX")
	}
	p, err := parsePrefix(w[0])
	if err != nil {
		return nil, err
	}
	m := Masquerade{Source: p}
	rest := w[1:]
	if len(rest) >= 1 && rest[0] == "out" {
		if len(rest) < 2 {
			return nil, fmt.Errorf("masquerade: missing interface after \"out\"")
		}
		if err := validIface(rest[1]); err != nil {
			return nil, err
		}
		m.OutIface = rest[1]
		rest = rest[2:]
	}
	if len(rest) > 0 {
		return nil, fmt.Errorf("masquerade: unexpected %q", rest[0])
	}
	return m, nil
}

// parsePrefix parses a prefix or a single address; the host bits are
// cleared, as iptables does.
func parsePrefix(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("invalid prefix %q", s)
		}
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("invalid prefix %q", s)
	}
	return p.Masked(), nil
}

func parseForward(w []string) (Object, error) {
	if len(w) != 2 {
		if len(w) > 2 {
			return nil, fmt.Errorf("forward: unexpected %q", w[2])
		}
		return nil, fmt.Errorf("forward: want two interfaces")
	}
	for _, n := range w {
		if err := validIface(n); err != nil {
			return nil, err
		}
	}
	return Forward{A: w[0], B: w[1]}, nil
}

func parsePublish(w []string) (Object, error) {
	if len(w) < 3 || w[1] != "to" {
		return nil, fmt.Errorf("publish: want [ADDR:]PORT[/tcp|/udp] to ADDR:PORT")
	}
	p := Publish{Proto: TCP}
	spec := w[0]
	if base, proto, ok := strings.Cut(spec, "/"); ok {
		switch proto {
		case "tcp":
		case "udp":
			p.Proto = UDP
		default:
			return nil, fmt.Errorf("publish: unknown protocol %q in %q (want tcp or udp)", proto, spec)
		}
		spec = base
	}
	if port, err := parsePort(spec); err == nil {
		p.Listen = netip.AddrPortFrom(netip.Addr{}, port)
	} else {
		ap, err := netip.ParseAddrPort(spec)
		if err != nil || ap.Port() == 0 {
			return nil, fmt.Errorf("publish: invalid [ADDR:]PORT %q", w[0])
		}
		p.Listen = ap
	}
	to, err := netip.ParseAddrPort(w[2])
	if err != nil || to.Port() == 0 {
		return nil, fmt.Errorf("publish: invalid target ADDR:PORT %q", w[2])
	}
	p.To = to
	rest := w[3:]
	if len(rest) >= 1 && rest[0] == "in" {
		if len(rest) < 2 {
			return nil, fmt.Errorf("publish: missing interface after \"in\"")
		}
		if err := validIface(rest[1]); err != nil {
			return nil, err
		}
		p.InIface = rest[1]
		rest = rest[2:]
	}
	if len(rest) > 0 {
		return nil, fmt.Errorf("publish: unexpected %q", rest[0])
	}
	return p, nil
}

func parsePort(s string) (uint16, error) {
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("invalid port %q", s)
	}
	return uint16(n), nil
}
