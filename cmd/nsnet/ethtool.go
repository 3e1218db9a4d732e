package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/nsnet/nsnet/ethtool"
	"github.com/nsnet/nsnet/genl"
	"github.com/nsnet/nsnet/plan"
)

const ethtoolHelp = `Usage: nsnet [-n NS] [-j] ethtool -k DEV                 offload features, as ethtool -k
       nsnet ethtool -K DEV FEATURE { on | off } ...     change features
       nsnet ethtool -l DEV                              channels
       nsnet ethtool -L DEV [ rx N ] [ tx N ] [ other N ] [ combined N ]
       nsnet ethtool -g DEV                              rings
       nsnet ethtool -G DEV [ rx N ] [ rx-mini N ] [ rx-jumbo N ] [ tx N ]
       nsnet ethtool -i DEV                              driver information
FEATURE is a kernel feature name (tx-checksum-ip-generic, rx-gro, ...) or one
of ethtool's legacy names and aliases, which stand for every feature they
cover: rx, tx (all tx-checksum-*), sg, tso, ufo, gso, gro, lro, rxvlan,
txvlan, ntuple, rxhash, or the long names (tx-checksumming, ...).
Features, channels and rings go through the ethtool generic netlink family;
-i uses the ETHTOOL_GDRVINFO ioctl (netlink does not carry driver info).
In up/down and -batch files, -K, -L and -G are undone by setting the old
values back.
`

// ethtoolShort is the short option of a long option of ethtool that
// nsnet takes, or flag itself.
func ethtoolShort(flag string) string {
	switch flag {
	case "--show-features", "--show-offload":
		return "-k"
	case "--features", "--offload":
		return "-K"
	case "--show-channels":
		return "-l"
	case "--set-channels":
		return "-L"
	case "--show-ring":
		return "-g"
	case "--set-ring":
		return "-G"
	case "--driver":
		return "-i"
	}
	return flag
}

type ethtoolShow struct {
	what byte // 'k', 'l', 'g', 'i'
	dev  string
}

// ethtoolFeatures is ethtool -K: words as typed (aliases unexpanded) with
// their values, in order.
type ethtoolFeatures struct {
	dev   string
	names []string
	on    []bool
}

type ethtoolChannels struct {
	dev string
	n   ethtool.ChannelCounts
}

type ethtoolRings struct {
	dev string
	n   ethtool.RingCounts
}

func parseEthtool(args []string, opt options) (command, error) {
	if len(args) == 0 {
		return nil, usagef("ethtool: missing option (try \"nsnet ethtool help\")")
	}
	flag := ethtoolShort(args[0])
	if len(flag) != 2 || flag[0] != '-' || !strings.ContainsRune("kKlLgGi", rune(flag[1])) {
		return nil, usagef("ethtool: unknown option %q (try \"nsnet ethtool help\")", args[0])
	}
	if len(args) < 2 {
		return nil, usagef("ethtool %s: missing device", args[0])
	}
	dev, rest := args[1], args[2:]
	if dev == "" || len(dev) >= 16 || strings.ContainsAny(dev, "/ \x00") {
		return nil, usagef("ethtool %s: invalid device name %q", args[0], dev)
	}
	switch c := flag[1]; c {
	case 'k', 'l', 'g', 'i':
		if len(rest) > 0 {
			return nil, usagef("ethtool %s: unexpected argument %q", args[0], rest[0])
		}
		return ethtoolShow{what: c, dev: dev}, nil
	case 'K':
		cmd := ethtoolFeatures{dev: dev}
		if len(rest) == 0 {
			return nil, usagef("ethtool -K %s: no feature to change", dev)
		}
		for i := 0; i < len(rest); i += 2 {
			if i+1 >= len(rest) {
				return nil, usagef("ethtool -K %s: feature %q is not followed by on or off", dev, rest[i])
			}
			v := rest[i+1]
			if v != "on" && v != "off" {
				return nil, usagef("ethtool -K %s: value %q for feature %q is not on or off", dev, v, rest[i])
			}
			cmd.names = append(cmd.names, rest[i])
			cmd.on = append(cmd.on, v == "on")
		}
		return cmd, nil
	case 'L':
		var n ethtool.ChannelCounts
		err := parseCounts("ethtool -L "+dev, rest, map[string]**uint32{"rx": &n.RX, "tx": &n.TX, "other": &n.Other, "combined": &n.Combined})
		return ethtoolChannels{dev: dev, n: n}, err
	default: // 'G'
		var n ethtool.RingCounts
		err := parseCounts("ethtool -G "+dev, rest, map[string]**uint32{"rx": &n.RX, "rx-mini": &n.RXMini, "rx-jumbo": &n.RXJumbo, "tx": &n.TX})
		return ethtoolRings{dev: dev, n: n}, err
	}
}

