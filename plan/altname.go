package plan

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/rtnl"
)

// AltNameAdd gives link Dev of NS alternative names (ip link property add
// dev DEV altname NAME ...), in one RTM_NEWLINKPROP as ip sends it. The
// kernel adds the names in order and stops at the first it refuses; Apply
// then takes away the names of this step that the kernel had added, so
// the step is applied whole or not at all.
type AltNameAdd struct {
	NS    nsfs.Ref `json:",omitempty"`
	Dev   string
	Names []string
}

// AltNameDel takes alternative names from link Dev (ip link property del),
// in one RTM_DELLINKPROP, whole or not at all as AltNameAdd.
type AltNameDel AltNameAdd

// link returns the link's index and alternative names; a missing link is
// a *DeviceError.
func (c AltNameAdd) link(s *Session) (*rtnl.Conn, uint32, []string, error) {
	conn, err := s.Rtnl(c.NS)
	if err != nil {
		return nil, 0, nil, err
	}
	l, err := conn.LinkByName(c.Dev)
	if err != nil {
		return nil, 0, nil, &DeviceError{Keyword: "dev", Name: c.Dev, Err: err}
	}
	return conn, l.Index, l.Attrs.AltNames, nil
}

// change runs one request, add or delete, and when the kernel refuses it
// part-way undoes what it did of it.
func (c AltNameAdd) change(s *Session, add bool) error {
	conn, index, before, err := c.link(s)
	if err != nil {
		return err
	}
	do, undo := conn.AddAltNames, conn.DelAltNames
	if !add {
		do, undo = undo, do
	}
	err = do(index, c.Names...)
	if err == nil {
		return nil
	}
	_, _, now, lerr := c.link(s)
	if lerr != nil {
		return err
	}
	// The names this request changed: present now and not before (add),
	// or the other way round (delete).
	var done []string
	for _, n := range c.Names {
		if slices.Contains(now, n) == add && slices.Contains(before, n) != add && !slices.Contains(done, n) {
			done = append(done, n)
		}
	}
	if len(done) > 0 {
		if uerr := undo(index, done...); uerr != nil {
			return fmt.Errorf("%w (and undoing the part the kernel did: %v)", err, uerr)
		}
	}
	return err
}

// present returns which of the step's names the link has, and which not.
func (c AltNameAdd) present(s *Session) (have, lack []string, err error) {
	if s.Absent(c.NS) {
		return nil, c.Names, nil
	}
	_, _, names, err := c.link(s)
	if err != nil {
		return nil, nil, err
	}
	for _, n := range c.Names {
		if slices.Contains(names, n) {
			have = append(have, n)
		} else {
			lack = append(lack, n)
		}
	}
	return have, lack, nil
}

// Apply adds the names.
func (c AltNameAdd) Apply(ctx context.Context, s *Session) error { return c.change(s, true) }

// Applied reports whether the link has every name.
func (c AltNameAdd) Applied(ctx context.Context, s *Session) (bool, error) {
	_, lack, err := c.present(s)
	return err == nil && len(lack) == 0, err
}

// Inverse takes away the names the link does not have yet; nil when it
// has them all.
func (c AltNameAdd) Inverse(ctx context.Context, s *Session) (Step, error) {
	_, lack, err := c.present(s)
	if err != nil || len(lack) == 0 {
		return nil, err
	}
	return AltNameDel{NS: c.NS, Dev: c.Dev, Names: lack}, nil
}

// Apply takes the names away.
func (c AltNameDel) Apply(ctx context.Context, s *Session) error {
	return AltNameAdd(c).change(s, false)
}

// Applied reports whether the link has none of the names.
func (c AltNameDel) Applied(ctx context.Context, s *Session) (bool, error) {
	have, _, err := AltNameAdd(c).present(s)
	return err == nil && len(have) == 0, err
}

// Inverse gives back the names the link has now; nil when it has none.
func (c AltNameDel) Inverse(ctx context.Context, s *Session) (Step, error) {
	have, _, err := AltNameAdd(c).present(s)
	if err != nil || len(have) == 0 {
		return nil, err
	}
	return AltNameAdd{NS: c.NS, Dev: c.Dev, Names: have}, nil
}

// ValidAltName checks an alternative name, or a device named by one, as
// the kernel does: 1 to 127 bytes, without '/', NUL or white space.
func ValidAltName(n string) error {
	if n == "" || len(n) > 127 || strings.ContainsAny(n, "/\x00 \t\n\v\f\r") {
		return fmt.Errorf("bad alternative name %q", n)
	}
	return nil
}

// validAltNames checks a journaled altname step.
func validAltNames(a AltNameAdd) error {
	if err := ValidAltName(a.Dev); err != nil {
		return err
	}
	for _, n := range a.Names {
		if err := ValidAltName(n); err != nil {
			return err
		}
	}
	return nil
}

// subsetOf reports whether every name of undo is one of step's.
func subsetOf(undo, step []string) bool {
	for _, n := range undo {
		if !slices.Contains(step, n) {
			return false
		}
	}
	return true
}
