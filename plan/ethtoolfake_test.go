package plan

import (
	"encoding/binary"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/nltest"
)

// ethKernel is a fake generic netlink kernel with the ethtool family
// (linux/ethtool_netlink.h): the controller's CTRL_CMD_GETFAMILY, and
// ETHTOOL_MSG_STRSET_GET (the ETH_SS_FEATURES set), FEATURES_GET/SET,
// CHANNELS_GET/SET and RINGS_GET/SET on the devices in devs. A device
// without channels (or rings) answers EOPNOTSUPP, as a veth's driver
// does; an unknown device ENODEV.
type ethKernel struct {
	names []string // ETH_SS_FEATURES, by bit
	devs  map[string]*ethDev
	sets  int // FEATURES_SET, CHANNELS_SET and RINGS_SET requests seen
}

// ethDev is one device's state.
type ethDev struct {
	feats    map[string]*ethFeat
	channels map[uint16]uint32 // ETHTOOL_A_CHANNELS_* -> value; nil: not supported
	rings    map[uint16]uint32 // ETHTOOL_A_RINGS_* -> value; nil: not supported
}

// ethFeat is one feature: hw is whether the driver can change it,
// nochange whether it is in the nochange set, refuse whether the driver
// keeps the old value when asked (the kernel's "wanted" differs then).
type ethFeat struct{ hw, wanted, active, nochange, refuse bool }

const ethFamilyID = 0x20

func newEthKernel() *ethKernel {
	return &ethKernel{
		names: []string{"tx-scatter-gather", "tx-checksum-ipv4", "tx-checksum-ipv6", "rx-gro", "rx-lro", "rx-checksum"},
		devs:  map[string]*ethDev{},
	}
}

// veth adds a device with a veth's features: everything on and
// changeable except rx-lro, fixed off; no channels, no rings.
func (k *ethKernel) veth(name string) *ethDev {
	d := &ethDev{feats: map[string]*ethFeat{}}
	for _, n := range k.names {
		d.feats[n] = &ethFeat{hw: true, wanted: true, active: true}
	}
	d.feats["rx-lro"] = &ethFeat{}
	k.devs[name] = d
	return d
}

// nic adds a device with channels and rings, as a multi-queue NIC.
func (k *ethKernel) nic(name string) *ethDev {
	d := k.veth(name)
	d.channels = map[uint16]uint32{
		unix.ETHTOOL_A_CHANNELS_RX_MAX: 8, unix.ETHTOOL_A_CHANNELS_TX_MAX: 8, unix.ETHTOOL_A_CHANNELS_COMBINED_MAX: 8,
		unix.ETHTOOL_A_CHANNELS_RX_COUNT: 1, unix.ETHTOOL_A_CHANNELS_TX_COUNT: 1, unix.ETHTOOL_A_CHANNELS_COMBINED_COUNT: 4,
	}
	d.rings = map[uint16]uint32{
		unix.ETHTOOL_A_RINGS_RX_MAX: 4096, unix.ETHTOOL_A_RINGS_TX_MAX: 4096,
		unix.ETHTOOL_A_RINGS_RX: 256, unix.ETHTOOL_A_RINGS_TX: 512,
	}
	return d
}

// session is a Session whose ethtool connections go to k (and whose
// rtnetlink ones to the model m, when not nil).
func (k *ethKernel) session(m *nltest.Model) *Session {
	return NewSession(&Options{Kernel: func(family string) func([]netlink.Message) ([]netlink.Message, error) {
		switch {
		case family == "ethtool":
			return k.fn
		case family == "rtnl" && m != nil:
			return m.Func()
		}
		return nil
	}})
}

func (k *ethKernel) fn(reqs []netlink.Message) ([]netlink.Message, error) {
	var out []netlink.Message
	for _, req := range reqs {
		out = append(out, k.handle(req)...)
	}
	return out, nil
}

