//go:build amd64 || arm64

package tests

import (
	"os/exec"
	"strings"
	"testing"
)

// TestOnePAtStart reads the P count from the runtime's own scheduler
// trace: a one-command nsnet process starts with one P, a GOMAXPROCS the
// caller set is kept, and a command it runs (netns exec) sees the
// environment nsnet was given, without the entry point's variable.
func TestOnePAtStart(t *testing.T) {
	// The runtime's monitor thread prints the trace on its first round,
	// which a process as short as nsnet -V can end before on a busy
	// machine: such a run says nothing, and is run again.
	sched := func(extra ...string) string {
		var out []byte
		for range 50 {
			cmd := exec.Command(nsnetBin, "-V")
			cmd.Env = append(withoutGOMAXPROCS(), append(extra, "GODEBUG=schedtrace=1000")...)
			var err error
			if out, err = cmd.CombinedOutput(); err != nil {
				t.Fatalf("nsnet -V: %v\n%s", err, out)
			}
			for _, l := range strings.Split(string(out), "\n") {
				if strings.HasPrefix(l, "SCHED ") {
					f := strings.Fields(l)
					return f[2]
				}
			}
		}
		t.Fatalf("no scheduler trace in 50 runs, the last %q", out)
		return ""
	}
	if got := sched(); got != "gomaxprocs=1" {
		t.Errorf("nsnet -V started with %s, want gomaxprocs=1", got)
	}
	if got := sched("GOMAXPROCS=3"); got != "gomaxprocs=3" {
		t.Errorf("GOMAXPROCS=3 nsnet -V started with %s", got)
	}

	sb := NewSandbox(t)
	sb.MustNSNet("netns", "add", "x")
	if out := sb.MustSh(`env -u GOMAXPROCS $NSNET netns exec x env`); strings.Contains(out, "GOMAXPROCS") {
		t.Errorf("netns exec's command inherited the entry point's variable:\n%s", out)
	}
	if out := sb.MustSh(`GOMAXPROCS=3 $NSNET netns exec x env`); !strings.Contains("\n"+out, "\nGOMAXPROCS=3\n") {
		t.Errorf("netns exec's command lost the caller's GOMAXPROCS=3:\n%s", out)
	}
}
