package main

import (
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"

	"github.com/nsnet/nsnet/internal/jsonw"
	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/plan"
	"github.com/nsnet/nsnet/rtnl"
)

const linkHelp = `Usage: nsnet link add [name] NAME [ OPTIONS ] type TYPE [ TYPE_ARGS ]
       nsnet link set [dev] DEV [ up | down ] [ name NEWNAME ] [ mtu MTU ]
                      [ address LLADDR ] [ netns { NAME | PID | PATH } ]
                      [ master BRIDGE | nomaster ] [ txqueuelen N ] [ alias TEXT ]
                      [ { promisc | arp | multicast | allmulticast } { on | off } ]
                      [ group { N | default } ]
                      [ addrgenmode { eui64 | none | stable_secret | random } ]
                      [ broadcast LLADDR ] [ carrier on|off ] [ protodown on|off ]
                      [ gso_max_size N ] [ gso_max_segs N ] [ gro_max_size N ]
                      [ type TYPE TYPE_ARGS ]   (change a kind's data, e.g. vxlan remote)
                      [ type bridge_slave PORT_ARGS ]   (a bridge port's settings)
       nsnet link set group N [ up | down ] [ mtu MTU ] [ master BRIDGE ] ...
                      (every link of group N, in one request; not in up files)
       nsnet link delete { [dev] DEV [ type TYPE ] | group N }
       nsnet link show [ [dev] DEV ] [ type TYPE | TYPE_slave ] [ master BRIDGE | nomaster ]
                       [ group N ] [ up ]
       nsnet link property { add | del } [dev] DEV [ altname NAME ]...
                       (alternative names; applied whole or not at all)

As with ip, the words of "link set" come in any order ("link set up dev X").

OPTIONS := [ address LLADDR ] [ mtu MTU ] [ txqueuelen N ] [ netns NS ] [ up ]
           [ link DEV ] [ master BRIDGE ] [ alias TEXT ] [ index N ]
           [ numtxqueues N ] [ numrxqueues N ] and the link set options above
TYPE := veth | bridge | vxlan | macvlan | macvtap | any kind the kernel knows
  veth    [ peer [ name ] PEER [ OPTIONS ] ]   the peer is created in the same
          request, in its own namespace when it has "netns": nothing is left
          half made when the kernel refuses
  bridge  [ stp_state 0|1 ] [ vlan_filtering 0|1 ] [ vlan_default_pvid N ] [ priority N ]
          [ forward_delay N ] [ hello_time N ] [ max_age N ] [ ageing_time N ]
          [ mcast_snooping 0|1 ] [ vlan_protocol 802.1Q|802.1ad ] [ fdb_flush ] ...:
          every bridge option of ip 6.1 ("nsnet link add b type bridge help")
  vxlan   id VNI [ remote ADDR | group ADDR ] [ local ADDR ] [ dev DEV ]
          [ dstport PORT ] [ srcport MIN MAX ] [ ttl N|auto|inherit ] [ tos T|inherit ]
          [ [no]learning ] [ [no]proxy ] [ [no]l2miss ] [ [no]l3miss ] [ external ]
          [ ageing SECONDS ] [ maxaddress N ] ...: every vxlan option of ip 6.1
  macvlan link DEV [ mode { private | vepa | bridge | passthru | source } ]
  dummy, wireguard; vlan id N [ protocol 802.1Q|802.1ad ] [ reorder_hdr on|off ] ...;
  ipvlan mode l2|l3|l3s [ bridge|private|vepa ]; gre, gretap remote A local A
  ttl N key N ...; bareudp dstport N ethertype ipv4|ipv6|mpls_uc|mpls_mc;
  xfrm dev DEV if_id N: parsed and sent; a kernel without the kind refuses
PORT_ARGS := [ fdb_flush ] [ state N ] [ priority N ] [ cost N ] [ mcast_router N ]
           [ group_fwd_mask N ] [ backup_port DEV | nobackup_port ]
           [ { hairpin | guard | root_block | fastleave | learning | flood |
               mcast_flood | bcast_flood | mcast_to_unicast | proxy_arp |
               proxy_arp_wifi | mcast_fast_leave | neigh_suppress | vlan_tunnel |
               isolated | locked } { on | off } ]...
  undone by down (each setting back as it was; fdb_flush has nothing to undo)

A netns given as a number is a process id, unless /run/netns/NUMBER exists.
Device names: 1-15 bytes, no '/', ':' or white space, not "." or "..".
Options: -j JSON as "ip -j link", -br brief, -d details, -s statistics.
"nsnet link" alone is "nsnet link show".
`

// parseLink parses "link ...".
func parseLink(args []string, opt options) (command, error) {
	a := &argv{w: args}
	if !a.more() {
		return linkShow{}, nil
	}
	word := a.next()
	switch {
	case matches(word, "add"):
		return parseLinkAdd(a)
	case matches(word, "set") || word == "change":
		return parseLinkSet(a)
	case matches(word, "delete") || word == "del":
		// As ip: "dev DEV" or DEV, and a "type KIND" that the kernel
		// does not need (scripts write "link delete X type veth").
		var dev string
		var group *uint32
		for a.more() {
			w := a.next()
			switch {
			case w == "type":
				if _, err := a.value(w); err != nil {
					return nil, errIncomplete(err)
				}
				continue
			case w == "group":
				v, err := a.value(w)
				if err != nil {
					return nil, errIncomplete(err)
				}
				g, err := parseLinkGroup(v)
				if err != nil {
					return nil, err
				}
				group = &g
				continue
			case w == "dev":
				v, err := a.value(w)
				if err != nil {
					return nil, errIncomplete(err)
				}
				w = v
			}
			if dev != "" {
				return nil, errGarbage("dev", w, usagef("link delete %s: unexpected argument %q", dev, w))
			}
			dev = w
		}
		if dev == "" && group != nil {
			return linkGroupDel{group: *group}, nil
		}
		if dev == "" {
			return nil, ipUsage(1, `Not enough information: "dev" argument is required.`, usagef("link delete: missing device name"))
		}
		if err := checkDevName(dev); err != nil {
			return nil, err
		}
		return linkDel{dev: dev}, nil
	case matches(word, "show") || matches(word, "list") || word == "lst" || word == "ls":
		return parseLinkShow(a)
	case matches(word, "property"):
		return parseLinkProp(a)
	case isHelp(word):
		return helpCmd{text: linkHelp}, nil
	}
	return nil, errUnknownCommand("link", word)
}

