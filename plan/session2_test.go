package plan

import (
	"bytes"
	"strings"
	"sync"
	"testing"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/nltest"
	"github.com/nsnet/nsnet/nsfs"
)

// taps counts the datagrams a session's connections copy, per family.
type taps struct {
	mu sync.Mutex
	n  map[int]int
}

func (c *taps) WriteNetlink(family int, sent bool, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[int]int{}
	}
	c.n[family]++
}

// TestSessionKernelFamilies: Options.Kernel serves each family with a
// real Conn over its fake, traced and captured as SetTrace and SetCapture
// say from then on; a family without a fake, or an ethtool fake that does
// not know the family, fails.
func TestSessionKernelFamilies(t *testing.T) {
	m, nft, eth := nltest.NewModel(), nltest.NewNFT(), newEthKernel()
	eth.veth("lo")
	s := NewSession(&Options{Kernel: func(family string) func([]netlink.Message) ([]netlink.Message, error) {
		switch family {
		case "rtnl":
			return m.Func()
		case "nat":
			return nft.Func()
		case "genl", "ethtool":
			return eth.fn
		}
		return nil
	}})
	defer s.Close()
	var trace bytes.Buffer
	capt := &taps{}
	s.SetTrace(&trace, true)
	s.SetCapture(capt)
	r, err := s.Rtnl(nsfs.Self())
	if err != nil {
		t.Fatal(err)
	}
	if l, err := r.LinkByName("lo"); err != nil || l.Index != 1 {
		t.Fatalf("lo: %v %v", l, err)
	}
	if !strings.Contains(trace.String(), "RTM_GETLINK") || capt.n[unix.NETLINK_ROUTE] < 2 {
		t.Fatalf("not traced or captured: %q, %v", trace.String(), capt.n)
	}
	if _, err := s.NAT(nsfs.Self()); err != nil {
		t.Fatal(err)
	}
	g, err := s.Genl(nsfs.Self())
	if err != nil {
		t.Fatal(err)
	}
	if f, err := g.Family("ethtool"); err != nil || f.ID != ethFamilyID {
		t.Fatalf("genl family lookup: %+v %v", f, err)
	}
	e, err := s.Ethtool(nsfs.Self())
	if err != nil {
		t.Fatal(err)
	}
	if names, err := e.FeatureNames("lo"); err != nil || len(names) != len(eth.names) {
		t.Fatalf("feature names %v %v", names, err)
	}
	if capt.n[unix.NETLINK_GENERIC] == 0 {
		t.Fatalf("generic netlink not captured: %v", capt.n)
	}
	// DialRtnl over the fake too; traced only when asked.
	trace.Reset()
	d, err := s.DialRtnl(nsfs.Self(), false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.LinkByName("lo"); err != nil || trace.Len() != 0 {
		t.Fatalf("untraced DialRtnl: %v, %q", err, trace.String())
	}
	d.Close()

	none := NewSession(&Options{Kernel: func(string) func([]netlink.Message) ([]netlink.Message, error) { return nil }})
	if _, err := none.Rtnl(nsfs.Self()); err == nil || err.Error() != `plan: Options.Kernel has no fake kernel for family "rtnl"` {
		t.Fatalf("no fake: %v", err)
	}
	if _, err := none.DialRtnl(nsfs.Self(), true); err == nil {
		t.Fatal("DialRtnl without a fake")
	}
	// A generic netlink kernel without the ethtool family.
	noEth := NewSession(&Options{Kernel: func(string) func([]netlink.Message) ([]netlink.Message, error) {
		return func(req []netlink.Message) ([]netlink.Message, error) {
			return []netlink.Message{nltest.Error(req[0], unix.ENOENT, "")}, nil
		}
	}})
	if _, err := noEth.Ethtool(nsfs.Self()); err == nil || !strings.Contains(err.Error(), "get family ethtool") {
		t.Fatalf("ethtool without the family: %v", err)
	}
}

// TestSessionAdoptAndLimits: an adopted handle and connection are what
// later steps get; adopting a closed handle fails and closes the
// connection; a named entry whose name no longer refers to it is dropped.
func TestSessionAdoptAndLimits(t *testing.T) {
	s := NewSession(nil)
	defer s.Close()
	if s.SetMaxNS(0); s.MaxNS() != 1 {
		t.Fatalf("MaxNS %d after SetMaxNS(0)", s.MaxNS())
	}
	s.SetMaxNS(4)
	m := nltest.NewModel()
	ref := nsfs.PathRef("/proc/self/ns/net")
	h, err := ref.Open()
	if err != nil {
		t.Fatal(err)
	}
	c := nltest.Rtnl(m.Func(), nil)
	if err := s.Adopt(ref, h, c); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Rtnl(ref); err != nil || got != c {
		t.Fatalf("adopted conn not used: %v", err)
	}
	if s.Cached(ref) != h {
		t.Fatal("adopted handle not cached")
	}
	// Adopting again under the same reference replaces (and closes) both.
	h2, err := ref.Open()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Adopt(ref, h2, nil); err != nil {
		t.Fatal(err)
	}
	if h.Fd() != -1 {
		t.Fatal("the replaced handle is still open")
	}
	if _, err := c.LinkByName("lo"); err == nil {
		t.Fatal("the replaced connection still works")
	}
	// A closed handle: refused, and the connection given with it closed.
	h3, _ := ref.Open()
	h3.Close()
	c3 := nltest.Rtnl(m.Func(), nil)
	if err := s.Adopt(nsfs.PathRef("/proc/thread-self/ns/net"), h3, c3); err == nil {
		t.Fatal("a closed handle adopted")
	}
	if _, err := c3.LinkByName("lo"); err == nil {
		t.Fatal("the connection of a refused adoption still works")
	}
	// A name that refers to nothing (no /run/netns entry): what was adopted
	// under it is dropped on the next use.
	name := nsfs.NameRef("nsnet-plan-adopted-nowhere")
	h4, _ := ref.Open()
	c4 := nltest.Rtnl(m.Func(), nil)
	if err := s.Adopt(name, h4, c4); err != nil {
		t.Fatal(err)
	}
	if s.Cached(name) != nil || h4.Fd() != -1 {
		t.Fatal("a stale named entry kept")
	}
	if _, err := c4.LinkByName("lo"); err == nil {
		t.Fatal("the stale entry's connection still works")
	}
}

// TestMemoryJournalKeepsOldest: a second Record of a step keeps the first
// undo (the state before the first Up), under the same id.
func TestMemoryJournalKeepsOldest(t *testing.T) {
	j := &MemoryJournal{}
	first, second := LinkDel{Name: "a"}, LinkDel{Name: "b"}
	id1, _ := j.Record(3, first)
	id2, _ := j.Record(3, second)
	if u, ok := j.Undo(3); id1 != id2 || !ok || u != first || j.Len() != 1 {
		t.Fatalf("ids %d %d, undo %v %v, len %d", id1, id2, u, ok, j.Len())
	}
	if err := j.Done(id1); err != nil {
		t.Fatal(err)
	}
	if _, ok := j.Undo(3); ok || j.Len() != 0 {
		t.Fatal("undo kept after Done")
	}
}
