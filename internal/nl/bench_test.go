package nl

import (
	"encoding/binary"
	"testing"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// BenchmarkExecuteKernel is one request and its reply over a real socket
// (RTM_GETLINK of lo, no privilege needed): the path a fake kernel must
// leave as it was.
func BenchmarkExecuteKernel(b *testing.B) {
	c, err := Dial(unix.NETLINK_ROUTE, Config{})
	if err != nil {
		b.Skip("no rtnetlink socket:", err)
	}
	defer c.Close()
	req := make([]byte, unix.SizeofIfInfomsg)
	binary.NativeEndian.PutUint32(req[4:], 1)
	m := netlink.Message{Header: netlink.Header{Type: unix.RTM_GETLINK, Flags: netlink.Request}, Data: req}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Execute(m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDumpFuncKernel is a dump of every link over a real socket.
func BenchmarkDumpFuncKernel(b *testing.B) {
	c, err := Dial(unix.NETLINK_ROUTE, Config{})
	if err != nil {
		b.Skip("no rtnetlink socket:", err)
	}
	defer c.Close()
	b.ReportAllocs()
	for b.Loop() {
		if err := c.DumpFunc(getLinks, func(netlink.Message) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