// linkSpec holds the options that `link add` and `link set` share, and
// that a veth peer takes too.
type linkSpec struct {
	name    string // add: the new link; set: the new name
	address net.HardwareAddr
	mtu     *uint32
	txqlen  *uint32
	netns   *nsRef
	up      *bool
	lower   string  // "link DEV": IFLA_LINK
	master  *string // "" detaches (nomaster)
	alias   *string
	// flagMask are the interface flags promisc, arp, multicast,
	// allmulticast, dynamic and trailers set; flags their values.
	flagMask, flags rtnl.LinkFlags
	group           *uint32
	addrGenMode     *uint8
	broadcast       net.HardwareAddr
	// gsoMaxSize, gsoMaxSegs, groMaxSize, carrier and protoDown are ip's
	// gso_max_size, gso_max_segs, gro_max_size, carrier and protodown;
	// numTx, numRx and index apply to a new link only.
	gsoMaxSize, gsoMaxSegs, groMaxSize *uint32
	carrier, protoDown                 *uint8
	numTx, numRx                       *uint32
	index                              uint32
}

// linkU32Text is ip's message for a bad value of a link option that
// takes a number (an index must also be above 0).
func linkU32Text(word string) string { return `Invalid "` + word + `" value` }

// linkFlagWords are the "WORD on|off" flags of link set; inverted
// words clear the flag for "on" (arp on clears IFF_NOARP).
var linkFlagWords = map[string]struct {
	flag     rtnl.LinkFlags
	inverted bool
}{
	"promisc": {rtnl.LinkPromisc, false}, "allmulticast": {rtnl.LinkAllMulti, false},
	"multicast": {rtnl.LinkMulticast, false}, "arp": {rtnl.LinkNoARP, true},
	"dynamic": {rtnl.LinkDynamic, false}, "trailers": {rtnl.LinkNoTrailers, true},
}

// addrGenModes are IFLA_INET6_ADDR_GEN_MODE's values by name.
var addrGenModes = map[string]uint8{"eui64": 0, "none": 1, "stable_secret": 2, "random": 3}

// duparg is the error for an option given twice, as iproute2's duparg.
func duparg(word, value string) error {
	return usagef("duplicate %q: %q would be its second value", word, value)
}

// parseOpt consumes one generic option at a, reporting whether it knew
// the word.
func (s *linkSpec) parseOpt(a *argv) (bool, error) {
	word := a.peek()
	var err error
	switch word {
	case "up", "down":
		a.next()
		s.up = new(word == "up")
	case "name":
		a.next()
		if s.name != "" {
			return true, duparg(word, a.peek())
		}
		if s.name, err = devArg(a, "name"); err != nil {
			return true, err
		}
	case "address", "addr", "lladdr":
		a.next()
		v, err := a.value(word)
		if err != nil {
			return true, err
		}
		if s.address != nil {
			return true, duparg(word, v)
		}
		if s.address, err = parseMAC(v); err != nil {
			return true, err
		}
	case "mtu":
		a.next()
		if s.mtu != nil {
			return true, duparg(word, a.peek())
		}
		v, err := u32Arg(a, "mtu")
		if err != nil {
			return true, err
		}
		s.mtu = &v
	case "txqueuelen", "txqlen", "qlen":
		a.next()
		if s.txqlen != nil {
			return true, duparg(word, a.peek())
		}
		v, err := u32Arg(a, word)
		if err != nil {
			return true, err
		}
		s.txqlen = &v
	case "netns":
		a.next()
		v, err := a.value("netns")
		if err != nil {
			return true, err
		}
		if s.netns != nil {
			return true, duparg(word, v)
		}
		ref, err := parseNSRef(v)
		if err != nil {
			return true, err
		}
		s.netns = &ref
	case "link":
		a.next()
		if s.lower, err = devArg(a, "link"); err != nil {
			return true, err
		}
	case "master":
		a.next()
		if s.master != nil {
			return true, duparg(word, a.peek())
		}
		m, err := devArg(a, "master")
		if err != nil {
			return true, err
		}
		s.master = &m
	case "nomaster":
		a.next()
		if s.master != nil {
			return true, usagef("conflicting options: \"nomaster\" after \"master %s\"", *s.master)
		}
		s.master = new("")
	case "alias":
		a.next()
		v, err := a.value("alias")
		if err != nil {
			return true, err
		}
		if s.alias != nil {
			return true, duparg(word, v)
		}
		if strings.IndexByte(v, 0) >= 0 {
			return true, usagef("invalid alias %q: a NUL byte (the kernel would cut it there)", v)
		}
		if len(v) >= 256 {
			return true, usagef("alias longer than 255 bytes")
		}
		s.alias = &v
	case "group":
		a.next()
		v, err := a.value(word)
		if err != nil {
			return true, errIncomplete(err)
		}
		g, err := parseLinkGroup(v)
		if err != nil {
			return true, err
		}
		s.group = &g
	case "broadcast", "brd":
		a.next()
		v, err := a.value(word)
		if err != nil {
			return true, errIncomplete(err)
		}
		if s.broadcast, err = parseMAC(v); err != nil {
			return true, err
		}
	case "gso_max_size", "gso_max_segs", "gro_max_size", "numtxqueues", "numrxqueues", "index":
		a.next()
		v, err := a.value(word)
		if err != nil {
			return true, errIncomplete(err)
		}
		n, err := strconv.ParseUint(v, 0, 32)
		if err != nil || word == "index" && (n == 0 || n > math.MaxInt32) {
			msg := linkU32Text(word) + "\n" // ip's text, its newline included
			if word == "index" {
				msg = linkU32Text(word)
			}
			return true, errInvarg(msg, v, usagef("%s: %q is not a number (0 to 2^32-1; an index 1 to 2^31-1)", word, v))
		}
		u := uint32(n)
		switch word {
		case "gso_max_size":
			s.gsoMaxSize = &u
		case "gso_max_segs":
			s.gsoMaxSegs = &u
		case "gro_max_size":
			s.groMaxSize = &u
		case "numtxqueues":
			s.numTx = &u
		case "numrxqueues":
			s.numRx = &u
		default:
			s.index = u
		}
	case "carrier", "protodown":
		a.next()
		v, err := a.value(word)
		if err != nil {
			return true, errIncomplete(err)
		}
		var on uint8
		switch {
		case matches(v, "off"):
		case matches(v, "on"):
			on = 1
		default:
			// ip returns parse_on_off's -EINVAL, which becomes exit 22.
			return true, ipUsage(22, fmt.Sprintf("Error: argument of %q must be one of \"off\", \"on\", not %q", word, v),
				usagef("%s: want on or off, not %q", word, v))
		}
		if word == "carrier" {
			s.carrier = &on
		} else {
			s.protoDown = &on
		}
	case "addrgenmode":
		a.next()
		v, err := a.value(word)
		if err != nil {
			return true, errIncomplete(err)
		}
		m, ok := addrGenModes[v]
		if !ok {
			return true, errInvarg("Invalid address generation mode\n", v,
				usagef("invalid addrgenmode %q (want eui64, none, stable_secret or random)", v))
		}
		s.addrGenMode = &m
	default:
		f, ok := linkFlagWords[word]
		if !ok {
			return false, nil
		}
		a.next()
		v, err := a.value(word)
		if err != nil {
			return true, errIncomplete(err)
		}
		if v != "on" && v != "off" {
			return true, ipUsage(1, fmt.Sprintf("Error: argument of %q must be \"on\" or \"off\", not %q", word, v),
				usagef("%s: want on or off, not %q", word, v))
		}
		s.flagMask |= f.flag
		if (v == "on") != f.inverted {
			s.flags |= f.flag
		} else {
			s.flags &^= f.flag
		}
	}
	return true, nil
}

