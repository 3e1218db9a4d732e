// Package tuntap makes and removes persistent TUN and TAP devices through
// /dev/net/tun, the one interface the kernel has for them (rtnetlink
// refuses to create the "tun" kind), as `ip tuntap add|del` does.
//
// A device is made in the network namespace of the thread that opens
// /dev/net/tun: to make one in another namespace, call Add on a thread
// inside it (nsfs.Do). Listing and inspecting devices is rtnetlink's:
// they are links of kind "tun" whose IFLA_INFO_DATA (rtnl.Tun) carries
// the mode, flags, owner and group.
package tuntap

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Path is the TUN/TAP clone device.
const Path = "/dev/net/tun"

// Mode is the kind of device: TUN (layer 3) or TAP (Ethernet).
type Mode uint16

// The modes, as TUNSETIFF's flags name them.
const (
	TUN Mode = unix.IFF_TUN // "tun": IP packets
	TAP Mode = unix.IFF_TAP // "tap": Ethernet frames
)

// String is the mode as ip writes it ("UNKNOWN:N" for another value).
// The kernel's rtnetlink description of a device (IFLA_TUN_TYPE, rtnl.Tun's
// Type) uses the same values.
func (m Mode) String() string {
	switch m {
	case TUN:
		return "tun"
	case TAP:
		return "tap"
	}
	return fmt.Sprintf("UNKNOWN:%d", uint16(m))
}

// Config describes a device as `ip tuntap add` takes it.
type Config struct {
	Name string
	Mode Mode
	// Owner and Group, when set, may attach to the device without
	// CAP_NET_ADMIN (TUNSETOWNER, TUNSETGROUP).
	Owner, Group *uint32
	// PI keeps the 4-byte packet information header on every packet;
	// off by default, as in ip (IFF_NO_PI).
	PI bool
	// OneQueue is accepted for compatibility; the kernel ignores it.
	OneQueue   bool
	VnetHdr    bool // IFF_VNET_HDR: a virtio-net header on every packet
	MultiQueue bool // IFF_MULTI_QUEUE: one queue per attached descriptor
}

// flags are the TUNSETIFF flags of c.
func (c Config) flags() uint16 {
	f := uint16(c.Mode)
	if !c.PI {
		f |= unix.IFF_NO_PI
	}
	if c.OneQueue {
		f |= unix.IFF_ONE_QUEUE
	}
	if c.VnetHdr {
		f |= unix.IFF_VNET_HDR
	}
	if c.MultiQueue {
		f |= unix.IFF_MULTI_QUEUE
	}
	return f
}

// attach opens the clone device and attaches to (or, with excl, creates)
// the device c names.
func attach(c Config, excl bool) (int, error) {
	if c.Mode != TUN && c.Mode != TAP {
		return -1, fmt.Errorf("tuntap %s: no mode (tun or tap)", c.Name)
	}
	ifr, err := unix.NewIfreq(c.Name)
	if err != nil {
		return -1, fmt.Errorf("tuntap: bad name %q: %w", c.Name, err)
	}
	fd, err := unix.Open(Path, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: Path, Err: err}
	}
	f := c.flags()
	if excl {
		f |= unix.IFF_TUN_EXCL
	}
	ifr.SetUint16(f)
	if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
		unix.Close(fd)
		return -1, os.NewSyscallError("ioctl(TUNSETIFF)", err)
	}
	return fd, nil
}

// Add makes the device in the calling thread's network namespace and
// makes it persistent, so that it outlives the call. A device of that
// name that exists already is an error (EBUSY, as with ip); a failure
// after the device was made removes it again.
func Add(c Config) error {
	fd, err := attach(c, true)
	if err != nil {
		return err
	}
	// Closing a descriptor attached to a device that is not persistent
	// removes the device: every error below leaves nothing behind.
	defer unix.Close(fd)
	if c.Owner != nil {
		if err := unix.IoctlSetInt(fd, unix.TUNSETOWNER, int(*c.Owner)); err != nil {
			return os.NewSyscallError("ioctl(TUNSETOWNER)", err)
		}
	}
	if c.Group != nil {
		if err := unix.IoctlSetInt(fd, unix.TUNSETGROUP, int(*c.Group)); err != nil {
			return os.NewSyscallError("ioctl(TUNSETGROUP)", err)
		}
	}
	if err := unix.IoctlSetInt(fd, unix.TUNSETPERSIST, 1); err != nil {
		return os.NewSyscallError("ioctl(TUNSETPERSIST)", err)
	}
	return nil
}

// Delete clears the device's persistence, which removes it once no
// process holds it open. c's mode and flags must be the device's, as the
// kernel checks them when attaching (EINVAL otherwise).
func Delete(c Config) error {
	fd, err := attach(c, false)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := unix.IoctlSetInt(fd, unix.TUNSETPERSIST, 0); err != nil {
		return os.NewSyscallError("ioctl(TUNSETPERSIST)", err)
	}
	return nil
}
