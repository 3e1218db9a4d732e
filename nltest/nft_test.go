package nltest_test

import (
	"errors"
	"os"
	"testing"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/nat"
	"github.com/nsnet/nsnet/nltest"
)

// TestNFT: nat's objects made, listed and deleted through a Conn on an
// NFT, a refused batch that changes nothing, and the generation each
// commit moves.
func TestNFT(t *testing.T) {
	k := nltest.NewNFT()
	c := nltest.NAT(k.Func(), nil)
	defer c.Close()
	masq, err := nat.ParseObject("masquerade 10.0.0.0/24 out eth0")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Add(masq); err != nil {
		t.Fatal(err)
	}
	if len(k.Tables) != 1 || k.Tables[0].Name != nat.TableName || len(k.Rules) == 0 || len(k.Objs) != 1 {
		t.Fatalf("after add: tables %v, %d rules, objects %v", k.Tables, len(k.Rules), k.Objs)
	}
	gen := k.Gen
	ents, err := c.List()
	if err != nil || len(ents) != 1 || ents[0].Object == nil || ents[0].Object.String() != masq.String() || !ents[0].Intact {
		t.Fatalf("list: %+v %v", ents, err)
	}
	fwd, _ := nat.ParseObject("forward br0 eth0")
	k.Refuse = func(i int, m netlink.Message) (unix.Errno, string) {
		if i == 2 {
			return unix.EPERM, "refused"
		}
		return 0, ""
	}
	rules := len(k.Rules)
	if err := c.Add(fwd); err == nil {
		t.Fatal("a refused batch succeeded")
	}
	if len(k.Rules) != rules || k.Gen != gen {
		t.Fatalf("a refused batch changed the ruleset: %d rules, generation %d", len(k.Rules), k.Gen)
	}
	k.Refuse = nil
	if err := c.Delete(masq); err != nil {
		t.Fatal(err)
	}
	if len(k.Rules) != 0 || len(k.Objs) != 0 || len(k.Tables) != 0 || k.Gen <= gen {
		t.Fatalf("after delete (the table goes with its last object): %d rules, objects %v, tables %v, generation %d",
			len(k.Rules), k.Objs, k.Tables, k.Gen)
	}
	if err := c.Delete(masq); !errors.Is(err, os.ErrNotExist) && !errors.Is(err, nat.ErrNotExist) {
		t.Fatalf("second delete: %v", err)
	}
	if err := c.Flush(); !errors.Is(err, nat.ErrNotExist) {
		t.Fatalf("flush without the table: %v", err)
	}
	if err := c.Add(fwd); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(); err != nil || len(k.Tables) != 0 || len(k.Chains) != 0 || len(k.Rules) != 0 {
		t.Fatalf("flush: %v, tables %v chains %v", err, k.Tables, k.Chains)
	}
}
