package main

import (
	"net/netip"
	"path"
	"strings"

	"github.com/nsnet/nsnet/rtnl"
)

// addrFilter is what "address show" and "address flush" select addresses
// by, as ip's filter: scope, a prefix the local address is inside ("to"),
// a label glob, and flags that must be set or clear.
type addrFilter struct {
	scope           *rtnl.Scope
	to              *netip.Prefix
	label           string
	flags, flagMask rtnl.AddrFlags
}

// addrFlagWords are ip's get_filter words: the flag and whether it must
// be set ("-word" wants it clear).
var addrFlagWords = map[string]struct {
	flag rtnl.AddrFlags
	set  bool
}{
	"dynamic": {rtnl.AddrPermanent, false}, "permanent": {rtnl.AddrPermanent, true},
	"secondary": {rtnl.AddrSecondary, true}, "temporary": {rtnl.AddrSecondary, true},
	"primary": {rtnl.AddrSecondary, false}, "tentative": {rtnl.AddrTentative, true},
	"deprecated": {rtnl.AddrDeprecated, true}, "home": {rtnl.AddrHomeAddress, true},
	"nodad": {rtnl.AddrNoDAD, true}, "mngtmpaddr": {rtnl.AddrManageTempAddr, true},
	"noprefixroute": {rtnl.AddrNoPrefixRoute, true}, "autojoin": {rtnl.AddrMcAutoJoin, true},
	"dadfailed": {rtnl.AddrDADFailed, true}, "optimistic": {rtnl.AddrOptimistic, true},
}

// parseWord takes one filter word (and its value) at a; it reports false
// for a word that is not a filter.
func (f *addrFilter) parseWord(word string, a *argv) (bool, error) {
	switch word {
	case "to":
		v, err := a.value(word)
		if err != nil {
			return true, err
		}
		p, _, err := parsePrefix(word, v)
		if err != nil {
			return true, errInvarg("invalid \"to\"\n", v, err)
		}
		p = p.Masked()
		f.to = &p
	case "scope":
		v, err := a.value(word)
		if err != nil {
			return true, err
		}
		if v == "all" {
			f.scope = nil
			return true, nil
		}
		s, err := rtnl.ParseScope(v)
		if err != nil {
			return true, errInvarg("invalid \"scope\"\n", v, usagef("invalid scope %q", v))
		}
		f.scope = &s
	case "label":
		v, err := a.value(word)
		if err != nil {
			return true, err
		}
		f.label = v
	default:
		name, neg := strings.CutPrefix(word, "-")
		w, ok := addrFlagWords[name]
		if !ok || neg && (name == "dynamic" || name == "permanent" || name == "secondary" || name == "primary" || name == "temporary") {
			return false, nil
		}
		set := w.set != neg
		f.flagMask |= w.flag
		if set {
			f.flags |= w.flag
		} else {
			f.flags &^= w.flag
		}
	}
	return true, nil
}

// active says whether any address filter was given.
func (f addrFilter) active() bool {
	return f.scope != nil || f.to != nil || f.label != "" || f.flagMask != 0
}

// pass says whether a passes the filter.
func (f addrFilter) pass(a *rtnl.AddrMessage) bool {
	if f.scope != nil && a.Scope != *f.scope {
		return false
	}
	if (f.flags^a.Flags)&f.flagMask != 0 {
		return false
	}
	if f.label != "" {
		l := a.Attrs.Label
		if a.Family != rtnl.FamilyInet {
			return false
		}
		if ok, _ := path.Match(f.label, l); !ok {
			return false
		}
	}
	if f.to != nil {
		local := addrLocal(a)
		if !local.IsValid() || local.Is4() != f.to.Addr().Is4() || !f.to.Contains(local) {
			return false
		}
	}
	return true
}

// isAddrFilterWord says whether word is a filter keyword rather than a
// device name.
func isAddrFilterWord(word string) bool {
	switch word {
	case "to", "scope", "label":
		return true
	}
	_, ok := addrFlagWords[strings.TrimPrefix(word, "-")]
	return ok
}