func (k *ethKernel) handle(req netlink.Message) []netlink.Message {
	var gm genetlink.Message
	if err := gm.UnmarshalBinary(req.Data); err != nil {
		return []netlink.Message{nltest.Error(req, unix.EINVAL, "bad genetlink header")}
	}
	ad, err := netlink.NewAttributeDecoder(gm.Data)
	if err != nil {
		return []netlink.Message{nltest.Error(req, unix.EINVAL, "bad attributes")}
	}
	attrs := map[uint16][]byte{}
	for ad.Next() {
		attrs[ad.Type()] = ad.Bytes()
	}
	if req.Header.Type == unix.GENL_ID_CTRL {
		if gm.Header.Command != unix.CTRL_CMD_GETFAMILY || string(attrs[unix.CTRL_ATTR_FAMILY_NAME]) != "ethtool\x00" {
			return []netlink.Message{nltest.Error(req, unix.ENOENT, "")}
		}
		ae := netlink.NewAttributeEncoder()
		ae.Uint16(unix.CTRL_ATTR_FAMILY_ID, ethFamilyID)
		ae.String(unix.CTRL_ATTR_FAMILY_NAME, "ethtool")
		ae.Uint32(unix.CTRL_ATTR_VERSION, 1)
		return k.reply(req, unix.GENL_ID_CTRL, unix.CTRL_CMD_NEWFAMILY, ae)
	}
	if req.Header.Type != ethFamilyID {
		return []netlink.Message{nltest.Error(req, unix.EINVAL, "unknown family")}
	}
	// Every ethtool request's header is attribute 1: ETHTOOL_A_*_HEADER.
	var dev string
	hd, err := netlink.NewAttributeDecoder(attrs[1])
	if err != nil {
		return []netlink.Message{nltest.Error(req, unix.EINVAL, "no header")}
	}
	for hd.Next() {
		if hd.Type() == unix.ETHTOOL_A_HEADER_DEV_NAME {
			dev = hd.String()
		}
	}
	d, ok := k.devs[dev]
	if gm.Header.Command != unix.ETHTOOL_MSG_STRSET_GET && !ok {
		return []netlink.Message{nltest.Error(req, unix.ENODEV, "no device matches name")}
	}
	switch gm.Header.Command {
	case unix.ETHTOOL_MSG_STRSET_GET:
		ae := netlink.NewAttributeEncoder()
		ae.Nested(unix.ETHTOOL_A_STRSET_STRINGSETS, func(sae *netlink.AttributeEncoder) error {
			sae.Nested(unix.ETHTOOL_A_STRINGSETS_STRINGSET, func(s *netlink.AttributeEncoder) error {
				s.Uint32(unix.ETHTOOL_A_STRINGSET_ID, 4) // ETH_SS_FEATURES
				s.Uint32(unix.ETHTOOL_A_STRINGSET_COUNT, uint32(len(k.names)))
				s.Nested(unix.ETHTOOL_A_STRINGSET_STRINGS, func(x *netlink.AttributeEncoder) error {
					for i, n := range k.names {
						x.Nested(unix.ETHTOOL_A_STRINGS_STRING, func(y *netlink.AttributeEncoder) error {
							y.Uint32(unix.ETHTOOL_A_STRING_INDEX, uint32(i))
							y.String(unix.ETHTOOL_A_STRING_VALUE, n)
							return nil
						})
					}
					return nil
				})
				return nil
			})
			return nil
		})
		return k.reply(req, ethFamilyID, unix.ETHTOOL_MSG_STRSET_GET_REPLY, ae)
	case unix.ETHTOOL_MSG_FEATURES_GET:
		ae := netlink.NewAttributeEncoder()
		for typ, get := range map[uint16]func(*ethFeat) bool{
			unix.ETHTOOL_A_FEATURES_HW:       func(f *ethFeat) bool { return f.hw },
			unix.ETHTOOL_A_FEATURES_WANTED:   func(f *ethFeat) bool { return f.wanted },
			unix.ETHTOOL_A_FEATURES_ACTIVE:   func(f *ethFeat) bool { return f.active },
			unix.ETHTOOL_A_FEATURES_NOCHANGE: func(f *ethFeat) bool { return f.nochange },
		} {
			k.bitset(ae, typ, func(n string) (bool, bool) { return get(d.feats[n]), false }, false)
		}
		return k.reply(req, ethFamilyID, unix.ETHTOOL_MSG_FEATURES_GET_REPLY, ae)
	case unix.ETHTOOL_MSG_FEATURES_SET:
		k.sets++
		return k.setFeatures(req, d, attrs[unix.ETHTOOL_A_FEATURES_WANTED])
	case unix.ETHTOOL_MSG_CHANNELS_GET, unix.ETHTOOL_MSG_RINGS_GET:
		vals, cmd := d.channels, uint8(unix.ETHTOOL_MSG_CHANNELS_GET_REPLY)
		if gm.Header.Command == unix.ETHTOOL_MSG_RINGS_GET {
			vals, cmd = d.rings, unix.ETHTOOL_MSG_RINGS_GET_REPLY
		}
		if vals == nil {
			return []netlink.Message{nltest.Error(req, unix.EOPNOTSUPP, "")}
		}
		ae := netlink.NewAttributeEncoder()
		for t := uint16(2); t < 32; t++ {
			if v, ok := vals[t]; ok {
				ae.Uint32(t, v)
			}
		}
		return k.reply(req, ethFamilyID, cmd, ae)
	case unix.ETHTOOL_MSG_CHANNELS_SET, unix.ETHTOOL_MSG_RINGS_SET:
		k.sets++
		vals := d.channels
		if gm.Header.Command == unix.ETHTOOL_MSG_RINGS_SET {
			vals = d.rings
		}
		if vals == nil {
			return []netlink.Message{nltest.Error(req, unix.EOPNOTSUPP, "")}
		}
		for t, b := range attrs {
			if t == 1 {
				continue
			}
			if _, ok := vals[t]; !ok || len(b) != 4 {
				return []netlink.Message{nltest.Error(req, unix.EOPNOTSUPP, "")}
			}
			vals[t] = binary.NativeEndian.Uint32(b)
		}
		return []netlink.Message{nltest.Ack(req)}
	}
	return []netlink.Message{nltest.Error(req, unix.EOPNOTSUPP, "")}
}

