package nat_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/nat"
	"github.com/nsnet/nsnet/nltest"
)

// These tests run nat.Conn's transaction engine against the fake
// nf_tables in fakekernel_test.go: what each change sends, what the
// ruleset holds after it, and how refusals, generation conflicts, dump
// interruptions and socket errors come out.

var (
	masq = nat.Masquerade{Source: netip.MustParsePrefix("192.168.11.0/24"), OutIface: "ens33"}
	fwd  = nat.Forward{A: "veth0s0", B: "ens33"}
	pub  = nat.Publish{Listen: netip.AddrPortFrom(netip.Addr{}, 8080), To: netip.MustParseAddrPort("192.168.11.101:80")}
)

func rulesOf(t *testing.T, o nat.Object) []nat.Rule {
	t.Helper()
	r, err := o.Rules()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// counters returns the names of the fake's counter objects.
func (k *nft) counterNames() []string {
	var out []string
	for _, o := range k.objs {
		out = append(out, o.Name)
	}
	return out
}

// checkHolds fails unless the fake's ruleset is nsnet's table with its
// base chains, exactly the rules of objs and one counter per object.
func (k *nft) checkHolds(objs ...nat.Object) {
	k.t.Helper()
	var wantRules, wantCounters []string
	for _, o := range objs {
		for _, r := range rulesOf(k.t, o) {
			wantRules = append(wantRules, r.Chain+" "+r.Comment)
		}
		wantCounters = append(wantCounters, nat.CounterName(o))
	}
	var rules []string
	for _, r := range k.rules {
		rules = append(rules, r.Chain+" "+r.Comment)
	}
	if len(objs) == 0 {
		if len(k.tables) != 0 || len(k.rules) != 0 || len(k.objs) != 0 || len(k.chains) != 0 {
			k.t.Fatalf("ruleset not empty: %d tables, %d chains, rules %q, counters %q", len(k.tables), len(k.chains), rules, k.counterNames())
		}
		return
	}
	if len(k.tables) != 1 || k.tables[0].Name != nat.TableName || k.tables[0].Family != nat.TableFamily || len(k.chains) != 4 {
		k.t.Fatalf("tables %+v, %d chains", k.tables, len(k.chains))
	}
	if !reflect.DeepEqual(rules, wantRules) || !reflect.DeepEqual(k.counterNames(), wantCounters) {
		k.t.Fatalf("rules %q\nwant %q\ncounters %q, want %q", rules, wantRules, k.counterNames(), wantCounters)
	}
}

// A new object, in a new process: one batch with the table, the base
// chains, the object's counter (NLM_F_EXCL) and its rules, checked
// against the generation it read; nothing read of the table.
func TestFakeAddNew(t *testing.T) {
	k := newNFT(t)
	var batch []netlink.Message
	c := nltest.NAT(func(req []netlink.Message) ([]netlink.Message, error) {
		if len(req) > 1 {
			batch = req
		}
		return k.kernel(req)
	}, nil)
	defer c.Close()
	if err := c.Add(masq); err != nil {
		t.Fatal(err)
	}
	k.checkHolds(masq)
	if want := []string{"GETGEN", "GETCHAIN", "batch NEWTABLE NEWCHAIN NEWCHAIN NEWCHAIN NEWCHAIN NEWOBJ NEWRULE"}; !reflect.DeepEqual(k.ops, want) {
		t.Fatalf("requests %q, want %q", k.ops, want)
	}
	// BEGIN: nfgenmsg with res_id NFNL_SUBSYS_NFTABLES (big-endian),
	// then NFNL_BATCH_GENID = 100.
	wantBegin := []byte{0, 0, 0, unix.NFNL_SUBSYS_NFTABLES, 8, 0, unix.NFNL_BATCH_GENID, 0, 0, 0, 0, 100}
	if b := batch[0]; b.Header.Flags != netlink.Request || !bytes.Equal(b.Data, wantBegin) {
		t.Fatalf("BATCH_BEGIN %+v %x", b.Header, b.Data)
	}
	flags := []netlink.HeaderFlags{0,
		netlink.Request | netlink.Acknowledge | netlink.Create | netlink.Echo, // NEWTABLE, echoed for the new generation
		netlink.Request | netlink.Acknowledge | netlink.Create,
		netlink.Request | netlink.Acknowledge | netlink.Create,
		netlink.Request | netlink.Acknowledge | netlink.Create,
		netlink.Request | netlink.Acknowledge | netlink.Create,
		netlink.Request | netlink.Acknowledge | netlink.Create | netlink.Excl, // NEWOBJ
		netlink.Request | netlink.Acknowledge | netlink.Create | netlink.Append,
		netlink.Request | netlink.Acknowledge}
	for i := 1; i < len(batch); i++ {
		if batch[i].Header.Flags != flags[i] {
			t.Errorf("message %d (%s) flags %s, want %s", i, opNames[opOf(batch[i])], batch[i].Header.Flags, flags[i])
		}
	}
	// The rule sent is the object's rule, byte for byte.
	want, _ := rulesOf(t, masq)[0].MarshalBinary()
	if !bytes.Equal(batch[7].Data, want) {
		t.Fatalf("NEWRULE payload differs from the object's rule")
	}
	entries, err := c.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Object != masq || !entries[0].Intact || len(entries[0].Rules) != 1 || entries[0].Rules[0].Handle != 1 {
		t.Fatalf("List: %+v", entries)
	}
}

// Adds and deletes in one Conn use the state its own commits left at the
// generation the kernel echoed: no dump of the table between them.
func TestFakeAddDeleteCached(t *testing.T) {
	k := newNFT(t)
	c := k.conn()
	for _, o := range []nat.Object{masq, fwd, pub} {
		if err := c.Add(o); err != nil {
			t.Fatal(err)
		}
	}
	k.checkHolds(masq, fwd, pub)
	if err := c.Add(fwd); !errors.Is(err, nat.ErrExist) || !errors.Is(err, os.ErrExist) {
		t.Fatalf("second add: %v", err)
	}
	// Forward{B, A} is the same object.
	if err := c.Add(nat.Forward{A: fwd.B, B: fwd.A}); err == nil || !strings.Contains(err.Error(), `already in table inet nsnet as "forward veth0s0 ens33"`) {
		t.Fatalf("reversed forward: %v", err)
	}
	if err := c.Add(nat.Publish{Listen: pub.Listen, To: netip.MustParseAddrPort("192.168.11.102:80")}); err == nil ||
		!strings.Contains(err.Error(), "already published to 192.168.11.101:80") {
		t.Fatalf("conflicting publish: %v", err)
	}
	k.ops = nil
	if err := c.Delete(fwd); err != nil {
		t.Fatal(err)
	}
	k.checkHolds(masq, pub)
	if want := []string{"GETGEN", "batch" + strings.Repeat(" DELRULE", len(rulesOf(t, fwd))) + " DELOBJ"}; !reflect.DeepEqual(k.ops, want) {
		t.Fatalf("requests %q, want %q", k.ops, want)
	}
	if err := c.Delete(fwd); !errors.Is(err, nat.ErrNotExist) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("second delete: %v", err)
	}
	// The last object takes the table with it.
	if err := c.Delete(pub); err != nil {
		t.Fatal(err)
	}
	k.ops = nil
	if err := c.Delete(masq); err != nil {
		t.Fatal(err)
	}
	k.checkHolds()
	if want := []string{"GETGEN", "batch DELTABLE"}; !reflect.DeepEqual(k.ops, want) {
		t.Fatalf("requests %q, want %q", k.ops, want)
	}
}

