package main

import (
	"strings"
	"testing"
)

// ethtool and genl command lines: good ones parse to the command, and a
// change's plan step reads back from its journal record; bad ones are
// usage errors naming the bad word.
func TestParseEthtoolGenl(t *testing.T) {
	for _, line := range []string{
		"ethtool -k veth0", "ethtool --show-features veth0", "ethtool -i veth0", "ethtool -l veth0", "ethtool -g veth0",
		"ethtool -K veth0 tx off", "ethtool --offload veth0 tx off gro on rx-gro off",
		"ethtool -L veth0 rx 2 combined 0x1", "ethtool -G veth0 rx 512 tx 256 rx-mini 0 rx-jumbo 4",
		"genl", "genl list", "genl ls", "genl show ethtool",
	} {
		c, err := parseCommand(strings.Fields(line), options{})
		if err != nil {
			t.Errorf("%q: %v", line, err)
			continue
		}
		if _, ok := c.(planned); ok {
			roundTrip(t, line, c)
		}
		if strings.Contains(line, " -K ") || strings.Contains(line, " -L ") || strings.Contains(line, " -G ") || strings.Contains(line, "--offload") {
			if _, ok := c.(reversible); !ok {
				t.Errorf("%q is not reversible", line)
			}
		}
	}
	for _, tt := range []struct{ line, word string }{
		{"ethtool", "missing option"},
		{"ethtool -k", "missing device"},
		{"ethtool -x veth0", `"-x"`},
		{"ethtool -k veth0 extra", `"extra"`},
		{"ethtool -k a/b", `"a/b"`},
		{"ethtool -k 0123456789abcdefg", "0123456789abcdefg"},
		{"ethtool -K veth0", "no feature"},
		{"ethtool -K veth0 tx", `"tx"`},
		{"ethtool -K veth0 tx of", `"of"`},
		{"ethtool -L veth0", "nothing to change"},
		{"ethtool -L veth0 rx", `"rx"`},
		{"ethtool -L veth0 rx -1", `"-1"`},
		{"ethtool -L veth0 rx 4294967296", `"4294967296"`},
		{"ethtool -G veth0 mini 1", `"mini"`},
		{"genl frob", `"frob"`},
		{"genl show", "one family"},
		{"genl list x", `"x"`},
	} {
		_, err := parseCommand(strings.Fields(tt.line), options{})
		if err == nil || !isUsage(err) || !strings.Contains(err.Error(), tt.word) {
			t.Errorf("%q: %v, want a usage error naming %s", tt.line, err, tt.word)
		}
	}
}
