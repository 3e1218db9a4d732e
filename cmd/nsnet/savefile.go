package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/rtnl"
)

// ip's save files: `ip route save` and `ip address save` write the
// kernel's dump replies, as they came, after a magic number (package
// rtnl, Saved); `restore` sends them back and `showdump` lists them. The
// files are ip's own, so either program reads the other's.

// isTerminal says whether f (an *os.File) is a terminal.
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	if !ok || file == nil {
		return false
	}
	_, err := unix.IoctlGetTermios(int(file.Fd()), unix.TCGETS)
	return err == nil
}

// writeSaved writes magic and msgs to e's output, refusing a terminal.
func writeSaved(e *env, object string, code int, magic uint32, msgs []rtnl.Saved) error {
	if isTerminal(e.out) {
		return ipUsage(code, "Not sending a binary stream to stdout",
			fmt.Errorf("%s save: not writing a binary stream to a terminal (redirect it to a file)", object))
	}
	b := binary.NativeEndian.AppendUint32(nil, magic)
	for _, m := range msgs {
		b = append(b, m...)
	}
	_, err := e.out.Write(b)
	return err
}

// readSaved reads a save file of magic from stdin, refusing a terminal;
// the messages before a bad one are returned with the error. Its exit
// codes are ip's: code for a terminal or a wrong magic number, bodyCode
// for a bad message.
func readSaved(e *env, object, kind string, code, bodyCode int, magic uint32) ([]rtnl.Saved, error) {
	if isTerminal(e.s.stdin) {
		return nil, ipUsage(code, fmt.Sprintf("Can't restore %s dump from a terminal", kind),
			fmt.Errorf("%s: not reading a binary stream from a terminal (redirect a save file to it)", object))
	}
	data, err := io.ReadAll(e.s.stdin)
	if err != nil {
		return nil, err
	}
	msgs, err := rtnl.ReadSaved(data, magic)
	var se *rtnl.SaveFileError
	if !errors.As(err, &se) {
		return msgs, err
	}
	var ipText string
	switch {
	case se.BadMagic:
		ipText = fmt.Sprintf("Magic mismatch (%d elems, %x magic)", se.Elems, se.Magic)
	case se.Truncated:
		ipText, code = "rtnl-from_file: truncated message", bodyCode
	default:
		ipText, code = fmt.Sprintf("!!!malformed message: len=%d @%d", se.Len, se.At), bodyCode
	}
	return msgs, ipUsage(code, ipText, fmt.Errorf("%s: %w", object, err))
}

// routeSave is "route save SELECTOR": what "route show SELECTOR" lists,
// in ip's binary format.
type routeSave struct{ sel routeShow }

func (c routeSave) run(e *env) error {
	if isTerminal(e.out) {
		return writeSaved(e, "route", 1, rtnl.RouteSaveMagic, nil)
	}
	_, _, msgs, err := c.sel.list(e, true, true)
	if err != nil {
		return err
	}
	return writeSaved(e, "route", 1, rtnl.RouteSaveMagic, msgs)
}

// routeRestore is "route restore": the routes of a save file on stdin,
// added in ip's order (routes of local addresses, of local networks, then
// via gateways). A route already there is kept; when the kernel refuses
// one, the routes added before it are deleted again.
type routeRestore struct{}

func (routeRestore) run(e *env) error {
	// ip restores what comes before a bad message; nsnet reads the whole
	// file first and restores nothing from a bad one.
	msgs, err := readSaved(e, "route restore", "route", 1, 2, rtnl.RouteSaveMagic)
	if err != nil {
		return err
	}
	var order []rtnl.Saved
	for pass := 0; pass < 3; pass++ {
		for _, m := range msgs {
			var r rtnl.RouteMessage
			if err := r.UnmarshalBinary(m.Body()); err != nil {
				return ipUsage(2, "!!!malformed message", fmt.Errorf("route restore: %w", err))
			}
			if restorePass(&r) == pass {
				order = append(order, m)
			}
		}
	}
	return restoreAll(e, "route restore", 2, order)
}

// restorePass is the pass of ip's restore that adds route r: 0 for a
// route without a gateway whose preferred source is absent or its
// destination (a local address's), 1 for one without a gateway with
// another preferred source (a local network's), 2 for one via a gateway.
func restorePass(r *rtnl.RouteMessage) int {
	switch {
	case r.Attrs.Gateway.IsValid():
		return 2
	case r.Attrs.PrefSrc.IsValid() && (r.Dst.Bits() == 0 || r.Attrs.PrefSrc != r.Dst.Addr()):
		return 1
	}
	return 0
}

