package rtnl

import "github.com/nsnet/nsnet/internal/nl"

// Several requests in one write: a caller holds the requests its
// operations make (Hold), sends them together (ExecuteAll), and runs
// each refused operation again with its recorded outcome (Replay), so
// that the operation's own code words the error. See nl.Conn.ExecuteAll
// for what the kernel does with a write of several requests.

// Call is one request of ExecuteAll and, once it returns, its outcome:
// Err is nil (accepted), the kernel's refusal, a local failure, or
// ErrNotSent.
type Call = nl.Call

// ErrHeld is the error of a request a holding Conn does not keep (one
// that needs its replies: a lookup, a dump, an echo). Nothing was sent.
var ErrHeld = nl.ErrHeld

// ErrNotSent is the Err of a Call that ExecuteAll did not send, an earlier
// write having failed.
var ErrNotSent = nl.ErrNotSent

// Hold makes c keep, instead of sending, every request that asks for an
// acknowledgement and nothing else (link, address and route changes):
// the method making it returns nil as if the kernel had accepted it.
// Any other request fails with ErrHeld, unsent. Until Release, c is for
// the calling goroutine only.
func (c *Conn) Hold() { c.nl.Hold() }

// Held returns how many requests c keeps, and whether it refused one
// since Hold or the last DropHeld.
func (c *Conn) Held() (n int, refused bool) { return c.nl.Held() }

// DropHeld forgets the requests kept after the first n, and a refusal.
func (c *Conn) DropHeld(n int) { c.nl.DropHeld(n) }

// Release stops holding and returns the requests kept, in order.
func (c *Conn) Release() []Call { return c.nl.Release() }

// ExecuteAll sends the requests of calls, several to a write, and
// matches each reply to its request by sequence number; a refusal does
// not stop the requests after it. The error is a local failure (see
// nl.Conn.ExecuteAll).
func (c *Conn) ExecuteAll(calls []Call) error { return c.nl.ExecuteAll(calls) }

// Replay runs fn with c answering its first request, when that is
// call.Msg again, with call's outcome instead of sending it; every other
// request is sent. It returns fn's error.
func (c *Conn) Replay(call Call, fn func() error) error { return c.nl.Replay(call, fn) }
