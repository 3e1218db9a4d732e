package nat

import (
	"encoding"
	"errors"
	"fmt"
	"syscall"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// A batch is an nf_tables transaction being built: the messages between
// NFNL_MSG_BATCH_BEGIN and NFNL_MSG_BATCH_END, each with a description
// that errors name.
type batch struct {
	msgs []netlink.Message
	what []string
	// apply, when not nil, changes a state to what the committed batch
	// made it, given the new rules as the kernel echoed them; false
	// means it cannot, and the state is dropped. When it is nil nothing
	// is echoed and a Conn reads the table again next time.
	apply func(st *state, added []Rule) bool
	// noRuleEcho leaves the new rules unechoed even with apply set.
	noRuleEcho bool
}

var errNoGen = errors.New("no NFT_MSG_NEWGEN in the reply")

// add appends an nf_tables message: op is an NFT_MSG_* value, flags are
// added to NLM_F_REQUEST|NLM_F_ACK, and m is the object.
func (b *batch) add(op uint16, flags netlink.HeaderFlags, f Family, m encoding.BinaryMarshaler, what string) error {
	data, err := m.MarshalBinary()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	b.msgs = append(b.msgs, netlink.Message{
		Header: netlink.Header{Type: msgType(op), Flags: netlink.Request | netlink.Acknowledge | flags},
		Data:   data,
	})
	b.what = append(b.what, what)
	return nil
}

func (b *batch) empty() bool { return len(b.msgs) == 0 }

// frame returns the messages to send: BEGIN, the batch, END. BEGIN's
// nfgenmsg carries the subsystem (NFNL_SUBSYS_NFTABLES) as res_id, and,
// when genID is not 0, NFNL_BATCH_GENID: the kernel then refuses the whole
// batch with ERESTART if the ruleset changed since that generation. END
// asks for an acknowledgement, which comes last and only on commit.
//
//	BATCH_BEGIN flags=REQUEST nfgenmsg{0, 0, be16 10} NFNL_BATCH_GENID be32 gen
//	NEWTABLE ... flags=REQUEST|ACK|CREATE
//	BATCH_END   flags=REQUEST|ACK nfgenmsg{0, 0, be16 10}
func (b *batch) frame(genID uint32) ([]netlink.Message, error) {
	begin := nfgenmsg(FamilyUnspec, unix.NFNL_SUBSYS_NFTABLES)
	if genID != 0 {
		ae := newEncoder()
		ae.Uint32(unix.NFNL_BATCH_GENID, genID)
		attrs, err := ae.Encode()
		if err != nil {
			return nil, err
		}
		begin = append(begin, attrs...)
	}
	msgs := make([]netlink.Message, 0, len(b.msgs)+2)
	msgs = append(msgs, netlink.Message{
		Header: netlink.Header{Type: netlink.HeaderType(unix.NFNL_MSG_BATCH_BEGIN), Flags: netlink.Request},
		Data:   begin,
	})
	msgs = append(msgs, b.msgs...)
	msgs = append(msgs, netlink.Message{
		Header: netlink.Header{Type: netlink.HeaderType(unix.NFNL_MSG_BATCH_END), Flags: netlink.Request | netlink.Acknowledge},
		Data:   nfgenmsg(FamilyUnspec, unix.NFNL_SUBSYS_NFTABLES),
	})
	return msgs, nil
}

// commit sends the batch in one sendmsg and waits for the kernel's
// verdict. The error names the message the kernel refused; ERESTART
// (a generation mismatch) is left for the caller to retry.
//
// When the batch has an apply function, commit asks for echoes
// (NLM_F_ECHO): of the first message, which makes the kernel send the
// requester the new generation (NFT_MSG_NEWGEN) after the commit, and of
// each new rule, which carries the handle the kernel gave it. It returns
// that generation (0 when none came) and the rules. A DELTABLE is never
// echoed: its echo would bring one message per rule and chain it removed.
func (c *Conn) commit(genID uint32, b *batch) (uint32, []Rule, error) {
	msgs, err := b.frame(genID)
	if err != nil {
		return 0, nil, err
	}
	if b.apply != nil && len(msgs) > 2 && opOf(msgs[1]) != unix.NFT_MSG_DELTABLE {
		msgs[1].Header.Flags |= netlink.Echo
		for i := 1; i < len(msgs)-1 && !b.noRuleEcho; i++ {
			if opOf(msgs[i]) == unix.NFT_MSG_NEWRULE {
				msgs[i].Header.Flags |= netlink.Echo
			}
		}
	}
	replies, idx, err := c.nl.SendBatch(msgs)
	if err == nil {
		gen, added := echoed(replies)
		return gen, added, nil
	}
	if errors.Is(err, unix.ERESTART) {
		return 0, nil, err
	}
	switch {
	case idx == 0:
		return 0, nil, &batchError{what: "NFNL_MSG_BATCH_BEGIN", err: explain(err, false)}
	case idx > 0 && idx <= len(b.what):
		m := b.msgs[idx-1]
		return 0, nil, &batchError{what: b.what[idx-1], err: explain(err, opOf(m) == unix.NFT_MSG_NEWCHAIN || opOf(m) == unix.NFT_MSG_NEWRULE)}
	case idx == len(msgs)-1:
		return 0, nil, &batchError{what: "NFNL_MSG_BATCH_END", err: err}
	}
	return 0, nil, err
}

// echoed returns the generation and the new rules in the kernel's echoes
// of a committed batch; the generation is 0 when there was none, or when
// an echo could not be decoded.
func echoed(replies []netlink.Message) (uint32, []Rule) {
	var gen uint32
	var rules []Rule
	for _, m := range replies {
		switch m.Header.Type {
		case msgType(unix.NFT_MSG_NEWGEN):
			g, err := decodeGen(m.Data)
			if err != nil {
				return 0, nil
			}
			gen = g
		case msgType(unix.NFT_MSG_NEWRULE):
			var r Rule
			if err := r.UnmarshalBinary(m.Data); err != nil {
				return 0, nil
			}
			rules = append(rules, r)
		}
	}
	return gen, rules
}

func opOf(m netlink.Message) uint16 { return uint16(m.Header.Type) & 0xff }

// batchError says which message of a batch the kernel refused; the
// caller moves what into the *Error's object.
type batchError struct {
	what string
	err  error
}

func (e *batchError) Error() string { return e.what + ": " + e.err.Error() }
func (e *batchError) Unwrap() error { return e.err }

// explain turns the errors a kernel without nf_tables, or without the
// modules NAT needs, gives into a sentence. isNew says the failing message
// created a chain or rule, where ENOENT means a chain type or expression
// the kernel could not load.
func explain(err error, isNew bool) error {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err
	}
	switch {
	case errno == unix.EPROTONOSUPPORT:
		return &explained{"the kernel has no nfnetlink (CONFIG_NETFILTER_NETLINK)", errno}
	case errno == unix.EOPNOTSUPP && !isNew:
		return &explained{"the kernel has no nf_tables (CONFIG_NF_TABLES; try modprobe nf_tables)", errno}
	case errno == unix.ENOENT && isNew:
		return &explained{"the kernel lacks an nf_tables module this needs " +
			"(nft_chain_nat, nft_nat, nft_masq, nft_ct, nft_fib_inet; load them on the host)", errno}
	}
	return err
}

// explained is a kernel error number with a sentence saying what it means
// here; it unwraps to the number.
type explained struct {
	text  string
	errno syscall.Errno
}

func (e *explained) Error() string {
	return e.text + " (" + unix.ErrnoName(e.errno) + ": " + e.errno.Error() + ")"
}
func (e *explained) Unwrap() error { return e.errno }

// KernelRefused says the kernel answered with this error (nsnet exits 2).
func (e *explained) KernelRefused() bool { return true }
