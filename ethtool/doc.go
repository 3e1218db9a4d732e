// Package ethtool reads and changes a network device's offload features,
// channels and rings through the ethtool generic netlink family
// (ETHTOOL_MSG_FEATURES_GET/SET, ETHTOOL_MSG_CHANNELS_GET/SET,
// ETHTOOL_MSG_RINGS_GET/SET), with feature names from the kernel's
// ETH_SS_FEATURES string set and ethtool's legacy names and short aliases
// (tx, rx, sg, tso, gso, gro, lro, ...; see Expand). Driver information,
// which the ethtool netlink family does not carry, comes from the
// ETHTOOL_GDRVINFO ioctl on a socket made inside the namespace.
//
// # Namespaces
//
// Dial's Config.NetNS opens the netlink socket (and DriverInfo's socket)
// inside a network namespace; the caller's thread never moves.
//
// # Errors
//
// Kernel errors are *genl.Error values naming the operation and the
// device; EOPNOTSUPP (a driver without channels or rings) answers
// errors.Is(err, ErrNotSupported), and ENODEV errors.Is(err,
// os.ErrNotExist).
package ethtool
