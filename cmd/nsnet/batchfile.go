package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
)

// lineKind is what the look-aheads of a batch (natAhead, nsAhead,
// delAhead, linkNames) need to know of a line's command.
type lineKind uint8

const (
	kindOther        lineKind = iota
	kindLinkAdd               // link add
	kindLinkChange            // link change / replace (linkAdd with change)
	kindLinkSet               // link set that neither renames nor moves the link
	kindLinkSetOther          // any other link set
	kindAddr                  // addr add/del/replace/change
	kindRoute                 // route add/del/replace/...
	kindNatAdd                // nat ... add
	kindNetnsAdd              // netns add NAME
	kindNetnsDel              // netns del NAME
	kindNetnsDelAll           // netns del -all
)

// bline is a batch line as kept between the check of the whole file and
// its run: where it is, its text and what the look-aheads need. Its
// command is parsed again when it runs (batchFile.parse), so that a file
// of 80,000 lines holds its text and 40 bytes a line, not 80,000 parsed
// commands (a quarter of a kilobyte each, with their options).
type bline struct {
	text string // the line, continuations joined; a substring of the file when it has none
	ns   string // the namespace it acts in ("" nsnet's own)
	name string // the namespace of a netns add or del line
	num  int32
	opt  uint16 // index in batchFile.opts
	kind lineKind
}

// batchFile is a batch file, every line parsed once (so a typo on line 10
// changes nothing) and kept compact.
type batchFile struct {
	name  string // as errors name it ("<stdin>" for -)
	g     globals
	lines []bline
	opts  []options // the distinct options of the lines
}

// where is line i's FILE:LINE.
func (b *batchFile) where(i int) string { return fmt.Sprintf("%s:%d", b.name, b.lines[i].num) }

// opt is line i's options.
func (b *batchFile) opt(i int) options { return b.opts[b.lines[i].opt] }

// parse parses line i again: the same words give the same command (the
// check of the whole file parsed it once already).
func (b *batchFile) parse(i int) (line, error) {
	l := b.lines[i]
	return parseLine(b.g, b.name, int(l.num), l.text)
}

// classify returns what the look-aheads need of a parsed line: its kind
// and, for netns add and del, the namespace's name.
func classify(l line) (lineKind, string) {
	switch c := l.cmd.(type) {
	case linkAdd:
		if c.change {
			return kindLinkChange, ""
		}
		return kindLinkAdd, ""
	case linkSet:
		if c.spec.name == "" && c.spec.netns == nil && c.kind == nil {
			return kindLinkSet, ""
		}
		return kindLinkSetOther, ""
	case addrChange:
		return kindAddr, ""
	case routeChange:
		return kindRoute, ""
	case natAdd:
		return kindNatAdd, ""
	case netnsAdd:
		return kindNetnsAdd, c.name
	case netnsDel:
		if c.all {
			return kindNetnsDelAll, ""
		}
		return kindNetnsDel, c.name
	}
	return kindOther, ""
}

// maxLine is the longest physical line a batch file may have.
const maxLine = 1024 * 1024

// readBatch reads and checks a batch file ("-" is stdin): every line is
// parsed before anything runs. With force, lines that do not parse are
// reported and skipped. Lines end at "\n" (a "\r" before it is dropped);
// a backslash at the end continues the line.
func readBatch(s *session, g globals, file string, force bool) (*batchFile, error) {
	var r io.Reader
	name := file
	size := int64(0)
	if file == "-" {
		r, name = s.stdin, "<stdin>"
	} else {
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			size = st.Size()
		}
		r = f
	}
	var sb strings.Builder
	sb.Grow(int(size) + 1)
	if _, err := io.Copy(&sb, r); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	data := sb.String()
	b := &batchFile{name: name, g: g, lines: make([]bline, 0, strings.Count(data, "\n")+1)}
	optIdx := map[options]uint16{}
	var bad error
	num, start := 0, 0
	var pending string
	for len(data) > 0 {
		text := data
		if j := strings.IndexByte(data, '\n'); j >= 0 {
			text, data = data[:j], data[j+1:]
		} else {
			data = ""
		}
		text = strings.TrimSuffix(text, "\r")
		if len(text) > maxLine {
			return nil, fmt.Errorf("%s: %w", name, bufio.ErrTooLong)
		}
		num++
		if pending == "" {
			start = num
		}
		if continues(text) {
			pending += strings.TrimSuffix(text, "\\") + " "
			continue
		}
		if pending != "" {
			text, pending = pending+text, ""
		}
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
		if l.cmd == nil {
			continue
		}
		oi, ok := optIdx[l.opt]
		if !ok {
			if len(b.opts) > 1<<16-1 {
				return nil, usagef("%s:%d: too many different option sets in one file", name, start)
			}
			oi = uint16(len(b.opts))
			optIdx[l.opt] = oi
			b.opts = append(b.opts, l.opt)
		}
		kind, nsName := classify(l)
		b.lines = append(b.lines, bline{text: text, ns: l.ns, name: nsName, num: int32(start), opt: oi, kind: kind})
	}
	if pending != "" {
		return nil, usagef("%s:%d: the file ends inside a continued line", name, start)
	}
	return b, bad
}
