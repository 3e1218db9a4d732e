package tests

import (
	"errors"
	"math/rand/v2"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestUpEarlyRollsBackNamespacesMadeAhead: up makes the namespaces of
// later `netns add` lines ahead (more than one unshare before the failing
// line's turn, counted by strace); a line failing before their turn rolls
// back everything, those namespaces included, and removes the journal.
func TestUpEarlyRollsBackNamespacesMadeAhead(t *testing.T) {
	sb, st := upScopeSandbox(t)
	sb.Must("ip", "link", "add", "taken", "type", "veth", "peer", "name", "taken1")
	before := st()
	lines := strings.SplitAfter(upWorkload(6), "\n")
	// sysctl, masquerade, then ns0's nine lines; the failing line comes
	// before `netns add ns1`.
	file := strings.Join(lines[:11], "") + "link add taken type bridge\n" + strings.Join(lines[11:], "")
	writeFile(t, sb, "/run/w.nsnet", file)
	r := sb.Run("strace", "-f", "-qq", "-o", "/run/unshare.txt", "-e", "trace=unshare", nsnetBin, "up", "/run/w.nsnet")
	WantFail(t, r, 1, "/run/w.nsnet:12:", "file exists", "rolled back")
	made := strings.Count(sb.MustSh("cat /run/unshare.txt"), "unshare(CLONE_NEWNET")
	if made < 3 {
		t.Fatalf("%d namespaces made before line 12 failed: none made ahead of its turn", made)
	}
	if after := st(); after != before {
		t.Fatalf("rollback left changes (%d namespaces were made)\n%s", made, lineDiff(before, after))
	}
	if out := sb.Must("sh", "-c", "ls -A /run/nsnet/up 2>/dev/null; true"); out != "" {
		t.Fatalf("journal left after the rollback: %q", out)
	}
}

// TestUpEarlySIGTERM: SIGTERM at random points of an up rolls back what
// it did, namespaces made ahead included, with no down; an up the signal
// came too late for is undone by down.
func TestUpEarlySIGTERM(t *testing.T) {
	sb, st := upScopeSandbox(t)
	writeFile(t, sb, "/run/w.nsnet", upWorkload(20))
	before := st()
	start := time.Now()
	sb.MustNSNet("up", "/run/w.nsnet")
	full := time.Since(start)
	sb.MustNSNet("down", "/run/w.nsnet")
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 15))
	interrupted := 0
	for try := 0; try < 4 || interrupted == 0 && try < 12; try++ {
		delay := time.Duration(rng.Int64N(int64(full)))
		cmd := sb.Cmd(nsnetBin, "up", "/run/w.nsnet")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay) // the fault's point, not a wait for a result
		cmd.Process.Signal(syscall.SIGTERM)
		err := cmd.Wait()
		var ee *exec.ExitError
		switch {
		case err == nil:
			sb.MustNSNet("down", "/run/w.nsnet") // it finished first
		case errors.As(err, &ee) && ee.ProcessState.Sys().(syscall.WaitStatus).Signaled():
			// Dead of the signal: it came before up asked for signals,
			// before anything changed (down finds nothing to undo).
			sb.MustNSNet("down", "/run/w.nsnet")
		default:
			interrupted++
			if !strings.Contains(stderr.String(), "rolled back") {
				t.Fatalf("SIGTERM at %v (seed %d): %v: %s", delay, seed, err, stderr.String())
			}
		}
		if after := st(); after != before {
			t.Fatalf("SIGTERM at %v (seed %d, up %v) left changes\n%s\n%s", delay, seed, err, stderr.String(), lineDiff(before, after))
		}
		if out := sb.Must("sh", "-c", "ls -A /run/nsnet/up 2>/dev/null; true"); out != "" {
			t.Fatalf("journal left (SIGTERM at %v, up %v): %q", delay, err, out)
		}
	}
	t.Logf("a full up takes %v; %d runs interrupted; seed %d", full, interrupted, seed)
}
