package rtnl_test

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/nltest"
	"github.com/nsnet/nsnet/rtnl"
)

// TestSavedRoundTrip: routes and addresses saved from a dump are read
// back by ReadSaved, restored as requests with the saved type and flags
// plus NLM_F_CREATE and NLM_F_ACK, and deleted again by Unrestore.
func TestSavedRoundTrip(t *testing.T) {
	k := nltest.NewModel()
	lo := k.Links["lo"]
	k.Routes = append(k.Routes, rtnl.RouteMessage{Family: rtnl.FamilyInet, Table: rtnl.TableMain,
		Dst: netip.MustParsePrefix("10.1.0.0/16"), Attrs: rtnl.RouteAttrs{OIF: &lo.Index}})
	k.Addrs = append(k.Addrs, rtnl.AddrMessage{Family: rtnl.FamilyInet, PrefixLen: 8, Index: lo.Index,
		Attrs: rtnl.AddrAttrs{Local: netip.MustParseAddr("127.0.0.1"), Address: netip.MustParseAddr("127.0.0.1")}})
	var flags []netlink.HeaderFlags
	c := nltest.Rtnl(func(req []netlink.Message) ([]netlink.Message, error) {
		flags = append(flags, req[0].Header.Flags)
		return k.Func()(req)
	}, nil)
	defer c.Close()

	routes, raw, err := c.RoutesSaved(rtnl.RouteFilter{Family: rtnl.FamilyInet, Table: rtnl.TableMain})
	if err != nil || len(routes) != 1 || len(raw) != 1 {
		t.Fatalf("RoutesSaved = %v, %d messages, %v", routes, len(raw), err)
	}
	addrs, err := c.AddrsSaved(rtnl.FamilyUnspec, 0)
	if err != nil || len(addrs) != 1 {
		t.Fatalf("AddrsSaved = %d messages, %v", len(addrs), err)
	}
	file := binary.NativeEndian.AppendUint32(nil, rtnl.RouteSaveMagic)
	file = append(append(file, raw[0]...), raw[0]...)
	got, err := rtnl.ReadSaved(file, rtnl.RouteSaveMagic)
	if err != nil || len(got) != 2 || string(got[1]) != string(raw[0]) {
		t.Fatalf("ReadSaved = %d messages, %v", len(got), err)
	}
	if h := got[0].Header(); h.Type != unix.RTM_NEWROUTE || int(h.Length) != len(got[0]) {
		t.Errorf("header %+v of a %d-byte message", h, len(got[0]))
	}
	var r rtnl.RouteMessage
	if err := r.UnmarshalBinary(got[0].Body()); err != nil || r.Dst != routes[0].Dst {
		t.Errorf("body: %v, %v", r.Dst, err)
	}

	k.Routes, k.Addrs = nil, nil
	flags = nil
	if err := c.Restore(got[0]); err != nil || len(k.Routes) != 1 {
		t.Fatalf("Restore: %v, routes %v", err, k.Routes)
	}
	if want := got[0].Header().Flags | netlink.Request | netlink.Create | netlink.Acknowledge; flags[0] != want {
		t.Errorf("restore flags %v, want %v", flags[0], want)
	}
	if err := c.Restore(got[0]); !errors.Is(err, os.ErrExist) {
		t.Errorf("second Restore: %v, want os.ErrExist", err)
	}
	if err := c.Restore(addrs[0]); err != nil || len(k.Addrs) != 1 {
		t.Errorf("Restore of an address: %v, %v", err, k.Addrs)
	}
	if err := c.Unrestore(got[0]); err != nil || len(k.Routes) != 0 {
		t.Errorf("Unrestore: %v, routes %v", err, k.Routes)
	}
	link := append(rtnl.Saved(nil), got[0]...)
	binary.NativeEndian.PutUint16(link[4:6], unix.RTM_NEWLINK)
	if err := c.Restore(link); !errors.Is(err, rtnl.ErrSaveFile) {
		t.Errorf("Restore of a link: %v", err)
	}
	if err := c.Unrestore(link); !errors.Is(err, rtnl.ErrSaveFile) {
		t.Errorf("Unrestore of a link: %v", err)
	}
}

// TestReadSavedBad: a wrong magic number, a header cut short, a length
// outside a header and 16 KiB, and a body cut short are each refused,
// with the messages before them.
func TestReadSavedBad(t *testing.T) {
	magic := binary.NativeEndian.AppendUint32(nil, rtnl.AddrSaveMagic)
	msg := make([]byte, 20)
	binary.NativeEndian.PutUint32(msg, 20)
	hdr := func(n uint32) []byte { return binary.NativeEndian.AppendUint32(nil, n) }
	for _, tc := range []struct {
		name string
		file []byte
		good int
		want string
	}{
		{"other magic", binary.NativeEndian.AppendUint32(nil, rtnl.RouteSaveMagic), 0, "magic mismatch (1 elems, 45311224 magic)"},
		{"short magic", []byte{0x22, 0x12}, 0, "magic mismatch (0 elems, 1222 magic)"},
		{"short header", append(append(magic, msg...), 1, 2, 3), 1, "truncated message"},
		{"length below a header", append(append(magic, msg...), append(hdr(8), make([]byte, 12)...)...), 1, "malformed message: len=8 @40"},
		{"length above 16 KiB", append(magic, append(hdr(16388), make([]byte, 12)...)...), 0, "malformed message: len=16388"},
		{"body cut short", append(magic, append(hdr(40), make([]byte, 20)...)...), 0, "truncated message"},
	} {
		got, err := rtnl.ReadSaved(tc.file, rtnl.AddrSaveMagic)
		if !errors.Is(err, rtnl.ErrSaveFile) || len(got) != tc.good || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %d messages, %v; want %d and %q", tc.name, len(got), err, tc.good, tc.want)
		}
	}
	if got, err := rtnl.ReadSaved(magic, rtnl.AddrSaveMagic); err != nil || len(got) != 0 {
		t.Errorf("an empty file: %v, %v", got, err)
	}
}
