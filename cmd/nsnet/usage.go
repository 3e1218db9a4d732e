package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// usageError is bad input: nsnet exits 255, as iproute2 does.
type usageError struct{ msg string }

func (u *usageError) Error() string { return u.msg }

// usagef returns a usage error; name the offending token in the message.
//
//go:noinline
func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// isUsage reports whether err is a usage error.
func isUsage(err error) bool {
	var u *usageError
	return errors.As(err, &u)
}

// exitStatus carries a command's own exit status (netns exec -all, ping).
type exitStatus struct {
	code int
	err  error // printed when not nil
}

func (x *exitStatus) Error() string {
	if x.err != nil {
		return x.err.Error()
	}
	return fmt.Sprintf("exit status %d", x.code)
}

// isHelp reports whether word asks for help.
func isHelp(word string) bool {
	return word == "help" || word == "-h" || word == "-help" || word == "--help"
}

// helpCmd prints a help text; it is what "OBJECT help" parses to.
type helpCmd struct{ text string }

func (h helpCmd) run(e *env) error {
	if ipMode {
		// As ip: help goes to stderr and exits 255.
		io.WriteString(e.s.stderr, strings.TrimLeft(h.text, "\n"))
		return &exitStatus{code: 255}
	}
	_, err := io.WriteString(e.out, strings.TrimLeft(h.text, "\n"))
	return err
}
