package topo

import (
	"bufio"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// SVG layout, in pixels.
const (
	svgMinBoxW = 240 // a namespace's box, at least
	svgMaxBoxW = 470 // and at most: longer rows are cut with "…"
	svgCharW   = 6.7 // the advance of one character of the 11px monospace font
	svgTextX   = 22  // where rows start in a box; the NAT arrows run left of it
	svgGapX    = 70  // between columns: room for the lines
	svgGapY    = 40  // between rows
	svgMargin  = 20
	svgLineH   = 14 // one line of text
	svgHeadH   = 36 // a box's heading: label and forwarding
	svgMaxCols = 8
)

// svgRow is one line of text in a namespace's box.
type svgRow struct {
	text  string
	class string // "link", "addr", "rel", "route", "nat", "note"
	link  uint32 // the link the row is the first line of, 0 if none
	nat   int    // 1 + the NAT object's index on a nat row, 0 otherwise
}

// natShort is a NAT object's row: what it is, with its direction.
func natShort(x *NAT) string {
	switch x.Kind {
	case "masquerade":
		out := x.Out
		if out == "" {
			out = "any"
		}
		return "NAT masquerade " + x.Source.String() + " → out " + out
	case "forward":
		return "NAT forward " + x.A + " ↔ " + x.B
	case "publish":
		s := "NAT publish " + listenString(x.Listen) + "/" + x.Proto + " → " + x.To.String()
		if x.In != "" {
			s += " (in " + x.In + ")"
		}
		return s
	}
	return "NAT " + x.Object
}

// svgBox is a namespace laid out.
type svgBox struct {
	x, y, h int
	rows    []svgRow
	linkY   map[uint32]int // the centre line of each link's first row
}

func (t *Topology) svgRows(i int) []svgRow {
	n := t.Namespaces[i]
	var rows []svgRow
	for j := range n.Links {
		l := &n.Links[j]
		rows = append(rows, svgRow{text: linkLine(l), class: "link", link: l.Index})
		for _, a := range l.Addrs {
			rows = append(rows, svgRow{text: "    " + a.Prefix(), class: "addr"})
		}
		for _, r := range t.relations(i, l.Index) {
			rows = append(rows, svgRow{text: "    " + r, class: "rel"})
		}
	}
	for j := range n.Routes {
		rows = append(rows, svgRow{text: "route " + routeText(&n.Routes[j]), class: "route"})
	}
	for j := range n.NAT {
		rows = append(rows, svgRow{text: natShort(&n.NAT[j]), class: "nat", nat: j + 1})
	}
	for _, note := range n.Notes {
		rows = append(rows, svgRow{text: "note: " + note, class: "note"})
	}
	return rows
}

// layout places the boxes on a grid, row by row in the topology's order;
// all boxes are as wide as the longest row needs, within limits.
func (t *Topology) layout() (boxes []svgBox, boxW, width, height int) {
	n := len(t.Namespaces)
	cols := int(math.Ceil(math.Sqrt(float64(n))))
	cols = max(1, min(cols, svgMaxCols))
	boxes = make([]svgBox, n)
	chars := 0
	for i := range boxes {
		boxes[i].rows = t.svgRows(i)
		for _, r := range boxes[i].rows {
			chars = max(chars, utf8.RuneCountInString(r.text))
		}
		chars = max(chars, utf8.RuneCountInString(t.Namespaces[i].Label())+4, len(nsKind(t.Namespaces[i]))+2)
	}
	boxW = min(max(int(float64(chars)*svgCharW)+svgTextX+12, svgMinBoxW), svgMaxBoxW)
	maxChars := int(float64(boxW-svgTextX-12) / svgCharW)
	for i := range boxes {
		for k, r := range boxes[i].rows {
			if utf8.RuneCountInString(r.text) > maxChars {
				boxes[i].rows[k].text = string([]rune(r.text)[:maxChars-1]) + "…"
			}
		}
	}
	place := func(b *svgBox, x, y int) {
		b.x, b.y = x, y
		b.h = svgHeadH + len(b.rows)*svgLineH + 10
		b.linkY = map[uint32]int{}
		for k, r := range b.rows {
			if r.link != 0 {
				b.linkY[r.link] = b.y + svgHeadH + k*svgLineH + svgLineH/2
			}
		}
	}
	// A hub (the first namespace joined to many others, as a host is to
	// its containers) gets a column of its own on the left, so that its
	// lines fan out to the grid instead of crossing it.
	first, x0 := 0, svgMargin
	hubH := 0
	if t.hub() {
		place(&boxes[0], svgMargin, svgMargin)
		hubH = boxes[0].h
		first, x0 = 1, svgMargin+boxW+2*svgGapX
		cols = max(1, min(int(math.Ceil(math.Sqrt(float64(n-1)))), svgMaxCols))
	}
	y := svgMargin
	for start := first; start < n; start += cols {
		rowH := 0
		for i := start; i < min(start+cols, n); i++ {
			place(&boxes[i], x0+(i-start)*(boxW+svgGapX), y)
			rowH = max(rowH, boxes[i].h)
		}
		y += rowH + svgGapY
	}
	// The right margin leaves room for the curves out of the last column.
	width = x0 + min(cols, max(n-first, 1))*(boxW+svgGapX) + svgMargin
	height = max(y-svgGapY, svgMargin+hubH) + svgMargin
	return boxes, boxW, width, height
}

// hub reports whether the first namespace is joined to at least three
// others, with more than four namespaces in all.
func (t *Topology) hub() bool {
	if len(t.Namespaces) <= 4 {
		return false
	}
	peers := map[int]bool{}
	for _, e := range t.Edges {
		switch {
		case e.A.NS == 0 && e.B.NS > 0:
			peers[e.B.NS] = true
		case e.B.NS == 0 && e.A.NS > 0:
			peers[e.A.NS] = true
		}
	}
	return len(peers) >= 3
}

// nsKind is the second line of a namespace's box.
func nsKind(n *Namespace) string {
	kind := "netns"
	switch {
	case n.Name == "" && n.Current:
		kind = "nsnet runs here"
	case n.Name == "":
		kind = "unnamed, held by a process"
	case n.Current:
		kind = "netns, nsnet runs here"
	}
	return kind + " · forwarding " + fwd(n)
}

// svgText escapes s for XML text and attributes as xml.EscapeText does:
// the five markup characters and tab, newline and carriage return become
// character references; invalid UTF-8 and characters XML cannot carry
// become U+FFFD.
func svgText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '"':
			b.WriteString("&#34;")
		case r == '\'':
			b.WriteString("&#39;")
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '\t':
			b.WriteString("&#x9;")
		case r == '\n':
			b.WriteString("&#xA;")
		case r == '\r':
			b.WriteString("&#xD;")
		case r == utf8.RuneError && size == 1 || !xmlChar(r):
			b.WriteRune('\uFFFD')
		default:
			b.WriteString(s[i-size : i])
		}
	}
	return b.String()
}

