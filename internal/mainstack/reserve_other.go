//go:build !amd64

package mainstack

// reserve does nothing on architectures without an assembly version: the
// runtime grows the stack on demand there.
func reserve() {}
