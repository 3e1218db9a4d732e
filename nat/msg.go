package nat

import (
	"encoding/binary"
	"fmt"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// nf_tables message types and attributes that golang.org/x/sys/unix lacks.
const (
	msgDestroyTable = 26 // NFT_MSG_DESTROYTABLE
	msgDestroyChain = 27 // NFT_MSG_DESTROYCHAIN
	msgDestroyRule  = 28 // NFT_MSG_DESTROYRULE

	nftaTableHandle   = 4  // NFTA_TABLE_HANDLE
	nftaTableUserdata = 6  // NFTA_TABLE_USERDATA
	nftaTableOwner    = 7  // NFTA_TABLE_OWNER
	nftaChainFlags    = 10 // NFTA_CHAIN_FLAGS
	nftaChainID       = 11 // NFTA_CHAIN_ID
	nftaChainUserdata = 12 // NFTA_CHAIN_USERDATA
)

// msgType returns the netlink message type of nf_tables operation op:
// (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_*.
func msgType(op uint16) netlink.HeaderType {
	return netlink.HeaderType(unix.NFNL_SUBSYS_NFTABLES<<8 | op)
}

// nfgenmsgLen is the size of struct nfgenmsg.
const nfgenmsgLen = 4

// nfgenmsg returns the family header every nfnetlink message starts with:
// family, version NFNETLINK_V0 and a big-endian resource id.
func nfgenmsg(f Family, resID uint16) []byte {
	b := []byte{byte(f), unix.NFNETLINK_V0, 0, 0}
	binary.BigEndian.PutUint16(b[2:], resID)
	return b
}

// splitNfgenmsg returns a message payload's family and its attributes.
func splitNfgenmsg(b []byte) (Family, []byte, error) {
	if len(b) < nfgenmsgLen {
		return 0, nil, fmt.Errorf("short nfgenmsg: %d bytes", len(b))
	}
	return Family(b[0]), b[nfgenmsgLen:], nil
}

// encodeMsg returns nfgenmsg followed by the attributes fn encodes.
func encodeMsg(f Family, fn func(ae *encoder)) ([]byte, error) {
	ae := newEncoder()
	fn(ae)
	attrs, err := ae.Encode()
	if err != nil {
		return nil, err
	}
	return append(nfgenmsg(f, 0), attrs...), nil
}

// Comments live in NFTA_*_USERDATA as a list of TLVs with one-byte type
// and length (libnftnl's udata); type 0 is the comment, NUL-terminated,
// the length counting the NUL:
//
//	00 08 6e 73 2d 6d 61 73 71 00   comment "ns-masq"
const udataComment = 0

// MaxComment is the longest comment a rule can carry, in bytes.
const MaxComment = 128

// encodeComment returns the userdata that carries comment.
func encodeComment(comment string) []byte {
	b := []byte{udataComment, byte(len(comment) + 1)}
	b = append(b, comment...)
	return append(b, 0)
}

// decodeComment returns the comment in userdata b, if there is a
// well-formed one (nft, too, ignores a comment without its NUL).
func decodeComment(b []byte) (string, bool) {
	for len(b) >= 2 {
		typ, l := b[0], int(b[1])
		if 2+l > len(b) {
			return "", false
		}
		v := b[2 : 2+l]
		if typ == udataComment && l > 0 && v[l-1] == 0 {
			return string(v[:l-1]), true
		}
		b = b[2+l:]
	}
	return "", false
}
