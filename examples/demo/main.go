// Command demo runs an nsnet walkthrough in a throw-away sandbox: it
// re-executes itself in new network and mount namespaces, with a tmpfs on
// /run, so nothing it does reaches the host. It needs nothing on the
// machine but Go and root: no iproute2, no ping.
//
// Usage: go run ./examples/demo bin/nsnet
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

const marker = "NSNET_DEMO_SANDBOX"

// steps is the walkthrough: each line is one nsnet command.
var steps = []string{
	"netns add nstest",
	"netns add other",
	"netns list",
	"netns set nstest auto",
	"-j -p netns list",
	"netns exec nstest ls /sys/class/net",
	"--trace netns set other 42",
	"netns del other",
	"netns list",
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: demo PATH-TO-NSNET")
		os.Exit(2)
	}
	bin, err := filepath.Abs(os.Args[1])
	if err != nil {
		fail(err)
	}
	if os.Getenv(marker) == "" {
		os.Exit(sandbox(bin))
	}
	if err := setup(); err != nil {
		fail(err)
	}
	for _, s := range steps {
		fmt.Printf("\n$ nsnet %s\n", s)
		cmd := exec.Command(bin, strings.Fields(s)...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stdout
		if err := cmd.Run(); err != nil {
			fail(fmt.Errorf("nsnet %s: %v", s, err))
		}
	}
	fmt.Println("\ndemo done: the sandbox and everything in it disappear now")
}

// sandbox runs this program again in new network and mount namespaces.
func sandbox(bin string) int {
	if os.Geteuid() != 0 {
		fail(fmt.Errorf("the demo needs root (it creates namespaces)"))
	}
	cmd := exec.Command("/proc/self/exe", bin)
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

func fail(err error) {
	fmt.Fprintln(os.Stderr, "demo:", err)
	os.Exit(1)
}
