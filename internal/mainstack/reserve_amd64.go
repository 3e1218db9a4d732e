package mainstack

// reserve has a 24 KB frame and does nothing with it: calling it makes the
// runtime grow the calling goroutine's stack to 32 KB before the call runs
// (see reserve_amd64.s). Written in assembly because a Go function with a
// large frame would zero it, touching every page.
func reserve()
