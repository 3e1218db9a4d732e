package main

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// fuzzWords splits a fuzz input into command-line words: NUL cannot occur
// in an argument, so it separates them.
func fuzzWords(s string) []string { return strings.Split(s, "\x00") }

// FuzzParseCommand feeds arbitrary words to parseGlobals and parseCommand,
// as main does: they must never panic, every error must be a *usageError
// (exit status 255) with a message, and success must yield a command.
func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{
		"link add v0 type veth peer name v1 netns blue",
		"-n blue addr add 192.0.2.1/24 dev v0 broadcast + label v0:1",
		"route add default via 2001:db8::1 dev v0 metric 10 table 100 mtu lock 1400",
		"-j -p netns list",
		"nat publish add [2001:db8::1]:8080/tcp to [2001:db8::2]:80 in v0",
		"sysctl -w net.ipv4.conf.v0/10.forwarding=1",
		"capture -i any -c 3 ( tcp and port 80 ) or icmp",
		"ping -c 1 -i 0.2 -W 1 -s 56 -I v0 192.0.2.2",
		"link set dev v0 up mtu 1400 address 02:00:00:00:00:01 master br0 alias x",
		"up --dry-run f.nsnet",
		"r s t main via inet6 2001:db8::/32 src 10.0.0.0/8 from match ::1 metric 0x10 tos 0x10 mark 7 iif v0 proto all",
		"route add 2001:db8::/48 from 2001:db8:1::/48 tos 0x10 dev v0",
		"-br addr show type bridge_slave master br0 nomaster group default up",
		"-all netns exec sh -c true",
		"",
	} {
		f.Add(strings.ReplaceAll(s, " ", "\x00"))
	}
	f.Fuzz(func(t *testing.T, s string) {
		words := fuzzWords(s)
		g, rest, err := parseGlobals(words)
		if err != nil {
			checkUsage(t, words, err)
			return
		}
		if len(rest) == 0 {
			return
		}
		cmd, err := parseCommand(rest, g.opt)
		if err != nil {
			checkUsage(t, words, err)
			return
		}
		if cmd == nil {
			t.Fatalf("%q: no command and no error", words)
		}
	})
}

func checkUsage(t *testing.T, words []string, err error) {
	t.Helper()
	var u *usageError
	if !errors.As(err, &u) {
		t.Fatalf("%q: error %T is not a *usageError: %v", words, err, err)
	}
	// ip exits 255 for most parse errors and 1 for some (an unknown
	// object, a bad prefix, a missing "dev").
	if c := exitCode(err); c != 255 && c != 1 || strings.TrimSpace(err.Error()) == "" {
		t.Fatalf("%q: usage error %q exits %d", words, err, exitCode(err))
	}
}

// FuzzSplitWords feeds arbitrary lines to the batch tokenizer (it must not
// panic, and fails only with usage errors), and checks that quoteWord and
// splitWords round-trip any list of words: a journaled undo line reads back
// as the words that were written.
func FuzzSplitWords(f *testing.F) {
	for _, s := range []string{
		`netns add "blue ns"  # comment`,
		`-n 'a b' link set v0 alias 'it'\''s'`,
		`addr add 192.0.2.1/24 dev v0 label "v0:\"x\""`,
		"a\\ b\t'c'\"d\"\\",
		"'unterminated",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := splitWords(s); err != nil && !isUsage(err) {
			t.Fatalf("splitWords(%q): %T %v", s, err, err)
		}
		words := fuzzWords(s)
		q := make([]string, len(words))
		for i, w := range words {
			q[i] = quoteWord(w)
		}
		line := strings.Join(q, " ")
		got, err := splitWords(line)
		if err != nil || !reflect.DeepEqual(got, words) {
			t.Fatalf("words %q quoted as %q read back as %q, %v", words, line, got, err)
		}
	})
}
