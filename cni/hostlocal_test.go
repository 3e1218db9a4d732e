package cni

import (
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

func sets(t *testing.T, conf string) []RangeSet {
	t.Helper()
	c, err := ParseConf([]byte(conf))
	if err != nil {
		t.Fatal(err)
	}
	s, err := rangeSets(c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func store(t *testing.T) *Store {
	s, err := OpenStore(t.TempDir(), "net")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestRangeDefaults: host-local's defaults: the gateway is the first
// address, IPv4 ranges end before the broadcast address, IPv6 at the last.
func TestRangeDefaults(t *testing.T) {
	s := sets(t, `{"cniVersion":"1.0.0","name":"n","ipam":{"type":"host-local","subnet":"10.1.2.0/24",
		"ranges":[[{"subnet":"fd00::/120","rangeStart":"fd00::10","gateway":"fd00::ff"}]]}}`)
	if len(s) != 2 {
		t.Fatalf("%d range sets", len(s))
	}
	r4, r6 := s[0][0], s[1][0]
	if r4.Gateway.String() != "10.1.2.1" || r4.Start.String() != "10.1.2.1" || r4.End.String() != "10.1.2.254" {
		t.Errorf("IPv4 %+v", r4)
	}
	if r6.Gateway.String() != "fd00::ff" || r6.Start.String() != "fd00::10" || r6.End.String() != "fd00::ff" {
		t.Errorf("IPv6 %+v", r6)
	}
	for _, bad := range []string{
		`{"subnet":"10.1.2.1/24"}`, `{"subnet":"10.1.2.0/31"}`, `{"subnet":"10.1.2.0/24","rangeStart":"10.1.3.1"}`,
		`{"subnet":"10.1.2.0/24","rangeStart":"10.1.2.9","rangeEnd":"10.1.2.8"}`, `{"subnet":"x"}`,
	} {
		c, _ := ParseConf([]byte(`{"cniVersion":"1.0.0","name":"n","ipam":{"ranges":[[` + bad + `]]}}`))
		if _, err := rangeSets(c); !isCode(err, ErrInvalidConfig) {
			t.Errorf("%s: %v", bad, err)
		}
	}
	c, _ := ParseConf([]byte(`{"cniVersion":"1.0.0","name":"n","ipam":{"ranges":[[{"subnet":"10.0.0.0/16"}],[{"subnet":"10.0.5.0/24"}]]}}`))
	if _, err := rangeSets(c); err == nil || !strings.Contains(err.Error(), "overlaps") {
		t.Errorf("overlapping sets: %v", err)
	}
}

// TestAllocateFiles: the files host-local writes, and round robin from
// the last reserved address, skipping the gateway.
func TestAllocateFiles(t *testing.T) {
	st := store(t)
	rs := sets(t, `{"cniVersion":"1.0.0","name":"n","ipam":{"ranges":[[{"subnet":"10.9.0.0/29"}],[{"subnet":"fd00:9::/64"}]]}}`)
	ips, err := st.Allocate("c1 ", "eth0", rs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ips[0].Address.String() != "10.9.0.2/29" || ips[0].Gateway.String() != "10.9.0.1" || ips[1].Address.String() != "fd00:9::2/64" {
		t.Errorf("first allocation %+v", ips)
	}
	b, _ := os.ReadFile(filepath.Join(st.Dir(), "10.9.0.2"))
	if string(b) != "c1\r\neth0" {
		t.Errorf("reservation file %q", b)
	}
	for name, want := range map[string]string{"last_reserved_ip.0": "10.9.0.2", "last_reserved_ip.1": "fd00:9::2"} {
		if b, _ := os.ReadFile(filepath.Join(st.Dir(), name)); string(b) != want {
			t.Errorf("%s = %q, want %q", name, b, want)
		}
	}
	if _, err := os.Stat(filepath.Join(st.Dir(), "lock")); err != nil {
		t.Error(err)
	}
	// Same id and ifname again: refused, as host-local refuses it.
	if _, err := st.Allocate("c1", "eth0", rs, nil); err == nil || !strings.Contains(err.Error(), "duplicate") {
		t.Errorf("duplicate allocation: %v", err)
	}
	// The /29 has .2 to .6 to give (.1 is the gateway, .7 broadcast).
	var got []string
	for _, id := range []string{"c2", "c3", "c4", "c5"} {
		ips, err := st.Allocate(id, "eth0", rs[:1], nil)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ips[0].Address.Addr().String())
	}
	if strings.Join(got, " ") != "10.9.0.3 10.9.0.4 10.9.0.5 10.9.0.6" {
		t.Errorf("round robin %v", got)
	}
	if _, err := st.Allocate("c6", "eth0", rs[:1], nil); err == nil || !strings.Contains(err.Error(), "no IP addresses available") {
		t.Errorf("exhausted range: %v", err)
	}
	// Release c3 (.4); the next allocation wraps around to it.
	if err := st.Release("c3", "eth0"); err != nil {
		t.Fatal(err)
	}
	if ips, err := st.Allocate("c7", "eth0", rs[:1], nil); err != nil || ips[0].Address.Addr().String() != "10.9.0.4" {
		t.Errorf("after release %v %v", ips, err)
	}
	// Releasing another ifname of c1 releases nothing; c1's own does.
	st.Release("c1", "eth1")
	if has, _ := st.Has("c1", "eth0"); len(has) != 2 {
		t.Errorf("c1/eth0 holds %v", has)
	}
	st.Release("c1", "eth0")
	if has, _ := st.Has("c1", "eth0"); len(has) != 0 {
		t.Errorf("c1/eth0 still holds %v", has)
	}
}

// TestAllocateRequested: requested addresses, the gateway refused, a
// request in no range fails and rolls back what the call reserved.
func TestAllocateRequested(t *testing.T) {
	st := store(t)
	rs := sets(t, `{"cniVersion":"1.0.0","name":"n","ipam":{"ranges":[[{"subnet":"10.9.0.0/24"}],[{"subnet":"fd00:9::/64"}]]}}`)
	ips, err := st.Allocate("a", "eth0", rs, []netip.Addr{netip.MustParseAddr("fd00:9::99"), netip.MustParseAddr("10.9.0.77")})
	if err != nil || ips[0].Address.String() != "10.9.0.77/24" || ips[1].Address.String() != "fd00:9::99/64" {
		t.Fatalf("%v %v", ips, err)
	}
	if _, err := st.Allocate("b", "eth0", rs[:1], []netip.Addr{netip.MustParseAddr("10.9.0.77")}); err == nil || !strings.Contains(err.Error(), "not available") {
		t.Errorf("taken address: %v", err)
	}
	if _, err := st.Allocate("b", "eth0", rs[:1], []netip.Addr{netip.MustParseAddr("10.9.0.1")}); err == nil || !strings.Contains(err.Error(), "gateway") {
		t.Errorf("gateway: %v", err)
	}
	if _, err := st.Allocate("b", "eth0", rs, []netip.Addr{netip.MustParseAddr("192.0.2.1")}); err == nil {
		t.Error("address in no range accepted")
	}
	if has, _ := st.Has("b", "eth0"); len(has) != 0 {
		t.Errorf("failed allocations left %v", has)
	}
}

// TestAllocateConcurrent: stores opened separately (processes) never give
// one address twice: the flock serializes them.
func TestAllocateConcurrent(t *testing.T) {
	dir := t.TempDir()
	rs := sets(t, `{"cniVersion":"1.0.0","name":"n","ipam":{"subnet":"10.9.0.0/24"}}`)
	var mu sync.Mutex
	var got []string
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := OpenStore(dir, "n")
			if err != nil {
				t.Error(err)
				return
			}
			defer st.Close()
			ips, err := st.Allocate("c"+strings.Repeat("x", i), "eth0", rs, nil)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			got = append(got, ips[0].Address.String())
			mu.Unlock()
		}()
	}
	wg.Wait()
	sort.Strings(got)
	for i := 1; i < len(got); i++ {
		if got[i] == got[i-1] {
			t.Fatalf("%s given twice", got[i])
		}
	}
}

// TestGC: reservations of attachments not in the valid list go, also old
// files without an ifname whose container is not valid.
func TestGC(t *testing.T) {
	st := store(t)
	rs := sets(t, `{"cniVersion":"1.0.0","name":"n","ipam":{"subnet":"10.9.0.0/24"}}`)
	for _, id := range []string{"a", "b", "c"} {
		if _, err := st.Allocate(id, "eth0", rs, nil); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(st.Dir(), "10.9.0.100"), []byte("old"), 0o600)
	removed, err := st.GC([]AttachmentKey{{ContainerID: "b", IfName: "eth0"}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range removed {
		ids = append(ids, r.ContainerID)
	}
	sort.Strings(ids)
	if strings.Join(ids, " ") != "a c old" {
		t.Errorf("removed %v", ids)
	}
	if rest, _ := st.Reservations(); len(rest) != 1 || rest[0].ContainerID != "b" {
		t.Errorf("left %v", rest)
	}
}

func TestStaticAndResolvConf(t *testing.T) {
	c, _ := ParseConf([]byte(`{"cniVersion":"1.0.0","name":"n","ipam":{"type":"static","addresses":[{"address":"10.5.0.2/24","gateway":"10.5.0.1"}],
		"routes":[{"dst":"0.0.0.0/0"}],"dns":{"nameservers":["9.9.9.9"]}}}`))
	r, err := staticAdd(c, map[string]string{})
	if err != nil || r.IPs[0].Address.String() != "10.5.0.2/24" || r.IPs[0].Gateway.String() != "10.5.0.1" || r.DNS.Nameservers[0] != "9.9.9.9" || len(r.Routes) != 1 {
		t.Errorf("%+v %v", r, err)
	}
	r, err = staticAdd(c, map[string]string{"IP": "10.6.0.2/24", "GATEWAY": "10.6.0.1"})
	if err != nil || len(r.IPs) != 1 || r.IPs[0].Address.String() != "10.6.0.2/24" || r.IPs[0].Gateway.String() != "10.6.0.1" {
		t.Errorf("CNI_ARGS: %+v %v", r, err)
	}
	if _, err := staticAdd(c, map[string]string{"IP": "10.6.0.2"}); err == nil {
		t.Error("address without length accepted")
	}
	f := filepath.Join(t.TempDir(), "resolv.conf")
	os.WriteFile(f, []byte("# x\nnameserver 10.0.0.53\nsearch a.example b.example\ndomain example\noptions ndots:2\n"), 0o644)
	d, err := parseResolvConf(f)
	if err != nil || d.Nameservers[0] != "10.0.0.53" || len(d.Search) != 2 || d.Domain != "example" || d.Options[0] != "ndots:2" {
		t.Errorf("%+v %v", d, err)
	}
}
