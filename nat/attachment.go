package nat

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nl"
)

// Attachment is one container's NAT: masquerade of its addresses and its
// port mappings, tagged by ID+IfName (a CNI attachment: container id and
// interface name), so that DelAttachment removes exactly its rules even
// when the container's network namespace is gone.
//
// Its rules go in nsnet's table (see the package documentation), all of
// them counting into one named counter object, "cni/ID/IFNAME", which is
// the attachment's index in the kernel: AddAttachment creates it with
// NLM_F_EXCL, so an attachment is added at most once however many
// processes try, and Attachments lists the counters. Every rule also
// carries the comment "nsnet attachment ID IFNAME" (cut to MaxComment
// bytes) for `nft list ruleset`.
//
// The rules, for each family:
//
//	postrouting  masquerade of traffic from each Masquerade prefix, except
//	             to MasqueradeExclude and multicast (224.0.0.0/4, ff00::/8)
//	prerouting   each PortMap: destination HostIP (or any local address,
//	             fib daddr type local), protocol and HostPort: dnat to
//	             ContainerIP:ContainerPort
//	output       the same for connections the host opens itself; not to
//	             loopback destinations (IPv4 ones with HostLocalhost)
//	postrouting  with SNATHairpin, for each mapping's target: masquerade of
//	             connections that were DNATed (ct status dnat) to it from
//	             the target itself, from the mapping's network (every
//	             prefix of Masquerade or MasqueradeExclude that holds
//	             ContainerIP), and, with HostLocalhost, from 127.0.0.0/8
type Attachment struct {
	// ID and IfName name the attachment (CNI_CONTAINERID, CNI_IFNAME).
	// ID is letters, digits and "_.-" (as the CNI spec has it), at most
	// MaxAttachmentID bytes; IfName is a valid interface name.
	ID, IfName string
	// Masquerade are the container addresses (or subnets) whose traffic
	// leaving is masqueraded.
	Masquerade []netip.Prefix
	// MasqueradeExclude are destinations not masqueraded (e.g. the
	// network's own subnet, as the bridge plugin's ipMasq does).
	// Multicast destinations are never masqueraded. A prefix here that
	// holds a mapping's ContainerIP is also that mapping's network for
	// SNATHairpin, so a caller that masquerades nothing can still name
	// the network here.
	MasqueradeExclude []netip.Prefix
	// PortMaps are the attachment's port mappings.
	PortMaps []PortMap
	// SNATHairpin masquerades hairpin and localhost traffic to a port
	// mapping, as portmap's snat option (default true there) does.
	SNATHairpin bool
	// HostLocalhost makes the IPv4 mappings reachable at 127.0.0.1 (all
	// of 127.0.0.0/8) from the host. That needs
	// net.ipv4.conf.IFACE.route_localnet=1 on the interface the container
	// is reached by (RouteLocalnetSysctl), which the caller sets, as
	// portmap does; the loopback source is masqueraded only with
	// SNATHairpin. IPv6 has no route_localnet: Linux sends no packet from
	// ::1 out of another interface, so ::1 is never mapped (a connection
	// to it reaches the host's own listener, if any).
	HostLocalhost bool
}

// PortMap is one port mapping of an Attachment: connections to
// HostIP:HostPort go to ContainerIP:ContainerPort. HostIP, when set, is of
// ContainerIP's family.
type PortMap struct {
	HostIP        netip.Addr // zero (or unspecified): any host address
	HostPort      uint16
	ContainerIP   netip.Addr
	ContainerPort uint16
	Proto         string // "tcp", "udp" or "sctp"; "" is tcp
}

// AttachmentKey names an attachment: container id and interface name.
type AttachmentKey struct{ ID, IfName string }

// String returns "ID/IFNAME".
func (k AttachmentKey) String() string { return k.ID + "/" + k.IfName }

// MaxAttachmentID is the longest attachment ID, in bytes: the counter
// object "cni/ID/IFNAME" must fit NFT_OBJ_MAXNAMELEN.
const MaxAttachmentID = maxObjName - len(attachCounterPrefix) - 1 - 15