// options is the spec as plan's link options.
func (s *linkSpec) options() plan.LinkOptions {
	return plan.LinkOptions{Address: s.address, MTU: s.mtu, TxQueueLen: s.txqlen, NetNS: s.netns, Up: s.up, Lower: s.lower,
		Master: s.master, Alias: s.alias, FlagMask: s.flagMask, Flags: s.flags, Group: s.group, AddrGenMode: s.addrGenMode,
		Broadcast: s.broadcast, GSOMaxSize: s.gsoMaxSize, GSOMaxSegs: s.gsoMaxSegs, GROMaxSize: s.groMaxSize,
		Carrier: s.carrier, ProtoDown: s.protoDown, NumTxQueues: s.numTx, NumRxQueues: s.numRx, Index: s.index}
}

// linkAdd is "link add NAME ... type KIND ...".
type linkAdd struct {
	spec    linkSpec
	kind    string
	peer    *linkSpec // veth
	bridge  *rtnl.Bridge
	vxlan   *vxlanSpec
	macvlan *rtnl.MacvlanMode
	other   []kindAttr // the IFLA_INFO_DATA of a kind parsed by parseOtherKind
	// change is set for "link set DEV type KIND ...": only what is typed
	// is sent, nothing is required.
	change bool
}

// vxlanSpec is a vxlan's data with its device still a name.
type vxlanSpec struct {
	data rtnl.Vxlan
	dev  string
	// noPort: a new vxlan without dstport, which ip warns of (the
	// kernel's default port is not IANA's).
	noPort bool
}

func parseLinkAdd(a *argv) (command, error) {
	var c linkAdd
	for a.more() && c.kind == "" {
		word := a.peek()
		if word == "type" {
			a.next()
			k, err := a.value("type")
			if err != nil {
				return nil, err
			}
			c.kind = k
			break
		}
		ok, err := c.spec.parseOpt(a)
		if err != nil {
			return nil, err
		}
		if ok {
			continue
		}
		if word == "dev" {
			a.next()
		}
		if c.spec.name != "" {
			return nil, usagef("link add: unexpected argument %q (the name is %q)", a.peek(), c.spec.name)
		}
		name, err := devArg(a, "add")
		if err != nil {
			return nil, err
		}
		c.spec.name = name
	}
	// Without a name the kernel names the link (veth0, br0 ...), as ip
	// lets it.
	if c.kind == "" {
		return nil, ipUsage(1, `Not enough information: "type" argument is required`, usagef("link add %s: missing \"type KIND\"", c.spec.name))
	}
	if err := c.parseKind(a); err != nil {
		return nil, err
	}
	return c, a.noMore()
}

// parseKind reads the words after "type KIND".
func (c *linkAdd) parseKind(a *argv) error {
	switch c.kind {
	case "veth":
		return c.parseVeth(a)
	case "bridge":
		return c.parseBridge(a)
	case "vxlan":
		return c.parseVxlan(a)
	case "macvlan", "macvtap":
		return c.parseMacvlan(a)
	}
	return c.parseOtherKind(a)
}

