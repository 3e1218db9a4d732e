package nat

import (
	"golang.org/x/sys/unix"
)

// TableFlags are a table's flags (NFT_TABLE_F_*).
type TableFlags uint32

// Table flags.
const (
	TableDormant TableFlags = 0x1 // NFT_TABLE_F_DORMANT
	TableOwner   TableFlags = 0x2 // NFT_TABLE_F_OWNER
	TablePersist TableFlags = 0x4 // NFT_TABLE_F_PERSIST
)

// A Table is an nf_tables table, the container of chains. Handle and Use
// are reported by the kernel and ignored when sending.
//
//	NEWTABLE family=inet
//	  NFTA_TABLE_NAME  "nsnet\0"
//	  NFTA_TABLE_FLAGS be32 0
type Table struct {
	Family Family
	Name   string
	Flags  TableFlags
	Handle uint64
	Use    uint32
}

// MarshalBinary returns the table as the payload of an NFT_MSG_NEWTABLE or
// NFT_MSG_DELTABLE message: nfgenmsg and attributes.
func (t *Table) MarshalBinary() ([]byte, error) {
	return encodeMsg(t.Family, func(ae *encoder) {
		ae.String(unix.NFTA_TABLE_NAME, t.Name)
		if t.Flags != 0 {
			ae.Uint32(unix.NFTA_TABLE_FLAGS, uint32(t.Flags))
		}
	})
}

// UnmarshalBinary decodes the payload of an NFT_MSG_NEWTABLE message.
func (t *Table) UnmarshalBinary(b []byte) error {
	f, attrs, err := splitNfgenmsg(b)
	if err != nil {
		return err
	}
	*t = Table{Family: f}
	ad := newDecoder(attrs)
	for ad.Next() {
		switch ad.Type {
		case unix.NFTA_TABLE_NAME:
			t.Name = ad.String()
		case unix.NFTA_TABLE_FLAGS:
			t.Flags = TableFlags(ad.Uint32())
		case unix.NFTA_TABLE_USE:
			t.Use = ad.Uint32()
		case nftaTableHandle:
			t.Handle = ad.Uint64()
		}
	}
	return ad.Err()
}
