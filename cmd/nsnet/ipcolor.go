package main

import (
	"os"
	"strings"

	"github.com/nsnet/nsnet/rtnl"
)

// colorAttr is what a coloured field is, as iproute2's color_attr.
type colorAttr int

const (
	colorIfname colorAttr = iota
	colorMAC
	colorInet
	colorInet6
	colorOperUp
	colorOperDown
)

// colorOut is set when text output is coloured: -color=always (or -c),
// or -color=auto on a terminal, never for JSON (ip's check_enable_color).
var colorOut bool

// colorCodes are ip 6.1's palettes: a light background unless COLORFGBG
// says the background is dark.
var (
	colorLight = [...]string{"\x1b[36m", "\x1b[33m", "\x1b[35m", "\x1b[34m", "\x1b[32m", "\x1b[31m"}
	colorDark  = [...]string{"\x1b[1;36m", "\x1b[1;33m", "\x1b[1;35m", "\x1b[1;94m", "\x1b[1;32m", "\x1b[1;31m"}
	colorCodes = colorLight
)

// enableColor decides colorOut for a run's options and output.
func enableColor(o options, out *os.File) {
	colorOut = false
	if o.json || o.color == colorNever {
		return
	}
	if o.color == colorAuto {
		if out == nil || !isTerminal(out) {
			return
		}
	}
	colorOut = true
	if p := os.Getenv("COLORFGBG"); p != "" {
		if i := strings.LastIndexByte(p, ';'); i >= 0 {
			if v := p[i+1:]; len(v) == 1 && (v[0] >= '0' && v[0] <= '6' || v[0] == '8') {
				colorCodes = colorDark
			}
		}
	}
}

// paint wraps s in attr's colour when colours are on.
func paint(attr colorAttr, s string) string {
	if !colorOut {
		return s
	}
	return colorCodes[attr] + s + "\x1b[0m"
}

// familyColor is the colour of an address of family f.
func familyColor(f rtnl.Family) colorAttr {
	if f == rtnl.FamilyInet6 {
		return colorInet6
	}
	return colorInet
}

// paintAddr colours an address by its family.
func paintAddr(s string, isV6 bool) string {
	if isV6 {
		return paint(colorInet6, s)
	}
	return paint(colorInet, s)
}

// paintOper colours an operational state, UP and DOWN only, with the
// text that follows it inside the colour, as ip prints it.
func paintOper(state, s string) string {
	switch state {
	case "UP":
		return paint(colorOperUp, s)
	case "DOWN":
		return paint(colorOperDown, s)
	}
	return s
}