// xmlChar reports whether r is in XML 1.0's Char production.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

func px(v int) string { return strconv.Itoa(v) }

// WriteSVG writes the topology as a self-contained SVG picture: a box per
// namespace listing its links with their addresses, what joins them,
// routes and NAT objects; lines for veth pairs (solid), bridge ports
// (dashed) and lower devices (dotted); and red arrows from each NAT object
// in the direction of the traffic it rewrites (masquerade: to the
// interface it leaves by; publish: from the interface it arrives on;
// forward: both ways). The same topology always gives the same bytes.
func (t *Topology) WriteSVG(w io.Writer) error {
	boxes, boxW, width, height := t.layout()
	bw := bufio.NewWriter(w)
	bw.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	bw.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" width="` + px(width) + `" height="` + px(height) +
		`" viewBox="0 0 ` + px(width) + ` ` + px(height) + `" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="11">` + "\n")
	bw.WriteString(`<title>nsnet topology</title>
<defs>
<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#c0392b"/></marker>
</defs>
<style>
.box{fill:#f7f9fc;stroke:#34495e;stroke-width:1.2}
.cur{fill:#eef7ee}
.head{font-weight:bold;fill:#1b2631}
.sub{fill:#566573}
.link{fill:#1b2631}
.addr{fill:#1f618d}
.rel{fill:#7f8c8d}
.route{fill:#6c3483}
.nat{fill:#c0392b}
.note{fill:#b9770e}
.veth{stroke:#2e86c1;stroke-width:2;fill:none}
.port{stroke:#27ae60;stroke-width:1.5;stroke-dasharray:5,3;fill:none}
.lower{stroke:#8e44ad;stroke-width:1.5;stroke-dasharray:2,3;fill:none}
.natline{stroke:#c0392b;stroke-width:1.5;fill:none}
</style>
<rect width="100%" height="100%" fill="#ffffff"/>
`)
	// Lines between links, under the boxes: a line crossing a box hides
	// behind it (each link's row names its peer in words too).
	for _, e := range t.Edges {
		if e.A.NS < 0 || e.B.NS < 0 {
			continue // the relation row names the end outside the topology
		}
		ba, bb := &boxes[e.A.NS], &boxes[e.B.NS]
		ya, oka := ba.linkY[e.A.Index]
		yb, okb := bb.linkY[e.B.Index]
		if !oka || !okb {
			continue
		}
		cls := "lower"
		switch e.Kind {
		case "veth":
			cls = "veth"
		case "bridge", "master":
			cls = "port"
		}
		bw.WriteString(`<path class="` + cls + `" d="` + edgePath(ba, ya, bb, yb, boxW, e.A.NS == e.B.NS) + `"/>` + "\n")
	}
	for i, n := range t.Namespaces {
		b := &boxes[i]
		cls := "box"
		if n.Current {
			cls += " cur"
		}
		bw.WriteString(`<g id="ns` + px(i) + `">` + "\n")
		bw.WriteString(`<rect class="` + cls + `" x="` + px(b.x) + `" y="` + px(b.y) + `" width="` + px(boxW) + `" height="` + px(b.h) + `" rx="6"/>` + "\n")
		bw.WriteString(`<text class="head" x="` + px(b.x+8) + `" y="` + px(b.y+15) + `">` + svgText(n.Label()) + `</text>` + "\n")
		bw.WriteString(`<text class="sub" x="` + px(b.x+8) + `" y="` + px(b.y+29) + `">` + svgText(nsKind(n)) + `</text>` + "\n")
		for k, r := range b.rows {
			y := b.y + svgHeadH + k*svgLineH + svgLineH - 3
			bw.WriteString(`<text class="` + r.class + `" x="` + px(b.x+svgTextX) + `" y="` + px(y) + `" xml:space="preserve">` + svgText(r.text) + `</text>` + "\n")
		}
		bw.WriteString("</g>\n")
	}
	// NAT arrows, inside the box on its left edge.
	for i, n := range t.Namespaces {
		b := &boxes[i]
		for k, r := range b.rows {
			if r.nat == 0 {
				continue
			}
			x := &n.NAT[r.nat-1]
			ny := b.y + svgHeadH + k*svgLineH + svgLineH/2
			from, to := natTargets(x)
			for _, name := range to {
				if l := n.linkByName(name); l != nil && x.Kind != "forward" {
					bw.WriteString(natArrow(b.x+10, ny, b.linkY[l.Index], false))
				}
			}
			for _, name := range from {
				if l := n.linkByName(name); l != nil && x.Kind != "forward" {
					bw.WriteString(natArrow(b.x+10, b.linkY[l.Index], ny, false))
				}
			}
			if x.Kind == "forward" {
				la, lb := n.linkByName(x.A), n.linkByName(x.B)
				if la != nil && lb != nil {
					bw.WriteString(natArrow(b.x+15, b.linkY[la.Index], b.linkY[lb.Index], true))
				}
			}
		}
	}
	bw.WriteString("</svg>\n")
	return bw.Flush()
}

