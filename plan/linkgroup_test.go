package plan

import (
	"errors"
	"io"
	"testing"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/nltest"
	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/rtnl"
)

// TestLinkGroup: a group's change and deletion are one request naming no
// link, with IFLA_GROUP and the options; neither has an inverse.
func TestLinkGroup(t *testing.T) {
	var got []netlink.Message
	s := NewSession(&Options{Dial: func(ref nsfs.Ref, fd int, family string) (io.Closer, error) {
		return nltest.Rtnl(func(req []netlink.Message) ([]netlink.Message, error) {
			got = append(got, req[0])
			return []netlink.Message{nltest.Ack(req[0])}, nil
		}, nil), nil
	}})
	defer s.Close()
	up := true
	for _, st := range []Step{LinkGroupSet{Group: 7, Options: LinkOptions{Up: &up, MTU: u32p(1400)}}, LinkGroupDel{Group: 7}} {
		got = nil
		if ok, err := st.Applied(bg, s); ok || err != nil {
			t.Errorf("%T applied: %v %v", st, ok, err)
		}
		if _, err := st.Inverse(bg, s); !errors.Is(err, ErrIrreversible) {
			t.Errorf("%T inverse: %v", st, err)
		}
		if err := st.Apply(bg, s); err != nil || len(got) != 1 {
			t.Fatalf("%T: %v, %d requests", st, err, len(got))
		}
		var m rtnl.LinkMessage
		if err := m.UnmarshalBinary(got[0].Data); err != nil {
			t.Fatal(err)
		}
		if m.Index != 0 || m.Attrs.Name != "" || m.Attrs.Group == nil || *m.Attrs.Group != 7 {
			t.Errorf("%T sent %+v", st, m)
		}
		if _, set := st.(LinkGroupSet); set && (got[0].Header.Type != unix.RTM_NEWLINK || m.Attrs.MTU == nil || m.Flags&rtnl.LinkUp == 0) {
			t.Errorf("group set sent %v %+v", got[0].Header.Type, m)
		}
	}
}
