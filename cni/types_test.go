package cni

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/containernetworking/cni/pkg/types"
	types100 "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/cni/pkg/types/create"
	"github.com/containernetworking/cni/pkg/version"
)

func sampleResult() *Result {
	two := 2
	table, scope := 100, 253
	return &Result{
		Interfaces: []Interface{{Name: "cni0", Mac: "0a:00:00:00:00:01"}, {Name: "veth1", Mac: "0a:00:00:00:00:02", MTU: 1400},
			{Name: "eth0", Mac: "0a:00:00:00:00:03", Sandbox: "/run/netns/c1", PciID: "0000:00:01.0"}},
		IPs: []IPConfig{
			{Interface: &two, Address: netip.MustParsePrefix("10.1.0.5/16"), Gateway: netip.MustParseAddr("10.1.0.1")},
			{Interface: &two, Address: netip.MustParsePrefix("fd00::5/64"), Gateway: netip.MustParseAddr("fd00::1")},
		},
		Routes: []Route{{Dst: netip.MustParsePrefix("0.0.0.0/0")},
			{Dst: netip.MustParsePrefix("192.0.2.0/24"), GW: netip.MustParseAddr("10.1.0.254"), MTU: 1300, Priority: 5, Table: &table, Scope: &scope}},
		DNS: DNS{Nameservers: []string{"10.1.0.1"}, Search: []string{"example.org"}},
	}
}

// TestResultVersionsThroughLibcni encodes a result in every version and
// has libcni (the reference implementation of the spec's types) decode it
// and convert it to its newest type: nothing may be lost that the version
// can carry, and nothing may appear that it cannot.
func TestResultVersionsThroughLibcni(t *testing.T) {
	r := sampleResult()
	for _, v := range SupportedVersions {
		b, err := r.Encode(v)
		if err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		res, err := create.Create(v, b)
		if err != nil {
			t.Fatalf("%s: libcni rejects %s: %v", v, b, err)
		}
		if res.Version() != v {
			t.Errorf("%s: libcni reads version %s", v, res.Version())
		}
		cur, err := types100.NewResultFromResult(res)
		if err != nil {
			t.Fatalf("%s: convert: %v", v, err)
		}
		if len(cur.IPs) != 2 || cur.IPs[0].Address.String() != "10.1.0.5/16" || cur.IPs[1].Gateway.String() != "fd00::1" ||
			cur.IPs[0].Interface == nil || *cur.IPs[0].Interface != 2 {
			t.Errorf("%s: ips %s", v, b)
		}
		if len(cur.Routes) != 2 || cur.Routes[1].GW.String() != "10.1.0.254" || len(cur.Interfaces) != 3 || cur.Interfaces[2].Sandbox != "/run/netns/c1" {
			t.Errorf("%s: routes or interfaces %s", v, b)
		}
		legacy := v < "1.0.0"
		if got := strings.Contains(string(b), `"version":"4"`); got != legacy {
			t.Errorf("%s: \"version\" in ips: %v: %s", v, got, b)
		}
		v11 := v == "1.1.0"
		for _, key := range []string{`"mtu":1400`, `"pciID"`, `"table":100`, `"scope":253`, `"priority":5`} {
			if got := strings.Contains(string(b), key); got != v11 {
				t.Errorf("%s: %s present: %v: %s", v, key, got, b)
			}
		}
		if v11 && (cur.Routes[1].Table == nil || *cur.Routes[1].Table != 100 || cur.Interfaces[1].Mtu != 1400) {
			t.Errorf("1.1.0: libcni lost table or mtu: %s", b)
		}
	}
}

