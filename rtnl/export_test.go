package rtnl

import (
	"encoding/hex"
	"testing"
)

// What the external tests (package rtnl_test) use of the internal ones.

// Golden returns the message of the golden test called name and the bytes
// iproute2 sent for it.
func Golden(t testing.TB, name string) (Message, []byte) {
	t.Helper()
	for _, g := range goldenTests {
		if g.name == name {
			b, err := hex.DecodeString(g.want)
			if err != nil {
				t.Fatal(err)
			}
			return g.msg, b
		}
	}
	t.Fatalf("no golden test %q", name)
	return nil, nil
}

// ReadHex returns the messages in testdata/name, one hex line each.
var ReadHex = readHex

// GetLinkByName is the payload of LinkByName's request.
var GetLinkByName = getLinkByName
