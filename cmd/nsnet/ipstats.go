package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/nsnet/nsnet/rtnl"
)

// statsTable writes a link's counters as ip's print_stats64 does: one
// RX and one TX table, each with an errors table under -s -s (level 2),
// the columns as wide as their widest number (or numbers with k, M, G
// suffixes under -human).
func statsTable(b *strings.Builder, s *rtnl.LinkStats, carrierChanges *uint32, level int, human, iec bool) {
	cols := []int{len("*X errors:"), len("packets"), len("errors"), len("dropped"), len("heartbt"),
		len("overrun"), len("compressed"), len("otherhost")}
	size := func(vals ...uint64) {
		if !human {
			widen(cols, vals)
		}
	}
	var cc uint64
	if carrierChanges != nil {
		cc = uint64(*carrierChanges)
	}
	size(s.RxBytes, s.RxPackets, s.RxErrors, s.RxDropped, s.RxMissedErrors, s.Multicast, s.RxCompressed, 0)
	if level > 1 {
		size(0, s.RxLengthErrors, s.RxCRCErrors, s.RxFrameErrors, s.RxFIFOErrors, s.RxOverErrors,
			s.RxNoHandler, s.RxOtherhostDropped)
	}
	size(s.TxBytes, s.TxPackets, s.TxErrors, s.TxDropped, s.TxCarrierErrors, s.Collisions, s.TxCompressed, 0)
	if level > 1 {
		size(0, 0, s.TxAbortedErrors, s.TxFIFOErrors, s.TxWindowErrors, s.TxHeartbeatErrors, cc, 0)
	}
	num := func(w int, v uint64) { writeHumanNum(b, w, v, human, iec) }
	cond := func(ok bool, s string) string {
		if ok {
			return s
		}
		return ""
	}
	fmt.Fprintf(b, "    RX: %*s %*s %*s %*s %*s %*s %*s\n", cols[0]-4, "bytes", cols[1], "packets",
		cols[2], "errors", cols[3], "dropped", cols[4], "missed", cols[5], "mcast",
		cols[6], cond(s.RxCompressed != 0, "compressed"))
	b.WriteString("    ")
	for i, v := range []uint64{s.RxBytes, s.RxPackets, s.RxErrors, s.RxDropped, s.RxMissedErrors, s.Multicast} {
		num(cols[i], v)
	}
	if s.RxCompressed != 0 {
		num(cols[6], s.RxCompressed)
	}
	if level > 1 {
		b.WriteString("\n")
		w6, w7 := 0, 0
		if s.RxNoHandler != 0 {
			w6 = cols[6] + 1
		}
		if s.RxOtherhostDropped != 0 {
			w7 = cols[7] + 1
		}
		fmt.Fprintf(b, "    RX errors:%*s %*s %*s %*s %*s %*s%*s%*s\n", cols[0]-10, "", cols[1], "length",
			cols[2], "crc", cols[3], "frame", cols[4], "fifo", cols[5], "overrun",
			w6, cond(s.RxNoHandler != 0, " nohandler"), w7, cond(s.RxOtherhostDropped != 0, " otherhost"))
		fmt.Fprintf(b, "%*s", cols[0]+5, "")
		for i, v := range []uint64{s.RxLengthErrors, s.RxCRCErrors, s.RxFrameErrors, s.RxFIFOErrors, s.RxOverErrors} {
			num(cols[i+1], v)
		}
		if s.RxNoHandler != 0 {
			num(cols[6], s.RxNoHandler)
		}
		if s.RxOtherhostDropped != 0 {
			num(cols[7], s.RxOtherhostDropped)
		}
	}
	b.WriteString("\n")
	fmt.Fprintf(b, "    TX: %*s %*s %*s %*s %*s %*s %*s\n", cols[0]-4, "bytes", cols[1], "packets",
		cols[2], "errors", cols[3], "dropped", cols[4], "carrier", cols[5], "collsns",
		cols[6], cond(s.TxCompressed != 0, "compressed"))
	b.WriteString("    ")
	for i, v := range []uint64{s.TxBytes, s.TxPackets, s.TxErrors, s.TxDropped, s.TxCarrierErrors, s.Collisions} {
		num(cols[i], v)
	}
	if s.TxCompressed != 0 {
		num(cols[6], s.TxCompressed)
	}
	if level > 1 {
		b.WriteString("\n")
		fmt.Fprintf(b, "    TX errors:%*s %*s %*s %*s %*s %*s\n", cols[0]-10, "", cols[1], "aborted",
			cols[2], "fifo", cols[3], "window", cols[4], "heartbt", cols[5], cond(carrierChanges != nil, "transns"))
		fmt.Fprintf(b, "%*s", cols[0]+5, "")
		for i, v := range []uint64{s.TxAbortedErrors, s.TxFIFOErrors, s.TxWindowErrors, s.TxHeartbeatErrors} {
			num(cols[i+1], v)
		}
		if carrierChanges != nil {
			num(cols[5], cc)
		}
	}
	b.WriteString("\n")
}

