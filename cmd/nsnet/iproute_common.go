package main

// What link, addr and route share: device names and references to
// namespaces, number and address parsing in iproute2's forms, and the
// index to name map that printing needs.

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/plan"
	"github.com/nsnet/nsnet/rtnl"
)

// checkDevName checks a device name as the kernel would (dev_valid_name),
// before anything is sent.
func checkDevName(name string) error {
	switch {
	case name == "":
		return usagef("invalid device name %q: empty", name)
	case len(name) > 15:
		return usagef("invalid device name %q: longer than 15 bytes", name)
	case name == "." || name == "..":
		return usagef("invalid device name %q", name)
	case strings.ContainsAny(name, "/:\x00"):
		return usagef("invalid device name %q: contains '/', ':' or NUL", name)
	case strings.IndexFunc(name, unicode.IsSpace) >= 0:
		return usagef("invalid device name %q: contains white space", name)
	}
	return nil
}

// devArg reads a device name after keyword.
func devArg(a *argv, keyword string) (string, error) {
	v, err := a.value(keyword)
	if err != nil {
		return "", err
	}
	return v, checkDevName(v)
}

// parseU32 parses a number as iproute2 does (decimal, 0x hex or 0 octal).
func parseU32(keyword, s string) (uint32, error) {
	n, err := strconv.ParseUint(s, 0, 32)
	if err != nil {
		msg := fmt.Sprintf("%q value is invalid\n", keyword)
		switch keyword {
		case "mtu", "txqueuelen", "txqlen", "qlen", "group":
			msg = fmt.Sprintf("Invalid %q value\n", keyword)
		}
		return 0, errInvarg(msg, s, usagef("invalid %s %q", keyword, s))
	}
	return uint32(n), nil
}

// u32Arg reads a number after keyword.
func u32Arg(a *argv, keyword string) (uint32, error) {
	v, err := a.value(keyword)
	if err != nil {
		return 0, err
	}
	return parseU32(keyword, v)
}

// parseMAC parses a link-layer address.
func parseMAC(s string) (net.HardwareAddr, error) {
	mac, err := net.ParseMAC(s)
	if err != nil {
		return nil, ipUsage(1, fmt.Sprintf("%q is invalid lladdr.", macBadPart(s)), usagef("invalid link-layer address %q", s))
	}
	return mac, nil
}

// parseIP parses an IP address; a zone is refused.
func parseIP(keyword, s string) (netip.Addr, error) {
	a, err := parseAddrIP(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, usagef("invalid address %q after %q", s, keyword)
	}
	return a, nil
}

// parsePrefix parses ADDR[/PLEN]; without a length the prefix is a host
// one (/32 or /128), as in iproute2. It keeps host bits (an interface
// address is 192.168.1.10/24). wasPlen says whether a length was given.
func parsePrefix(keyword, s string) (p netip.Prefix, wasPlen bool, err error) {
	addr, plen, found := strings.Cut(s, "/")
	a, err := parseAddrIP(addr)
	if err != nil || a.Zone() != "" {
		return p, false, usagef("invalid address %q after %q", s, keyword)
	}
	bits := a.BitLen()
	if found {
		n, err := strconv.ParseUint(plen, 10, 8)
		if err != nil && a.Is4() {
			// A dotted netmask (192.168.1.2/255.255.255.0), as ip takes.
			if m, merr := netip.ParseAddr(plen); merr == nil && m.Is4() {
				if ones, ok := maskBits(m); ok {
					n, err = uint64(ones), nil
				}
			}
		}
		if err != nil || int(n) > a.BitLen() {
			return p, false, usagef("invalid prefix length in %q after %q", s, keyword)
		}
		bits = int(n)
	}
	return netip.PrefixFrom(a, bits), found, nil
}

// nsRef names a network namespace the way `ip link set DEV netns X`
// takes it: a /run/netns name, a process id, or a file path (nsfs.Ref).
type nsRef = nsfs.Ref

// parseNSRef reads X (nsfs.ParseRef); a bad one is a usage error.
func parseNSRef(s string) (nsRef, error) {
	r, err := nsfs.ParseRef(s)
	if err != nil {
		return r, &usageError{msg: err.Error()}
	}
	return r, nil
}

// nsOpenError says what is missing when namespace r cannot be opened.
func nsOpenError(r nsRef, err error) error {
	if errors.Is(err, os.ErrNotExist) {
		switch r.Kind {
		case nsfs.RefName:
			return errInvarg("Invalid \"netns\" value\n", r.Name, notFound(fmt.Sprintf("netns %q: no such namespace (no %s)", r.Name, filepath.Join(nsfs.RunDir, r.Name))))
		case nsfs.RefPID:
			// ip hands the PID to the kernel, which answers ESRCH.
			return &ipErr{ip: "RTNETLINK answers: No such process", code: 2, err: notFound(fmt.Sprintf("netns %d: no such process", r.PID))}
		}
		return notFound(fmt.Sprintf("netns %s: no such file", r.Key()))
	}
	return err
}

