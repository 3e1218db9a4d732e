package pkt

import (
	"bytes"
	"testing"
	"time"
)

// FuzzFormat feeds arbitrary bytes to the decoder as every link type: it
// must not panic, and must print one line.
func FuzzFormat(f *testing.F) {
	for _, s := range sampleFrames {
		f.Add(s.frame, uint8(0))
	}
	f.Add(sllFrame(4, etherIPv6, ip6Packet(h61, h62, protoICMPv6, echo6(false, 1, 1, 4))), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, kind uint8) {
		lt := []LinkType{LinkTypeEthernet, LinkTypeLinuxSLL, LinkTypeLinuxSLL2}[int(kind)%3]
		var fm Formatter
		for _, p := range []Packet{
			{Time: testTime, LinkType: lt, Data: data, Length: len(data)},
			{Time: testTime, LinkType: lt, Data: data, Length: len(data) / 2},
			{Time: testTime, LinkType: lt, Data: data, Length: len(data) + 1000, Iface: "veth0"},
		} {
			if line := fm.Format(p); bytes.ContainsAny([]byte(line), "\n\r") {
				t.Fatalf("line with a newline: %q", line)
			}
		}
	})
}

// FuzzFilter parses and compiles arbitrary expressions. What compiles must
// load into the VM and run on a frame; what prints must parse back to the
// same tree.
func FuzzFilter(f *testing.F) {
	for _, e := range oracleExprs {
		f.Add(e)
	}
	f.Add("host 192.0.2.1 or 192.0.2.2 and not (port 80 or 443)")
	f.Add("src or dst net 2001:db8::/32 && !icmp6")
	frame := sampleFrames[0].frame
	f.Fuzz(func(t *testing.T, expr string) {
		n, err := parseFilter(expr)
		if err != nil {
			return
		}
		if n != nil {
			again, err := parseFilter(n.String())
			if err != nil {
				t.Fatalf("%q printed as %q, which does not parse: %v", expr, n.String(), err)
			}
			if again.String() != n.String() {
				t.Fatalf("%q: %q reparsed as %q", expr, n.String(), again.String())
			}
		}
		prog, err := CompileFilter(expr, LinkTypeEthernet)
		if err != nil {
			return // too long for the kernel
		}
		flt, err := NewFilter(prog)
		if err != nil {
			t.Fatalf("%q compiled to a program the VM rejects: %v", expr, err)
		}
		flt.Match(frame)
	})
}

// FuzzPcap reads arbitrary files: errors are fine, panics are not.
func FuzzPcap(f *testing.F) {
	var buf bytes.Buffer
	w, _ := NewWriter(&buf, LinkTypeEthernet, 0)
	_ = w.WritePacket(Packet{Time: time.Unix(1, 0), LinkType: LinkTypeEthernet, Data: sampleFrames[3].frame})
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		for range 100 {
			if _, err := r.Next(); err != nil {
				return
			}
		}
	})
}
