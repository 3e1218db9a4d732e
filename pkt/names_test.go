package pkt

import "testing"

// The name tables answer as tcpdump names: ICMPv6 error types 1-4 and
// informational types 128-143, nothing between or beyond; SLL directions.
func TestNameTables(t *testing.T) {
	for typ, want := range map[uint8]string{0: "", 1: "destination unreachable", 4: "parameter problem", 5: "",
		127: "", 128: "echo request", 135: "neighbor solicitation", 143: "multicast listener report v2", 144: "", 255: ""} {
		if got := icmp6TypeName(typ); got != want {
			t.Errorf("icmp6 type %d: %q, want %q", typ, got, want)
		}
	}
	for typ, want := range map[uint8]string{0: "echo reply", 3: "", 8: "echo request", 18: "address mask reply", 19: "", 200: ""} {
		if got := tableName(icmpTypes[:], typ); got != want {
			t.Errorf("icmp type %d: %q, want %q", typ, got, want)
		}
	}
	if pktTypeName(4) != "Out" || pktTypeName(5) != "?" || pktTypeName(0xffff) != "?" {
		t.Errorf("sll directions: %q %q", pktTypeName(4), pktTypeName(5))
	}
	if !isProtoWord("icmp6") || isProtoWord("host") {
		t.Error("isProtoWord")
	}
}
