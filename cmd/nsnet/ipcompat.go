package main

// Invoked as ip (argv[0]'s base name is "ip"), nsnet speaks iproute2's
// error wording; either way its exit statuses are iproute2's. This file
// holds the errors that carry both wordings, the translation of kernel
// answers into ip's lines, and the output layouts only ip has (-pretty's
// layout, -oneline's joined lines).

import (
	"errors"
	"fmt"
	"strings"
	"syscall"

	"github.com/mdlayher/netlink"
	"github.com/nsnet/nsnet/rtnl"
)

// extAck is the kernel's extended-ACK text in err, if any.
func extAck(err error) string {
	var oe *netlink.OpError
	if errors.As(err, &oe) {
		return oe.Message
	}
	return ""
}

// ipMode is set when nsnet runs under the name ip: errors are worded as
// iproute2 words them.
var ipMode bool

// ipErr is an error with iproute2's wording (ip) and exit status (code);
// err, when set, is nsnet's own clearer wording of the same error.
type ipErr struct {
	ip   string
	code int
	err  error
}

func (e *ipErr) Error() string {
	if e.err != nil {
		return e.err.Error()
	}
	return e.ip
}

func (e *ipErr) Unwrap() error { return e.err }

// ipUsage is a usage error worded ip's way (ipText) and nsnet's way.
//
//go:noinline
func ipUsage(code int, ipText string, nsnet error) error {
	return &ipErr{ip: ipText, code: code, err: nsnet}
}

// errUnknownCommand is an unknown command word of an object.
func errUnknownCommand(object, word string) error {
	return ipUsage(255, fmt.Sprintf("Command %q is unknown, try \"ip %s help\".", word, object),
		usagef("unknown %s command %q (try \"nsnet %s help\")", object, word, object))
}

// errGarbage is a word a command does not take; key is the keyword ip
// would have taken it as the value of.
func errGarbage(key, word string, nsnet error) error {
	if nsnet == nil {
		nsnet = usagef("unexpected argument %q", word)
	}
	return ipUsage(255, fmt.Sprintf("Error: either %q is duplicate, or %q is a garbage.", key, word), nsnet)
}

// errInvarg is ip's invarg(): a bad value of a keyword.
func errInvarg(msg, word string, nsnet error) error {
	return ipUsage(255, fmt.Sprintf("Error: argument %q is wrong: %s", word, msg), nsnet)
}

// errPrefix is a bad prefix where ip calls get_prefix.
func errPrefix(word string, nsnet error) error {
	return ipUsage(1, fmt.Sprintf("Error: any valid prefix is expected rather than %q.", word), nsnet)
}

// errFamilyAddr is an address of the wrong family or no address.
func errFamilyAddr(family, word string, nsnet error) error {
	return ipUsage(1, fmt.Sprintf("Error: %s address is expected rather than %q.", family, word), nsnet)
}

// errIncomplete is a keyword missing its value.
func errIncomplete(nsnet error) error {
	return ipUsage(255, `Command line is not complete. Try option "help"`, nsnet)
}

// errNoDevice is a device name that names nothing, in a command that
// changes something (ip's "Cannot find device").
func errNoDevice(name string, err error) error {
	return &ipErr{ip: fmt.Sprintf("Cannot find device %q", name), code: 1, err: err}
}

// errDeviceNotExist is a device name that names nothing, in a listing.
func errDeviceNotExist(name string, err error) error {
	return &ipErr{ip: fmt.Sprintf("Device %q does not exist.", name), code: 1, err: err}
}

// noDevice says whether err is the kernel's answer for a missing link.
func noDevice(err error) bool {
	if err == nil {
		return false // before errors.As's target, which escapes
	}
	var re *rtnl.Error
	if !errors.As(err, &re) {
		return false
	}
	n, ok := re.Errno()
	return ok && (n == syscall.ENODEV || n == syscall.ENOENT)
}