// notFound is an error that says what is missing in its own words and
// matches os.ErrNotExist.
type notFound string

func (n notFound) Error() string { return string(n) }

// Is makes errors.Is(err, os.ErrNotExist) true.
func (n notFound) Is(target error) bool { return target == os.ErrNotExist }

// The commands that change state, checked to be reversible.
var (
	_ reversible = linkAdd{}
	_ reversible = linkSet{}
	_ reversible = linkDel{}
	_ reversible = linkProp{}
	_ reversible = addrChange{}
	_ reversible = addrFlush{}
	_ reversible = routeChange{}
	_ reversible = routeFlush{}
	_ reversible = sysctlSet{}
)

// noop does nothing: the inverse of a command that changed nothing.
type noop struct{}

func (noop) run(e *env) error { return nil }

// named makes an rtnl error name obj (a device name instead of "index
// 4", a route as typed) and returns it.
func named(err error, obj string) error {
	var re *rtnl.Error
	if errors.As(err, &re) && obj != "" {
		re.Object = obj
	}
	return err
}

// linkIndex resolves a device name with one RTM_GETLINK.
func linkIndex(c *rtnl.Conn, name string) (uint32, error) {
	i, err := c.LinkIndex(name)
	if noDevice(err) {
		return 0, errNoDevice(name, err)
	}
	return i, err
}

// linkTable is what printing links needs to know about the others: names
// and flags by index.
type linkTable struct {
	byIndex map[uint32]*rtnl.LinkMessage
	c       *rtnl.Conn
}

func newLinkTable(c *rtnl.Conn, links []rtnl.LinkMessage) *linkTable {
	t := &linkTable{byIndex: map[uint32]*rtnl.LinkMessage{}, c: c}
	for i := range links {
		t.byIndex[links[i].Index] = &links[i]
	}
	return t
}

// get returns the link with index i, asking the kernel for one it has not
// seen (when only one link was fetched).
func (t *linkTable) get(i uint32) *rtnl.LinkMessage {
	if l, ok := t.byIndex[i]; ok {
		return l
	}
	var l *rtnl.LinkMessage
	if t.c != nil {
		l, _ = t.c.LinkByIndex(i)
	}
	t.byIndex[i] = l
	return l
}

// name returns the name of index i, or "ifN" as iproute2 prints an
// unknown index.
func (t *linkTable) name(i uint32) string {
	if l := t.get(i); l != nil {
		return l.Attrs.Name
	}
	return "if" + strconv.FormatUint(uint64(i), 10)
}

// nsidNames maps the ids this namespace gave to named namespaces back to
// their names, for "link-netns NAME" (plan.NSIDNames).
func nsidNames(e *env) map[int32]string {
	c, err := e.rtnl()
	if err != nil {
		return map[int32]string{}
	}
	return plan.NSIDNames(c)
}

// optFamily is the rtnl family of the -4/-6 option (FamilyUnspec without).
func optFamily(opt options) rtnl.Family {
	switch opt.family {
	case 4:
		return rtnl.FamilyInet
	case 6:
		return rtnl.FamilyInet6
	}
	return rtnl.FamilyUnspec
}

// parseAddrIP parses an address as ip's get_addr does: besides the usual
// forms, IPv4 with fewer than four parts ("10", "10.1", "9.9.9") fills
// the missing bytes with zeros.
func parseAddrIP(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err == nil {
		return a, nil
	}
	parts := strings.Split(s, ".")
	if len(parts) > 4 || s == "" {
		return a, err
	}
	var b [4]byte
	for i, p := range parts {
		n, perr := strconv.ParseUint(p, 10, 8)
		if perr != nil || p == "" {
			return a, err
		}
		b[i] = byte(n)
	}
	return netip.AddrFrom4(b), nil
}

// maskBits is the length of a contiguous netmask.
func maskBits(m netip.Addr) (int, bool) {
	b := m.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	ones := 0
	for v&0x80000000 != 0 {
		v <<= 1
		ones++
	}
	return ones, v == 0
}

// familyWord is how ip names a family in "X prefix is expected".
func familyWord(f rtnl.Family) string {
	switch f {
	case rtnl.FamilyInet:
		return "inet"
	case rtnl.FamilyInet6:
		return "inet6"
	}
	return "any valid"
}

// macBadPart is the first colon-separated part of a link-layer address
// that is not a hexadecimal byte (what ip names in its error).
func macBadPart(s string) string {
	for _, p := range strings.Split(s, ":") {
		if n, err := strconv.ParseUint(p, 16, 8); err != nil || n > 255 || p == "" {
			return p
		}
	}
	return s
}
