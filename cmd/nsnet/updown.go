package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/nsnet/nsnet/internal/procs"
	"github.com/nsnet/nsnet/journal"
	"github.com/nsnet/nsnet/plan"
)

const upHelp = `Usage: nsnet up [--dry-run] FILE
       nsnet down FILE

up applies a batch file as a unit: every line is parsed first; lines whose state
is already there are skipped; if line K fails, what lines 1..K-1 did in this run
is undone in reverse order and the error names line K. up on an applied file
changes nothing. --dry-run prints the plan without changing anything.

down undoes the file in reverse order and tolerates what is already gone. up keeps
a journal under /run/nsnet/up (one per file, locked: a second up or down of the
same file waits) so that down restores old values (sysctl -w, link set) and
cleans up after an up that was killed part-way. Each record names its line by
number and content hash: after the file was edited, down says which records it
cannot match to the file any more and keeps them.

Every line must be a command that can be undone: netns add, link add, link set,
addr add, route add, neigh add, rule add, nat ... add, sysctl -w, ethtool -K|-L|-G
(and their del forms); flushes of neighbours and rules are refused; or topology,
which only shows what the lines before it made (down skips it).
`

// journalDir holds the journals of up files, one per file (journal.Key);
// unit tests point it at a directory of their own.
var journalDir = "/run/nsnet/up"

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

// step is one line of an up file with what undoes it; rev is nil for a
// read-only line (see readOnly).
type step struct {
	l    line
	rev  reversible
	hash string // journal.LineHash of the line's text
}

// readOnly is implemented by commands that change nothing (topology): an
// up file may hold them; up runs them in order, down skips them.
type readOnly interface {
	command
	readOnly()
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
		if _, ok := l.cmd.(readOnly); ok {
			steps = append(steps, step{l: l, hash: journal.LineHash(l.text)}) // runs in order, nothing to undo
			continue
		}
		r, ok := l.cmd.(reversible)
		if !ok {
			return nil, &lineError{where: l.where(), err: usagef("%q cannot be undone, so it cannot be part of an up/down file", l.text)}
		}
		if err := upOnly(l.cmd); err != nil {
			return nil, &lineError{where: l.where(), err: err}
		}
		steps = append(steps, step{l: l, rev: r, hash: journal.LineHash(l.text)})
	}
	return steps, nil
}

// upOnly refuses what can run in a batch but not be undone exactly: a
// link name template (a%d) lets the kernel choose the name, which the line
// itself cannot name again to delete it.
func upOnly(c command) error {
	if a, ok := c.(linkAdd); ok {
		for _, n := range []string{a.spec.name, peerName(a)} {
			if strings.ContainsRune(n, '%') {
				return usagef("link name template %q: the kernel chooses the name, so down could not name the link it made; give the name itself", n)
			}
		}
	}
	return nil
}

func peerName(a linkAdd) string {
	if a.peer != nil {
		return a.peer.name
	}
	return ""
}

// ownStep is the plan step of a line whose undo up journals: a planned
// command's, sysctl -w's and netns add's (ok false for the others, which
// down undoes from the file).
func (st step) ownStep(e *env) (plan.Step, bool, error) {
	sub := *e
	sub.ns = st.l.ns
	switch c := st.l.cmd.(type) {
	case planned:
		s, err := c.step(&sub)
		return s, true, err
	case sysctlSet:
		s, err := c.step(&sub)
		return s, true, err
	case netnsAdd:
		return plan.NetnsAdd{Name: c.name}, true, nil
	}
	return nil, false, nil
}

// undoStep is an undo command as the plan step the journal records.
func (st step) undoStep(e *env, inv command) (plan.Step, bool) {
	switch u := inv.(type) {
	case stepCmd:
		return u.st, true
	case inNS:
		if c, ok := u.cmd.(sysctlSet); ok {
			sub := *e
			sub.ns = u.ns
			s, err := c.step(&sub)
			return s, err == nil
		}
	case sysctlSet:
		sub := *e
		sub.ns = st.l.ns
		s, err := u.step(&sub)
		return s, err == nil
	case netnsDel:
		return plan.NetnsDel{Name: u.name}, !u.all
	}
	return nil, false
}

