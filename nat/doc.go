// Package nat speaks nf_tables (NETLINK_NETFILTER): masquerade, forwarding
// and port publishing in a table of nsnet's own, with messages built by
// hand and every change sent as one atomic batch.
package nat