// parseCounts reads "NAME N" pairs into the fields named.
func parseCounts(what string, args []string, fields map[string]**uint32) error {
	if len(args) == 0 {
		return usagef("%s: nothing to change", what)
	}
	for i := 0; i < len(args); i += 2 {
		p, ok := fields[args[i]]
		if !ok {
			return usagef("%s: unknown parameter %q", what, args[i])
		}
		if i+1 >= len(args) {
			return usagef("%s: parameter %q needs a number", what, args[i])
		}
		v, err := strconv.ParseUint(args[i+1], 0, 32)
		if err != nil {
			return usagef("%s: bad number %q for %q", what, args[i+1], args[i])
		}
		n := uint32(v)
		*p = &n
	}
	return nil
}

// ethtool returns the ethtool connection of the command's namespace.
func (e *env) ethtool() (*ethtool.Conn, error) {
	c, err := e.conn("ethtool", func(fd int) (io.Closer, error) {
		return ethtool.Dial(&genl.Config{NetNS: fd, Trace: e.s.trace, TraceHex: e.s.traceHex, TraceNS: e.ns, Capture: e.s.capture})
	})
	if err != nil {
		return nil, err
	}
	return c.(*ethtool.Conn), nil
}

type featureJSON struct {
	Name   string `json:"name"`
	Active bool   `json:"active"`
	Wanted bool   `json:"wanted"`
	Fixed  bool   `json:"fixed"`
}

func (c ethtoolShow) run(e *env) error {
	conn, err := e.ethtool()
	if err != nil {
		return err
	}
	var b strings.Builder
	switch c.what {
	case 'k':
		feats, err := conn.Features(c.dev)
		if err != nil {
			return err
		}
		if e.opt.json {
			out := make([]featureJSON, 0, len(feats))
			for _, f := range feats {
				if f.Name != "" {
					out = append(out, featureJSON{Name: f.Name, Active: f.Active, Wanted: f.Wanted, Fixed: f.Fixed})
				}
			}
			return e.printJSON(map[string]any{"ifname": c.dev, "features": out})
		}
		ethtool.FormatFeatures(&b, c.dev, feats)
	case 'l':
		ch, err := conn.Channels(c.dev)
		if err != nil {
			return err
		}
		if e.opt.json {
			return e.printJSON(countsJSON(c.dev, []string{"rx_max", "tx_max", "other_max", "combined_max", "rx", "tx", "other", "combined"},
				ch.RXMax, ch.TXMax, ch.OtherMax, ch.CombinedMax, ch.RX, ch.TX, ch.Other, ch.Combined))
		}
		fmt.Fprintf(&b, "Channel parameters for %s:\n", c.dev)
		for i, set := range [][4]*uint32{{ch.RXMax, ch.TXMax, ch.OtherMax, ch.CombinedMax}, {ch.RX, ch.TX, ch.Other, ch.Combined}} {
			b.WriteString([]string{"Pre-set maximums:\n", "Current hardware settings:\n"}[i])
			for j, name := range []string{"RX:\t\t", "TX:\t\t", "Other:\t\t", "Combined:\t"} {
				b.WriteString(name + naU32(set[j]) + "\n")
			}
		}
	case 'g':
		r, err := conn.Rings(c.dev)
		if err != nil {
			return err
		}
		if e.opt.json {
			return e.printJSON(countsJSON(c.dev, []string{"rx_max", "rx_mini_max", "rx_jumbo_max", "tx_max", "rx", "rx_mini", "rx_jumbo", "tx"},
				r.RXMax, r.RXMiniMax, r.RXJumboMax, r.TXMax, r.RX, r.RXMini, r.RXJumbo, r.TX))
		}
		fmt.Fprintf(&b, "Ring parameters for %s:\n", c.dev)
		for i, set := range [][4]*uint32{{r.RXMax, r.RXMiniMax, r.RXJumboMax, r.TXMax}, {r.RX, r.RXMini, r.RXJumbo, r.TX}} {
			b.WriteString([]string{"Pre-set maximums:\n", "Current hardware settings:\n"}[i])
			for j, name := range []string{"RX:\t\t", "RX Mini:\t", "RX Jumbo:\t", "TX:\t\t"} {
				b.WriteString(name + naU32(set[j]) + "\n")
			}
		}
	case 'i':
		di, err := conn.DriverInfo(c.dev)
		if err != nil {
			return err
		}
		yes := func(n uint32) string {
			if n > 0 {
				return "yes"
			}
			return "no"
		}
		kv := [][2]string{
			{"driver", di.Driver}, {"version", di.Version}, {"firmware-version", di.FirmwareVersion},
			{"expansion-rom-version", di.ExpansionROMVersion}, {"bus-info", di.BusInfo},
			{"supports-statistics", yes(di.NStats)}, {"supports-test", yes(di.TestInfoLen)},
			{"supports-eeprom-access", yes(di.EEDumpLen)}, {"supports-register-dump", yes(di.RegDumpLen)},
			{"supports-priv-flags", yes(di.NPrivFlags)},
		}
		if e.opt.json {
			m := map[string]any{"ifname": c.dev}
			for _, p := range kv {
				if strings.HasPrefix(p[0], "supports-") {
					m[strings.ReplaceAll(p[0], "-", "_")] = p[1] == "yes"
				} else {
					m[strings.ReplaceAll(p[0], "-", "_")] = p[1]
				}
			}
			return e.printJSON(m)
		}
		for _, p := range kv {
			fmt.Fprintf(&b, "%s: %s\n", p[0], p[1])
		}
	}
	_, err = io.WriteString(e.out, b.String())
	return err
}