// setFeatures applies a verbose bitset of wanted features (by name) and
// answers as the kernel: a FEATURES_SET_REPLY whose WANTED holds the
// requested values of the bits whose wanted value differs from the
// request, and whose ACTIVE holds the active bits that changed; no reply
// when both are empty. Then the acknowledgement.
func (k *ethKernel) setFeatures(req netlink.Message, d *ethDev, b []byte) []netlink.Message {
	type bit struct {
		name string
		on   bool
	}
	var bits []bit
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return []netlink.Message{nltest.Error(req, unix.EINVAL, "")}
	}
	for ad.Next() {
		if ad.Type() != unix.ETHTOOL_A_BITSET_BITS {
			continue
		}
		ad.Nested(func(nad *netlink.AttributeDecoder) error {
			for nad.Next() {
				var bt bit
				nad.Nested(func(bad *netlink.AttributeDecoder) error {
					for bad.Next() {
						switch bad.Type() {
						case unix.ETHTOOL_A_BITSET_BIT_NAME:
							bt.name = bad.String()
						case unix.ETHTOOL_A_BITSET_BIT_VALUE:
							bt.on = true
						}
					}
					return nil
				})
				bits = append(bits, bt)
			}
			return nil
		})
	}
	refused, changed := map[string]bool{}, map[string]bool{}
	want := map[string]bool{}
	for _, bt := range bits {
		f, ok := d.feats[bt.name]
		if !ok {
			return []netlink.Message{nltest.Error(req, unix.EINVAL, "unknown feature")}
		}
		want[bt.name] = bt.on
		if !f.hw || f.nochange || f.refuse {
			if f.wanted != bt.on {
				refused[bt.name] = true
			}
			continue
		}
		f.wanted = bt.on
		if f.active != bt.on {
			f.active = bt.on
			changed[bt.name] = true
		}
	}
	out := []netlink.Message{}
	if len(refused)+len(changed) > 0 {
		ae := netlink.NewAttributeEncoder()
		k.bitset(ae, unix.ETHTOOL_A_FEATURES_WANTED, func(n string) (bool, bool) { return want[n], refused[n] }, true)
		k.bitset(ae, unix.ETHTOOL_A_FEATURES_ACTIVE, func(n string) (bool, bool) { return d.feats[n].active, changed[n] }, true)
		out = append(out, k.reply(req, ethFamilyID, unix.ETHTOOL_MSG_FEATURES_SET_REPLY, ae)...)
	}
	return append(out, nltest.Ack(req))
}

// bitset writes a compact bitset attribute typ over the feature names:
// bit i has the value of the i-th name; with mask, the bits in it only
// (else ETHTOOL_A_BITSET_NOMASK).
func (k *ethKernel) bitset(ae *netlink.AttributeEncoder, typ uint16, val func(name string) (on, inMask bool), mask bool) {
	words := (len(k.names) + 31) / 32
	vw, mw := make([]uint32, words), make([]uint32, words)
	for i, n := range k.names {
		on, in := val(n)
		if on && (in || !mask) {
			vw[i/32] |= 1 << (i % 32)
		}
		if in {
			mw[i/32] |= 1 << (i % 32)
		}
	}
	v, m := make([]byte, 4*words), make([]byte, 4*words)
	for i := range words {
		binary.NativeEndian.PutUint32(v[4*i:], vw[i])
		binary.NativeEndian.PutUint32(m[4*i:], mw[i])
	}
	ae.Nested(typ, func(bae *netlink.AttributeEncoder) error {
		if !mask {
			bae.Flag(unix.ETHTOOL_A_BITSET_NOMASK, true)
		}
		bae.Uint32(unix.ETHTOOL_A_BITSET_SIZE, uint32(len(k.names)))
		bae.Bytes(unix.ETHTOOL_A_BITSET_VALUE, v)
		if mask {
			bae.Bytes(unix.ETHTOOL_A_BITSET_MASK, m)
		}
		return nil
	})
}

// reply is a generic netlink reply of type typ and command cmd to req.
func (k *ethKernel) reply(req netlink.Message, typ netlink.HeaderType, cmd uint8, ae *netlink.AttributeEncoder) []netlink.Message {
	b, err := ae.Encode()
	if err != nil {
		return []netlink.Message{nltest.Error(req, unix.EINVAL, err.Error())}
	}
	data, _ := (&genetlink.Message{Header: genetlink.Header{Command: cmd, Version: 1}, Data: b}).MarshalBinary()
	return []netlink.Message{nltest.Reply(req, typ, data)}
}
