package pkt

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"strings"
)

// LookupHosts returns the addresses that r, in /etc/hosts format, gives
// for name, in file order: lines of an address followed by names, with
// comments from "#" on. Names compare without regard to case or a
// trailing dot. No DNS is ever asked.
func LookupHosts(r io.Reader, name string) ([]netip.Addr, error) {
	want := strings.TrimSuffix(name, ".")
	var out []netip.Addr
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		a, err := netip.ParseAddr(fields[0])
		if err != nil {
			continue
		}
		for _, f := range fields[1:] {
			if strings.EqualFold(strings.TrimSuffix(f, "."), want) {
				out = append(out, a)
				break
			}
		}
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("pkt: read hosts file: %w", err)
	}
	return out, nil
}