// Another writer moved the generation: the Conn's state is stale, and it
// reads the table again before it decides.
func TestFakeOtherWriter(t *testing.T) {
	k := newNFT(t)
	c := k.conn()
	if err := c.Add(masq); err != nil {
		t.Fatal(err)
	}
	// Someone deletes the rule with nft, leaving the counter.
	k.rules, k.gen = nil, k.gen+1
	k.ops = nil
	// Add sees the counter (EEXIST on NEWOBJ), reads, repairs.
	if err := c.Add(masq); err != nil {
		t.Fatal(err)
	}
	k.checkHolds(masq)
	if want := []string{"GETGEN", "GETCHAIN", "batch NEWOBJ NEWRULE", "GETTABLE", "GETRULE", "GETOBJ", "GETCHAIN", "batch NEWRULE"}; !reflect.DeepEqual(k.ops, want) {
		t.Fatalf("requests %q, want %q", k.ops, want)
	}
	entries, err := c.List()
	if err != nil || len(entries) != 1 || !entries[0].Intact {
		t.Fatalf("List: %+v, %v", entries, err)
	}
}

// An object someone edited (one of its rules deleted) is repaired: its
// remaining rules are replaced, its counter kept.
func TestFakeRepairEdited(t *testing.T) {
	k := newNFT(t)
	c := k.conn()
	for _, o := range []nat.Object{masq, fwd} {
		if err := c.Add(o); err != nil {
			t.Fatal(err)
		}
	}
	n := len(rulesOf(t, fwd))
	k.rules, k.gen = k.rules[:len(k.rules)-1], k.gen+1 // fwd's last rule
	entries, err := c.List()
	if err != nil || len(entries) != 2 || !entries[0].Intact || entries[1].Intact || len(entries[1].Rules) != n-1 {
		t.Fatalf("List: %+v, %v", entries, err)
	}
	k.ops = nil
	if err := c.Add(fwd); err != nil {
		t.Fatal(err)
	}
	k.checkHolds(masq, fwd)
	want := "batch" + strings.Repeat(" DELRULE", n-1) + strings.Repeat(" NEWRULE", n)
	if got := k.ops[len(k.ops)-1]; got != want {
		t.Fatalf("repair %q, want %q (requests %q)", got, want, k.ops)
	}
	// The repaired object is known to the Conn at the new generation.
	k.ops = nil
	if err := c.Add(fwd); !errors.Is(err, nat.ErrExist) || !reflect.DeepEqual(k.ops, []string{"GETGEN"}) {
		t.Fatalf("after repair: %v, requests %q", err, k.ops)
	}
}

