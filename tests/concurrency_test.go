package tests

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
)

// concLines are the commands worker i runs: a namespace with a veth pair
// into it, addresses on both ends, a published port of its own and the
// masquerade rule every worker shares.
func concLines(i int) []string {
	return []string{
		fmt.Sprintf("netns add w%02d", i),
		fmt.Sprintf("link add h%02d type veth peer name e%02d netns w%02d", i, i, i),
		fmt.Sprintf("addr add 198.51.100.%d/32 dev h%02d", i+1, i),
		fmt.Sprintf("-n w%02d addr add 192.0.2.%d/24 dev e%02d", i, i+1, i),
		"nat masquerade add 192.0.2.0/24",
		fmt.Sprintf("nat publish add %d/tcp to 192.0.2.%d:80", 8000+i, i+1),
	}
}

// concUndo deletes what concLines(i) made, except the shared masquerade.
func concUndo(i int) []string {
	return []string{
		fmt.Sprintf("nat publish del %d/tcp to 192.0.2.%d:80", 8000+i, i+1),
		fmt.Sprintf("link del h%02d", i),
		fmt.Sprintf("netns del w%02d", i),
	}
}

// concState is the part of the sandbox the workers change: namespace
// names, nsfs mounts, links and addresses here and in each namespace, and
// the nsnet table's rules (by comment, counted).
func concState(t *testing.T, sb *Sandbox) string {
	t.Helper()
	return sb.MustSh(`ls -A /run/netns | sort | xargs echo
echo mounts $(grep -c ' /run/netns/.* - nsfs ' /proc/self/mountinfo)
ip -o link show | grep -o 'h[0-9]*@' | sort | xargs echo
ip -o -4 addr show | grep -o '198.51.100.[0-9]*/32' | sort -V | xargs echo
for n in $(ls /run/netns); do echo "$n: $(ip -n $n -o -4 addr show | grep -o '192.0.2.[0-9]*/24')"; done
nft list ruleset 2>/dev/null | grep -o 'comment "[^"]*"' | sort | uniq -c`)
}

// wantConcState is concState after workers in keep applied concLines.
func wantConcState(keep []int) string {
	var ns, links, addrs, inner, rules []string
	for _, i := range keep {
		ns = append(ns, fmt.Sprintf("w%02d", i))
		links = append(links, fmt.Sprintf("h%02d@", i))
		addrs = append(addrs, fmt.Sprintf("198.51.100.%d/32", i+1))
		inner = append(inner, fmt.Sprintf("w%02d: 192.0.2.%d/24\n", i, i+1))
		rules = append(rules, fmt.Sprintf("      2 comment \"nsnet publish %d/tcp to 192.0.2.%d:80\"\n", 8000+i, i+1))
	}
	if len(keep) > 0 {
		rules = append(rules, "      1 comment \"nsnet masquerade 192.0.2.0/24\"\n")
	}
	sort.Strings(rules)
	return fmt.Sprintf("%s\nmounts %d\n%s\n%s\n%s%s", strings.Join(ns, " "), len(keep),
		strings.Join(links, " "), strings.Join(addrs, " "), strings.Join(inner, ""), strings.Join(rules, ""))
}

// TestConcurrency runs 20 workers at once, each with its own namespace,
// veth pair, addresses and published port, and all sharing one masquerade
// rule. They use every way in: one command per process, -batch, up and
// down (twice), with readers dumping links, addresses and rules all along.
// Then all 20 undo their work at once. The state must be exactly what was
// intended each time: no duplicate nft rule, no leaked nsfs mount.
func TestConcurrency(t *testing.T) {
	sb := NewSandbox(t)
	const workers = 20
	run := func(i int, undo bool) error {
		lines := concLines(i)
		file := fmt.Sprintf("/run/conc-%02d.nsnet", i)
		if undo {
			switch i % 4 {
			case 1: // was applied by up: down undoes it, shared rule and all
				if r := sb.NSNet("down", file); r.Code != 0 {
					return fmt.Errorf("down: %s", r)
				}
				return nil
			default:
				lines = concUndo(i)
			}
		}
		switch {
		case i%4 == 1 && !undo:
			writeFile(t, sb, file, strings.Join(lines, "\n")+"\n")
			for _, c := range []string{"up", "down", "up", "up"} {
				if r := sb.NSNet(c, file); r.Code != 0 {
					return fmt.Errorf("%s: %s", c, r)
				}
			}
		case i%4 == 2:
			bf := fmt.Sprintf("/run/conc-batch-%02d-%v.nsnet", i, undo)
			writeFile(t, sb, bf, strings.Join(lines, "\n")+"\n")
			if r := sb.NSNet("-batch", bf); r.Code != 0 {
				return fmt.Errorf("-batch: %s", r)
			}
		default:
			for _, l := range lines {
				if r := sb.NSNet(strings.Fields(l)...); r.Code != 0 {
					return fmt.Errorf("%s: %s", l, r)
				}
			}
		}
		// Readers: dumps must succeed while the others churn.
		for _, args := range [][]string{{"-j", "link", "show"}, {"-j", "addr", "show"}, {"nat", "show"}, {"netns", "list"}} {
			if r := sb.NSNet(args...); r.Code != 0 {
				return fmt.Errorf("%v: %s", args, r)
			}
		}
		return nil
	}
	all := func(undo bool) {
		var wg sync.WaitGroup
		errs := make([]error, workers)
		for i := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = run(i, undo)
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("worker %d: %v", i, err)
			}
		}
		if t.Failed() {
			t.FailNow()
		}
	}
	all(false)
	var keep []int
	for i := range workers {
		keep = append(keep, i)
	}
	if got, want := concState(t, sb), wantConcState(keep); got != want {
		t.Fatalf("after 20 workers applied:\n%s\nwant:\n%s", got, want)
	}
	all(true)
	sb.NSNet("nat", "masquerade", "del", "192.0.2.0/24") // the up workers' down may have taken it already
	if got, want := concState(t, sb), wantConcState(nil); got != want {
		t.Fatalf("after 20 workers undid their work:\n%s\nwant:\n%s", got, want)
	}
}
