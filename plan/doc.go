// Package plan is nsnet's engine as a library: typed steps that know how
// to apply themselves, whether they are already applied and how to undo
// themselves, a Session of connections per (namespace, netlink family),
// and Up and Down, which apply a list of steps as a unit (rolling back
// what they did on failure or cancellation) and undo it.
//
// A step is a value: the command-line parser of cmd/nsnet builds the same
// steps a Go program builds directly. Every step's inverse is computed
// from the state found before it ran (the old value of a sysctl, the old
// address of a link), so Up can roll back exactly and a journal (see Up's
// Journal) can keep the undos for a later Down.
package plan
