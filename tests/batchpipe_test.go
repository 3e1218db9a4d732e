package tests

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// A -force batch sends the requests of consecutive address, route and link
// set lines of one namespace in one write (cmd/nsnet/batchpipe.go). These
// tests hold it to the serial path: the same kernel state, the same
// errors, one per failing line in line order, and the same exit status.

// pipeHost acts in the sandbox's own namespace only, so that ip's batch
// (which takes no -n on a line) runs it too. Lines 3, 5, 7, 9 and 11 fail.
const pipeHost = `link add v0 type veth peer name v1
addr add 10.1.0.1/24 dev v0
addr add 10.1.0.1/24 dev v0
link set v0 up
route add 10.9.0.0/16 via 10.7.0.1 dev v0
route add 10.8.0.0/16 via 10.1.0.2 dev v0
link set nosuch up
addr add 10.2.0.1/24 dev v1
addr del 10.5.5.5/24 dev v1
link set v1 up mtu 1400
route add 10.8.0.0/16 via 10.1.0.2 dev v0
route add 10.7.0.0/16 dev v1
`

// pipeNS makes a namespace and acts in it with -n. Lines 5, 7, 10 and 11
// fail.
const pipeNS = `netns add a
link add h0 type veth peer name eth0 netns a
addr add 10.3.0.1/24 dev h0
link set h0 up
-n a addr add 10.3.0.2/24 dev nosuch
-n a addr add 10.3.0.2/24 dev eth0
-n a route add default via 10.4.0.1 dev eth0
-n a link set lo up
-n a link set eth0 up
-n a addr add 10.3.0.2/24 dev eth0
-n a link set eth0 mtu 70000
-n a route add default via 10.3.0.1 dev eth0
`

// pipeState is the kernel state a pipe file leaves, read with ip, without
// what differs from run to run (MAC addresses and the link-local
// addresses made from them) or with the time it is read at (the
// operational state and carrier, and the IPv6 routes that come some time
// after a link goes up).
func pipeState(t *testing.T, sb *Sandbox) string {
	t.Helper()
	out := sb.MustSh(`for n in "" $(ls /run/netns); do
	echo "== $n"
	ip ${n:+-n $n} -o link show | sed -E 's/ link\/ether [0-9a-f:]+ brd [0-9a-f:]+//; s/ link-netns[^\\]*//; s/ state [A-Z]+//; s/NO-CARRIER,//'
	ip ${n:+-n $n} -o addr show | grep -v ' fe80::'
	ip ${n:+-n $n} -4 route show table all | sed 's/ linkdown//'
done`)
	return regexp.MustCompile(`altname \S+`).ReplaceAllString(out, "")
}

// serialErrors runs each line of file as its own nsnet process (serial by
// construction) and returns the errors as a batch words them.
func serialErrors(t *testing.T, sb *Sandbox, file string) string {
	t.Helper()
	return sb.MustSh(`n=0; while IFS= read -r l; do n=$((n+1))
	if ! out=$($NSNET $l 2>&1 >/dev/null); then echo "$out" | sed "s|^nsnet: |nsnet: ` + file + `:$n: |"; fi
done < ` + file + `; echo "nsnet: ` + file + `: some lines failed"`)
}

// netlinkIO runs nsnet -force -batch file under strace and returns the
// result and the number of writes and reads on file descriptors other
// than stdin, stdout and stderr (the netlink sockets).
func netlinkIO(t *testing.T, sb *Sandbox, file string) (r Result, writes, reads int) {
	t.Helper()
	r = sb.Run("strace", "-f", "-qq", "-e", "trace=write,sendmsg,sendto,recvfrom,recvmsg,recvmmsg", "-o", "/run/w.log", nsnetBin, "-force", "-batch", file)
	log := sb.Must("cat", "/run/w.log")
	call := regexp.MustCompile(`(write|sendmsg|sendto|recvfrom|recvmsg|recvmmsg)\((\d+),`)
	for _, l := range strings.Split(log, "\n") {
		if m := call.FindStringSubmatch(l); m != nil {
			if fd, _ := strconv.Atoi(m[2]); fd > 2 {
				if strings.HasPrefix(m[1], "recv") {
					reads++
				} else {
					writes++
				}
			}
		}
	}
	return r, writes, reads
}

// TestBatchForcePipelinedLikeIP: the host file with failing lines in the
// middle leaves the state ip -force -batch leaves; nsnet as ip prints
// ip's errors byte for byte; nsnet prints, in line order, the errors each
// line gives alone; all exit 1; and the lines after the link add went in
// one write.
func TestBatchForcePipelinedLikeIP(t *testing.T) {
	const file = "/run/p.batch"
	run := func(argv ...string) (Result, string) {
		sb := NewSandbox(t)
		writeFile(t, sb, file, pipeHost)
		r := sb.Run(argv...)
		return r, pipeState(t, sb)
	}
	ipR, ipState := run("ip", "-force", "-batch", file)
	asIP, asIPState := run(compatBinDir(t)+"/ip", "-force", "-batch", file)

	sb := NewSandbox(t)
	writeFile(t, sb, file, pipeHost)
	r, writes, reads := netlinkIO(t, sb, file)
	state := pipeState(t, sb)
	ref := NewSandbox(t)
	writeFile(t, ref, file, pipeHost)
	want := serialErrors(t, ref, file)

	if ipR.Code != 1 || asIP.Code != 1 || r.Code != 1 {
		t.Fatalf("exit statuses: ip %d, nsnet as ip %d, nsnet %d\n%s", ipR.Code, asIP.Code, r.Code, r)
	}
	if asIP.Stderr != ipR.Stderr {
		t.Errorf("stderr: ip\n%s\nnsnet as ip\n%s", ipR.Stderr, asIP.Stderr)
	}
	if r.Stderr != want {
		t.Errorf("stderr: nsnet -force -batch\n%s\neach line alone\n%s", r.Stderr, want)
	}
	for _, n := range []string{":3:", ":5:", ":7:", ":9:", ":11:"} {
		if !strings.Contains(r.Stderr, n) {
			t.Errorf("no error for line %s:\n%s", n, r.Stderr)
		}
	}
	if state != ipState || asIPState != ipState || state != pipeState(t, ref) {
		t.Errorf("state: ip\n%s\nnsnet as ip\n%s\nnsnet\n%s\neach line alone\n%s", ipState, asIPState, state, pipeState(t, ref))
	}
	// The link add (it needs its echo), then the other eleven lines; the
	// echo, the link add's acknowledgement, then the eleven replies at
	// once (recvmmsg).
	if writes != 2 || reads != 3 {
		t.Errorf("%d netlink writes and %d reads, want 2 and 3", writes, reads)
	}
}

