// Command embed builds the seed walkthrough (examples/seed.nsnet) in Go
// with package plan, without a single command-line word: a namespace
// nstest joined to this one by the veth pair veth0s0 (192.168.11.100) <->
// veth0s1 (nstest, 192.168.11.101), a default route back, IPv4 forwarding
// and masquerade out of the uplink. It applies the plan as a unit, verifies
// it (every step applied, and nstest pings the host end), then undoes it.
//
// It changes the network of the namespace it runs in: run it as root in a
// throw-away namespace, for example
//
//	unshare --net --mount --propagation private sh -c \
//	  'mount -t tmpfs x /run && go run ./examples/embed -uplink ens33'
//
// Flags: -uplink IFACE (default ens33), -keep (apply and verify, leave it
// in place).
package main

import (
	"context"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"os/signal"
	"time"

	"github.com/nsnet/nsnet/nat"
	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/pkt"
	"github.com/nsnet/nsnet/plan"
	"github.com/nsnet/nsnet/sysctl"
)

// seed returns the walkthrough's steps, in order.
func seed(uplink string) []plan.Step {
	ns := nsfs.NameRef("nstest")
	up := true
	return []plan.Step{
		plan.NetnsAdd{Name: "nstest"},
		plan.LinkAdd{Name: "veth0s0", Kind: "veth", Veth: &plan.Veth{Peer: "veth0s1", PeerNS: ns}},
		plan.LinkSet{Dev: "veth0s0", Up: &up},
		plan.AddrAdd{Dev: "veth0s0", Prefix: netip.MustParsePrefix("192.168.11.100/24")},
		plan.LinkSet{NS: ns, Dev: "lo", Up: &up},
		plan.LinkSet{NS: ns, Dev: "veth0s1", Up: &up},
		plan.AddrAdd{NS: ns, Dev: "veth0s1", Prefix: netip.MustParsePrefix("192.168.11.101/24")},
		plan.RouteAdd{NS: ns, Dst: netip.MustParsePrefix("0.0.0.0/0"), Gateway: netip.MustParseAddr("192.168.11.100")},
		plan.SysctlSet{Values: []plan.SysctlValue{{Key: sysctl.MustKey("net.ipv4.ip_forward"), Value: "1"}}},
		plan.NATAdd{Object: nat.Masquerade{Source: netip.MustParsePrefix("192.168.11.0/24"), OutIface: uplink}},
		plan.NATAdd{Object: nat.Forward{A: "veth0s0", B: uplink}},
	}
}

func main() {
	uplink := flag.String("uplink", "ens33", "the host's uplink interface, masqueraded")
	keep := flag.Bool("keep", false, "leave the topology in place")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *uplink, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "embed:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, uplink string, keep bool) error {
	s := plan.NewSession(nil)
	defer s.Close()
	steps := seed(uplink)
	forward := sysctl.MustKey("net.ipv4.ip_forward")
	before, err := sysctl.Read(nil, forward)
	if err != nil {
		return err
	}

	// Up applies every step or, on a failure, none: it rolls back. The
	// journal keeps each step's undo, computed before the step ran.
	j := &plan.MemoryJournal{}
	if err := plan.Up(ctx, s, steps, j); err != nil {
		return fmt.Errorf("up: %w", err)
	}
	fmt.Printf("applied %d steps\n", len(steps))

	// Verify: every step reads back as applied, and nstest reaches the host.
	for i, st := range steps {
		ok, err := st.Applied(ctx, s)
		if err != nil || !ok {
			return fmt.Errorf("step %d (%T) not applied after up: %v", i+1, st, err)
		}
	}
	h, err := s.Open(nsfs.NameRef("nstest"))
	if err != nil {
		return err
	}
	stats, err := pkt.Ping(ctx, pkt.PingConfig{
		Dst: netip.MustParseAddr("192.168.11.100"), Count: 1, Timeout: 5 * time.Second,
		Socket: pkt.SocketVia(func(fn func() error) error { return nsfs.Do(h, fn) }),
	}, nil)
	if err != nil || stats.Received != 1 {
		return fmt.Errorf("ping from nstest: %d of %d replies: %v", stats.Received, stats.Transmitted, err)
	}
	fmt.Println("verified: every step applied; nstest pings 192.168.11.100")
	if keep {
		return nil
	}

	// Down undoes the steps in reverse order with the journal's undos:
	// ip_forward goes back to its value before Up.
	if err := plan.Down(ctx, s, steps, plan.DownOptions{Undo: j.Undo, Done: j.DownDone}); err != nil {
		return fmt.Errorf("down: %w", err)
	}
	if j.Len() != 0 {
		return fmt.Errorf("down left %d undos", j.Len())
	}
	for i, st := range steps {
		if _, ok := st.(plan.SysctlSet); ok {
			continue // it was applied before Up when ip_forward was 1 already
		}
		if ok, err := st.Applied(ctx, s); err != nil && !plan.Gone(err) || ok {
			return fmt.Errorf("step %d (%T) still applied after down (%v)", i+1, st, err)
		}
	}
	if now, err := sysctl.Read(nil, forward); err != nil || now != before {
		return fmt.Errorf("ip_forward is %q after down, was %q (%v)", now, before, err)
	}
	fmt.Println("undone")
	return nil
}