// RouteLocalnetSysctl returns the sysctl that must be 1 for IPv4 port
// mappings to be reachable at 127.0.0.1 through iface (the host side of
// the container's link, or the bridge): the kernel drops packets with a
// loopback source on other interfaces unless it is set.
func RouteLocalnetSysctl(iface string) string {
	return "net.ipv4.conf." + iface + ".route_localnet"
}

// SCTP is IPPROTO_SCTP, for port mappings.
const SCTP Proto = 132

const (
	attachCounterPrefix = "cni/"
	attachComment       = commentPrefix + "attachment "
)

// key returns a's key.
func (a Attachment) key() AttachmentKey { return AttachmentKey{a.ID, a.IfName} }

// counterName is the name of the attachment's counter object.
func (k AttachmentKey) counterName() string { return attachCounterPrefix + k.ID + "/" + k.IfName }

// comment is the comment of the attachment's rules.
func (k AttachmentKey) comment() string {
	s := attachComment + k.ID + " " + k.IfName
	if len(s) > MaxComment {
		s = s[:MaxComment]
	}
	return s
}

// parseAttachCounter returns the key a counter name stands for.
func parseAttachCounter(name string) (AttachmentKey, bool) {
	rest, ok := strings.CutPrefix(name, attachCounterPrefix)
	if !ok {
		return AttachmentKey{}, false
	}
	id, ifname, ok := strings.Cut(rest, "/")
	k := AttachmentKey{id, ifname}
	return k, ok && k.valid() == nil
}

// valid checks the key.
func (k AttachmentKey) valid() error {
	if k.ID == "" || len(k.ID) > MaxAttachmentID {
		return fmt.Errorf("invalid attachment id %q (1 to %d bytes)", k.ID, MaxAttachmentID)
	}
	for i := 0; i < len(k.ID); i++ {
		c := k.ID[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("invalid attachment id %q: %q is not a letter, digit, '_', '.' or '-'", k.ID, c)
		}
	}
	return validIface(k.IfName)
}

// parseProto returns the Proto of a port mapping's protocol name.
func parseProto(s string) (Proto, error) {
	switch strings.ToLower(s) {
	case "", "tcp":
		return TCP, nil
	case "udp":
		return UDP, nil
	case "sctp":
		return SCTP, nil
	}
	return 0, fmt.Errorf("port mapping: unknown protocol %q (want tcp, udp or sctp)", s)
}

// validPrefix checks a prefix of an attachment.
func validPrefix(what string, p netip.Prefix) error {
	if !p.IsValid() || p.Addr().Zone() != "" {
		return fmt.Errorf("%s: invalid prefix %q", what, p)
	}
	if p.Addr().Is4In6() {
		return fmt.Errorf("%s: %s is an IPv4-mapped IPv6 prefix; write it as IPv4", what, p)
	}
	return nil
}

// multicast returns the multicast prefix of a's family.
func multicast(a netip.Addr) netip.Prefix {
	if a.Is4() {
		return netip.MustParsePrefix("224.0.0.0/4")
	}
	return netip.MustParsePrefix("ff00::/8")
}

// ctDNATMatch is `ct status dnat`: the connection's destination was
// rewritten (IPS_DST_NAT), by one of the attachment's mappings when the
// rest of the rule matches its target.
func ctDNATMatch() []Expr {
	const ipsDstNAT = 1 << 5
	return []Expr{
		&Ct{Key: CtStatus, DReg: Reg1},
		&Bitwise{SReg: Reg1, DReg: Reg1, Len: 4, Mask: binary.NativeEndian.AppendUint32(nil, ipsDstNAT), Xor: make([]byte, 4)},
		&Cmp{SReg: Reg1, Op: CmpNeq, Data: make([]byte, 4)},
	}
}

