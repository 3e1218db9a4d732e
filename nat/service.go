package nat

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nl"
)

// An Entry is one object in nsnet's table as List found it: the object
// its rules' comment names, the rules, and whether they are exactly the
// rules the object makes (someone may have edited or deleted one with
// nft). A rule of the table without an nsnet comment is an Entry of its
// own with a nil Object.
type Entry struct {
	Object Object
	Rules  []Rule
	Intact bool
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

// state is what a transaction reads before it decides.
type state struct {
	table   bool
	entries []Entry
}

func (st *state) find(o Object) *Entry {
	for i := range st.entries {
		if e := &st.entries[i]; e.Object != nil && e.Object.key() == o.key() {
			return e
		}
	}
	return nil
}

func (st *state) ruleCount() int {
	n := 0
	for _, e := range st.entries {
		n += len(e.Rules)
	}
	return n
}

// load reads nsnet's table: whether it exists, and its rules grouped by
// the object their comment names.
func (c *Conn) load() (*state, error) {
	tables, err := c.Tables(TableFamily)
	if err != nil {
		return nil, err
	}
	st := &state{}
	for _, t := range tables {
		if t.Name == TableName {
			st.table = true
		}
	}
	if !st.table {
		return st, nil
	}
	rules, err := c.Rules(TableFamily, TableName)
	if err != nil {
		return nil, err
	}
	st.entries = group(rules)
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

// transact runs one read-decide-write change: it reads the generation,
// reads the table, lets plan decide, and commits the batch with the
// generation, so that the kernel refuses it if anything changed in
// between. It then starts again, a bounded number of times.
func (c *Conn) transact(op, obj string, plan func(st *state) (*batch, error)) error {
	for attempt := 0; ; attempt++ {
		gen, err := c.Generation()
		if err != nil {
			return err
		}
		st, err := c.load()
		if err != nil {
			return err
		}
		b, err := plan(st)
		if err != nil {
			return nl.Wrap(op, obj, err)
		}
		if b == nil || b.empty() {
			return nil
		}
		err = c.commit(gen, b)
		if errors.Is(err, unix.ERESTART) && attempt < commitRetries {
			time.Sleep(time.Duration(1+rand.IntN(2+attempt)) * time.Millisecond)
			continue
		}
		var be *batchError
		if errors.As(err, &be) {
			return nl.Wrap(op, obj+" ("+be.what+")", be.err)
		}
		return nl.Wrap(op, obj, err)
	}
}

// ensure adds nsnet's table and base chains to b; with NLM_F_CREATE and
// without NLM_F_EXCL they are left as they are when they exist.
func ensure(b *batch) error {
	t := Table{Family: TableFamily, Name: TableName}
	if err := b.add(unix.NFT_MSG_NEWTABLE, netlink.Create, TableFamily, &t, "NFT_MSG_NEWTABLE "+tableDesc()); err != nil {
		return err
	}
	for i := range baseChains {
		ch := baseChains[i]
		if err := b.add(unix.NFT_MSG_NEWCHAIN, netlink.Create, TableFamily, &ch, "NFT_MSG_NEWCHAIN "+tableDesc()+" "+ch.Name); err != nil {
			return err
		}
	}
	return nil
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
			for _, x := range st.entries {
				if q, ok := x.Object.(Publish); ok && q.key() != p.key() && q.listenKey() == p.listenKey() {
					return nil, fmt.Errorf("already published to %s (delete %q first)", q.To, q.String())
				}
			}
		}
		b := &batch{}
		if err := ensure(b); err != nil {
			return nil, err
		}
		if e != nil {
			if err := delRules(b, e.Rules); err != nil {
				return nil, err
			}
		}
		for i := range want {
			r := want[i]
			if err := b.add(unix.NFT_MSG_NEWRULE, netlink.Create|netlink.Append, TableFamily, &r,
				"NFT_MSG_NEWRULE "+tableDesc()+" "+r.Chain); err != nil {
				return nil, err
			}
		}
		return b, nil
	})
}

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
		if len(e.Rules) == st.ruleCount() {
			return b, delTable(b)
		}
		return b, delRules(b, e.Rules)
	})
}

// Flush removes nsnet's table with everything in it, and nothing else:
// the table is deleted by family and name, never with the kernel's
// "every table" wildcard. Without the table the error is ErrNotExist.
func (c *Conn) Flush() error {
	return c.transact("flush", "table "+tableDesc(), func(st *state) (*batch, error) {
		if !st.table {
			return nil, ErrNotExist
		}
		b := &batch{}
		return b, delTable(b)
	})
}

// ForwardDrops returns the base chains of other tables (ip, ip6 and inet)
// on the forward hook whose policy is drop, such as the FORWARD chain
// Docker sets to DROP. A packet those drop is dropped whatever nsnet's
// forward chain accepts: each base chain is a hook entry of its own, and
// an accept only passes the packet to the next one.
func (c *Conn) ForwardDrops() ([]Chain, error) {
	chains, err := c.Chains(FamilyUnspec)
	if err != nil {
		return nil, err
	}
	var out []Chain
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
		out = append(out, ch)
	}
	return out, nil
}
