// Command demo runs an nsnet walkthrough in a throw-away sandbox: it
// re-executes itself in new network and mount namespaces, with a tmpfs on
// /run, so nothing it does reaches the host. It needs nothing on the
// machine but Go and root: no iproute2, no ping.
//
// Usage: go run ./examples/demo bin/nsnet [SVG] (from the repository root)
//
// The seed file ends with `topology`, so `up` shows the tree of what it
// built; with SVG the demo also writes the topology as a picture there
// (docs/seed-topology.svg is made this way: make topology-svg).
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

const marker = "NSNET_DEMO_SANDBOX"

// internet makes a stand-in "Internet" host: namespace internet,
// 198.51.100.1, behind the uplink ens33 (198.51.100.2) of the sandbox,
// with no route back to the seed's 192.168.11.0/24: only masquerade lets
// nstest reach it.
var internet = []string{
	"netns add internet",
	"link add ens33 type veth peer name wan0 netns internet",
	"link set ens33 up",
	"addr add 198.51.100.2/24 dev ens33",
	"-n internet link set lo up",
	"-n internet link set wan0 up",
	"-n internet addr add 198.51.100.1/24 dev wan0",
}

// show is what the demo looks at once the seed is up.
var show = []string{
	"netns list",
	"-n nstest addr show dev veth0s1",
	"-n nstest route",
	"-br link show",
	"sysctl net.ipv4.ip_forward",
	"nat show",
}

func main() {
	if len(os.Args) != 2 && len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: demo PATH-TO-NSNET [SVG-OUTPUT]")
		os.Exit(2)
	}
	svgOut := ""
	if len(os.Args) == 3 {
		var err error
		if svgOut, err = filepath.Abs(os.Args[2]); err != nil {
			fail(err)
		}
	}
	bin, err := filepath.Abs(os.Args[1])
	if err != nil {
		fail(err)
	}
	seed, err := filepath.Abs("examples/seed.nsnet")
	if err != nil {
		fail(err)
	}
	if os.Getenv(marker) == "" {
		os.Exit(sandbox(bin, os.Args[2:]))
	}
	if err := setup(); err != nil {
		fail(err)
	}
	fmt.Println("\n# A stand-in Internet host, made with nsnet too")
	for _, c := range internet {
		step(bin, c)
	}
	fmt.Println("\n# The seed walkthrough, applied as a unit")
	step(bin, "up "+seed)
	for _, c := range show {
		step(bin, c)
	}
	fmt.Println("\n# The topology, as Mermaid (the tree is the seed file's last line, above)")
	step(bin, "topology --format mermaid")
	if svgOut != "" {
		fmt.Printf("\n$ nsnet topology --format svg > %s\n", svgOut)
		svg, err := exec.Command(bin, "topology", "--format", "svg").Output()
		if err != nil {
			fail(fmt.Errorf("nsnet topology --format svg: %v", err))
		}
		if err := os.WriteFile(svgOut, svg, 0o644); err != nil {
			fail(err)
		}
	}
	fmt.Println("\n# Reachability: nstest pings the Internet host; its capture shows the masqueraded source")
	capture := exec.Command(bin, "-n", "internet", "capture", "-i", "wan0", "-c", "2", "icmp")
	capture.Stdout, capture.Stderr = os.Stdout, os.Stdout
	fmt.Println("$ nsnet -n internet capture -i wan0 -c 2 icmp &")
	if err := capture.Start(); err != nil {
		fail(err)
	}
	time.Sleep(300 * time.Millisecond)
	step(bin, "-n nstest ping -c 1 -W 2 198.51.100.1")
	waitOrKill(capture, 3*time.Second)
	fmt.Println("\n# Undo it all")
	step(bin, "down "+seed)
	step(bin, "netns list")
	fmt.Println("\ndemo done: the sandbox and everything in it disappear now")
}

// sandbox runs this program again in new network and mount namespaces.
func sandbox(bin string, rest []string) int {
	if os.Geteuid() != 0 {
		fail(fmt.Errorf("the demo needs root (it creates namespaces)"))
	}
	cmd := exec.Command("/proc/self/exe", append([]string{bin}, rest...)...)
	cmd.Env = append(os.Environ(), marker+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET | syscall.CLONE_NEWNS}
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		fail(err)
	}
	return 0
}

// setup keeps mounts private to the sandbox and gives it its own /run.
func setup() error {
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make / private: %w", err)
	}
	if err := syscall.Mount("demo-run", "/run", "tmpfs", 0, ""); err != nil {
		return fmt.Errorf("mount tmpfs on /run: %w", err)
	}
	fmt.Println("sandbox: new network and mount namespaces, a tmpfs on /run")
	return nil
}

// step runs one nsnet command line, printing it first.
func step(bin, line string) {
	fmt.Printf("\n$ nsnet %s\n", line)
	cmd := exec.Command(bin, strings.Fields(line)...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stdout
	if err := cmd.Run(); err != nil {
		fail(fmt.Errorf("nsnet %s: %v", line, err))
	}
}

func waitOrKill(cmd *exec.Cmd, d time.Duration) {
	t := time.AfterFunc(d, func() { cmd.Process.Signal(os.Interrupt) })
	cmd.Wait()
	t.Stop()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "demo:", err)
	os.Exit(1)
}