// Rules returns the rules of the attachment, in the order AddAttachment
// sends them, or an error naming what is not valid.
func (a Attachment) Rules() ([]Rule, error) {
	k := a.key()
	if err := k.valid(); err != nil {
		return nil, err
	}
	for _, p := range a.Masquerade {
		if err := validPrefix("masquerade", p); err != nil {
			return nil, err
		}
	}
	for _, p := range a.MasqueradeExclude {
		if err := validPrefix("masquerade exclude", p); err != nil {
			return nil, err
		}
	}
	cmt := k.comment()
	ctr := &Objref{Type: unix.NFT_OBJECT_COUNTER, Object: k.counterName()}
	rule := func(chain string, exprs ...[]Expr) Rule {
		r := Rule{Family: TableFamily, Table: TableName, Chain: chain, Comment: cmt}
		for _, e := range exprs {
			r.Exprs = append(r.Exprs, e...)
		}
		return r
	}
	var rules []Rule
	for _, p := range a.Masquerade {
		src := p.Masked()
		m := [][]Expr{nfprotoMatch(src.Addr()), prefixMatch(src, saddrOffset(src.Addr()), CmpEq)}
		for _, x := range a.MasqueradeExclude {
			if x.Addr().Is4() == src.Addr().Is4() {
				m = append(m, prefixMatch(x.Masked(), daddrOffset(x.Addr()), CmpNeq))
			}
		}
		mc := multicast(src.Addr())
		m = append(m, prefixMatch(mc, daddrOffset(mc.Addr()), CmpNeq), []Expr{ctr, &Masq{}})
		rules = append(rules, rule(chainPostrouting.Name, m...))
	}
	type target struct {
		proto Proto
		addr  netip.Addr
		port  uint16
	}
	var hairpins []target
	for i, pm := range a.PortMaps {
		proto, err := parseProto(pm.Proto)
		if err != nil {
			return nil, err
		}
		to, la := pm.ContainerIP, pm.HostIP
		if !to.IsValid() || to.IsUnspecified() || to.Is4In6() || to.Zone() != "" {
			return nil, fmt.Errorf("port mapping %d: invalid container address %q", i+1, to)
		}
		if pm.HostPort == 0 || pm.ContainerPort == 0 {
			return nil, fmt.Errorf("port mapping %d: port 0", i+1)
		}
		if la.IsUnspecified() {
			la = netip.Addr{}
		}
		if la.IsValid() && (la.Is4() != to.Is4() || la.Is4In6() || la.Zone() != "") {
			return nil, fmt.Errorf("port mapping %d: host address %s and container address %s are not of one family", i+1, la, to)
		}
		fam := FamilyIPv4
		if to.Is6() {
			fam = FamilyIPv6
		}
		tail := portMatch(proto, pm.HostPort)
		tail = append(tail, ctr,
			&Immediate{DReg: Reg1, Data: to.AsSlice()},
			&Immediate{DReg: Reg2, Data: binary.BigEndian.AppendUint16(nil, pm.ContainerPort)},
			&NAT{Type: NATDestination, Family: fam, RegAddrMin: Reg1, RegProtoMin: Reg2, Flags: RangeProtoSpecified})
		var pre, out []Expr
		if la.IsValid() {
			pre = prefixMatch(netip.PrefixFrom(la, la.BitLen()), daddrOffset(la), CmpEq)
			out = pre
		} else {
			pre = localMatch()
			out = localMatch()
			if !a.HostLocalhost || to.Is6() {
				out = append(out, prefixMatch(loopback(to), daddrOffset(to), CmpNeq)...)
			}
		}
		rules = append(rules,
			rule(chainPrerouting.Name, nfprotoMatch(to), pre, tail),
			rule(chainOutput.Name, nfprotoMatch(to), slices.Clone(out), slices.Clone(tail)))
		t := target{proto, to, pm.ContainerPort}
		if a.SNATHairpin && !slices.Contains(hairpins, t) {
			hairpins = append(hairpins, t)
		}
	}
	for _, t := range hairpins {
		for _, src := range hairpinSources(a, t.addr) {
			rules = append(rules, rule(chainPostrouting.Name,
				nfprotoMatch(t.addr), ctDNATMatch(),
				prefixMatch(src, saddrOffset(src.Addr()), CmpEq),
				prefixMatch(netip.PrefixFrom(t.addr, t.addr.BitLen()), daddrOffset(t.addr), CmpEq),
				portMatch(t.proto, t.port),
				[]Expr{ctr, &Masq{}}))
		}
	}
	return rules, nil
}

