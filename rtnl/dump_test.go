package rtnl

import (
	"bytes"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// chunks hands out values that stay put, and all returns them in order.
func TestChunks(t *testing.T) {
	for _, n := range []int{0, 1, 15, 16, 17, 3000} {
		var c chunks[int]
		var ptrs []*int
		for i := range n {
			p := c.next()
			if *p != 0 {
				t.Fatalf("n=%d: value %d not zero", n, i)
			}
			*p = i
			ptrs = append(ptrs, p)
			// Take back every third one and hand it out again.
			if i%3 == 0 {
				c.unget()
				p = c.next()
				if *p != 0 {
					t.Fatalf("n=%d: value %d not zero after unget", n, i)
				}
				*p = i
				ptrs[i] = p
			}
		}
		all := c.all()
		if len(all) != n || n == 0 && all != nil {
			t.Fatalf("n=%d: all has %d values", n, len(all))
		}
		for i, p := range ptrs {
			if *p != i || all[i] != i {
				t.Fatalf("n=%d: value %d is %d, all has %d", n, i, *p, all[i])
			}
		}
	}
}

// A link decoded into a dump's store keeps nothing of the buffer it was
// read from, whatever the request's stats filter.
func TestDecodeLinkStoreNoAlias(t *testing.T) {
	for _, b := range readHex(t, "link_veth_reply.hex") {
		for _, noStats := range []bool{false, true} {
			in := append([]byte{}, b...)
			var m LinkMessage
			if err := m.unmarshal(in, 0, &linkStore{noStats: noStats}); err != nil {
				t.Fatal(err)
			}
			want := show(&m)
			for i := range in {
				in[i] = 0xa5
			}
			if got := show(&m); got != want {
				t.Fatalf("changed with its buffer:\nbefore %s\nafter  %s", want, got)
			}
			if (m.Attrs.Stats == nil) != noStats {
				t.Errorf("noStats %v: stats %v", noStats, m.Attrs.Stats)
			}
		}
	}
}

// An address decoded for a dump keeps nothing of its buffer.
func TestDecodeAddrNoAlias(t *testing.T) {
	for _, b := range readHex(t, "addr_reply.hex") {
		in := append([]byte{}, b...)
		var m AddrMessage
		var ci AddrCacheInfo
		if err := m.unmarshal(in, &ci); err != nil {
			t.Fatal(err)
		}
		want := m
		wantCI := ci
		for i := range in {
			in[i] = 0xa5
		}
		if !reflect.DeepEqual(m, want) || ci != wantCI {
			t.Fatalf("changed with its buffer: %s", show(&m))
		}
	}
}

// seqPort and counters hide what differs between two dumps in a trace:
// sequence numbers, and values that change as time passes.
var (
	seqPort  = regexp.MustCompile(`(seq|port)=[0-9]+`)
	counters = regexp.MustCompile(`(?m)^(\s*\S*(STATS|TIMER)\S*) .*$`)
)

// Streaming a dump (DumpLinks, Addrs) decodes and traces the same as
// collecting it first (Conn.dump). The dumps only read the namespace the
// test runs in.
func TestDumpEachMatchesDump(t *testing.T) {
	var tr1, tr2 strings.Builder
	c1, err := Dial(&Config{Trace: &tr1})
	if err != nil {
		t.Skip("no rtnetlink socket:", err)
	}
	defer c1.Close()
	c2, err := Dial(&Config{Trace: &tr2})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()

	req := &LinkMessage{Attrs: LinkAttrs{ExtMask: new(ExtFilterSkipStats)}}
	b, err := req.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	streamed, err := c1.DumpLinks(req)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := c2.dump("list links", unix.RTM_GETLINK, b)
	if err != nil {
		t.Fatal(err)
	}
	collected, err := decodeLinks("list links", "", msgs, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(streamed) == 0 || !reflect.DeepEqual(streamed, collected) {
		t.Fatalf("DumpLinks:\n%s\ncollected:\n%s", show(streamed), show(collected))
	}

	addrs, err := c1.Addrs(FamilyUnspec, 0)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err = c2.dump("list addresses", unix.RTM_GETADDR, make([]byte, ifaddrmsgLen))
	if err != nil {
		t.Fatal(err)
	}
	var want []AddrMessage
	for _, nm := range msgs {
		var m AddrMessage
		if err := m.UnmarshalBinary(nm.Data); err != nil {
			t.Fatal(err)
		}
		want = append(want, m)
	}
	if !reflect.DeepEqual(addrs, want) {
		t.Fatalf("Addrs:\n%s\ncollected:\n%s", show(addrs), show(want))
	}

	mask := func(s string) string {
		return counters.ReplaceAllString(seqPort.ReplaceAllString(s, "$1=N"), "$1")
	}
	if got1, got2 := mask(tr1.String()), mask(tr2.String()); got1 != got2 {
		t.Fatalf("traces differ:\n%s\n---\n%s", got1, got2)
	}
}

// getLinkByName encodes LinkIndex's request as MarshalBinary would.
func TestGetLinkByName(t *testing.T) {
	for _, name := range []string{"a", "ab", "abc", "abcd", "eth0", "veth-with-15chr"} {
		req := &LinkMessage{Attrs: LinkAttrs{Name: name, ExtMask: new(ExtFilterSkipStats)}}
		want, err := req.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if got := getLinkByName(name, ExtFilterSkipStats); !bytes.Equal(got, want) {
			t.Errorf("%q:\ngot  %x\nwant %x", name, got, want)
		}
	}
}
