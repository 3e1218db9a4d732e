// Package mainstack gives the main goroutine, before any other package's
// initialisation, a stack large enough for any nsnet command, so that the
// stack is not grown again while the command runs.
//
// A goroutine starts on a 2 KB stack that the runtime doubles on demand by
// copying it. In a one-command process each doubling of the main
// goroutine's stack is paid in page faults: the runtime carves the first
// stack of each size (4, 8 and 16 KB) out of a fresh 32 KB span, writing
// into every chunk of it, and the copy looks up the stack maps of every
// frame on the stack. Growing the stack once, at a point where only the
// runtime's start-up frames are on it, to 32 KB (a size the runtime takes
// directly from the heap, touching only the pages the goroutine uses)
// replaces those growths with one cheap copy.
//
// The package has no imports, and its import path sorts before the
// standard library's internal packages, so the Go initialisation order
// (packages sorted by import path, each once its imports are initialised)
// runs its init before every package that has work of its own, the first
// one to grow the stack (internal/godebug) included. Importing it for
// its side effect is all a main package does; nothing else may import it.
package mainstack

func init() { reserve() }
