package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/nsnet/nsnet/ethtool"
	"github.com/nsnet/nsnet/genl"
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

// resolve expands the words to kernel feature names; a later word wins
// over an earlier one for the same feature. A feature reached through a
// legacy name is Optional (dropped if fixed), unless a word names it.
func (c ethtoolFeatures) resolve(conn *ethtool.Conn) ([]ethtool.FeatureRequest, error) {
	names, err := conn.FeatureNames(c.dev)
	if err != nil {
		return nil, err
	}
	var req []ethtool.FeatureRequest
	at := map[string]int{}
	for i, w := range c.names {
		feats, ok := ethtool.Expand(names, w)
		if !ok {
			return nil, fmt.Errorf("ethtool -K %s: unknown feature %q", c.dev, w)
		}
		direct := len(feats) == 1 && feats[0] == w
		for _, f := range feats {
			if j, ok := at[f]; ok {
				req[j].On = c.on[i]
				req[j].Optional = req[j].Optional && !direct
				continue
			}
			at[f] = len(req)
			req = append(req, ethtool.FeatureRequest{Name: f, On: c.on[i], Optional: !direct})
		}
	}
	return req, nil
}

// checkFixed fails when a word can change nothing: every feature it
// stands for is fixed at the other value (lro on, on a veth).
func (c ethtoolFeatures) checkFixed(conn *ethtool.Conn) error {
	names, err := conn.FeatureNames(c.dev)
	if err != nil {
		return err
	}
	feats, err := conn.Features(c.dev)
	if err != nil {
		return err
	}
	for i, w := range c.names {
		expanded, _ := ethtool.Expand(names, w)
		stuck := 0
		var last ethtool.Feature
		for _, f := range feats {
			for _, x := range expanded {
				if f.Name == x && f.Fixed && f.Active != c.on[i] {
					stuck++
					last = f
				}
			}
		}
		if len(expanded) > 0 && stuck == len(expanded) {
			what := strconv.Quote(w)
			if w != last.Name {
				what += " (" + strings.Join(expanded, ", ") + ")"
			}
			return fmt.Errorf("ethtool -K %s: %s is fixed (%s [fixed]), cannot turn it %s", c.dev, what, onOffWord(last.Active), onOffWord(c.on[i]))
		}
	}
	return nil
}

func (c ethtoolFeatures) run(e *env) error {
	conn, err := e.ethtool()
	if err != nil {
		return err
	}
	req, err := c.resolve(conn)
	if err != nil {
		return err
	}
	if err := c.checkFixed(conn); err != nil {
		return err
	}
	changes, err := conn.SetFeatures(c.dev, req)
	if err != nil {
		return err
	}
	if len(changes) == 0 {
		return nil
	}
	refused := 0
	var b strings.Builder
	b.WriteString("Actual changes:\n")
	for _, ch := range changes {
		b.WriteString(ch.String() + "\n")
		if ch.Refused {
			refused++
		}
	}
	if _, err := io.WriteString(e.out, b.String()); err != nil {
		return err
	}
	if refused == len(changes) {
		return fmt.Errorf("ethtool -K %s: could not change any device features", c.dev)
	}
	return nil
}

