package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
)

// lineKind is what the look-aheads of a batch (natAhead, nsAhead,
// delRun, linkNames) need to know of a line's command.
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
	kindNatFlush              // nat flush
)

// bline is a batch line as kept between the check of the whole file and
// its run: where it is, its text and what the look-aheads need, in 32
// bytes. Its command is parsed again when it runs (batchFile.parse), so
// that a file of 90,000 lines holds its text and 32 bytes a line, not
// 90,000 parsed commands (about 300 bytes each, with their options).
type bline struct {
	text string // the line, continuations joined; a substring of the file when it has none
	num  int32
	opt  uint16 // index in batchFile.opts
	kind lineKind
	// ns is where in text the namespace the line acts in is written
	// (batchFile.ns), name where a netns add or del line's name is.
	ns, name span
}

// blineSize is the size of a bline (TestBatchFileCompact checks it).
const blineSize = 32

// span is a part of a line's text (off, n), or one of spanNone,
// spanFile and spanExtra.
type span struct{ off, n uint16 }

var (
	spanNone  = span{}          // the empty string
	spanFile  = span{0xffff, 0} // the file-wide -n (globals.ns)
	spanExtra = span{0xffff, 1} // not in the text as written: batchFile.extra
)

// batchFile is a batch file, every line parsed once (so a typo on line 10
// changes nothing) and kept compact.
type batchFile struct {
	name  string // as errors name it ("<stdin>" for -, "-" as ip)
	g     globals
	lines []bline
	opts  []options // the distinct options of the lines
	// extra holds the namespaces and names that are not a part of their
	// line's text (quoted words, very long lines), by line index and
	// 0 (namespace) or 1 (name).
	extra map[[2]int]string
	// cmds holds the parsed commands of a file of at most keepParsed
	// lines (nil for a larger one): parsing a line again costs more CPU
	// than keeping it costs memory there.
	cmds []command
	// ahead holds the commands of lines aheadFrom, aheadFrom+1 ... of a
	// larger file, parsed again together (see parse).
	ahead     []command
	aheadFrom int
}

// keepParsed is the most lines whose parsed commands a batch keeps (about
// 4 MiB of them); a larger file's lines are parsed again when they run.
const keepParsed = 16384

// where is line i's FILE:LINE.
func (b *batchFile) where(i int) string { return fmt.Sprintf("%s:%d", b.name, b.lines[i].num) }

// opt is line i's options.
func (b *batchFile) opt(i int) options { return b.opts[b.lines[i].opt] }

// ns is the namespace line i acts in ("" nsnet's own).
func (b *batchFile) ns(i int) string { return b.str(i, b.lines[i].ns, 0) }

// nsName is the name of netns add or del line i.
func (b *batchFile) nsName(i int) string { return b.str(i, b.lines[i].name, 1) }

func (b *batchFile) str(i int, sp span, which int) string {
	switch sp {
	case spanNone:
		return ""
	case spanFile:
		return b.g.ns
	case spanExtra:
		return b.extra[[2]int{i, which}]
	}
	return b.lines[i].text[sp.off : sp.off+sp.n]
}

// spanOf returns where w is in text, storing it in extra when it is not
// there as written.
func (b *batchFile) spanOf(i int, text, w string, which int) span {
	switch {
	case w == "":
		return spanNone
	case w == b.g.ns:
		return spanFile
	}
	if j := strings.Index(text, w); j >= 0 && j+len(w) < 0xffff {
		return span{uint16(j), uint16(len(w))}
	}
	if b.extra == nil {
		b.extra = map[[2]int]string{}
	}
	b.extra[[2]int{i, which}] = w
	return spanExtra
}

// parseAhead is how many lines a batch of more than keepParsed lines
// parses again at once (see parse).
const parseAhead = 128

// parse returns line i parsed: kept from the check of the whole file, or
// parsed again (the same words give the same command). A large file's
// lines are parsed again parseAhead at a time, from line i on, as the
// batch reaches them: parsing lines one after the other keeps the
// parser's code and tables in the processor's caches, where one line
// parsed between two lines' kernel work finds them evicted and costs
// about twice as much; the commands held are those of parseAhead lines.
// Lines are returned as the check parsed them whatever the order they
// are asked for in.
func (b *batchFile) parse(i int) (line, error) {
	l := b.lines[i]
	cmds, k := b.cmds, i
	if cmds == nil {
		if i < b.aheadFrom || i >= b.aheadFrom+len(b.ahead) {
			b.parseFrom(i)
		}
		cmds, k = b.ahead, i-b.aheadFrom
		if k >= len(cmds) {
			return parseLine(b.g, b.name, int(l.num), l.text) // it fails: say how
		}
	}
	return line{file: b.name, num: int(l.num), text: strings.TrimSpace(l.text), ns: b.ns(i), opt: b.opt(i), cmd: cmds[k]}, nil
}

