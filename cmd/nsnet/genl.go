package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/nsnet/nsnet/genl"
)

const genlHelp = `Usage: nsnet genl { list | show }
       nsnet genl show NAME
  list         the generic netlink families the kernel offers (controller's
               CTRL_CMD_GETFAMILY dump): id, version, header size, highest
               attribute, operations with their flags, multicast groups
  show NAME    one family
With -j, a JSON array of {"name","id","version","hdrsize","maxattr","ops":
[{"id","flags":[...]}],"mcast_groups":[{"name","id"}]}.
`

type genlList struct{ name string }

func parseGenl(args []string, opt options) (command, error) {
	if len(args) == 0 {
		return genlList{}, nil
	}
	switch {
	case matches(args[0], "list") || args[0] == "ls":
		if len(args) > 1 {
			return nil, usagef("genl list: unexpected argument %q", args[1])
		}
		return genlList{}, nil
	case matches(args[0], "show") || matches(args[0], "get"):
		if len(args) != 2 {
			return nil, usagef("genl show: want one family name")
		}
		return genlList{name: args[1]}, nil
	}
	return nil, usagef("genl: unknown command %q (try \"nsnet genl help\")", args[0])
}

// genlConn returns the generic netlink connection of the command's
// namespace.
func (e *env) genl() (*genl.Conn, error) {
	c, err := e.conn("genl", func(fd int) (io.Closer, error) {
		return genl.Dial(&genl.Config{NetNS: fd, Trace: e.s.trace, TraceHex: e.s.traceHex, TraceNS: e.ns, Capture: e.s.capture})
	})
	if err != nil {
		return nil, err
	}
	return c.(*genl.Conn), nil
}

type genlOpJSON struct {
	ID    uint32   `json:"id"`
	Flags []string `json:"flags"`
}

type genlGroupJSON struct {
	Name string `json:"name"`
	ID   uint32 `json:"id"`
}

type genlFamilyJSON struct {
	Name        string          `json:"name"`
	ID          uint16          `json:"id"`
	Version     uint8           `json:"version"`
	HdrSize     uint32          `json:"hdrsize"`
	MaxAttr     uint32          `json:"maxattr"`
	Ops         []genlOpJSON    `json:"ops"`
	McastGroups []genlGroupJSON `json:"mcast_groups"`
}

func (c genlList) run(e *env) error {
	conn, err := e.genl()
	if err != nil {
		return err
	}
	var fams []genl.Family
	if c.name != "" {
		f, err := conn.Family(c.name)
		if err != nil {
			return err
		}
		fams = []genl.Family{f}
	} else if fams, err = conn.Families(); err != nil {
		return err
	}
	if e.opt.json {
		out := make([]genlFamilyJSON, 0, len(fams))
		for _, f := range fams {
			j := genlFamilyJSON{Name: f.Name, ID: f.ID, Version: f.Version, HdrSize: f.HeaderSize, MaxAttr: f.MaxAttr,
				Ops: []genlOpJSON{}, McastGroups: []genlGroupJSON{}}
			for _, op := range f.Ops {
				j.Ops = append(j.Ops, genlOpJSON{ID: op.ID, Flags: append([]string{}, op.Flags.Names()...)})
			}
			for _, g := range f.Groups {
				j.McastGroups = append(j.McastGroups, genlGroupJSON{Name: g.Name, ID: g.ID})
			}
			out = append(out, j)
		}
		return e.printJSON(out)
	}
	var b strings.Builder
	for _, f := range fams {
		formatGenlFamily(&b, f)
	}
	_, err = io.WriteString(e.out, b.String())
	return err
}

// formatGenlFamily writes a family as iproute2's `genl ctrl list` does.
func formatGenlFamily(b *strings.Builder, f genl.Family) {
	fmt.Fprintf(b, "\nName: %s\n", f.Name)
	fmt.Fprintf(b, "\tID: 0x%x  Version: 0x%x  header size: %d  max attribs: %d \n", f.ID, f.Version, f.HeaderSize, f.MaxAttr)
	if len(f.Ops) > 0 {
		b.WriteString("\tcommands supported: \n")
		for i, op := range f.Ops {
			fmt.Fprintf(b, "\t\t#%d:  ID-0x%x ", i+1, op.ID)
			if op.Flags != 0 {
				fmt.Fprintf(b, "\n\t\t  Capabilities (0x%x):\n \t\t   %s", uint32(op.Flags), strings.Join(op.Flags.Names(), "; "))
			}
			b.WriteString("\n")
		}
	}
	if len(f.Groups) > 0 {
		b.WriteString("\tmulticast groups:\n")
		for i, g := range f.Groups {
			fmt.Fprintf(b, "\t\t#%d:  ID-0x%x  name: %s  \n", i+1, g.ID, g.Name)
		}
	}
}
