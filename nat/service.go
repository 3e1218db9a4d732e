package nat

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nl"
)

// An Entry is one object in nsnet's table as List found it: the object
// its rules' comment names, the rules, whether they are exactly the rules
// the object makes (someone may have edited or deleted one with nft), and
// what its counter object (CounterName) has counted. A rule of the table
// without an nsnet comment is an Entry of its own with a nil Object. The
// rules of an attachment (see Attachment) are one Entry with a nil Object
// and Attachment set, counted by the attachment's counter, and Intact.
type Entry struct {
	Object     Object
	Attachment *AttachmentKey
	Rules      []Rule
	Intact     bool
	Packets    uint64
	Bytes      uint64
}

// stateError is the error for "already there" and "not there"; it
// answers errors.Is for the matching os error.
type stateError struct {
	msg string
	is  error
}

func (e *stateError) Error() string        { return e.msg }
func (e *stateError) Is(target error) bool { return target == e.is }

// ErrExist is what Add returns (wrapped in an *Error) when the object is
// already in place; errors.Is(err, os.ErrExist) is true for it too.
var ErrExist error = &stateError{"already in table " + TableFamily.String() + " " + TableName, os.ErrExist}

// ErrNotExist is what Delete and Flush return (wrapped in an *Error) when
// there is nothing to remove; errors.Is(err, os.ErrNotExist) is true too.
var ErrNotExist error = &stateError{"not in table " + TableFamily.String() + " " + TableName, os.ErrNotExist}

// commitRetries bounds how often a change is planned again after another
// writer changed the ruleset first (ERESTART).
const commitRetries = 40

// state is nsnet's table as a transaction reads it before it decides,
// and as a Conn keeps it between transactions: valid while the ruleset's
// generation is still gen. Entries removed since the read stay in entries
// with no Object and no Rules, out of the indexes.
type state struct {
	gen     uint32
	table   bool
	chains  map[string]Chain // the table's chains by name (only read by transactions)
	entries []Entry
	index   map[string]int   // entries by their object's key
	listen  map[string][]int // publish entries by listen key
	rules   int              // the rules in the table
	// counters are the names of the table's counter objects.
	counters map[string]bool
}

// newState returns the state of a table that exists (or not) with these
// entries.
func newState(table bool, entries []Entry) *state {
	st := &state{table: table, chains: map[string]Chain{}, index: map[string]int{}, listen: map[string][]int{},
		counters: map[string]bool{}}
	for _, e := range entries {
		st.insert(e)
	}
	return st
}

func (st *state) find(o Object) *Entry {
	if i, ok := st.index[o.key()]; ok {
		return &st.entries[i]
	}
	return nil
}

func (st *state) ruleCount() int { return st.rules }

// insert appends e; an object already indexed keeps its first entry, as
// group makes only one per object.
func (st *state) insert(e Entry) {
	i := len(st.entries)
	st.entries = append(st.entries, e)
	st.rules += len(e.Rules)
	if e.Object == nil {
		return
	}
	st.index[e.Object.key()] = i
	if p, ok := e.Object.(Publish); ok {
		st.listen[p.listenKey()] = append(st.listen[p.listenKey()], i)
	}
}

// remove takes the entry of o's key out of the state.
func (st *state) remove(o Object) {
	i, ok := st.index[o.key()]
	if !ok {
		return
	}
	e := st.entries[i]
	st.rules -= len(e.Rules)
	delete(st.index, o.key())
	if p, ok := e.Object.(Publish); ok {
		lk := p.listenKey()
		st.listen[lk] = slices.DeleteFunc(st.listen[lk], func(j int) bool { return j == i })
		if len(st.listen[lk]) == 0 {
			delete(st.listen, lk)
		}
	}
	st.entries[i] = Entry{}
}

