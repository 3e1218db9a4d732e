package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nsnet/nsnet/nsfs"
	"github.com/nsnet/nsnet/rtnl"
)

const monitorHelp = `Usage: nsnet [-t | -ts] [-j] [-n NAME] monitor [ all | OBJECTS ] [ label ] [ all-nsid ]
                                       [ dev DEVICE ] [ rcvbuf BYTES ]
OBJECTS := link | address | route | neigh | rule | nsid | netns

Prints the kernel's notifications of changes as they happen, in the text of
"ip monitor" (each object as "ip OBJECT show" prints it, "Deleted " before a
removal), until SIGINT or SIGTERM. Without OBJECTS: link, address, route,
neigh, rule and nsid. "all" is the same with labels. netns (names added to or
deleted from /run/netns, as "nsnet netns monitor") is only watched when named.

  label      prefix each event with its kind: [LINK] [ADDR] [ROUTE] [NEIGH]
             [RULE] [NSID] [NETNS]
  all-nsid   also the events of the namespaces this one has an id for,
             each prefixed with [nsid N] ([nsid current] for this one's)
  dev        only the events of one link: the link, its addresses, routes
             through it and its neighbours (rules and nsids are not filtered)
  rcvbuf     the socket's receive buffer (default 4 MiB); a burst larger than
             it overruns the queue
  -t         a "Timestamp: DATE USEC usec" line before each event
  -ts        a short "[YYYY-MM-DDTHH:MM:SS.USEC] " prefix
  -n NAME    watch inside the namespace NAME (the socket is opened in it)
  -4, -6     addresses, routes and rules of one family only

With -j each event is one JSON object on a line of its own (-p is ignored),
written as it arrives: {"event":"new"|"del","object":"link"|"address"|..., then the
object's keys as "-j OBJECT show" prints them}; "time" with -t/-ts, "nsid"
with all-nsid. When the kernel drops events because the socket's queue is
full (ENOBUFS), nsnet says so on stderr and in the stream, drops the events
still queued (older than the dump), dumps the watched objects again and goes
on:
  {"event":"overrun","objects":[...],"superseded":N}   N queued events dropped
  {"event":"sync","object":"link",...}     one per object that exists now
  {"event":"synced","count":N}
In text the dumped objects follow a line on stderr.
`

// Monitored objects, as bits.
const (
	monLink = 1 << iota
	monAddr
	monRoute
	monNeigh
	monRule
	monNSID
	monNetns
	monRtnlAll = monLink | monAddr | monRoute | monNeigh | monRule | monNSID
)

// monObjects are the objects' words, labels and JSON names, by bit.
var monObjects = []struct {
	bit   int
	word  string
	label string
	name  string
	kind  rtnl.EventKind
}{
	{monLink, "link", "[LINK]", "link", rtnl.KindLink},
	{monAddr, "address", "[ADDR]", "address", rtnl.KindAddr},
	{monRoute, "route", "[ROUTE]", "route", rtnl.KindRoute},
	{monNeigh, "neigh", "[NEIGH]", "neigh", rtnl.KindNeigh},
	{monRule, "rule", "[RULE]", "rule", rtnl.KindRule},
	{monNSID, "nsid", "[NSID]", "nsid", rtnl.KindNSID},
	{monNetns, "netns", "[NETNS]", "netns", 0},
}

// defaultMonitorBuffer is the receive buffer of a monitor's socket: room
// for some 10,000 link notifications.
const defaultMonitorBuffer = 4 << 20

type monitorCmd struct {
	objects int
	label   bool
	allNSID bool
	rcvbuf  int
	dev     string // only the events of this link (links, addresses, routes, neighbours)
}

