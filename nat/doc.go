// Package nat speaks nf_tables (NETLINK_NETFILTER): masquerade, forwarding
// and port publishing in a table of nsnet's own, with messages built by
// hand and every change sent as one atomic batch. It does what these lines
// of iptables do, without iptables, nft or libnftnl:
//
//	iptables -t nat -A POSTROUTING -s 192.168.11.0/24 -o ens33 -j MASQUERADE
//	iptables -A FORWARD -i ens33 -o veth0s0 -j ACCEPT
//	iptables -A FORWARD -o ens33 -i veth0s0 -j ACCEPT
//
// # Objects and rules
//
// An Object is what a user asks for: a Masquerade, a Forward or a Publish
// (Docker's -p). Each becomes one or more rules in `table inet nsnet`, and
// every rule carries the comment "nsnet " + the object's String, for
// example "nsnet masquerade 192.168.11.0/24 out ens33", so that
// `nft list ruleset` says what each rule is for. List finds objects by
// their comments, then checks the rules' expressions against the ones the
// object makes (Entry.Intact): a rule edited or deleted with nft shows,
// and Add repairs it. Describe renders expressions in nft's syntax from
// what they do, not from the comment.
//
// Each object also has a named counter object in the table (CounterName:
// "forward/ens33/veth0s0", "masquerade/192.168.11.0/24/ens33",
// "publish/tcp/8080"), and its rules count into it with `counter name`
// instead of counters of their own: `nft list counters` shows what each
// object passed, and Entry.Packets and Entry.Bytes report it. The names
// are ones nft reads unquoted, so `nft list ruleset` stays a file `nft -f`
// loads again.
//
// # One inet table
//
// nsnet keeps everything in one table of family inet, named nsnet, with
// four base chains, each policy accept:
//
//	postrouting  type nat    hook postrouting priority srcnat (100)   masquerade
//	prerouting   type nat    hook prerouting  priority dstnat (-100)  publish
//	output       type nat    hook output      priority -100           publish, from the host itself
//	forward      type filter hook forward     priority filter (0)     forward
//
// One inet table rather than an ip and an ip6 one: IPv4 and IPv6 objects
// live side by side, one listing, one flush and one generation-checked
// batch cover both, and nothing has to keep two tables in step. The price
// is that a rule matching addresses must say which family it is for: each
// starts with `meta nfproto ipv4` (or ipv6), without which an IPv4 prefix
// match would also compare bytes of IPv6 headers. The dnat statement names
// its family for the same reason.
//
// Publish without an address matches `fib daddr type local`, as Docker's
// `-m addrtype --dst-type LOCAL` does, so that connections passing through
// the host to port N elsewhere are not taken; its output rule also skips
// loopback destinations, which cannot be sent to another host.
//
// # Transactions and concurrency
//
// Add and Delete read the ruleset generation (NFT_MSG_GETGEN), read
// the table, decide, and send one batch (BEGIN, messages, END in one
// sendmsg) whose BEGIN carries that generation (NFNL_BATCH_GENID). The
// kernel applies all of it or none, and refuses it with ERESTART if any
// other writer committed in between; the change is then planned again
// from a fresh read, a bounded number of times. So concurrent nsnet
// processes neither duplicate nor lose a rule. Add creates the table and
// chains that are missing with NLM_F_CREATE in the same batch, so it works
// on an empty ruleset; Delete removes the table along with the last rule
// in it.
//
// A Conn keeps the table between transactions, tagged with the generation
// it was read or written at: a batch asks for echoes (NLM_F_ECHO), and the
// kernel answers a commit with the new generation (NFT_MSG_NEWGEN) and the
// new rules with their handles. The next transaction reads the table again
// only if NFT_MSG_GETGEN says the generation moved, which any other
// writer's commit does; so the lines of an nsnet batch do not each read
// the whole table, and the batch's generation check stays the safety net.
// ForwardDrops keeps its answer the same way.
//
// A new object needs no read at all. The counter's name is the object's
// index in the kernel: Add of an object to a table it has not read sends
// the counter with NLM_F_EXCL and the rules in one generation-checked
// batch (with the table and base chains if a dump of the chains shows
// them missing), and the kernel refuses the whole batch with EEXIST if
// the counter is there. Only then does Add read the table, to report the
// object as there, repair it, or refuse a publish of a port published to
// another target (a Publish's counter is named by what it listens on, so
// that one collides too). So a script that runs one nsnet process per
// object costs the same per object however big the table grows. Flush
// needs no read either: it deletes the table by name, and the kernel
// answers ENOENT when there is none. FlushSaved is Flush for a caller that
// may have to take the flush back: it keeps the kernel's dump of the table
// (taken at the generation the deletion is committed with), and Restore
// makes the same table again from it in one transaction.
//
// # Attachments
//
// An Attachment is the NAT of one container attachment of a CNI plugin,
// named by container id and interface name: masquerade of its addresses
// (except to MasqueradeExclude and multicast) and its port mappings as
// the portmap plugin makes them (DNAT in prerouting and output, any local
// address or one host address, 127.0.0.1 with route_localnet, hairpin
// masquerade of connections DNATed to the target from the target itself,
// its network and loopback). Its rules sit in the same base chains, each
// with the comment "nsnet attachment ID IFNAME" and counting into the
// attachment's counter object "cni/ID/IFNAME". The counter is the index:
// AddAttachment sends it with NLM_F_EXCL in the batch with the rules (no
// read, ErrExist from the kernel), Attachments lists the counters, and
// DelAttachment and GCAttachments read the table and delete by handle
// exactly the rules that count into (or are tagged for) the attachments
// they remove, with the counters, in one generation-checked batch. They
// need only the key, never the container's namespace.
//
// # Other tables
//
// nsnet never writes to a table other than inet nsnet: it deletes its own
// rules by handle and its table by family and name (never the kernel's
// "all tables" form). Its accept cannot undo a drop elsewhere: each base
// chain is a hook entry of its own, and an accept only hands the packet to
// the next one. ForwardDrops lists the forward-hook chains of other tables
// whose policy is drop, such as the FORWARD chain Docker sets to DROP.
//
// # Connections and namespaces
//
// A Conn is one netlink socket. Dial opens it in the network namespace
// given by Config.NetNS without moving the calling thread, and every
// request on it acts in that namespace.
//
// # Errors
//
// Every error is an *Error naming the operation and object (and, for a
// refused batch, the message), for example `add masquerade 192.168.11.0/24
// (NFT_MSG_NEWRULE inet nsnet postrouting): no such file or directory`. Add
// of what exists returns ErrExist and Delete of what is absent ErrNotExist;
// errors.Is works with them and with os.ErrExist, os.ErrNotExist and
// os.ErrPermission. A kernel without nf_tables, or without the NAT
// modules, gets a sentence saying so instead of a bare errno.
//
// # Tracing
//
// With Config.Trace set, every message is printed decoded: the batch
// frame, table, chain and rule attributes, and each expression's
// attributes by the expression's name.
package nat
