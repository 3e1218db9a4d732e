package tests

import (
	"strings"
	"testing"
)

func TestSysctlReadWrite(t *testing.T) {
	sb := NewSandbox(t)
	sb.MustNSNet("netns", "add", "t")
	read := func(ns string) string {
		if ns == "" {
			return strings.TrimSpace(sb.Must("cat", "/proc/sys/net/ipv4/ip_forward"))
		}
		return strings.TrimSpace(sb.Must("ip", "netns", "exec", ns, "cat", "/proc/sys/net/ipv4/ip_forward"))
	}
	if out := sb.MustNSNet("sysctl", "net.ipv4.ip_forward"); out != "net.ipv4.ip_forward = 0\n" {
		t.Fatalf("read: %q", out)
	}
	// A write prints nothing and changes only this namespace.
	if out := sb.MustNSNet("sysctl", "-w", "net.ipv4.ip_forward=1"); out != "" {
		t.Fatalf("-w printed %q", out)
	}
	if read("") != "1" || read("t") != "0" {
		t.Fatalf("ip_forward: here %s, t %s", read(""), read("t"))
	}
	// -n NS writes inside NS, slashed keys, several at once, KEY=VALUE
	// without -w.
	sb.MustNSNet("-n", "t", "sysctl", "-w", "net/ipv4/ip_forward=1", "net.ipv6.conf.all.forwarding=1")
	if read("t") != "1" || strings.TrimSpace(sb.Must("ip", "netns", "exec", "t", "cat", "/proc/sys/net/ipv6/conf/all/forwarding")) != "1" {
		t.Fatal("-n t did not write in t")
	}
	sb.MustNSNet("-n", "t", "sysctl", "net.ipv4.ip_forward=0")
	if out := sb.MustNSNet("-n", "t", "sysctl", "-n", "net.ipv4.ip_forward", "net/ipv6/conf/all/forwarding"); out != "0\n1\n" {
		t.Fatalf("-n values: %q", out)
	}
	// Inside netns exec it is the namespace's own.
	if out := sb.MustNSNet("netns", "exec", "t", nsnetBin, "sysctl", "-n", "net.ipv4.ip_forward"); out != "0\n" {
		t.Fatalf("exec: %q", out)
	}
	// A dotted name with a '/' for a '.', as sysctl(8) writes them.
	sb.Must("ip", "link", "add", "v.1", "type", "veth", "peer", "v2")
	if out := sb.MustNSNet("sysctl", "net.ipv4.conf.v/1.forwarding"); out != "net.ipv4.conf.v/1.forwarding = 1\n" {
		t.Fatalf("dotted interface name: %q", out)
	}
	// -a lists the namespace's net.* keys; -j is JSON.
	all := sb.MustNSNet("sysctl", "-a")
	if !strings.Contains(all, "net.ipv4.ip_forward = 1\n") || !strings.Contains(all, "net.ipv4.conf.v/1.forwarding = 1\n") ||
		strings.Contains(all, "kernel.") {
		t.Fatalf("-a: %d bytes, lacks ip_forward or has kernel.*", len(all))
	}
	if out := sb.MustNSNet("-j", "sysctl", "net.ipv4.ip_forward"); out != `[{"key":"net.ipv4.ip_forward","value":"1"}]`+"\n" {
		t.Fatalf("-j: %q", out)
	}
	// A directory key lists what is below it.
	if out := sb.MustNSNet("sysctl", "net.ipv4.conf.v/1"); !strings.Contains(out, "net.ipv4.conf.v/1.forwarding = 1\n") {
		t.Fatalf("directory key: %q", out)
	}
}

func TestSysctlBadInput(t *testing.T) {
	sb := NewSandbox(t)
	for _, c := range []struct {
		args  []string
		code  int
		words []string
	}{
		{[]string{"sysctl", "kernel.hostname"}, 255, []string{"kernel.hostname", "net.*"}},
		{[]string{"sysctl", "net/../kernel/hostname"}, 255, []string{".."}},
		{[]string{"sysctl", "net.ipv4..ip_forward"}, 255, []string{"empty component"}},
		{[]string{"sysctl", "/proc/sys/net/ipv4/ip_forward"}, 255, []string{"empty component"}},
		{[]string{"sysctl", "-w", "/net/ipv4/ip_forward=1"}, 255, []string{"empty component"}},
		{[]string{"sysctl", "-w", "net.ipv4.ip_forward"}, 255, []string{"KEY=VALUE"}},
		{[]string{"sysctl"}, 255, []string{"KEY"}},
		{[]string{"sysctl", "-z"}, 255, []string{"-z"}},
		{[]string{"sysctl", "net.ipv4.nosuch"}, 1, []string{"net.ipv4.nosuch", "no such key"}},
		{[]string{"sysctl", "-w", "net.ipv4.nosuch=1"}, 1, []string{"net.ipv4.nosuch"}},
		{[]string{"sysctl", "-w", "net.ipv4.ip_forward=lots"}, 1, []string{"net.ipv4.ip_forward", "invalid argument"}},
		{[]string{"-n", "nosuch", "sysctl", "net.ipv4.ip_forward"}, 255, []string{"nosuch"}}, // 255, as ip -n
	} {
		WantFail(t, sb.NSNet(c.args...), c.code, c.words...)
	}
	// -e skips unknown keys; a failed write changed nothing.
	if out := sb.MustNSNet("sysctl", "-e", "net.ipv4.nosuch", "net.ipv4.ip_forward"); out != "net.ipv4.ip_forward = 0\n" {
		t.Fatalf("-e: %q", out)
	}
}
