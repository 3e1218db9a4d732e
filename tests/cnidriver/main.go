// Command cnidriver drives CNI plugins through libcni (the reference
// runtime library) for nsnet's integration tests, and serves or dials a
// TCP port to test reachability. It runs inside a test sandbox.
//
//	cnidriver -conf LIST.conflist -path DIR -cmd add|del|check|status|gc|version \
//	    [-id ID] [-netns PATH] [-if eth0] [-caps JSON] [-args K=V;K=V] [-valid ID/IF,...]
//	cnidriver -serve ADDR -reply TEXT     (answer every connection with TEXT)
//	cnidriver -dial ADDR                  (print what ADDR answers)
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/containernetworking/cni/libcni"
	"github.com/containernetworking/cni/pkg/types"
)

func main() {
	conf := flag.String("conf", "", "conflist file")
	path := flag.String("path", "", "CNI_PATH")
	cmd := flag.String("cmd", "add", "add, del, check, status, gc or version")
	id := flag.String("id", "c1", "container id")
	netns := flag.String("netns", "", "netns path")
	ifname := flag.String("if", "eth0", "interface name")
	caps := flag.String("caps", "", "capability args, JSON object")
	args := flag.String("args", "", "CNI_ARGS pairs K=V;K=V")
	valid := flag.String("valid", "", "GC: valid attachments ID/IF,...")
	serve := flag.String("serve", "", "serve TCP on this address")
	reply := flag.String("reply", "hello", "what -serve answers")
	dial := flag.String("dial", "", "dial this TCP address and print the answer")
	bench := flag.Int("bench", 0, "time N ADD+DEL pairs, containers b1..bN in /run/netns/bI")
	par := flag.Int("par", 1, "with -bench: pairs run at once")
	flag.Parse()
	if *serve != "" {
		fail(serveTCP(*serve, *reply))
		return
	}
	if *dial != "" {
		c, err := net.DialTimeout("tcp", *dial, 3*time.Second)
		fail(err)
		c.SetDeadline(time.Now().Add(3 * time.Second))
		b, err := io.ReadAll(c)
		fail(err)
		fmt.Print(string(b))
		return
	}
	b, err := os.ReadFile(*conf)
	fail(err)
	list, err := libcni.ConfListFromBytes(b)
	fail(err)
	c := libcni.NewCNIConfigWithCacheDir(strings.Split(*path, ":"), "/var/lib/cni/cache", nil)
	rt := &libcni.RuntimeConf{ContainerID: *id, NetNS: *netns, IfName: *ifname}
	if *caps != "" {
		fail(json.Unmarshal([]byte(*caps), &rt.CapabilityArgs))
	}
	if *args != "" {
		for _, kv := range strings.Split(*args, ";") {
			k, v, _ := strings.Cut(kv, "=")
			rt.Args = append(rt.Args, [2]string{k, v})
		}
	}
	ctx := context.Background()
	if *bench > 0 {
		fail(runBench(ctx, c, list, *bench, *par, *caps))
		return
	}
	switch *cmd {
	case "add":
		res, err := c.AddNetworkList(ctx, list, rt)
		fail(err)
		fail(res.Print())
	case "del":
		fail(c.DelNetworkList(ctx, list, rt))
	case "check":
		fail(c.CheckNetworkList(ctx, list, rt))
	case "status":
		fail(c.GetStatusNetworkList(ctx, list))
	case "gc":
		ga := &libcni.GCArgs{}
		for _, v := range strings.Split(*valid, ",") {
			if i, f, ok := strings.Cut(v, "/"); ok {
				ga.ValidAttachments = append(ga.ValidAttachments, types.GCAttachment{ContainerID: i, IfName: f})
			}
		}
		fail(c.GCNetworkList(ctx, list, ga))
	case "version":
		for _, p := range list.Plugins {
			vi, err := c.GetVersionInfo(ctx, p.Network.Type)
			fail(err)
			fmt.Println(p.Network.Type, strings.Join(vi.SupportedVersions(), " "))
		}
	default:
		fail(fmt.Errorf("unknown -cmd %q", *cmd))
	}
}

// runBench runs n ADD+DEL pairs through libcni, par at a time, and prints
// the wall time in total and per container.
func runBench(ctx context.Context, c *libcni.CNIConfig, list *libcni.NetworkConfigList, n, par int, caps string) error {
	start := time.Now()
	jobs := make(chan int)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range par {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				rt := &libcni.RuntimeConf{ContainerID: fmt.Sprintf("b%d", i), NetNS: fmt.Sprintf("/run/netns/b%d", i), IfName: "eth0"}
				if caps != "" {
					json.Unmarshal([]byte(caps), &rt.CapabilityArgs)
				}
				if _, err := c.AddNetworkList(ctx, list, rt); err != nil {
					errs <- err
					continue
				}
				if err := c.DelNetworkList(ctx, list, rt); err != nil {
					errs <- err
				}
			}
		}()
	}
	for i := 1; i <= n; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(errs)
	for err := range errs {
		return err
	}
	d := time.Since(start)
	fmt.Printf("%d\t%d\t%.1f\t%.2f\n", n, par, float64(d.Microseconds())/1000, float64(d.Microseconds())/1000/float64(n))
	return nil
}

func serveTCP(addr, reply string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Println("listening")
	os.Stdout.Sync()
	for {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		fmt.Fprintf(c, "%s from %s\n", reply, c.RemoteAddr().(*net.TCPAddr).IP)
		c.Close()
	}
}

func fail(err error) {
	if err == nil {
		return
	}
	if e, ok := err.(*types.Error); ok {
		b, _ := json.Marshal(e)
		fmt.Fprintf(os.Stderr, "%s\n", b)
	} else {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(1)
}