// undoCommand runs a journaled undo as the command line would run it.
func undoCommand(u plan.Step) command {
	switch s := u.(type) {
	case plan.SysctlSet:
		return inNS{ns: s.NS.Key(), cmd: sysctlFromStep(s)}
	case plan.NetnsDel:
		return netnsDel{name: s.Name}
	}
	return stepCmd{st: u}
}

// record is the journal record of st's undo inv: the plan step's kind and
// fields (ok false when the line's undo is not journaled: down undoes it
// from the file).
func (st step) record(e *env, inv command) (journal.Record, bool) {
	if _, ok, _ := st.ownStep(e); !ok {
		return journal.Record{}, false
	}
	u, ok := st.undoStep(e, inv)
	if !ok {
		return journal.Record{}, false
	}
	kind, data, err := plan.EncodeStep(u)
	if err != nil {
		return journal.Record{}, false
	}
	return journal.Record{Line: st.l.num, Hash: st.hash, Kind: kind, Undo: []string{string(data)}}, true
}

// undoOf turns a journal record back into the undo of step st, refusing
// anything that is not a plan step undoing the line's own step
// (plan.UndoFits): another kind, another object, another namespace.
func (st step) undoOf(e *env, r journal.Record) (command, error) {
	own, ok, err := st.ownStep(e)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("a %.40q record for a line whose undo is not journaled", r.Kind)
	}
	if len(r.Undo) != 1 || r.NS != "" {
		return nil, fmt.Errorf("a %.40q record that is not a typed undo", r.Kind)
	}
	u, err := plan.DecodeStep(r.Kind, []byte(r.Undo[0]))
	if err != nil {
		return nil, err
	}
	if err := plan.UndoFits(own, u); err != nil {
		return nil, err
	}
	return undoCommand(u), nil
}

// openJournal locks and opens the journal of file, waiting for another up
// or down of the same file until a signal.
func openJournal(e *env, file string, create bool) (*journal.Journal, error) {
	j, err := journal.Open(e.s.ctx, journalDir, file, create)
	if err != nil {
		if errors.Is(err, journal.ErrVersion) {
			return nil, fmt.Errorf("%v: written by an older nsnet in another format; refused, nothing was changed: remove it (the older nsnet's down can still read it)", err)
		}
		if errors.Is(err, journal.ErrUnsafe) {
			return nil, fmt.Errorf("%v: refused; nothing was changed (remove it if it is not nsnet's)", err)
		}
		return nil, err
	}
	return j, nil
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
			if st.rev == nil {
				state = "show (read-only)"
			} else if done, err := st.rev.applied(le); err == nil && done {
				state = "already applied, skip"
			}
			fmt.Fprintf(e.out, "%s: %-22s %s\n", st.l.where(), state, st.l.text)
		}
		return nil
	}
	j, err := openJournal(e, c.file, true)
	if err != nil {
		return err
	}
	// As in a batch: up knows the links it made, and a netns add opens
	// the socket of the lines after it that act there (session.last).
	e.s.names, e.s.last = linkNames{}, map[string]int{}
	for i, st := range steps {
		e.s.last[st.l.ns] = i
	}
	procs.Parallel() // the look-ahead makes namespaces on a second thread (upearly.go)
	e.s.early = startUpEarly(e.s)
	err = plan.Up(e.s.ctx, e.s.ps, lineSteps(e.s, steps), upJournal{j: j, steps: steps, e: e})
	e.s.early.stop(e.s)
	e.s.names, e.s.last, e.s.early = nil, nil, nil
	var ue *plan.UpError
	if !errors.As(err, &ue) {
		if err != nil {
			j.Close()
			return err
		}
		return j.Close()
	}
	var failed []string
	for _, f := range ue.Failed {
		if !errors.Is(f.Err, errJournalDone) {
			fmt.Fprintf(e.s.stderr, "nsnet: warning: undo %s: %v\n", steps[f.Index].l.where(), oneLine(f.Err.Error()))
		}
		failed = append(failed, strconv.Itoa(steps[f.Index].l.num))
	}
	msg := fmt.Sprintf("rolled back %d step(s)", ue.RolledBack)
	if len(failed) > 0 {
		msg = fmt.Sprintf("rolled back %d step(s); the undo of line(s) %s failed: the journal is kept, run down to finish", ue.RolledBack, listLines(failed))
	}
	if !j.Live() {
		j.Remove()
	} else {
		j.Close()
	}
	stepErr := ue.Err
	if e.s.ctx.Err() != nil && errors.Is(stepErr, e.s.ctx.Err()) {
		// A signal stops up before the next step, which rolls back the
		// steps done: the file is applied as a unit or not at all.
		stepErr = errInterrupted
	}
	return &lineError{where: steps[ue.Index].l.where(), err: fmt.Errorf("%w (%s)", stepErr, msg)}
}

