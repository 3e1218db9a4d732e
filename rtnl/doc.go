// Package rtnl speaks rtnetlink (NETLINK_ROUTE): links, addresses, routes
// and namespace ids, with messages built by hand.
//
// # Connections and namespaces
//
// A Conn is one netlink socket. Dial opens it in the network namespace
// given by Config.NetNS (a file descriptor from package nsfs) without
// moving the calling thread: the socket is created inside the namespace and
// stays there, so every request on it acts in that namespace. Keep a Conn
// and reuse it; a Conn is safe for concurrent use.
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
// # Tracing
//
// With Config.Trace set, every message sent and received is written there,
// decoded: the header with type and flag names, the family header, and the
// attribute tree by name.
package rtnl
