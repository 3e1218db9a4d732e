package nat

import (
	"errors"
	"net/netip"
)

// Attachment is one container's NAT: masquerade of its addresses and its
// port mappings, tagged by ID+IfName (a CNI attachment: container id and
// interface name), so that DelAttachment removes exactly its rules even
// when the container's network namespace is gone.
type Attachment struct {
	// ID and IfName name the attachment (CNI_CONTAINERID, CNI_IFNAME).
	ID, IfName string
	// Masquerade are the container addresses (or subnets) whose traffic
	// leaving is masqueraded.
	Masquerade []netip.Prefix
	// MasqueradeExclude are destinations not masqueraded (e.g. the
	// network's own subnet, as the bridge plugin's ipMasq does).
	// Multicast destinations are never masqueraded.
	MasqueradeExclude []netip.Prefix
	// PortMaps are the attachment's port mappings.
	PortMaps []PortMap
	// SNATHairpin masquerades hairpin and localhost traffic to a port
	// mapping, as portmap's snat option (default true there) does.
	SNATHairpin bool
	// HostLocalhost makes the mappings reachable at 127.0.0.1 and ::1 from
	// the host. IPv4 needs net.ipv4.conf.<iface>.route_localnet=1 on the
	// interface the container is reached by (see RouteLocalnetSysctl); the
	// caller sets it.
	HostLocalhost bool
}

// PortMap is one port mapping of an Attachment: connections to
// HostIP:HostPort go to ContainerIP:ContainerPort.
type PortMap struct {
	HostIP        netip.Addr // zero: any host address
	HostPort      uint16
	ContainerIP   netip.Addr
	ContainerPort uint16
	Proto         string // "tcp", "udp" or "sctp"
}

// AttachmentKey names an attachment: container id and interface name.
type AttachmentKey struct{ ID, IfName string }

// RouteLocalnetSysctl returns the sysctl that must be 1 for IPv4 port
// mappings to be reachable at 127.0.0.1 through iface (the host side of
// the container's link, or the bridge): the kernel drops packets with a
// loopback source on other interfaces unless it is set.
func RouteLocalnetSysctl(iface string) string {
	return "net.ipv4.conf." + iface + ".route_localnet"
}

var errNotImplemented = errors.New("not implemented yet")

// AddAttachment puts a's rules in nsnet's table in one atomic
// transaction. If an attachment with a's key is there, the error is
// ErrExist and nothing changes.
func (c *Conn) AddAttachment(a Attachment) error { return errNotImplemented }

// DelAttachment removes exactly the rules of attachment id/ifname; it is
// idempotent: nil when the attachment is not there.
func (c *Conn) DelAttachment(id, ifname string) error { return errNotImplemented }

// Attachments returns the key of every attachment in nsnet's table.
func (c *Conn) Attachments() ([]AttachmentKey, error) { return nil, errNotImplemented }

// GCAttachments removes every attachment whose key is not in valid and
// returns the keys it removed.
func (c *Conn) GCAttachments(valid []AttachmentKey) (removed []AttachmentKey, err error) {
	return nil, errNotImplemented
}