// restoreAll sends msgs in order; one already there is kept. When the
// kernel refuses one, those restored before it are deleted again, newest
// first, and the refusal is the error (exit code as ip's).
func restoreAll(e *env, object string, code int, msgs []rtnl.Saved) error {
	conn, err := e.rtnl()
	if err != nil {
		return err
	}
	var made []rtnl.Saved
	for _, m := range msgs {
		err := conn.Restore(m)
		if errors.Is(err, os.ErrExist) {
			if ipMode {
				// ip prints the kernel's answer, and goes on.
				fmt.Fprintln(e.s.stderr, kernelText(err))
			}
			continue
		}
		if err != nil {
			for i := len(made) - 1; i >= 0; i-- {
				if uerr := conn.Unrestore(made[i]); uerr != nil && !errors.Is(uerr, os.ErrNotExist) {
					e.warnf("%s: could not delete a restored entry again: %v", object, uerr)
				}
			}
			if code != 2 {
				return &ipErr{ip: kernelText(err), code: code, err: err}
			}
			return err
		}
		made = append(made, m)
	}
	return nil
}

// routeShowdump is "route showdump": the routes of a save file on stdin,
// listed as "route show table all" lists them.
type routeShowdump struct{}

func (routeShowdump) run(e *env) error {
	msgs, rerr := readSaved(e, "route showdump", "route", 1, 2, rtnl.RouteSaveMagic)
	if rerr != nil && len(msgs) == 0 {
		return rerr
	}
	routes := make([]rtnl.RouteMessage, len(msgs))
	for i, m := range msgs {
		if err := routes[i].UnmarshalBinary(m.Body()); err != nil {
			return ipUsage(2, "!!!malformed message", fmt.Errorf("route showdump: %w", err))
		}
	}
	conn, err := e.rtnl()
	if err != nil {
		return err
	}
	links, err := conn.Links()
	if err != nil {
		return err
	}
	p := &routePrinter{tab: newLinkTable(conn, links), details: e.opt.details, stats: e.opt.stats, showTable: true, showDev: true}
	text := *e
	text.opt.json = false // ip lists a dump as text, -j or not
	if err := printRoutes(&text, p, routes); err != nil {
		return err
	}
	return rerr // ip lists what came before a bad message, then fails
}

// addrSave is "address save [ dev DEV ]": the addresses of DEV (or of
// every link), of -4's or -6's family if given, in ip's binary format.
// ip's listing filters are read and, as ip does, not applied.
type addrSave struct{ dev string }

func (c addrSave) run(e *env) error {
	conn, err := e.rtnl()
	if err != nil {
		return err
	}
	var idx uint32
	if c.dev != "" {
		l, err := showLink(conn, c.dev, e.opt)
		if err != nil {
			return err
		}
		idx = l.Index
	}
	if isTerminal(e.out) {
		return writeSaved(e, "address", 1, rtnl.AddrSaveMagic, nil)
	}
	msgs, err := conn.AddrsSaved(optFamily(e.opt), idx)
	if err != nil {
		return &ipErr{ip: kernelText(err) + "\nSave terminated", code: 1, err: err}
	}
	return writeSaved(e, "address", 1, rtnl.AddrSaveMagic, msgs)
}

// addrRestore is "address restore": the addresses of a save file on
// stdin, added in order. One already there is kept; when the kernel
// refuses one, those added before it are deleted again.
type addrRestore struct{}

func (addrRestore) run(e *env) error {
	msgs, err := readSaved(e, "address restore", "address", 255, 255, rtnl.AddrSaveMagic)
	if err != nil {
		return err
	}
	return restoreAll(e, "address restore", 255, msgs)
}

// addrShowdump is "address showdump": the addresses of a save file on
// stdin, each after its link's index ("if2:"), as ip lists them.
type addrShowdump struct{}

func (addrShowdump) run(e *env) error {
	msgs, rerr := readSaved(e, "address showdump", "address", 255, 255, rtnl.AddrSaveMagic)
	if rerr != nil && len(msgs) == 0 {
		return rerr
	}
	addrs := make([]rtnl.AddrMessage, len(msgs))
	for i, m := range msgs {
		if err := addrs[i].UnmarshalBinary(m.Body()); err != nil {
			return ipUsage(255, "!!!malformed message", fmt.Errorf("address showdump: %w", err))
		}
	}
	var out []byte
	if e.opt.json {
		// ip's shape: one object whose addr_info holds each address
		// with its link's index.
		w, p := &jsonWriter{}, &linkPrinter{}
		w.beginArray()
		w.beginObject()
		w.key("addr_info")
		w.beginArray()
		for i := range addrs {
			w.beginObject()
			w.key("index")
			w.uint(uint64(addrs[i].Index))
			p.addrJSONFields(w, &addrs[i])
			w.endObject()
		}
		w.endArray()
		w.endObject()
		w.endArray()
		out = w.b
		if e.opt.pretty {
			out = ipPretty(out)
		}
		out = append(out, '\n')
	} else {
		var b strings.Builder
		for i := range addrs {
			fmt.Fprintf(&b, "if%d:\n", addrs[i].Index)
			addrText(&b, &addrs[i])
		}
		out = []byte(b.String())
	}
	if _, err := e.out.Write(out); err != nil {
		return err
	}
	return rerr
}
