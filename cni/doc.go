// Package cni makes nsnet a CNI plugin (container network interface, spec
// 1.1.0): the protocol's types written against the spec, configuration
// parsing for versions 0.3.0 to 1.1.0, results in the version the runtime
// asked for, a host-local IPAM with the reference plugin's files and
// locking, and a container's attachment (veth, bridge port, addresses,
// routes, NAT) as a plan of steps with an undo each.
//
// # Faces
//
// One plugin serves several configuration schemas, chosen by the name it
// runs under (Main's plugin argument, argv[0]'s base name in nsnet): the
// reference plugins' bridge, ptp, host-local, static, portmap and loopback,
// and nsnet's own "nsnet" (a bridge or ptp network with its subnet,
// masquerade and port mappings in one object).
//
// # Guarantees
//
// ADD refuses an interface name that exists in the container. A failed ADD
// undoes every step it applied (veth, bridge it created, addresses, IP
// reservations, NAT rules) in reverse. DEL is idempotent and works from what
// exists: with CNI_NETNS empty or gone it still releases the IP reservations
// (by container id and interface name) and the NAT rules (tagged with the
// same key), so a plugin killed in the middle of ADD leaves nothing after
// DEL. Other IPAM types than host-local and static run as the plugin of that
// name found in CNI_PATH, by the CNI exec protocol: the only case where this
// package runs another program.
//
// # JSON
//
// Configurations and results are read and written by a small JSON reader
// and writer of this package (json.go), not encoding/json, whose
// reflection would keep large parts of the standard library in the
// binary. The reader decodes to a tree (objects, arrays, strings, numbers
// as written, booleans, null), bounds nesting, and is fuzzed against
// encoding/json; a key of the wrong type is an error naming its path.
package cni
