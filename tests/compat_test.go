package tests

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
)

// The compatibility corpus (tests/compat/*.txt) is a list of ip command
// forms collected from real scripts. Each file runs line by line in two
// fresh sandboxes, one with iproute2's ip and one with nsnet installed as
// ip (a symlink named ip first on PATH); every line's stdout, stderr and
// exit status must be the same after masking what differs from run to run
// (random MACs and the addresses made from them, lifetimes, timestamps).
//
// A file's lines:
//
//	# comment
//	@source WHERE          where the following forms come from
//	@differs WHY           the next form is a documented difference (docs/COMPAT.md)
//	@after-merge neighrule the next form needs the neigh/rule objects: skipped
//	@setup                 the next line is set-up: run, not counted;
//	                       its exit status must be ip's
//	anything else          a shell command line, run with sh -c
//
// tests/compat/scripts/*.sh are whole scripts run the same way.

// compatForm is one line of a corpus file.
type compatForm struct {
	file, source, line string
	differs, skip      string
	setup              bool
}

func readCorpus(t *testing.T, path string) []compatForm {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var forms []compatForm
	var next compatForm
	next.file = filepath.Base(path)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		switch {
		case l == "" || strings.HasPrefix(l, "#"):
		case strings.HasPrefix(l, "@source "):
			next.source = strings.TrimPrefix(l, "@source ")
		case strings.HasPrefix(l, "@differs "):
			next.differs = strings.TrimPrefix(l, "@differs ")
		case strings.HasPrefix(l, "@after-merge "):
			next.skip = strings.TrimPrefix(l, "@after-merge ")
		case l == "@setup":
			next.setup = true
		case strings.HasPrefix(l, "@"):
			t.Fatalf("%s: unknown directive %q", path, l)
		default:
			fm := next
			fm.line = l
			forms = append(forms, fm)
			next.differs, next.skip, next.setup = "", "", false
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return forms
}

// compatEnabled are the @after-merge tags whose forms run; the lead sets
// NSNET_COMPAT_ENABLE=neighrule once those objects are merged.
func compatEnabled(tag string) bool {
	for _, w := range strings.Split(os.Getenv("NSNET_COMPAT_ENABLE"), ",") {
		if w == tag {
			return true
		}
	}
	return false
}

var (
	maskMAC      = regexp.MustCompile(`(^|[^0-9a-f:])((?:[0-9a-f]{2}:){5}[0-9a-f]{2})\b`)
	maskLL       = regexp.MustCompile(`fe80::[0-9a-f:]+`)
	maskLifetime = regexp.MustCompile(`(valid_lft|preferred_lft|"valid_life_time"|"preferred_life_time")(:| )[0-9]+`)
	maskStamp    = regexp.MustCompile(`\[?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\]?|Timestamp: .*usec`)
	maskTimer    = regexp.MustCompile(`(_timer"?:?) *[0-9]+\.[0-9]+`)
	maskBridgeID = regexp.MustCompile(`\b[0-9a-f]{4}\.[0-9a-f]{1,2}(:[0-9a-f]{1,2}){5}\b`)
	maskPing     = regexp.MustCompile(`time[=< ][0-9.]+ ?ms|rtt min/avg/max/mdev = .*`)
)

// compatMask hides what differs between two runs of the same commands.
func compatMask(s string) string {
	s = maskBridgeID.ReplaceAllString(s, "BRIDGE-ID")
	s = maskMAC.ReplaceAllStringFunc(s, func(m string) string {
		sub := maskMAC.FindStringSubmatch(m)
		if sub[2] == "00:00:00:00:00:00" || sub[2] == "ff:ff:ff:ff:ff:ff" {
			return m
		}
		return sub[1] + "MAC"
	})
	s = maskLL.ReplaceAllString(s, "fe80::LL")
	s = maskLifetime.ReplaceAllString(s, "${1}${2}N")
	s = maskStamp.ReplaceAllString(s, "STAMP")
	s = maskTimer.ReplaceAllString(s, "${1} T")
	s = maskPing.ReplaceAllString(s, "TIME")
	return sortLinkLocalRuns(s)
}

// sortLinkLocalRuns sorts each run of adjacent fe80:: routes, in text
// (one per line) and in JSON (one per array element). The kernel lists
// the fe80::/64 route of every interface in the order the interfaces came
// up, which in the twin sandboxes is a matter of timing, not of which
// program lists them.
func sortLinkLocalRuns(s string) string {
	lines := strings.Split(s, "\n")
	sortRuns(lines, func(l string) bool { return strings.HasPrefix(l, "fe80::") })
	for i, l := range lines {
		if strings.HasPrefix(l, "[{") && strings.HasSuffix(l, "}]") {
			elems := strings.Split(l[2:len(l)-2], "},{")
			sortRuns(elems, func(e string) bool { return strings.HasPrefix(e, `"dst":"fe80::`) })
			lines[i] = "[{" + strings.Join(elems, "},{") + "}]"
		}
	}
	return strings.Join(lines, "\n")
}

// sortRuns sorts, in place, each maximal run of adjacent items that in
// reports true for.
func sortRuns(items []string, in func(string) bool) {
	for i := 0; i < len(items); {
		j := i
		for j < len(items) && in(items[j]) {
			j++
		}
		if j > i {
			slices.Sort(items[i:j])
			i = j
		} else {
			i++
		}
	}
}

// compatRun runs lines in a fresh sandbox with ip found first in dir
// (the host's ip when dir is empty).
func compatRun(t *testing.T, dir string, lines []string) []Result {
	sb := NewSandbox(t)
	path := os.Getenv("PATH")
	if dir != "" {
		path = dir + ":" + path
	}
	var out []Result
	for _, l := range lines {
		out = append(out, sb.Run("env", "PATH="+path, "sh", "-c", l))
	}
	return out
}

// compatBinDir makes a directory holding ip -> nsnet.
func compatBinDir(t *testing.T) string {
	dir := t.TempDir()
	if err := os.Symlink(nsnetBin, filepath.Join(dir, "ip")); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// compatTwin runs lines with ip and with nsnet as ip, side by side.
func compatTwin(t *testing.T, lines []string) (want, got []Result) {
	dir := compatBinDir(t)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		want = compatRun(t, "", lines)
	}()
	got = compatRun(t, dir, lines)
	wg.Wait()
	return want, got
}

func compatDiff(want, got Result) string {
	var b strings.Builder
	if w, g := compatMask(want.Stdout), compatMask(got.Stdout); w != g {
		fmt.Fprintf(&b, "stdout:\n  ip:    %q\n  nsnet: %q\n", w, g)
	}
	if w, g := compatMask(want.Stderr), compatMask(got.Stderr); w != g {
		fmt.Fprintf(&b, "stderr:\n  ip:    %q\n  nsnet: %q\n", w, g)
	}
	if want.Code != got.Code {
		fmt.Fprintf(&b, "exit: ip %d, nsnet %d\n", want.Code, got.Code)
	}
	return b.String()
}

func TestCompat(t *testing.T) {
	files, _ := filepath.Glob("compat/*.txt")
	if len(files) == 0 {
		t.Fatal("no corpus in tests/compat")
	}
	var mu sync.Mutex
	total, pass, documented, skipped := 0, 0, 0, 0
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			forms := readCorpus(t, file)
			var lines []string
			var run []compatForm
			for _, f := range forms {
				if f.skip != "" && !compatEnabled(f.skip) {
					mu.Lock()
					skipped++
					mu.Unlock()
					continue
				}
				lines = append(lines, f.line)
				run = append(run, f)
			}
			want, got := compatTwin(t, lines)
			for i, f := range run {
				if f.setup {
					if want[i].Code != 0 {
						t.Errorf("set-up line failed with ip: %s\n%s", f.line, want[i])
					}
					// Its output is not compared, but the later lines
					// see what it made: nsnet must make it too.
					if got[i].Code != want[i].Code {
						t.Errorf("set-up line: exit status %d with nsnet as ip, %d with ip: %s\n%s", got[i].Code, want[i].Code, f.line, got[i])
					}
					continue
				}
				d := compatDiff(want[i], got[i])
				mu.Lock()
				total++
				switch {
				case d == "":
					pass++
				case f.differs != "":
					documented++
				}
				mu.Unlock()
				switch {
				case d != "" && f.differs == "":
					t.Errorf("%s (source: %s)\n%s", f.line, f.source, d)
				case d == "" && f.differs != "":
					t.Logf("%s: marked @differs (%s) but now the same", f.line, f.differs)
				}
			}
		})
	}
	t.Logf("compat corpus: %d forms, %d the same, %d documented differences, %d waiting for a merge", total, pass, documented, skipped)
}

