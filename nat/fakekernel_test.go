package nat_test

import (
	"encoding/binary"
	"fmt"
	"slices"
	"testing"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/nat"
	"github.com/nsnet/nsnet/nltest"
)

// nft is a fake nf_tables for nat's unit tests: tables, chains, rules and
// counter objects, a ruleset generation that each commit increments,
// batches checked against NFNL_BATCH_GENID and applied all or nothing,
// echoes (the new rules with their handles, then NFT_MSG_NEWGEN) and
// acknowledgements in the kernel's order. Faults are injected through
// its fields.
type nft struct {
	t      *testing.T
	gen    uint32
	tables []nat.Table
	chains []nat.Chain
	rules  []nat.Rule
	objs   []nat.CounterObject
	sets   []string // names of sets in nsnet's table (dumped, never changed)
	handle uint64

	// Faults.
	writers int // batches before which another writer commits (ERESTART)
	intr    int // dumps flagged NLM_F_DUMP_INTR
	// refuse, when not nil, may refuse message i of a batch (0 is
	// BATCH_BEGIN) with an errno and an extended ACK text.
	refuse func(i int, m netlink.Message) (unix.Errno, string)
	// lost, when not nil, is a socket error (ENOBUFS) that takes the
	// place of a batch's last reply: the kernel could not queue it.
	lost error

	// What happened.
	batches   int      // batches received
	committed int      // batches committed
	ops       []string // the requests, by name ("GETGEN", "batch NEWTABLE NEWCHAIN ...")
}

func newNFT(t *testing.T) *nft { return &nft{t: t, gen: 100} }

// conn returns a nat.Conn on k.
func (k *nft) conn() *nat.Conn {
	c := nltest.NAT(k.kernel, nil)
	k.t.Cleanup(func() { c.Close() })
	return c
}

func msgType(op uint16) netlink.HeaderType {
	return netlink.HeaderType(unix.NFNL_SUBSYS_NFTABLES<<8 | op)
}

func opOf(m netlink.Message) uint16 { return uint16(m.Header.Type) & 0xff }

var opNames = map[uint16]string{
	unix.NFT_MSG_NEWTABLE: "NEWTABLE", unix.NFT_MSG_GETTABLE: "GETTABLE", unix.NFT_MSG_DELTABLE: "DELTABLE",
	unix.NFT_MSG_NEWCHAIN: "NEWCHAIN", unix.NFT_MSG_GETCHAIN: "GETCHAIN",
	unix.NFT_MSG_NEWRULE: "NEWRULE", unix.NFT_MSG_GETRULE: "GETRULE", unix.NFT_MSG_DELRULE: "DELRULE",
	unix.NFT_MSG_NEWOBJ: "NEWOBJ", unix.NFT_MSG_GETOBJ: "GETOBJ", unix.NFT_MSG_DELOBJ: "DELOBJ",
	unix.NFT_MSG_GETGEN: "GETGEN", unix.NFT_MSG_GETSET: "GETSET", unix.NFT_MSG_GETFLOWTABLE: "GETFLOWTABLE",
}

// attrs returns the big-endian attributes after a message's nfgenmsg.
func attrs(t *testing.T, m netlink.Message) map[uint16][]byte {
	out := map[uint16][]byte{}
	if len(m.Data) <= 4 {
		return out
	}
	ad, err := netlink.NewAttributeDecoder(m.Data[4:])
	if err != nil {
		t.Errorf("request attributes: %v", err)
		return out
	}
	for ad.Next() {
		out[ad.Type()] = ad.Bytes()
	}
	return out
}