// A commit refused with ERESTART (the generation moved between the read
// and the commit) is planned again and retried; the object is added once.
func TestFakeGenerationConflict(t *testing.T) {
	k := newNFT(t)
	k.writers = 3
	c := k.conn()
	if err := c.Add(masq); err != nil {
		t.Fatal(err)
	}
	k.checkHolds(masq)
	if k.batches != 4 || k.committed != 1 {
		t.Fatalf("%d batches, %d committed", k.batches, k.committed)
	}
	// Delete after more conflicts.
	k.writers = 2
	if err := c.Delete(masq); err != nil {
		t.Fatal(err)
	}
	k.checkHolds()
}

// Conflicts that never stop: after its retries, the change fails with
// ERESTART and nothing is applied.
func TestFakeGenerationConflictForever(t *testing.T) {
	if testing.Short() {
		t.Skip("backs off 40 times")
	}
	k := newNFT(t)
	k.writers = 1 << 30
	c := k.conn()
	err := c.Add(masq)
	var ne *nat.Error
	if !errors.Is(err, unix.ERESTART) || !errors.As(err, &ne) || ne.Op != "add" || ne.Object != masq.String() {
		t.Fatalf("got %v", err)
	}
	if k.committed != 0 || k.batches != 42 { // the fast path's batch, then 41 planned ones
		t.Fatalf("%d batches, %d committed", k.batches, k.committed)
	}
	k.checkHolds()
}

