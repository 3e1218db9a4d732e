package ethtool

import (
	"bytes"
	"os"

	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/nsfs"
)

// DriverInfo is what `ethtool -i` prints. The ethtool netlink family has
// no message for it (kernel 6.18 neither), so it comes from the
// ETHTOOL_GDRVINFO ioctl.
type DriverInfo struct {
	Driver, Version, FirmwareVersion, ExpansionROMVersion, BusInfo string
	NStats, TestInfoLen, EEDumpLen, RegDumpLen, NPrivFlags         uint32
}

// DriverInfo returns dev's driver information, through a socket made in
// the Conn's namespace.
func (c *Conn) DriverInfo(dev string) (DriverInfo, error) {
	var di DriverInfo
	fd := -1
	open := func() error {
		var err error
		fd, err = unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		return os.NewSyscallError("socket", err)
	}
	var err error
	if c.netns != 0 {
		err = nsfs.DoFD(c.netns, "ethtool", open)
	} else {
		err = open()
	}
	if fd >= 0 {
		defer unix.Close(fd)
	}
	if err != nil {
		return di, &errorOp{op: "get driver info", dev: dev, err: err}
	}
	info, err := unix.IoctlGetEthtoolDrvinfo(fd, dev)
	if err != nil {
		return di, &errorOp{op: "get driver info", dev: dev, err: notSupported(err)}
	}
	str := func(b []byte) string {
		if i := bytes.IndexByte(b, 0); i >= 0 {
			b = b[:i]
		}
		return string(b)
	}
	return DriverInfo{
		Driver: str(info.Driver[:]), Version: str(info.Version[:]), FirmwareVersion: str(info.Fw_version[:]),
		ExpansionROMVersion: str(info.Erom_version[:]), BusInfo: str(info.Bus_info[:]),
		NStats: info.N_stats, TestInfoLen: info.Testinfo_len, EEDumpLen: info.Eedump_len,
		RegDumpLen: info.Regdump_len, NPrivFlags: info.N_priv_flags,
	}, nil
}

type errorOp struct {
	op, dev string
	err     error
}

func (e *errorOp) Error() string { return e.op + " " + e.dev + ": " + e.err.Error() }

func (e *errorOp) Unwrap() error { return e.err }
