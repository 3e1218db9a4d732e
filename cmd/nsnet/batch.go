package main

import (
	"bufio"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/nsnet/nsnet/nsfs"
)

// line is one parsed command of a batch file.
type line struct {
	file string
	num  int
	text string
	ns   string
	opt  options
	cmd  command
}

func (l line) where() string { return fmt.Sprintf("%s:%d", l.file, l.num) }

// lineError is an error of one batch line: it keeps the line's exit status.
type lineError struct {
	where string
	err   error
}

func (e *lineError) Error() string { return e.where + ": " + e.err.Error() }
func (e *lineError) Unwrap() error { return e.err }

// readLines reads and parses a batch file ("-" is stdin). Every line is
// parsed before anything runs, so a typo on line 10 changes nothing. With
// force, lines that do not parse are reported and skipped.
func readLines(s *session, g globals, file string, force bool) ([]line, error) {
	var r io.Reader
	name := file
	if file == "-" {
		r, name = s.stdin, "<stdin>"
	} else {
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	var out []line
	var bad error
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	num, start := 0, 0
	var pending string
	for sc.Scan() {
		num++
		text := sc.Text()
		if pending == "" {
			start = num
		}
		// A backslash at the end continues the line.
		if strings.HasSuffix(text, "\\") && !strings.HasSuffix(text, "\\\\") {
			pending += strings.TrimSuffix(text, "\\") + " "
			continue
		}
		text, pending = pending+text, ""
		l, err := parseLine(g, name, start, text)
		if err != nil {
			err = &lineError{where: fmt.Sprintf("%s:%d", name, start), err: err}
			if !force {
				return nil, err
			}
			reportLine(s.stderr, err)
			bad = err
			continue
		}
		if l.cmd != nil {
			out = append(out, l)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if pending != "" {
		return nil, usagef("%s:%d: the file ends inside a continued line", name, start)
	}
	return out, bad
}

// parseLine parses one line of a batch file; blank lines and comments give
// a line without a command.
func parseLine(g globals, file string, num int, text string) (line, error) {
	l := line{file: file, num: num, text: strings.TrimSpace(text), ns: g.ns, opt: g.opt}
	words, err := splitWords(text)
	if err != nil || len(words) == 0 {
		return l, err
	}
	if words[0] == "nsnet" {
		words = words[1:]
	}
	lg, rest, err := parseGlobals(words)
	if err != nil {
		return l, err
	}
	if lg.version || lg.batch != "" || lg.trace {
		return l, usagef("option not allowed inside a batch file: %q", words[0])
	}
	if len(rest) == 0 {
		return l, usagef("missing command")
	}
	if lg.ns != "" {
		l.ns = lg.ns
	}
	l.opt = mergeOptions(g.opt, lg.opt)
	l.cmd, err = parseCommand(rest, l.opt)
	return l, err
}

// mergeOptions returns the file-wide options with a line's own added.
func mergeOptions(base, line options) options {
	o := base
	o.json = o.json || line.json
	o.pretty = o.pretty || line.pretty
	o.details = o.details || line.details
	o.brief = o.brief || line.brief
	o.stats = o.stats || line.stats
	o.all = o.all || line.all
	if line.family != 0 {
		o.family = line.family
	}
	return o
}

// splitWords splits a line into words with shell-like quoting: 'single'
// quotes keep everything, "double" quotes allow \" and \\, a backslash
// outside quotes escapes the next character, and # starts a comment at
// the start of a word.
func splitWords(s string) ([]string, error) {
	if !strings.ContainsAny(s, "\\'\"#") {
		// Nothing to unquote (the usual batch line): the words are
		// substrings of s, with no copy each.
		return splitPlain(s), nil
	}
	return splitQuoted(s)
}

// splitQuoted is splitWords for a line with quotes, backslashes or '#'.
func splitQuoted(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '#' && !inWord:
			return words, nil
		case c == '\\':
			if i+1 < len(s) {
				i++
				cur.WriteByte(s[i])
			}
			inWord = true
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, usagef("unterminated ' quote")
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, usagef("unterminated \" quote")
			}
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// splitPlain splits s at blanks (space, tab, CR), as splitWords does when
// s holds no quote, backslash or '#'.
func splitPlain(s string) []string {
	var words []string
	blank := func(c byte) bool { return c == ' ' || c == '\t' || c == '\r' }
	for i := 0; i < len(s); {
		for i < len(s) && blank(s[i]) {
			i++
		}
		j := i
		for j < len(s) && !blank(s[j]) {
			j++
		}
		if j > i {
			words = append(words, s[i:j])
		}
		i = j
	}
	return words
}

// errInterrupted is the error of the line a batch, up or down stopped
// before because nsnet got SIGINT or SIGTERM.
var errInterrupted = errors.New("interrupted by a signal before this line")

// runBatch runs a batch file: one process, one netlink socket per
// namespace reused by every line. It stops at the first failing line
// unless -force, which goes on and fails at the end if any line failed.
func runBatch(s *session, g globals, file string) error {
	s.batch = true
	lines, err := readLines(s, g, file, g.opt.force)
	if err != nil && !g.opt.force {
		return err
	}
	failed := err != nil
	// Close a namespace's sockets after its last line: a batch that builds
	// a thousand namespaces then holds one socket at a time, not a thousand.
	last := map[string]int{}
	for i, l := range lines {
		last[l.ns] = i
	}
	s.last = last
	defer func() { s.last = nil }()
	single := 0 // lines to run one at a time before grouping nat adds again
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		s.line = i
		if s.ctx.Err() != nil {
			return &lineError{where: l.where(), err: errInterrupted}
		}
		if single == 0 {
			// A run of nat adds goes to the kernel in a few transactions.
			done, refused := natAddRun(s, lines[i:])
			if done > 0 {
				for j := i; j < i+done; j++ {
					if lines[j].ns != "" && last[lines[j].ns] == j {
						s.forget(lines[j].ns)
					}
				}
				i += done - 1
				single = refused
				continue
			}
			single = refused
		}
		if single > 0 {
			single--
		}
		err := l.cmd.run(s.env(l.ns, l.opt))
		if l.ns != "" && last[l.ns] == i {
			s.forget(l.ns)
		}
		if err != nil {
			err = &lineError{where: l.where(), err: err}
			if !g.opt.force {
				return err
			}
			reportLine(s.stderr, err)
			failed = true
		}
	}
	if failed {
		if ipMode {
			return &exitStatus{code: 1} // each failed line was reported
		}
		return &exitStatus{code: 1, err: fmt.Errorf("%s: some lines failed", file)}
	}
	return nil
}

const upHelp = `Usage: nsnet up [--dry-run] FILE
       nsnet down FILE

up applies a batch file as a unit: every line is parsed first; lines whose state
is already there are skipped; if line K fails, what lines 1..K-1 did is undone in
reverse order and the error names line K. up on an applied file changes nothing.
--dry-run prints the plan without changing anything.

down undoes the file in reverse order and tolerates what is already gone. up keeps
a journal under /run/nsnet so that down restores old values (sysctl -w) and
cleans up after an up that was killed part-way.

Every line must be a command that can be undone: netns add, link add, link set,
addr add, route add, nat ... add, sysctl -w (and their del forms).
`

// upCmd is `nsnet up [--dry-run] FILE`.
type upCmd struct {
	file   string
	dryRun bool
}

// downCmd is `nsnet down FILE`.
type downCmd struct{ file string }

func parseUp(args []string, opt options) (command, error) {
	c := upCmd{}
	for _, a := range args {
		switch {
		case a == "--dry-run" || a == "-dry-run" || a == "-n":
			c.dryRun = true
		case c.file == "":
			c.file = a
		default:
			return nil, usagef("unexpected argument %q", a)
		}
	}
	if c.file == "" {
		return nil, usagef("up: missing FILE")
	}
	return c, nil
}

func parseDown(args []string, opt options) (command, error) {
	if len(args) != 1 {
		if len(args) == 0 {
			return nil, usagef("down: missing FILE")
		}
		return nil, usagef("unexpected argument %q", args[1])
	}
	return downCmd{file: args[0]}, nil
}

// step is one line of an up file with what undoes it.
type step struct {
	l   line
	rev reversible
}

// loadSteps parses an up/down file and checks every line can be undone.
func loadSteps(e *env, file string) ([]step, error) {
	g := globals{ns: e.ns, opt: e.opt}
	lines, err := readLines(e.s, g, file, false)
	if err != nil {
		return nil, err
	}
	var steps []step
	for _, l := range lines {
		r, ok := l.cmd.(reversible)
		if !ok {
			return nil, &lineError{where: l.where(), err: usagef("%q cannot be undone, so it cannot be part of an up/down file", l.text)}
		}
		steps = append(steps, step{l: l, rev: r})
	}
	return steps, nil
}

func (c upCmd) run(e *env) error {
	e.s.batch = true
	steps, err := loadSteps(e, c.file)
	if err != nil {
		return err
	}
	if c.dryRun {
		for _, st := range steps {
			le := e.s.env(st.l.ns, st.l.opt)
			state := "apply"
			if done, err := st.rev.applied(le); err == nil && done {
				state = "already applied, skip"
			}
			fmt.Fprintf(e.out, "%s: %-22s %s\n", st.l.where(), state, st.l.text)
		}
		return nil
	}
	j, err := openJournal(c.file)
	if err != nil {
		return err
	}
	type done struct {
		l   line
		inv command
	}
	var journal []done
	rollback := func() int {
		failed := 0
		for i := len(journal) - 1; i >= 0; i-- {
			d := journal[i]
			if err := d.inv.run(e.s.env(d.l.ns, d.l.opt)); err != nil && !errors.Is(err, os.ErrNotExist) {
				fmt.Fprintf(e.s.stderr, "nsnet: warning: undo %s: %v\n", d.l.where(), oneLine(err.Error()))
				failed++
			}
		}
		return failed
	}
	for _, st := range steps {
		le := e.s.env(st.l.ns, st.l.opt)
		// A signal stops up before the next step, which rolls back the
		// steps done: the file is applied as a unit or not at all.
		err := e.s.ctx.Err()
		if err != nil {
			err = errInterrupted
		}
		applied := false
		if err == nil {
			applied, err = st.rev.applied(le)
			if err == nil && applied {
				continue
			}
		}
		var inv command
		if err == nil {
			inv, err = st.rev.inverse(le)
		}
		if err == nil {
			err = j.record(st.l, inv)
		}
		if err == nil {
			err = st.l.cmd.run(le)
		}
		if err != nil {
			n := len(journal)
			failed := rollback()
			j.remove()
			msg := fmt.Sprintf("rolled back %d step(s)", n)
			if failed > 0 {
				msg = fmt.Sprintf("rolled back %d step(s), %d undo(s) failed", n, failed)
			}
			return &lineError{where: st.l.where(), err: fmt.Errorf("%w (%s)", err, msg)}
		}
		journal = append(journal, done{l: st.l, inv: inv})
	}
	return j.close()
}

func (c downCmd) run(e *env) error {
	e.s.batch = true
	steps, err := loadSteps(e, c.file)
	if err != nil {
		return err
	}
	saved := readJournal(c.file)
	failed := 0
	for i := len(steps) - 1; i >= 0; i-- {
		st := steps[i]
		if e.s.ctx.Err() != nil {
			// The journal stays: a later down undoes the rest.
			return &lineError{where: st.l.where(), err: errInterrupted}
		}
		le := e.s.env(st.l.ns, st.l.opt)
		var inv command
		if words, ok := saved[st.l.num]; ok {
			// The journal holds the undo computed before up changed anything.
			// The record names its namespace itself ("-n NAME"); none is nsnet's own.
			l, err := parseLine(globals{opt: st.l.opt}, st.l.file, st.l.num, words)
			if err == nil {
				inv = inNS{ns: l.ns, cmd: l.cmd}
			}
		}
		if inv == nil {
			// Without a journal record, undo only what is there.
			if applied, err := st.rev.applied(le); err == nil && !applied || gone(err) {
				continue
			}
			var err error
			if inv, err = st.rev.inverse(le); err != nil {
				if gone(err) {
					continue
				}
				fmt.Fprintf(e.s.stderr, "nsnet: %s: %v\n", st.l.where(), oneLine(err.Error()))
				failed++
				continue
			}
		}
		if err := inv.run(le); err != nil && !gone(err) {
			fmt.Fprintf(e.s.stderr, "nsnet: %s: undo: %v\n", st.l.where(), oneLine(err.Error()))
			failed++
		}
	}
	if failed > 0 {
		return &exitStatus{code: 1, err: fmt.Errorf("down %s: %d step(s) could not be undone", c.file, failed)}
	}
	removeJournal(c.file)
	e.s.forgetAll()
	return nil
}

// gone reports whether err says the object, or the namespace a line acts
// in, is not there: a stale /run/netns file (an up killed between creating
// it and mounting the namespace) holds nothing to undo either.
func gone(err error) bool {
	return errors.Is(err, os.ErrNotExist) || errors.Is(err, nsfs.ErrNotNamespace)
}

// The journal: up writes, before each step, the command that undoes it
// (when the inverse can print itself as words) to /run/nsnet/up/HASH, so
// that down, even after a kill -9 of up, restores what was there before
// (an old sysctl value, a link's old name). Lines whose inverse cannot be
// written are undone by down from the file itself.
const journalDir = "/run/nsnet/up"

type journal struct {
	f    *os.File
	path string
}

// worder is implemented by commands that can print themselves as the words
// of an nsnet command line (inverses use it to be journaled).
type worder interface{ words() []string }

func journalPath(file string) string {
	abs, err := filepath.Abs(file)
	if err != nil {
		abs = file
	}
	h := fnv.New64a()
	h.Write([]byte(abs))
	return filepath.Join(journalDir, strconv.FormatUint(h.Sum64(), 16))
}

func openJournal(file string) (*journal, error) {
	if err := os.MkdirAll(journalDir, 0o700); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	p := journalPath(file)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	return &journal{f: f, path: p}, nil
}

// record appends the inverse of line l, flushed to the file before the
// step runs.
func (j *journal) record(l line, inv command) error {
	ns := l.ns
	if in, ok := inv.(inNS); ok {
		ns, inv = in.ns, in.cmd
	}
	if strings.ContainsRune(ns, '/') {
		// -n takes names only; down undoes this line from the file.
		return nil
	}
	w, ok := inv.(worder)
	if !ok {
		return nil
	}
	words := w.words()
	prefix := ""
	if ns != "" {
		prefix = "-n " + quoteWord(ns) + " "
	}
	var q []string
	for _, wd := range words {
		q = append(q, quoteWord(wd))
	}
	_, err := fmt.Fprintf(j.f, "%d\t%s%s\n", l.num, prefix, strings.Join(q, " "))
	return err
}

func (j *journal) close() error { return j.f.Close() }

func (j *journal) remove() { j.f.Close(); os.Remove(j.path) }

// readJournal returns the journaled undo lines by line number; when a line
// was applied more than once the first (oldest) record wins.
func readJournal(file string) map[int]string {
	out := map[int]string{}
	b, err := os.ReadFile(journalPath(file))
	if err != nil {
		return out
	}
	for _, l := range strings.Split(string(b), "\n") {
		num, words, ok := strings.Cut(l, "\t")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(num)
		if err != nil {
			continue
		}
		if _, seen := out[n]; !seen {
			out[n] = words
		}
	}
	return out
}

func removeJournal(file string) { os.Remove(journalPath(file)) }

// quoteWord quotes a word for splitWords when it needs it.
func quoteWord(w string) string {
	if w != "" && !strings.ContainsAny(w, " \t\r'\"\\#") {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}
