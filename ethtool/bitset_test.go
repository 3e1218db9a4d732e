package ethtool

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strings"
	"testing"

	"github.com/nsnet/nsnet/internal/nlattr"
	"golang.org/x/sys/unix"
)

func u32s(v ...uint32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.NativeEndian.PutUint32(b[4*i:], x)
	}
	return b
}

func encode(t *testing.T, fn func(ae *nlattr.Encoder)) []byte {
	t.Helper()
	ae := nlattr.NewEncoder(binary.NativeEndian)
	fn(ae)
	b, err := ae.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Compact bitsets, with and without a mask, as FEATURES_GET and
// FEATURES_SET replies carry them.
func TestDecodeBitsetCompact(t *testing.T) {
	b := encode(t, func(ae *nlattr.Encoder) {
		ae.Uint32(unix.ETHTOOL_A_BITSET_SIZE, 40)
		ae.Bytes(unix.ETHTOOL_A_BITSET_VALUE, u32s(0x80000001, 0x80))
		ae.Bytes(unix.ETHTOOL_A_BITSET_MASK, u32s(0x1, 0x80))
	})
	bs, err := DecodeBitset(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range map[int]bool{0: true, 1: false, 31: true, 39: true, 38: false, 40: false, -1: false} {
		if bs.Bit(i) != want {
			t.Errorf("bit %d = %v, want %v", i, bs.Bit(i), want)
		}
	}
	if !bs.InMask(0) || bs.InMask(31) || !bs.InMask(39) {
		t.Errorf("mask %x", bs.Mask)
	}

	list := encode(t, func(ae *nlattr.Encoder) {
		ae.Flag(unix.ETHTOOL_A_BITSET_NOMASK)
		ae.Uint32(unix.ETHTOOL_A_BITSET_SIZE, 3)
		ae.Bytes(unix.ETHTOOL_A_BITSET_VALUE, u32s(0b101))
	})
	bs, err = DecodeBitset(list, nil)
	if err != nil {
		t.Fatal(err)
	}
	if bs.Mask != nil || !bs.Bit(0) || bs.Bit(1) || !bs.Bit(2) || !bs.InMask(1) {
		t.Errorf("list: %+v", bs)
	}
}

// A verbose bitset, by index or by name.
func TestDecodeBitsetVerbose(t *testing.T) {
	names := []string{"a", "b", "", "d"}
	b := encode(t, func(ae *nlattr.Encoder) {
		ae.Uint32(unix.ETHTOOL_A_BITSET_SIZE, 4)
		ae.Nested(unix.ETHTOOL_A_BITSET_BITS, func(nae *nlattr.Encoder) error {
			nae.Nested(unix.ETHTOOL_A_BITSET_BITS_BIT, func(bae *nlattr.Encoder) error {
				bae.Uint32(unix.ETHTOOL_A_BITSET_BIT_INDEX, 1)
				bae.Flag(unix.ETHTOOL_A_BITSET_BIT_VALUE)
				return nil
			})
			nae.Nested(unix.ETHTOOL_A_BITSET_BITS_BIT, func(bae *nlattr.Encoder) error {
				bae.String(unix.ETHTOOL_A_BITSET_BIT_NAME, "d")
				return nil
			})
			return nil
		})
	})
	bs, err := DecodeBitset(b, names)
	if err != nil {
		t.Fatal(err)
	}
	if !bs.Bit(1) || bs.Bit(3) || !bs.InMask(3) || bs.InMask(0) {
		t.Errorf("verbose: %+v", bs)
	}
	// A name the device does not have is an error.
	bad := encode(t, func(ae *nlattr.Encoder) {
		ae.Uint32(unix.ETHTOOL_A_BITSET_SIZE, 4)
		ae.Nested(unix.ETHTOOL_A_BITSET_BITS, func(nae *nlattr.Encoder) error {
			nae.Nested(unix.ETHTOOL_A_BITSET_BITS_BIT, func(bae *nlattr.Encoder) error {
				bae.String(unix.ETHTOOL_A_BITSET_BIT_NAME, "zz")
				return nil
			})
			return nil
		})
	})
	if _, err := DecodeBitset(bad, names); err == nil {
		t.Error("unknown bit name accepted")
	}
}

// Malformed sets are errors, never panics.
func TestDecodeBitsetMalformed(t *testing.T) {
	for name, b := range map[string][]byte{
		"short value": encode(t, func(ae *nlattr.Encoder) {
			ae.Uint32(unix.ETHTOOL_A_BITSET_SIZE, 64)
			ae.Bytes(unix.ETHTOOL_A_BITSET_VALUE, u32s(1))
			ae.Bytes(unix.ETHTOOL_A_BITSET_MASK, u32s(1, 1))
		}),
		"huge size": encode(t, func(ae *nlattr.Encoder) {
			ae.Uint32(unix.ETHTOOL_A_BITSET_SIZE, 1<<30)
		}),
		"truncated": {8, 0, 2, 0, 1},
	} {
		if _, err := DecodeBitset(b, nil); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// encodeBits writes the request ethtool -K sends, byte for byte, and it
// decodes back to the same bits.
func TestEncodeBitsVerbose(t *testing.T) {
	b := encode(t, func(ae *nlattr.Encoder) {
		encodeBits(ae, []string{"rx-gro", "tx-checksum-sctp"}, []bool{true, false})
	})
	want := []byte{
		0x34, 0, 3, 0x80, // ETHTOOL_A_BITSET_BITS, nested, 52 bytes
		0x14, 0, 1, 0x80, // BITS_BIT
		0x0b, 0, 2, 0, 'r', 'x', '-', 'g', 'r', 'o', 0, 0, // BIT_NAME "rx-gro"
		4, 0, 3, 0, // BIT_VALUE flag
		0x1c, 0, 1, 0x80, // BITS_BIT, 28 bytes
		0x15, 0, 2, 0, 't', 'x', '-', 'c', 'h', 'e', 'c', 'k', 's', 'u', 'm', '-', 's', 'c', 't', 'p', 0, 0, 0, 0,
	}
	if !bytes.Equal(b, want) {
		t.Fatalf("encoded\n% x\nwant\n% x", b, want)
	}
	names := []string{"tx-checksum-sctp", "x", "rx-gro"}
	full := encode(t, func(ae *nlattr.Encoder) { ae.Uint32(unix.ETHTOOL_A_BITSET_SIZE, 3) })
	bs, err := DecodeBitset(append(full, b...), names)
	if err != nil {
		t.Fatal(err)
	}
	if !bs.Bit(2) || bs.Bit(0) || !bs.InMask(0) || !bs.InMask(2) || bs.InMask(1) {
		t.Errorf("round trip: %+v", bs)
	}
}

var vethNames = []string{"tx-scatter-gather", "tx-checksum-ipv4", "", "tx-checksum-ip-generic", "tx-checksum-ipv6",
	"highdma", "tx-scatter-gather-fraglist", "rx-gro", "rx-lro", "tx-tcp-segmentation", "tx-tcp6-segmentation",
	"tx-checksum-sctp", "rx-checksum", "loopback"}

func TestExpand(t *testing.T) {
	for _, tt := range []struct {
		word string
		want []string
		ok   bool
	}{
		{"tx", []string{"tx-checksum-ipv4", "tx-checksum-ip-generic", "tx-checksum-ipv6", "tx-checksum-sctp"}, true},
		{"tx-checksumming", []string{"tx-checksum-ipv4", "tx-checksum-ip-generic", "tx-checksum-ipv6", "tx-checksum-sctp"}, true},
		{"sg", []string{"tx-scatter-gather", "tx-scatter-gather-fraglist"}, true},
		{"tso", []string{"tx-tcp-segmentation", "tx-tcp6-segmentation"}, true},
		{"rx", []string{"rx-checksum"}, true},
		{"gro", []string{"rx-gro"}, true},
		{"ufo", nil, true},
		{"highdma", []string{"highdma"}, true},
		{"", nil, false},
		{"nosuch", nil, false},
	} {
		got, ok := Expand(vethNames, tt.word)
		if ok != tt.ok || !slices.Equal(got, tt.want) {
			t.Errorf("Expand(%q) = %v %v, want %v %v", tt.word, got, ok, tt.want, tt.ok)
		}
	}
}

// The layout of ethtool -k: legacy flags first (one feature: under the
// flag's long name; several: the flag, then its features after a tab),
// then the rest in bit order.
func TestFormatFeatures(t *testing.T) {
	var feats []Feature
	for i, n := range vethNames {
		f := Feature{Name: n, Index: i, Active: i%2 == 0, Wanted: i%2 == 0}
		switch n {
		case "tx-checksum-ipv4", "rx-lro", "loopback":
			f.Fixed, f.Active, f.Wanted = true, false, false
		case "tx-tcp6-segmentation":
			f.Active, f.Wanted = false, true
		}
		feats = append(feats, f)
	}
	var b strings.Builder
	FormatFeatures(&b, "veth0", feats)
	want := `Features for veth0:
rx-checksumming: on
tx-checksumming: on
	tx-checksum-ipv4: off [fixed]
	tx-checksum-ip-generic: off
	tx-checksum-ipv6: on
	tx-checksum-sctp: off
scatter-gather: on
	tx-scatter-gather: on
	tx-scatter-gather-fraglist: on
tcp-segmentation-offload: off
	tx-tcp-segmentation: off
	tx-tcp6-segmentation: off [requested on]
generic-segmentation-offload: off
generic-receive-offload: off
large-receive-offload: off [fixed]
rx-vlan-offload: off
tx-vlan-offload: off
ntuple-filters: off
receive-hashing: off
highdma: off
loopback: off [fixed]
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestFeatureChangeString(t *testing.T) {
	for _, tt := range []struct {
		c    FeatureChange
		want string
	}{
		{FeatureChange{Name: "rx-lro", Active: false, Requested: true, Refused: true}, "rx-lro: off [requested on]"},
		{FeatureChange{Name: "tx-tcp-segmentation", Active: false}, "tx-tcp-segmentation: off [not requested]"},
		{FeatureChange{Name: "tx-checksum-sctp", Active: false, Requested: true}, "tx-checksum-sctp: off"},
	} {
		if got := tt.c.String(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.c, got, tt.want)
		}
	}
}

// A STRSET_GET reply's strings come back by index; other sets are skipped.
func TestDecodeStrset(t *testing.T) {
	set := func(ae *nlattr.Encoder, id uint32, strs ...string) {
		ae.Nested(unix.ETHTOOL_A_STRINGSETS_STRINGSET, func(s *nlattr.Encoder) error {
			s.Uint32(unix.ETHTOOL_A_STRINGSET_ID, id)
			s.Uint32(unix.ETHTOOL_A_STRINGSET_COUNT, uint32(len(strs)))
			s.Nested(unix.ETHTOOL_A_STRINGSET_STRINGS, func(x *nlattr.Encoder) error {
				for i := len(strs) - 1; i >= 0; i-- { // any order
					x.Nested(unix.ETHTOOL_A_STRINGS_STRING, func(y *nlattr.Encoder) error {
						y.Uint32(unix.ETHTOOL_A_STRING_INDEX, uint32(i))
						y.String(unix.ETHTOOL_A_STRING_VALUE, strs[i])
						return nil
					})
				}
				return nil
			})
			return nil
		})
	}
	b := encode(t, func(ae *nlattr.Encoder) {
		ae.Nested(unix.ETHTOOL_A_STRSET_STRINGSETS, func(sae *nlattr.Encoder) error {
			set(sae, 1, "stat")
			set(sae, ethSSFeatures, "a", "", "c")
			return nil
		})
	})
	got, err := decodeStrset(b, ethSSFeatures)
	if err != nil || !slices.Equal(got, []string{"a", "", "c"}) {
		t.Errorf("got %q %v", got, err)
	}
}
