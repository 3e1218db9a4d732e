// Package journal keeps the undo records of an applied plan file (the
// journal behind `nsnet up` and `nsnet down`), with these rules:
//
//   - one journal per plan file, in a directory of its own; its first line
//     is a version header naming the file, so a journal of another version,
//     another file or anything else is refused whole;
//   - a journal is used only under an exclusive lock (flock on a lock file
//     next to it): a second user waits, and the wait ends on cancellation;
//   - the journal and its lock are opened with O_NOFOLLOW|O_NONBLOCK and
//     must be regular files: a symbolic link, FIFO, device, socket or
//     directory is refused before anything is read or written;
//   - reads are bounded (MaxSize for the file, MaxRecord for one line);
//   - a record is typed: the plan line it undoes (number and content hash),
//     the undo's kind and its fields (package plan writes a step's JSON;
//     version 1 held command-line words and is refused as ErrVersion).
//     The caller validates each record against its plan file's own steps
//     before running anything; this package only keeps records intact;
//   - records are appended with one write(2) each, before the step runs, so
//     a kill -9 leaves at most a torn last line, which is dropped;
//   - an undo that ran is marked undone (by record number), so a rollback
//     that failed part-way, or a `down` killed part-way, leaves exactly the
//     records still to undo.
package journal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Version is the journal format written and read.
const Version = 2

// MaxSize bounds a journal file; a larger one is refused unread.
const MaxSize = 64 << 20

// MaxRecord bounds one record line.
const MaxRecord = 64 << 10

const magic = "nsnet-journal"

// Record is one undo: what Append writes and Records returns.
type Record struct {
	Seq  int      // record number in the journal, from 1 (set by Append)
	Line int      // line number of the step in the plan file
	Hash string   // LineHash of the step's text
	Kind string   // the undo's kind, as the caller names it
	NS   string   // namespace the undo runs in, when the caller keeps it apart ("" otherwise)
	Undo []string // the undo, as the caller encodes it (plan: one JSON object)
}

// LineHash is the content hash records carry of their plan line.
func LineHash(text string) string {
	h := fnv.New128a()
	h.Write([]byte(text))
	return fmt.Sprintf("%x", h.Sum(nil))
}

// Key is the journal name of plan file path (its absolute path, hashed).
func Key(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	h := fnv.New64a()
	h.Write([]byte(abs))
	return strconv.FormatUint(h.Sum64(), 16)
}

// ErrUnsafe is wrapped by the errors of a journal or lock path that is
// not a regular file (or is a symbolic link), and of a journal that is too
// large or not a journal of this version and file.
var ErrUnsafe = errors.New("unsafe journal")

// ErrVersion is wrapped (with ErrUnsafe) by the error of a journal of
// another format version.
var ErrVersion = errors.New("another journal version")

// Journal is an open, locked journal.
type Journal struct {
	path, plan string
	lock, f    *os.File
	recs       []Record
	undone     map[int]bool
	seq        int
	// size is the file's length: only the holder of the lock writes it,
	// so Append bounds it without asking the kernel.
	size int64
}

// Path returns the journal file's path.
func (j *Journal) Path() string { return j.path }

// Open locks and reads the journal of plan file plan in dir, waiting for
// another holder of the lock until ctx is done. With create, a missing
// journal is created (and dir with it); without, a missing journal is an
// empty one that Append must not be called on.
func Open(ctx context.Context, dir, plan string, create bool) (*Journal, error) {
	abs, err := filepath.Abs(plan)
	if err != nil {
		return nil, err
	}
	if create {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("journal: %w", err)
		}
	}
	if st, err := os.Lstat(dir); err == nil && !st.IsDir() {
		return nil, fmt.Errorf("journal directory %s: %w: not a directory", dir, ErrUnsafe)
	} else if err != nil && (create || !errors.Is(err, os.ErrNotExist)) {
		return nil, fmt.Errorf("journal: %w", err)
	} else if err != nil {
		return &Journal{plan: abs, undone: map[int]bool{}}, nil
	}
	key := Key(plan)
	j := &Journal{path: filepath.Join(dir, key), plan: abs, undone: map[int]bool{}}
	if j.lock, err = lockFile(ctx, j.path+".lock"); err != nil {
		if _, serr := os.Lstat(j.path); !create && errors.Is(serr, os.ErrNotExist) &&
			(errors.Is(err, syscall.EROFS) || errors.Is(err, syscall.EACCES)) {
			// No journal, and no lock can be made (a read-only
			// directory): there is nothing to read or to protect.
			return &Journal{plan: abs, undone: map[int]bool{}}, nil
		}
		return nil, err
	}
	flags := os.O_RDWR | os.O_APPEND
	if create {
		flags |= os.O_CREATE
	}
	j.f, err = openRegular(j.path, flags)
	if errors.Is(err, os.ErrNotExist) && !create {
		return j, nil
	}
	if err != nil {
		j.lock.Close()
		return nil, err
	}
	if err := j.load(); err != nil {
		j.Close()
		return nil, err
	}
	return j, nil
}