// lineStep is a line of an up file as a plan step: it runs the line's
// command with the line's namespace and options.
type lineStep struct {
	s   *session
	st  step
	cmd command // what Apply runs: the line's command, or an undo of it
	sc  upScope // the line's own (see upScopes); none for an undo
	own bool    // cmd is the line's own command, not an undo
	idx int     // the line's index in the file's steps
}

func (l lineStep) env() *env {
	return &env{s: l.s, ns: l.st.l.ns, opt: l.st.l.opt, out: l.s.stdout, ctx: l.s.ctx}
}

// Apply runs the command. What up knows of the links it made (their
// indexes, see linkNames) is forgotten before any command that could
// rename, move or delete links, as in a batch; and, as in a batch, the
// namespace of the last line acting in it is closed after it (a rollback
// opens it again by name): up of a thousand namespaces holds a few open,
// not a thousand.
func (l lineStep) Apply(ctx context.Context, _ *plan.Session) error {
	if k, _ := classify(line{cmd: l.cmd}); !keepsLinkNames(k) {
		l.s.names.forget()
	}
	l.s.line = l.idx
	err := l.cmd.run(l.env())
	if ns := l.st.l.ns; l.own && ns != "" {
		if last, ok := l.s.last[ns]; ok && last == l.idx {
			l.s.forget(ns)
		}
	}
	return err
}

// Applied asks the line's command; a read-only line never is.
func (l lineStep) Applied(ctx context.Context, _ *plan.Session) (bool, error) {
	if l.st.rev == nil {
		return false, nil
	}
	return l.st.rev.applied(l.env())
}

// Inverse is the line's undo as a step; a read-only line has none.
func (l lineStep) Inverse(ctx context.Context, _ *plan.Session) (plan.Step, error) {
	if l.st.rev == nil {
		return nil, nil
	}
	inv, err := l.st.rev.inverse(l.env())
	if err != nil {
		return nil, err
	}
	return lineStep{s: l.s, st: l.st, cmd: inv, idx: l.idx}, nil
}

// lineSteps turns the lines of an up file into plan steps.
func lineSteps(s *session, steps []step) []plan.Step {
	out := make([]plan.Step, len(steps))
	sc := upScopes(steps)
	for i, st := range steps {
		out[i] = lineStep{s: s, st: st, cmd: st.l.cmd, sc: sc[i], own: true, idx: i}
	}
	return out
}

// upJournal is the plan.Journal of an up file: each undo that can be
// written is a journal record of its line.
type upJournal struct {
	j     *journal.Journal
	steps []step
	e     *env
}

// errJournalDone wraps a failure to mark a record undone.
var errJournalDone = errors.New("journal")

func (u upJournal) Record(i int, undo plan.Step) (int, error) {
	r, ok := u.steps[i].record(u.e, undo.(lineStep).cmd)
	if !ok {
		return 0, nil
	}
	return u.j.Append(r)
}

func (u upJournal) Done(seq int) error {
	if err := u.j.MarkUndone(seq); err != nil {
		return fmt.Errorf("%w: %v", errJournalDone, err)
	}
	return nil
}

