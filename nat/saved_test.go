package nat_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/nsnet/nsnet/nat"
)

// FlushSaved deletes the table at the generation it dumped it at (another
// writer in between: dump and delete again), and Restore makes the same
// table again in one transaction: chains, counters with their values,
// rules in order; only handles are new.
func TestFakeFlushSavedRestore(t *testing.T) {
	k := newNFT(t)
	c := k.conn()
	objs := []nat.Object{masq, fwd, pub}
	for _, o := range objs {
		if err := c.Add(o); err != nil {
			t.Fatal(err)
		}
	}
	k.objs[0].Counter.Packets, k.objs[0].Counter.Bytes = 7, 700
	chains, rules, ctrs := k.chains, k.rules, k.objs
	k.writers = 1
	k.ops = nil
	s, err := c.FlushSaved()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(k.ops, " "); strings.Count(got, "GETRULE") != 2 || !strings.HasSuffix(got, "batch DELTABLE") {
		t.Fatalf("requests %q: want a dump again after the refused batch, then the deletion", got)
	}
	if len(k.tables) != 0 || len(k.rules) != 0 || s.Rules() != len(rules) {
		t.Fatalf("after flush: tables %+v, %d rules; saved %d of %d rules", k.tables, len(k.rules), s.Rules(), len(rules))
	}
	k.ops = nil
	if err := c.Restore(s); err != nil {
		t.Fatal(err)
	}
	if len(k.ops) != 1 || !strings.HasPrefix(k.ops[0], "batch NEWTABLE NEWCHAIN") {
		t.Fatalf("restore sent %q, want one batch", k.ops)
	}
	k.checkHolds(masq, fwd, pub)
	if !reflect.DeepEqual(k.objs, ctrs) {
		t.Fatalf("counters %+v, want %+v", k.objs, ctrs)
	}
	if len(k.chains) != len(chains) {
		t.Fatalf("chains %+v, want %+v", k.chains, chains)
	}
	for i := range rules {
		a, b := k.rules[i], rules[i]
		a.Handle, b.Handle = 0, 0
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("rule %d: %+v, want %+v", i, a, b)
		}
	}
	// Restore of a table that exists again changes nothing.
	if err := c.Restore(s); err == nil {
		t.Fatal("second Restore: no error")
	}
	if _, err := c.FlushSaved(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.FlushSaved(); !errors.Is(err, nat.ErrNotExist) {
		t.Fatalf("FlushSaved of no table: %v", err)
	}
}

// A table with a set is left alone: Restore would not make its elements.
func TestFakeFlushSavedUnkept(t *testing.T) {
	k := newNFT(t)
	c := k.conn()
	if err := c.Add(masq); err != nil {
		t.Fatal(err)
	}
	k.sets = []string{"mine"}
	before := k.committed
	if _, err := c.FlushSaved(); !errors.Is(err, nat.ErrUnkept) {
		t.Fatalf("FlushSaved: %v, want ErrUnkept", err)
	}
	if k.committed != before || len(k.tables) != 1 {
		t.Fatalf("the table was changed: %d commits, tables %+v", k.committed-before, k.tables)
	}
}