// load reads nsnet's table: whether it exists, and its rules grouped by
// the object their comment names.
func (c *Conn) load() (*state, error) {
	tables, err := c.Tables(TableFamily)
	if err != nil {
		return nil, err
	}
	table := false
	for _, t := range tables {
		if t.Name == TableName {
			table = true
		}
	}
	if !table {
		return newState(false, nil), nil
	}
	rules, err := c.Rules(TableFamily, TableName)
	if err != nil {
		return nil, err
	}
	counters, err := c.Counters(TableFamily, TableName)
	if err != nil {
		return nil, err
	}
	byName := make(map[string]*CounterObject, len(counters))
	for i := range counters {
		byName[counters[i].Name] = &counters[i]
	}
	entries := groupAttachments(group(rules), counters)
	for i := range entries {
		if o := entries[i].Object; o != nil {
			if ctr := byName[CounterName(o)]; ctr != nil {
				entries[i].Packets, entries[i].Bytes = ctr.Counter.Packets, ctr.Counter.Bytes
			}
		}
	}
	st := newState(true, entries)
	for name := range byName {
		st.counters[name] = true
	}
	return st, nil
}

// read is load for a transaction: it also reads the table's chains, so
// that Add sends the ones missing and no others.
func (c *Conn) read() (*state, error) {
	st, err := c.load()
	if err != nil || !st.table {
		return st, err
	}
	chains, err := c.Chains(TableFamily)
	if err != nil {
		return nil, err
	}
	for _, ch := range chains {
		if ch.Table == TableName {
			st.chains[ch.Name] = ch
		}
	}
	return st, nil
}

// group sorts rules into entries by their comments and checks each
// object's rules against the ones it makes.
func group(rules []Rule) []Entry {
	var entries []Entry
	index := map[string]int{}
	for _, r := range rules {
		text, ok := strings.CutPrefix(r.Comment, commentPrefix)
		var o Object
		if ok {
			o, _ = ParseObject(text)
		}
		if o == nil {
			entries = append(entries, Entry{Rules: []Rule{r}})
			continue
		}
		if i, ok := index[o.key()]; ok {
			entries[i].Rules = append(entries[i].Rules, r)
			continue
		}
		index[o.key()] = len(entries)
		entries = append(entries, Entry{Object: o, Rules: []Rule{r}})
	}
	for i := range entries {
		if entries[i].Object != nil {
			entries[i].Intact = intact(entries[i])
		}
	}
	return entries
}

