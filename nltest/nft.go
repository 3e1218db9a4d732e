package nltest

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/nat"
)

// NFT is a small stateful nf_tables kernel for unit tests of code above
// nat: tables, chains, rules and counter objects, and a ruleset
// generation that each commit increments. A batch is checked against
// NFNL_BATCH_GENID and applied all or nothing; the new rules are echoed
// with their handles, then NFT_MSG_NEWGEN, and the acknowledgements
// follow, in the kernel's order. Dumps of tables, chains, rules and
// objects are answered (ENOENT for the rules or objects of a missing
// table); any other request is refused with EOPNOTSUPP. Func is its Func.
type NFT struct {
	Gen    uint32
	Tables []nat.Table
	Chains []nat.Chain
	Rules  []nat.Rule
	Objs   []nat.CounterObject
	// Refuse, when not nil, may refuse message i of a batch (1 is the
	// first after NFNL_MSG_BATCH_BEGIN) with an errno and an extended
	// acknowledgement text; the batch then changes nothing.
	Refuse func(i int, m netlink.Message) (unix.Errno, string)
	// Batches counts the batches committed.
	Batches int

	handle uint64
}

// NewNFT returns an empty ruleset at generation 1.
func NewNFT() *NFT { return &NFT{Gen: 1} }

// Func returns the NFT as the Func of a fake Conn (NAT).
func (k *NFT) Func() Func { return k.serve }

func nftType(op uint16) netlink.HeaderType {
	return netlink.HeaderType(unix.NFNL_SUBSYS_NFTABLES<<8 | op)
}

func nftOp(m netlink.Message) uint16 { return uint16(m.Header.Type) & 0xff }

// nftTable returns the NFTA_*_TABLE attribute (type 1 in rules, chains
// and objects) of a request after its nfgenmsg.
func nftTable(m netlink.Message) string {
	if len(m.Data) <= 4 {
		return ""
	}
	ad, err := netlink.NewAttributeDecoder(m.Data[4:])
	if err != nil {
		return ""
	}
	ad.ByteOrder = binary.BigEndian
	for ad.Next() {
		if ad.Type() == 1 {
			return ad.String()
		}
	}
	return ""
}

func (k *NFT) genMsg() []byte {
	b := []byte{0, 0, 0, 0, 8, 0, unix.NFTA_GEN_ID, 0}
	return binary.BigEndian.AppendUint32(b, k.Gen)
}

func (k *NFT) hasTable(f nat.Family, name string) bool {
	return slices.ContainsFunc(k.Tables, func(t nat.Table) bool { return t.Family == f && t.Name == name })
}

func (k *NFT) serve(req []netlink.Message) ([]netlink.Message, error) {
	if req[0].Header.Type == netlink.HeaderType(unix.NFNL_MSG_BATCH_BEGIN) {
		return k.batch(req)
	}
	m := req[0]
	if m.Header.Flags&netlink.Dump == 0 {
		if nftOp(m) != unix.NFT_MSG_GETGEN {
			return []netlink.Message{Error(m, unix.EOPNOTSUPP, "")}, nil
		}
		return []netlink.Message{Reply(m, nftType(unix.NFT_MSG_NEWGEN), k.genMsg())}, nil
	}
	fam := nat.Family(m.Data[0])
	match := func(f nat.Family) bool { return fam == nat.FamilyUnspec || f == fam }
	var parts []netlink.Message
	add := func(op uint16, v interface{ MarshalBinary() ([]byte, error) }) error {
		b, err := v.MarshalBinary()
		parts = append(parts, Reply(m, nftType(op), b))
		return err
	}
	var err error
	switch nftOp(m) {
	case unix.NFT_MSG_GETTABLE:
		for i := range k.Tables {
			if match(k.Tables[i].Family) && err == nil {
				err = add(unix.NFT_MSG_NEWTABLE, &k.Tables[i])
			}
		}
	case unix.NFT_MSG_GETCHAIN:
		for i := range k.Chains {
			if match(k.Chains[i].Family) && err == nil {
				err = add(unix.NFT_MSG_NEWCHAIN, &k.Chains[i])
			}
		}
	case unix.NFT_MSG_GETRULE, unix.NFT_MSG_GETOBJ:
		table := nftTable(m)
		if table != "" && !k.hasTable(fam, table) {
			return []netlink.Message{Error(m, unix.ENOENT, "")}, nil
		}
		for i := range k.Rules {
			if nftOp(m) == unix.NFT_MSG_GETRULE && match(k.Rules[i].Family) && (table == "" || k.Rules[i].Table == table) && err == nil {
				err = add(unix.NFT_MSG_NEWRULE, &k.Rules[i])
			}
		}
		for i := range k.Objs {
			if nftOp(m) == unix.NFT_MSG_GETOBJ && match(k.Objs[i].Family) && (table == "" || k.Objs[i].Table == table) && err == nil {
				err = add(unix.NFT_MSG_NEWOBJ, &k.Objs[i])
			}
		}
	case unix.NFT_MSG_GETSET, unix.NFT_MSG_GETFLOWTABLE:
		// The model holds no sets or flowtables: an empty dump, or no
		// table (NFTA_SET_TABLE and NFTA_FLOWTABLE_TABLE are 1, as
		// NFTA_RULE_TABLE).
		if table := nftTable(m); table != "" && !k.hasTable(fam, table) {
			return []netlink.Message{Error(m, unix.ENOENT, "")}, nil
		}
	default:
		return []netlink.Message{Error(m, unix.EOPNOTSUPP, "")}, nil
	}
	return Dump(m, parts...), err
}