func (c *linkAdd) parseVeth(a *argv) error {
	if !a.more() {
		return nil
	}
	if w := a.next(); w != "peer" {
		return usagef("veth: unexpected argument %q (want \"peer NAME\")", w)
	}
	c.peer = &linkSpec{}
	for a.more() {
		ok, err := c.peer.parseOpt(a)
		if err != nil {
			return err
		}
		if ok {
			continue
		}
		if c.peer.name != "" {
			return usagef("veth peer: unexpected argument %q", a.peek())
		}
		if c.peer.name, err = devArg(a, "peer"); err != nil {
			return err
		}
	}
	if c.peer.name == c.spec.name && c.peer.netns == nil && c.spec.netns == nil {
		return usagef("veth: the peer cannot have the link's name %q", c.spec.name)
	}
	if c.peer.master != nil || c.peer.lower != "" {
		return usagef("veth peer: \"master\" and \"link\" are not allowed")
	}
	if c.peer.up != nil && *c.peer.up {
		// The kernel opens the peer before the link exists (ENOTCONN).
		return usagef("veth peer: \"up\" is not possible while the pair is created; set the peer up afterwards")
	}
	return nil
}

func (c *linkAdd) parseMacvlan(a *argv) error {
	for a.more() {
		word := a.next()
		switch word {
		case "mode":
			s, err := a.value("mode")
			if err != nil {
				return err
			}
			m, err := rtnl.ParseMacvlanMode(s)
			if err != nil {
				return usagef("%s: %v", c.kind, err)
			}
			c.macvlan = &m
		case "link":
			var err error
			if c.spec.lower, err = devArg(a, "link"); err != nil {
				return err
			}
		default:
			return usagef("%s: unknown option %q", c.kind, word)
		}
	}
	if c.spec.lower == "" && !c.change {
		// ip sends the request, and the kernel refuses it.
		return ipUsage(2, "RTNETLINK answers: Invalid argument", usagef("%s: missing \"link DEV\"", c.kind))
	}
	return nil
}

// step is the command as a plan step.
func (c linkAdd) step(e *env) (plan.Step, error) {
	ref, err := e.ref()
	if err != nil {
		return nil, err
	}
	return c.plan(ref), nil
}

// plan is the command as a plan.LinkAdd in namespace ref.
func (c linkAdd) plan(ref nsfs.Ref) plan.LinkAdd {
	a := plan.LinkAdd{NS: ref, Name: c.spec.name, Kind: c.kind, Options: c.spec.options(), Bridge: c.bridge, Macvlan: c.macvlan}
	if c.peer != nil {
		a.Veth = &plan.Veth{Peer: c.peer.name, Options: c.peer.options()}
	}
	if c.vxlan != nil {
		a.Vxlan = &plan.VxlanData{Data: c.vxlan.data, Dev: c.vxlan.dev}
	}
	for _, k := range c.other {
		a.Data = append(a.Data, plan.KindAttr{Type: k.typ, Data: k.data, Dev: k.dev})
	}
	return a
}

func (c linkAdd) run(e *env) error {
	if ipMode && c.vxlan != nil && c.vxlan.noPort {
		fmt.Fprintln(e.s.stderr, vxlanPortWarning)
	}
	st, err := stepOf(e, c)
	if err != nil {
		return err
	}
	add := st.(plan.LinkAdd)
	if e.s.names != nil {
		// In a batch, the kernel's echo names the new link's index (and a
		// veth peer's) for the lines that use them next (see linkNames).
		add.Echo = func(got *rtnl.LinkMessage) {
			if c.spec.netns == nil && got.Index != 0 && got.Attrs.Name == c.spec.name {
				e.s.names.remember(e.ns, got.Attrs.Name, got.Index)
			}
			if c.peer != nil && c.peer.name != "" && got.Attrs.Link != nil && *got.Attrs.Link != 0 {
				switch ref := c.peer.netns; {
				case ref == nil && c.spec.netns == nil:
					e.s.names.remember(e.ns, c.peer.name, *got.Attrs.Link)
				case ref != nil && ref.Kind == nsfs.RefName:
					e.s.names.remember(ref.Name, c.peer.name, *got.Attrs.Link)
				}
			}
		}
	}
	return stepErr(add.Apply(e.ctx, e.s.ps), "")
}

// inverse deletes the link (and with it a veth's peer), in the namespace
// it was created in.
func (c linkAdd) inverse(e *env) (command, error) { return inverseStep(e, c) }

// applied reports whether a link of that name and kind exists.
func (c linkAdd) applied(e *env) (bool, error) { return appliedStep(e, c) }

// linkSet is "link set DEV ...".
type linkSet struct {
	dev  string
	spec linkSpec
	kind *linkAdd // "type KIND ...": kind data to change
	// port, when not nil, are "type bridge_slave ..."'s settings.
	port []plan.KindAttr
}

func parseLinkSet(a *argv) (command, error) {
	var c linkSet
	// As ip: options and "dev DEV" in any order; a bare word is the
	// device; "type KIND ..." ends the generic options.
	for a.more() {
		word := a.peek()
		if word == "type" {
			a.next()
			k, err := a.value("type")
			if err != nil {
				return nil, errIncomplete(err)
			}
			if k == "bridge_slave" {
				if c.port, err = parseBridgeSlave(a); err != nil {
					return nil, err
				}
				break
			}
			kc := linkAdd{kind: k, change: true}
			if err := kc.parseKind(a); err != nil {
				return nil, err
			}
			c.kind = &kc
			break
		}
		ok, err := c.spec.parseOpt(a)
		if err != nil {
			return nil, err
		}
		if ok {
			continue
		}
		a.next()
		if word == "dev" {
			if word, err = a.value("dev"); err != nil {
				return nil, errIncomplete(err)
			}
		}
		if c.dev != "" {
			return nil, errGarbage("dev", word, usagef("link set %s: unknown argument %q (try \"nsnet link help\")", c.dev, word))
		}
		if err := checkDevName(word); err != nil {
			return nil, err
		}
		c.dev = word
	}
	if c.dev == "" && c.spec.group != nil {
		// As ip: "link set group N ..." changes every link of the group
		// (a "type KIND ..." is read and left out, as ip does).
		if c.spec.name != "" || c.spec.address != nil || c.spec.netns != nil || c.spec.index != 0 {
			return nil, usagef("link set group %d: name, address, netns and index name one link; give \"dev DEV\"", *c.spec.group)
		}
		return linkGroupSet{spec: c.spec}, a.noMore()
	}
	if c.dev == "" {
		return nil, ipUsage(1, `Not enough information: "dev" argument is required.`, usagef("link set: missing device name"))
	}
	if err := a.noMore(); err != nil {
		return nil, err
	}
	dev := c.dev
	if c.spec.lower != "" {
		return nil, usagef("link set %s: \"link\" can only be given to link add", dev)
	}
	if c.spec.index != 0 {
		return nil, usagef("link set %s: \"index\" can only be given to link add", dev)
	}
	return c, nil
}

