// Package rtnl speaks rtnetlink (NETLINK_ROUTE): links, addresses, routes,
// neighbours, policy rules and namespace ids, with messages built by hand.
//
// # Connections and namespaces
//
// A Conn is one netlink socket. Dial opens it in the network namespace
// given by Config.NetNS (a file descriptor from package nsfs) without
// moving the calling thread: the socket is created inside the namespace and
// stays there, so every request on it acts in that namespace. Keep a Conn
// and reuse it; a Conn is safe for concurrent use.
//
// # Messages
//
// Each message kind has its own file and type: LinkMessage (link.go,
// link_kinds.go for veth, bridge, vxlan, macvlan and tun data),
// AddrMessage (addr.go), RouteMessage (route.go), NeighMessage (neigh.go:
// ARP/NDP entries) and RuleMessage (rule.go: policy-routing rules). Each
// holds its fixed family header as typed fields (Family, Scope, Table, RouteProtocol,
// LinkFlags...) and its attributes in an XxxAttrs struct, with addresses
// as netip.Addr and prefixes as netip.Prefix. MarshalBinary and
// UnmarshalBinary convert to and from the bytes after the netlink header;
// decoding what was encoded gives the same value back.
//
// One rule says which attributes a message carries: a nil pointer or
// slice, an invalid netip.Addr and an empty string (for attributes the
// kernel never sends empty, such as names and kinds) are absent; anything
// else is sent, zero included. So LinkAttrs.Master pointing at 0 detaches
// a link from its bridge, while a nil Master leaves it alone.
//
// The methods choose the flags of each request: AddLink, AddAddr and
// AddRoute create (NLM_F_CREATE|NLM_F_EXCL); SetLink changes a link
// through RTM_NEWLINK, found by index or, with Index 0, by the name the
// kernel looks up itself; LinkByName asks for one link by IFLA_IFNAME
// instead of listing them all, without its counters, and LinkIndex reads
// no more of the answer than the index. A veth's peer, and the namespace it goes
// to, travel in the same request as the link (Veth.Peer), so a refusal
// leaves nothing half made.
//
// # Errors
//
// Every error is an *Error naming the operation and object, for example
// `add link veth0: file exists`, and carries the kernel's extended
// acknowledgement text when there is one. errors.Is(err, os.ErrExist),
// os.ErrNotExist and os.ErrPermission work on them. Dumps that the kernel
// interrupts (NLM_F_DUMP_INTR) are retried a few times, then return the
// partial result with ErrDumpInterrupted.
//
// Link and address dumps decode each reply as it arrives, from one reused
// receive buffer, rather than keeping the whole dump (megabytes, with
// thousands of links) until it ends; decoded values copy what they keep.
//
// # Tracing
//
// With Config.Trace set, every message sent and received is written there,
// decoded: the header with type and flag names, the family header
// (ifinfomsg, ifaddrmsg, rtmsg) with its enums named, and the attribute
// tree by name, down to a veth peer's own ifinfomsg and attributes and the
// kind-specific data of bridges, vxlans and macvlans.
package rtnl