func (k *nft) kernel(req []netlink.Message) ([]netlink.Message, error) {
	if len(req) > 1 || req[0].Header.Type == netlink.HeaderType(unix.NFNL_MSG_BATCH_BEGIN) {
		replies, err := k.batch(req)
		if k.lost != nil && len(replies) > 0 {
			return replies[:len(replies)-1], k.lost
		}
		return replies, err
	}
	m := req[0]
	k.ops = append(k.ops, opNames[opOf(m)])
	if m.Header.Flags&netlink.Dump == 0 {
		if opOf(m) != unix.NFT_MSG_GETGEN {
			k.t.Errorf("unexpected request %s", opNames[opOf(m)])
			return []netlink.Message{nltest.Error(m, unix.EOPNOTSUPP, "")}, nil
		}
		return []netlink.Message{nltest.Reply(m, msgType(unix.NFT_MSG_NEWGEN), k.genMsg())}, nil
	}
	fam := nat.Family(m.Data[0])
	match := func(f nat.Family) bool { return fam == nat.FamilyUnspec || f == fam }
	a := attrs(k.t, m)
	var parts []netlink.Message
	add := func(op uint16, v interface{ MarshalBinary() ([]byte, error) }) {
		b, err := v.MarshalBinary()
		if err != nil {
			k.t.Fatal(err)
		}
		parts = append(parts, nltest.Reply(m, msgType(op), b))
	}
	switch opOf(m) {
	case unix.NFT_MSG_GETTABLE:
		for i := range k.tables {
			if match(k.tables[i].Family) {
				add(unix.NFT_MSG_NEWTABLE, &k.tables[i])
			}
		}
	case unix.NFT_MSG_GETCHAIN:
		for i := range k.chains {
			if match(k.chains[i].Family) {
				add(unix.NFT_MSG_NEWCHAIN, &k.chains[i])
			}
		}
	case unix.NFT_MSG_GETRULE, unix.NFT_MSG_GETOBJ:
		table := cstr(a[unix.NFTA_RULE_TABLE]) // NFTA_OBJ_TABLE is 1 too
		if !k.hasTable(fam, table) {
			return []netlink.Message{nltest.Error(m, unix.ENOENT, "")}, nil
		}
		if opOf(m) == unix.NFT_MSG_GETRULE {
			for i := range k.rules {
				if match(k.rules[i].Family) && k.rules[i].Table == table {
					add(unix.NFT_MSG_NEWRULE, &k.rules[i])
				}
			}
		} else {
			for i := range k.objs {
				if match(k.objs[i].Family) && k.objs[i].Table == table {
					add(unix.NFT_MSG_NEWOBJ, &k.objs[i])
				}
			}
		}
	case unix.NFT_MSG_GETSET, unix.NFT_MSG_GETFLOWTABLE:
		// NFTA_SET_TABLE and NFTA_FLOWTABLE_TABLE are both 1.
		table := cstr(a[unix.NFTA_SET_TABLE])
		if !k.hasTable(fam, table) {
			return []netlink.Message{nltest.Error(m, unix.ENOENT, "")}, nil
		}
		for _, name := range k.sets {
			if opOf(m) == unix.NFT_MSG_GETSET && table == nat.TableName {
				b := []byte{byte(nat.TableFamily), 0, 0, 0}
				for _, at := range []struct {
					typ uint16
					s   string
				}{{unix.NFTA_SET_TABLE, table}, {unix.NFTA_SET_NAME, name}} {
					v := append([]byte(at.s), 0)
					b = binary.NativeEndian.AppendUint16(b, uint16(4+len(v)))
					b = binary.NativeEndian.AppendUint16(b, at.typ)
					b = append(append(b, v...), make([]byte, (4-len(v)%4)%4)...)
				}
				parts = append(parts, nltest.Reply(m, msgType(unix.NFT_MSG_NEWSET), b))
			}
		}
	default:
		k.t.Errorf("unexpected dump %s", opNames[opOf(m)])
	}
	out := nltest.Dump(m, parts...)
	if k.intr > 0 {
		k.intr--
		out[len(out)-1].Header.Flags |= netlink.DumpInterrupted
	}
	return out, nil
}

// genMsg is the payload of NFT_MSG_NEWGEN: nfgenmsg, NFTA_GEN_ID.
func (k *nft) genMsg() []byte {
	b := []byte{0, 0, 0, 0, 8, 0, unix.NFTA_GEN_ID, 0}
	return binary.BigEndian.AppendUint32(b, k.gen)
}

