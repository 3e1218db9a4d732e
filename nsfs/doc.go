// Package nsfs handles network namespaces as files: opening them by name,
// path or PID, creating and deleting named namespaces the way iproute2
// does, running commands inside them, and the one audited place in nsnet
// that moves a thread into another namespace.
//
// # Named namespaces
//
// A named namespace is a file RunDir/NAME (/run/netns/NAME) on which the
// namespace is bind-mounted, exactly as `ip netns add` makes it, so
// iproute2 and nsnet see each other's namespaces. Add locks RunDir, makes
// it a shared mount point (once per process and mount: the remount walks
// every namespace mounted there), creates the file exclusively and mounts
// a new namespace on it; on failure it leaves nothing behind. Create does
// the same and returns the namespace open, running a function inside it
// first (nsnet opens the new namespace's netlink socket there). Delete
// detaches the mount and removes the file. List marks entries whose mount
// is gone as Stale instead of failing.
//
// # Using a namespace
//
// Prefer not to move threads at all: open a netlink socket inside the
// namespace by passing NS.Fd() to rtnl.Config.NetNS, and keep it. For the
// few things that need a thread inside a namespace (a /proc/sys file, a
// raw socket), Do and DoFD run a function on a locked thread in the
// namespace and restore it; if the restore fails the thread is terminated,
// never reused. The thread is one long-lived worker that stays locked for
// its whole life and is checked to be back in its own namespace after
// every job, so a batch of a thousand namespaces does not pay a thread per
// namespace; nested or concurrent calls, and the first of a process, run
// on a fresh locked goroutine under the same rules.
// Exec and Run start a command inside a namespace with its own /sys and
// the files of EtcDir/NAME bound over /etc, like `ip netns exec`.
//
// # Errors
//
// Missing names match os.ErrNotExist, taken names os.ErrExist, and files
// that are not network namespaces ErrNotNamespace.
package nsfs
