package cni

import (
	"net/netip"
	"testing"
)

// BenchmarkConfAndResult parses a bridge plugin's configuration with a
// previous result and encodes a result: the JSON work of one ADD, apart
// from the kernel's.
func BenchmarkConfAndResult(b *testing.B) {
	conf := []byte(`{"cniVersion": "1.0.0", "name": "bench", "type": "bridge", "bridge": "bench0",
	  "isGateway": true, "ipMasq": true, "hairpinMode": true,
	  "ipam": {"type": "host-local", "subnet": "10.99.0.0/16", "routes": [{"dst": "0.0.0.0/0"}]},
	  "runtimeConfig": {"portMappings": [{"hostPort": 8080, "containerPort": 80, "protocol": "tcp"}]},
	  "prevResult": {"cniVersion": "1.0.0", "interfaces": [{"name": "eth0", "mac": "02:00:00:00:00:01", "sandbox": "/run/netns/b1"}],
	    "ips": [{"interface": 0, "address": "10.99.0.2/16", "gateway": "10.99.0.1"}], "routes": [{"dst": "0.0.0.0/0"}], "dns": {}}}`)
	zero := 0
	r := &Result{Interfaces: []Interface{{Name: "bench0", Mac: "02:00:00:00:00:02"}, {Name: "eth0", Mac: "02:00:00:00:00:01", Sandbox: "/run/netns/b1"}},
		IPs:    []IPConfig{{Interface: &zero, Address: netip.MustParsePrefix("10.99.0.2/16"), Gateway: netip.MustParseAddr("10.99.0.1")}},
		Routes: []Route{{Dst: netip.MustParsePrefix("0.0.0.0/0")}}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseConf(conf); err != nil {
			b.Fatal(err)
		}
		if _, err := r.Encode("1.0.0"); err != nil {
			b.Fatal(err)
		}
	}
}
