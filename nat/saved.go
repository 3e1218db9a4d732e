package nat

import (
	"encoding/binary"
	"errors"
	"slices"
	"strings"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nl"
	"github.com/nsnet/nsnet/internal/nlattr"
)

// ErrUnkept is what FlushSaved returns, deleting nothing, when nsnet's
// table holds what Restore could not make again from the kernel's dump: a
// set, a map or a flowtable, or an owner (NFT_TABLE_F_OWNER).
var ErrUnkept = errors.New("table " + tableDesc() + " holds sets, flowtables or an owner")

// Saved is nsnet's table as FlushSaved deleted it: the kernel's dump of the
// table, its chains, its stateful objects (counters) and its rules, message
// by message, for Restore.
type Saved struct {
	table  []byte
	chains [][]byte
	objs   [][]byte
	rules  [][]byte
}

// Rules returns how many rules the saved table held.
func (s *Saved) Rules() int { return len(s.rules) }

// FlushSaved deletes nsnet's table as Flush does and returns it as the
// kernel dumped it just before, so that Restore can make it again: the same
// chains, counters (with their values) and rules in the same order; only
// the handles differ. The dump and the deletion are one generation apart
// at most: the deletion is committed with the generation the dump was
// taken at, and when another writer changed the ruleset in between the
// kernel refuses it and both are done again.
//
// Without the table the error is ErrNotExist. A table Restore could not
// make again (see ErrUnkept) is left as it is.
func (c *Conn) FlushSaved() (*Saved, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cache, c.based = nil, 0
	var saved *Saved
	err := c.atGeneration(func(gen uint32) error {
		s, err := c.save()
		if err != nil {
			return err
		}
		if s == nil {
			return ErrNotExist
		}
		b := &batch{}
		if err := delTable(b); err != nil {
			return nl.Wrap("flush", "table "+tableDesc(), err)
		}
		_, _, err = c.commit(gen, b)
		if errors.Is(err, unix.ENOENT) {
			return ErrNotExist
		}
		saved = s
		return commitError("flush", "table "+tableDesc(), err)
	})
	if err != nil {
		return nil, err
	}
	return saved, nil
}

// save dumps nsnet's table; nil when there is none.
func (c *Conn) save() (*Saved, error) {
	tables, err := c.dump("tables", unix.NFT_MSG_GETTABLE, unix.NFT_MSG_NEWTABLE, TableFamily, nil)
	if err != nil {
		return nil, err
	}
	s := &Saved{}
	for _, m := range tables {
		if attrString(m, unix.NFTA_TABLE_NAME) == TableName {
			s.table = m
		}
	}
	if s.table == nil {
		return nil, nil
	}
	if flags, ok := attrUint32(s.table, unix.NFTA_TABLE_FLAGS); ok && flags&nftTableFOwner != 0 {
		return nil, ErrUnkept
	}
	inTable := func(attr uint16) func(string, uint16, uint16) ([][]byte, error) {
		return func(what string, op, reply uint16) ([][]byte, error) {
			msgs, err := c.dump(what+" of table "+tableDesc(), op, reply, TableFamily,
				func(ae *encoder) { ae.String(attr, TableName) })
			if errors.Is(err, unix.ENOENT) {
				return nil, nil
			}
			return msgs, err
		}
	}
	for _, d := range []struct {
		what      string
		op, reply uint16
	}{{"sets", unix.NFT_MSG_GETSET, unix.NFT_MSG_NEWSET}, {"flowtables", unix.NFT_MSG_GETFLOWTABLE, unix.NFT_MSG_NEWFLOWTABLE}} {
		// NFTA_SET_TABLE and NFTA_FLOWTABLE_TABLE are both 1.
		msgs, err := inTable(unix.NFTA_SET_TABLE)(d.what, d.op, d.reply)
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			if attrString(m, unix.NFTA_SET_TABLE) == TableName {
				return nil, ErrUnkept
			}
		}
	}
	chains, err := c.dump("chains", unix.NFT_MSG_GETCHAIN, unix.NFT_MSG_NEWCHAIN, TableFamily, nil)
	if err != nil {
		return nil, err
	}
	for _, m := range chains {
		if attrString(m, unix.NFTA_CHAIN_TABLE) == TableName {
			s.chains = append(s.chains, m)
		}
	}
	if s.objs, err = inTable(unix.NFTA_OBJ_TABLE)("objects", unix.NFT_MSG_GETOBJ, unix.NFT_MSG_NEWOBJ); err != nil {
		return nil, err
	}
	if s.rules, err = inTable(unix.NFTA_RULE_TABLE)("rules", unix.NFT_MSG_GETRULE, unix.NFT_MSG_NEWRULE); err != nil {
		return nil, err
	}
	s.objs = slices.DeleteFunc(s.objs, func(m []byte) bool { return attrString(m, unix.NFTA_OBJ_TABLE) != TableName })
	s.rules = slices.DeleteFunc(s.rules, func(m []byte) bool { return attrString(m, unix.NFTA_RULE_TABLE) != TableName })
	return s, nil
}

