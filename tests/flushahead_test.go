package tests

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// TestBatchFlushAhead: a `nat flush` right after a run of `netns del`
// lines runs at the start of the run, on its own socket, and the batch
// keeps the outcome of running each line in its place:
//   - a failing `netns del` stops the batch naming its line; the flush had
//     deleted the table ahead (strace shows the kernel's acknowledgement of
//     NFT_MSG_DELTABLE), and the table is made again: nft lists the same
//     table, chains, counters and rules, but for the handles;
//   - with -force the failing line is named, the rest runs, the table is
//     gone;
//   - a table nsnet could not make again from its dump (a set in it) is
//     not deleted ahead: after a failing line it is untouched (no
//     NFT_MSG_DELTABLE at all), and a whole run deletes it in its place;
//   - no table: the note of `nat flush` and exit 0, as in place.
func TestBatchFlushAhead(t *testing.T) {
	sb := NewSandbox(t)
	var mk strings.Builder
	mk.WriteString("link add up0 type veth peer name up0p\nnat masquerade add 10.9.0.0/16 out up0\nnat publish add 8080/tcp to 10.9.0.2:80\n")
	for i := range 8 {
		fmt.Fprintf(&mk, "netns add ns%d\nlink add h%d type veth peer name eth0 netns ns%d\nnat forward add up0 h%d\n", i, i, i, i)
	}
	writeFile(t, sb, "/run/mk.nsnet", mk.String())
	teardown := func(path string, names ...string) {
		var b strings.Builder
		for _, n := range names {
			fmt.Fprintf(&b, "netns del %s\n", n)
		}
		b.WriteString("nat flush\n")
		writeFile(t, sb, path, b.String())
	}
	table := func() string {
		return regexp.MustCompile(` # handle [0-9]+`).ReplaceAllString(sb.Must("nft", "-a", "list", "table", "inet", "nsnet"), "")
	}
	acks := func(log string) string { // the nf_tables operations the kernel acknowledged, in order
		var ops []string
		for _, m := range regexp.MustCompile(`error=0, msg=\{nlmsg_len=[0-9]+, nlmsg_type=NFNL_SUBSYS_NFTABLES<<8\|(NFT_MSG_[A-Z]+)`).FindAllStringSubmatch(sb.Must("cat", log), -1) {
			ops = append(ops, m[1])
		}
		return strings.Join(ops, " ")
	}
	strace := func(args ...string) Result {
		return sb.Run(append([]string{"strace", "-f", "-qq", "-o", "/run/st.log", "-e", "trace=recvfrom,recvmsg,umount2", nsnetBin}, args...)...)
	}

	sb.MustNSNet("-batch", "/run/mk.nsnet")
	before := table()
	if !strings.Contains(before, "counter nsnet-") && !strings.Contains(before, "counter ") {
		t.Fatalf("no counters in the table: %s", before)
	}
	teardown("/run/bad.nsnet", "ns0", "ns1", "ns2", "missing", "ns3", "ns4")
	r := strace("-batch", "/run/bad.nsnet")
	WantFail(t, r, 1, "/run/bad.nsnet:4:", "missing")
	if got := acks("/run/st.log"); !strings.Contains(got, "NFT_MSG_DELTABLE") || !strings.Contains(got[strings.Index(got, "NFT_MSG_DELTABLE"):], "NFT_MSG_NEWTABLE") {
		t.Fatalf("want the table deleted ahead and made again, the kernel acknowledged: %s", got)
	}
	if after := table(); after != before {
		t.Fatalf("the table is not as it was after the stop:\n%s\nwant\n%s", after, before)
	}
	if got := strings.Join(strings.Fields(sb.Must("ls", "/run/netns")), " "); got != "ns3 ns4 ns5 ns6 ns7" {
		t.Fatalf("after the failing line 4: /run/netns has %s", got)
	}

	// -force: line 2 fails and is named, the rest runs.
	teardown("/run/force.nsnet", "ns3", "missing", "ns4")
	r = sb.NSNet("-force", "-batch", "/run/force.nsnet")
	if r.Code != 1 || len(regexp.MustCompile(`force\.nsnet:[0-9]+:`).FindAllString(r.Stderr, -1)) != 1 || !strings.Contains(r.Stderr, "/run/force.nsnet:2:") {
		t.Fatalf("want exactly line 2 to fail: %s", r)
	}
	if r := sb.Run("nft", "list", "table", "inet", "nsnet"); r.Code == 0 {
		t.Fatalf("the table is still there after -force: %s", r.Stdout)
	}

	// A set in the table: not deleted ahead; untouched after a stop,
	// deleted in place by a whole run.
	sb.MustNSNet("nat", "forward", "add", "up0", "h5")
	sb.Must("nft", "add", "set", "inet", "nsnet", "mine", "{ type ipv4_addr; }")
	before = table()
	teardown("/run/bad2.nsnet", "ns5", "missing")
	r = strace("-batch", "/run/bad2.nsnet")
	WantFail(t, r, 1, "/run/bad2.nsnet:2:", "missing")
	if got := acks("/run/st.log"); strings.Contains(got, "NFT_MSG_DELTABLE") {
		t.Fatalf("a table with a set was deleted ahead: %s", got)
	}
	if after := table(); after != before {
		t.Fatalf("the table with a set changed:\n%s\nwant\n%s", after, before)
	}
	teardown("/run/ok.nsnet", "ns6", "ns7")
	sb.MustNSNet("-batch", "/run/ok.nsnet")
	if r := sb.Run("nft", "list", "table", "inet", "nsnet"); r.Code == 0 {
		t.Fatalf("the table with a set is still there: %s", r.Stdout)
	}
	if out := sb.Must("ls", "/run/netns"); out != "" {
		t.Fatalf("/run/netns not empty: %q", out)
	}

	// No table: the flush's note, in its place, exit 0.
	sb.MustNSNet("netns", "add", "ns9")
	teardown("/run/none.nsnet", "ns9")
	r = sb.NSNet("-batch", "/run/none.nsnet")
	if r.Code != 0 || strings.TrimSpace(r.Stderr) != "nsnet: nat flush: no table inet nsnet, nothing to do" {
		t.Fatalf("flush of no table: %s", r)
	}
}