func parseMonitor(args []string, opt options) (command, error) {
	c := monitorCmd{rcvbuf: defaultMonitorBuffer}
	a := &argv{w: args}
	for a.more() {
		word := a.next()
		switch {
		case word == "all":
			c.label = true
			c.objects |= monRtnlAll
		case matches(word, "label"):
			c.label = true
		case matches(word, "all-nsid") && len(word) >= 4:
			c.allNSID = true
		case word == "dev":
			dev, err := devArg(a, word)
			if err != nil {
				return nil, err
			}
			c.dev = dev
		case word == "rcvbuf":
			v, err := a.value(word)
			if err != nil {
				return nil, err
			}
			n, err := strconv.ParseUint(v, 10, 31)
			if err != nil || n < 1024 {
				return nil, usagef("invalid rcvbuf %q (want 1024..%d bytes)", v, 1<<31-1)
			}
			c.rcvbuf = int(n)
		default:
			found := false
			for _, o := range monObjects {
				if matches(word, o.word) {
					c.objects |= o.bit
					found = true
					break
				}
			}
			if !found {
				return nil, ipUsage(255, fmt.Sprintf("Argument %q is unknown, try \"ip monitor help\".", word),
					usagef("monitor: unknown argument %q (try \"nsnet monitor help\")", word))
			}
		}
	}
	if c.objects == 0 {
		c.objects = monRtnlAll
	}
	return c, nil
}

// monitor is a running monitor: its options, the link cache names come
// from, and the output, written one event at a time under mu.
type monitor struct {
	c     monitorCmd
	e     *env
	conn  *rtnl.Conn // requests: link lookups, nsid names, dumps
	lp    *linkPrinter
	rp    *routePrinter
	nsids map[int32]string // nsid names, as ip's netns map
	// peers are the link printers of the events of other namespaces
	// (all-nsid), by nsid: each namespace numbers its links itself.
	peers     map[int]*linkPrinter
	peerConns []*rtnl.Conn
	devIndex  uint32 // the dev filter's link, 0 for none
	mu        sync.Mutex
	buf       []byte
}

// eventSource is what the monitor reads notifications from: an
// *rtnl.Monitor, or canned events in unit tests.
type eventSource interface {
	Receive(ctx context.Context, fn func(*rtnl.Event) error) error
	Discard() (int, error)
	Close() error
}

// dialMonitor opens the monitor's socket; unit tests replace it.
var dialMonitor = func(cfg *rtnl.MonitorConfig) (eventSource, error) { return rtnl.DialMonitor(cfg) }

func (c monitorCmd) run(e *env) error {
	m := &monitor{c: c, e: e}
	ctx := e.ctx
	if c.objects == monNetns {
		return m.watchNetns(ctx)
	}
	fd, err := e.nsFD()
	if err != nil {
		return err
	}
	if m.conn, err = e.rtnl(); err != nil {
		return err
	}
	mon, err := dialMonitor(&rtnl.MonitorConfig{
		Config:     rtnl.Config{NetNS: fd, Trace: e.s.trace, TraceHex: e.s.traceHex, TraceNS: e.ns, Capture: e.s.capture},
		Groups:     c.groups(e.opt.family),
		AllNSID:    c.allNSID,
		ReadBuffer: c.rcvbuf,
	})
	if err != nil {
		return err
	}
	defer mon.Close()
	defer func() {
		for _, c := range m.peerConns {
			c.Close()
		}
	}()
	// The link names and flags events refer to, as ip's link cache: read
	// after joining the groups, so no change falls between the two.
	links, err := m.conn.Links()
	if err != nil {
		return err
	}
	if c.dev != "" {
		if m.devIndex, err = m.conn.LinkIndex(c.dev); err != nil {
			return err
		}
	}
	m.lp = &linkPrinter{e: e, tab: newLinkTable(m.conn, links)}
	m.rp = &routePrinter{tab: m.lp.tab, showTable: true, showDev: c.dev == ""}
	if c.objects&monNSID != 0 {
		m.nsids = nsidNames(e)
	}
	// The namespace watcher and the event loop end together: at a
	// signal, or when either fails.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var nerr error
	if c.objects&monNetns != 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if nerr = m.watchNetns(ctx); nerr != nil {
				cancel()
			}
		}()
	}
	for {
		err = mon.Receive(ctx, m.event)
		var de *rtnl.DecodeError
		if errors.As(err, &de) {
			// One bad message does not end the monitor.
			e.warnf("monitor: %v (skipped)", de)
			continue
		}
		if !errors.Is(err, rtnl.ErrOverrun) {
			break
		}
		// What is queued is older than the dump: drop it first.
		var stale int
		if stale, err = mon.Discard(); err != nil {
			break
		}
		if err = m.resync(stale); err != nil {
			break
		}
	}
	cancel()
	wg.Wait()
	if err == nil {
		err = nerr
	}
	return err
}

