package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/nat"
)

// counterNames lists the counter objects of the fake nf_tables.
func (h *fakeHost) counterNames() []string {
	var out []string
	for _, o := range h.nft.Objs {
		out = append(out, o.Table+":"+o.Name)
	}
	slices.Sort(out)
	return out
}

// TestNatCommands: nat add, show, del and flush through the fake
// nf_tables: the table, base chains, named counters and rules they leave
// (the names and the decoded statement are those tests/nat_test.go reads
// back with nft from a real kernel), show's text and JSON, and that each
// change is one committed batch.
func TestNatCommands(t *testing.T) {
	h := onFakeHost(t)
	mustRun(t, "nat masquerade add 192.168.11.0/24 out ens33",
		"nat forward add veth0s0 ens33",
		"nat publish add 8080/tcp to 192.168.11.101:80")
	if h.nft.Batches != 3 {
		t.Errorf("%d batches committed, want one per command", h.nft.Batches)
	}
	if len(h.nft.Tables) != 1 || h.nft.Tables[0].Name != "nsnet" || h.nft.Tables[0].Family != nat.FamilyINet {
		t.Fatalf("tables %+v", h.nft.Tables)
	}
	var hooks []string
	for _, c := range h.nft.Chains {
		if c.Base != nil {
			hooks = append(hooks, c.Name)
		}
	}
	slices.Sort(hooks)
	if want := []string{"forward", "output", "postrouting", "prerouting"}; !slices.Equal(hooks, want) {
		t.Errorf("base chains %v, want %v", hooks, want)
	}
	if got, want := h.counterNames(), []string{"nsnet:forward/ens33/veth0s0", "nsnet:masquerade/192.168.11.0/24/ens33", "nsnet:publish/tcp/8080"}; !slices.Equal(got, want) {
		t.Errorf("counters %v, want %v", got, want)
	}
	// masquerade: 1 rule, forward: 2 (both ways), publish: 2 (prerouting
	// and output).
	if len(h.nft.Rules) != 5 {
		t.Errorf("%d rules, want 5", len(h.nft.Rules))
	}
	wantOut(t, "nat show", "masquerade 192.168.11.0/24 out ens33\nforward veth0s0 ens33\npublish 8080/tcp to 192.168.11.101:80\n")
	wantOut(t, "-s nat show", "masquerade 192.168.11.0/24 out ens33  packets 0 bytes 0\n"+
		"forward veth0s0 ens33  packets 0 bytes 0\npublish 8080/tcp to 192.168.11.101:80  packets 0 bytes 0\n")
	code, out, _ := nsnet("", "-j nat show")
	var entries []natJSON
	if err := json.Unmarshal([]byte(out), &entries); code != 0 || err != nil || len(entries) != 3 {
		t.Fatalf("-j nat show: exit %d, %v:\n%s", code, err, out)
	}
	if e := entries[0]; e.Type != "masquerade" || e.Source != "192.168.11.0/24" || e.Out != "ens33" || !e.Intact || len(e.Rules) != 1 ||
		e.Rules[0].Statement != `meta nfproto ipv4 ip saddr 192.168.11.0/24 oifname "ens33" counter name "masquerade/192.168.11.0/24/ens33" masquerade` {
		t.Errorf("masquerade entry %+v", e)
	}
	if e := entries[2]; e.Type != "publish" || e.Proto != "tcp" || e.Port != 8080 || e.To != "192.168.11.101:80" || len(e.Rules) != 2 {
		t.Errorf("publish entry %+v", e)
	}
	code, out, _ = nsnet("", "-d nat show")
	if code != 0 || !strings.Contains(out, "masquerade 192.168.11.0/24 out ens33\n    chain postrouting handle ") ||
		strings.Count(out, "\n    chain ") != 5 {
		t.Errorf("-d nat show:\n%s", out)
	}

	// Adding what is there changes nothing, and says so.
	batches := h.nft.Batches
	if code, _, stderr := nsnet("", "nat forward add veth0s0 ens33"); code != 0 || !strings.Contains(stderr, "already there") || h.nft.Batches != batches {
		t.Errorf("second add: exit %d, %q, %d batches", code, stderr, h.nft.Batches-batches)
	}
	// A rule removed behind nsnet's back: show says the object is
	// modified and lists its rules; adding it again repairs it.
	i := slices.IndexFunc(h.nft.Rules, func(r nat.Rule) bool { return r.Chain == "forward" })
	h.nft.Rules = slices.Delete(h.nft.Rules, i, i+1)
	code, out, _ = nsnet("", "nat show")
	if code != 0 || !strings.Contains(out, "forward veth0s0 ens33  (modified: ") || !strings.Contains(out, "    chain forward handle ") {
		t.Errorf("nat show of a damaged object:\n%s", out)
	}
	mustRun(t, "nat forward add veth0s0 ens33")
	if len(h.nft.Rules) != 5 {
		t.Errorf("repair left %d rules, want 5", len(h.nft.Rules))
	}

	// Bad words are usage errors that reach no kernel; deleting what is
	// absent fails.
	batches = h.nft.Batches
	wantErr(t, "nat masquerade add 192.168.11.0/33", 255, "192.168.11.0/33")
	wantErr(t, "nat masquerade frob 10.0.0.0/8", 255, "frob")
	wantErr(t, "nat publish add 80/sctp to 10.0.0.1:80", 255, "sctp")
	wantErr(t, "nat bogus", 255, "bogus")
	wantErr(t, "nat masquerade", 255, "add or del")
	wantErr(t, "nat masquerade del 10.9.0.0/16", 1, "10.9.0.0/16")
	if h.nft.Batches != batches {
		t.Errorf("failed commands committed %d batches", h.nft.Batches-batches)
	}

	mustRun(t, "nat masquerade del 192.168.11.0/24 out ens33")
	if got := h.counterNames(); len(got) != 2 || len(h.nft.Rules) != 4 {
		t.Errorf("after del: counters %v, %d rules", got, len(h.nft.Rules))
	}
	mustRun(t, "nat flush")
	if len(h.nft.Tables) != 0 || len(h.nft.Rules) != 0 || len(h.nft.Objs) != 0 {
		t.Errorf("flush left tables %v, %d rules, %d objects", h.nft.Tables, len(h.nft.Rules), len(h.nft.Objs))
	}
	if code, _, stderr := nsnet("", "nat flush"); code != 0 || !strings.Contains(stderr, "nothing to do") {
		t.Errorf("flush without the table: exit %d, %q", code, stderr)
	}
	wantOut(t, "nat show", "")
	wantOut(t, "-j nat show", "[]\n")
}