// parseOne parses line i alone (without parseAhead's lines after it), or
// takes it as the check kept it.
func (b *batchFile) parseOne(i int) (line, error) {
	if b.cmds != nil {
		return b.parse(i)
	}
	l := b.lines[i]
	return parseLine(b.g, b.name, int(l.num), l.text)
}

// parseFrom parses lines i, i+1 ... into ahead, up to parseAhead of
// them, and stops before a line that does not parse (none does: the file
// was checked).
func (b *batchFile) parseFrom(i int) {
	clear(b.ahead)
	b.ahead, b.aheadFrom = b.ahead[:0], i
	for j := i; j < len(b.lines) && j < i+parseAhead; j++ {
		l := b.lines[j]
		pl, err := parseLine(b.g, b.name, int(l.num), l.text)
		if err != nil {
			return
		}
		b.ahead = append(b.ahead, pl.cmd)
	}
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
	case natFlush:
		return kindNatFlush, ""
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
	name, data, err := readBatchData(s, file)
	if err != nil {
		return nil, err
	}
	return parseBatch(s, g, name, data, force)
}

// readBatchData reads a batch file ("-" is stdin) whole; name is how
// errors name it.
func readBatchData(s *session, file string) (name, data string, err error) {
	var r io.Reader
	name = file
	size := int64(0)
	if file == "-" {
		r, name = s.stdin, "<stdin>"
		if ipMode {
			name = "-" // ip names the file as given: "Command failed -:1"
		}
	} else {
		f, err := os.Open(file)
		if err != nil {
			return "", "", err
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
		return "", "", fmt.Errorf("%s: %w", name, err)
	}
	return name, sb.String(), nil
}

// limitMemory bounds the memory of the Go runtime while a batch of data's
// size runs (the file's text and 32 bytes a line stay until its end) to
// three times that, and at least 20 MiB, until the returned func is
// called; GOMEMLIMIT, when set, wins. Without a limit the heap of a large
// file grows to twice what it holds plus what each line leaves behind
// (90,000 lines: 23 MiB of memory where 20 are enough, with a few more
// collections). Three times what the batch holds leaves the collector room,
// so it does not run without end.
//
// Under that limit the collector runs when the heap has grown by twice
// what was live after the last collection (GOGC=200; GOGC, when set,
// wins), not once: a batch's live heap is small (2 MiB at 1000
// namespaces) and each collection costs about the same, so a batch of
// 1000 namespaces makes 6 collections instead of 14, for about 3 MiB
// more of peak memory. A large file's heap meets the limit first, which
// bounds it as before.
func limitMemory(data string) func() {
	if os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	held := int64(len(data)) + blineSize*int64(strings.Count(data, "\n")+1)
	old := debug.SetMemoryLimit(max(20<<20, 3*held))
	pct := -2 // not changed
	if os.Getenv("GOGC") == "" {
		pct = debug.SetGCPercent(batchGCPercent)
	}
	return func() {
		if pct != -2 {
			debug.SetGCPercent(pct)
		}
		debug.SetMemoryLimit(old)
	}
}

// batchGCPercent is the GOGC of a batch (see limitMemory).
const batchGCPercent = 200

// parseBatch parses the text of a batch file read whole.
func parseBatch(s *session, g globals, name, data string, force bool) (*batchFile, error) {
	n := strings.Count(data, "\n") + 1
	b := &batchFile{name: name, g: g, lines: make([]bline, 0, n)}
	if n <= keepParsed {
		b.cmds = make([]command, 0, n)
	}
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
		i := len(b.lines)
		b.lines = append(b.lines, bline{text: text, num: int32(start), opt: oi, kind: kind,
			ns: b.spanOf(i, text, l.ns, 0), name: b.spanOf(i, text, nsName, 1)})
		if b.cmds != nil {
			b.cmds = append(b.cmds, l.cmd)
		}
	}
	if pending != "" {
		return nil, usagef("%s:%d: the file ends inside a continued line", name, start)
	}
	return b, bad
}