// intact reports whether e's rules are exactly the rules its object makes,
// in any order.
func intact(e Entry) bool {
	want, err := e.Object.Rules()
	if err != nil || len(want) != len(e.Rules) {
		return false
	}
	used := make([]bool, len(e.Rules))
	for _, w := range want {
		found := false
		for i, r := range e.Rules {
			if !used[i] && r.Chain == w.Chain && r.Comment == w.Comment && sameExprs(r.Exprs, w.Exprs) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// List returns what is in nsnet's table, in the kernel's order; nothing
// when the table does not exist.
func (c *Conn) List() ([]Entry, error) {
	st, err := c.load()
	if err != nil {
		return nil, err
	}
	return st.entries, nil
}

// Entries is List for callers that look at objects and rules, not at
// counters: the table is read only when the ruleset generation moved
// since this Conn last read or changed it (as a transaction does), so
// checking each line of an up file costs one NFT_MSG_GETGEN, not a dump of
// the whole table. Packets and Bytes are those of the last read.
func (c *Conn) Entries() ([]Entry, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, err := c.current()
	if err != nil {
		return nil, err
	}
	return slices.Clone(st.entries), nil
}

// current returns the table as of the ruleset's generation now: the cache
// when it is of that generation, else a fresh read that becomes the
// cache. Without a generation to keep it by, the table is read and not
// cached, as List does. The caller holds c.mu and must not change the
// state returned.
func (c *Conn) current() (*state, error) {
	gen, err := c.Generation()
	if err != nil {
		return c.load()
	}
	st := c.cache
	if st == nil || st.gen != gen {
		c.cache = nil
		if st, err = c.read(); err != nil {
			return nil, err
		}
		// Read after gen, the state may be newer than gen, never older:
		// if it is, the generation has moved past gen and the next call
		// reads again.
		st.gen = gen
		c.cache = st
	}
	return st, nil
}

// transact runs one read-decide-write change: it reads the generation,
// reads the table, lets plan decide, and commits the batch with the
// generation, so that the kernel refuses it if anything changed in
// between. It then starts again, a bounded number of times.
//
// The table is read only when the generation moved since the Conn last
// read or changed it: the state is kept, tagged with the generation, and
// a committed batch updates it with what the kernel echoes back (the new
// generation, the new rules with their handles). Any other writer's
// commit moves the generation, so a kept state is never used once the
// ruleset changed behind it; and the batch's generation check still
// refuses a change planned on a stale one.
//
// fast, when not nil, is tried first when there is no state kept at the
// current generation, before a read: done says it made the change (or
// failed for good), and transact returns its error.
func (c *Conn) transact(op, obj string, plan func(st *state) (*batch, error), fast func(gen uint32) (done bool, err error)) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for attempt := 0; ; attempt++ {
		gen, err := c.Generation()
		if err != nil {
			return err
		}
		st := c.cache
		if (st == nil || st.gen != gen) && fast != nil && attempt == 0 {
			if done, err := fast(gen); done {
				return err
			}
		}
		if st == nil || st.gen != gen {
			c.cache = nil
			if st, err = c.read(); err != nil {
				// Commits kept interrupting the dump: wait as for a
				// refused batch, and start again.
				if errors.Is(err, ErrDumpInterrupted) && attempt < commitRetries {
					backoff(attempt)
					continue
				}
				return err
			}
			// Read after gen, the state may be newer than gen, never
			// older: if it is, the generation has moved past gen, so the
			// state is not used again and the batch is refused.
			st.gen = gen
			c.cache = st
		}
		b, err := plan(st)
		if err != nil {
			return nl.Wrap(op, obj, err)
		}
		if b == nil || b.empty() {
			return nil
		}
		newGen, added, err := c.commit(gen, b)
		if err != nil {
			c.cache = nil
		}
		if errors.Is(err, unix.ERESTART) && attempt < commitRetries {
			backoff(attempt)
			continue
		}
		if err != nil {
			return commitError(op, obj, err)
		}
		c.committed(gen, newGen, b, added)
		return nil
	}
}

// atGeneration runs try with the ruleset's generation, and again (after
// backoff, at most commitRetries times more) when the kernel interrupted
// one of its dumps or refused its batch because another writer moved the
// generation (ERESTART, also when wrapped). The caller holds c.mu.
func (c *Conn) atGeneration(try func(gen uint32) error) error {
	for attempt := 0; ; attempt++ {
		gen, err := c.Generation()
		if err != nil {
			return err
		}
		err = try(gen)
		if attempt < commitRetries && (errors.Is(err, ErrDumpInterrupted) || errors.Is(err, unix.ERESTART)) {
			backoff(attempt)
			continue
		}
		return err
	}
}

// backoff waits a little before another attempt of a transaction that
// other writers got in the way of, longer after each.
func backoff(attempt int) {
	time.Sleep(time.Duration(1+rand.IntN(2+attempt)) * time.Millisecond)
}

// committed updates what the Conn keeps after its batch was committed at
// generation gen: the state, to what the batch made it, at the generation
// the kernel reported (newGen, 0 if it did not), or nothing when that
// cannot be known; and the forward-drop scan, which nsnet's own table
// does not change.
func (c *Conn) committed(gen, newGen uint32, b *batch, added []Rule) {
	if c.drops != nil && c.drops.gen == gen && newGen != 0 {
		c.drops.gen = newGen
	}
	if st := c.cache; st != nil && newGen != 0 && b.apply != nil && b.apply(st, added) {
		st.gen = newGen
		return
	}
	c.cache = nil
}

// ensure adds nsnet's table and base chains to b; with NLM_F_CREATE and
// without NLM_F_EXCL they are left as they are when they exist.
func ensure(b *batch) error {
	return ensureMissing(b, nil)
}

// ensureMissing is ensure for the table and chains st does not show as
// they should be (all of them when st is nil). Sending one that exists
// and is as it should be would change nothing, and costs the commit time.
func ensureMissing(b *batch, st *state) error {
	if st == nil || !st.table {
		t := Table{Family: TableFamily, Name: TableName}
		if err := b.add(unix.NFT_MSG_NEWTABLE, netlink.Create, TableFamily, &t, "NFT_MSG_NEWTABLE "+tableDesc()); err != nil {
			return err
		}
	}
	for i := range baseChains {
		ch := baseChains[i]
		if st != nil && st.table {
			if have, ok := st.chains[ch.Name]; ok && have.Base != nil && *have.Base == *ch.Base {
				continue
			}
		}
		if err := b.add(unix.NFT_MSG_NEWCHAIN, netlink.Create, TableFamily, &ch, "NFT_MSG_NEWCHAIN "+tableDesc()+" "+ch.Name); err != nil {
			return err
		}
	}
	return nil
}

// ensured records in st that the table and base chains are as ensure
// makes them.
func ensured(st *state) {
	st.table = true
	for _, ch := range baseChains {
		st.chains[ch.Name] = ch
	}
}

func tableDesc() string { return TableFamily.String() + " " + TableName }

// delRules adds a DELRULE for each rule to b.
func delRules(b *batch, rules []Rule) error {
	for _, r := range rules {
		d := Rule{Family: r.Family, Table: r.Table, Chain: r.Chain, Handle: r.Handle}
		if err := b.add(unix.NFT_MSG_DELRULE, 0, r.Family, &d,
			fmt.Sprintf("NFT_MSG_DELRULE %s %s handle %d", tableDesc(), r.Chain, r.Handle)); err != nil {
			return err
		}
	}
	return nil
}

// delTable adds a DELTABLE of nsnet's table, by name, to b.
func delTable(b *batch) error {
	t := Table{Family: TableFamily, Name: TableName}
	return b.add(unix.NFT_MSG_DELTABLE, 0, TableFamily, &t, "NFT_MSG_DELTABLE "+tableDesc())
}

// Add puts o in nsnet's table, creating the table and its chains in the
// same batch if needed. If o is already there the error is ErrExist
// (errors.Is(err, os.ErrExist)) and nothing changes; if some of o's rules
// were deleted or edited since, they are replaced. A Publish whose port is
// already published to another target is refused.
func (c *Conn) Add(o Object) error {
	want, err := o.Rules()
	if err != nil {
		return nl.Wrap("add", o.String(), err)
	}
	return c.transact("add", o.String(), func(st *state) (*batch, error) {
		e := st.find(o)
		if e != nil && e.Intact {
			if e.Object.String() != o.String() {
				return nil, fmt.Errorf("%w as %q", ErrExist, e.Object.String())
			}
			return nil, ErrExist
		}
		if p, ok := o.(Publish); ok {
			for _, i := range st.listen[p.listenKey()] {
				if q := st.entries[i].Object.(Publish); q.key() != p.key() {
					return nil, fmt.Errorf("already published to %s (delete %q first)", q.To, q.String())
				}
			}
		}
		b := &batch{}
		if err := ensureMissing(b, st); err != nil {
			return nil, err
		}
		var old Object
		if e != nil {
			old = e.Object
			if err := delRules(b, e.Rules); err != nil {
				return nil, err
			}
		}
		name := CounterName(o)
		if !st.counters[name] {
			if err := newCounter(b, name); err != nil {
				return nil, err
			}
		}
		if err := newRules(b, want, ""); err != nil {
			return nil, err
		}
		b.apply = func(st *state, added []Rule) bool {
			// The rules as the kernel echoed them, grouped as a read of
			// the table would group them.
			entries := group(added)
			if len(added) != len(want) || len(entries) != 1 || entries[0].Object == nil || entries[0].Object.key() != o.key() {
				return false
			}
			ensured(st)
			if old != nil {
				st.remove(old)
			}
			st.insert(entries[0])
			st.counters[name] = true
			return true
		}
		return b, nil
	}, func(gen uint32) (bool, error) {
		// A refusal of any kind, or an interrupted dump, sends Add to
		// read the table and plan: that finds the object, repairs it,
		// or reports the error. A socket's failure (ENOBUFS: replies
		// lost) is reported, naming o: the batch may have been
		// committed, and a read would then call this Add's own object
		// "already there".
		err := c.addNew(gen, []Object{o}, [][]Rule{want})
		var ne *nl.Error
		if err != nil && errors.As(err, &ne) && !ne.Kernel() && !errors.Is(err, ErrDumpInterrupted) {
			return true, nl.Wrap("add", o.String(), ne.Err)
		}
		return err == nil, nil
	})
}

// addNew is Add's way for an object that is new to the table, taken at
// generation gen when the Conn keeps no state of the table at it (a new
// process, or another writer changed the ruleset): instead of reading the
// table, it commits the object's counter with NLM_F_EXCL and its rules in
// one batch, with the table and base chains if a read of the chains shows
// them missing. The kernel's name index of objects does what the read
// would: if the counter is there, the object may be too, and the kernel
// refuses the whole batch with EEXIST. It adds several objects at once
// for AddAll.
func (c *Conn) addNew(gen uint32, objs []Object, want [][]Rule) error {
	st := newState(false, nil)
	if c.based != 0 && c.based == gen {
		ensured(st)
	} else {
		// Every family's chains: the forward-drop check after the add
		// (ForwardDrops) then needs no dump of its own.
		chains, err := c.Chains(FamilyUnspec)
		if err != nil {
			return err
		}
		for _, ch := range chains {
			if ch.Family == TableFamily && ch.Table == TableName {
				st.table = true
				st.chains[ch.Name] = ch
			}
		}
		c.drops = findDrops(gen, chains)
	}
	b := &batch{}
	if err := ensureMissing(b, st); err != nil {
		return err
	}
	for i, o := range objs {
		if err := newCounter(b, CounterName(o)); err != nil {
			return err
		}
		if err := newRules(b, want[i], " ("+o.String()+")"); err != nil {
			return err
		}
	}
	// An apply that keeps no state, so that the commit asks for the new
	// generation: at it the table and base chains are known to be there.
	// The rules are not echoed: nothing would use their handles.
	b.apply = func(*state, []Rule) bool { return false }
	b.noRuleEcho = true
	newGen, added, err := c.commit(gen, b)
	if err != nil {
		c.cache, c.based = nil, 0
		return commitError("add", fmt.Sprintf("%d objects", len(objs)), err)
	}
	c.committed(gen, newGen, b, added)
	c.based = newGen
	return nil
}

// AddAll adds new objects in as few transactions as it can: up to
// AddAllChunk objects per batch, each batch a counter (NLM_F_EXCL) and the
// rules of every object in it, without reading the table, as Add does for
// one new object. It is for many objects known to be new, such as the nat
// lines of a batch file that builds a network: the kernel checks for
// duplicates. Each batch is all or nothing; on the first refused one
// AddAll returns how many objects were added before it and the error, and
// the caller can add the rest one by one with Add, which reports each
// object's own error.
func (c *Conn) AddAll(objs []Object) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	done := 0
	for done < len(objs) {
		chunk := objs[done:min(done+AddAllChunk, len(objs))]
		rules := make([][]Rule, len(chunk))
		for i, o := range chunk {
			r, err := o.Rules()
			if err != nil {
				return done, nl.Wrap("add", o.String(), err)
			}
			rules[i] = r
		}
		gen, err := c.Generation()
		if err != nil {
			return done, err
		}
		if err := c.addNew(gen, chunk, rules); err != nil {
			return done, err
		}
		done += len(chunk)
	}
	return done, nil
}

// AddAllChunk is the most objects one AddAll batch holds: a forward is three
// messages of about 1.1 KB in all, and the batch must fit the socket's
// send buffer, its acknowledgements the receive buffer.
const AddAllChunk = 64

// Delete removes o's rules from nsnet's table, and the table itself when
// nothing else is left in it. If o is not there the error is ErrNotExist
// (errors.Is(err, os.ErrNotExist)).
func (c *Conn) Delete(o Object) error {
	if _, err := o.Rules(); err != nil {
		return nl.Wrap("delete", o.String(), err)
	}
	return c.transact("delete", o.String(), func(st *state) (*batch, error) {
		e := st.find(o)
		if e == nil {
			return nil, ErrNotExist
		}
		b := &batch{}
		// The table goes with the last rule, unless it holds counters
		// of others (an attachment without rules has only its counter).
		others := len(st.counters)
		if st.counters[CounterName(e.Object)] {
			others--
		}
		if len(e.Rules) == st.ruleCount() && others == 0 {
			return b, delTable(b)
		}
		old := e.Object
		if err := delRules(b, e.Rules); err != nil {
			return nil, err
		}
		// The counter goes with the object, unless another object's
		// rules count into it too (two objects whose names hash alike).
		name, shared := CounterName(old), false
		for _, other := range st.entries {
			if other.Object != nil && other.Object.key() != old.key() && CounterName(other.Object) == name {
				shared = true
			}
		}
		if st.counters[name] && !shared {
			d := CounterObject{Family: TableFamily, Table: TableName, Name: name}
			if err := b.add(unix.NFT_MSG_DELOBJ, 0, TableFamily, &d, "NFT_MSG_DELOBJ "+tableDesc()+" counter "+name); err != nil {
				return nil, err
			}
		}
		b.apply = func(st *state, added []Rule) bool {
			st.remove(old)
			if !shared {
				delete(st.counters, name)
			}
			return len(added) == 0
		}
		return b, nil
	}, nil)
}

// newRules adds a NEWRULE (appended, NLM_F_CREATE) for each rule to b;
// note is added to each message's description.
func newRules(b *batch, rules []Rule, note string) error {
	for i := range rules {
		r := rules[i]
		if err := b.add(unix.NFT_MSG_NEWRULE, netlink.Create|netlink.Append, TableFamily, &r,
			"NFT_MSG_NEWRULE "+tableDesc()+" "+r.Chain+note); err != nil {
			return err
		}
	}
	return nil
}

// commitError is the *Error of a change that failed: one the kernel
// refused in a batch names the refused message after the object.
func commitError(op, obj string, err error) error {
	var be *batchError
	if errors.As(err, &be) {
		return nl.Wrap(op, obj+" ("+be.what+")", be.err)
	}
	return nl.Wrap(op, obj, err)
}

// newCounter adds the NEWOBJ of the counter object name to b, with
// NLM_F_EXCL: the kernel refuses it with EEXIST if the counter is there.
func newCounter(b *batch, name string) error {
	ctr := CounterObject{Family: TableFamily, Table: TableName, Name: name}
	return b.add(unix.NFT_MSG_NEWOBJ, netlink.Create|netlink.Excl, TableFamily, &ctr, "NFT_MSG_NEWOBJ "+tableDesc()+" counter "+name)
}

// Flush removes nsnet's table with everything in it, and nothing else:
// the table is deleted by family and name, never with the kernel's
// "every table" wildcard. Without the table the error is ErrNotExist.
//
// It needs no read: the DELTABLE names the table, and the kernel answers
// ENOENT when there is none.
func (c *Conn) Flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cache, c.based = nil, 0
	b := &batch{}
	if err := delTable(b); err != nil {
		return nl.Wrap("flush", "table "+tableDesc(), err)
	}
	_, _, err := c.commit(0, b)
	if errors.Is(err, unix.ENOENT) {
		err = ErrNotExist
	}
	return commitError("flush", "table "+tableDesc(), err)
}

