package mainstack

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestReserve runs reserve on fresh goroutines, whose 2 KB stacks it
// grows, while the stacks hold data that must survive the copy.
func TestReserve(t *testing.T) {
	for i := 0; i < 4; i++ {
		done := make(chan int)
		go func() {
			var keep [64]int
			for j := range keep {
				keep[j] = i + j
			}
			reserve()
			sum := 0
			for _, v := range keep {
				sum += v
			}
			done <- sum
		}()
		if got, want := <-done, 64*i+63*64/2; got != want {
			t.Fatalf("after reserve: sum %d, want %d", got, want)
		}
	}
}

// TestInitFirst checks, with the runtime's init trace of the nsnet
// binary, that this package's init runs before every other package that
// has init work (internal/godebug, which grows the stack, among them):
// the guarantee the package's doc makes.
func TestInitFirst(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "nsnet")
	build := exec.Command("go", "build", "-o", bin, "github.com/nsnet/nsnet/cmd/nsnet")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-V")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("nsnet -V: %v\n%s", err, out)
	}
	var order []string
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "init" {
			continue
		}
		order = append(order, f[1])
	}
	self := "github.com/nsnet/nsnet/internal/mainstack"
	for _, p := range order {
		if p == self {
			return
		}
		if p == "runtime" || strings.HasPrefix(p, "internal/bytealg") || strings.HasPrefix(p, "internal/runtime/") {
			continue // initialised before any package's init work
		}
		t.Fatalf("package %s initialised before %s; order: %v", p, self, order)
	}
	t.Fatalf("%s not in the init trace: %v", self, order)
}
