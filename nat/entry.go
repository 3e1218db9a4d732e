package nat

import "slices"

// Entry returns the entry of object o in nsnet's table (nil when o is not
// there), as Entries would list it, without copying the others: checking
// each of many objects reads the table once per ruleset generation and
// costs no copy of it.
func (c *Conn) Entry(o Object) (*Entry, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, err := c.current()
	if err != nil {
		return nil, err
	}
	return st.entry(o), nil
}

// entry is a copy of o's entry in st, or nil.
func (st *state) entry(o Object) *Entry {
	e := st.find(o)
	if e == nil || e.Object == nil {
		return nil
	}
	c := *e
	c.Rules = slices.Clone(e.Rules)
	return &c
}

// EntryEach returns the entry of each of objs (nil for one not there), as
// Entry returns it, all as of one generation of the ruleset: one GETGEN,
// and one read of the table when it changed, for all of them.
func (c *Conn) EntryEach(objs []Object) ([]*Entry, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, err := c.current()
	if err != nil {
		return nil, err
	}
	out := make([]*Entry, len(objs))
	for i, o := range objs {
		out[i] = st.entry(o)
	}
	return out, nil
}
