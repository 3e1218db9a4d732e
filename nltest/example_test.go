package nltest_test

import (
	"errors"
	"fmt"
	"os"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/nltest"
	"github.com/nsnet/nsnet/rtnl"
)

// A fake kernel that refuses to create a link that exists: the rtnl.Conn
// on it sends its real request, and makes its real error of the reply.
func Example() {
	kernel := func(req []netlink.Message) ([]netlink.Message, error) {
		m := req[0]
		if m.Header.Type != unix.RTM_NEWLINK || m.Header.Flags&netlink.Create == 0 {
			return []netlink.Message{nltest.Error(m, unix.EOPNOTSUPP, "")}, nil
		}
		var l rtnl.LinkMessage
		if err := l.UnmarshalBinary(m.Data); err != nil {
			return nil, err
		}
		if l.Attrs.Name == "veth0" {
			return []netlink.Message{nltest.Error(m, unix.EEXIST, "Link already exists")}, nil
		}
		return []netlink.Message{nltest.Ack(m)}, nil
	}
	c := nltest.Rtnl(kernel, nil)
	defer c.Close()
	for _, name := range []string{"br0", "veth0"} {
		err := c.AddLink(&rtnl.LinkMessage{Attrs: rtnl.LinkAttrs{Name: name, Info: &rtnl.LinkInfo{Kind: "bridge"}}})
		fmt.Printf("%s: %v (exists: %v)\n", name, err, errors.Is(err, os.ErrExist))
	}
	// Output:
	// br0: <nil> (exists: false)
	// veth0: add link veth0: file exists (kernel: Link already exists) (exists: true)
}
