package main

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/nsnet/nsnet/nat"
)

// TestFlushAheadUndo: a `nat flush` after a run of `netns del` lines runs
// at the run's first line; when a del line fails, the batch stops naming
// it and the table is made again from the flush's dump: one batch to
// delete, one to restore, the same chains, counters and rules after (but
// for handles). With -force the flush stands. (The names are missing
// from /run/netns: the del lines fail whether the test runs as root or
// not, and touch nothing.)
func TestFlushAheadUndo(t *testing.T) {
	h := onFakeHost(t)
	mustRun(t, "nat masquerade add 192.168.11.0/24 out ens33", "nat forward add veth0s0 ens33")
	rules := func() []nat.Rule {
		out := slices.Clone(h.nft.Rules)
		for i := range out {
			out[i].Handle = 0
		}
		return out
	}
	before, chains, objs := rules(), slices.Clone(h.nft.Chains), slices.Clone(h.nft.Objs)
	file := filepath.Join(t.TempDir(), "td")
	if err := os.WriteFile(file, []byte("netns del nsnet-unit-absent-1\nnetns del nsnet-unit-absent-2\nnat flush\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	batches := h.nft.Batches
	code, _, stderr := nsnet("", "-batch "+file)
	if code != 1 || !strings.HasPrefix(stderr, "nsnet: "+file+":1: ") || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("-batch: exit %d, %q", code, stderr)
	}
	if h.nft.Batches != batches+2 {
		t.Errorf("%d batches, want the flush ahead and the restore", h.nft.Batches-batches)
	}
	if len(h.nft.Tables) != 1 || !reflect.DeepEqual(rules(), before) || len(h.nft.Chains) != len(chains) || !reflect.DeepEqual(h.nft.Objs, objs) {
		t.Fatalf("after the stop: tables %+v, rules %+v (want %+v), objects %+v", h.nft.Tables, h.nft.Rules, before, h.nft.Objs)
	}
	code, _, stderr = nsnet("", "-force -batch "+file)
	if code != 1 || !strings.Contains(stderr, file+":1: ") || !strings.Contains(stderr, file+":2: ") || strings.Contains(stderr, file+":3:") || len(h.nft.Tables) != 0 {
		t.Fatalf("-force -batch: exit %d, tables %+v, %q", code, h.nft.Tables, stderr)
	}
}