// The attributes Restore sends again of each dumped message: what makes
// the object, never its handle, its use count or its position.
var (
	keepTable = []uint16{unix.NFTA_TABLE_NAME, unix.NFTA_TABLE_FLAGS, nftaTableUserdata}
	keepChain = []uint16{unix.NFTA_CHAIN_TABLE, unix.NFTA_CHAIN_NAME, unix.NFTA_CHAIN_HOOK, unix.NFTA_CHAIN_POLICY,
		unix.NFTA_CHAIN_TYPE, unix.NFTA_CHAIN_COUNTERS, nftaChainFlags, nftaChainUserdata}
	keepObj  = []uint16{unix.NFTA_OBJ_TABLE, unix.NFTA_OBJ_NAME, unix.NFTA_OBJ_TYPE, unix.NFTA_OBJ_DATA, nftaObjUserdata}
	keepRule = []uint16{unix.NFTA_RULE_TABLE, unix.NFTA_RULE_CHAIN, unix.NFTA_RULE_EXPRESSIONS, unix.NFTA_RULE_COMPAT, nftaRuleUserdata}
)

// restoreBuffer is the send buffer Restore starts from when a table's
// batch is larger than a quarter of it.
const restoreBuffer = 256 << 10

const (
	nftaRuleUserdata = 7   // NFTA_RULE_USERDATA
	nftTableFOwner   = 0x2 // NFT_TABLE_F_OWNER
)

// Restore makes a table FlushSaved deleted again, in one transaction:
// the table, its chains, its counters and its rules, each rule appended to
// its chain in the order the dump listed them. It fails (and changes
// nothing) when the table exists again.
func (c *Conn) Restore(s *Saved) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cache, c.based = nil, 0
	b := &batch{}
	add := func(op uint16, flags netlink.HeaderFlags, m []byte, keep []uint16, what string) error {
		data, err := keepAttrs(m, keep)
		if err != nil {
			return nl.Wrap("restore", what, err)
		}
		b.msgs = append(b.msgs, netlink.Message{
			Header: netlink.Header{Type: msgType(op), Flags: netlink.Request | flags},
			Data:   data,
		})
		b.what = append(b.what, what)
		return nil
	}
	// The table's NEWTABLE and the batch's END ask for acknowledgements;
	// the kernel answers any other message only when it refuses it, so
	// that a table of thousands of rules does not overflow the receive
	// buffer with its acknowledgements.
	if err := add(unix.NFT_MSG_NEWTABLE, netlink.Acknowledge|netlink.Create|netlink.Excl, s.table, keepTable, "NFT_MSG_NEWTABLE "+tableDesc()); err != nil {
		return err
	}
	create := netlink.Create | netlink.Excl
	for _, m := range s.chains {
		if err := add(unix.NFT_MSG_NEWCHAIN, create, m, keepChain, "NFT_MSG_NEWCHAIN "+tableDesc()+" "+attrString(m, unix.NFTA_CHAIN_NAME)); err != nil {
			return err
		}
	}
	for _, m := range s.objs {
		if err := add(unix.NFT_MSG_NEWOBJ, create, m, keepObj, "NFT_MSG_NEWOBJ "+tableDesc()+" "+attrString(m, unix.NFTA_OBJ_NAME)); err != nil {
			return err
		}
	}
	for _, m := range s.rules {
		if err := add(unix.NFT_MSG_NEWRULE, netlink.Create|netlink.Append, m, keepRule, "NFT_MSG_NEWRULE "+tableDesc()+" "+attrString(m, unix.NFTA_RULE_CHAIN)); err != nil {
			return err
		}
	}
	// One transaction, so one write: the socket's send buffer must hold
	// it (the kernel counts about twice the bytes sent).
	size := 0
	for _, m := range b.msgs {
		size += 16 + len(m.Data)
	}
	if size > restoreBuffer/4 {
		if err := c.nl.SetSendBuffer(2*size + restoreBuffer); err != nil {
			return nl.Wrap("restore", "table "+tableDesc(), err)
		}
	}
	_, _, err := c.commit(0, b)
	return commitError("restore", "table "+tableDesc(), err)
}

// keepAttrs returns a dumped message's nfgenmsg and those of its
// attributes whose type is in keep, byte for byte.
func keepAttrs(m []byte, keep []uint16) ([]byte, error) {
	if len(m) < nfgenmsgLen {
		return nil, nlattr.ErrBadAttribute
	}
	out := append(make([]byte, 0, len(m)), m[:nfgenmsgLen]...)
	rest := m[nfgenmsgLen:]
	for len(rest) > 0 {
		if len(rest) < 4 {
			return nil, nlattr.ErrBadAttribute
		}
		l := int(binary.NativeEndian.Uint16(rest))
		if l < 4 || l > len(rest) {
			return nil, nlattr.ErrBadAttribute
		}
		next := min((l+3)&^3, len(rest))
		if slices.Contains(keep, binary.NativeEndian.Uint16(rest[2:])&nlattr.TypeMask) {
			out = append(out, rest[:l]...)
			out = append(out, make([]byte, next-l)...)
		}
		rest = rest[next:]
	}
	return out, nil
}

// attrString returns the string attribute typ of a dumped message, "" when
// it has none.
func attrString(m []byte, typ uint16) string {
	if len(m) < nfgenmsgLen {
		return ""
	}
	r := nlattr.NewReader(m[nfgenmsgLen:], binary.BigEndian)
	for r.Next() {
		if r.Type == typ {
			s, _, _ := strings.Cut(string(r.Data), "\x00")
			return s
		}
	}
	return ""
}

// attrUint32 returns the big-endian u32 attribute typ of a dumped message.
func attrUint32(m []byte, typ uint16) (uint32, bool) {
	if len(m) < nfgenmsgLen {
		return 0, false
	}
	r := nlattr.NewReader(m[nfgenmsgLen:], binary.BigEndian)
	for r.Next() {
		if r.Type == typ && len(r.Data) == 4 {
			return binary.BigEndian.Uint32(r.Data), true
		}
	}
	return 0, false
}
