package main

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"
)

func TestParseGlobals(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want globals
		rest []string
	}{
		{[]string{"-n", "x", "link"}, globals{ns: "x"}, []string{"link"}},
		{[]string{"-netns", "x", "-j", "-p", "a"}, globals{ns: "x", opt: options{json: true, pretty: true}}, []string{"a"}},
		{[]string{"--json", "--pretty", "l"}, globals{opt: options{json: true, pretty: true}}, []string{"l"}},
		{[]string{"-V"}, globals{version: true}, nil},
		{[]string{"-Version"}, globals{version: true}, nil},
		{[]string{"--trace", "netns"}, globals{trace: true}, []string{"netns"}},
		{[]string{"--trace=hex", "netns"}, globals{trace: true, traceHex: true}, []string{"netns"}},
		{[]string{"-4", "-d", "-br", "a"}, globals{opt: options{family: 4, details: true, brief: true}}, []string{"a"}},
		{[]string{"-all", "netns", "exec", "ls", "-l"}, globals{opt: options{all: true}}, []string{"netns", "exec", "ls", "-l"}},
		{[]string{"-batch", "f", "-force"}, globals{batch: "f", opt: options{force: true}}, nil},
	} {
		g, rest, err := parseGlobals(tc.args)
		if err != nil {
			t.Errorf("%v: %v", tc.args, err)
			continue
		}
		if !reflect.DeepEqual(g, tc.want) || !reflect.DeepEqual(rest, tc.rest) {
			t.Errorf("%v: got %+v %q, want %+v %q", tc.args, g, rest, tc.want, tc.rest)
		}
	}
}

func TestParseGlobalsErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-n"}, {"-n", "a/b"}, {"-n", ".."}, {"-bogus"}, {"--trace=yes"}, {"-n", ""},
	} {
		_, _, err := parseGlobals(args)
		if err == nil || !isUsage(err) {
			t.Errorf("%q: want usage error, got %v", args, err)
		}
	}
}

func TestParseNetns(t *testing.T) {
	for _, tc := range []struct {
		args string
		opt  options
		want command
	}{
		{"netns", options{}, netnsList{}},
		{"netns ls", options{}, netnsList{}},
		{"netns show", options{}, netnsList{}},
		{"netns list-id", options{}, netnsListID{}},
		{"netns a x", options{}, netnsAdd{name: "x"}},
		{"net add x", options{}, netnsAdd{name: "x"}}, // "n" is neighbor, as in ip
		{"netns attach x 12", options{}, netnsAttach{name: "x", pid: 12}},
		{"netns set x auto", options{}, netnsSet{name: "x", id: -1}},
		{"netns set x 5", options{}, netnsSet{name: "x", id: 5}},
		{"netns del x", options{}, netnsDel{name: "x"}},
		{"netns del -all", options{}, netnsDel{all: true}},
		{"netns delete", options{all: true}, netnsDel{all: true}},
		{"netns identify 7", options{}, netnsIdentify{pid: 7}},
		{"netns pids x", options{}, netnsPids{name: "x"}},
		{"netns exec x ls -l", options{}, netnsExec{name: "x", argv: []string{"ls", "-l"}}},
		{"netns exec ls -l", options{all: true}, netnsExec{all: true, argv: []string{"ls", "-l"}}},
		{"netns monitor", options{}, netnsMonitor{}},
	} {
		got, err := parseCommand(strings.Fields(tc.args), tc.opt)
		if err != nil {
			t.Errorf("%s: %v", tc.args, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %#v, want %#v", tc.args, got, tc.want)
		}
	}
}

func TestParseNetnsErrors(t *testing.T) {
	for _, tc := range []struct{ args, word string }{
		{"netns add", "NAME"},
		{"netns add a/b", "a/b"},
		{"netns add x y", "y"},
		{"netns set x", "x"},
		{"netns set x -3", "-3"},
		{"netns set x many", "many"},
		{"netns frob", "frob"},
		{"netns exec x", "missing command"},
		{"netns attach x notapid", "notapid"},
		{"frob", "frob"},
	} {
		_, err := parseCommand(strings.Fields(tc.args), options{})
		if err == nil || !isUsage(err) || !strings.Contains(err.Error(), tc.word) {
			t.Errorf("%s: want usage error naming %q, got %v", tc.args, tc.word, err)
		}
	}
}

func TestRunExitCodes(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"-V"}, nil, &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "nsnet ") {
		t.Fatalf("-V: %d %q", code, out.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"netns", "help"}, nil, &out, &errb); code != 0 || !strings.Contains(out.String(), "Usage: nsnet netns") {
		t.Fatalf("help: %d %q", code, out.String())
	}
	errb.Reset()
	// As ip: Object "bogus" is unknown exits 1.
	if code := run(context.Background(), []string{"bogus"}, nil, &out, &errb); code != 1 || strings.Count(errb.String(), "\n") != 1 || !strings.Contains(errb.String(), `"bogus"`) {
		t.Fatalf("bogus: %d %q", code, errb.String())
	}
}

func TestRepeatedKeywords(t *testing.T) {
	for _, args := range []string{
		"address add 192.0.2.1/24 dev lo dev eth0",
		"address add 192.0.2.1/24 dev lo brd + broadcast 192.0.2.255",
		"route add 192.0.2.0/24 via 198.51.100.1 gw 198.51.100.2",
		"route add 192.0.2.0/24 dev lo metric 1 priority 2",
		"route add default via 198.51.100.1 table 100 table main",
	} {
		_, err := parseCommand(strings.Fields(args), options{})
		if err == nil || !isUsage(err) || !strings.Contains(err.Error(), "duplicate") {
			t.Errorf("%s: want a duplicate usage error, got %v", args, err)
		}
	}
	for _, args := range []string{
		"address add 2001:db8::1/64 dev lo nodad nodad",
		"route add 192.0.2.0/24 dev lo mtu lock 1400",
	} {
		if _, err := parseCommand(strings.Fields(args), options{}); err != nil {
			t.Errorf("%s: %v", args, err)
		}
	}
}

// TestNetnsExecNamespaceFirst: as ip, netns exec opens the namespace
// before it looks the command up, so a missing namespace is the error
// (exit 255) even when the command is missing too; ip would say "exec of
// ... failed" only once inside the namespace. Found by a public script's
// typo, `ip netns ex ec router ip link set ...` (maton369's
// Linux_Network_Namespace_Practice), which ip reads as exec in "ec".
func TestNetnsExecNamespaceFirst(t *testing.T) {
	const ns, cmd = "nsnet-unit-no-such-ns", "nsnet-unit-no-such-cmd"
	line := "netns exec " + ns + " " + cmd
	code, out, stderr := nsnet("", line)
	if code != 255 || out != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, ns) || strings.Contains(stderr, cmd) {
		t.Errorf("%s: exit %d, stdout %q, stderr %q; want 255 and one line naming the namespace only", line, code, out, stderr)
	}
	// Inside a batch the command runs as a child (nsfs.Run): same order.
	code, _, stderr = nsnet(line+"\n", "-batch -")
	if code != 1 || !strings.Contains(stderr, ns) || strings.Contains(stderr, cmd) {
		t.Errorf("-batch %s: exit %d, stderr %q; want 1 and the namespace named, not the command", line, code, stderr)
	}
	ipMode = true
	defer func() { ipMode = false }()
	code, _, stderr = nsnet("", line)
	if want := `Cannot open network namespace "` + ns + `": No such file or directory` + "\n"; code != 255 || stderr != want {
		t.Errorf("as ip, %s: exit %d, stderr %q; want 255, %q", line, code, stderr, want)
	}
}
