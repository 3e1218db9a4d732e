// Command show prints, as one JSON object, what a process linked with
// procs' entry point sees at start and after procs.Parallel.
package main

import (
	"encoding/json"
	"os"
	"runtime"

	"github.com/nsnet/nsnet/internal/procs"
)

func main() {
	out := map[string]any{
		"procs":  runtime.GOMAXPROCS(0),
		"single": procs.Single(),
		"args":   os.Args[1:],
		"env":    os.Environ(),
	}
	procs.Parallel()
	out["parallel"] = runtime.GOMAXPROCS(0)
	out["singleAfter"] = procs.Single()
	json.NewEncoder(os.Stdout).Encode(out)
}