// step is the command as a plan step.
func (c linkSet) step(e *env) (plan.Step, error) {
	ref, err := e.ref()
	if err != nil {
		return nil, err
	}
	sp := &c.spec
	st := plan.LinkSet{NS: ref, Dev: c.dev, Name: sp.name, Up: sp.up, MTU: sp.mtu, Master: sp.master, Address: sp.address, TxQueueLen: sp.txqlen,
		NetNS: sp.netns, Alias: sp.alias, FlagMask: sp.flagMask, Flags: sp.flags, Group: sp.group, AddrGenMode: sp.addrGenMode,
		Broadcast: sp.broadcast, GSOMaxSize: sp.gsoMaxSize, GSOMaxSegs: sp.gsoMaxSegs, GROMaxSize: sp.groMaxSize,
		Carrier: sp.carrier, ProtoDown: sp.protoDown, BridgePort: c.port}
	if c.kind != nil {
		k := c.kind.plan(ref)
		st.Kind = &k
	}
	return st, nil
}

func (c linkSet) run(e *env) error { return runStep(e, c, c.dev) }

// inverse restores what the link was: its up/down state, name, mtu,
// address, queue length, alias and master, read before the change. A link
// moved to another namespace is moved back by a step that acts there.
func (c linkSet) inverse(e *env) (command, error) { return inverseStep(e, c) }

// applied reports whether the link already is as the command would make
// it.
func (c linkSet) applied(e *env) (bool, error) { return appliedStep(e, c) }

// linkDel is "link delete DEV".
type linkDel struct{ dev string }

// step is the command as a plan step.
func (c linkDel) step(e *env) (plan.Step, error) {
	ref, err := e.ref()
	if err != nil {
		return nil, err
	}
	return plan.LinkDel{NS: ref, Name: c.dev}, nil
}

func (c linkDel) run(e *env) error { return runStep(e, c, "") }

// applied reports whether the link is gone.
func (c linkDel) applied(e *env) (bool, error) { return appliedStep(e, c) }

// inverse recreates the link as well as it can be described: bridges,
// macvlans, vxlans and veth pairs (the peer where it is now), with their
// mtu and address.
func (c linkDel) inverse(e *env) (command, error) { return inverseStep(e, c) }

// linkShow is "link show".
type linkShow struct {
	dev string
	sel linkSelect
}

func parseLinkShow(a *argv) (command, error) {
	var c linkShow
	for a.more() {
		word := a.next()
		var err error
		if ok, err := c.sel.parseWord(word, a); ok || err != nil {
			if err != nil {
				return nil, err
			}
			continue
		}
		switch word {
		case "dev":
			if c.dev, err = devArg(a, "dev"); err != nil {
				return nil, err
			}
		default:
			if c.dev != "" {
				return nil, errGarbage("dev", word, usagef("link show: unexpected argument %q", word))
			}
			if err := checkDevName(word); err != nil {
				return nil, err
			}
			c.dev = word
		}
	}
	return c, nil
}

func (c linkShow) run(e *env) error {
	conn, err := e.rtnl()
	if err != nil {
		return err
	}
	var links []rtnl.LinkMessage
	var tab *linkTable
	if c.dev != "" {
		l, err := showLink(conn, c.dev, e.opt)
		if err != nil {
			return err
		}
		links = []rtnl.LinkMessage{*l}
		tab = newLinkTable(conn, links)
	} else {
		defer pauseGC()()
		if links, err = listLinks(conn, e.opt); err != nil {
			return err
		}
		tab = newLinkTable(conn, links)
	}
	if err := c.sel.resolve(conn); err != nil {
		return err
	}
	p := &linkPrinter{e: e, tab: tab}
	var list *jsonList
	if e.opt.json {
		list = newJSONList(e)
	}
	var b, rec strings.Builder
	for i := range links {
		l := &links[i]
		if !c.sel.pass(l) {
			continue
		}
		switch {
		case e.opt.json && e.opt.brief:
			p.briefLinkJSON(&list.jsonWriter, l)
			list.flush()
		case e.opt.json:
			if err := p.linkJSON(&list.jsonWriter, l, true); err != nil {
				return err
			}
			list.endObject()
			list.flush()
		case e.opt.brief:
			p.brief(&b, l)
		case e.opt.oneline:
			p.text(&rec, l, true)
			joinRecord(&b, &rec)
		default:
			p.text(&b, l, true)
		}
	}
	if e.opt.json {
		return list.finish()
	}
	_, err = fmt.Fprint(e.out, b.String())
	return err
}

// showLink gets the link called name for a listing, without the counters
// unless -s asks for them.
func showLink(conn *rtnl.Conn, name string, opt options) (*rtnl.LinkMessage, error) {
	req := &rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Name: name}}
	if !opt.stats {
		req.Attrs.ExtMask = new(rtnl.ExtFilterSkipStats)
	}
	l, err := conn.Link(req)
	if noDevice(err) {
		return nil, errDeviceNotExist(name, err)
	}
	return l, err
}

// listLinks dumps every link, without the counters unless -s asks for
// them (the dump is then a quarter smaller, and quicker to decode).
func listLinks(conn *rtnl.Conn, opt options) ([]rtnl.LinkMessage, error) {
	req := &rtnl.LinkMessage{}
	if !opt.stats {
		req.Attrs.ExtMask = new(rtnl.ExtFilterSkipStats)
	}
	return conn.DumpLinks(req)
}