func (c downCmd) run(e *env) error {
	e.s.batch = true
	steps, err := loadSteps(e, c.file)
	if err != nil {
		return err
	}
	j, err := openJournal(e, c.file, false)
	if err != nil {
		return err
	}
	defer j.Close()
	recs := j.Records()
	// Match records to steps: by line number and content hash, or by the
	// hash alone when exactly one line of the file has it (lines moved by
	// an edit above them). The oldest record of a step holds the state
	// before the first up.
	count := map[string]int{}
	for _, st := range steps {
		count[st.hash]++
	}
	byHash := map[string][]journal.Record{}
	for _, r := range recs {
		byHash[r.Hash] = append(byHash[r.Hash], r)
	}
	byStep := make([][]journal.Record, len(steps))
	used := map[int]bool{}
	for i, st := range steps {
		for _, r := range byHash[st.hash] {
			if (r.Line == st.l.num || count[st.hash] == 1) && !used[r.Seq] {
				byStep[i] = append(byStep[i], r)
				used[r.Seq] = true
			}
		}
	}
	unmatched := 0
	for _, r := range recs {
		if !used[r.Seq] {
			unmatched++
			fmt.Fprintf(e.s.stderr, "nsnet: %s:%d: changed since up (no line of the file has the content the %s record was made for): its undo %s was not run\n",
				c.file, r.Line, oneLine(fmt.Sprintf("%q", r.Kind)), oneLine(fmt.Sprintf("%.200q", strings.Join(r.Undo, " "))))
		}
	}
	refused := make([]bool, len(steps))
	err = plan.Down(e.s.ctx, e.s.ps, lineSteps(e.s, steps), plan.DownOptions{
		Undo: func(i int) (plan.Step, bool) {
			st := steps[i]
			rs := byStep[i]
			if st.rev == nil || len(rs) == 0 {
				return nil, false
			}
			// The journal holds the undo computed before up changed anything.
			inv, err := st.undoOf(&env{s: e.s, ns: st.l.ns, opt: st.l.opt, out: e.s.stdout, ctx: e.s.ctx}, rs[0])
			if err != nil {
				fmt.Fprintf(e.s.stderr, "nsnet: %s: journal record refused: %v\n", st.l.where(), oneLine(err.Error()))
				unmatched++
				refused[i] = true
				// Without a usable record, undo only what is there.
				return nil, false
			}
			return lineStep{s: e.s, st: st, cmd: inv}, true
		},
		// A refused record stays, undone from the file or not.
		Done: func(i int) { markAll(j, byStep[i], !refused[i]) },
		Report: func(i int, err error) {
			fmt.Fprintf(e.s.stderr, "nsnet: %s: undo: %v\n", steps[i].l.where(), oneLine(err.Error()))
		},
	})
	failed := 0
	var de *plan.DownError
	if errors.As(err, &de) {
		if de.Stopped >= 0 {
			// The journal stays: a later down undoes the rest.
			return &lineError{where: steps[de.Stopped].l.where(), err: errInterrupted}
		}
		failed = len(de.Failed)
	}
	e.s.forgetAll()
	var why []string
	if failed > 0 {
		why = append(why, fmt.Sprintf("%d step(s) could not be undone", failed))
	}
	if unmatched > 0 {
		why = append(why, fmt.Sprintf("%d journal record(s) were not run: they match no line of the file as it is now, or are not an undo of their line (remove %s to forget them)", unmatched, j.Path()))
	}
	if len(why) > 0 {
		return &exitStatus{code: 1, err: fmt.Errorf("down %s: %s", c.file, strings.Join(why, "; "))}
	}
	return j.Remove()
}

// markAll marks the records of a step undone once its undo ran (ok);
// refused records stay.
func markAll(j *journal.Journal, rs []journal.Record, ok bool) {
	if !ok {
		return
	}
	seqs := make([]int, 0, len(rs))
	for _, r := range rs {
		seqs = append(seqs, r.Seq)
	}
	sort.Ints(seqs)
	for _, s := range seqs {
		j.MarkUndone(s)
	}
}

// The journal (package journal): up writes, before each step, the undo of
// the step as a typed plan step (plan.EncodeStep), so that down, even
// after a kill -9 of up, restores what was there before (an old sysctl
// value, a link's old name, a neighbour entry the kernel had). Lines whose
// undo is not journaled (nat, flushes) are undone by down from the file.

// listLines joins line numbers, the first ten of them and a count.
func listLines(nums []string) string {
	if len(nums) > 10 {
		return strings.Join(nums[:10], ", ") + fmt.Sprintf(" and %d more", len(nums)-10)
	}
	return strings.Join(nums, ", ")
}
