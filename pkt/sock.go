package pkt

import (
	"encoding/binary"
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// SocketFunc creates a socket as socket(2) does and returns its file
// descriptor. Commands pass one that creates the socket inside another
// network namespace; pkt itself never changes namespaces.
type SocketFunc func(domain, typ, proto int) (int, error)

// SocketVia returns a SocketFunc that calls socket(2) inside run, a
// function that runs its argument on a thread of the wanted network
// namespace (such as nsfs.Do with a namespace handle). run must call fn
// exactly once and return its error. A nil run gives nil: the calling
// thread's namespace.
func SocketVia(run func(fn func() error) error) SocketFunc {
	if run == nil {
		return nil
	}
	return func(domain, typ, proto int) (int, error) {
		fd := -1
		err := run(func() error {
			var err error
			fd, err = unix.Socket(domain, typ, proto)
			return err
		})
		if err != nil {
			if fd >= 0 {
				unix.Close(fd)
			}
			return -1, err
		}
		return fd, nil
	}
}

func (f SocketFunc) open(domain, typ, proto int) (int, error) {
	mk := f
	if mk == nil {
		mk = unix.Socket
	}
	fd, err := mk(domain, typ|unix.SOCK_CLOEXEC, proto)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	return fd, nil
}

// htons converts a 16-bit value to network byte order, as the kernel
// expects in sockaddr_ll's protocol field.
func htons(v uint16) uint16 {
	return binary.NativeEndian.Uint16(binary.BigEndian.AppendUint16(nil, v))
}

// The interface ioctls below act in the network namespace of the socket
// they are issued on, not of the calling thread: that is how pkt resolves
// interface names inside another namespace.

func ioctlIfreq(rc syscall.RawConn, req uint, ifr *unix.Ifreq) error {
	var ierr error
	if err := rc.Control(func(fd uintptr) { ierr = unix.IoctlIfreq(int(fd), req, ifr) }); err != nil {
		return err
	}
	return ierr
}

// ifIndex returns the index of the interface called name.
func ifIndex(rc syscall.RawConn, name string) (int, error) {
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return 0, fmt.Errorf("interface %q: name too long", name)
	}
	if err := ioctlIfreq(rc, unix.SIOCGIFINDEX, ifr); err != nil {
		return 0, fmt.Errorf("interface %q: %w", name, err)
	}
	return int(ifr.Uint32()), nil
}

// ifHWType returns the ARPHRD_* hardware type of the interface.
func ifHWType(rc syscall.RawConn, name string) (uint16, error) {
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return 0, fmt.Errorf("interface %q: name too long", name)
	}
	if err := ioctlIfreq(rc, unix.SIOCGIFHWADDR, ifr); err != nil {
		return 0, fmt.Errorf("interface %q: %w", name, err)
	}
	return ifr.Uint16(), nil // ifr_hwaddr.sa_family
}

// ifName returns the name of the interface with the index.
func ifName(rc syscall.RawConn, index int) (string, error) {
	ifr, err := unix.NewIfreq("")
	if err != nil {
		return "", err
	}
	ifr.SetUint32(uint32(index))
	if err := ioctlIfreq(rc, unix.SIOCGIFNAME, ifr); err != nil {
		return "", fmt.Errorf("interface index %d: %w", index, err)
	}
	return ifr.Name(), nil
}

// rxTime returns the SO_TIMESTAMPNS time in the control messages, if any.
func rxTime(oob []byte) (t int64, ok bool) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return 0, false
	}
	for _, m := range msgs {
		if m.Header.Level != unix.SOL_SOCKET || m.Header.Type != unix.SO_TIMESTAMPNS {
			continue
		}
		switch len(m.Data) { // struct timespec of 64- or 32-bit longs
		case 16:
			sec := int64(binary.NativeEndian.Uint64(m.Data))
			nsec := int64(binary.NativeEndian.Uint64(m.Data[8:]))
			return sec*1e9 + nsec, true
		case 8:
			sec := int64(int32(binary.NativeEndian.Uint32(m.Data)))
			nsec := int64(int32(binary.NativeEndian.Uint32(m.Data[4:])))
			return sec*1e9 + nsec, true
		}
	}
	return 0, false
}
