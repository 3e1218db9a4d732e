package nat_test

import (
	"errors"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/nat"
)

// web is an attachment with masquerade, one port mapping per family, a
// mapping on one host address, hairpin and localhost.
func web(id string) nat.Attachment {
	return nat.Attachment{
		ID: id, IfName: "eth0",
		Masquerade:        []netip.Prefix{netip.MustParsePrefix("10.99.0.2/32"), netip.MustParsePrefix("fd99::2/128")},
		MasqueradeExclude: []netip.Prefix{netip.MustParsePrefix("10.99.0.0/24"), netip.MustParsePrefix("fd99::/64")},
		PortMaps: []nat.PortMap{
			{HostPort: 8080, ContainerIP: netip.MustParseAddr("10.99.0.2"), ContainerPort: 80, Proto: "tcp"},
			{HostPort: 8080, ContainerIP: netip.MustParseAddr("fd99::2"), ContainerPort: 80},
			{HostIP: netip.MustParseAddr("192.0.2.1"), HostPort: 5353, ContainerIP: netip.MustParseAddr("10.99.0.2"), ContainerPort: 53, Proto: "udp"},
		},
		SNATHairpin:   true,
		HostLocalhost: true,
	}
}

// describe returns "CHAIN: RULE" for each rule of k's table inet nsnet.
func (k *nft) describe() []string {
	var out []string
	for _, r := range k.rules {
		out = append(out, r.Chain+": "+nat.Describe(r.Exprs)+" # "+r.Comment)
	}
	return out
}

// The rules of an attachment, as Describe reads them back from the
// kernel's copy: masquerade except to the network and multicast, DNAT
// from prerouting (any local address, or the one host address) and from
// output (with localhost for IPv4, never ::1), and hairpin masquerade of
// DNATed connections from the network and from loopback; all in one
// batch with the table, chains and the attachment's counter.
func TestAddAttachmentRules(t *testing.T) {
	k := newNFT(t)
	c := k.conn()
	if err := c.AddAttachment(web("c1")); err != nil {
		t.Fatal(err)
	}
	if want := []string{"GETGEN", "GETCHAIN", "batch NEWTABLE NEWCHAIN NEWCHAIN NEWCHAIN NEWCHAIN NEWOBJ" + strings.Repeat(" NEWRULE", 13)}; !slices.Equal(k.ops, want) {
		t.Errorf("ops %q\nwant %q", k.ops, want)
	}
	cmt := ` # nsnet attachment c1 eth0`
	ctr := `counter name "cni/c1/eth0"`
	want := []string{
		`postrouting: meta nfproto ipv4 ip saddr 10.99.0.2 ip daddr != 10.99.0.0/24 ip daddr != 224.0.0.0/4 ` + ctr + ` masquerade` + cmt,
		`postrouting: meta nfproto ipv6 ip6 saddr fd99::2 ip6 daddr != fd99::/64 ip6 daddr != ff00::/8 ` + ctr + ` masquerade` + cmt,
		`prerouting: meta nfproto ipv4 fib daddr type local meta l4proto tcp tcp dport 8080 ` + ctr + ` dnat ip to 10.99.0.2:80` + cmt,
		`output: meta nfproto ipv4 fib daddr type local meta l4proto tcp tcp dport 8080 ` + ctr + ` dnat ip to 10.99.0.2:80` + cmt,
		`prerouting: meta nfproto ipv6 fib daddr type local meta l4proto tcp tcp dport 8080 ` + ctr + ` dnat ip6 to [fd99::2]:80` + cmt,
		`output: meta nfproto ipv6 fib daddr type local ip6 daddr != ::1 meta l4proto tcp tcp dport 8080 ` + ctr + ` dnat ip6 to [fd99::2]:80` + cmt,
		`prerouting: meta nfproto ipv4 ip daddr 192.0.2.1 meta l4proto udp udp dport 5353 ` + ctr + ` dnat ip to 10.99.0.2:53` + cmt,
		`output: meta nfproto ipv4 ip daddr 192.0.2.1 meta l4proto udp udp dport 5353 ` + ctr + ` dnat ip to 10.99.0.2:53` + cmt,
	}
	got := k.describe()
	if len(got) != 13 {
		t.Fatalf("%d rules:\n%s", len(got), strings.Join(got, "\n"))
	}
	for i, w := range want {
		if got[i] != w {
			t.Errorf("rule %d:\n got %s\nwant %s", i, got[i], w)
		}
	}
	// Hairpin: ct status dnat, then source, target and port.
	for i, w := range []string{"ip saddr 10.99.0.0/24 ip daddr 10.99.0.2 meta l4proto tcp tcp dport 80",
		"ip saddr 127.0.0.0/8 ip daddr 10.99.0.2 meta l4proto tcp tcp dport 80",
		"ip6 saddr fd99::/64 ip6 daddr fd99::2 meta l4proto tcp tcp dport 80",
		"ip saddr 10.99.0.0/24 ip daddr 10.99.0.2 meta l4proto udp udp dport 53",
		"ip saddr 127.0.0.0/8 ip daddr 10.99.0.2 meta l4proto udp udp dport 53"} {
		r := got[8+i]
		if !strings.HasPrefix(r, "postrouting: meta nfproto ") || !strings.Contains(r, " "+w+" "+ctr+" masquerade") || !strings.Contains(r, "meta nfproto ipv") || !strings.Contains(r, " ct status dnat ") {
			t.Errorf("hairpin rule %d: %s\nwant %s", i, r, w)
		}
	}
	if got := k.counterNames(); !slices.Equal(got, []string{"cni/c1/eth0"}) {
		t.Errorf("counters %q", got)
	}

	// A second attachment on the same Conn: no dump, the table is known.
	k.ops = nil
	a := web("c2")
	a.SNATHairpin, a.HostLocalhost, a.PortMaps[0].HostPort = false, false, 8081
	a.PortMaps = a.PortMaps[:1]
	if err := c.AddAttachment(a); err != nil {
		t.Fatal(err)
	}
	if want := []string{"GETGEN", "batch NEWOBJ NEWRULE NEWRULE NEWRULE NEWRULE"}; !slices.Equal(k.ops, want) {
		t.Errorf("ops %q\nwant %q", k.ops, want)
	}
	if r := k.describe()[16]; !strings.Contains(r, "output: meta nfproto ipv4 fib daddr type local ip daddr != 127.0.0.0/8 ") {
		t.Errorf("output rule without HostLocalhost: %s", r)
	}
	keys, err := c.Attachments()
	if err != nil || !slices.Equal(keys, []nat.AttachmentKey{{"c1", "eth0"}, {"c2", "eth0"}}) {
		t.Errorf("Attachments: %v %v", keys, err)
	}
}

