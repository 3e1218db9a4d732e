package nat

import (
	"fmt"
	"slices"

	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nl"
)

// DeleteAll removes objs from nsnet's table in as few transactions as it
// can (up to AddAllChunk objects each), as Delete removes one: each
// object's rules and its counter (unless another object left in the table
// counts into it too), and the table itself with the last of its rules.
// Each transaction is all or nothing; on the first refused one (an object
// not there, given twice, or the table changed meanwhile beyond retries)
// DeleteAll returns how many objects were deleted before it and the
// error, and the caller can delete the rest one by one with Delete, which
// reports each object's own error.
func (c *Conn) DeleteAll(objs []Object) (int, error) {
	done := 0
	for done < len(objs) {
		chunk := objs[done:min(done+AddAllChunk, len(objs))]
		for _, o := range chunk {
			if _, err := o.Rules(); err != nil {
				return done, nl.Wrap("delete", o.String(), err)
			}
		}
		what := fmt.Sprintf("%s and %d more", chunk[0], len(chunk)-1)
		err := c.transact("delete", what, func(st *state) (*batch, error) {
			return deleteAllPlan(st, chunk)
		}, nil)
		if err != nil {
			return done, err
		}
		done += len(chunk)
	}
	return done, nil
}

// deleteAllPlan is the batch that deletes objs from the table st.
func deleteAllPlan(st *state, objs []Object) (*batch, error) {
	b := &batch{}
	gone := map[string]bool{} // keys of the objects deleted
	var olds []Object
	rules := 0
	for _, o := range objs {
		e := st.find(o)
		if e == nil || gone[o.key()] {
			return nil, fmt.Errorf("%s: %w", o, ErrNotExist)
		}
		gone[o.key()] = true
		olds = append(olds, e.Object)
		rules += len(e.Rules)
	}
	// Counters that only the deleted objects count into go with them.
	names := map[string]bool{}
	for _, o := range olds {
		names[CounterName(o)] = true
	}
	for _, other := range st.entries {
		if other.Object != nil && !gone[other.Object.key()] {
			delete(names, CounterName(other.Object))
		}
	}
	others := 0
	for name := range st.counters {
		if !names[name] {
			others++
		}
	}
	if rules == st.ruleCount() && others == 0 {
		// The table goes: the state is read again next time.
		return b, delTable(b)
	}
	for _, o := range olds {
		if err := delRules(b, st.entries[st.index[o.key()]].Rules); err != nil {
			return nil, err
		}
	}
	var dels []string
	for _, o := range olds {
		name := CounterName(o)
		if !names[name] || !st.counters[name] || slices.Contains(dels, name) {
			continue
		}
		dels = append(dels, name)
		d := CounterObject{Family: TableFamily, Table: TableName, Name: name}
		if err := b.add(unix.NFT_MSG_DELOBJ, 0, TableFamily, &d, "NFT_MSG_DELOBJ "+tableDesc()+" counter "+name); err != nil {
			return nil, err
		}
	}
	b.apply = func(st *state, added []Rule) bool {
		for _, o := range olds {
			st.remove(o)
		}
		for _, name := range dels {
			delete(st.counters, name)
		}
		return len(added) == 0
	}
	return b, nil
}