// strerror is glibc's wording of errno (Go's, with a capital).
func strerror(n syscall.Errno) string {
	s := n.Error()
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// kernelText is ip's line for a kernel refusal: the kernel's extended
// acknowledgement as "Error: ...", else "RTNETLINK answers: " and errno.
func kernelText(err error) string {
	if msg := extAck(err); msg != "" {
		if !strings.HasSuffix(msg, ".") {
			msg += "."
		}
		return "Error: " + msg
	}
	var re *rtnl.Error
	if errors.As(err, &re) {
		if n, ok := re.Errno(); ok {
			return "RTNETLINK answers: " + strerror(n)
		}
	}
	return "RTNETLINK answers: " + oneLine(err.Error())
}

// ipReport prints err as ip would and returns ip's exit status.
func ipReport(stderr fmtWriter, err error) int {
	// A failed batch line: ip's message, then the line, and exit 1.
	var le *lineError
	if errors.As(err, &le) {
		ipReport(stderr, le.err)
		fmt.Fprintf(stderr, "Command failed %s\n", le.where)
		return 1
	}
	var ie *ipErr
	if errors.As(err, &ie) {
		if ie.ip != "" {
			fmt.Fprintln(stderr, ie.ip)
		}
		return ie.code
	}
	var x *exitStatus
	if errors.As(err, &x) {
		if x.err != nil {
			ipReport(stderr, x.err)
		}
		return x.code
	}
	var re *rtnl.Error
	if errors.As(err, &re) && re.Kernel() {
		fmt.Fprintln(stderr, kernelText(err))
		var fe *flushError
		switch {
		case errors.As(err, &fe):
			fmt.Fprintln(stderr, "Flush terminated")
		case strings.HasPrefix(re.Op, "list "):
			fmt.Fprintln(stderr, "Dump terminated")
		}
		return 2
	}
	if isUsage(err) {
		fmt.Fprintf(stderr, "Error: %s\n", oneLine(err.Error()))
		return 255
	}
	fmt.Fprintln(stderr, oneLine(err.Error()))
	return exitCode(err)
}

// fmtWriter is what the report functions write to.
type fmtWriter interface {
	Write(p []byte) (int, error)
}

// ipPretty lays compact JSON out as iproute2's json_writer does with
// -pretty: members on their own lines indented by four spaces per level,
// array elements on one line ("[ 1,2 ]", "[ {" ... "},{" ... "} ]").
func ipPretty(in []byte) []byte {
	out := make([]byte, 0, len(in)*2)
	depth := 0
	sep := false // jsonw's sep: a comma is due before the next element
	var stack []byte
	eol := func() {
		out = append(out, '\n')
		for range depth {
			out = append(out, "    "...)
		}
	}
	eor := func() {
		if sep {
			out = append(out, ',')
		}
		sep = true
	}
	inObject := func() bool { return len(stack) > 0 && stack[len(stack)-1] == '{' }
	expectKey := false
	for i := 0; i < len(in); i++ {
		c := in[i]
		switch c {
		case '{', '[':
			eor()
			out = append(out, c)
			if c == '[' {
				out = append(out, ' ')
			}
			depth++
			sep = false
			stack = append(stack, c)
			expectKey = c == '{'
		case '}':
			depth--
			if sep {
				eol()
			}
			out = append(out, '}')
			sep = true
			stack = stack[:len(stack)-1]
		case ']':
			if sep {
				out = append(out, ' ')
			}
			depth--
			out = append(out, ']')
			sep = true
			stack = stack[:len(stack)-1]
		case ',':
			expectKey = inObject()
		case ':':
			out = append(out, ':', ' ')
		default:
			// A scalar: copy it whole.
			j := i
			if c == '"' {
				for j++; j < len(in) && in[j] != '"'; j++ {
					if in[j] == '\\' {
						j++
					}
				}
				j++
			} else {
				for j < len(in) && !strings.ContainsRune(",:]}", rune(in[j])) {
					j++
				}
			}
			if expectKey {
				eor()
				eol()
				sep = false
				expectKey = false
			} else {
				eor()
			}
			out = append(out, in[i:j]...)
			i = j - 1
		}
	}
	return out
}

// joinRecord appends the record in rec to b as one line, as ip's -oneline
// does (its inner line ends become backslashes), and empties rec.
func joinRecord(b, rec *strings.Builder) {
	s := strings.TrimSuffix(rec.String(), "\n")
	for {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			break
		}
		b.WriteString(s[:i])
		b.WriteByte('\\')
		s = s[i+1:]
	}
	b.WriteString(s)
	b.WriteByte('\n')
	rec.Reset()
}

// reportLine prints a failed line of a batch run with -force, which goes
// on: nsnet's line, or ip's message and "Command failed FILE:LINE".
func reportLine(stderr fmtWriter, err error) {
	if ipMode {
		ipReport(stderr, err)
		return
	}
	fmt.Fprintf(stderr, "nsnet: %s\n", oneLine(err.Error()))
}