// TestCompatScripts runs whole scripts with ip and with nsnet as ip and
// compares what they print, their exit status, and the state they leave
// (listed afterwards by iproute2's ip in both sandboxes). The scripts are
// tests/compat/scripts/*.sh and, when NSNET_COMPAT_SCRIPTS names a
// directory, the *.sh files there (public scripts fetched unmodified; see
// docs/COMPAT.md).
func TestCompatScripts(t *testing.T) {
	files, _ := filepath.Glob("compat/scripts/*.sh")
	if dir := os.Getenv("NSNET_COMPAT_SCRIPTS"); dir != "" {
		more, _ := filepath.Glob(filepath.Join(dir, "*.sh"))
		files = append(files, more...)
	}
	if len(files) == 0 {
		t.Fatal("no scripts in tests/compat/scripts")
	}
	realIP, err := exec.LookPath("ip")
	if err != nil {
		t.Fatal(err)
	}
	// The state a script leaves, listed by iproute2's ip whatever ip the
	// script ran with; link states settle first (linkwatch), and so does
	// DAD: the local route of an IPv6 address appears when its DAD ends,
	// which for a link brought up last can take over 2 s (a random delay
	// of up to 1 s, then 1 s of probing), so the listing waits (at most
	// 10 s more) until no address of any namespace is tentative.
	dump := `sleep 2; for i in $(seq 50); do t=; for n in "" $(ls /run/netns); do ` +
		`t=$t$(` + realIP + ` ${n:+-n $n} -6 addr show tentative); done; [ -z "$t" ] && break; sleep 0.2; done; ` +
		`for n in "" $(ls /run/netns); do echo "== netns $n"; ` +
		realIP + ` ${n:+-n $n} -br link; ` + realIP + ` ${n:+-n $n} -br addr; ` +
		realIP + ` ${n:+-n $n} route show table all; done`
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			abs, err := filepath.Abs(file)
			if err != nil {
				t.Fatal(err)
			}
			run := `cd "$(mktemp -d)" && exec bash ` + abs
			want, got := compatTwin(t, []string{run, dump})
			if d := compatDiff(want[0], got[0]); d != "" {
				t.Errorf("%s\n%s", file, d)
			}
			// The kernel orders some routes (IPv6 local ones) by when DAD
			// ends: the state is compared as a set of lines.
			want[1].Stdout, got[1].Stdout = sortedLines(compatMask(want[1].Stdout)), sortedLines(compatMask(got[1].Stdout))
			if d := compatDiff(want[1], got[1]); d != "" {
				t.Errorf("%s: the state it left differs\n%s", file, d)
			}
		})
	}
}

