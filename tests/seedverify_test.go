package tests

import (
	"strings"
	"testing"
)

// TestSeedVerifiedWithNsnetAlone does the seed's two verification steps
// with nsnet's own ping and capture: nstest pings a stand-in Internet host
// through masquerade while a capture on that host's interface shows the
// masqueraded source; without the masquerade rule the ping gets no reply.
func TestSeedVerifiedWithNsnetAlone(t *testing.T) {
	sb := NewSandbox(t)
	writeFile(t, sb, "/run/seed.nsnet", seedText(t))
	writeFile(t, sb, "/run/internet.nsnet", `netns add internet
link add ens33 type veth peer name wan0 netns internet
link set ens33 up
addr add 198.51.100.2/24 dev ens33
-n internet link set lo up
-n internet link set wan0 up
-n internet addr add 198.51.100.1/24 dev wan0
`)
	sb.MustNSNet("-batch", "/run/internet.nsnet")
	sb.MustNSNet("up", "/run/seed.nsnet")

	out := sb.MustSh(`$NSNET -n internet capture -i wan0 -c 2 icmp > /run/cap.txt 2>/run/cap.err & c=$!
i=0; until grep -q listening /run/cap.err || [ $i -ge 50 ]; do sleep 0.1; i=$((i+1)); done
$NSNET -n nstest ping -c 1 -W 2 198.51.100.1; r=$?
wait $c; cat /run/cap.txt; exit $r`)
	if !strings.Contains(out, "1 received") {
		t.Fatalf("ping through masquerade: %q", out)
	}
	for _, w := range []string{"IP 198.51.100.2 > 198.51.100.1: ICMP echo request", "IP 198.51.100.1 > 198.51.100.2: ICMP echo reply"} {
		if !strings.Contains(out, w) {
			t.Fatalf("capture lacks %q (the masqueraded source):\n%s", w, out)
		}
	}
	if strings.Contains(out, "192.168.11.101 >") {
		t.Fatalf("the Internet host saw nstest's own address:\n%s", out)
	}

	sb.MustNSNet("nat", "masquerade", "del", "192.168.11.0/24", "out", "ens33")
	if r := sb.NSNet("-n", "nstest", "ping", "-c", "1", "-W", "1", "198.51.100.1"); r.Code != 1 {
		t.Fatalf("without masquerade the ping should get no reply (exit 1): %s", r)
	}
}
