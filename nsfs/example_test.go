package nsfs_test

import (
	"fmt"
	"log"
	"os"

	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/rtnl"
)

// Create a named namespace, talk to it over a socket opened inside it,
// and delete it. The calling thread never changes namespace.
func Example() {
	if err := nsfs.Add("demo"); err != nil {
		log.Fatal(err)
	}
	defer func() {
		if err := nsfs.Delete("demo"); err != nil {
			log.Print(err)
		}
	}()
	ns, err := nsfs.OpenName("demo")
	if err != nil {
		log.Fatal(err)
	}
	defer ns.Close()
	c, err := rtnl.Dial(&rtnl.Config{NetNS: ns.Fd()})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	fmt.Println("connected inside", ns.Name())
}

// Read a per-namespace sysctl: the file is opened on a thread inside the
// namespace, and the descriptor keeps pointing there afterwards.
func ExampleDo() {
	ns, err := nsfs.OpenName("demo")
	if err != nil {
		log.Fatal(err)
	}
	defer ns.Close()
	var f *os.File
	err = nsfs.Do(ns, func() error {
		var err error
		f, err = os.Open("/proc/sys/net/ipv4/ip_forward")
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 8)
	n, err := f.Read(b)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("ip_forward in demo: %s", b[:n])
}

// Run a command inside a namespace, as `ip netns exec demo ip link` would.
func ExampleRun() {
	cmd := &nsfs.Command{Args: []string{"cat", "/proc/net/dev"}, Stdout: os.Stdout}
	if err := nsfs.Run("demo", cmd, os.Stderr); err != nil {
		log.Fatal(err)
	}
}

// List the named namespaces, marking stale entries.
func ExampleList() {
	entries, err := nsfs.List()
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range entries {
		if e.Stale {
			fmt.Println(e.Name, "(stale)")
			continue
		}
		fmt.Println(e.Name)
	}
}