// edgePath is the path of a line from the row at ya in box a to the row
// at yb in box b: straight between boxes side by side, a curve out of the
// right edge for boxes in one column (or one box).
func edgePath(a *svgBox, ya int, b *svgBox, yb int, boxW int, same bool) string {
	switch {
	case !same && a.x < b.x:
		x1, x2 := a.x+boxW, b.x
		return curve(x1, ya, x2, yb, (x2-x1)/2, -(x2-x1)/2)
	case !same && a.x > b.x:
		x1, x2 := a.x, b.x+boxW
		return curve(x1, ya, x2, yb, -(x1-x2)/2, (x1-x2)/2)
	}
	x := a.x + boxW
	bulge := 18 + min(abs(yb-ya)/8, svgGapX-26)
	return curve(x, ya, x, yb, bulge, bulge)
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// curve is a cubic Bézier from (x1,y1) to (x2,y2) leaving horizontally by
// d1 and arriving horizontally from d2.
func curve(x1, y1, x2, y2, d1, d2 int) string {
	return "M" + px(x1) + "," + px(y1) + " C" + px(x1+d1) + "," + px(y1) + " " + px(x2+d2) + "," + px(y2) + " " + px(x2) + "," + px(y2)
}

// natArrow is a red arrow along a box's left edge from y1 to y2 (both
// ways when both).
func natArrow(x, y1, y2 int, both bool) string {
	start := ""
	if both {
		start = ` marker-start="url(#arrow)"`
	}
	return `<path class="natline" d="M` + px(x+4) + "," + px(y1) + " C" + px(x-6) + "," + px(y1) + " " + px(x-6) + "," + px(y2) + " " + px(x+4) + "," + px(y2) +
		`" marker-end="url(#arrow)"` + start + "/>\n"
}
