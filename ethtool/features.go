package ethtool

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/nsnet/nsnet/internal/nlattr"
	"golang.org/x/sys/unix"
)

// Feature is one offload feature of a device, as ETHTOOL_MSG_FEATURES_GET
// reports it.
type Feature struct {
	Name   string
	Index  int  // the bit in ETH_SS_FEATURES
	Active bool // on now
	Wanted bool // asked for (may differ from Active while a dependency is off)
	// Fixed is true when the feature cannot be changed: the driver does
	// not offer it (not in the hw set) or it is in the nochange set.
	Fixed bool
}

// FeatureNames returns the names of the feature bits (the ETH_SS_FEATURES
// string set), read once per Conn.
func (c *Conn) FeatureNames(dev string) ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.names != nil {
		return c.names, nil
	}
	msgs, err := c.request("get feature names", dev, unix.ETHTOOL_MSG_STRSET_GET, 0, func(ae *nlattr.Encoder) {
		ae.Nested(unix.ETHTOOL_A_STRSET_STRINGSETS, func(sae *nlattr.Encoder) error {
			sae.Nested(unix.ETHTOOL_A_STRINGSETS_STRINGSET, func(s *nlattr.Encoder) error {
				s.Uint32(unix.ETHTOOL_A_STRINGSET_ID, ethSSFeatures)
				return nil
			})
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		names, err := decodeStrset(m.Data, ethSSFeatures)
		if err != nil {
			return nil, fmt.Errorf("get feature names %s: %w", dev, err)
		}
		if names != nil {
			c.names = names
			return names, nil
		}
	}
	return nil, fmt.Errorf("get feature names %s: no ETH_SS_FEATURES string set in the reply", dev)
}

// ethSSFeatures is ETH_SS_FEATURES of enum ethtool_stringset.
const ethSSFeatures = 4

// decodeStrset returns the strings of set id in a STRSET_GET reply, by
// index; nil when the reply does not carry the set.
func decodeStrset(b []byte, id uint32) ([]string, error) {
	var out []string
	ad := nlattr.NewReader(b, binary.NativeEndian)
	for ad.Next() {
		if ad.Type != unix.ETHTOOL_A_STRSET_STRINGSETS {
			continue
		}
		ad.Walk(func(sad *nlattr.Reader) error {
			for sad.Next() {
				if sad.Type != unix.ETHTOOL_A_STRINGSETS_STRINGSET {
					continue
				}
				sad.Walk(func(s *nlattr.Reader) error {
					var (
						setID   uint32
						count   uint32
						strings = map[uint32]string{}
					)
					for s.Next() {
						switch s.Type {
						case unix.ETHTOOL_A_STRINGSET_ID:
							setID = s.Uint32()
						case unix.ETHTOOL_A_STRINGSET_COUNT:
							count = s.Uint32()
						case unix.ETHTOOL_A_STRINGSET_STRINGS:
							s.Walk(func(x *nlattr.Reader) error {
								for x.Next() {
									var idx uint32
									var val string
									x.Walk(func(y *nlattr.Reader) error {
										for y.Next() {
											switch y.Type {
											case unix.ETHTOOL_A_STRING_INDEX:
												idx = y.Uint32()
											case unix.ETHTOOL_A_STRING_VALUE:
												val = y.String()
											}
										}
										return nil
									})
									strings[idx] = val
								}
								return nil
							})
						}
					}
					if setID == id && count <= 1<<16 {
						out = make([]string, count)
						for i, v := range strings {
							if i < count {
								out[i] = v
							}
						}
					}
					return nil
				})
			}
			return nil
		})
	}
	return out, ad.Err()
}

// Features returns dev's features in the order of their bits.
func (c *Conn) Features(dev string) ([]Feature, error) {
	names, err := c.FeatureNames(dev)
	if err != nil {
		return nil, err
	}
	msgs, err := c.request("get features", dev, unix.ETHTOOL_MSG_FEATURES_GET, unix.ETHTOOL_FLAG_COMPACT_BITSETS, nil)
	if err != nil {
		return nil, err
	}
	if len(msgs) != 1 {
		return nil, fmt.Errorf("get features %s: %d replies, want 1", dev, len(msgs))
	}
	sets, err := decodeFeatureSets(msgs[0].Data, names)
	if err != nil {
		return nil, fmt.Errorf("get features %s: %w", dev, err)
	}
	hw, wanted, active, nochange := sets[unix.ETHTOOL_A_FEATURES_HW], sets[unix.ETHTOOL_A_FEATURES_WANTED],
		sets[unix.ETHTOOL_A_FEATURES_ACTIVE], sets[unix.ETHTOOL_A_FEATURES_NOCHANGE]
	out := make([]Feature, 0, len(names))
	for i, n := range names {
		out = append(out, Feature{
			Name: n, Index: i, Active: active.Bit(i), Wanted: wanted.Bit(i),
			Fixed: !hw.Bit(i) || nochange.Bit(i),
		})
	}
	return out, nil
}

// decodeFeatureSets decodes the four bitsets of a FEATURES_GET reply (or
// the two of a FEATURES_SET reply), keyed by attribute type.
func decodeFeatureSets(b []byte, names []string) (map[uint16]Bitset, error) {
	sets := map[uint16]Bitset{}
	ad := nlattr.NewReader(b, binary.NativeEndian)
	for ad.Next() {
		switch t := ad.Type; t {
		case unix.ETHTOOL_A_FEATURES_HW, unix.ETHTOOL_A_FEATURES_WANTED,
			unix.ETHTOOL_A_FEATURES_ACTIVE, unix.ETHTOOL_A_FEATURES_NOCHANGE:
			bs, err := DecodeBitset(ad.Bytes(), names)
			if err != nil {
				return nil, err
			}
			sets[t] = bs
		}
	}
	return sets, ad.Err()
}

// FeatureChange is a feature whose state after a SetFeatures is not what
// was asked, or that changed without being asked (ethtool's "Actual
// changes").
type FeatureChange struct {
	Name      string
	Active    bool
	Requested bool // asked for this feature
	// Refused is set when the wanted value differs from the request (the
	// kernel kept the old one).
	Refused bool
}

func (f FeatureChange) String() string {
	v := onOff(f.Active)
	switch {
	case f.Refused:
		return fmt.Sprintf("%s: %s [requested %s]", f.Name, v, onOff(!f.Active))
	case !f.Requested:
		return fmt.Sprintf("%s: %s [not requested]", f.Name, v)
	}
	return f.Name + ": " + v
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// FeatureRequest is one feature to change.
type FeatureRequest struct {
	Name string
	On   bool
	// Optional drops the request when the feature is fixed, instead of
	// failing: a legacy name (tx) stands for features some of which a
	// device may not be able to change.
	Optional bool
}

// SetFeatures asks for features by their kernel names (use Expand for
// ethtool's aliases) and returns what the kernel reports as differing
// from the request. Fixed features are not refused by the kernel, which
// leaves them as they are: SetFeatures refuses them first (a *FixedError
// naming the feature), so that nothing is half applied, unless the
// request is Optional: then it is dropped.
func (c *Conn) SetFeatures(dev string, req []FeatureRequest) ([]FeatureChange, error) {
	names, err := c.FeatureNames(dev)
	if err != nil {
		return nil, err
	}
	cur, err := c.Features(dev)
	if err != nil {
		return nil, err
	}
	var (
		reqNames []string
		reqVals  []bool
	)
	asked := map[int]bool{}
	for _, r := range req {
		idx := indexOf(names, r.Name)
		if idx < 0 {
			return nil, fmt.Errorf("set features %s: unknown feature %q", dev, r.Name)
		}
		if cur[idx].Fixed && cur[idx].Active != r.On {
			if r.Optional {
				continue
			}
			return nil, &FixedError{Dev: dev, Feature: r.Name, Active: cur[idx].Active}
		}
		reqNames, reqVals = append(reqNames, r.Name), append(reqVals, r.On)
		asked[idx] = true
	}
	if len(reqNames) == 0 {
		return nil, nil
	}
	msgs, err := c.request("set features", dev, unix.ETHTOOL_MSG_FEATURES_SET, unix.ETHTOOL_FLAG_COMPACT_BITSETS, func(ae *nlattr.Encoder) {
		ae.Nested(unix.ETHTOOL_A_FEATURES_WANTED, func(wae *nlattr.Encoder) error {
			encodeBits(wae, reqNames, reqVals)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	var out []FeatureChange
	for _, m := range msgs {
		sets, err := decodeFeatureSets(m.Data, names)
		if err != nil {
			return nil, fmt.Errorf("set features %s: %w", dev, err)
		}
		wanted, active := sets[unix.ETHTOOL_A_FEATURES_WANTED], sets[unix.ETHTOOL_A_FEATURES_ACTIVE]
		for i, n := range names {
			inW := wanted.Mask != nil && bitIn(wanted.Mask, i)
			inA := active.Mask != nil && bitIn(active.Mask, i)
			if n == "" || !inW && !inA {
				continue
			}
			out = append(out, FeatureChange{Name: n, Active: active.Bit(i), Requested: asked[i], Refused: inW})
			if inW {
				out[len(out)-1].Active = !wanted.Bit(i)
			}
		}
	}
	return out, nil
}

// FixedError is the error of a request to change a feature the device
// cannot change.
type FixedError struct {
	Dev, Feature string
	Active       bool
}

func (e *FixedError) Error() string {
	return fmt.Sprintf("set features %s: feature %q is fixed (%s [fixed]), cannot turn it %s",
		e.Dev, e.Feature, onOff(e.Active), onOff(!e.Active))
}

// FormatFeatures writes features in the layout of `ethtool -k DEV`:
// "Features for DEV:", then ethtool's legacy flags (a flag that stands for
// several features on a line of its own, its features indented by a
// tab), then the other features, each "name: on|off" with " [fixed]" or
// " [requested on|off]".
func FormatFeatures(b *strings.Builder, dev string, feats []Feature) {
	fmt.Fprintf(b, "Features for %s:\n", dev)
	flagOf := make([]int, len(feats))
	for i, f := range feats {
		flagOf[i] = legacyOf(f.Name)
	}
	line := func(prefix, name string, f Feature) {
		suffix := ""
		switch {
		case f.Fixed:
			suffix = " [fixed]"
		case f.Active != f.Wanted:
			suffix = " [requested " + onOff(f.Wanted) + "]"
		}
		fmt.Fprintf(b, "%s%s: %s%s\n", prefix, name, onOff(f.Active), suffix)
	}
	for li, l := range LegacyFlags {
		if l.Short == "ufo" {
			continue // no kernel with netlink has UFO, as ethtool says
		}
		n, on := 0, false
		for i, f := range feats {
			if flagOf[i] == li {
				n++
				on = on || f.Active
			}
		}
		if n != 1 {
			fmt.Fprintf(b, "%s: %s\n", l.Long, onOff(on))
		}
		for i, f := range feats {
			if flagOf[i] != li {
				continue
			}
			if n == 1 {
				line("", l.Long, f)
			} else {
				line("\t", f.Name, f)
			}
		}
	}
	for i, f := range feats {
		if f.Name != "" && flagOf[i] < 0 {
			line("", f.Name, f)
		}
	}
}
