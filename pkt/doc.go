// Package pkt sends and watches packets on raw sockets: ICMP echo (Ping),
// AF_PACKET capture (Capture) with filters compiled to classic BPF
// (CompileFilter), tcpdump-style one-line decoding (Formatter) and pcap
// files (Reader, Writer). It uses no libpcap, no cgo and runs no other
// program.
//
// # Ping
//
// Ping sends ICMP or ICMPv6 echo requests and reports every reply. It
// opens a raw socket when it may (root, or CAP_NET_RAW) and otherwise an
// unprivileged ICMP datagram socket, which the kernel allows to the groups
// in net.ipv4.ping_group_range (for IPv6 too). PingStats.String gives the
// summary lines of iputils ping.
//
// # Capture
//
// OpenCapture opens an AF_PACKET socket on one interface (Ethernet frames,
// LinkTypeEthernet) or on all of them ("any": cooked mode,
// LinkTypeLinuxSLL, each Packet naming its interface). The socket starts
// with a drop-everything program, is bound and drained, and only then gets
// the compiled filter, so no unfiltered packet is ever returned. The
// kernel runs the filter: unwanted packets are not copied to user space.
// Stats reports the kernel's counts (PACKET_STATISTICS).
//
// # Filters
//
// The filter language is a small subset of tcpdump's (pcap-filter(7)),
// with the same meaning for what it has:
//
//	expr      = term { ("or" | "||") term }
//	term      = factor { ("and" | "&&") factor }
//	factor    = ("not" | "!") factor | "(" expr ")" | primitive
//	primitive = proto
//	          | [addrproto] [dir] "host" ADDRESS
//	          | [addrproto] [dir] "net" ADDRESS "/" LENGTH
//	          | [portproto] [dir] "port" NUMBER
//	          | [portproto] [dir] "portrange" NUMBER "-" NUMBER
//	          | dir ADDRESS[/LENGTH]           (host or net implied)
//	          | VALUE                          (repeats the previous qualifiers)
//	proto     = "ip" | "ip6" | "arp" | "icmp" | "icmp6" | "tcp" | "udp"
//	addrproto = "ip" | "ip6" | "arp"
//	portproto = "tcp" | "udp"
//	dir       = "src" | "dst" | "src or dst" | "src and dst"
//
// Addresses are numeric IPv4 or IPv6 addresses; keywords are not case
// sensitive. Without a direction, "host" and "net" match either address,
// and an IPv4 "host" or "net" also matches the sender or target address
// of ARP (and RARP) packets. "port" matches TCP, UDP and SCTP ports;
// IPv4 fragments other than the first never match a port. "tcp", "udp"
// and "icmp6" also match IPv6 packets whose first extension header is a
// fragment header. A bare value after "or"/"and" repeats the previous
// primitive's qualifiers: "host 192.0.2.1 or 192.0.2.2", "port 80 or 443".
// An empty expression keeps every packet. Examples:
//
//	icmp or icmp6
//	tcp and dst port 8080
//	src net 198.51.100.0/24 and not arp
//	host 2001:db8::1 && (udp port 53 || tcp)
//
// CompileFilter returns the program for a link type; NewFilter runs it in
// user space, which is how packets read from a file are filtered.
//
// # Output
//
// Formatter prints what tcpdump -n prints for Ethernet, ARP, IPv4, IPv6,
// ICMP, ICMPv6, UDP and TCP (flags, relative sequence numbers, options),
// one line per packet. Application protocols are not decoded: for a UDP
// or TCP payload it prints the length only, where tcpdump would decode,
// say, DNS on port 53.
//
// # Files
//
// Writer writes classic pcap files (microsecond timestamps) that tcpdump,
// tshark and Wireshark read. Reader reads them in either byte order, with
// microsecond or nanosecond timestamps, for link types LinkTypeEthernet,
// LinkTypeLinuxSLL and LinkTypeLinuxSLL2 (what tcpdump -i any writes; its
// interfaces are shown by index, since the names belong to the capturing
// host). pcapng is not read.
//
// # Namespaces
//
// pkt never changes the namespace of a thread. The sockets Ping and
// OpenCapture use come from the configuration's Socket function; to work
// in another network namespace, pass one that creates the socket there
// (for example on a thread that entered it). A socket stays in the
// namespace it was created in for its whole life, and pkt resolves
// interface names with ioctls on that socket, so they name the interfaces
// of that namespace.
//
// # Errors
//
// Errors name the operation and wrap the system call's error, so
// errors.Is(err, os.ErrPermission) tells a missing privilege and
// errors.Is(err, os.ErrDeadlineExceeded) a capture stopped by
// SetReadDeadline. Filter syntax errors are *FilterError, with the offset
// of the offending word. Malformed pcap input wraps ErrBadPcap.
package pkt