// A refusal in the middle of a batch names the refused message (found by
// its sequence number), explains the errno, and leaves nothing applied.
func TestFakeRefusedInTheMiddle(t *testing.T) {
	k := newNFT(t)
	k.refuse = func(i int, m netlink.Message) (unix.Errno, string) {
		if opOf(m) == unix.NFT_MSG_NEWRULE && strings.Contains(string(m.Data), "forward") {
			return unix.ENOENT, "Could not process rule"
		}
		return 0, ""
	}
	c := k.conn()
	if err := c.Add(masq); err != nil {
		t.Fatal(err)
	}
	k.checkHolds(masq)
	gen := k.gen
	err := c.Add(fwd)
	want := "add forward veth0s0 ens33 (NFT_MSG_NEWRULE inet nsnet forward): the kernel lacks an nf_tables module this needs " +
		"(nft_chain_nat, nft_nat, nft_masq, nft_ct, nft_fib_inet; load them on the host) (ENOENT: no such file or directory)"
	var ne *nat.Error
	if err == nil || err.Error() != want || !errors.Is(err, unix.ENOENT) || !errors.As(err, &ne) || !ne.Kernel() {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
	if k.gen != gen {
		t.Fatal("a refused batch moved the generation")
	}
	k.checkHolds(masq)
	// The Conn goes on.
	k.refuse = nil
	if err := c.Add(fwd); err != nil {
		t.Fatal(err)
	}
	k.checkHolds(masq, fwd)
}

// The explanations of a kernel without nf_tables or nfnetlink, and the
// extended ACK text of a refusal with nothing to explain.
func TestFakeRefusalExplained(t *testing.T) {
	for _, c := range []struct {
		name   string
		refuse func(i int, m netlink.Message) (unix.Errno, string)
		want   string
	}{
		{"no nf_tables", func(i int, m netlink.Message) (unix.Errno, string) {
			if opOf(m) == unix.NFT_MSG_NEWTABLE {
				return unix.EOPNOTSUPP, ""
			}
			return 0, ""
		}, "flush table inet nsnet (NFT_MSG_DELTABLE inet nsnet): the kernel has no nf_tables (CONFIG_NF_TABLES; try modprobe nf_tables) (ENOTSUP: operation not supported)"},
		{"batch begin", func(i int, m netlink.Message) (unix.Errno, string) {
			if i == 0 {
				return unix.EPERM, "not allowed"
			}
			return 0, ""
		}, "flush table inet nsnet (NFNL_MSG_BATCH_BEGIN): operation not permitted (kernel: not allowed)"},
		{"extended ack", func(i int, m netlink.Message) (unix.Errno, string) {
			if i == 0 {
				return 0, ""
			}
			return unix.EBUSY, "Table is in use"
		}, "flush table inet nsnet (NFT_MSG_DELTABLE inet nsnet): device or resource busy (kernel: Table is in use)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			k := newNFT(t)
			k.tables = append(k.tables, nat.Table{Family: nat.TableFamily, Name: nat.TableName})
			k.refuse = func(i int, m netlink.Message) (unix.Errno, string) {
				if c.name == "no nf_tables" && opOf(m) == unix.NFT_MSG_DELTABLE {
					return unix.EOPNOTSUPP, ""
				}
				return c.refuse(i, m)
			}
			err := k.conn().Flush()
			if err == nil || err.Error() != c.want {
				t.Fatalf("got  %v\nwant %s", err, c.want)
			}
			if len(k.tables) != 1 {
				t.Fatal("the refused flush removed the table")
			}
		})
	}
}

// Flush deletes the table by name, without reading it; no table is
// ErrNotExist.
func TestFakeFlush(t *testing.T) {
	k := newNFT(t)
	c := k.conn()
	for _, o := range []nat.Object{masq, fwd} {
		if err := c.Add(o); err != nil {
			t.Fatal(err)
		}
	}
	k.ops = nil
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	k.checkHolds()
	if want := []string{"batch DELTABLE"}; !reflect.DeepEqual(k.ops, want) {
		t.Fatalf("requests %q, want %q", k.ops, want)
	}
	if err := c.Flush(); !errors.Is(err, nat.ErrNotExist) || err.Error() != "flush table inet nsnet: not in table inet nsnet" {
		t.Fatalf("second flush: %v", err)
	}
	// The Conn forgot its state: the next Add reads chains again.
	k.ops = nil
	if err := c.Add(masq); err != nil {
		t.Fatal(err)
	}
	if k.ops[1] != "GETCHAIN" {
		t.Fatalf("requests %q", k.ops)
	}
}

// NLM_F_DUMP_INTR on the dumps of a transaction's read: the dump starts
// again, then the transaction; List gives up with ErrDumpInterrupted
// after its retries.
func TestFakeDumpInterrupted(t *testing.T) {
	k := newNFT(t)
	c := k.conn()
	if err := c.Add(masq); err != nil {
		t.Fatal(err)
	}
	k.intr = 3
	entries, err := c.List()
	if err != nil || len(entries) != 1 {
		t.Fatalf("List after 3 interruptions: %+v, %v", entries, err)
	}
	k.intr = 1 << 30
	if _, err := c.List(); !errors.Is(err, nat.ErrDumpInterrupted) || !strings.HasPrefix(err.Error(), "list tables: ") {
		t.Fatalf("List always interrupted: %v", err)
	}
	// A transaction whose read keeps being interrupted starts again
	// (here the fast path fails on the existing counter and the read is
	// interrupted 6 times: once more than a dump's retries).
	k.intr = 6
	k.gen++ // the state the Conn keeps is stale
	if err := c.Add(masq); !errors.Is(err, nat.ErrExist) {
		t.Fatalf("Add: %v", err)
	}
	if k.intr != 0 {
		t.Fatalf("%d interruptions left", k.intr)
	}
}