// TestBatchFlushAheadSignal: SIGTERM in the middle of the `netns del` run
// (strace slows each unmount to 0.25 s): the batch stops before its next
// line, the table the flush deleted ahead is made again, and the names of
// the lines not reached are still there.
func TestBatchFlushAheadSignal(t *testing.T) {
	sb := NewSandbox(t)
	var mk, del strings.Builder
	mk.WriteString("link add up0 type veth peer name up0p\nnat masquerade add 10.9.0.0/16 out up0\n")
	for i := range 8 {
		fmt.Fprintf(&mk, "netns add ns%d\nnat forward add up0 h%d\n", i, i)
		fmt.Fprintf(&del, "netns del ns%d\n", i)
	}
	del.WriteString("nat flush\n")
	writeFile(t, sb, "/run/mk.nsnet", mk.String())
	writeFile(t, sb, "/run/del.nsnet", del.String())
	sb.MustNSNet("-batch", "/run/mk.nsnet")
	table := func() string {
		return regexp.MustCompile(` # handle [0-9]+`).ReplaceAllString(sb.Must("nft", "-a", "list", "table", "inet", "nsnet"), "")
	}
	before := table()
	r := sb.Sh(`strace -f -qq -o /run/st.log -e trace=umount2 -e inject=umount2:delay_enter=250000 "$NSNET" -batch /run/del.nsnet & s=$!
sleep 0.8; kill -TERM $(pgrep -P $s); wait $s`)
	if r.Code == 0 || !strings.Contains(r.Stderr, "interrupted by a signal before this line") {
		t.Fatalf("want the batch stopped by the signal: %s", r)
	}
	m := regexp.MustCompile(`/run/del\.nsnet:([0-9]+):`).FindStringSubmatch(r.Stderr)
	if m == nil || m[1] == "1" || m[1] == "9" {
		t.Fatalf("want a stop between lines 2 and 8: %s", r)
	}
	if after := table(); after != before {
		t.Fatalf("the table is not as it was after the stop:\n%s\nwant\n%s", after, before)
	}
	left := strings.Fields(sb.Must("ls", "/run/netns"))
	var n int
	fmt.Sscan(m[1], &n)
	if len(left) != 9-n || left[0] != fmt.Sprintf("ns%d", n-1) {
		t.Fatalf("stopped before line %d, /run/netns has %v", n, left)
	}
}
