package tests

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// TestBatchTeardown: a batch's `netns del` lines run under one hold of
// RunDir's lock and keep the outcome of running one by one. A missing name
// stops the batch naming its line; the namespaces of the lines after it
// are untouched (the same namespaces, their veth and address still there,
// the link in the sandbox's root still up). A namespace in use by a
// process, a stale file and a repeated name go as in order; with -force
// every line is tried and each failure named.
func TestBatchTeardown(t *testing.T) {
	sb := NewSandbox(t)
	var mk strings.Builder
	for i := range 12 {
		fmt.Fprintf(&mk, "netns add ns%d\n", i)
	}
	mk.WriteString("link add h7 type veth peer name eth0 netns ns7\nlink set h7 up\n-n ns7 addr add 10.9.0.2/30 dev eth0\n-n ns7 link set eth0 up\n")
	writeFile(t, sb, "/run/mk.nsnet", mk.String())
	sb.MustNSNet("-batch", "/run/mk.nsnet")
	ino := sb.MustSh("stat -L -c %i /run/netns/ns7")
	// A process that lives in ns3 for the whole test, and a stale name.
	sb.MustSh("ip netns exec ns3 sleep 60 >/dev/null 2>&1 & echo $! > /run/holder.pid; touch /run/netns/stale")
	defer sb.Sh("kill $(cat /run/holder.pid)")

	var del strings.Builder
	for _, n := range []string{"ns0", "ns1", "ns2", "missing", "ns3", "ns4", "stale", "ns5", "ns6", "ns7", "ns8"} {
		fmt.Fprintf(&del, "netns del %s\n", n)
	}
	writeFile(t, sb, "/run/del.nsnet", del.String())
	r := sb.NSNet("-batch", "/run/del.nsnet")
	WantFail(t, r, 1, "/run/del.nsnet:4:", "missing")
	if got, want := strings.Fields(sb.Must("ls", "/run/netns")), "ns10 ns11 ns3 ns4 ns5 ns6 ns7 ns8 ns9 stale"; strings.Join(got, " ") != want {
		t.Fatalf("after the failing line 4: /run/netns has %v, want %s", got, want)
	}
	if now := sb.MustSh("stat -L -c %i /run/netns/ns7"); now != ino {
		t.Errorf("ns7 is not the same namespace after the stop: inode %s, was %s", now, ino)
	}
	if out := sb.Must("ip", "-n", "ns7", "-o", "addr", "show", "dev", "eth0"); !strings.Contains(out, "10.9.0.2/30") {
		t.Errorf("ns7 lost its address: %s", out)
	}
	if out := sb.Must("ip", "-o", "link", "show", "h7"); !strings.Contains(out, "LOWER_UP") {
		t.Errorf("h7's peer went with a namespace that should be back: %s", out)
	}
	if out := sb.Must("findmnt", "-rn", "-o", "TARGET", "/run/netns/ns5"); strings.TrimSpace(out) != "/run/netns/ns5" {
		t.Errorf("ns5 is not mounted once: %q", out)
	}

	// The whole teardown, a namespace in use and a stale name included,
	// and a name twice: the second fails, naming its line (-force).
	del.Reset()
	for _, n := range []string{"ns3", "ns4", "stale", "ns5", "ns6", "ns5", "ns7", "ns8", "ns9", "ns10", "ns11"} {
		fmt.Fprintf(&del, "netns del %s\n", n)
	}
	writeFile(t, sb, "/run/del2.nsnet", del.String())
	r = sb.NSNet("-force", "-batch", "/run/del2.nsnet")
	if r.Code != 1 || !strings.Contains(r.Stderr, "/run/del2.nsnet:6:") || len(regexp.MustCompile(`del2\.nsnet:[0-9]+:`).FindAllString(r.Stderr, -1)) != 1 {
		t.Fatalf("want exactly line 6 (ns5 again) to fail: %s", r)
	}
	if out := sb.Must("ls", "/run/netns"); out != "" {
		t.Fatalf("/run/netns not empty after the teardown: %q", out)
	}
	// The kernel frees a namespace (and the veth's other end) after its
	// last reference went, in the background.
	if r := sb.Sh("for i in $(seq 100); do ip link show h7 >/dev/null 2>&1 || exit 0; sleep 0.1; done; exit 1"); r.Code != 0 {
		t.Errorf("h7 still there 10 s after its namespace was deleted")
	}
	// The process in ns3 still runs: the name went, not the namespace.
	sb.MustSh("kill -0 $(cat /run/holder.pid)")
}
