package plan

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/nsnet/nsnet/ethtool"
	"github.com/nsnet/nsnet/nsfs"
)

// EthtoolFeatures sets offload features of device Dev in namespace NS, as
// `ethtool -K`: Names as typed (legacy names such as tx expand to the
// features they stand for), each turned on or off by On; a later name
// wins over an earlier one for the same feature.
type EthtoolFeatures struct {
	NS    nsfs.Ref `json:",omitempty"`
	Dev   string
	Names []string
	On    []bool
	// Report, when set, is given the changes the kernel made (and
	// refused). It is not journaled.
	Report func([]ethtool.FeatureChange) error `json:"-"`
}

// resolve expands the names to kernel feature names. A feature reached
// through a legacy name is Optional (dropped if fixed), unless a name is
// its own.
func (c EthtoolFeatures) resolve(conn *ethtool.Conn) ([]ethtool.FeatureRequest, error) {
	names, err := conn.FeatureNames(c.Dev)
	if err != nil {
		return nil, err
	}
	var req []ethtool.FeatureRequest
	at := map[string]int{}
	for i, w := range c.Names {
		feats, ok := ethtool.Expand(names, w)
		if !ok {
			return nil, fmt.Errorf("ethtool -K %s: unknown feature %q", c.Dev, w)
		}
		direct := len(feats) == 1 && feats[0] == w
		for _, f := range feats {
			if j, ok := at[f]; ok {
				req[j].On = c.On[i]
				req[j].Optional = req[j].Optional && !direct
				continue
			}
			at[f] = len(req)
			req = append(req, ethtool.FeatureRequest{Name: f, On: c.On[i], Optional: !direct})
		}
	}
	return req, nil
}