// groups are the multicast groups of the objects, as ip monitor joins
// them (-4 or -6 leave out the other family's).
func (c monitorCmd) groups(family int) []rtnl.EventGroup {
	var g []rtnl.EventGroup
	v4, v6 := family != 6, family != 4
	add := func(ok bool, gr rtnl.EventGroup) {
		if ok {
			g = append(g, gr)
		}
	}
	if c.objects&monLink != 0 {
		g = append(g, rtnl.GroupLink)
	}
	if c.objects&monAddr != 0 {
		add(v4, rtnl.GroupIPv4Addr)
		add(v6, rtnl.GroupIPv6Addr)
	}
	if c.objects&monRoute != 0 {
		add(v4, rtnl.GroupIPv4Route)
		add(v6, rtnl.GroupIPv6Route)
		add(family == 0, rtnl.GroupMPLSRoute)
	}
	if c.objects&monNeigh != 0 {
		g = append(g, rtnl.GroupNeigh)
	}
	if c.objects&monRule != 0 {
		add(v4, rtnl.GroupIPv4Rule)
		add(v6, rtnl.GroupIPv6Rule)
	}
	if c.objects&monNSID != 0 {
		g = append(g, rtnl.GroupNSID)
	}
	return g
}

// watchNetns prints the names added to and deleted from /run/netns.
func (m *monitor) watchNetns(ctx context.Context) error {
	return nsfs.Monitor(ctx, func(ev nsfs.Event) error {
		return m.emit(monNetns, rtnl.NSIDCurrent, ev.Op == "delete", "", func(b []byte) []byte {
			if m.e.opt.json {
				b = append(b, `"name":`...)
				return appendJSONString(b, ev.Name)
			}
			return append(append(append(b, ev.Op...), ' '), ev.Name+"\n"...)
		})
	})
}

// objectOf is the monitored object bit of an event.
func objectOf(ev *rtnl.Event) int {
	switch {
	case ev.Link != nil:
		return monLink
	case ev.Addr != nil:
		return monAddr
	case ev.Route != nil:
		return monRoute
	case ev.Neigh != nil:
		return monNeigh
	case ev.Rule != nil:
		return monRule
	case ev.NetNS != nil:
		return monNSID
	}
	return 0
}

// event prints one notification.
func (m *monitor) event(ev *rtnl.Event) error {
	obj := objectOf(ev)
	if obj == 0 || m.c.objects&obj == 0 {
		return nil
	}
	lp := m.printer(ev.NSID)
	if ev.Link != nil {
		// As ip's ll_remember_index: the cache follows the events.
		if ev.Deleted() {
			delete(lp.tab.byIndex, ev.Link.Index)
		} else {
			lp.tab.byIndex[ev.Link.Index] = ev.Link
		}
	}
	if ev.Route != nil && ev.Route.Flags&rtnl.RouteCloned != 0 {
		return nil // as ip: cache entries are not shown
	}
	if m.devIndex != 0 && !m.onDev(ev) {
		return nil
	}
	if ev.Neigh != nil && m.e.opt.family != 0 && ev.Neigh.Family != optFamily(m.e.opt) {
		return nil
	}
	del := ev.Deleted()
	if m.e.opt.json {
		return m.emit(obj, ev.NSID, del, "", func(b []byte) []byte { return m.eventJSON(b, ev) })
	}
	return m.emit(obj, ev.NSID, del, "", func(b []byte) []byte { return m.eventText(b, ev) })
}

