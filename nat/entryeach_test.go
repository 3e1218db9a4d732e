package nat_test

import (
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/nsnet/nsnet/nat"
)

// EntryEach answers as Entry does for each object, asking the generation
// once for all of them (Entry asks once per call).
func TestFakeEntryEach(t *testing.T) {
	var objs []nat.Object
	for i := range 5 {
		objs = append(objs, nat.Forward{A: fmt.Sprintf("v%d", i), B: "ens33"})
	}
	k := newNFT(t)
	c := k.conn()
	if n, err := c.AddAll(objs[:3]); err != nil || n != 3 {
		t.Fatalf("AddAll: %d, %v", n, err)
	}
	var want []bool
	before := len(k.ops)
	for _, o := range objs {
		e, err := c.Entry(o)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, e != nil && e.Intact)
	}
	oneByOne := slices.Clone(k.ops[before:])
	before = len(k.ops)
	ents, err := c.EntryEach(objs)
	if err != nil {
		t.Fatal(err)
	}
	var got []bool
	for _, e := range ents {
		got = append(got, e != nil && e.Intact)
	}
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(want, []bool{true, true, true, false, false}) {
		t.Fatalf("EntryEach %v, Entry %v", got, want)
	}
	if ops := k.ops[before:]; !reflect.DeepEqual(ops, []string{"GETGEN"}) {
		t.Fatalf("EntryEach sent %q (Entry one by one: %q)", ops, oneByOne)
	}
	for i, e := range ents[:3] {
		if e.Object == nil || e.Object.String() != objs[i].String() {
			t.Fatalf("entry %d: %+v", i, e)
		}
	}
}
