package nat_test

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"testing"

	"github.com/nsnet/nsnet/nat"
)

// DeleteAll: objects deleted in one transaction per chunk, others kept;
// the table goes with the last rule; an object not there refuses its
// chunk whole.
func TestFakeDeleteAll(t *testing.T) {
	var objs []nat.Object
	for i := range nat.AddAllChunk + 6 {
		objs = append(objs, nat.Forward{A: fmt.Sprintf("v%d", i), B: "ens33"})
	}
	objs = append(objs, nat.Masquerade{Source: netip.MustParsePrefix("10.200.0.0/16")})
	k := newNFT(t)
	c := k.conn()
	if n, err := c.AddAll(objs); err != nil || n != len(objs) {
		t.Fatalf("AddAll: %d, %v", n, err)
	}
	// All but the first two, in two transactions: the two stay.
	before := k.batches
	if n, err := c.DeleteAll(objs[2:]); err != nil || n != len(objs)-2 {
		t.Fatalf("DeleteAll: %d, %v", n, err)
	}
	if k.batches-before != 2 {
		t.Fatalf("%d batches", k.batches-before)
	}
	k.checkHolds(objs[:2]...)
	// One not there: its chunk is refused whole, nothing changes.
	n, err := c.DeleteAll([]nat.Object{objs[0], objs[5]})
	if n != 0 || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("DeleteAll of one missing: %d, %v", n, err)
	}
	k.checkHolds(objs[:2]...)
	// The last ones: the table goes.
	if n, err := c.DeleteAll(objs[:2]); err != nil || n != 2 {
		t.Fatalf("DeleteAll: %d, %v", n, err)
	}
	k.checkHolds()
}