// TestNatWarnsAboutForeignDrop: a forward chain of another table with
// policy drop gets a warning naming it when nsnet adds a forward, and a
// refused batch is reported with the kernel's text and changes nothing.
func TestNatWarnsAboutForeignDrop(t *testing.T) {
	h := onFakeHost(t)
	h.nft.Tables = append(h.nft.Tables, nat.Table{Family: nat.FamilyIPv4, Name: "filter"})
	h.nft.Chains = append(h.nft.Chains, nat.Chain{Family: nat.FamilyIPv4, Table: "filter", Name: "FORWARD",
		Base: &nat.BaseChain{Type: nat.ChainFilter, Hook: nat.HookForward, Priority: 0, Policy: nat.PolicyDrop}})
	code, _, stderr := nsnet("", "nat forward add br0 eth0")
	if code != 0 || !strings.Contains(stderr, "table ip filter chain FORWARD (hook forward, priority 0) has policy drop") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	h.nft.Refuse = func(i int, m netlink.Message) (unix.Errno, string) {
		if i == 2 {
			return unix.EPERM, "refused by the test"
		}
		return 0, ""
	}
	rules := len(h.nft.Rules)
	wantErr(t, "nat masquerade add 10.0.0.0/8", 2, "refused by the test")
	if len(h.nft.Rules) != rules || len(h.counterNames()) != 1 {
		t.Errorf("a refused batch changed the ruleset: %d rules, counters %v", len(h.nft.Rules), h.counterNames())
	}
}

// TestNatBatchGrouping: the nat adds of a batch go to the kernel as one
// transaction, also with rtnetlink lines between them; a batch that stops
// at a failing line leaves what the lines before it made and nothing of
// the nat lines after it, which ran ahead.
func TestNatBatchGrouping(t *testing.T) {
	h := onFakeHost(t)
	file := "nat masquerade add 10.1.0.0/16\nlink add br0 type bridge\nnat forward add br0 eth0\nnat publish add 8080/tcp to 10.1.0.2:80\n"
	if code, _, stderr := nsnet(file, "-batch -"); code != 0 {
		t.Fatalf("batch: exit %d: %s", code, stderr)
	}
	if h.nft.Batches != 1 || len(h.counterNames()) != 3 || h.Links["br0"] == nil {
		t.Errorf("%d batches, counters %v, links %v", h.nft.Batches, h.counterNames(), h.Links)
	}
	mustRun(t, "nat flush", "link del br0")
	file = "nat masquerade add 10.1.0.0/16\nlink del nosuch\nnat forward add br0 eth0\n"
	code, _, stderr := nsnet(file, "-batch -")
	if code != 1 || !strings.Contains(stderr, "nosuch") {
		t.Fatalf("batch with a failing line: exit %d: %s", code, stderr)
	}
	if got := h.counterNames(); !slices.Equal(got, []string{"nsnet:masquerade/10.1.0.0/16"}) {
		t.Errorf("after the stop: counters %v, want only the first line's", got)
	}
	mustRun(t, "nat flush")
	if code, _, _ := nsnet(file, "-force -batch -"); code != 1 || len(h.counterNames()) != 2 {
		t.Errorf("-force: exit %d, counters %v", code, h.counterNames())
	}
}

// TestNatWarnsForwardingOff: a masquerade or publish added while the
// namespace does not forward that family gets a warning naming the
// sysctl to set; with forwarding on, none.
func TestNatWarnsForwardingOff(t *testing.T) {
	h := onFakeHost(t, "net.ipv4.ip_forward=0", "net.ipv6.conf.all.forwarding=1")
	for _, c := range []struct{ line, warn string }{
		{"nat masquerade add 10.1.0.0/16", "net.ipv4.ip_forward is 0: nothing is forwarded"},
		{"nat publish add 8080/tcp to 10.1.0.2:80", "nsnet sysctl -w net.ipv4.ip_forward=1"},
		{"nat masquerade add 2001:db8::/64", ""},
	} {
		code, _, stderr := nsnet("", c.line)
		if code != 0 || c.warn == "" && stderr != "" || !strings.Contains(stderr, c.warn) {
			t.Errorf("%s: exit %d, stderr %q, want %q", c.line, code, stderr, c.warn)
		}
	}
	if len(h.counterNames()) != 3 {
		t.Errorf("counters %v", h.counterNames())
	}
}