// Adding a key that is there is refused by the kernel (the counter, with
// NLM_F_EXCL) and changes nothing, from another Conn too.
func TestAddAttachmentExists(t *testing.T) {
	k := newNFT(t)
	if err := k.conn().AddAttachment(web("c1")); err != nil {
		t.Fatal(err)
	}
	before := k.describe()
	a := web("c1")
	a.PortMaps = nil
	err := k.conn().AddAttachment(a)
	if !errors.Is(err, nat.ErrExist) || !errors.Is(err, os.ErrExist) || !strings.Contains(err.Error(), "attachment c1/eth0") {
		t.Fatalf("got %v", err)
	}
	if !slices.Equal(k.describe(), before) || k.committed != 1 {
		t.Errorf("changed: %d commits\n%s", k.committed, strings.Join(k.describe(), "\n"))
	}
}

// Bad input: an error naming the bad token, and nothing sent.
func TestAttachmentInvalid(t *testing.T) {
	ok := func() nat.Attachment { return web("c1") }
	cases := []struct {
		change func(a *nat.Attachment)
		want   string
	}{
		{func(a *nat.Attachment) { a.ID = "" }, `invalid attachment id ""`},
		{func(a *nat.Attachment) { a.ID = "a b" }, `invalid attachment id "a b"`},
		{func(a *nat.Attachment) { a.ID = strings.Repeat("x", nat.MaxAttachmentID+1) }, `invalid attachment id`},
		{func(a *nat.Attachment) { a.IfName = "eth0/1" }, `invalid interface name "eth0/1"`},
		{func(a *nat.Attachment) { a.IfName = "" }, `invalid interface name ""`},
		{func(a *nat.Attachment) { a.Masquerade[0] = netip.Prefix{} }, `masquerade: invalid prefix`},
		{func(a *nat.Attachment) { a.Masquerade[0] = netip.MustParsePrefix("::ffff:10.0.0.1/128") }, `IPv4-mapped`},
		{func(a *nat.Attachment) { a.MasqueradeExclude[0] = netip.Prefix{} }, `masquerade exclude: invalid prefix`},
		{func(a *nat.Attachment) { a.PortMaps[1].Proto = "icmp" }, `unknown protocol "icmp"`},
		{func(a *nat.Attachment) { a.PortMaps[1].HostPort = 0 }, `port mapping 2: port 0`},
		{func(a *nat.Attachment) { a.PortMaps[1].ContainerIP = netip.Addr{} }, `port mapping 2: invalid container address`},
		{func(a *nat.Attachment) { a.PortMaps[0].ContainerIP = netip.IPv4Unspecified() }, `port mapping 1: invalid container address "0.0.0.0"`},
		{func(a *nat.Attachment) { a.PortMaps[1].HostIP = netip.MustParseAddr("192.0.2.1") }, `192.0.2.1 and container address fd99::2 are not of one family`},
	}
	for _, c := range cases {
		k := newNFT(t)
		a := ok()
		c.change(&a)
		err := k.conn().AddAttachment(a)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want %q, got %v", c.want, err)
		}
		if len(k.ops) != 0 {
			t.Errorf("%q: sent %q", c.want, k.ops)
		}
	}
	k := newNFT(t)
	if err := k.conn().DelAttachment("a:b", "eth0"); err == nil || !strings.Contains(err.Error(), `invalid attachment id "a:b"`) {
		t.Errorf("del: %v", err)
	}
	if len(k.ops) != 0 {
		t.Errorf("del sent %q", k.ops)
	}
	// An unspecified host address means any; sctp is a protocol.
	a := ok()
	a.PortMaps = []nat.PortMap{{HostIP: netip.IPv6Unspecified(), HostPort: 9, ContainerIP: netip.MustParseAddr("fd99::2"), ContainerPort: 9, Proto: "SCTP"}}
	rules, err := a.Rules()
	if err != nil {
		t.Fatal(err)
	}
	if d := nat.Describe(rules[2].Exprs); !strings.Contains(d, "fib daddr type local meta l4proto sctp") {
		t.Errorf("sctp mapping: %s", d)
	}
	if nat.SCTP.String() != "sctp" {
		t.Errorf("SCTP is %q", nat.SCTP)
	}
}