// sortedLines is s with its lines sorted, each led by the "== netns"
// header it came under, so that no line can move between namespaces.
func sortedLines(s string) string {
	var l []string
	head := ""
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, "== netns") {
			head = line
		}
		l = append(l, head+" | "+line)
	}
	sort.Strings(l)
	return strings.Join(l, "\n")
}

// TestSortLinkLocalRuns: two listings that differ only in the order of
// adjacent fe80:: routes compare equal after masking; any other order
// difference still shows.
func TestSortLinkLocalRuns(t *testing.T) {
	a := "2001:db8::/64 dev m0 proto kernel\nfe80::/64 dev m1 proto kernel\nfe80::/64 dev m0 proto kernel\n"
	b := "2001:db8::/64 dev m0 proto kernel\nfe80::/64 dev m0 proto kernel\nfe80::/64 dev m1 proto kernel\n"
	if compatMask(a) != compatMask(b) {
		t.Errorf("text: %q and %q differ after masking", compatMask(a), compatMask(b))
	}
	ja := `[{"dst":"2001:db8::/64","dev":"m0"},{"dst":"fe80::/64","dev":"m1"},{"dst":"fe80::/64","dev":"m0"}]` + "\n"
	jb := `[{"dst":"2001:db8::/64","dev":"m0"},{"dst":"fe80::/64","dev":"m0"},{"dst":"fe80::/64","dev":"m1"}]` + "\n"
	if compatMask(ja) != compatMask(jb) {
		t.Errorf("JSON: %q and %q differ after masking", compatMask(ja), compatMask(jb))
	}
	c := "fe80::/64 dev m0 proto kernel\n2001:db8::/64 dev m0 proto kernel\n"
	d := "2001:db8::/64 dev m0 proto kernel\nfe80::/64 dev m0 proto kernel\n"
	if compatMask(c) == compatMask(d) {
		t.Error("routes in another order than fe80:: runs compare equal")
	}
}