// TestParseResultFromLibcni reads results libcni wrote in every version
// (a delegated IPAM plugin's output, a prevResult).
func TestParseResultFromLibcni(t *testing.T) {
	b, _ := sampleResult().Encode("1.1.0")
	res, err := create.Create("1.1.0", b)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range SupportedVersions {
		conv, err := res.GetAsVersion(v)
		if err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		var buf bytes.Buffer
		if err := conv.PrintTo(&buf); err != nil {
			t.Fatal(err)
		}
		got, gv, err := ParseResult(buf.Bytes())
		if err != nil || gv != v {
			t.Fatalf("%s: %v (version %q): %s", v, err, gv, buf.String())
		}
		if len(got.IPs) != 2 || got.IPs[1].Address != netip.MustParsePrefix("fd00::5/64") || len(got.Routes) != 2 || got.DNS.Nameservers[0] != "10.1.0.1" {
			t.Errorf("%s: parsed %+v", v, got)
		}
	}
	if _, _, err := ParseResult([]byte(`{"cniVersion":"0.2.0","ip4":{}}`)); !isCode(err, ErrIncompatibleVersion) {
		t.Errorf("0.2.0 result: %v", err)
	}
	if _, _, err := ParseResult([]byte(`{"cniVersion":"1.0.0","ips":[{"address":"10.1.0.5"}]}`)); !isCode(err, ErrDecode) {
		t.Errorf("address without length: %v", err)
	}
}

func isCode(err error, code uint) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// TestVersionAndErrorObjects: VERSION's answer and error objects as libcni
// decodes them.
func TestVersionAndErrorObjects(t *testing.T) {
	pi, err := (&version.PluginDecoder{}).Decode(EncodeVersion())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(pi.SupportedVersions(), " ") != "0.3.0 0.3.1 0.4.0 1.0.0 1.1.0" {
		t.Errorf("supportedVersions %v", pi.SupportedVersions())
	}
	var e types.Error
	b := EncodeError("1.0.0", &Error{Code: ErrInvalidConfig, Msg: "bad", Details: "why"})
	if err := json.Unmarshal(b, &e); err != nil || e.Code != 7 || e.Msg != "bad" || e.Details != "why" || !strings.Contains(string(b), `"cniVersion":"1.0.0"`) {
		t.Errorf("error object %s -> %+v %v", b, e, err)
	}
}