// openRegular opens path without following a symbolic link, without
// blocking on a FIFO, and only if it is a regular file: anything else is
// refused by lstat before it is opened (a device is never opened), and
// checked again on the open file.
func openRegular(path string, flags int) (*os.File, error) {
	if st, err := os.Lstat(path); err == nil {
		if err := regular(path, st.Mode()); err != nil {
			return nil, err
		}
	}
	f, err := os.OpenFile(path, flags|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, fmt.Errorf("journal %s: %w: a symbolic link", path, ErrUnsafe)
		}
		return nil, fmt.Errorf("journal: %w", err)
	}
	st, err := f.Stat()
	if err == nil {
		err = regular(path, st.Mode())
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func regular(path string, m os.FileMode) error {
	if m.IsRegular() {
		return nil
	}
	what := "not a regular file"
	switch {
	case m&os.ModeSymlink != 0:
		what = "a symbolic link"
	case m&os.ModeNamedPipe != 0:
		what = "a FIFO"
	case m&os.ModeSocket != 0:
		what = "a socket"
	case m&os.ModeDevice != 0:
		what = "a device"
	case m.IsDir():
		what = "a directory"
	}
	return fmt.Errorf("journal %s: %w: %s", path, ErrUnsafe, what)
}

// lockFile takes an exclusive flock on path (created if missing), polling
// so that cancellation ends the wait. The lock file may be removed by its
// holder (Remove): a lock taken on a file that is no longer at path is
// dropped and taken again.
func lockFile(ctx context.Context, path string) (*os.File, error) {
	for {
		f, err := openRegular(path, os.O_RDWR|os.O_CREATE)
		if err != nil {
			return nil, err
		}
		for {
			err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
			if err != syscall.EWOULDBLOCK && err != syscall.EINTR {
				break
			}
			select {
			case <-ctx.Done():
				f.Close()
				return nil, fmt.Errorf("waiting for the journal lock %s: %w", path, ctx.Err())
			case <-time.After(20 * time.Millisecond):
			}
		}
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("journal lock %s: %w", path, err)
		}
		var a, b syscall.Stat_t
		if syscall.Fstat(int(f.Fd()), &a) == nil && syscall.Lstat(path, &b) == nil && a.Dev == b.Dev && a.Ino == b.Ino {
			return f, nil
		}
		f.Close()
	}
}

// header is the first line of a journal of plan file plan.
func header(plan string) string {
	return magic + " " + strconv.Itoa(Version) + " " + strconv.Quote(plan) + "\n"
}

// load reads the journal; an empty file gets its header.
func (j *Journal) load() error {
	st, err := j.f.Stat()
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	if st.Size() > MaxSize {
		return fmt.Errorf("journal %s: %w: %d bytes (the limit is %d)", j.path, ErrUnsafe, st.Size(), MaxSize)
	}
	b, err := io.ReadAll(io.LimitReader(io.NewSectionReader(j.f, 0, MaxSize+1), MaxSize+1))
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	if len(b) > MaxSize {
		return fmt.Errorf("journal %s: %w: over %d bytes", j.path, ErrUnsafe, MaxSize)
	}
	if len(b) == 0 {
		n, err := j.f.WriteString(header(j.plan))
		j.size = int64(n)
		return err
	}
	j.size = int64(len(b))
	recs, undone, complete, err := Parse(b, j.plan)
	if err != nil {
		return fmt.Errorf("journal %s: %w", j.path, err)
	}
	if complete < len(b) {
		// A torn last line (a kill -9 mid-write): drop it, so that the
		// next record starts on a line of its own.
		if err := j.f.Truncate(int64(complete)); err != nil {
			return fmt.Errorf("journal: %w", err)
		}
		j.size = int64(complete)
	}
	j.recs, j.undone = recs, undone
	for _, r := range recs {
		j.seq = max(j.seq, r.Seq)
	}
	return nil
}

