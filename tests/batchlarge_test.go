package tests

import (
	"fmt"
	"strings"
	"testing"
)

// TestBatchLargeFile: a batch of more lines than nsnet keeps parsed
// (16,384) parses its lines again, a window at a time, as it reaches them:
// the namespaces, links, addresses, routes and nat rules of the lines
// after the first window are made, a refused line past them is named by
// its FILE:LINE, the line after it does not run, and with -force it does.
func TestBatchLargeFile(t *testing.T) {
	var b strings.Builder
	const pad = 16500
	for range pad {
		b.WriteString("link set lo up\n")
	}
	text, _ := interleaved(3, -1)
	b.WriteString(text)
	bad := pad + strings.Count(text, "\n") + 1
	b.WriteString("-n ns1 addr add 10.9.9.9/24 dev nosuch0\n")
	b.WriteString("-n ns1 link set lo mtu 1300\n")

	for _, force := range []bool{false, true} {
		sb := NewSandbox(t)
		if r := sb.RunInput(b.String(), "sh", "-c", "cat > /run/big.nsnet"); r.Code != 0 {
			t.Fatal(r)
		}
		args := []string{"-batch", "/run/big.nsnet"}
		if force {
			args = append([]string{"-force"}, args...)
		}
		r := sb.NSNet(args...)
		if r.Code == 0 || !strings.Contains(r.Stderr, fmt.Sprintf("/run/big.nsnet:%d:", bad)) || !strings.Contains(r.Stderr, "nosuch0") {
			t.Fatalf("force %v: want the refusal of line %d: %s", force, bad, r)
		}
		rules := nftRules(t, sb)
		for i := range 3 {
			if c := fmt.Sprintf("nsnet forward up0 h%d", i); len(rules[c]) != 2 {
				t.Errorf("force %v: %s: %d rules, want 2", force, c, len(rules[c]))
			}
		}
		sb.Must("ip", "netns", "exec", "ns2", "ping", "-c1", "-W2", "10.200.0.9")
		mtu := strings.TrimSpace(sb.Must("ip", "netns", "exec", "ns1", "cat", "/sys/class/net/lo/mtu"))
		if want := map[bool]string{false: "65536", true: "1300"}[force]; mtu != want {
			t.Errorf("force %v: ns1's lo has mtu %s, want %s (the line after the refused one)", force, mtu, want)
		}
	}
}