// ENOBUFS (the kernel dropped replies) fails the change with that error;
// the Conn forgets its state and the next change reads the table.
func TestFakeENOBUFS(t *testing.T) {
	k := newNFT(t)
	c := k.conn()
	if err := c.Add(masq); err != nil {
		t.Fatal(err)
	}
	k.lost = unix.ENOBUFS
	err := c.Add(fwd)
	var ne *nat.Error
	if !errors.Is(err, unix.ENOBUFS) || !errors.As(err, &ne) || ne.Kernel() || !strings.HasPrefix(err.Error(), "add forward veth0s0 ens33") {
		t.Fatalf("got %v", err)
	}
	k.lost = nil
	// The batch was committed even though a reply was lost: Add finds
	// the object in place.
	if err := c.Add(fwd); !errors.Is(err, nat.ErrExist) {
		t.Fatalf("after ENOBUFS: %v", err)
	}
	k.checkHolds(masq, fwd)
}

// EINTR in a batch's reply is a kernel refusal like any other: it is not
// retried as ERESTART is.
func TestFakeEINTR(t *testing.T) {
	k := newNFT(t)
	k.refuse = func(i int, m netlink.Message) (unix.Errno, string) {
		if opOf(m) == unix.NFT_MSG_DELTABLE {
			return unix.EINTR, ""
		}
		return 0, ""
	}
	c := k.conn()
	if err := c.Add(masq); err != nil {
		t.Fatal(err)
	}
	n := k.batches
	if err := c.Delete(masq); !errors.Is(err, unix.EINTR) || !strings.Contains(err.Error(), "(NFT_MSG_DELTABLE inet nsnet)") {
		t.Fatalf("got %v", err)
	}
	if k.batches != n+1 {
		t.Fatalf("EINTR retried: %d batches", k.batches-n)
	}
	k.checkHolds(masq)
}

// AddAll commits up to AddAllChunk objects per batch; a refused batch
// stops it with the count of objects added before.
func TestFakeAddAll(t *testing.T) {
	var objs []nat.Object
	for i := range nat.AddAllChunk + 6 {
		objs = append(objs, nat.Forward{A: fmt.Sprintf("v%d", i), B: "ens33"})
	}
	k := newNFT(t)
	c := k.conn()
	n, err := c.AddAll(objs)
	if err != nil || n != len(objs) {
		t.Fatalf("AddAll: %d, %v", n, err)
	}
	k.checkHolds(objs...)
	if k.batches != 2 {
		t.Fatalf("%d batches", k.batches)
	}

	// The second batch has a duplicate: the first goes in, the second
	// is refused whole.
	k2 := newNFT(t)
	dup := append(slicesClone(objs[:nat.AddAllChunk]), objs[0])
	n, err = k2.conn().AddAll(dup)
	if n != nat.AddAllChunk || !errors.Is(err, os.ErrExist) || !strings.HasPrefix(err.Error(), "add 1 objects (NFT_MSG_NEWOBJ inet nsnet counter ") {
		t.Fatalf("AddAll with a duplicate: %d, %v", n, err)
	}
	k2.checkHolds(objs[:nat.AddAllChunk]...)

	// An object whose rules cannot be made is refused before anything is
	// sent.
	k3 := newNFT(t)
	n, err = k3.conn().AddAll([]nat.Object{nat.Forward{A: "a/b", B: "c"}})
	if n != 0 || err == nil || k3.batches != 0 {
		t.Fatalf("bad object: %d, %v, %d batches", n, err, k3.batches)
	}
}

func slicesClone(o []nat.Object) []nat.Object { return append([]nat.Object(nil), o...) }

