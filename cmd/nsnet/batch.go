package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nsnet/nsnet/internal/procs"
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

// readLines reads and parses a batch file ("-" is stdin) as readBatch
// does, and returns its lines parsed: every line is parsed before anything
// runs, so a typo on line 10 changes nothing. With force, lines that do
// not parse are reported and skipped.
func readLines(s *session, g globals, file string, force bool) ([]line, error) {
	b, err := readBatch(s, g, file, force)
	if b == nil {
		return nil, err
	}
	out := make([]line, 0, len(b.lines))
	for i := range b.lines {
		l, perr := b.parse(i)
		if perr != nil {
			return nil, perr
		}
		out = append(out, l)
	}
	return out, err
}

// continues reports whether a line ends in an odd number of backslashes.
func continues(text string) bool {
	n := len(text) - len(strings.TrimRight(text, "\\"))
	return n%2 == 1
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
	if lg.version || lg.batch != "" || lg.trace || lg.pcap != "" {
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
	blank := func(c byte) bool { return c == ' ' || c == '\t' || c == '\r' }
	n := 0
	for i := 0; i < len(s); i++ {
		if !blank(s[i]) && (i == 0 || blank(s[i-1])) {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	words := make([]string, 0, n)
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
	// The look-aheads overlap work on a second thread (netnsahead.go).
	procs.Parallel()
	name, data, err := readBatchData(s, file)
	if err != nil {
		return err
	}
	defer limitMemory(data)()
	b, err := parseBatch(s, g, name, data, g.opt.force)
	if err != nil && !g.opt.force {
		return err
	}
	failed := err != nil
	lines := b.lines
	// Close a namespace's sockets after its last line: a batch that builds
	// a thousand namespaces then holds one socket at a time, not a thousand.
	last := map[string]int{}
	for i := range lines {
		last[b.ns(i)] = i
	}
	s.last = last
	s.names = linkNames{}
	defer func() { s.last, s.names = nil, nil }()
	ahead := newNatAhead(s)
	nsa := newNSAhead(s, b)
	defer nsa.stop(false)
	dlr := newDelRun(s, b)
	defer dlr.close()
	pipe := newPipeAhead(s, b, g.opt.force)
	fa := newFlushAhead(s, b)
	for i := 0; i < len(lines); i++ {
		l := &lines[i]
		s.line = i
		if s.ctx.Err() != nil && !pipe.holds(i) {
			ahead.undo()
			fa.undo()
			nsa.stop(true)
			return &lineError{where: b.where(i), err: errInterrupted}
		}
		nsa.schedule(i)
		fa.start(i)
		if !keepsLinkNames(l.kind) {
			s.names.forget()
		}
		done, err := nsa.take(i)
		if !done {
			done, err = dlr.take(i)
		}
		if !done {
			done, err = pipe.take(i)
		}
		if !done {
			done = fa.take(i)
		}
		if !done && !ahead.run(b, i) {
			var pl line
			if pl, err = b.parse(i); err == nil {
				err = pl.cmd.run(s.env(pl.ns, pl.opt))
			}
		}
		if ns := b.ns(i); ns != "" && last[ns] == i {
			s.forget(ns)
		}
		if err != nil {
			err = &lineError{where: b.where(i), err: err}
			if !g.opt.force {
				ahead.undo()
				fa.undo()
				nsa.stop(true)
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

// quoteWord quotes a word for splitWords when it needs it.
func quoteWord(w string) string {
	if w != "" && !strings.ContainsAny(w, " \t\r'\"\\#") {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}