// checkFixed fails when a name can change nothing: every feature it
// stands for is fixed at the other value (lro on, on a veth).
func (c EthtoolFeatures) checkFixed(conn *ethtool.Conn) error {
	names, err := conn.FeatureNames(c.Dev)
	if err != nil {
		return err
	}
	feats, err := conn.Features(c.Dev)
	if err != nil {
		return err
	}
	for i, w := range c.Names {
		expanded, _ := ethtool.Expand(names, w)
		stuck := 0
		var last ethtool.Feature
		for _, f := range feats {
			for _, x := range expanded {
				if f.Name == x && f.Fixed && f.Active != c.On[i] {
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
			return fmt.Errorf("ethtool -K %s: %s is fixed (%s [fixed]), cannot turn it %s", c.Dev, what, onOff(last.Active), onOff(c.On[i]))
		}
	}
	return nil
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// Apply sets the features; it fails when the kernel refused every change.
func (c EthtoolFeatures) Apply(ctx context.Context, s *Session) error {
	conn, err := s.Ethtool(c.NS)
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
	changes, err := conn.SetFeatures(c.Dev, req)
	if err != nil || len(changes) == 0 {
		return err
	}
	if c.Report != nil {
		if err := c.Report(changes); err != nil {
			return err
		}
	}
	for _, ch := range changes {
		if !ch.Refused {
			return nil
		}
	}
	return fmt.Errorf("ethtool -K %s: could not change any device features", c.Dev)
}

// Applied reports whether every feature already has the wanted value.
func (c EthtoolFeatures) Applied(ctx context.Context, s *Session) (bool, error) {
	conn, err := s.Ethtool(c.NS)
	if err != nil {
		return false, err
	}
	req, err := c.resolve(conn)
	if err != nil {
		return false, err
	}
	feats, err := conn.Features(c.Dev)
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

// Inverse asks for the wanted values the features have now; fixed
// features are left out (they cannot change); nil when nothing is left.
func (c EthtoolFeatures) Inverse(ctx context.Context, s *Session) (Step, error) {
	conn, err := s.Ethtool(c.NS)
	if err != nil {
		return nil, err
	}
	req, err := c.resolve(conn)
	if err != nil {
		return nil, err
	}
	feats, err := conn.Features(c.Dev)
	if err != nil {
		return nil, err
	}
	inv := EthtoolFeatures{NS: c.NS, Dev: c.Dev}
	for _, r := range req {
		for _, f := range feats {
			if f.Name == r.Name && !f.Fixed {
				inv.Names = append(inv.Names, f.Name)
				inv.On = append(inv.On, f.Wanted)
			}
		}
	}
	if len(inv.Names) == 0 {
		return nil, nil
	}
	return inv, nil
}

// EthtoolChannels sets the channel counts of device Dev, as `ethtool -L`
// (nil counts are left as they are).
type EthtoolChannels struct {
	NS     nsfs.Ref `json:",omitempty"`
	Dev    string
	Counts ethtool.ChannelCounts
}

// Apply sets the counts.
func (c EthtoolChannels) Apply(ctx context.Context, s *Session) error {
	conn, err := s.Ethtool(c.NS)
	if err != nil {
		return err
	}
	return conn.SetChannels(c.Dev, c.Counts)
}

// Applied reports whether the device has the counts.
func (c EthtoolChannels) Applied(ctx context.Context, s *Session) (bool, error) {
	conn, err := s.Ethtool(c.NS)
	if err != nil {
		return false, err
	}
	ch, err := conn.Channels(c.Dev)
	if err != nil {
		return false, err
	}
	n := c.Counts
	return sameCounts([]*uint32{n.RX, n.TX, n.Other, n.Combined}, []*uint32{ch.RX, ch.TX, ch.Other, ch.Combined}), nil
}

// Inverse sets back the counts c sets, as they are now.
func (c EthtoolChannels) Inverse(ctx context.Context, s *Session) (Step, error) {
	conn, err := s.Ethtool(c.NS)
	if err != nil {
		return nil, err
	}
	ch, err := conn.Channels(c.Dev)
	if err != nil {
		return nil, err
	}
	inv, n := EthtoolChannels{NS: c.NS, Dev: c.Dev}, c.Counts
	inv.Counts.RX, inv.Counts.TX, inv.Counts.Other, inv.Counts.Combined = oldOf(n.RX, ch.RX), oldOf(n.TX, ch.TX), oldOf(n.Other, ch.Other), oldOf(n.Combined, ch.Combined)
	return inv, nil
}

// EthtoolRings sets the ring sizes of device Dev, as `ethtool -G` (nil
// sizes are left as they are).
type EthtoolRings struct {
	NS     nsfs.Ref `json:",omitempty"`
	Dev    string
	Counts ethtool.RingCounts
}

// Apply sets the sizes.
func (c EthtoolRings) Apply(ctx context.Context, s *Session) error {
	conn, err := s.Ethtool(c.NS)
	if err != nil {
		return err
	}
	return conn.SetRings(c.Dev, c.Counts)
}

// Applied reports whether the device has the sizes.
func (c EthtoolRings) Applied(ctx context.Context, s *Session) (bool, error) {
	conn, err := s.Ethtool(c.NS)
	if err != nil {
		return false, err
	}
	r, err := conn.Rings(c.Dev)
	if err != nil {
		return false, err
	}
	n := c.Counts
	return sameCounts([]*uint32{n.RX, n.RXMini, n.RXJumbo, n.TX}, []*uint32{r.RX, r.RXMini, r.RXJumbo, r.TX}), nil
}

// Inverse sets back the sizes c sets, as they are now.
func (c EthtoolRings) Inverse(ctx context.Context, s *Session) (Step, error) {
	conn, err := s.Ethtool(c.NS)
	if err != nil {
		return nil, err
	}
	r, err := conn.Rings(c.Dev)
	if err != nil {
		return nil, err
	}
	inv, n := EthtoolRings{NS: c.NS, Dev: c.Dev}, c.Counts
	inv.Counts.RX, inv.Counts.RXMini, inv.Counts.RXJumbo, inv.Counts.TX = oldOf(n.RX, r.RX), oldOf(n.RXMini, r.RXMini), oldOf(n.RXJumbo, r.RXJumbo), oldOf(n.TX, r.TX)
	return inv, nil
}

func sameCounts(want, have []*uint32) bool {
	for i, w := range want {
		if w != nil && (have[i] == nil || *have[i] != *w) {
			return false
		}
	}
	return true
}

// oldOf is the value to restore for a field a step sets: the current one
// (nil when the step leaves the field alone or the driver does not report
// it).
func oldOf(set, cur *uint32) *uint32 {
	if set == nil || cur == nil {
		return nil
	}
	v := *cur
	return &v
}
