// Package fakeconn lets package nltest make the Conns of rtnl and nat
// over a fake kernel (nl.Config.Kernel) without an exported test
// constructor in either package: each sets its constructor here when it
// is initialized, and nltest, which imports both, calls it.
package fakeconn

import "github.com/nsnet/nsnet/internal/nl"

// Rtnl and NAT return a *rtnl.Conn and a *nat.Conn over cfg, whose
// Kernel is set; cfg.Schema is the package's own.
var Rtnl, NAT func(cfg nl.Config) any
