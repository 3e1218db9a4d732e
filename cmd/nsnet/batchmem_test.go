package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"unsafe"
)

// benchFile writes the nsbench workload of n namespaces (grouped order).
func benchFile(t testing.TB, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		x, y := i*4/256, i*4%256
		fmt.Fprintf(&b, "netns add ns%d\nlink add h%d type veth peer name eth0 netns ns%d\n", i, i, i)
		fmt.Fprintf(&b, "addr add 10.200.%d.%d/30 dev h%d\nlink set h%d up\n", x, y+1, i, i)
		fmt.Fprintf(&b, "-n ns%d addr add 10.200.%d.%d/30 dev eth0\n", i, x, y+2)
		fmt.Fprintf(&b, "-n ns%d link set lo up\n-n ns%d link set eth0 up\n", i, i)
		fmt.Fprintf(&b, "-n ns%d route add default via 10.200.%d.%d dev eth0\n", i, x, y+1)
	}
	b.WriteString("sysctl -w net.ipv4.ip_forward=1\nnat masquerade add 10.200.0.0/16\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "nat forward add up0 h%d\n", i)
	}
	p := filepath.Join(t.TempDir(), "batch")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestBatchFileCompact: a checked batch file is kept as its text and a
// few words a line (its commands are parsed again when they run), so
// that the 90,000 lines of the nsbench workload at N=10,000 hold a few
// MiB, not the 30 MiB of 90,000 parsed commands.
func TestBatchFileCompact(t *testing.T) {
	if n := unsafe.Sizeof(bline{}); n != blineSize {
		t.Errorf("a bline is %d bytes, blineSize says %d", n, blineSize)
	}
	p := benchFile(t, 10000)
	s := newSession(t.Context(), nil, os.Stdout, os.Stderr)
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	b, err := readBatch(s, globals{}, p, false)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&m1)
	t.Logf("%d lines: live %.1f MiB, allocated %.1f MiB, %d allocs", len(b.lines), float64(m1.HeapAlloc-m0.HeapAlloc)/(1<<20), float64(m1.TotalAlloc-m0.TotalAlloc)/(1<<20), m1.Mallocs-m0.Mallocs)
	if per := float64(m1.HeapAlloc-m0.HeapAlloc) / float64(len(b.lines)); per > 96 {
		t.Errorf("%.0f bytes a line held after the check, want at most 96", per)
	}
	runtime.KeepAlive(b)
}

// BenchmarkReadBatch: the check of the nsbench workload at N=1000.
func BenchmarkReadBatch(b *testing.B) {
	p := benchFile(b, 1000)
	s := newSession(b.Context(), nil, os.Stdout, os.Stderr)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := readBatch(s, globals{}, p, false); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBatchFileNames: the namespace of each line and the name of netns
// add/del lines read back from the compact lines, written plainly, quoted,
// from the file-wide -n, past a long line's first 64 KiB.
func TestBatchFileNames(t *testing.T) {
	long := strings.Repeat(" ", 70000) + "-n nsL link set lo \\\n"
	text := "netns add ns1\n" +
		"-n ns1 link set lo up\n" +
		"-n 'ns 2' addr add 10.0.0.1/24 dev lo\n" +
		"netns add \"q1\"\n" +
		"link set lo up\n" +
		"netns del ns1\n" +
		long + "up\n"
	s := newSession(t.Context(), strings.NewReader(text), io.Discard, io.Discard)
	b, err := readBatch(s, globals{ns: "g0"}, "-", false)
	if err != nil {
		t.Fatalf("%.200v", err)
	}
	wantNS := []string{"g0", "ns1", "ns 2", "g0", "g0", "g0", "nsL"}
	wantName := []string{"ns1", "", "", "q1", "", "ns1", ""}
	wantNum := []int32{1, 2, 3, 4, 5, 6, 7}
	if len(b.lines) != len(wantNS) {
		t.Fatalf("%d lines, want %d", len(b.lines), len(wantNS))
	}
	for i := range b.lines {
		if got := b.ns(i); got != wantNS[i] {
			t.Errorf("line %d: namespace %.20q, want %.20q", i+1, got, wantNS[i])
		}
		if got := b.nsName(i); got != wantName[i] {
			t.Errorf("line %d: name %q, want %q", i+1, got, wantName[i])
		}
		if b.lines[i].num != wantNum[i] {
			t.Errorf("line %d: number %d, want %d", i+1, b.lines[i].num, wantNum[i])
		}
	}
}

// TestBatchFileParseAgain: a line parsed again when it runs (a file of
// more than keepParsed lines) is the line the check parsed (kept for a
// smaller file).
func TestBatchFileParseAgain(t *testing.T) {
	p := benchFile(t, 20)
	s := newSession(t.Context(), nil, io.Discard, io.Discard)
	b, err := readBatch(s, globals{ns: "g0", opt: options{json: true}}, p, false)
	if err != nil || b.cmds == nil {
		t.Fatalf("%v; commands kept: %v", err, b.cmds != nil)
	}
	again := *b
	again.cmds = nil
	for i := range b.lines {
		kept, err1 := b.parse(i)
		parsed, err2 := again.parse(i)
		if err1 != nil || err2 != nil || !reflect.DeepEqual(kept, parsed) {
			t.Fatalf("line %d: kept %#v (%v), parsed again %#v (%v)", i+1, kept, err1, parsed, err2)
		}
	}
}