func onOffWord(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// applied: every feature already has the wanted value asked for.
func (c ethtoolFeatures) applied(e *env) (bool, error) {
	conn, err := e.ethtool()
	if err != nil {
		return false, err
	}
	req, err := c.resolve(conn)
	if err != nil {
		return false, err
	}
	feats, err := conn.Features(c.dev)
	if err != nil {
		return false, err
	}
	for _, r := range req {
		for _, f := range feats {
			if f.Name == r.Name && f.Wanted != r.On && !(f.Fixed && f.Active == r.On) {
				return false, nil
			}
		}
	}
	return true, nil
}

// inverse asks for the wanted values the features have now; fixed
// features are left out (they cannot change).
func (c ethtoolFeatures) inverse(e *env) (command, error) {
	conn, err := e.ethtool()
	if err != nil {
		return nil, err
	}
	req, err := c.resolve(conn)
	if err != nil {
		return nil, err
	}
	feats, err := conn.Features(c.dev)
	if err != nil {
		return nil, err
	}
	inv := ethtoolFeatures{dev: c.dev}
	for _, r := range req {
		for _, f := range feats {
			if f.Name == r.Name && !f.Fixed {
				inv.names = append(inv.names, f.Name)
				inv.on = append(inv.on, f.Wanted)
			}
		}
	}
	if len(inv.names) == 0 {
		return nopCmd{}, nil
	}
	return inv, nil
}

func (c ethtoolFeatures) words() []string {
	w := []string{"ethtool", "-K", c.dev}
	for i, f := range c.names {
		w = append(w, f, onOffWord(c.on[i]))
	}
	return w
}

// nopCmd does nothing: the inverse of a change that changes nothing.
type nopCmd struct{}

func (nopCmd) run(*env) error { return nil }

func (c ethtoolChannels) run(e *env) error {
	conn, err := e.ethtool()
	if err != nil {
		return err
	}
	return conn.SetChannels(c.dev, c.n)
}

func (c ethtoolChannels) applied(e *env) (bool, error) {
	conn, err := e.ethtool()
	if err != nil {
		return false, err
	}
	ch, err := conn.Channels(c.dev)
	if err != nil {
		return false, err
	}
	return sameCounts([]*uint32{c.n.RX, c.n.TX, c.n.Other, c.n.Combined}, []*uint32{ch.RX, ch.TX, ch.Other, ch.Combined}), nil
}

func (c ethtoolChannels) inverse(e *env) (command, error) {
	conn, err := e.ethtool()
	if err != nil {
		return nil, err
	}
	ch, err := conn.Channels(c.dev)
	if err != nil {
		return nil, err
	}
	inv := ethtoolChannels{dev: c.dev}
	inv.n.RX, inv.n.TX, inv.n.Other, inv.n.Combined = oldOf(c.n.RX, ch.RX), oldOf(c.n.TX, ch.TX), oldOf(c.n.Other, ch.Other), oldOf(c.n.Combined, ch.Combined)
	return inv, nil
}

func (c ethtoolChannels) words() []string {
	return countWords([]string{"ethtool", "-L", c.dev}, []string{"rx", "tx", "other", "combined"}, c.n.RX, c.n.TX, c.n.Other, c.n.Combined)
}

func (c ethtoolRings) run(e *env) error {
	conn, err := e.ethtool()
	if err != nil {
		return err
	}
	return conn.SetRings(c.dev, c.n)
}

func (c ethtoolRings) applied(e *env) (bool, error) {
	conn, err := e.ethtool()
	if err != nil {
		return false, err
	}
	r, err := conn.Rings(c.dev)
	if err != nil {
		return false, err
	}
	return sameCounts([]*uint32{c.n.RX, c.n.RXMini, c.n.RXJumbo, c.n.TX}, []*uint32{r.RX, r.RXMini, r.RXJumbo, r.TX}), nil
}

func (c ethtoolRings) inverse(e *env) (command, error) {
	conn, err := e.ethtool()
	if err != nil {
		return nil, err
	}
	r, err := conn.Rings(c.dev)
	if err != nil {
		return nil, err
	}
	inv := ethtoolRings{dev: c.dev}
	inv.n.RX, inv.n.RXMini, inv.n.RXJumbo, inv.n.TX = oldOf(c.n.RX, r.RX), oldOf(c.n.RXMini, r.RXMini), oldOf(c.n.RXJumbo, r.RXJumbo), oldOf(c.n.TX, r.TX)
	return inv, nil
}

func (c ethtoolRings) words() []string {
	return countWords([]string{"ethtool", "-G", c.dev}, []string{"rx", "rx-mini", "rx-jumbo", "tx"}, c.n.RX, c.n.RXMini, c.n.RXJumbo, c.n.TX)
}

// oldOf is the value to restore for a field the command sets: the
// current one (nil when the command leaves the field alone or the driver
// does not report it).
func oldOf(set, cur *uint32) *uint32 {
	if set == nil || cur == nil {
		return nil
	}
	v := *cur
	return &v
}

// sameCounts reports whether every field set in want has that value in have.
func sameCounts(want, have []*uint32) bool {
	for i, w := range want {
		if w != nil && (have[i] == nil || *have[i] != *w) {
			return false
		}
	}
	return true
}

func countWords(w, names []string, vals ...*uint32) []string {
	for i, v := range vals {
		if v != nil {
			w = append(w, names[i], strconv.FormatUint(uint64(*v), 10))
		}
	}
	return w
}
