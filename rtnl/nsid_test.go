package rtnl

import (
	"bytes"
	"testing"
)

// The golden bytes are what `ip netns set x 5` sends (strace), with fd 5.
func TestNSIDRequestGolden(t *testing.T) {
	got, err := nsidRequest(5, true, 5)
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{
		0, 0, 0, 0, // rtgenmsg AF_UNSPEC, padded
		8, 0, 3, 0, 5, 0, 0, 0, // NETNSA_FD 5
		8, 0, 1, 0, 5, 0, 0, 0, // NETNSA_NSID 5
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("got % x\nwant % x", got, want)
	}
	got, _ = nsidRequest(7, true, NSIDNone)
	if !bytes.Equal(got[12:], []byte{8, 0, 1, 0, 0xff, 0xff, 0xff, 0xff}) {
		t.Fatalf("auto: % x", got)
	}
}

func TestDecodeNSID(t *testing.T) {
	id, ok, err := decodeNSID([]byte{0, 0, 0, 0, 8, 0, 1, 0, 9, 0, 0, 0})
	if err != nil || !ok || id != 9 {
		t.Fatalf("got %d %v %v", id, ok, err)
	}
	if _, _, err := decodeNSID([]byte{0}); err == nil {
		t.Fatal("short message accepted")
	}
}
