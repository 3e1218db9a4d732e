package main

import (
	"strings"

	"github.com/nsnet/nsnet/rtnl"
)

// linkSelect holds the link selectors ip's link and address listings share
// (ipaddr_list_flush_or_save): type KIND (KIND_slave: the kind of the
// link's master, "bridge_slave" for a bridge port), master DEV, nomaster,
// group N and up.
type linkSelect struct {
	kind, slaveKind string
	master          string // a name; "" with nomaster set: no master
	nomaster        bool
	group           *uint32
	up              bool
	masterIdx       uint32 // master's index, set by resolve
}

// parseWord reads one selector starting at word; it reports false for a
// word that is not one.
func (s *linkSelect) parseWord(word string, a *argv) (bool, error) {
	var err error
	switch word {
	case "type":
		v, err := a.value(word)
		if err != nil {
			return true, err
		}
		if k, ok := strings.CutSuffix(v, "_slave"); ok {
			s.slaveKind = k
		} else {
			s.kind = v
		}
	case "master":
		if s.master, err = devArg(a, word); err != nil {
			return true, err
		}
		s.nomaster = false
	case "nomaster":
		s.master, s.nomaster = "", true
	case "up":
		s.up = true
	case "group":
		v, err := a.value(word)
		if err != nil {
			return true, err
		}
		g := uint32(0)
		if v != "default" {
			if g, err = parseU32("group", v); err != nil {
				return true, errInvarg("Invalid \"group\" value\n", v, err)
			}
		}
		s.group = &g
	default:
		return false, nil
	}
	return true, nil
}

// resolve looks the master up by name; a missing one is ip's error.
func (s *linkSelect) resolve(c *rtnl.Conn) error {
	if s.master == "" {
		return nil
	}
	i, err := c.LinkIndex(s.master)
	if noDevice(err) {
		return errInvarg("Device does not exist\n", s.master, errNoDevice(s.master, err))
	}
	s.masterIdx = i
	return err
}

// pass reports whether link l is selected.
func (s *linkSelect) pass(l *rtnl.LinkMessage) bool {
	a := l.Attrs
	switch {
	case s.up && l.Flags&rtnl.LinkUp == 0,
		s.group != nil && (a.Group == nil || *a.Group != *s.group),
		s.kind != "" && (a.Info == nil || a.Info.Kind != s.kind),
		s.slaveKind != "" && (a.Info == nil || a.Info.SlaveKind != s.slaveKind),
		s.master != "" && (a.Master == nil || *a.Master != s.masterIdx),
		s.nomaster && a.Master != nil && *a.Master != 0:
		return false
	}
	return true
}
