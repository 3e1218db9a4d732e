// Command tunhold attaches to an existing TUN/TAP device (tunhold NAME
// tun|tap), says "attached" on stdout and holds the device until its
// standard input closes: the process the tests' "Attached to processes"
// listings must name.
package main

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: tunhold NAME tun|tap")
		os.Exit(2)
	}
	flags := uint16(unix.IFF_TAP | unix.IFF_NO_PI)
	if os.Args[2] == "tun" {
		flags = unix.IFF_TUN | unix.IFF_NO_PI
	}
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tunhold:", err)
		os.Exit(1)
	}
	ifr, err := unix.NewIfreq(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "tunhold:", err)
		os.Exit(1)
	}
	ifr.SetUint16(flags)
	if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
		fmt.Fprintln(os.Stderr, "tunhold: TUNSETIFF:", err)
		os.Exit(1)
	}
	fmt.Println("attached")
	io.Copy(io.Discard, os.Stdin)
}