// TestRunRefuses: what Run refuses before it touches the kernel, with the
// spec's error codes; no root needed.
func TestRunRefuses(t *testing.T) {
	env := Env{Command: "ADD", ContainerID: "c", NetNS: "/run/netns/none", IfName: "eth0"}
	for _, tc := range []struct {
		name  string
		env   Env
		conf  string
		face  string
		code  uint
		words string
	}{
		{"version", env, `{"cniVersion":"0.2.0","name":"n","type":"bridge"}`, "bridge", ErrIncompatibleVersion, "incompatible"},
		{"no version", env, `{"name":"n","type":"bridge"}`, "bridge", ErrIncompatibleVersion, "0.1.0"},
		{"json", env, `{"cniVersion":"1.0.0",`, "bridge", ErrDecode, "decode"},
		{"json type", env, `{"cniVersion":"1.0.0","mtu":"x"}`, "bridge", ErrDecode, "mtu"},
		{"no command", Env{}, `{"cniVersion":"1.0.0"}`, "bridge", ErrInvalidEnv, "CNI_COMMAND"},
		{"bad command", Env{Command: "FOO"}, `{"cniVersion":"1.0.0"}`, "bridge", ErrInvalidEnv, "FOO"},
		{"no netns", Env{Command: "ADD", ContainerID: "c", IfName: "eth0"}, `{"cniVersion":"1.0.0","name":"n"}`, "bridge", ErrInvalidEnv, "CNI_NETNS"},
		{"no id", Env{Command: "DEL", IfName: "eth0"}, `{"cniVersion":"1.0.0","name":"n"}`, "bridge", ErrInvalidEnv, "CNI_CONTAINERID"},
		{"long ifname", Env{Command: "DEL", ContainerID: "c", IfName: "abcdefghijklmnopq"}, `{"cniVersion":"1.0.0","name":"n"}`, "bridge", ErrInvalidEnv, "CNI_IFNAME"},
		{"slash ifname", Env{Command: "DEL", ContainerID: "c", IfName: "../x"}, `{"cniVersion":"1.0.0","name":"n"}`, "bridge", ErrInvalidEnv, "CNI_IFNAME"},
		{"vlan", env, `{"cniVersion":"1.0.0","name":"n","type":"bridge","vlan":3}`, "bridge", ErrUnsupportedField, "vlan"},
		{"check old", Env{Command: "CHECK", ContainerID: "c", NetNS: "/x", IfName: "eth0"}, `{"cniVersion":"0.3.1","name":"n"}`, "bridge", ErrIncompatibleVersion, "CHECK"},
		{"gc old", Env{Command: "GC"}, `{"cniVersion":"1.0.0","name":"n"}`, "bridge", ErrIncompatibleVersion, "GC"},
		{"bad name", env, `{"cniVersion":"1.0.0","name":"../etc","type":"bridge","ipam":{"type":"host-local"}}`, "bridge", ErrInvalidConfig, "name"},
		{"nsnet mode", env, `{"cniVersion":"1.0.0","name":"n","type":"nsnet","mode":"macvlan"}`, "nsnet", ErrInvalidConfig, "mode"},
		{"nsnet both", env, `{"cniVersion":"1.0.0","name":"n","type":"nsnet","subnet":"10.0.0.0/24","ipam":{"type":"static"}}`, "nsnet", ErrInvalidConfig, "not both"},
		{"portmap alone", env, `{"cniVersion":"1.0.0","name":"n","type":"portmap"}`, "portmap", ErrInvalidConfig, "chained"},
		{"args", Env{Command: "ADD", ContainerID: "c", NetNS: "/x", IfName: "eth0", Args: "IP"}, `{"cniVersion":"1.0.0","name":"n"}`, "bridge", ErrInvalidEnv, "CNI_ARGS"},
		{"unknown face", env, `{"cniVersion":"1.0.0"}`, "macvlan", ErrInvalidConfig, "macvlan"},
	} {
		_, _, err := Run(tc.face, tc.env, []byte(tc.conf), &bytes.Buffer{})
		var e *Error
		if !errors.As(err, &e) || e.Code != tc.code || !strings.Contains(e.Error(), tc.words) {
			t.Errorf("%s: want code %d mentioning %q, got %v", tc.name, tc.code, tc.words, err)
		}
	}
	var out, errw bytes.Buffer
	if code := Main("bridge", Env{Command: "VERSION"}, nil, &out, &errw); code != 0 || !strings.Contains(out.String(), "supportedVersions") {
		t.Errorf("VERSION: %d %s", code, out.String())
	}
	out.Reset()
	if code := Main("bridge", env, []byte(`{"cniVersion":"1.0.0","name":"n","vlan":2}`), &out, &errw); code != 1 || !strings.HasPrefix(out.String(), `{"cniVersion":"1.0.0","code":2,`) {
		t.Errorf("error object: %d %s", code, out.String())
	}
}

func TestParseArgs(t *testing.T) {
	m, err := ParseArgs("IgnoreUnknown=1;IP=10.0.0.5;K8S_POD_NAME=a=b;")
	if err != nil || m["IP"] != "10.0.0.5" || m["K8S_POD_NAME"] != "a=b" || m["IgnoreUnknown"] != "1" {
		t.Errorf("%v %v", m, err)
	}
	if _, err := ParseArgs("IP"); err == nil {
		t.Error("a pair without = was accepted")
	}
}