// widen makes each column at least as wide as its number.
//
//go:noinline
func widen(cols []int, vals []uint64) {
	for i, v := range vals {
		cols[i] = max(cols[i], len(strconv.FormatUint(v, 10)))
	}
}

// writeHumanNum writes humanNum's text; out of line, as statsTable has
// twenty calls.
//
//go:noinline
func writeHumanNum(b *strings.Builder, width int, count uint64, human, iec bool) {
	b.WriteString(humanNum(width, count, human, iec))
}

// humanNum is ip's print_num: count right-aligned in width, with a k, M,
// G... suffix under -human (powers of 1024 and "Ki" under -iec), and a
// space after.
func humanNum(width int, count uint64, human, iec bool) string {
	base := uint64(1000)
	if iec {
		base = 1024
	}
	if !human || count < base {
		return fmt.Sprintf("%*d ", width, count)
	}
	prefix := "kMGTPE"
	powi := uint64(1)
	for {
		powi *= base
		if count/base < powi || len(prefix) == 1 {
			break
		}
		prefix = prefix[1:]
	}
	precision := 2
	powj := uint64(1)
	for ; precision > 0; precision-- {
		powj *= 10
		if count/powi < powj {
			break
		}
	}
	suffix := ""
	if iec {
		suffix = "i"
	}
	buf := fmt.Sprintf("%.*f%c%s", precision, float64(count)/float64(powi), prefix[0], suffix)
	return fmt.Sprintf("%*s ", width, buf)
}

// statsJSONExtra writes what ip adds to the "rx" (rx) or "tx" object:
// compressed when not zero, and the error counters under -s -s.
func statsJSONExtra(w *jsonWriter, level int, rx bool, s *rtnl.LinkStats, cc *uint32) {
	kv := w.keyUint
	if rx {
		if s.RxCompressed != 0 {
			kv("compressed", s.RxCompressed)
		}
		if level > 1 {
			kv("length_errors", s.RxLengthErrors)
			kv("crc_errors", s.RxCRCErrors)
			kv("frame_errors", s.RxFrameErrors)
			kv("fifo_errors", s.RxFIFOErrors)
			kv("missed_errors", s.RxMissedErrors)
			if s.RxNoHandler != 0 {
				kv("nohandler", s.RxNoHandler)
			}
			if s.RxOtherhostDropped != 0 {
				kv("otherhost", s.RxOtherhostDropped)
			}
		}
		return
	}
	if s.TxCompressed != 0 {
		kv("compressed", s.TxCompressed)
	}
	if level > 1 {
		kv("aborted_errors", s.TxAbortedErrors)
		kv("fifo_errors", s.TxFIFOErrors)
		kv("window_errors", s.TxWindowErrors)
		kv("heartbeat_errors", s.TxHeartbeatErrors)
		if cc != nil {
			kv("carrier_changes", uint64(*cc))
		}
	}
}

// keyUint writes the member k with the number v; out of line for the
// cold printers (the listings' own calls to key and uint stay inlined).
//
//go:noinline
func (w *jsonWriter) keyUint(k string, v uint64) {
	w.key(k)
	w.uint(v)
}
