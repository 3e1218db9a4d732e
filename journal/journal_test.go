package journal

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"
)

func rec(line int, undo ...string) Record {
	return Record{Line: line, Hash: LineHash("line"), Kind: "sysctl", NS: "r1", Undo: undo}
}

func TestAppendReopenUndone(t *testing.T) {
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan")
	j, err := Open(context.Background(), dir, plan, true)
	if err != nil {
		t.Fatal(err)
	}
	s1, err := j.Append(rec(1, "sysctl", "-w", "net.ipv4.ip_forward=0"))
	if err != nil {
		t.Fatal(err)
	}
	weird := rec(2, "link", "set", "dev", "a b\n\x00\"'\\", "alias", "é\r")
	s2, _ := j.Append(weird)
	if err := j.MarkUndone(s1); err != nil {
		t.Fatal(err)
	}
	j.Close()
	j, err = Open(context.Background(), dir, plan, false)
	if err != nil {
		t.Fatal(err)
	}
	got := j.Records()
	weird.Seq = s2
	if len(got) != 1 || !reflect.DeepEqual(got[0], weird) {
		t.Fatalf("records after reopen: %+v, want only %+v", got, weird)
	}
	// Numbering goes on after a reopen.
	s3, _ := j.Append(rec(3, "x"))
	if s3 != s2+1 {
		t.Fatalf("seq %d after %d", s3, s2)
	}
	if err := j.Remove(); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 { // the plan file is not there; only nothing
		for _, e := range ents {
			if e.Name() != "plan" {
				t.Fatalf("left after Remove: %s", e.Name())
			}
		}
	}
}

func TestTornLastLineDropped(t *testing.T) {
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan")
	j, _ := Open(context.Background(), dir, plan, true)
	j.Append(rec(1, "a"))
	path := j.Path()
	j.Close()
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`R 2 5 ` + LineHash("x") + ` "sysctl" "" "half`)
	f.Close()
	j, err := Open(context.Background(), dir, plan, true)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(j.Records()); n != 1 {
		t.Fatalf("%d records, want 1 (the torn one dropped)", n)
	}
	j.Append(rec(2, "b"))
	j.Close()
	j, err = Open(context.Background(), dir, plan, false)
	if err != nil || len(j.Records()) != 2 {
		t.Fatalf("after append past a torn line: %v %+v", err, j)
	}
	j.Close()
}

func TestRefusesUnsafePaths(t *testing.T) {
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan")
	path := filepath.Join(dir, Key(plan))
	target := filepath.Join(dir, "target")
	os.WriteFile(target, []byte("keep"), 0o600)
	cases := map[string]func() error{
		"a symbolic link": func() error { return os.Symlink(target, path) },
		"a FIFO":          func() error { return syscall.Mkfifo(path, 0o600) },
		"a directory":     func() error { return os.Mkdir(path, 0o700) },
		"zero link":       func() error { return os.Symlink("/dev/zero", path) },
	}
	for name, plant := range cases {
		os.RemoveAll(path)
		if err := plant(); err != nil {
			t.Fatal(err)
		}
		for _, create := range []bool{true, false} {
			done := make(chan error, 1)
			go func() {
				_, err := Open(context.Background(), dir, plan, create)
				done <- err
			}()
			select {
			case err := <-done:
				if !errors.Is(err, ErrUnsafe) {
					t.Errorf("%s (create %v): %v, want ErrUnsafe", name, create, err)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("%s: Open hangs", name)
			}
		}
	}
	if b, _ := os.ReadFile(target); string(b) != "keep" {
		t.Fatalf("the link's target was written: %q", b)
	}
	// The lock file too.
	os.RemoveAll(path)
	os.Remove(path + ".lock")
	if err := os.Symlink(target, path+".lock"); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(context.Background(), dir, plan, true); !errors.Is(err, ErrUnsafe) {
		t.Fatalf("symlinked lock: %v", err)
	}
}

func TestRefusesBadContent(t *testing.T) {
	h := LineHash("x")
	hdr := header("/p")
	for name, text := range map[string]string{
		"no header":      "R 1 1 " + h + ` "k" "" "a"` + "\n",
		"old format":     "3\tlink delete dev v0\n",
		"other version":  `nsnet-journal 1 "/p"` + "\n",
		"other file":     `nsnet-journal 1 "/q"` + "\n",
		"bad seq":        hdr + "R 0 1 " + h + ` "k" "" "a"` + "\n",
		"repeated seq":   hdr + "R 1 1 " + h + ` "k" "" "a"` + "\nR 1 1 " + h + ` "k" "" "a"` + "\n",
		"bad line":       hdr + "R 1 -1 " + h + ` "k" "" "a"` + "\n",
		"bad hash":       hdr + `R 1 1 zz "k" "" "a"` + "\n",
		"unquoted":       hdr + "R 1 1 " + h + ` "k" "" a` + "\n",
		"no undo":        hdr + "R 1 1 " + h + ` "k" ""` + "\n",
		"undone of none": hdr + "U 7\n",
		"unknown entry":  hdr + "X\n",
		"long line":      hdr + strings.Repeat("a", MaxRecord+2) + "\n",
		"long tail":      hdr + strings.Repeat("a", MaxRecord+2),
	} {
		if _, _, _, err := Parse([]byte(text), "/p"); !errors.Is(err, ErrUnsafe) {
			t.Errorf("%s: %v, want ErrUnsafe", name, err)
		}
	}
}

func TestTooLargeRefused(t *testing.T) {
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan")
	path := filepath.Join(dir, Key(plan))
	f, _ := os.Create(path)
	f.Truncate(MaxSize + 1)
	f.Close()
	if _, err := Open(context.Background(), dir, plan, false); !errors.Is(err, ErrUnsafe) {
		t.Fatalf("%v", err)
	}
}

func TestLockWaitsAndCancels(t *testing.T) {
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan")
	j, err := Open(context.Background(), dir, plan, true)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := Open(ctx, dir, plan, true); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second Open while locked: %v, want it to wait until cancelled", err)
	}
	got := make(chan *Journal, 1)
	go func() {
		j2, err := Open(context.Background(), dir, plan, true)
		if err != nil {
			t.Error(err)
		}
		got <- j2
	}()
	select {
	case <-got:
		t.Fatal("second Open did not wait")
	case <-time.After(100 * time.Millisecond):
	}
	// The holder removes the journal and its lock: the waiter starts over
	// on a new lock file, and sees an empty journal.
	j.Append(rec(1, "a"))
	j.Remove()
	j2 := <-got
	if j2 == nil || len(j2.Records()) != 0 {
		t.Fatalf("after the holder removed the journal: %+v", j2)
	}
	j2.Close()
}

