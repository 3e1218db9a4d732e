package main

import (
	"strings"

	"github.com/nsnet/nsnet/plan"
)

// linkProp is "link property add|del dev DEV [altname NAME]...": a link's
// alternative names.
type linkProp struct {
	add   bool
	dev   string
	names []string
}

// propUsage is the error of "link property" without an operator.
func propUsage() error {
	return ipUsage(255, "Usage: ip link property { add | del } dev DEVICE [ altname NAME .. ]",
		usagef("link property: add or del expected (try \"nsnet link help\")"))
}

// badAltName reports a name ip refuses before sending it: empty, or with
// a '/' or white space (the kernel checks the length).
func badAltName(n string) bool { return n == "" || strings.ContainsAny(n, "/ \t\n\v\f\r") }

// parseLinkProp parses the words after "link property", with ip's
// grammar: the operator, then "altname NAME" any number of times and the
// device, with or without "dev", in any order.
func parseLinkProp(a *argv) (command, error) {
	if !a.more() {
		return nil, propUsage()
	}
	var c linkProp
	switch op := a.next(); {
	case matches(op, "add"):
		c.add = true
	case matches(op, "del"):
	case matches(op, "help") || isHelp(op):
		return helpCmd{text: linkHelp}, nil
	default:
		return nil, ipUsage(255, "Operator required", usagef("link property: %q is not add or del", op))
	}
	c.names = []string{}
	for a.more() {
		w := a.next()
		switch {
		case matches(w, "altname"):
			v, err := a.value(w)
			if err != nil {
				return nil, err
			}
			if badAltName(v) {
				return nil, errInvarg("not a valid altname", v, usagef("link property: bad alternative name %q", v))
			}
			c.names = append(c.names, v)
		case matches(w, "help") || isHelp(w):
			return helpCmd{text: linkHelp}, nil
		default:
			if w == "dev" {
				v, err := a.value(w)
				if err != nil {
					return nil, err
				}
				w = v
			}
			if c.dev != "" {
				return nil, errGarbage("dev", w, usagef("link property: unexpected argument %q", w))
			}
			if badAltName(w) {
				return nil, errInvarg(`"dev" not a valid ifname`, w, usagef("link property: bad device name %q", w))
			}
			c.dev = w
		}
	}
	if c.dev == "" {
		return nil, ipUsage(255, `Not enough of information: "dev" argument is required.`,
			usagef("link property: missing device name"))
	}
	return c, nil
}

// step is the command as a plan step.
func (c linkProp) step(e *env) (plan.Step, error) {
	ref, err := e.ref()
	if err != nil {
		return nil, err
	}
	a := plan.AltNameAdd{NS: ref, Dev: c.dev, Names: c.names}
	if c.add {
		return a, nil
	}
	return plan.AltNameDel(a), nil
}

func (c linkProp) run(e *env) error { return runStep(e, c, "") }

// applied reports whether the link has every name (add), or none (del).
func (c linkProp) applied(e *env) (bool, error) { return appliedStep(e, c) }

// inverse takes away the names the link lacks (add), or gives back those
// it has (del).
func (c linkProp) inverse(e *env) (command, error) { return inverseStep(e, c) }
