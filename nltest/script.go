package nltest

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/mdlayher/netlink"
)

// A Script is a fake kernel that answers the requests of a test in order,
// one step per datagram sent, and records them. A request after the last
// step, or one a step made with Expect does not accept, fails the test;
// so does a step left unplayed when the test ends.
type Script struct {
	t     testing.TB
	steps []Func
	// Requests holds what each step received, in order.
	Requests [][]netlink.Message
}

// NewScript returns a Script of steps for t.
func NewScript(t testing.TB, steps ...Func) *Script {
	s := &Script{t: t, steps: steps}
	t.Cleanup(func() {
		if n := len(s.Requests); n < len(s.steps) {
			t.Errorf("nltest: %d of %d script steps were not played", len(s.steps)-n, len(s.steps))
		}
	})
	return s
}

// Func returns the Script as the Func of a fake Conn.
func (s *Script) Func() Func {
	return func(req []netlink.Message) ([]netlink.Message, error) {
		s.t.Helper()
		n := len(s.Requests)
		s.Requests = append(s.Requests, req)
		if n >= len(s.steps) {
			err := fmt.Errorf("nltest: request %d (%s) after the script's %d steps", n+1, describe(req), len(s.steps))
			s.t.Error(err)
			return nil, err
		}
		replies, err := s.steps[n](req)
		if me, ok := err.(*MismatchError); ok {
			s.t.Errorf("nltest: step %d: %v", n+1, me)
		}
		return replies, err
	}
}

// A MismatchError is what a step made with Expect returns for a request
// it does not accept; a Script fails the test with it.
type MismatchError struct {
	Want, Got string
}

func (e *MismatchError) Error() string { return "got " + e.Got + ", want " + e.Want }

// Expect returns a step that accepts a request of one message of type typ
// with exactly the flags flags (NLM_F_REQUEST included) and, when data is
// not nil, exactly the payload data, and answers it with reply(req).
func Expect(typ netlink.HeaderType, flags netlink.HeaderFlags, data []byte, reply func(req netlink.Message) []netlink.Message) Func {
	return func(req []netlink.Message) ([]netlink.Message, error) {
		want := fmt.Sprintf("type %#x flags %s", uint16(typ), flags)
		if data != nil {
			want += fmt.Sprintf(" data %x", data)
		}
		if len(req) != 1 || req[0].Header.Type != typ || req[0].Header.Flags != flags ||
			(data != nil && !bytes.Equal(req[0].Data, data)) {
			got := describe(req)
			if len(req) == 1 && data != nil {
				got += fmt.Sprintf(" data %x", req[0].Data)
			}
			return nil, &MismatchError{Want: want, Got: got}
		}
		return reply(req[0]), nil
	}
}

// Acked is the reply function of Expect for a request the kernel
// acknowledges.
func Acked(req netlink.Message) []netlink.Message { return []netlink.Message{Ack(req)} }

// describe names the messages of a request by type and flags.
func describe(req []netlink.Message) string {
	var b bytes.Buffer
	for i, m := range req {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "type %#x flags %s", uint16(m.Header.Type), m.Header.Flags)
	}
	if len(req) == 0 {
		return "no message"
	}
	return b.String()
}
