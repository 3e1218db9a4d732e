// Package fakeconn lets package nltest and plan's Options.Kernel make the
// Conns of rtnl, nat, genl and ethtool over a fake kernel
// (nl.Config.Kernel) without an exported test constructor in any of
// them: each sets its constructor here when it is initialized, and the
// packages that import them call it.
package fakeconn

import "github.com/nsnet/nsnet/internal/nl"

// Rtnl and NAT return a *rtnl.Conn and a *nat.Conn over cfg, whose
// Kernel is set; cfg.Schema is the package's own.
var Rtnl, NAT func(cfg nl.Config) any

// Genl returns a *genl.Conn over cfg, whose Kernel is set.
var Genl func(cfg nl.Config) any

// Ethtool returns an *ethtool.Conn over cfg, whose Kernel is set, once
// the fake kernel has answered the lookup of the ethtool family.
var Ethtool func(cfg nl.Config) (any, error)
