package main

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/nsnet/nsnet/internal/jsonw"
	"github.com/nsnet/nsnet/internal/nlattr"
	"github.com/nsnet/nsnet/rtnl"
)

// A bridge port's info_slave_data prints as iproute2 6.1's
// bridge_slave_print_opt prints it: every field kind, in ip's order, the
// text and the JSON keys and values.
func TestBridgePortFields(t *testing.T) {
	e := nlattr.NewEncoder(binary.NativeEndian)
	e.Uint8(1, 3)        // state forwarding
	e.Uint16(2, 32)      // priority
	e.Uint32(3, 100)     // cost
	e.Uint8(4, 0)        // hairpin
	e.Uint8(7, 1)        // fastleave (and mcast_fast_leave)
	e.Uint8(8, 1)        // learning
	e.Uint16(17, 0x8001) // id
	e.Uint16(18, 0)      // no
	e.Uint16(15, 0x8001) // designated_port
	e.Bytes(14, []byte{0x80, 0, 2, 0xaa, 0, 0, 0, 1})
	e.Uint64(23, 1234)        // hold_timer 12.34
	e.Uint64(21, 5)           // message_age_timer 0.05
	e.Uint8(25, 1)            // multicast_router
	e.Uint16(31, 1|1<<2|1<<3) // group_fwd_mask
	e.Uint8(33, 1)            // isolated
	e.Uint32(34, 7)           // backup_port
	e.Uint32(44, 9)           // an attribute nsnet does not print
	data, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	p := &linkPrinter{tab: newLinkTable(nil, []rtnl.LinkMessage{{Index: 7, Attrs: rtnl.LinkAttrs{Name: "bp0"}}})}
	var text, js strings.Builder
	for _, f := range brPortFields(p, data) {
		text.WriteString(f.text)
		if raw, ok := f.val.(jsonw.Raw); ok {
			fmt.Fprintf(&js, "%s=%s;", f.key, raw)
		} else if f.key != "" {
			fmt.Fprintf(&js, "%s=%v;", f.key, f.val)
		}
	}
	wantText := "state forwarding priority 32 cost 100 hairpin off fastleave on learning on port_id 0x8001 " +
		"port_no 0 designated_port 32769 designated_bridge 8000.2:aa:0:0:0:1 hold_timer   12.34 " +
		"message_age_timer    0.05 mcast_router 1 mcast_fast_leave on group_fwd_mask 0xd " +
		"group_fwd_mask_str stp,lacp,0x8 isolated on backup_port bp0 "
	if text.String() != wantText {
		t.Errorf("text:\n got %q\nwant %q", text.String(), wantText)
	}
	wantJSON := "state=forwarding;priority=32;cost=100;hairpin=false;fastleave=true;learning=true;id=0x8001;" +
		"no=0;designated_port=32769;bridge_id=8000.2:aa:0:0:0:1;hold_timer=12.34;message_age_timer=0.05;" +
		"multicast_router=1;group_fwd_mask=0xd;group_fwd_mask_str=stp,lacp,0x8;isolated=true;backup_port=bp0;"
	if js.String() != wantJSON {
		t.Errorf("JSON:\n got %q\nwant %q", js.String(), wantJSON)
	}
	// An unknown state is printed by number; a truncated attribute ends
	// the fields.
	e = nlattr.NewEncoder(binary.NativeEndian)
	e.Uint8(1, 9)
	data, _ = e.Encode()
	if f := brPortFields(p, data); len(f) != 1 || f[0].text != "state (9) " || f[0].key != "state_index" {
		t.Errorf("state 9: %+v", f)
	}
	if f := brPortFields(p, append(data, 9, 0, 2, 0)); len(f) != 1 {
		t.Errorf("malformed: %+v", f)
	}
}