// linkPrinter prints links as iproute2 does.
type linkPrinter struct {
	e       *env
	tab     *linkTable
	nsids   map[int32]string
	flagBuf []string // reused for each link's or address's flag names
}

// ifname is the name with "@peer" as the first line shows it.
func (p *linkPrinter) ifname(l *rtnl.LinkMessage) string {
	s := l.Attrs.Name
	if lk := l.Attrs.Link; lk != nil {
		switch {
		case *lk == 0:
			s += "@NONE"
		case l.Attrs.LinkNetNSID != nil:
			s += fmt.Sprintf("@if%d", *lk)
		default:
			s += "@" + p.tab.name(*lk)
		}
	}
	return s
}

// flags are the flag names, with M-DOWN when the peer is here and down.
func (p *linkPrinter) flags(l *rtnl.LinkMessage) []string {
	return p.appendFlags([]string{}, l)
}

// appendFlags appends the names flags returns to dst.
func (p *linkPrinter) appendFlags(dst []string, l *rtnl.LinkMessage) []string {
	dst = l.Flags.AppendNames(dst)
	if lk := l.Attrs.Link; lk != nil && *lk != 0 && l.Attrs.LinkNetNSID == nil {
		if peer := p.tab.get(*lk); peer != nil && peer.Flags&rtnl.LinkUp == 0 {
			dst = append(dst, "M-DOWN")
		}
	}
	return dst
}

func (p *linkPrinter) operstate(l *rtnl.LinkMessage) string {
	if l.Attrs.OperState == nil {
		return "UNKNOWN"
	}
	return l.Attrs.OperState.String()
}

func groupName(g *uint32) string {
	if *g == 0 {
		return "default"
	}
	return fmt.Sprint(*g)
}

// text writes the `ip link` lines of l; withMode is false for `ip addr`.
func (p *linkPrinter) text(b *strings.Builder, l *rtnl.LinkMessage, withMode bool) {
	a := l.Attrs
	fmt.Fprintf(b, "%d: %s<%s> ", l.Index, paint(colorIfname, p.ifname(l)+": "), strings.Join(p.flags(l), ","))
	if a.MTU != nil {
		fmt.Fprintf(b, "mtu %d ", *a.MTU)
	}
	if a.Qdisc != "" {
		fmt.Fprintf(b, "qdisc %s ", a.Qdisc)
	}
	if a.Master != nil && *a.Master != 0 {
		fmt.Fprintf(b, "master %s ", p.tab.name(*a.Master))
	}
	op := p.operstate(l)
	b.WriteString("state " + paintOper(op, op+" "))
	if withMode && a.LinkMode != nil {
		fmt.Fprintf(b, "mode %s ", a.LinkMode)
	}
	if a.Group != nil {
		fmt.Fprintf(b, "group %s ", groupName(a.Group))
	}
	if a.TxQueueLen != nil {
		fmt.Fprintf(b, "qlen %d", *a.TxQueueLen)
	}
	if p.e.opt.family != 0 && !withMode {
		// `ip -4 addr` leaves out the link/ line but not link-netns.
		b.WriteString(p.netnsText(l) + "\n")
		return
	}
	b.WriteString("\n")
	fmt.Fprintf(b, "    link/%s ", l.Type)
	if a.Address != nil {
		b.WriteString(paint(colorMAC, a.Address.String()))
	}
	if a.Broadcast != nil {
		if l.Flags&rtnl.LinkPointToPoint != 0 {
			fmt.Fprintf(b, " peer %s", paint(colorMAC, a.Broadcast.String()))
		} else {
			fmt.Fprintf(b, " brd %s", paint(colorMAC, a.Broadcast.String()))
		}
	}
	if a.PermAddress != nil && a.PermAddress.String() != a.Address.String() {
		fmt.Fprintf(b, " permaddr %s", a.PermAddress)
	}
	b.WriteString(p.netnsText(l))
	if p.e.opt.details {
		p.detailsText(b, l, withMode)
	}
	b.WriteString("\n")
	if a.Alias != nil && *a.Alias != "" && withMode {
		fmt.Fprintf(b, "    alias %s\n", *a.Alias)
	}
	if p.e.opt.stats && a.Stats != nil && withMode {
		// An address listing prints them after the addresses.
		statsText(b, a.Stats, a.CarrierChanges, p.e.opt)
	}
	for _, n := range a.AltNames {
		fmt.Fprintf(b, "    altname %s\n", n)
	}
}

// netnsText is " link-netns NAME" (or " link-netnsid N") for a link
// whose peer is in another namespace.
func (p *linkPrinter) netnsText(l *rtnl.LinkMessage) string {
	id := l.Attrs.LinkNetNSID
	if id == nil {
		return ""
	}
	if name, ok := p.nsidName(*id); ok {
		return " link-netns " + name
	}
	return fmt.Sprintf(" link-netnsid %d", *id)
}

func (p *linkPrinter) nsidName(id int32) (string, bool) {
	if p.nsids == nil {
		p.nsids = nsidNames(p.e)
	}
	n, ok := p.nsids[id]
	return n, ok
}

func u32or0(v *uint32) uint32 {
	if v == nil {
		return 0
	}
	return *v
}