// ForwardDrops finds other tables' forward chains with policy drop, and
// reads the chains again only when another writer moved the generation.
func TestFakeForwardDrops(t *testing.T) {
	k := newNFT(t)
	k.tables = append(k.tables, nat.Table{Family: nat.FamilyIPv4, Name: "filter"})
	k.chains = append(k.chains,
		nat.Chain{Family: nat.FamilyIPv4, Table: "filter", Name: "FORWARD",
			Base: &nat.BaseChain{Type: nat.ChainFilter, Hook: nat.HookForward, Policy: nat.PolicyDrop}},
		nat.Chain{Family: nat.FamilyIPv4, Table: "filter", Name: "INPUT",
			Base: &nat.BaseChain{Type: nat.ChainFilter, Hook: nat.HookInput, Policy: nat.PolicyDrop}},
		nat.Chain{Family: nat.FamilyIPv4, Table: "filter", Name: "user"})
	c := k.conn()
	if err := c.Add(masq); err != nil {
		t.Fatal(err)
	}
	k.ops = nil
	drops, err := c.ForwardDrops()
	if err != nil || len(drops) != 1 || drops[0].Name != "FORWARD" || drops[0].Table != "filter" {
		t.Fatalf("drops %+v, %v", drops, err)
	}
	// The add's chain dump served: only the generation was asked.
	if want := []string{"GETGEN"}; !reflect.DeepEqual(k.ops, want) {
		t.Fatalf("requests %q, want %q", k.ops, want)
	}
	// A caller changing the result does not change the next one.
	drops[0].Base.Policy = nat.PolicyAccept
	k.gen++
	k.chains = k.chains[:1]
	k.ops = nil
	drops, err = c.ForwardDrops()
	if err != nil || len(drops) != 1 || drops[0].Base.Policy != nat.PolicyDrop {
		t.Fatalf("drops %+v, %v", drops, err)
	}
	if want := []string{"GETGEN", "GETCHAIN"}; !reflect.DeepEqual(k.ops, want) {
		t.Fatalf("requests %q, want %q", k.ops, want)
	}
}

// Tables, Chains, Rules and Counters list what the kernel has, decoded.
func TestFakeListings(t *testing.T) {
	k := newNFT(t)
	c := k.conn()
	if err := c.Add(fwd); err != nil {
		t.Fatal(err)
	}
	k.objs[0].Counter = nat.Counter{Packets: 7, Bytes: 700}
	tables, err := c.Tables(nat.FamilyUnspec)
	if err != nil || len(tables) != 1 || tables[0].Name != nat.TableName {
		t.Fatalf("tables %+v, %v", tables, err)
	}
	chains, err := c.Chains(nat.TableFamily)
	if err != nil || len(chains) != 4 {
		t.Fatalf("chains %+v, %v", chains, err)
	}
	rules, err := c.Rules(nat.TableFamily, nat.TableName)
	if err != nil || len(rules) != len(rulesOf(t, fwd)) {
		t.Fatalf("rules %+v, %v", rules, err)
	}
	if rules, err := c.Rules(nat.TableFamily, "other"); err != nil || rules != nil {
		t.Fatalf("rules of a missing table: %+v, %v", rules, err)
	}
	ctrs, err := c.Counters(nat.TableFamily, nat.TableName)
	if err != nil || len(ctrs) != 1 || ctrs[0].Name != nat.CounterName(fwd) {
		t.Fatalf("counters %+v, %v", ctrs, err)
	}
	if ctrs, err := c.Counters(nat.TableFamily, "other"); err != nil || ctrs != nil {
		t.Fatalf("counters of a missing table: %+v, %v", ctrs, err)
	}
	entries, err := c.List()
	if err != nil || len(entries) != 1 || entries[0].Packets != 7 || entries[0].Bytes != 700 {
		t.Fatalf("List: %+v, %v", entries, err)
	}
	// A rule without nsnet's comment is an entry of its own; an edited
	// object is not intact.
	k.rules = append(k.rules, nat.Rule{Family: nat.TableFamily, Table: nat.TableName, Chain: "forward", Handle: 99, Comment: "mine"})
	k.rules = k.rules[1:]
	entries, err = c.List()
	if err != nil || len(entries) != 2 || entries[0].Intact || entries[1].Object != nil || entries[1].Rules[0].Comment != "mine" {
		t.Fatalf("List: %+v, %v", entries, err)
	}
	// Delete of the edited object removes what is left of it.
	if err := c.Delete(fwd); err != nil {
		t.Fatal(err)
	}
	if len(k.rules) != 1 || k.rules[0].Comment != "mine" || len(k.objs) != 0 {
		t.Fatalf("after delete: rules %+v, counters %q", k.rules, k.counterNames())
	}
}