// batch applies a transaction to a copy of the ruleset, and keeps the
// copy only if every message was accepted.
func (k *NFT) batch(req []netlink.Message) ([]netlink.Message, error) {
	begin, end := req[0], req[len(req)-1]
	if len(req) < 2 || end.Header.Type != netlink.HeaderType(unix.NFNL_MSG_BATCH_END) {
		return nil, fmt.Errorf("nltest: nf_tables batch not framed by BEGIN and END")
	}
	if g := nftGenID(begin); g != 0 && g != k.Gen {
		return []netlink.Message{Error(begin, unix.ERESTART, "")}, nil
	}
	next := &NFT{Tables: slices.Clone(k.Tables), Chains: slices.Clone(k.Chains), Rules: slices.Clone(k.Rules),
		Objs: slices.Clone(k.Objs), handle: k.handle}
	var acks, echoes []netlink.Message
	failed := false
	for i, m := range req[1 : len(req)-1] {
		errno, text, err := next.apply(m)
		if err != nil {
			return nil, err
		}
		if errno == 0 && k.Refuse != nil {
			errno, text = k.Refuse(i+1, m)
		}
		switch {
		case errno != 0:
			failed = true
			acks = append(acks, Error(m, errno, text))
		case m.Header.Flags&netlink.Acknowledge != 0:
			acks = append(acks, Ack(m))
		}
		if errno == 0 && m.Header.Flags&netlink.Echo != 0 && nftOp(m) == unix.NFT_MSG_NEWRULE {
			b, err := next.Rules[len(next.Rules)-1].MarshalBinary()
			if err != nil {
				return nil, err
			}
			echoes = append(echoes, Reply(m, nftType(unix.NFT_MSG_NEWRULE), b))
		}
	}
	if failed {
		return acks, nil
	}
	k.Tables, k.Chains, k.Rules, k.Objs, k.handle = next.Tables, next.Chains, next.Rules, next.Objs, next.handle
	k.Gen++
	k.Batches++
	if len(req) > 2 && req[1].Header.Flags&netlink.Echo != 0 {
		echoes = append(echoes, Reply(req[1], nftType(unix.NFT_MSG_NEWGEN), k.genMsg()))
	}
	if end.Header.Flags&netlink.Acknowledge != 0 {
		acks = append(acks, Ack(end))
	}
	return append(echoes, acks...), nil
}

