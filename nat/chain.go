package nat

import (
	"golang.org/x/sys/unix"
)

// ChainType is the type of a base chain: "filter", "nat" or "route".
type ChainType string

// Chain types.
const (
	ChainFilter ChainType = "filter"
	ChainNAT    ChainType = "nat"
	ChainRoute  ChainType = "route"
)

// Standard priorities of base chains (nft's names).
const (
	PriorityDstNAT = -100 // dstnat: NAT on prerouting and output
	PriorityFilter = 0    // filter
	PrioritySrcNAT = 100  // srcnat: NAT on postrouting
)

// A Chain is an nf_tables chain. A base chain (Base not nil) is attached
// to a netfilter hook; a regular chain is only a jump target. Handle is
// reported by the kernel and ignored when sending.
//
//	NEWCHAIN family=inet
//	  NFTA_CHAIN_TABLE  "nsnet\0"
//	  NFTA_CHAIN_NAME   "postrouting\0"
//	  NFTA_CHAIN_HOOK   { NFTA_HOOK_HOOKNUM be32 4, NFTA_HOOK_PRIORITY be32 100 }
//	  NFTA_CHAIN_POLICY be32 1 (accept)
//	  NFTA_CHAIN_TYPE   "nat\0"
type Chain struct {
	Family Family
	Table  string
	Name   string
	Base   *BaseChain
	Handle uint64
}

// BaseChain is how a base chain is attached to a hook.
type BaseChain struct {
	Type     ChainType
	Hook     Hook
	Priority int32
	Policy   Policy
}

// MarshalBinary returns the chain as the payload of an NFT_MSG_NEWCHAIN
// or NFT_MSG_DELCHAIN message.
func (c *Chain) MarshalBinary() ([]byte, error) {
	return encodeMsg(c.Family, func(ae *encoder) {
		ae.String(unix.NFTA_CHAIN_TABLE, c.Table)
		ae.String(unix.NFTA_CHAIN_NAME, c.Name)
		if c.Base == nil {
			return
		}
		ae.Nested(unix.NFTA_CHAIN_HOOK, func(nae *encoder) error {
			nae.Uint32(unix.NFTA_HOOK_HOOKNUM, uint32(c.Base.Hook))
			nae.Int32(unix.NFTA_HOOK_PRIORITY, c.Base.Priority)
			return nil
		})
		ae.Uint32(unix.NFTA_CHAIN_POLICY, uint32(c.Base.Policy))
		ae.String(unix.NFTA_CHAIN_TYPE, string(c.Base.Type))
	})
}

// UnmarshalBinary decodes the payload of an NFT_MSG_NEWCHAIN message.
func (c *Chain) UnmarshalBinary(b []byte) error {
	f, attrs, err := splitNfgenmsg(b)
	if err != nil {
		return err
	}
	*c = Chain{Family: f}
	ad := newDecoder(attrs)
	base := func() *BaseChain {
		if c.Base == nil {
			// The kernel's default policy is accept.
			c.Base = &BaseChain{Policy: PolicyAccept}
		}
		return c.Base
	}
	for ad.Next() {
		switch ad.Type {
		case unix.NFTA_CHAIN_TABLE:
			c.Table = ad.String()
		case unix.NFTA_CHAIN_NAME:
			c.Name = ad.String()
		case unix.NFTA_CHAIN_HANDLE:
			c.Handle = ad.Uint64()
		case unix.NFTA_CHAIN_HOOK:
			bc := base()
			ad.Walk(func(nad *decoder) error {
				for nad.Next() {
					switch nad.Type {
					case unix.NFTA_HOOK_HOOKNUM:
						bc.Hook = Hook(nad.Uint32())
					case unix.NFTA_HOOK_PRIORITY:
						bc.Priority = nad.Int32()
					}
				}
				return nil
			})
		case unix.NFTA_CHAIN_POLICY:
			base().Policy = Policy(ad.Uint32())
		case unix.NFTA_CHAIN_TYPE:
			base().Type = ChainType(ad.String())
		}
	}
	return ad.Err()
}