// Parse reads journal text b of plan file plan (an absolute path; "" takes
// any). It returns every record, the record numbers marked undone, and how
// many bytes of b are complete lines (a torn last line is not an error).
// A bad header, an over-long or malformed line, a duplicate or
// out-of-order record number, or an undone mark of no record, is an error
// wrapping ErrUnsafe.
func Parse(b []byte, plan string) (recs []Record, undone map[int]bool, complete int, err error) {
	undone = map[int]bool{}
	bad := func(n int, format string, args ...any) error {
		return fmt.Errorf("%w: line %d: %s", ErrUnsafe, n, fmt.Sprintf(format, args...))
	}
	seen := map[int]bool{}
	last := 0
	for n := 1; complete < len(b); n++ {
		i := bytes.IndexByte(b[complete:], '\n')
		if i < 0 {
			if len(b)-complete > MaxRecord {
				return nil, nil, 0, bad(n, "longer than %d bytes", MaxRecord)
			}
			break
		}
		line := string(b[complete : complete+i])
		if len(line) > MaxRecord {
			return nil, nil, 0, bad(n, "longer than %d bytes", MaxRecord)
		}
		if n == 1 {
			f := fields(line, 3)
			if len(f) != 3 || f[0] != magic {
				return nil, nil, 0, bad(n, "not an nsnet journal")
			}
			if f[1] != strconv.Itoa(Version) {
				return nil, nil, 0, fmt.Errorf("%w (%w): line %d: journal version %.20q, this nsnet reads version %d", ErrUnsafe, ErrVersion, n, f[1], Version)
			}
			p, err := strconv.Unquote(f[2])
			if err != nil || plan != "" && p != plan {
				return nil, nil, 0, bad(n, "a journal of %.200q, not of %q", f[2], plan)
			}
			complete += i + 1
			continue
		}
		kind, rest, _ := strings.Cut(line, " ")
		switch kind {
		case "R":
			r, err := parseRecord(rest)
			if err != nil {
				return nil, nil, 0, bad(n, "%v", err)
			}
			if r.Seq <= last || seen[r.Seq] {
				return nil, nil, 0, bad(n, "record number %d out of order", r.Seq)
			}
			last = r.Seq
			seen[r.Seq] = true
			recs = append(recs, r)
		case "U":
			s, err := strconv.Atoi(rest)
			if err != nil || !seen[s] {
				return nil, nil, 0, bad(n, "undone mark of no record: %.40q", rest)
			}
			undone[s] = true
		default:
			return nil, nil, 0, bad(n, "unknown entry %.40q", kind)
		}
		complete += i + 1
	}
	if complete == 0 && len(b) > 0 {
		return nil, nil, 0, bad(1, "not an nsnet journal (no complete header)")
	}
	return recs, undone, complete, nil
}

// fields splits s at single spaces into at most n fields.
func fields(s string, n int) []string { return strings.SplitN(s, " ", n) }

// parseRecord reads "SEQ LINE HASH KIND NS WORD..." with NS, KIND and
// the words Go-quoted.
func parseRecord(s string) (Record, error) {
	var r Record
	f := fields(s, 4)
	if len(f) != 4 {
		return r, errors.New("short record")
	}
	var err error
	if r.Seq, err = strconv.Atoi(f[0]); err != nil || r.Seq < 1 {
		return r, fmt.Errorf("bad record number %.20q", f[0])
	}
	if r.Line, err = strconv.Atoi(f[1]); err != nil || r.Line < 1 {
		return r, fmt.Errorf("bad line number %.20q", f[1])
	}
	if len(f[2]) != 32 || strings.Trim(f[2], "0123456789abcdef") != "" {
		return r, fmt.Errorf("bad line hash %.40q", f[2])
	}
	r.Hash = f[2]
	words, err := unquoteAll(f[3])
	if err != nil {
		return r, err
	}
	if len(words) < 3 {
		return r, errors.New("a record needs a kind, a namespace and an undo")
	}
	r.Kind, r.NS, r.Undo = words[0], words[1], words[2:]
	if r.Kind == "" {
		return r, errors.New("empty kind")
	}
	return r, nil
}

