package main

import (
	"errors"

	"github.com/nsnet/nsnet/plan"
)

// The commands that change link, address, route, neighbour and rule state
// are plan steps (package plan holds their Apply, Applied and Inverse):
// the command line is parsed into a step, and running the command applies
// it. What stays here is wording: a step's errors said as ip says them.

// planned is implemented by the commands that change state through a
// plan step.
type planned interface {
	command
	// step is the command as a plan step acting in e's namespace.
	step(e *env) (plan.Step, error)
}

// stepOf returns c's step, opening c's namespace first so that a missing
// one is said as ip says it.
func stepOf(e *env, c planned) (plan.Step, error) {
	if _, err := e.nsHandle(); err != nil {
		return nil, err
	}
	return c.step(e)
}

// runStep applies c's step; a kernel refusal names obj.
func runStep(e *env, c planned, obj string) error {
	st, err := stepOf(e, c)
	if err != nil {
		return err
	}
	return stepErr(st.Apply(e.ctx, e.s.ps), obj)
}

// namedPlanned is a planned command whose kernel refusals name an object
// (an address, a route, a neighbour).
type namedPlanned interface {
	planned
	// object is what a refusal names; it is built only for an error.
	object() string
}

// runNamedStep is runStep naming c.object(), built only on a refusal.
func runNamedStep(e *env, c namedPlanned) error {
	st, err := stepOf(e, c)
	if err != nil {
		return err
	}
	if err := st.Apply(e.ctx, e.s.ps); err != nil {
		return stepErr(err, c.object())
	}
	return nil
}

// appliedStep asks c's step whether it is applied.
func appliedStep(e *env, c planned) (bool, error) {
	ref, err := e.ref()
	if err != nil {
		return false, err
	}
	if !e.s.ps.Absent(ref) {
		if _, err := e.nsHandle(); err != nil {
			return false, err
		}
	}
	st, err := c.step(e)
	if err != nil {
		return false, err
	}
	return st.Applied(e.ctx, e.s.ps)
}

// inverseStep is the inverse of c's step as a command (noop when there is
// nothing to undo).
func inverseStep(e *env, c planned) (command, error) {
	st, err := stepOf(e, c)
	if err != nil {
		return nil, err
	}
	inv, err := st.Inverse(e.ctx, e.s.ps)
	if errors.Is(err, plan.ErrIrreversible) {
		return nil, usagef("%s", err.Error())
	}
	if err != nil || inv == nil {
		return noop{}, err
	}
	return stepCmd{st: inv}, nil
}

// stepCmd runs a plan step as a command: the inverse of a planned
// command, or a journaled undo. The step names its own namespace.
type stepCmd struct{ st plan.Step }

func (c stepCmd) run(e *env) error { return stepErr(c.st.Apply(e.ctx, e.s.ps), "") }

// stepErr words the error of a step as the command line does: a link the
// step names that is missing is ip's "Cannot find device" (a missing
// master: ip's invalid argument), and a kernel refusal names obj.
func stepErr(err error, obj string) error {
	if err == nil {
		return nil // before the targets of errors.As, which escape: no allocation per step done
	}
	var de *plan.DeviceError
	var ne *plan.NSError
	switch {
	case errors.As(err, &ne):
		return nsOpenError(ne.Ref, ne.Err)
	case errors.As(err, &de):
		if !noDevice(de.Err) {
			return named(de.Err, obj)
		}
		if de.Keyword == "master" || de.Keyword == "backup_port" {
			return errInvarg("Device does not exist\n", de.Name, de.Err)
		}
		return errNoDevice(de.Name, de.Err)
	}
	return named(err, obj)
}