// DelAttachment removes exactly that key's rules and counter, leaves the
// rest as it was, is idempotent, and takes the table with the last one.
func TestDelAttachment(t *testing.T) {
	k := newNFT(t)
	c := k.conn()
	pub := nat.Publish{Listen: netip.AddrPortFrom(netip.Addr{}, 7000), To: netip.MustParseAddrPort("10.99.0.9:70")}
	for _, err := range []error{c.AddAttachment(web("c1")), c.Add(pub), c.AddAttachment(web("c2"))} {
		if err != nil {
			t.Fatal(err)
		}
	}
	var keep []string
	for _, r := range k.describe() {
		if !strings.HasSuffix(r, "c2 eth0") {
			keep = append(keep, r)
		}
	}
	k.ops = nil
	if err := c.DelAttachment("c2", "eth0"); err != nil {
		t.Fatal(err)
	}
	if want := []string{"GETGEN", "GETRULE", "GETOBJ", "batch" + strings.Repeat(" DELRULE", 13) + " DELOBJ"}; !slices.Equal(k.ops, want) {
		t.Errorf("ops %q\nwant %q", k.ops, want)
	}
	if got := k.describe(); !slices.Equal(got, keep) {
		t.Errorf("left\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(keep, "\n"))
	}
	if got := k.counterNames(); !slices.Equal(got, []string{"cni/c1/eth0", nat.CounterName(pub)}) {
		t.Errorf("counters %q", got)
	}
	k.ops = nil
	if err := c.DelAttachment("c2", "eth0"); err != nil {
		t.Fatal(err)
	}
	if want := []string{"GETGEN", "GETRULE", "GETOBJ"}; !slices.Equal(k.ops, want) {
		t.Errorf("second del: ops %q", k.ops)
	}
	if err := c.DelAttachment("c1", "eth0"); err != nil {
		t.Fatal(err)
	}
	// Deleting the publish now removes the table: nothing else is left.
	k.ops = nil
	if err := c.Delete(pub); err != nil {
		t.Fatal(err)
	}
	if len(k.tables) != 0 || !slices.Contains(k.ops, "batch DELTABLE") {
		t.Errorf("table left: %v, ops %q", k.tables, k.ops)
	}
	// And with only attachments, the last one's del removes the table.
	if err := c.AddAttachment(web("c3")); err != nil {
		t.Fatal(err)
	}
	k.ops = nil
	if err := c.DelAttachment("c3", "eth0"); err != nil {
		t.Fatal(err)
	}
	if len(k.tables) != 0 || k.ops[len(k.ops)-1] != "batch DELTABLE" {
		t.Errorf("table left: %v, ops %q", k.tables, k.ops)
	}
	if err := c.DelAttachment("c3", "eth0"); err != nil {
		t.Errorf("del without a table: %v", err)
	}
	keys, err := c.Attachments()
	if err != nil || len(keys) != 0 {
		t.Errorf("Attachments without a table: %v %v", keys, err)
	}
}

// An attachment without rules is only its counter: Delete of the last
// object keeps the table for it, DelAttachment removes it.
func TestEmptyAttachment(t *testing.T) {
	k := newNFT(t)
	c := k.conn()
	m := nat.Masquerade{Source: netip.MustParsePrefix("10.5.0.0/16")}
	if err := c.Add(m); err != nil {
		t.Fatal(err)
	}
	if err := c.AddAttachment(nat.Attachment{ID: "e", IfName: "net1"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(m); err != nil {
		t.Fatal(err)
	}
	if len(k.tables) != 1 || !slices.Equal(k.counterNames(), []string{"cni/e/net1"}) || len(k.rules) != 0 {
		t.Fatalf("after delete: tables %v counters %q rules %d", k.tables, k.counterNames(), len(k.rules))
	}
	if err := c.DelAttachment("e", "net1"); err != nil {
		t.Fatal(err)
	}
	if len(k.tables) != 0 {
		t.Errorf("table left: %v", k.tables)
	}
}

// Another writer's commit between read and write: the batch is refused
// (ERESTART) and planned again; an interrupted dump is read again.
func TestAttachmentRetries(t *testing.T) {
	k := newNFT(t)
	c := k.conn()
	k.writers = 2
	if err := c.AddAttachment(web("c1")); err != nil {
		t.Fatal(err)
	}
	if k.batches != 3 || k.committed != 1 {
		t.Errorf("add: %d batches, %d committed", k.batches, k.committed)
	}
	if err := c.AddAttachment(web("c2")); err != nil {
		t.Fatal(err)
	}
	k.writers, k.intr = 1, 1
	if err := c.DelAttachment("c1", "eth0"); err != nil {
		t.Fatal(err)
	}
	if keys, _ := c.Attachments(); !slices.Equal(keys, []nat.AttachmentKey{{"c2", "eth0"}}) {
		t.Errorf("after del: %v", keys)
	}
	k.intr = 1
	k2 := newNFT(t)
	k2.intr = 1
	if err := k2.conn().AddAttachment(web("c1")); err != nil {
		t.Fatal(err)
	}
	if k2.committed != 1 {
		t.Errorf("add after an interrupted dump: %d commits", k2.committed)
	}
}

// A refusal other than EEXIST is reported, naming the attachment and the
// message, and nothing is applied; errors of the socket are reported.
func TestAttachmentRefused(t *testing.T) {
	k := newNFT(t)
	c := k.conn()
	k.refuse = func(i int, m netlink.Message) (unix.Errno, string) {
		if opOf(m) == unix.NFT_MSG_NEWRULE {
			return unix.ENOENT, ""
		}
		return 0, ""
	}
	err := c.AddAttachment(web("c1"))
	if err == nil || !strings.Contains(err.Error(), "attachment c1/eth0 (NFT_MSG_NEWRULE inet nsnet postrouting)") ||
		!strings.Contains(err.Error(), "nf_tables module") {
		t.Fatalf("got %v", err)
	}
	if len(k.tables) != 0 {
		t.Errorf("applied: %v", k.tables)
	}
	k.refuse = nil
	if err := c.AddAttachment(web("c1")); err != nil {
		t.Fatal(err)
	}
	k.refuse = func(i int, m netlink.Message) (unix.Errno, string) {
		if opOf(m) == unix.NFT_MSG_DELOBJ {
			return unix.EBUSY, ""
		}
		return 0, ""
	}
	if err := c.AddAttachment(nat.Attachment{ID: "c9", IfName: "eth0"}); err != nil {
		t.Fatal(err)
	}
	if err := c.DelAttachment("c1", "eth0"); err == nil || !strings.Contains(err.Error(), "delete attachment c1/eth0 (NFT_MSG_DELOBJ inet nsnet counter cni/c1/eth0)") {
		t.Errorf("del: %v", err)
	}
	if _, err := c.GCAttachments([]nat.AttachmentKey{{"c9", "eth0"}}); err == nil || !strings.Contains(err.Error(), "gc attachments") {
		t.Errorf("gc: %v", err)
	}
	k.refuse = nil
	if keys, err := c.Attachments(); err != nil || len(keys) != 2 {
		t.Errorf("after refusals: %v %v", keys, err)
	}
}

// GCAttachments removes every attachment not kept in one batch, and rules
// tagged with an attachment whose counter is gone; objects of nsnet's
// own are left alone.
func TestGCAttachments(t *testing.T) {
	k := newNFT(t)
	c := k.conn()
	pub := nat.Publish{Listen: netip.AddrPortFrom(netip.Addr{}, 7000), To: netip.MustParseAddrPort("10.99.0.9:70")}
	if err := c.Add(pub); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b", "c", "d"} {
		if err := c.AddAttachment(web(id)); err != nil {
			t.Fatal(err)
		}
	}
	// An orphan: a rule with an attachment's comment and no counter.
	k.rules = append(k.rules, nat.Rule{Family: nat.FamilyINet, Table: "nsnet", Chain: "postrouting", Handle: 999, Comment: "nsnet attachment z eth0"})
	k.ops = nil
	removed, err := c.GCAttachments([]nat.AttachmentKey{{"b", "eth0"}, {"d", "eth0"}, {"x", "eth0"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(removed, []nat.AttachmentKey{{"a", "eth0"}, {"c", "eth0"}, {"z", "eth0"}}) {
		t.Errorf("removed %v", removed)
	}
	if k.committed == 0 || k.ops[len(k.ops)-1] != "batch"+strings.Repeat(" DELRULE", 27)+" DELOBJ DELOBJ" {
		t.Errorf("ops %q", k.ops)
	}
	if got := k.counterNames(); !slices.Equal(got, []string{nat.CounterName(pub), "cni/b/eth0", "cni/d/eth0"}) {
		t.Errorf("counters %q", got)
	}
	if len(k.rules) != 2+13+13 {
		t.Errorf("%d rules left", len(k.rules))
	}
	if removed, err := c.GCAttachments([]nat.AttachmentKey{{"b", "eth0"}, {"d", "eth0"}}); err != nil || len(removed) != 0 {
		t.Errorf("second gc: %v %v", removed, err)
	}
	if entries, err := c.List(); err != nil || entries[0].Object == nil || !entries[0].Intact {
		t.Errorf("publish after gc: %+v %v", entries, err)
	}
}

// A long ID: the comment is cut to what a rule can carry, and the rules
// are still found by the counter they count into.
func TestAttachmentLongID(t *testing.T) {
	k := newNFT(t)
	c := k.conn()
	id := strings.Repeat("f", 200)
	if err := c.AddAttachment(web(id)); err != nil {
		t.Fatal(err)
	}
	if len(k.rules[0].Comment) != nat.MaxComment {
		t.Errorf("comment of %d bytes", len(k.rules[0].Comment))
	}
	if keys, err := c.Attachments(); err != nil || len(keys) != 1 || keys[0].ID != id {
		t.Errorf("Attachments: %v %v", keys, err)
	}
	if err := c.DelAttachment(id, "eth0"); err != nil {
		t.Fatal(err)
	}
	if len(k.tables) != 0 {
		t.Errorf("left %d rules", len(k.rules))
	}
}

// Counters of other objects and names that are no key are not listed.
func TestAttachmentsIgnoresOthers(t *testing.T) {
	k := newNFT(t)
	c := k.conn()
	if err := c.AddAttachment(web("c1")); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"cni/nokey", "cni/a b/eth0", "cni//eth0", "publish/tcp/80"} {
		k.objs = append(k.objs, nat.CounterObject{Family: nat.FamilyINet, Table: "nsnet", Name: n})
	}
	keys, err := c.Attachments()
	if err != nil || !slices.Equal(keys, []nat.AttachmentKey{{"c1", "eth0"}}) {
		t.Errorf("Attachments: %v %v", keys, err)
	}
	if (nat.AttachmentKey{"c1", "eth0"}).String() != "c1/eth0" {
		t.Errorf("String")
	}
	if got := nat.RouteLocalnetSysctl("br0"); got != "net.ipv4.conf.br0.route_localnet" {
		t.Errorf("RouteLocalnetSysctl: %s", got)
	}
}

// List shows each attachment as one entry with all its rules and its
// counter's values, an attachment without rules too; other entries stay
// as they are.
func TestListAttachments(t *testing.T) {
	k := newNFT(t)
	c := k.conn()
	pub := nat.Publish{Listen: netip.AddrPortFrom(netip.Addr{}, 7000), To: netip.MustParseAddrPort("10.99.0.9:70")}
	for _, err := range []error{c.AddAttachment(web("c1")), c.Add(pub), c.AddAttachment(nat.Attachment{ID: "e", IfName: "net1"})} {
		if err != nil {
			t.Fatal(err)
		}
	}
	k.rules = append(k.rules, nat.Rule{Family: nat.FamilyINet, Table: "nsnet", Chain: "forward", Handle: 999, Comment: "by hand"})
	for i := range k.objs {
		if k.objs[i].Name == "cni/c1/eth0" {
			k.objs[i].Counter.Packets, k.objs[i].Counter.Bytes = 3, 180
		}
	}
	entries, err := c.List()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		s := "foreign"
		switch {
		case e.Attachment != nil:
			s = "attachment " + e.Attachment.String()
		case e.Object != nil:
			s = e.Object.String()
		}
		got = append(got, s+" "+strings.Repeat("r", len(e.Rules))+" "+map[bool]string{true: "intact"}[e.Intact]+" "+
			strings.TrimSpace(strings.Repeat("p", int(e.Packets))))
	}
	want := []string{"attachment c1/eth0 " + strings.Repeat("r", 13) + " intact ppp", "publish 7000/tcp to 10.99.0.9:70 rr intact ", "foreign r  ", "attachment e/net1  intact "}
	if !slices.Equal(got, want) {
		t.Errorf("List:\n%q\nwant\n%q", got, want)
	}
}

// EEXIST for something other than the counter is not ErrExist.
func TestAttachmentChainTypeClash(t *testing.T) {
	k := newNFT(t)
	k.refuse = func(i int, m netlink.Message) (unix.Errno, string) {
		if opOf(m) == unix.NFT_MSG_NEWCHAIN {
			return unix.EEXIST, ""
		}
		return 0, ""
	}
	err := k.conn().AddAttachment(web("c1"))
	if err == nil || errors.Is(err, nat.ErrExist) || !strings.Contains(err.Error(), "NFT_MSG_NEWCHAIN inet nsnet postrouting") {
		t.Errorf("got %v", err)
	}
}

// CheckAttachment: nil for an attachment as added, ErrNotExist without
// it, and an error saying what differs when a rule is gone, edited or
// added, or the counter is missing.
func TestCheckAttachment(t *testing.T) {
	k := newNFT(t)
	c := k.conn()
	a := web("c1")
	if err := c.CheckAttachment(a); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("no table: %v", err)
	}
	if err := c.AddAttachment(a); err != nil {
		t.Fatal(err)
	}
	if err := c.AddAttachment(web("c2")); err != nil {
		t.Fatal(err)
	}
	if err := c.CheckAttachment(a); err != nil {
		t.Errorf("as added: %v", err)
	}
	if err := c.CheckAttachment(web("c3")); !errors.Is(err, nat.ErrNotExist) {
		t.Errorf("absent: %v", err)
	}
	b := a
	b.PortMaps = b.PortMaps[:1]
	if err := c.CheckAttachment(b); err == nil || !strings.Contains(err.Error(), "0 of its 6 rules missing or changed, 7 other rules") {
		t.Errorf("fewer mappings: %v", err)
	}
	saved := slices.Clone(k.rules)
	k.rules = slices.Delete(k.rules, 3, 4)
	if err := c.CheckAttachment(a); err == nil || !strings.Contains(err.Error(), "check attachment c1/eth0: 1 of its 13 rules missing") {
		t.Errorf("rule deleted: %v", err)
	}
	k.rules = slices.Clone(saved)
	k.rules[0].Exprs = k.rules[0].Exprs[:len(k.rules[0].Exprs)-1]
	if err := c.CheckAttachment(a); err == nil || !strings.Contains(err.Error(), "1 of its 13 rules missing or changed") {
		t.Errorf("rule edited: %v", err)
	}
	k.rules = saved
	k.objs = slices.DeleteFunc(k.objs, func(o nat.CounterObject) bool { return o.Name == "cni/c1/eth0" })
	if err := c.CheckAttachment(a); err == nil || !strings.Contains(err.Error(), "counter cni/c1/eth0 is missing") {
		t.Errorf("counter deleted: %v", err)
	}
	bad := a
	bad.ID = ""
	if err := c.CheckAttachment(bad); err == nil || !strings.Contains(err.Error(), "invalid attachment id") {
		t.Errorf("bad id: %v", err)
	}
}
