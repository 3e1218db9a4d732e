package cni

import (
	"errors"
	"fmt"
)

// Step is one change of an attachment with the way to undo it. Apply
// either does the whole change or leaves nothing; Undo is idempotent and
// nil when there is nothing to undo.
type Step struct {
	Name  string
	Apply func() error
	Undo  func() error
}

// Plan applies steps one by one and remembers what it applied, so that
// Rollback can undo it in reverse order after a failure.
type Plan struct {
	applied []Step
}

// Do applies s; on success s is remembered for Rollback.
func (p *Plan) Do(s Step) error {
	if err := s.Apply(); err != nil {
		return wrapStep(s.Name, err)
	}
	p.applied = append(p.applied, s)
	return nil
}

// Rollback undoes every applied step, newest first, going on past errors,
// and returns them joined.
func (p *Plan) Rollback() error {
	var errs []error
	for i := len(p.applied) - 1; i >= 0; i-- {
		s := p.applied[i]
		if s.Undo == nil {
			continue
		}
		if err := s.Undo(); err != nil {
			errs = append(errs, fmt.Errorf("undo %s: %w", s.Name, err))
		}
	}
	p.applied = nil
	return errors.Join(errs...)
}

// Applied returns the names of the steps applied so far.
func (p *Plan) Applied() []string {
	var out []string
	for _, s := range p.applied {
		out = append(out, s.Name)
	}
	return out
}

// wrapStep names the step in err, keeping an *Error's code.
func wrapStep(name string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return &Error{Code: e.Code, Msg: name + ": " + e.Msg, Details: e.Details}
	}
	return fmt.Errorf("%s: %w", name, err)
}