// nftGenID is a BATCH_BEGIN's NFNL_BATCH_GENID, 0 when it has none.
func nftGenID(begin netlink.Message) uint32 {
	if len(begin.Data) <= 4 {
		return 0
	}
	ad, err := netlink.NewAttributeDecoder(begin.Data[4:])
	if err != nil {
		return 0
	}
	ad.ByteOrder = binary.BigEndian
	for ad.Next() {
		if ad.Type() == unix.NFNL_BATCH_GENID {
			return ad.Uint32()
		}
	}
	return 0
}

// apply makes one message's change, or says why the kernel refuses it.
func (k *NFT) apply(m netlink.Message) (unix.Errno, string, error) {
	f := nat.Family(m.Data[0])
	var err error
	switch nftOp(m) {
	case unix.NFT_MSG_NEWTABLE:
		var t nat.Table
		err = t.UnmarshalBinary(m.Data)
		if k.hasTable(f, t.Name) && m.Header.Flags&netlink.Excl != 0 {
			return unix.EEXIST, "", err
		}
		if !k.hasTable(f, t.Name) {
			k.Tables = append(k.Tables, t)
		}
	case unix.NFT_MSG_DELTABLE:
		var t nat.Table
		err = t.UnmarshalBinary(m.Data)
		if !k.hasTable(f, t.Name) {
			return unix.ENOENT, "", err
		}
		k.Tables = slices.DeleteFunc(k.Tables, func(x nat.Table) bool { return x.Family == f && x.Name == t.Name })
		k.Chains = slices.DeleteFunc(k.Chains, func(x nat.Chain) bool { return x.Family == f && x.Table == t.Name })
		k.Rules = slices.DeleteFunc(k.Rules, func(x nat.Rule) bool { return x.Family == f && x.Table == t.Name })
		k.Objs = slices.DeleteFunc(k.Objs, func(x nat.CounterObject) bool { return x.Family == f && x.Table == t.Name })
	case unix.NFT_MSG_NEWCHAIN:
		var ch nat.Chain
		err = ch.UnmarshalBinary(m.Data)
		if !k.hasTable(f, ch.Table) {
			return unix.ENOENT, "No such table", err
		}
		if !slices.ContainsFunc(k.Chains, func(x nat.Chain) bool { return x.Family == f && x.Table == ch.Table && x.Name == ch.Name }) {
			k.Chains = append(k.Chains, ch)
		}
	case unix.NFT_MSG_NEWOBJ:
		var o nat.CounterObject
		err = o.UnmarshalBinary(m.Data)
		if !k.hasTable(f, o.Table) {
			return unix.ENOENT, "No such table", err
		}
		if slices.ContainsFunc(k.Objs, func(x nat.CounterObject) bool { return x.Family == f && x.Table == o.Table && x.Name == o.Name }) {
			return unix.EEXIST, "", err
		}
		k.Objs = append(k.Objs, o)
	case unix.NFT_MSG_DELOBJ:
		var o nat.CounterObject
		err = o.UnmarshalBinary(m.Data)
		n := len(k.Objs)
		k.Objs = slices.DeleteFunc(k.Objs, func(x nat.CounterObject) bool { return x.Family == f && x.Table == o.Table && x.Name == o.Name })
		if len(k.Objs) == n {
			return unix.ENOENT, "", err
		}
	case unix.NFT_MSG_NEWRULE:
		var r nat.Rule
		err = r.UnmarshalBinary(m.Data)
		if !slices.ContainsFunc(k.Chains, func(x nat.Chain) bool { return x.Family == f && x.Table == r.Table && x.Name == r.Chain }) {
			return unix.ENOENT, "No such chain", err
		}
		k.handle++
		r.Handle = k.handle
		k.Rules = append(k.Rules, r)
	case unix.NFT_MSG_DELRULE:
		var r nat.Rule
		err = r.UnmarshalBinary(m.Data)
		n := len(k.Rules)
		k.Rules = slices.DeleteFunc(k.Rules, func(x nat.Rule) bool { return x.Family == f && x.Table == r.Table && x.Handle == r.Handle })
		if len(k.Rules) == n {
			return unix.ENOENT, "", err
		}
	default:
		return unix.EOPNOTSUPP, fmt.Sprintf("nltest: no nf_tables message type %d", nftOp(m)), nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("nltest: nf_tables: %v", err)
	}
	return 0, "", nil
}
