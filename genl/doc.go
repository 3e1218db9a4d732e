// Package genl speaks generic netlink (NETLINK_GENERIC): the controller
// family, which lists the families the kernel offers with their
// operations and multicast groups, and requests to any family by id, for
// packages such as ethtool that build a family's messages. Messages are
// github.com/mdlayher/genetlink's Message (the genlmsghdr and the
// attributes), carried by nsnet's netlink transport, so --trace decodes
// them by the family's name and --trace-pcap captures them.
//
// # Namespaces
//
// Config.NetNS opens the socket inside a network namespace; it stays
// there. Family ids are per namespace only in name: the kernel numbers
// families once, but a Conn asks its own namespace.
//
// # Errors
//
// Errors are *nl.Error values (re-exported as Error) that name the
// operation and answer errors.Is for os.ErrNotExist (an unknown family:
// ENOENT), os.ErrExist and os.ErrPermission.
package genl
