package main

import (
	"strings"
	"testing"
)

func TestParseTopology(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		opt    options
		format string
		all    bool
	}{
		{args: nil, format: "text"},
		{args: nil, opt: options{json: true}, format: "json"},
		{args: nil, opt: options{all: true}, format: "text", all: true},
		{args: []string{"-all"}, format: "text", all: true},
		{args: []string{"--format", "svg"}, format: "svg"},
		{args: []string{"--format=dot"}, format: "dot"},
		{args: []string{"-format", "mermaid", "all"}, format: "mermaid", all: true},
		{args: []string{"format", "json"}, format: "json"},
	} {
		c, err := parseTopology(tc.args, tc.opt)
		if err != nil {
			t.Errorf("%q: %v", tc.args, err)
			continue
		}
		tp, ok := c.(topologyCmd)
		if !ok || tp.format != tc.format || tp.all != tc.all {
			t.Errorf("%q: %+v, want format %s all %v", tc.args, c, tc.format, tc.all)
		}
	}
	for _, tc := range []struct {
		args []string
		word string
	}{
		{[]string{"--format", "png"}, `"png"`},
		{[]string{"--format"}, "--format"},
		{[]string{"--format="}, `""`},
		{[]string{"dev", "eth0"}, `"dev"`},
	} {
		_, err := parseTopology(tc.args, options{})
		if err == nil || !isUsage(err) || !strings.Contains(err.Error(), tc.word) {
			t.Errorf("%q: %v, want a usage error naming %s", tc.args, err, tc.word)
		}
	}
	if c, err := parseCommand([]string{"topo", "help"}, options{}); err != nil || c.(helpCmd).text != topologyHelp {
		t.Errorf("topo help: %v %v", c, err)
	}
	if c, err := parseCommand([]string{"topo"}, options{}); err != nil {
		t.Errorf("topo: %v", err)
	} else if _, ok := c.(readOnly); !ok {
		t.Error("topology is not read-only")
	}
}
