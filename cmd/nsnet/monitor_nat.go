package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nsnet/nsnet/nat"
)

// natMonitor is "nat monitor": nf_tables notifications as nft monitor
// prints them.
type natMonitor struct{ rcvbuf int }

func parseNatMonitor(a *argv) (command, error) {
	c := natMonitor{rcvbuf: defaultMonitorBuffer}
	for a.more() {
		word := a.next()
		if word != "rcvbuf" {
			return nil, usagef("nat monitor: unknown argument %q (try \"nsnet nat help\")", word)
		}
		v, err := a.value(word)
		if err != nil {
			return nil, err
		}
		n, err := strconv.ParseUint(v, 10, 31)
		if err != nil || n < 1024 {
			return nil, usagef("invalid rcvbuf %q (want 1024..%d bytes)", v, 1<<31-1)
		}
		c.rcvbuf = int(n)
	}
	return c, nil
}

// natEventSource is what nat monitor reads notifications from: a
// *nat.Monitor, or canned events in unit tests.
type natEventSource interface {
	Receive(ctx context.Context, fn func(*nat.Event) error) error
	Discard() (int, error)
	SetReadBuffer(n int) error
	Close() error
}

// dialNatMonitor opens nat monitor's socket; unit tests replace it.
var dialNatMonitor = func(cfg *nat.Config) (natEventSource, error) { return nat.DialMonitor(cfg) }

func (c natMonitor) run(e *env) error {
	fd, err := e.nsFD()
	if err != nil {
		return err
	}
	mon, err := dialNatMonitor(&nat.Config{NetNS: fd, Trace: e.s.trace, TraceHex: e.s.traceHex, TraceNS: e.ns, Capture: e.s.capture})
	if err != nil {
		return err
	}
	defer mon.Close()
	if err := mon.SetReadBuffer(c.rcvbuf); err != nil {
		return err
	}
	var buf []byte
	for {
		err := mon.Receive(e.ctx, func(ev *nat.Event) error {
			if ev.Hidden() {
				return nil
			}
			now := time.Now()
			b := buf[:0]
			if e.opt.json {
				b = natEventJSON(b, ev, now, e.opt.timestamp != 0)
			} else {
				b = appendTimestamp(b, now, e.opt.timestamp)
				b = append(b, ev.Text()...)
			}
			buf = b
			_, err := e.out.Write(b)
			return err
		})
		var de *nat.DecodeError
		if errors.As(err, &de) {
			// One bad message does not end the monitor.
			e.warnf("nat monitor: %v (skipped)", de)
			continue
		}
		if !errors.Is(err, nat.ErrOverrun) {
			return err
		}
		// What is queued is older than the listing: drop it first.
		stale, err := mon.Discard()
		if err != nil {
			return err
		}
		if err := natResync(e, &buf, stale); err != nil {
			return err
		}
	}
}

// natResync reports lost notifications and lists the tables, chains and
// rules as they are now (sets and objects are not listed again); stale
// is how many queued notifications were dropped before.
func natResync(e *env, buf *[]byte, stale int) error {
	fmt.Fprintf(e.s.stderr, "nsnet: nat monitor: the kernel dropped notifications (receive queue overrun, ENOBUFS); listing tables, chains and rules again (%d queued notifications superseded)\n", stale)
	if e.opt.json {
		if _, err := fmt.Fprintf(e.out, "{\"event\":\"overrun\",\"objects\":[\"table\",\"chain\",\"rule\"],\"superseded\":%d}\n", stale); err != nil {
			return err
		}
	}
	c, err := e.nat()
	if err != nil {
		return err
	}
	tables, err := c.Tables(nat.FamilyUnspec)
	if err != nil {
		return err
	}
	chains, err := c.Chains(nat.FamilyUnspec)
	if err != nil {
		return err
	}
	evs := []*nat.Event{}
	for i := range tables {
		t := &tables[i]
		evs = append(evs, &nat.Event{Op: "add", Kind: "table", Table: t})
		for j := range chains {
			if chains[j].Family == t.Family && chains[j].Table == t.Name {
				evs = append(evs, &nat.Event{Op: "add", Kind: "chain", Chain: &chains[j]})
			}
		}
		rules, err := c.Rules(t.Family, t.Name)
		if err != nil {
			return err
		}
		for j := range rules {
			r := &rules[j]
			evs = append(evs, &nat.Event{Op: "add", Kind: "rule", Rule: r, Expr: nat.DescribeIn(r.Family, r.Exprs)})
		}
	}
	now := time.Now()
	for _, ev := range evs {
		b := (*buf)[:0]
		if e.opt.json {
			b = natEventJSON(b, ev, now, e.opt.timestamp != 0)
			b = append([]byte(`{"event":"sync"`), b[len(`{"event":"new"`):]...)
		} else {
			b = append(b, ev.Text()...)
		}
		*buf = b
		if _, err := e.out.Write(b); err != nil {
			return err
		}
	}
	if e.opt.json {
		_, err = fmt.Fprintf(e.out, "{\"event\":\"synced\",\"count\":%d}\n", len(evs))
	}
	return err
}

// natEventJSON appends one line: {"event":"new"|"del","object":KIND,...}.
func natEventJSON(b []byte, ev *nat.Event, now time.Time, stamp bool) []byte {
	o := &obj{}
	evName := "new"
	if ev.Op == "delete" {
		evName = "del"
	}
	o.add("event", evName)
	o.add("object", ev.Kind)
	if stamp {
		o.add("time", now.Format(time.RFC3339Nano))
	}
	switch ev.Kind {
	case "table":
		o.add("family", ev.Table.Family.String()).add("name", ev.Table.Name).add("handle", ev.Table.Handle)
	case "chain":
		c := ev.Chain
		o.add("family", c.Family.String()).add("table", c.Table).add("name", c.Name).add("handle", c.Handle)
		if c.Base != nil && ev.Op == "add" {
			o.add("type", string(c.Base.Type)).add("hook", c.Base.Hook.String()).add("prio", c.Base.Priority).add("policy", c.Base.Policy.String())
		}
	case "rule":
		r := ev.Rule
		o.add("family", r.Family.String()).add("table", r.Table).add("chain", r.Chain).add("handle", r.Handle)
		if ev.Op == "add" {
			o.add("expr", ev.Expr)
			if r.Comment != "" {
				o.add("comment", r.Comment)
			}
		}
	case "set", "element":
		s := ev.Set
		o.add("family", s.Family.String()).add("table", s.Table).add("name", s.Name)
		if ev.Kind == "set" && ev.Op == "add" {
			o.add("type", nat.SetTypeName(s.KeyType)).add("handle", s.Handle)
		}
		if ev.Kind == "element" {
			o.add("elem", ev.Elements)
		}
	case "gen":
		o = &obj{}
		o.add("event", "gen").add("object", "gen")
		if stamp {
			o.add("time", now.Format(time.RFC3339Nano))
		}
		o.add("id", ev.Gen.ID).add("pid", ev.Gen.PID).add("proc", ev.Gen.ProcName)
	default:
		ob := ev.Object
		o.add("family", ob.Family.String()).add("table", ob.Table).add("name", ob.Name).add("handle", ob.Handle)
		if ob.Counter != nil && ev.Op == "add" {
			o.add("packets", ob.Counter.Packets).add("bytes", ob.Counter.Bytes)
		}
	}
	b, _ = appendJSON(b, o)
	return append(b, '\n')
}