// onDev reports whether an event concerns the dev filter's link, as ip
// filters: links, addresses and neighbours by index, routes by output
// link; rules and nsids are not filtered.
func (m *monitor) onDev(ev *rtnl.Event) bool {
	switch {
	case ev.Link != nil:
		return ev.Link.Index == m.devIndex
	case ev.Addr != nil:
		return ev.Addr.Index == m.devIndex
	case ev.Route != nil:
		return ev.Route.Attrs.OIF != nil && *ev.Route.Attrs.OIF == m.devIndex
	case ev.Neigh != nil:
		return ev.Neigh.Index == m.devIndex
	}
	return true
}

// printer returns the link printer of the namespace with id nsid: the
// monitor's own for NSIDCurrent, else one whose link names are those its
// events told (ip shares one cache among all namespaces; here an index
// means the link of the event's own namespace, or "ifN").
func (m *monitor) printer(nsid int) *linkPrinter {
	if nsid == rtnl.NSIDCurrent {
		return m.lp
	}
	if m.peers == nil {
		m.peers = map[int]*linkPrinter{}
	}
	p, ok := m.peers[nsid]
	if !ok {
		// Names come from the events, else from a socket inside the
		// namespace when /run/netns names it.
		var conn *rtnl.Conn
		if name, ok := nsidNames(m.e)[int32(nsid)]; ok {
			conn, _ = rtnl.Dial(&rtnl.Config{NetNSName: name, Trace: m.e.s.trace, TraceHex: m.e.s.traceHex, TraceNS: name, Capture: m.e.s.capture})
			if conn != nil {
				m.peerConns = append(m.peerConns, conn)
			}
		}
		p = &linkPrinter{e: m.e, tab: newLinkTable(conn, nil)}
		m.peers[nsid] = p
	}
	return p
}

// emit writes one event: the headers ip prints (timestamp, nsid, label)
// or the JSON members, then what body appends. sync is "" for a
// notification, else the JSON event name of a dumped object.
func (m *monitor) emit(obj, nsid int, del bool, sync string, body func([]byte) []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.buf[:0]
	now := time.Now()
	name, label := "", ""
	for _, o := range monObjects {
		if o.bit == obj {
			name, label = o.name, o.label
		}
	}
	if m.e.opt.json {
		ev := "new"
		switch {
		case sync != "":
			ev = sync
		case del:
			ev = "del"
		}
		b = append(b, `{"event":"`...)
		b = append(b, ev...)
		b = append(b, `","object":"`...)
		b = append(b, name...)
		b = append(b, '"')
		if m.e.opt.timestamp != 0 {
			b = append(b, `,"time":"`...)
			b = now.AppendFormat(b, time.RFC3339Nano)
			b = append(b, '"')
		}
		if m.c.allNSID && obj != monNetns {
			b = append(b, `,"nsid":`...)
			if nsid < 0 {
				b = append(b, `"current"`...)
			} else {
				b = strconv.AppendInt(b, int64(nsid), 10)
			}
		}
		n := len(b)
		b = append(b, ',')
		b = body(b)
		if len(b) == n+1 {
			b = b[:n] // an empty body
		}
		b = append(b, "}\n"...)
	} else {
		if sync == "" {
			b = appendTimestamp(b, now, m.e.opt.timestamp)
			if m.c.allNSID && obj != monNetns {
				if nsid < 0 {
					b = append(b, "[nsid current]"...)
				} else {
					b = fmt.Appendf(b, "[nsid %d]", nsid)
				}
			}
			if m.c.label {
				b = append(b, label...)
			}
			if del && obj != monNetns {
				b = append(b, "Deleted "...)
			}
		}
		b = body(b)
	}
	m.buf = b
	_, err := m.e.out.Write(b)
	return err
}