// TestBatchForcePipelinedNamespace: lines acting in a namespace with -n,
// failing in the middle, give the state and the errors of each line run
// alone; the lines of each namespace run go in one write.
func TestBatchForcePipelinedNamespace(t *testing.T) {
	const file = "/run/n.batch"
	sb := NewSandbox(t)
	writeFile(t, sb, file, pipeNS)
	r, writes, _ := netlinkIO(t, sb, file)
	ref := NewSandbox(t)
	writeFile(t, ref, file, pipeNS)
	want := serialErrors(t, ref, file)
	if r.Code != 1 || r.Stderr != want {
		t.Fatalf("nsnet -force -batch: %s\neach line alone:\n%s", r, want)
	}
	if got, exp := pipeState(t, sb), pipeState(t, ref); got != exp {
		t.Errorf("state: nsnet -force -batch\n%s\neach line alone\n%s", got, exp)
	}
	// link add; the host's two lines; line 5's lookup of nosuch (it
	// needs the reply: not held, it runs alone); lines 6-12 in one write.
	if writes != 4 {
		t.Errorf("%d netlink writes, want 4", writes)
	}
	sb.Must("ip", "netns", "exec", "a", "ping", "-c1", "-W2", "10.3.0.1")
}

// TestBatchForcePipelinedTrace: --trace prints every request of a
// pipelined write and every reply, and --trace-pcap holds the write as one
// datagram of those requests, which tshark, the oracle, reads with the
// sequence numbers and error codes --trace printed.
func TestBatchForcePipelinedTrace(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Fatal("tshark is not installed (apt-get install tshark; .ci/run installs it)")
	}
	sb := NewSandbox(t)
	writeFile(t, sb, "/run/p.batch", pipeHost)
	file := filepath.Join(t.TempDir(), "p.pcap")
	r := sb.NSNet("--trace", "--trace-pcap", file, "-force", "-batch", "/run/p.batch")
	if r.Code != 1 {
		t.Fatalf("%s", r)
	}
	// --trace: each message's direction, sequence number, and for an
	// NLMSG_ERROR its code (0 for an ack).
	type msg struct {
		sent bool
		seq  string
		code string
	}
	var msgs []msg
	head := regexp.MustCompile(`^(→|←) (\S+) .*seq=(\d+)`)
	code := regexp.MustCompile(`^    (ack|error (-\d+))`)
	for _, l := range strings.Split(r.Stderr, "\n") {
		if m := head.FindStringSubmatch(l); m != nil {
			msgs = append(msgs, msg{sent: m[1] == "→", seq: m[3]})
		} else if m := code.FindStringSubmatch(l); m != nil && len(msgs) > 0 {
			msgs[len(msgs)-1].code = map[bool]string{true: "0", false: m[2]}[m[1] == "ack"]
		}
	}
	sent, errs := 0, 0
	for _, m := range msgs {
		if m.sent {
			sent++
		} else if m.code != "" && m.code != "0" {
			errs++
		}
	}
	if sent != 12 || errs != 5 || len(msgs) != 12+12+1 {
		t.Fatalf("--trace: %d requests, %d refusals, %d messages (want 12, 5, 25):\n%s", sent, errs, len(msgs), r.Stderr)
	}
	// tshark: one frame for the link add, its echo and ack, then one frame
	// of eleven requests, then one per reply.
	frames := tsharkFields(t, file, "netlink.hdr_seq", "netlink.error")
	if len(frames) != 2+12+1 {
		t.Fatalf("tshark read %d frames, want 15", len(frames))
	}
	var got []msg
	for i, f := range frames {
		seqs := f["netlink.hdr_seq"]
		if i == 0 || i == 3 {
			for _, s := range seqs {
				got = append(got, msg{sent: true, seq: s})
			}
			continue
		}
		m := msg{seq: seqs[0]}
		if e := f["netlink.error"]; len(e) == 1 {
			m.code = e[0]
		}
		got = append(got, m)
	}
	if len(frames[3]["netlink.hdr_seq"]) != 11 {
		t.Errorf("the pipelined write holds %d requests, want 11", len(frames[3]["netlink.hdr_seq"]))
	}
	if !slices.Equal(got, msgs) {
		t.Errorf("tshark %v\n--trace %v", got, msgs)
	}
}