func TestMissingDirWithoutCreate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "none")
	j, err := Open(context.Background(), dir, "plan", false)
	if err != nil || j.Live() {
		t.Fatalf("%v %v", j, err)
	}
	if _, err := j.Append(rec(1, "a")); err == nil {
		t.Fatal("Append on a journal that was not created")
	}
	j.Close()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatal("Open without create made the directory")
	}
}

// FuzzParse: the journal reader never panics; what it accepts formats
// back to the same records.
func FuzzParse(f *testing.F) {
	h := LineHash("x")
	f.Add([]byte(header("/p") + "R 1 2 " + h + ` "sysctl" "r1" "sysctl" "-w" "a=1"` + "\nU 1\n"))
	f.Add([]byte(header("/p") + "R 1 2 " + h + ` "k" "" "\x00\n"` + "\nR 2 3 " + h + ` "k" "" "a" "b"`))
	f.Add([]byte("3\tlink delete dev v0\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, undone, n, err := Parse(b, "")
		if err != nil {
			return
		}
		if n > len(b) {
			t.Fatalf("complete %d > %d", n, len(b))
		}
		var out strings.Builder
		out.WriteString(header("/p"))
		for _, r := range recs {
			out.WriteString(Format(r))
		}
		again, _, _, err := Parse([]byte(out.String()), "/p")
		if err != nil || len(again) != len(recs) {
			t.Fatalf("formatted records do not parse back: %v", err)
		}
		for i := range recs {
			if !reflect.DeepEqual(recs[i], again[i]) {
				t.Fatalf("record %d: %+v became %+v", i, recs[i], again[i])
			}
		}
		for s := range undone {
			found := false
			for _, r := range recs {
				found = found || r.Seq == s
			}
			if !found {
				t.Fatalf("undone %d of no record", s)
			}
		}
	})
}

// A journal of the older format (version 1, undos as words) is refused as
// ErrVersion, so that the caller can say to remove it.
func TestRefusesOtherVersion(t *testing.T) {
	_, _, _, err := Parse([]byte(`nsnet-journal 1 "/p"`+"\n"), "/p")
	if !errors.Is(err, ErrVersion) || !errors.Is(err, ErrUnsafe) {
		t.Fatal(err)
	}
}

// TestAppendRefusesPastMaxSize fills a journal up to MaxSize: the record
// that would pass it is refused and not written, before and after a
// reopen (the size is counted from what was read and written, not asked
// of the file on each append).
func TestAppendRefusesPastMaxSize(t *testing.T) {
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan")
	j, err := Open(context.Background(), dir, plan, true)
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", MaxRecord-200)
	n := 0
	for {
		if _, err := j.Append(rec(1, big)); err != nil {
			if !strings.Contains(err.Error(), "full") {
				t.Fatal(err)
			}
			break
		}
		n++
	}
	st, err := os.Stat(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() > MaxSize || st.Size()+int64(len(Format(rec(1, big)))) <= MaxSize {
		t.Fatalf("refused at %d bytes after %d records: the next would fit in %d", st.Size(), n, MaxSize)
	}
	j.Close()
	j, err = Open(context.Background(), dir, plan, true)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if len(j.Records()) != n {
		t.Fatalf("%d records after reopen, want %d", len(j.Records()), n)
	}
	if _, err := j.Append(rec(2, big)); err == nil || !strings.Contains(err.Error(), "full") {
		t.Fatalf("append after reopen of a full journal: %v", err)
	}
	if st2, _ := os.Stat(j.Path()); st2.Size() != st.Size() {
		t.Fatalf("a refused record was written: %d -> %d bytes", st.Size(), st2.Size())
	}
	// What fits still goes in.
	if room := MaxSize - st.Size(); room > 200 {
		small := strings.Repeat("y", int(room)-150)
		if _, err := j.Append(rec(3, small)); err != nil && int64(len(Format(rec(3, small)))) <= room {
			t.Fatalf("a record of %d bytes in %d bytes of room: %v", len(Format(rec(3, small))), room, err)
		}
	}
}