func TestPortMaps(t *testing.T) {
	ips := []netip.Addr{netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("10.0.0.3"), netip.MustParseAddr("fd00::2")}
	pms, err := portMaps([]PortMapping{{HostPort: 80, ContainerPort: 8080}, {HostPort: 53, ContainerPort: 53, Protocol: "UDP", HostIP: "192.0.2.1"},
		{HostPort: 81, ContainerPort: 81, HostIP: "::"}}, ips)
	if err != nil {
		t.Fatal(err)
	}
	want := "any:80->10.0.0.2:8080/tcp any:80->fd00::2:8080/tcp 192.0.2.1:53->10.0.0.2:53/udp any:81->fd00::2:81/tcp"
	var got []string
	for _, p := range pms {
		h := "any"
		if p.HostIP.IsValid() {
			h = p.HostIP.String()
		}
		got = append(got, h+":"+itoa(int(p.HostPort))+"->"+p.ContainerIP.String()+":"+itoa(int(p.ContainerPort))+"/"+p.Proto)
	}
	if strings.Join(got, " ") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
	for _, bad := range []PortMapping{{HostPort: 0, ContainerPort: 1}, {HostPort: 70000, ContainerPort: 1}, {HostPort: 1, ContainerPort: 1, Protocol: "icmp"}, {HostPort: 1, ContainerPort: 1, HostIP: "x"}} {
		if _, err := portMaps([]PortMapping{bad}, ips); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestStatusUnavailable: STATUS answers code 50 when host-local's data
// directory cannot be made.
func TestStatusUnavailable(t *testing.T) {
	_, _, err := Run("bridge", Env{Command: "STATUS"}, []byte(`{"cniVersion":"1.1.0","name":"n","type":"bridge","ipam":{"type":"host-local","dataDir":"/proc/nsnet-cannot-be"}}`), &bytes.Buffer{})
	if !isCode(err, ErrNotAvailable) {
		t.Errorf("STATUS: %v", err)
	}
}

// TestNATAttachment: what each face asks of nf_tables, and keys that keep
// networks and faces apart.
func TestNATAttachment(t *testing.T) {
	ips := []IPConfig{{Address: netip.MustParsePrefix("10.1.0.5/24")}, {Address: netip.MustParsePrefix("fd00::5/64")}}
	mk := func(face, conf string) *run {
		c, err := ParseConf([]byte(conf))
		if err != nil {
			t.Fatal(err)
		}
		return &run{face: face, conf: c, env: Env{ContainerID: "abc", IfName: "eth0"}}
	}
	br := mk("bridge", `{"cniVersion":"1.0.0","name":"net.a","ipMasq":true}`)
	a, err := br.natAttachment(ips)
	if err != nil || a.ID != "5_net.a_abc" || a.IfName != "eth0" || len(a.Masquerade) != 2 || a.Masquerade[0].String() != "10.1.0.5/32" ||
		a.MasqueradeExclude[1].String() != "fd00::/64" || len(a.PortMaps) != 0 || a.HostLocalhost || a.SNATHairpin {
		t.Errorf("bridge ipMasq: %+v %v", a, err)
	}
	pm := mk("portmap", `{"cniVersion":"1.0.0","name":"net.a","snat":false,"runtimeConfig":{"portMappings":[{"hostPort":80,"containerPort":8080,"protocol":"udp"}]}}`)
	a, err = pm.natAttachment(ips)
	if err != nil || a.ID != "p5_net.a_abc" || len(a.Masquerade) != 0 || len(a.PortMaps) != 2 || a.SNATHairpin || !a.HostLocalhost || !hasUDP(a) {
		t.Errorf("portmap: %+v %v", a, err)
	}
	// Network "net" with container "a_abc" must not share a prefix with
	// network "net.a"'s keys.
	other := mk("bridge", `{"cniVersion":"1.0.0","name":"net"}`)
	if k := other.natKey("a_abc", "eth0"); strings.HasPrefix(k.ID, br.natPrefix()) || k.ID == "5_net.a_abc" {
		t.Errorf("keys of two networks collide: %s", k.ID)
	}
	if a, _ := mk("bridge", `{"cniVersion":"1.0.0","name":"n"}`).natAttachment(ips); !natEmpty(a) {
		t.Errorf("no ipMasq, no mappings: %+v", a)
	}
}