// findDrops picks from chains, the ruleset's at generation gen, the
// forward-hook chains with policy drop that ForwardDrops reports.
func findDrops(gen uint32, chains []Chain) *forwardDrops {
	d := &forwardDrops{gen: gen}
	for _, ch := range chains {
		if ch.Base == nil || ch.Base.Hook != HookForward || ch.Base.Policy != PolicyDrop {
			continue
		}
		if ch.Family != FamilyIPv4 && ch.Family != FamilyIPv6 && ch.Family != FamilyINet {
			continue
		}
		if ch.Family == TableFamily && ch.Table == TableName {
			continue
		}
		d.chains = append(d.chains, ch)
	}
	return d
}

// forwardDrops is what ForwardDrops found at generation gen.
type forwardDrops struct {
	gen    uint32
	chains []Chain
}

// ForwardDrops returns the base chains of other tables (ip, ip6 and inet)
// on the forward hook whose policy is drop, such as the FORWARD chain
// Docker sets to DROP. A packet those drop is dropped whatever nsnet's
// forward chain accepts: each base chain is a hook entry of its own, and
// an accept only passes the packet to the next one.
//
// The chains are read again only when another writer changed the ruleset
// since the last call (the generation moved by more than the Conn's own
// changes of nsnet's table).
func (c *Conn) ForwardDrops() ([]Chain, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	gen, err := c.Generation()
	if err != nil {
		return nil, err
	}
	if c.drops == nil || c.drops.gen != gen {
		c.drops = nil
		chains, err := c.Chains(FamilyUnspec)
		if err != nil {
			return nil, err
		}
		c.drops = findDrops(gen, chains)
	}
	var out []Chain
	for _, ch := range c.drops.chains {
		base := *ch.Base
		ch.Base = &base
		out = append(out, ch)
	}
	return out, nil
}