// detailsText continues the link/ line with what -d adds.
// withMode is false in an address listing, where ip (which dumps the
// links without their per-family data) prints no addrgenmode.
func (p *linkPrinter) detailsText(b *strings.Builder, l *rtnl.LinkMessage, withMode bool) {
	a := l.Attrs
	fmt.Fprintf(b, " promiscuity %d  allmulti %d minmtu %d maxmtu %d ",
		u32or0(a.Promiscuity), u32or0(a.AllMulti), u32or0(a.MinMTU), u32or0(a.MaxMTU))
	if a.Info != nil {
		fmt.Fprintf(b, "\n    %s ", a.Info.Kind)
		if !kindText(b, p, a.Info) {
			if d := infoData(p, a.Info); d != nil {
				for i, k := range d.keys {
					fmt.Fprintf(b, "%s %s ", k, textValue(d.vals[i]))
				}
			}
		}
		if a.Info.SlaveKind != "" {
			fmt.Fprintf(b, "\n    %s_slave ", a.Info.SlaveKind)
			slaveText(b, p, a.Info)
		}
	}
	if a.AddrGenMode != nil && withMode {
		fmt.Fprintf(b, "addrgenmode %s ", addrGenMode(*a.AddrGenMode))
	}
	for _, f := range []struct {
		name string
		v    *uint32
	}{{"numtxqueues", a.NumTxQueues}, {"numrxqueues", a.NumRxQueues}, {"gso_max_size", a.GSOMaxSize},
		{"gso_max_segs", a.GSOMaxSegs}, {"tso_max_size", a.TSOMaxSize}, {"tso_max_segs", a.TSOMaxSegs},
		{"gro_max_size", a.GROMaxSize}} {
		if f.v != nil {
			fmt.Fprintf(b, "%s %d ", f.name, *f.v)
		}
	}
}

func textValue(v any) string {
	switch v := v.(type) {
	case bool:
		if v {
			return "on"
		}
		return "off"
	case jsonw.Raw:
		return string(v)
	case *obj:
		var parts []string
		for i, k := range v.keys {
			parts = append(parts, fmt.Sprintf("%s %v", k, v.vals[i]))
		}
		return strings.Join(parts, " ")
	}
	return fmt.Sprint(v)
}

func addrGenMode(m uint8) string {
	switch m {
	case 0:
		return "eui64"
	case 1:
		return "none"
	case 2:
		return "stable_secret"
	case 3:
		return "random"
	}
	return fmt.Sprint(m)
}

// statsText writes the -s counters as `ip -s link` does.
func statsText(b *strings.Builder, s *rtnl.LinkStats, cc *uint32, opt options) {
	statsTable(b, s, cc, opt.statsLevel, opt.human, opt.iec)
}

// brief writes the -br line.
func (p *linkPrinter) brief(b *strings.Builder, l *rtnl.LinkMessage) {
	op := p.operstate(l)
	b.WriteString(paint(colorIfname, fmt.Sprintf("%-16s ", p.ifname(l))))
	b.WriteString(paintOper(op, fmt.Sprintf("%-14s ", op)))
	if l.Attrs.Address != nil {
		b.WriteString(paint(colorMAC, l.Attrs.Address.String()+" "))
	}
	fmt.Fprintf(b, "<%s> \n", strings.Join(p.flags(l), ","))
}

// infoData is a link kind's info_data as `ip -d -j link` prints it
// (the common keys; nil for kinds without any).
func infoData(p *linkPrinter, li *rtnl.LinkInfo) *obj {
	o := &obj{}
	switch d := li.Data.(type) {
	case *rtnl.Bridge:
		bridgeJSON(o, d)
	case *rtnl.Vxlan:
		vxlanJSON(o, p, d)
	case *rtnl.Macvlan:
		if d.Mode != nil {
			o.add("mode", d.Mode.String())
		}
		if d.Flags != nil && *d.Flags&1 != 0 {
			o.add("nopromisc", true)
		}
		if d.BcQueueLen != nil {
			o.add("bcqueuelen", *d.BcQueueLen)
		}
		if d.BcQueueLenUsed != nil {
			o.add("usedbcqueuelen", *d.BcQueueLenUsed)
		}
	case *rtnl.Tun:
		tunJSON(o, d)
	default:
		return nil
	}
	return o
}

// bridgeJSON adds a bridge's info_data in iproute2's order and forms.
func bridgeJSON(o *obj, d *rtnl.Bridge) {
	num := func(k string, v any) {
		if v := deref(v); v != nil {
			o.add(k, v)
		}
	}
	timer := func(k string, v *uint64) {
		if v != nil {
			o.add(k, jsonw.Raw(fmt.Sprintf("%.2f", float64(*v)/100)))
		}
	}
	id := func(k string, b []byte) {
		if len(b) == 8 {
			o.add(k, fmt.Sprintf("%.2x%.2x.%x:%x:%x:%x:%x:%x", b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]))
		}
	}
	num("forward_delay", d.ForwardDelay)
	num("hello_time", d.HelloTime)
	num("max_age", d.MaxAge)
	num("ageing_time", d.AgeingTime)
	num("stp_state", d.STPState)
	num("priority", d.Priority)
	num("vlan_filtering", d.VlanFiltering)
	if d.VlanProtocol != nil {
		o.add("vlan_protocol", map[uint16]string{0x8100: "802.1Q", 0x88a8: "802.1ad"}[*d.VlanProtocol])
	}
	id("bridge_id", d.BridgeID)
	id("root_id", d.RootID)
	num("root_port", d.RootPort)
	num("root_path_cost", d.RootPathCost)
	num("topology_change", d.TopologyChange)
	num("topology_change_detected", d.TopologyChangeDetected)
	timer("hello_timer", d.HelloTimer)
	timer("tcn_timer", d.TcnTimer)
	timer("topology_change_timer", d.TopologyChangeTimer)
	timer("gc_timer", d.GCTimer)
	num("vlan_default_pvid", d.VlanDefaultPVID)
	num("vlan_stats_enabled", d.VlanStatsEnabled)
	num("vlan_stats_per_port", d.VlanStatsPerPort)
	if d.GroupFwdMask != nil {
		o.add("group_fwd_mask", cHex(*d.GroupFwdMask))
	}
	if d.GroupAddr != nil {
		o.add("group_addr", d.GroupAddr.String())
	}
	num("mcast_snooping", d.McastSnooping)
	if b := d.BoolOpts; b != nil {
		o.add("no_linklocal_learn", b.Values&1).add("mcast_vlan_snooping", b.Values>>1&1)
	}
	num("mcast_router", d.McastRouter)
	num("mcast_query_use_ifaddr", d.McastQueryUseIfaddr)
	num("mcast_querier", d.McastQuerier)
	num("mcast_hash_elasticity", d.McastHashElasticity)
	num("mcast_hash_max", d.McastHashMax)
	num("mcast_last_member_cnt", d.McastLastMemberCnt)
	num("mcast_startup_query_cnt", d.McastStartupQueryCnt)
	num("mcast_last_member_intvl", d.McastLastMemberIntvl)
	num("mcast_membership_intvl", d.McastMembershipIntvl)
	num("mcast_querier_intvl", d.McastQuerierIntvl)
	num("mcast_query_intvl", d.McastQueryIntvl)
	num("mcast_query_response_intvl", d.McastQueryResponseIntvl)
	num("mcast_startup_query_intvl", d.McastStartupQueryIntvl)
	num("mcast_stats_enabled", d.McastStatsEnabled)
	num("mcast_igmp_version", d.McastIGMPVersion)
	num("mcast_mld_version", d.McastMLDVersion)
	num("nf_call_iptables", d.NfCallIptables)
	num("nf_call_ip6tables", d.NfCallIp6tables)
	num("nf_call_arptables", d.NfCallArptables)
}