// Generation and the dumps fail with the kernel's explained errors.
func TestFakeNoNFTables(t *testing.T) {
	c := nltest.NAT(func(req []netlink.Message) ([]netlink.Message, error) {
		return []netlink.Message{nltest.Error(req[0], unix.EPROTONOSUPPORT, "")}, nil
	}, nil)
	defer c.Close()
	_, err := c.Generation()
	if want := "get ruleset generation: the kernel has no nfnetlink (CONFIG_NETFILTER_NETLINK) (EPROTONOSUPPORT: protocol not supported)"; err == nil || err.Error() != want {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
	if err := c.Add(masq); !errors.Is(err, unix.EPROTONOSUPPORT) {
		t.Fatalf("Add: %v", err)
	}
	if _, err := c.Tables(nat.FamilyUnspec); !errors.Is(err, unix.EPROTONOSUPPORT) || !strings.HasPrefix(err.Error(), "list tables: ") {
		t.Fatalf("Tables: %v", err)
	}
	if _, err := c.ForwardDrops(); !errors.Is(err, unix.EPROTONOSUPPORT) {
		t.Fatalf("ForwardDrops: %v", err)
	}
	// A GETGEN reply without the generation.
	c2 := nltest.NAT(func(req []netlink.Message) ([]netlink.Message, error) {
		return []netlink.Message{nltest.Reply(req[0], msgType(unix.NFT_MSG_NEWGEN), []byte{0, 0, 0, 0})}, nil
	}, nil)
	defer c2.Close()
	if _, err := c2.Generation(); err == nil || !strings.Contains(err.Error(), "no NFT_MSG_NEWGEN") {
		t.Fatalf("no generation: %v", err)
	}
}

// With tracing on, nf_tables messages are printed by name.
func TestFakeTrace(t *testing.T) {
	k := newNFT(t)
	var trace bytes.Buffer
	c := nltest.NAT(k.kernel, &nltest.Options{Trace: &trace})
	defer c.Close()
	if err := c.Add(pub); err != nil {
		t.Fatal(err)
	}
	if _, err := c.List(); err != nil {
		t.Fatal(err)
	}
	out := trace.String()
	for _, w := range []string{"NFT_MSG_GETGEN", "NFT_MSG_NEWRULE", "NFTA_RULE_EXPRESSIONS", "NFNL_MSG_BATCH_BEGIN", "nsnet publish 8080/tcp to 192.168.11.101:80"} {
		if !strings.Contains(out, w) {
			t.Errorf("trace lacks %q", w)
		}
	}
	if t.Failed() {
		t.Log(out)
	}
}

// Entries reads the table once per ruleset generation: at the generation
// its own commit left, a check is one GETGEN; another writer's commit (a
// new generation) makes it read again.
func TestFakeEntriesKeptByGeneration(t *testing.T) {
	k := newNFT(t)
	c := k.conn()
	if err := c.Add(fwd); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Entries(); err != nil {
		t.Fatal(err)
	}
	k.ops = nil
	entries, err := c.Entries()
	if err != nil || len(entries) != 1 || !entries[0].Intact {
		t.Fatalf("Entries: %+v, %v", entries, err)
	}
	if want := []string{"GETGEN"}; !reflect.DeepEqual(k.ops, want) {
		t.Fatalf("requests %q, want %q", k.ops, want)
	}
	// Another writer removes the rules and commits: read again.
	k.rules, k.gen = nil, k.gen+1
	k.ops = nil
	entries, err = c.Entries()
	if err != nil || len(entries) != 0 {
		t.Fatalf("Entries after another writer's commit: %+v, %v", entries, err)
	}
	if len(k.ops) < 2 || k.ops[0] != "GETGEN" {
		t.Fatalf("requests %q, want GETGEN and the dumps", k.ops)
	}
}
