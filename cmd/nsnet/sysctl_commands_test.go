package main

import (
	"testing"
)

// TestSysctlCommands: sysctl reads and writes the fake host's sysctl
// files (sysctl.Root points at the test's directory) in sysctl(8)'s
// formats, and refuses keys outside net.* before touching anything.
func TestSysctlCommands(t *testing.T) {
	h := onFakeHost(t, "net.ipv4.ip_forward=0", "net.ipv4.conf.all.rp_filter=2", "net.ipv4.conf.eth0/10.forwarding=1",
		"net.core.somaxconn=4096")
	wantOut(t, "sysctl net.ipv4.ip_forward", "net.ipv4.ip_forward = 0\n")
	wantOut(t, "sysctl net/ipv4/conf/all/rp_filter", "net.ipv4.conf.all.rp_filter = 2\n")
	wantOut(t, "sysctl -n net.ipv4.ip_forward net.core.somaxconn", "0\n4096\n")
	wantOut(t, "sysctl net.ipv4.conf.eth0/10.forwarding", "net.ipv4.conf.eth0/10.forwarding = 1\n")
	wantOut(t, "-j sysctl net.core.somaxconn", `[{"key":"net.core.somaxconn","value":"4096"}]`+"\n")
	// A directory lists what is below it; -a lists every key.
	wantOut(t, "sysctl net.ipv4.conf", "net.ipv4.conf.all.rp_filter = 2\nnet.ipv4.conf.eth0/10.forwarding = 1\n")
	wantOut(t, "sysctl -a", "net.core.somaxconn = 4096\nnet.ipv4.conf.all.rp_filter = 2\n"+
		"net.ipv4.conf.eth0/10.forwarding = 1\nnet.ipv4.ip_forward = 0\n")
	wantOut(t, "sysctl -e net.ipv4.nosuch net.ipv4.ip_forward", "net.ipv4.ip_forward = 0\n")
	wantOut(t, "-j sysctl -e net.ipv4.nosuch", "[]\n")

	// Writes print nothing; the last value wins.
	wantOut(t, "sysctl -w net.ipv4.ip_forward=1", "")
	wantOut(t, "sysctl net.core.somaxconn=128 net.ipv4.conf.all.rp_filter=1", "")
	if a, b, c := h.sysctl(t, "net.ipv4.ip_forward"), h.sysctl(t, "net.core.somaxconn"), h.sysctl(t, "net.ipv4.conf.all.rp_filter"); a != "1" || b != "128" || c != "1" {
		t.Errorf("after the writes: %s %s %s", a, b, c)
	}
	// Writes stop at the first failure; -e skips unknown keys.
	wantErr(t, "sysctl -w net.core.somaxconn=64 net.ipv4.nosuch=1 net.ipv4.ip_forward=0", 1, "net.ipv4.nosuch", "no such key")
	if a, b := h.sysctl(t, "net.core.somaxconn"), h.sysctl(t, "net.ipv4.ip_forward"); a != "64" || b != "1" {
		t.Errorf("after the failed write: somaxconn %s ip_forward %s", a, b)
	}
	wantOut(t, "sysctl -e -w net.ipv4.nosuch=1 net.ipv4.ip_forward=0", "")
	if v := h.sysctl(t, "net.ipv4.ip_forward"); v != "0" {
		t.Errorf("-e: ip_forward %s", v)
	}

	wantErr(t, "sysctl net.ipv4.nosuch", 1, "net.ipv4.nosuch", "no such key")
	wantErr(t, "sysctl kernel.hostname", 255, "kernel.hostname")
	wantErr(t, "sysctl net.ipv4..ip_forward", 255, "net.ipv4..ip_forward")
	wantErr(t, "sysctl net/../kernel/hostname", 255, "net/../kernel/hostname")
	wantErr(t, "sysctl -z net.ipv4.ip_forward", 255, "-z")
}
