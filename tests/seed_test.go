package tests

import (
	"strconv"
	"strings"
	"testing"
)

// TestSeedWalkthrough types the seed walkthrough of iproute2 commands with
// nsnet in place of ip, as a user would: in a shell, inside netns exec,
// and with -n. The addresses live only in the sandbox's namespaces; the
// pings go from one of them to the other and back.
//
// "link set veth0s1 netns 1" moves the link back to PID 1's namespace on
// a real machine; in the sandbox, whose processes share the host's PID
// namespace, PID 1 is the host's init, so the sandbox holder's PID stands
// in for it.
func TestSeedWalkthrough(t *testing.T) {
	for _, form := range []string{"exec", "-n"} {
		t.Run(form, func(t *testing.T) {
			sb := NewSandbox(t)
			in := "$NSNET netns exec nstest $NSNET"
			if form == "-n" {
				in = "$NSNET -n nstest"
			}
			script := `set -e
$NSNET netns add nstest
$NSNET link add veth0s0 type veth peer veth0s1
$NSNET link set veth0s1 netns nstest
$NSNET link set veth0s0 up
$NSNET addr add 192.168.11.100/24 dev veth0s0
IN link set veth0s1 up
IN addr add 192.168.11.101/24 dev veth0s1
IN route add default via 192.168.11.100
$NSNET sysctl -w net.ipv4.ip_forward=1
`
			out := sb.MustSh(strings.ReplaceAll(script, "IN", in))
			if out != "" {
				t.Fatalf("state-changing commands printed %q", out)
			}
			// Both ways across the veth.
			if r := sb.Run("ping", "-c1", "-W2", "192.168.11.101"); r.Code != 0 {
				t.Fatalf("ping nstest: %s", r)
			}
			if r := sb.NSNet("netns", "exec", "nstest", "ping", "-c1", "-W2", "192.168.11.100"); r.Code != 0 {
				t.Fatalf("ping back: %s", r)
			}
			// What ip sees.
			if r := sb.Must("ip", "-n", "nstest", "route", "show", "default"); r != "default via 192.168.11.100 dev veth0s1 \n" {
				t.Fatalf("route in nstest: %q", r)
			}
			if !strings.Contains(sb.Must("ip", "link", "show", "veth0s0"), "link-netns nstest") {
				t.Fatal("veth0s0 is not linked to nstest")
			}
			if strings.TrimSpace(sb.Must("cat", "/proc/sys/net/ipv4/ip_forward")) != "1" {
				t.Fatal("ip_forward is not 1")
			}
			sameAsIP(t, sb, volatileKeys, "-j", "addr")
			sameAsIP(t, sb, nil, "-n", "nstest", "-j", "route")
			// Back to the sandbox's root namespace ("netns 1").
			sb.MustSh(in + " link set veth0s1 netns " + strconv.Itoa(sb.PID()))
			if ipLink(t, sb, "", "veth0s1") == nil || ipLink(t, sb, "nstest", "veth0s1") != nil {
				t.Fatal("veth0s1 did not come back")
			}
			if r := sb.Run("ping", "-c1", "-W1", "192.168.11.101"); r.Code == 0 {
				t.Fatal("192.168.11.101 still answers after its link left nstest")
			}
		})
	}
}