// unquoteAll reads space-separated Go-quoted strings.
func unquoteAll(s string) ([]string, error) {
	var out []string
	for s != "" {
		q, err := strconv.QuotedPrefix(s)
		if err != nil || q[0] != '"' {
			return nil, fmt.Errorf("bad quoted word at %.40q", s)
		}
		w, _ := strconv.Unquote(q)
		out = append(out, w)
		s = s[len(q):]
		if s != "" {
			if s[0] != ' ' {
				return nil, fmt.Errorf("bad quoted word at %.40q", s)
			}
			s = s[1:]
			if s == "" {
				return nil, errors.New("trailing space")
			}
		}
	}
	return out, nil
}

// Format returns r as its journal line (with the newline).
func Format(r Record) string {
	var b strings.Builder
	fmt.Fprintf(&b, "R %d %d %s %s %s", r.Seq, r.Line, r.Hash, strconv.Quote(r.Kind), strconv.Quote(r.NS))
	for _, w := range r.Undo {
		b.WriteByte(' ')
		b.WriteString(strconv.Quote(w))
	}
	b.WriteByte('\n')
	return b.String()
}

// Records returns the records not marked undone, oldest first.
func (j *Journal) Records() []Record {
	var out []Record
	for _, r := range j.recs {
		if !j.undone[r.Seq] {
			out = append(out, r)
		}
	}
	return out
}

// Append writes r (numbered next) in one write and returns its number.
func (j *Journal) Append(r Record) (int, error) {
	if j.f == nil {
		return 0, errors.New("journal: not open for writing")
	}
	r.Seq = j.seq + 1
	if len(r.Hash) != 32 || r.Line < 1 || r.Kind == "" || len(r.Undo) == 0 {
		return 0, fmt.Errorf("journal: bad record for line %d", r.Line)
	}
	line := Format(r)
	if len(line) > MaxRecord {
		return 0, fmt.Errorf("journal: the undo of line %d is longer than %d bytes", r.Line, MaxRecord)
	}
	if j.size+int64(len(line)) > MaxSize {
		return 0, fmt.Errorf("journal %s: full (%d bytes)", j.path, MaxSize)
	}
	n, err := j.f.WriteString(line)
	j.size += int64(n)
	if err != nil {
		return 0, fmt.Errorf("journal: %w", err)
	}
	j.seq = r.Seq
	j.recs = append(j.recs, r)
	return r.Seq, nil
}

// MarkUndone records that the undo of record seq ran.
func (j *Journal) MarkUndone(seq int) error {
	if j.f == nil || seq < 1 {
		return nil
	}
	n, err := j.f.WriteString("U " + strconv.Itoa(seq) + "\n")
	j.size += int64(n)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	j.undone[seq] = true
	return nil
}

// Live reports whether any record is not marked undone.
func (j *Journal) Live() bool { return len(j.Records()) > 0 }

// Close releases the lock and keeps the journal (a lock file without a
// journal is removed).
func (j *Journal) Close() error {
	var err error
	if j.f != nil {
		err = j.f.Close()
		j.f = nil
	} else if j.lock != nil && j.path != "" {
		os.Remove(j.path + ".lock")
	}
	if j.lock != nil {
		j.lock.Close()
		j.lock = nil
	}
	return err
}

// Remove deletes the journal and its lock file, then releases the lock.
func (j *Journal) Remove() error {
	var err error
	if j.path != "" {
		if e := os.Remove(j.path); e != nil && !errors.Is(e, os.ErrNotExist) {
			err = e
		}
		if j.lock != nil {
			os.Remove(j.path + ".lock")
		}
	}
	if e := j.Close(); err == nil {
		err = e
	}
	return err
}