// hairpinSources returns the sources whose connections to a mapping's
// target to are masqueraded: the target itself, the prefixes of the
// attachment that hold it, and loopback with HostLocalhost; none inside
// another.
func hairpinSources(a Attachment, to netip.Addr) []netip.Prefix {
	cand := []netip.Prefix{netip.PrefixFrom(to, to.BitLen())}
	for _, p := range slices.Concat(a.Masquerade, a.MasqueradeExclude) {
		if p.Contains(to) {
			cand = append(cand, p.Masked())
		}
	}
	if a.HostLocalhost && to.Is4() {
		cand = append(cand, loopback(to))
	}
	var out []netip.Prefix
	for i, p := range cand {
		covered := false
		for j, q := range cand {
			if i != j && q.Bits() <= p.Bits() && q.Contains(p.Addr()) && (q.Bits() < p.Bits() || j < i) {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, p)
		}
	}
	return out
}

// attachmentError wraps err as an *Error of op on attachment k.
func attachmentError(op string, k AttachmentKey, err error) error {
	return commitError(op, "attachment "+k.String(), err)
}

// AddAttachment puts a's rules and its counter object in nsnet's table in
// one atomic transaction, with the table and base chains if they are
// missing. If an attachment with a's key is there, the error is ErrExist
// (errors.Is(err, os.ErrExist)) and nothing changes. It reads no rules:
// the kernel refuses the counter, and with it the whole batch, if it
// exists.
func (c *Conn) AddAttachment(a Attachment) error {
	k := a.key()
	rules, err := a.Rules()
	if err != nil {
		return nl.Wrap("add", "attachment "+k.String(), err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for attempt := 0; ; attempt++ {
		gen, err := c.Generation()
		if err != nil {
			return err
		}
		st := newState(false, nil)
		if c.based != 0 && c.based == gen {
			ensured(st)
		} else {
			chains, err := c.Chains(TableFamily)
			if errors.Is(err, ErrDumpInterrupted) && attempt < commitRetries {
				backoff(attempt)
				continue
			}
			if err != nil {
				return err
			}
			for _, ch := range chains {
				if ch.Table == TableName {
					st.table = true
					st.chains[ch.Name] = ch
				}
			}
		}
		b := &batch{}
		if err := ensureMissing(b, st); err != nil {
			return attachmentError("add", k, err)
		}
		if err := newCounter(b, k.counterName()); err != nil {
			return attachmentError("add", k, err)
		}
		if err := newRules(b, rules, ""); err != nil {
			return attachmentError("add", k, err)
		}
		// Echo the generation only: at it the table and chains are there.
		b.apply = func(*state, []Rule) bool { return false }
		b.noRuleEcho = true
		newGen, added, err := c.commit(gen, b)
		if err != nil {
			c.cache, c.based = nil, 0
		}
		if errors.Is(err, unix.ERESTART) && attempt < commitRetries {
			backoff(attempt)
			continue
		}
		// EEXIST for the counter: the attachment is there. (For a chain,
		// EEXIST says one of another type has its name.)
		var be *batchError
		if errors.Is(err, unix.EEXIST) && errors.As(err, &be) && strings.HasPrefix(be.what, "NFT_MSG_NEWOBJ") {
			return nl.Wrap("add", "attachment "+k.String(), ErrExist)
		}
		if err != nil {
			return attachmentError("add", k, err)
		}
		c.committed(gen, newGen, b, added)
		c.based = newGen
		return nil
	}
}

// attachView is what the attachment operations read of nsnet's table.
type attachView struct {
	rules    []Rule
	counters []string
}

// readAttachments reads the rules and counter names of nsnet's table.
func (c *Conn) readAttachments() (*attachView, error) {
	rules, err := c.Rules(TableFamily, TableName)
	if err != nil {
		return nil, err
	}
	ctrs, err := c.Counters(TableFamily, TableName)
	if err != nil {
		return nil, err
	}
	v := &attachView{rules: rules}
	for _, o := range ctrs {
		v.counters = append(v.counters, o.Name)
	}
	return v, nil
}

// keys returns the attachments the view's counters index, in the
// kernel's order.
func (v *attachView) keys() []AttachmentKey {
	var out []AttachmentKey
	for _, n := range v.counters {
		if k, ok := parseAttachCounter(n); ok {
			out = append(out, k)
		}
	}
	return out
}

// belongs reports whether r is a rule of attachment k: it counts into k's
// counter, or carries k's comment.
func belongs(r Rule, k AttachmentKey) bool {
	if r.Comment == k.comment() && len(k.comment()) < MaxComment {
		return true
	}
	name := k.counterName()
	for _, e := range r.Exprs {
		if o, ok := e.(*Objref); ok && o.Type == unix.NFT_OBJECT_COUNTER && o.Object == name {
			return true
		}
	}
	return false
}

// removeAttachments plans the removal of the attachments keys from the
// table as v shows it: the batch, nil when none of them is there, and
// the keys found. When nothing else would be left, the table goes.
func removeAttachments(v *attachView, keys []AttachmentKey) (*batch, []AttachmentKey, error) {
	var found []AttachmentKey
	var rules []Rule
	var ctrs []string
	for _, k := range keys {
		hit := false
		for _, r := range v.rules {
			if belongs(r, k) {
				rules = append(rules, r)
				hit = true
			}
		}
		if slices.Contains(v.counters, k.counterName()) {
			ctrs = append(ctrs, k.counterName())
			hit = true
		}
		if hit {
			found = append(found, k)
		}
	}
	if len(found) == 0 {
		return nil, nil, nil
	}
	b := &batch{}
	if len(rules) == len(v.rules) && len(ctrs) == len(v.counters) {
		return b, found, delTable(b)
	}
	if err := delRules(b, rules); err != nil {
		return nil, nil, err
	}
	for _, n := range ctrs {
		d := CounterObject{Family: TableFamily, Table: TableName, Name: n}
		if err := b.add(unix.NFT_MSG_DELOBJ, 0, TableFamily, &d, "NFT_MSG_DELOBJ "+tableDesc()+" counter "+n); err != nil {
			return nil, nil, err
		}
	}
	return b, found, nil
}

// removeWhere reads the table and removes the attachments pick chooses
// from the keys present, in one generation-checked batch, again after
// another writer's commit; it returns the keys removed.
func (c *Conn) removeWhere(op, obj string, pick func(present []AttachmentKey, v *attachView) []AttachmentKey) ([]AttachmentKey, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var removed []AttachmentKey
	err := c.atGeneration(func(gen uint32) error {
		removed = nil
		v, err := c.readAttachments()
		if err != nil {
			return err
		}
		b, found, err := removeAttachments(v, pick(v.keys(), v))
		if err != nil || b == nil {
			return nl.Wrap(op, obj, err)
		}
		_, _, err = c.commit(gen, b)
		c.cache, c.based = nil, 0
		if err != nil {
			return commitError(op, obj, err)
		}
		removed = found
		return nil
	})
	return removed, err
}

// DelAttachment removes exactly the rules and the counter of attachment
// id/ifname (and nsnet's table, when nothing else is in it), in one
// atomic transaction. It needs nothing but the key, so it works when the
// container's network namespace is gone, and it is idempotent: nil when
// the attachment is not there.
func (c *Conn) DelAttachment(id, ifname string) error {
	k := AttachmentKey{id, ifname}
	if err := k.valid(); err != nil {
		return nl.Wrap("delete", "attachment "+k.String(), err)
	}
	_, err := c.removeWhere("delete", "attachment "+k.String(), func([]AttachmentKey, *attachView) []AttachmentKey {
		return []AttachmentKey{k}
	})
	return err
}

// Attachments returns the key of every attachment in nsnet's table, in
// the kernel's order; none when there is no table.
func (c *Conn) Attachments() ([]AttachmentKey, error) {
	ctrs, err := c.Counters(TableFamily, TableName)
	if err != nil {
		return nil, err
	}
	v := &attachView{}
	for _, o := range ctrs {
		v.counters = append(v.counters, o.Name)
	}
	return v.keys(), nil
}

// GCAttachments removes, in one atomic transaction, every attachment whose
// key is not in valid, and returns the keys it removed. It also removes
// rules tagged with an attachment's comment whose counter is gone.
func (c *Conn) GCAttachments(valid []AttachmentKey) (removed []AttachmentKey, err error) {
	keep := make(map[AttachmentKey]bool, len(valid))
	for _, k := range valid {
		keep[k] = true
	}
	return c.removeWhere("gc", "attachments", func(present []AttachmentKey, v *attachView) []AttachmentKey {
		var out []AttachmentKey
		for _, k := range present {
			if !keep[k] {
				out = append(out, k)
			}
		}
		// Orphan rules: an attachment comment without its counter.
		for _, r := range v.rules {
			rest, ok := strings.CutPrefix(r.Comment, attachComment)
			if !ok || len(r.Comment) >= MaxComment {
				continue
			}
			id, ifname, ok := strings.Cut(rest, " ")
			k := AttachmentKey{id, ifname}
			if ok && k.valid() == nil && !keep[k] && !slices.Contains(out, k) && !slices.Contains(present, k) {
				out = append(out, k)
			}
		}
		return out
	})
}

// groupAttachments gathers the entries of rules that count into an
// attachment's counter into one entry per attachment, in the place of the
// first, with the counter's values; an attachment whose counter has no
// rules gets an entry at the end.
func groupAttachments(entries []Entry, counters []CounterObject) []Entry {
	byName := map[string]*CounterObject{}
	for i := range counters {
		if _, ok := parseAttachCounter(counters[i].Name); ok {
			byName[counters[i].Name] = &counters[i]
		}
	}
	if len(byName) == 0 {
		return entries
	}
	out := make([]Entry, 0, len(entries))
	at := map[string]int{}
	for _, e := range entries {
		name := ""
		if e.Object == nil && len(e.Rules) == 1 {
			for _, x := range e.Rules[0].Exprs {
				if o, ok := x.(*Objref); ok && o.Type == unix.NFT_OBJECT_COUNTER && byName[o.Object] != nil {
					name = o.Object
				}
			}
		}
		if name == "" {
			out = append(out, e)
			continue
		}
		if i, ok := at[name]; ok {
			out[i].Rules = append(out[i].Rules, e.Rules...)
			continue
		}
		at[name] = len(out)
		out = append(out, attachmentEntry(byName[name], e.Rules))
	}
	for i := range counters {
		if c := &counters[i]; byName[c.Name] != nil {
			if _, ok := at[c.Name]; !ok {
				out = append(out, attachmentEntry(c, nil))
			}
		}
	}
	return out
}

func attachmentEntry(c *CounterObject, rules []Rule) Entry {
	k, _ := parseAttachCounter(c.Name)
	return Entry{Attachment: &k, Rules: rules, Intact: true, Packets: c.Counter.Packets, Bytes: c.Counter.Bytes}
}

// CheckAttachment reports whether a is in nsnet's table exactly as
// AddAttachment puts it (CNI CHECK): its counter and its rules, no rule
// missing, edited or extra. The error is ErrNotExist (errors.Is(err,
// os.ErrNotExist)) when there is no attachment with a's key, and says
// what differs otherwise.
func (c *Conn) CheckAttachment(a Attachment) error {
	k := a.key()
	obj := "attachment " + k.String()
	want, err := a.Rules()
	if err != nil {
		return nl.Wrap("check", obj, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	v, err := c.readAttachments()
	if err != nil {
		return err
	}
	var have []Rule
	for _, r := range v.rules {
		if belongs(r, k) {
			have = append(have, r)
		}
	}
	if !slices.Contains(v.counters, k.counterName()) {
		if len(have) == 0 {
			return nl.Wrap("check", obj, ErrNotExist)
		}
		return nl.Wrap("check", obj, fmt.Errorf("counter %s is missing", k.counterName()))
	}
	used := make([]bool, len(have))
	missing := 0
	for _, w := range want {
		found := false
		for i, r := range have {
			if !used[i] && r.Chain == w.Chain && sameExprs(r.Exprs, w.Exprs) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			missing++
		}
	}
	extra := len(have) - (len(want) - missing)
	if missing > 0 || extra > 0 {
		return nl.Wrap("check", obj, fmt.Errorf("%d of its %d rules missing or changed, %d other rules tagged with it", missing, len(want), extra))
	}
	return nil
}
