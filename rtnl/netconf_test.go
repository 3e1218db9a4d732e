package rtnl

import (
	"bytes"
	"testing"
)

func TestNetconfRequest(t *testing.T) {
	// netconfmsg{AF_INET} padded, then NETCONFA_IFINDEX (len 8, type 1) = -1.
	want := []byte{2, 0, 0, 0, 8, 0, 1, 0, 0xff, 0xff, 0xff, 0xff}
	if got := netconfRequest(FamilyInet); !bytes.Equal(got, want) {
		t.Fatalf("request % x, want % x", got, want)
	}
}

func TestDecodeForwarding(t *testing.T) {
	for _, tc := range []struct {
		b       []byte
		on, ok  bool
		wantErr bool
	}{
		{b: []byte{2, 0, 0, 0, 8, 0, 1, 0, 0xff, 0xff, 0xff, 0xff, 8, 0, 2, 0, 1, 0, 0, 0}, on: true, ok: true},
		{b: []byte{10, 0, 0, 0, 8, 0, 2, 0, 0, 0, 0, 0}, on: false, ok: true},
		{b: []byte{2, 0, 0, 0, 8, 0, 1, 0, 0xff, 0xff, 0xff, 0xff}, ok: false},
		{b: []byte{2, 0}, wantErr: true},
		{b: []byte{2, 0, 0, 0, 6, 0, 2, 0, 1, 0}, wantErr: true}, // a short int32
	} {
		on, ok, err := decodeForwarding(tc.b)
		if (err != nil) != tc.wantErr || on != tc.on || ok != tc.ok {
			t.Errorf("% x: on %v ok %v err %v", tc.b, on, ok, err)
		}
	}
}