func naU32(p *uint32) string {
	if p == nil {
		return "n/a"
	}
	return strconv.FormatUint(uint64(*p), 10)
}

func countsJSON(dev string, keys []string, vals ...*uint32) map[string]any {
	m := map[string]any{"ifname": dev}
	for i, k := range keys {
		if vals[i] != nil {
			m[k] = *vals[i]
		}
	}
	return m
}

// step is the command as a plan step.
func (c ethtoolFeatures) step(e *env) (plan.Step, error) {
	ref, err := e.ref()
	if err != nil {
		return nil, err
	}
	return plan.EthtoolFeatures{NS: ref, Dev: c.dev, Names: c.names, On: c.on}, nil
}

func (c ethtoolFeatures) run(e *env) error {
	st, err := stepOf(e, c)
	if err != nil {
		return err
	}
	f := st.(plan.EthtoolFeatures)
	// ethtool's account of what changed.
	f.Report = func(changes []ethtool.FeatureChange) error {
		var b strings.Builder
		b.WriteString("Actual changes:\n")
		for _, ch := range changes {
			b.WriteString(ch.String() + "\n")
		}
		_, err := io.WriteString(e.out, b.String())
		return err
	}
	return f.Apply(e.ctx, e.s.ps)
}

// applied: every feature already has the wanted value asked for.
func (c ethtoolFeatures) applied(e *env) (bool, error) { return appliedStep(e, c) }

// inverse asks for the wanted values the features have now; fixed
// features are left out (they cannot change).
func (c ethtoolFeatures) inverse(e *env) (command, error) { return inverseStep(e, c) }

// step is the command as a plan step.
func (c ethtoolChannels) step(e *env) (plan.Step, error) {
	ref, err := e.ref()
	return plan.EthtoolChannels{NS: ref, Dev: c.dev, Counts: c.n}, err
}

func (c ethtoolChannels) run(e *env) error { return runStep(e, c, "") }

func (c ethtoolChannels) applied(e *env) (bool, error) { return appliedStep(e, c) }

func (c ethtoolChannels) inverse(e *env) (command, error) { return inverseStep(e, c) }

// step is the command as a plan step.
func (c ethtoolRings) step(e *env) (plan.Step, error) {
	ref, err := e.ref()
	return plan.EthtoolRings{NS: ref, Dev: c.dev, Counts: c.n}, err
}

func (c ethtoolRings) run(e *env) error { return runStep(e, c, "") }

func (c ethtoolRings) applied(e *env) (bool, error) { return appliedStep(e, c) }

func (c ethtoolRings) inverse(e *env) (command, error) { return inverseStep(e, c) }