// cHex formats like C's "%#x": 0 is "0", not "0x0".
func cHex(v uint16) string {
	if v == 0 {
		return "0"
	}
	return fmt.Sprintf("%#x", v)
}

// deref returns what a non-nil pointer to a number points at, or nil.
//
//go:noinline
func deref(v any) any {
	switch v := v.(type) {
	case *uint8:
		if v != nil {
			return *v
		}
	case *uint16:
		if v != nil {
			return *v
		}
	case *uint32:
		if v != nil {
			return *v
		}
	case *uint64:
		if v != nil {
			return *v
		}
	}
	return nil
}

// vxlanJSON is vxlan_print_opt's JSON.
func vxlanJSON(o *obj, p *linkPrinter, d *rtnl.Vxlan) {
	on := func(v *uint8) bool { return v != nil && *v != 0 }
	if on(d.External) {
		o.add("external", true)
	}
	if on(d.VNIFilter) {
		o.add("vnifilter", true)
	}
	if d.ID != nil {
		o.add("id", *d.ID)
	}
	six := map[bool]string{true: "6"}
	if d.Group.IsValid() && !d.Group.IsUnspecified() {
		if d.Group.IsMulticast() {
			o.add("group"+six[d.Group.Is6()], d.Group.String())
		} else {
			o.add("remote"+six[d.Group.Is6()], d.Group.String())
		}
	}
	if d.Local.IsValid() && !d.Local.IsUnspecified() {
		o.add("local"+six[d.Local.Is6()], d.Local.String())
	}
	if d.Link != nil && *d.Link != 0 {
		o.add("link", p.tab.name(*d.Link))
	}
	if d.PortLow != nil && d.PortHigh != nil {
		o.add("port_range", (&obj{}).add("low", *d.PortLow).add("high", *d.PortHigh))
	}
	if d.Port != nil {
		o.add("port", *d.Port)
	}
	if d.Learning != nil {
		o.add("learning", *d.Learning != 0)
	}
	for _, f := range []struct {
		k string
		v *uint8
	}{{"proxy", d.Proxy}, {"rsc", d.RSC}, {"l2miss", d.L2Miss}, {"l3miss", d.L3Miss}} {
		if on(f.v) {
			o.add(f.k, true)
		}
	}
	if d.TOS != nil && *d.TOS != 0 {
		o.add("tos", fmt.Sprintf("%#x", *d.TOS))
	}
	if !on(d.TTLInherit) && d.TTL != nil {
		o.add("ttl", *d.TTL)
	}
	if d.DF != nil {
		o.add("df", map[uint8]string{0: "unset", 1: "set", 2: "inherit"}[*d.DF])
	}
	if d.Label != nil && *d.Label != 0 {
		o.add("label", fmt.Sprintf("%#x", *d.Label))
	}
	if d.Ageing != nil {
		o.add("ageing", *d.Ageing)
	}
	if d.Limit != nil && *d.Limit != 0 {
		o.add("limit", *d.Limit)
	}
	for _, f := range []struct {
		k string
		v *uint8
	}{{"udp_csum", d.UDPCsum}, {"udp_zero_csum6_tx", d.UDPZeroCsum6Tx}, {"udp_zero_csum6_rx", d.UDPZeroCsum6Rx}} {
		if f.v != nil {
			o.add(f.k, *f.v != 0)
		}
	}
	if on(d.RemCsumTx) {
		o.add("remcsum_tx", true)
	}
	if on(d.RemCsumRx) {
		o.add("remcsum_rx", true)
	}
	if d.GBP {
		o.add("gbp", true)
	}
	if d.GPE {
		o.add("gpe", true)
	}
}

// parseLinkGroup reads a link group: a number or "default" (0).
func parseLinkGroup(v string) (uint32, error) {
	if v == "default" {
		return 0, nil
	}
	g, err := parseU32("group", v)
	if err != nil {
		return 0, errInvarg("Invalid \"group\" value\n", v, err)
	}
	return g, nil
}

// linkGroupSet is "link set group N OPTIONS" (plan.LinkGroupSet). It
// names no link, so up files cannot undo it.
type linkGroupSet struct{ spec linkSpec }

func (c linkGroupSet) step(e *env) (plan.Step, error) {
	ref, err := e.ref()
	if err != nil {
		return nil, err
	}
	return plan.LinkGroupSet{NS: ref, Group: *c.spec.group, Options: c.spec.options()}, nil
}

func (c linkGroupSet) run(e *env) error { return runStep(e, c, "") }

// linkGroupDel is "link delete group N" (plan.LinkGroupDel).
type linkGroupDel struct{ group uint32 }

func (c linkGroupDel) step(e *env) (plan.Step, error) {
	ref, err := e.ref()
	if err != nil {
		return nil, err
	}
	return plan.LinkGroupDel{NS: ref, Group: c.group}, nil
}

func (c linkGroupDel) run(e *env) error { return runStep(e, c, "") }