// appendTimestamp appends ip's -t line or -ts prefix (mode 1 or 2), in
// local time as ip prints it.
func appendTimestamp(b []byte, t time.Time, mode int) []byte {
	switch mode {
	case 1:
		// asctime's layout, then the microseconds.
		b = append(b, "Timestamp: "...)
		b = t.AppendFormat(b, "Mon Jan _2 15:04:05 2006")
		return fmt.Appendf(b, " %d usec\n", t.Nanosecond()/1000)
	case 2:
		b = append(b, '[')
		b = t.AppendFormat(b, "2006-01-02T15:04:05")
		return fmt.Appendf(b, ".%06d] ", t.Nanosecond()/1000)
	}
	return b
}

// eventText appends an event's object as ip monitor prints it.
func (m *monitor) eventText(b []byte, ev *rtnl.Event) []byte {
	var sb strings.Builder
	lp, rp := m.printers(ev.NSID)
	switch {
	case ev.Link != nil:
		// ip monitor leaves out the queue length ip link prints.
		l := *ev.Link
		l.Attrs.TxQueueLen = nil
		lp.text(&sb, &l, false)
	case ev.Addr != nil:
		fmt.Fprintf(&sb, "%d: %s", ev.Addr.Index, lp.tab.name(ev.Addr.Index))
		addrText(&sb, ev.Addr)
	case ev.Route != nil:
		rp.text(&sb, ev.Route)
	case ev.Neigh != nil:
		// ip leaves out the dev it filters by.
		p := neighPrinter{tab: lp.tab, showDev: m.devIndex == 0}
		p.fields(ev.Neigh).text(&sb)
	case ev.Rule != nil:
		ruleFields(ev.Rule, false).text(&sb)
	case ev.NetNS != nil:
		m.nsidText(&sb, ev)
	}
	return append(b, sb.String()...)
}

// eventJSON appends the members of an event's object.
func (m *monitor) eventJSON(b []byte, ev *rtnl.Event) []byte {
	w := &jsonWriter{b: b}
	lp, rp := m.printers(ev.NSID)
	var inner []byte
	switch {
	case ev.Link != nil:
		lw := &jsonWriter{}
		if err := lp.linkJSON(lw, ev.Link, false); err != nil {
			return b
		}
		lw.endObject()
		inner = lw.b
	case ev.Addr != nil:
		aw := &jsonWriter{}
		lp.addrJSONw(aw, ev.Addr)
		w.key("index")
		w.uint(uint64(ev.Addr.Index))
		w.key("dev")
		w.str(lp.tab.name(ev.Addr.Index))
		inner = aw.b
	case ev.Route != nil:
		inner, _ = appendJSON(nil, rp.json(ev.Route))
	case ev.Neigh != nil:
		p := neighPrinter{tab: lp.tab, showDev: true}
		inner, _ = appendJSON(nil, p.fields(ev.Neigh).json())
	case ev.Rule != nil:
		inner, _ = appendJSON(nil, ruleFields(ev.Rule, false).json())
	case ev.NetNS != nil:
		inner, _ = appendJSON(nil, m.nsidJSON(ev))
	}
	// inner is an object: splice its members after what w holds.
	if len(inner) > 2 {
		if w.comma {
			w.b = append(w.b, ',')
		}
		w.b = append(w.b, inner[1:len(inner)-1]...)
	}
	return w.b
}

// printers are the link and route printers of the namespace nsid.
func (m *monitor) printers(nsid int) (*linkPrinter, *routePrinter) {
	lp := m.printer(nsid)
	if lp == m.lp {
		return lp, m.rp
	}
	return lp, &routePrinter{tab: lp.tab, showTable: true, showDev: true}
}

