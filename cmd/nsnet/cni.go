package main

import (
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/nsnet/nsnet/cni"
)

// cniFace returns the CNI plugin face nsnet runs as, if any: the reference
// plugin named by argv[0]'s base name (bridge, ptp, host-local, static,
// portmap, loopback, whether or not CNI_COMMAND is set), or "nsnet" when
// CNI_COMMAND is set and there are no arguments (runtimes start plugins
// with none).
func cniFace(argv []string) (string, bool) {
	base := filepath.Base(argv[0])
	if base != "nsnet" && slices.Contains(cni.Faces, base) {
		return base, true
	}
	if os.Getenv("CNI_COMMAND") != "" && len(argv) == 1 {
		return "nsnet", true
	}
	return "", false
}

// runCNI runs one CNI command (see package cni) and returns the exit code.
func runCNI(face string, stdin io.Reader, stdout, stderr io.Writer) int {
	env := cni.EnvFrom(os.Getenv)
	if env.Command == "" {
		io.WriteString(stderr, "CNI plugin "+face+" (nsnet "+version+"); supported versions: 0.3.0 0.3.1 0.4.0 1.0.0 1.1.0\n")
		return 1
	}
	var in []byte
	if env.Command != "VERSION" || stdin != nil {
		in, _ = io.ReadAll(stdin)
	}
	return cni.Main(face, env, in, stdout, stderr)
}
