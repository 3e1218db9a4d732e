package plan

import (
	"errors"
	"io"
	"os"
	"syscall"
	"testing"

	"github.com/mdlayher/netlink"

	"github.com/nsnet/nsnet/nltest"
	"github.com/nsnet/nsnet/nsfs"
)

// TestSessionKeepsFewNamespacesOpen: the namespace cache evicts the least
// recently used entry, never one the running step uses.
func TestSessionKeepsFewNamespacesOpen(t *testing.T) {
	if n := NSCacheLimit(); n < 2 || n > 256 {
		t.Fatalf("limit %d", n)
	}
	var rl syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl)
	old := rl
	rl.Cur = 20
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err == nil {
		if n := NSCacheLimit(); n != 2 {
			t.Errorf("limit at 20 descriptors: %d", n)
		}
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old)
	}
	s := NewSession(&Options{MaxNS: 2})
	defer s.Close()
	// The process's own namespace through three paths: three cache entries.
	self := func(p string) nsfs.Ref { return nsfs.PathRef(p) }
	s.Begin()
	a, err := s.Open(self("/proc/self/ns/net"))
	if err != nil {
		t.Fatal(err)
	}
	// Reused, not reopened.
	if again, _ := s.Open(self("/proc/self/ns/net")); again != a {
		t.Fatal("a cached namespace was opened again")
	}
	s.Begin()
	if _, err := s.Open(self("/proc/thread-self/ns/net")); err != nil {
		t.Fatal(err)
	}
	s.Begin()
	// Both were used by earlier steps: /proc/self's entry is the oldest.
	if _, err := s.Open(self("/proc/1/../self/ns/net")); err != nil {
		t.Fatal(err)
	}
	if len(s.nss) != 2 || s.nss["/proc/self/ns/net"] != nil {
		t.Fatalf("kept %v", s.nss)
	}
	if s.Cached(self("/proc/self/ns/net")) != nil {
		t.Fatal("an evicted entry is still cached")
	}
	// Everything in use by the current step: nothing to evict, the cache
	// grows past its bound rather than closing a handle in use.
	if s.Cached(self("/proc/thread-self/ns/net")) == nil {
		t.Fatal("lost an entry")
	}
	if _, err := s.Open(self("/proc/self/ns/net")); err != nil {
		t.Fatal(err)
	}
	if len(s.nss) != 3 {
		t.Fatalf("evicted an entry in use: %v", s.nss)
	}
	s.Forget(self("/proc/thread-self/ns/net"))
	if len(s.nss) != 2 {
		t.Fatalf("Forget left %v", s.nss)
	}
}

func TestSessionConnsPerFamily(t *testing.T) {
	dials := 0
	s := NewSession(&Options{Dial: func(ref nsfs.Ref, fd int, family string) (io.Closer, error) {
		dials++
		switch family {
		case "rtnl":
			return nltest.Rtnl(func(req []netlink.Message) ([]netlink.Message, error) { return nil, nil }, nil), nil
		case "nat":
			return nltest.NAT(func(req []netlink.Message) ([]netlink.Message, error) { return nil, nil }, nil), nil
		}
		return nil, errors.New("no " + family)
	}})
	defer s.Close()
	r1, err := s.Rtnl(nsfs.Self())
	if err != nil {
		t.Fatal(err)
	}
	r2, _ := s.Rtnl(nsfs.Self())
	if r1 != r2 || dials != 1 {
		t.Fatalf("rtnl dialled %d times", dials)
	}
	if _, err := s.NAT(nsfs.Self()); err != nil || dials != 2 {
		t.Fatalf("nat: %v after %d dials", err, dials)
	}
	if _, err := s.Genl(nsfs.Self()); err == nil {
		t.Fatal("genl dialled")
	}
	if _, err := s.Ethtool(nsfs.Self()); err == nil {
		t.Fatal("ethtool dialled")
	}
	if _, err := s.Rtnl(nsfs.NameRef("nsnet-plan-no-such-ns")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing namespace: %v", err)
	}
	if !s.Absent(nsfs.NameRef("nsnet-plan-no-such-ns")) || s.Absent(nsfs.Self()) {
		t.Fatal("Absent")
	}
	ran := false
	if err := s.Do(nsfs.Self(), func() error { ran = true; return nil }); err != nil || !ran {
		t.Fatal("Do")
	}
	wrong := NewSession(&Options{Dial: func(nsfs.Ref, int, string) (io.Closer, error) {
		return io.NopCloser(nil), nil
	}})
	if _, err := wrong.Rtnl(nsfs.Self()); !errors.Is(err, errFamily) {
		t.Fatalf("wrong type: %v", err)
	}
}

func TestSessionDialRtnl(t *testing.T) {
	k := newKernel(t)
	s := k.session()
	c, err := s.DialRtnl(nsfs.Self(), false)
	if err != nil {
		t.Fatal(err)
	}
	if l, err := c.LinkByName("lo"); err != nil || l.Index != 1 {
		t.Fatalf("%v, %v", l, err)
	}
	c.Close()
	// Not cached: each call is a new connection.
	if c2, _ := s.DialRtnl(nsfs.Self(), true); c2 == c {
		t.Fatal("cached")
	}
	if _, err := s.DialRtnl(nsfs.NameRef("nsnet-plan-no-such-ns"), false); !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	for _, d := range []func(nsfs.Ref, int, string) (io.Closer, error){
		func(nsfs.Ref, int, string) (io.Closer, error) { return nil, boom },
		func(nsfs.Ref, int, string) (io.Closer, error) { return io.NopCloser(nil), nil },
	} {
		if _, err := NewSession(&Options{Dial: d}).DialRtnl(nsfs.Self(), false); err == nil {
			t.Fatal("accepted")
		}
	}
	// Without a hook: a real socket in the caller's namespace (reading only).
	r, err := NewSession(nil).DialRtnl(nsfs.Self(), true)
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
}