// nsidName finds the name of a peer namespace's id as ip does: from the
// names read at start, forgotten once printed, else, for a new id, by
// asking the kernel for the id of each name under /run/netns.
func (m *monitor) nsidName(ev *rtnl.Event) (string, bool) {
	n := ev.NetNS
	id := n.NSID
	if n.CurrentNSID != nil {
		id = *n.CurrentNSID
	}
	if id < 0 {
		return "", false
	}
	if name, ok := m.nsids[id]; ok {
		delete(m.nsids, id)
		return name, true
	}
	if ev.Deleted() {
		return "", false
	}
	if name, ok := nsidNames(m.e)[id]; ok {
		m.nsids[id] = name // forgotten when printed again, as in ip
		return name, true
	}
	return "", false
}

func (m *monitor) nsidText(sb *strings.Builder, ev *rtnl.Event) {
	n := ev.NetNS
	if n.NSID < 0 {
		sb.WriteString("nsid unassigned ")
	} else {
		fmt.Fprintf(sb, "nsid %d ", n.NSID)
	}
	if c := n.CurrentNSID; c != nil {
		if *c < 0 {
			sb.WriteString("current-nsid unassigned ")
		} else {
			fmt.Fprintf(sb, "current-nsid %d ", *c)
		}
	}
	if name, ok := m.nsidName(ev); ok {
		fmt.Fprintf(sb, "(iproute2 netns name: %s)", name)
	}
	sb.WriteString("\n")
}

func (m *monitor) nsidJSON(ev *rtnl.Event) *obj {
	n := ev.NetNS
	o := &obj{}
	if n.NSID >= 0 {
		o.add("nsid", n.NSID)
	}
	if c := n.CurrentNSID; c != nil && *c >= 0 {
		o.add("current-nsid", *c)
	}
	if name, ok := m.nsidName(ev); ok {
		o.add("name", name)
	}
	return o
}

// resync reports lost events and dumps the watched objects again; stale
// is how many queued events were dropped because the dump supersedes them.
func (m *monitor) resync(stale int) error {
	var names []string
	for _, o := range monObjects {
		if m.c.objects&o.bit != 0 && o.bit != monNetns {
			names = append(names, o.name)
		}
	}
	fmt.Fprintf(m.e.s.stderr, "nsnet: monitor: the kernel dropped events (receive queue overrun, ENOBUFS); dumping %s again (%d queued events superseded)\n",
		strings.Join(names, ", "), stale)
	if m.e.opt.json {
		m.mu.Lock()
		b := append(m.buf[:0], `{"event":"overrun","objects":`...)
		b, _ = appendJSON(b, names)
		b = fmt.Appendf(b, ",\"superseded\":%d}\n", stale)
		m.buf = b
		_, err := m.e.out.Write(b)
		m.mu.Unlock()
		if err != nil {
			return err
		}
	}
	count := 0
	for _, o := range monObjects {
		if m.c.objects&o.bit == 0 || o.bit == monNetns {
			continue
		}
		evs, err := m.conn.DumpEvents(o.kind)
		if err != nil {
			return err
		}
		if o.bit == monLink {
			m.lp.tab.byIndex = map[uint32]*rtnl.LinkMessage{}
			for _, ev := range evs {
				if ev.Link != nil {
					m.lp.tab.byIndex[ev.Link.Index] = ev.Link
				}
			}
		}
		for _, ev := range evs {
			if objectOf(ev) != o.bit || ev.Route != nil && ev.Route.Flags&rtnl.RouteCloned != 0 {
				continue
			}
			count++
			var err error
			if m.e.opt.json {
				err = m.emit(o.bit, ev.NSID, false, "sync", func(b []byte) []byte { return m.eventJSON(b, ev) })
			} else {
				err = m.emit(o.bit, ev.NSID, false, "sync", func(b []byte) []byte { return m.eventText(b, ev) })
			}
			if err != nil {
				return err
			}
		}
	}
	if m.e.opt.json {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.buf = fmt.Appendf(m.buf[:0], "{\"event\":\"synced\",\"count\":%d}\n", count)
		_, err := m.e.out.Write(m.buf)
		return err
	}
	_, err := io.WriteString(m.e.s.stderr, fmt.Sprintf("nsnet: monitor: resynced (%d objects)\n", count))
	return err
}
