package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/nltest"
	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/plan"
)

// onCountedModel is onModel with the datagrams written counted: the
// number of messages of each.
func onCountedModel(t *testing.T) (*nltest.Model, *[]int) {
	k := nltest.NewModel()
	writes := new([]int)
	fn := k.Func()
	sessionOptions = &plan.Options{Dial: func(ref nsfs.Ref, fd int, family string) (io.Closer, error) {
		return nltest.Rtnl(func(req []netlink.Message) ([]netlink.Message, error) {
			*writes = append(*writes, len(req))
			return fn(req)
		}, nil), nil
	}}
	t.Cleanup(func() { sessionOptions = nil })
	return k, writes
}

const pipeFile = `link add v0 type veth peer name v1
addr add 10.1.0.1/24 dev v0
addr add 10.1.0.1/24 dev v0
link set v0 up
route add 10.9.0.0/16 via 10.1.0.99 dev v0
link set nosuch up
link set v1 up
addr add 10.2.0.1/24 dev v1
`

// runPipeFile runs pipeFile with -force, pipelined or not, and returns
// the exit status, stderr, the model and the messages of each write.
func runPipeFile(t *testing.T, pipelined bool) (int, string, *nltest.Model, []int) {
	old := pipelineBatches
	pipelineBatches = pipelined
	t.Cleanup(func() { pipelineBatches = old })
	k, writes := onCountedModel(t)
	f := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(f, []byte(pipeFile), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := nsnet("", "-force -batch "+f)
	return code, strings.ReplaceAll(stderr, f, "FILE"), k, *writes
}

// Under -force, the lines after `link add` go in one write; the refused
// ones are reported as the serial path reports them, in line order, and
// the kernel ends in the same state.
func TestBatchPipelineForce(t *testing.T) {
	code, stderr, k, writes := runPipeFile(t, true)
	scode, sstderr, sk, swrites := runPipeFile(t, false)
	if code != 1 || code != scode || stderr != sstderr {
		t.Fatalf("pipelined: exit %d\n%s\nserial: exit %d\n%s", code, stderr, scode, sstderr)
	}
	if i, j := strings.Index(stderr, "FILE:3: "), strings.Index(stderr, "FILE:6: "); i < 0 || j < i || strings.Count(stderr, "\n") != 3 {
		t.Fatalf("stderr:\n%s", stderr)
	}
	if len(writes) != 2 || writes[1] != 7 || len(swrites) != 8 {
		t.Fatalf("writes: pipelined %v, serial %v", writes, swrites)
	}
	for _, m := range []*nltest.Model{k, sk} {
		v0, v1 := m.Links["v0"], m.Links["v1"]
		if v0 == nil || v1 == nil || v0.Flags&unix.IFF_UP == 0 || v1.Flags&unix.IFF_UP == 0 || len(m.Addrs) != 2 || len(m.Routes) != 1 {
			t.Fatalf("state: links %v addrs %v routes %v", m.Links, m.Addrs, m.Routes)
		}
	}
}

// Without -force nothing is pipelined: the batch stops at line 3, and
// nothing after it was sent.
func TestBatchPipelineNotWithoutForce(t *testing.T) {
	k, writes := onCountedModel(t)
	f := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(f, []byte(pipeFile), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := nsnet("", "-batch "+f)
	if code != 1 || !strings.Contains(stderr, f+":3: ") || len(*writes) != 3 || k.Links["v0"].Flags&unix.IFF_UP != 0 {
		t.Fatalf("exit %d, writes %v\n%s", code, *writes, stderr)
	}
}

// A link the batch made, deleted and made again by someone else before
// the run's write: the line that named it by its recorded index is
// refused (ENODEV), looks the name up when it is replayed, and succeeds
// on the new link, as serially.
func TestBatchPipelineStaleIndex(t *testing.T) {
	k := nltest.NewModel()
	fn := k.Func()
	var writes []int
	sessionOptions = &plan.Options{Dial: func(ref nsfs.Ref, fd int, family string) (io.Closer, error) {
		return nltest.Rtnl(func(req []netlink.Message) ([]netlink.Message, error) {
			writes = append(writes, len(req))
			out, err := fn(req)
			if len(writes) == 1 {
				// Another process: v0 deleted and made again.
				delete(k.Links, "v0")
				k.AddLink("v0", "dummy", 0)
			}
			return out, err
		}, nil), nil
	}}
	t.Cleanup(func() { sessionOptions = nil })
	f := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(f, []byte("link add v0 type veth peer name v1\naddr add 10.1.0.1/24 dev v0\nlink set v0 up\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := nsnet("", "-force -batch "+f)
	v0 := k.Links["v0"]
	if code != 0 || len(k.Addrs) != 1 || k.Addrs[0].Index != v0.Index || v0.Flags&unix.IFF_UP == 0 {
		t.Fatalf("exit %d, addrs %v, v0 %+v\n%s", code, k.Addrs, v0, stderr)
	}
	// link add; the run of two; the lookup and the address again.
	if len(writes) != 4 || writes[1] != 2 {
		t.Fatalf("writes %v", writes)
	}
}