func cstr(b []byte) string {
	if i := slices.Index(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

func (k *nft) hasTable(f nat.Family, name string) bool {
	return slices.ContainsFunc(k.tables, func(t nat.Table) bool { return t.Family == f && t.Name == name })
}

// batch applies a transaction to a copy of the ruleset, and keeps the
// copy only if every message was accepted.
func (k *nft) batch(req []netlink.Message) ([]netlink.Message, error) {
	k.batches++
	name := "batch"
	for _, m := range req[1 : len(req)-1] {
		name += " " + opNames[opOf(m)]
	}
	k.ops = append(k.ops, name)
	begin, end := req[0], req[len(req)-1]
	if begin.Header.Type != netlink.HeaderType(unix.NFNL_MSG_BATCH_BEGIN) || end.Header.Type != netlink.HeaderType(unix.NFNL_MSG_BATCH_END) {
		k.t.Errorf("batch not framed by BEGIN and END: %v", name)
	}
	if k.writers > 0 {
		k.writers--
		k.gen++
	}
	if g, ok := attrs(k.t, begin)[unix.NFNL_BATCH_GENID]; ok && binary.BigEndian.Uint32(g) != k.gen {
		return []netlink.Message{nltest.Error(begin, unix.ERESTART, "")}, nil
	}
	if k.refuse != nil {
		if errno, text := k.refuse(0, begin); errno != 0 {
			return []netlink.Message{nltest.Error(begin, errno, text)}, nil
		}
	}
	next := &nft{tables: slices.Clone(k.tables), chains: slices.Clone(k.chains), rules: slices.Clone(k.rules),
		objs: slices.Clone(k.objs), handle: k.handle}
	var acks, echoes []netlink.Message
	failed := false
	for i, m := range req[1 : len(req)-1] {
		errno, text := next.apply(m)
		if errno == 0 && k.refuse != nil {
			errno, text = k.refuse(i+1, m)
		}
		switch {
		case errno != 0:
			failed = true
			acks = append(acks, nltest.Error(m, errno, text))
		case m.Header.Flags&netlink.Acknowledge != 0:
			acks = append(acks, nltest.Ack(m))
		}
		if errno == 0 && m.Header.Flags&netlink.Echo != 0 && opOf(m) == unix.NFT_MSG_NEWRULE {
			b, err := next.rules[len(next.rules)-1].MarshalBinary()
			if err != nil {
				k.t.Fatal(err)
			}
			echoes = append(echoes, nltest.Reply(m, msgType(unix.NFT_MSG_NEWRULE), b))
		}
	}
	if failed {
		return acks, nil
	}
	k.tables, k.chains, k.rules, k.objs, k.handle = next.tables, next.chains, next.rules, next.objs, next.handle
	k.gen++
	k.committed++
	if req[1].Header.Flags&netlink.Echo != 0 {
		echoes = append(echoes, nltest.Reply(req[1], msgType(unix.NFT_MSG_NEWGEN), k.genMsg()))
	}
	if end.Header.Flags&netlink.Acknowledge != 0 {
		acks = append(acks, nltest.Ack(end))
	}
	return append(echoes, acks...), nil
}

// apply makes one message's change, or says why the kernel refuses it.
func (k *nft) apply(m netlink.Message) (unix.Errno, string) {
	f := nat.Family(m.Data[0])
	switch opOf(m) {
	case unix.NFT_MSG_NEWTABLE:
		var t nat.Table
		must(t.UnmarshalBinary(m.Data))
		if !k.hasTable(f, t.Name) {
			k.tables = append(k.tables, t)
		} else if m.Header.Flags&netlink.Excl != 0 {
			return unix.EEXIST, ""
		}
	case unix.NFT_MSG_DELTABLE:
		var t nat.Table
		must(t.UnmarshalBinary(m.Data))
		if !k.hasTable(f, t.Name) {
			return unix.ENOENT, ""
		}
		k.tables = slices.DeleteFunc(k.tables, func(x nat.Table) bool { return x.Family == f && x.Name == t.Name })
		k.chains = slices.DeleteFunc(k.chains, func(x nat.Chain) bool { return x.Family == f && x.Table == t.Name })
		k.rules = slices.DeleteFunc(k.rules, func(x nat.Rule) bool { return x.Family == f && x.Table == t.Name })
		k.objs = slices.DeleteFunc(k.objs, func(x nat.CounterObject) bool { return x.Family == f && x.Table == t.Name })
	case unix.NFT_MSG_NEWCHAIN:
		var ch nat.Chain
		must(ch.UnmarshalBinary(m.Data))
		if !k.hasTable(f, ch.Table) {
			return unix.ENOENT, "No such table"
		}
		i := slices.IndexFunc(k.chains, func(x nat.Chain) bool { return x.Family == f && x.Table == ch.Table && x.Name == ch.Name })
		if i < 0 {
			k.chains = append(k.chains, ch)
		}
	case unix.NFT_MSG_NEWOBJ:
		var o nat.CounterObject
		must(o.UnmarshalBinary(m.Data))
		if !k.hasTable(f, o.Table) {
			return unix.ENOENT, "No such table"
		}
		if slices.ContainsFunc(k.objs, func(x nat.CounterObject) bool { return x.Family == f && x.Table == o.Table && x.Name == o.Name }) {
			return unix.EEXIST, ""
		}
		k.objs = append(k.objs, o)
	case unix.NFT_MSG_DELOBJ:
		var o nat.CounterObject
		must(o.UnmarshalBinary(m.Data))
		n := len(k.objs)
		k.objs = slices.DeleteFunc(k.objs, func(x nat.CounterObject) bool { return x.Family == f && x.Table == o.Table && x.Name == o.Name })
		if len(k.objs) == n {
			return unix.ENOENT, ""
		}
	case unix.NFT_MSG_NEWRULE:
		var r nat.Rule
		must(r.UnmarshalBinary(m.Data))
		if !slices.ContainsFunc(k.chains, func(x nat.Chain) bool { return x.Family == f && x.Table == r.Table && x.Name == r.Chain }) {
			return unix.ENOENT, "No such chain"
		}
		k.handle++
		r.Handle = k.handle
		k.rules = append(k.rules, r)
	case unix.NFT_MSG_DELRULE:
		var r nat.Rule
		must(r.UnmarshalBinary(m.Data))
		n := len(k.rules)
		k.rules = slices.DeleteFunc(k.rules, func(x nat.Rule) bool { return x.Family == f && x.Table == r.Table && x.Handle == r.Handle })
		if len(k.rules) == n {
			return unix.ENOENT, ""
		}
	default:
		return unix.EOPNOTSUPP, fmt.Sprintf("fake nf_tables: no message type %d", opOf(m))
	}
	return 0, ""
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
