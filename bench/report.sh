#!/usr/bin/env bash
# report.sh RAW.tsv [SVG]: from a run.sh raw file, print a markdown table of
# nsnet's medians and its ratios to each peer (median total wall, setup +
# teardown, over the cycles that passed both checks), and optionally write a
# hand-made SVG plot of per-namespace cost (median total / N) against N,
# both axes logarithmic, one line per implementation.
set -euo pipefail
(($# == 1 || $# == 2)) || { sed -n '2,6s/^# \{0,1\}//p' "$0"; exit 2; }
awk -F'\t' -v svg="${2:-}" '
function med(list,   a, k, i, j, t) {
	k = split(list, a, " ")
	for (i = 1; i <= k; i++) a[i] += 0
	for (i = 2; i <= k; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
	return (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
}
function add(k, v) { L[k] = (k in L) ? L[k] " " v : v }
function lg(x) { return log(x) / log(10) }
NR == 1 { next }
{
	if (!($1 in si)) { si[$1] = 1; impl[++ni] = $1 }
	if (!($2 in sn)) { sn[$2] = 1; ns[++nn] = $2 + 0 }
	k = $1 SUBSEP $2 SUBSEP $3
	if ($4 == "setup") { okS[k] = ($5 == 0 && $6 == "ok"); W[k] = $7; U[k] = $8; Y[k] = $9; R[k] = $10 }
	else if (k in okS && okS[k] && $5 == 0 && $6 == "ok") {
		g = $1 SUBSEP $2
		add("W" g, W[k] + $7); add("U" g, U[k] + $8); add("Y" g, Y[k] + $9)
		add("R" g, (R[k] + 0 > $10 + 0) ? R[k] : $10)
	}
}
END {
	for (i = 2; i <= nn; i++) { t = ns[i]; for (j = i - 1; j >= 1 && ns[j] > t; j--) ns[j + 1] = ns[j]; ns[j + 1] = t }
	for (x = 1; x <= ni; x++) for (y = 1; y <= nn; y++) {
		g = impl[x] SUBSEP ns[y]
		if (("W" g) in L) { tot[g] = med(L["W" g]); per[g] = tot[g] * 1000 / ns[y] }
	}
	hdr = "| impl | N | total ms | per-ns ms | user ms | sys ms | user % | peak RSS MiB |"
	for (x = 1; x <= ni; x++) if (impl[x] !~ /^nsnet/) hdr = hdr " vs " impl[x] " |"
	print hdr; sep = "|---|---:|---:|---:|---:|---:|---:|---:|"
	for (x = 1; x <= ni; x++) if (impl[x] !~ /^nsnet/) sep = sep "---:|"
	print sep
	for (y = 1; y <= nn; y++) for (x = 1; x <= ni; x++) {
		g = impl[x] SUBSEP ns[y]
		if (!(g in tot)) continue
		u = med(L["U" g]); s = med(L["Y" g])
		line = sprintf("| %s | %d | %.0f | %.2f | %.0f | %.0f | %.0f | %.1f |", impl[x], ns[y], tot[g] * 1000, per[g],
			u * 1000, s * 1000, tot[g] > 0 ? 100 * u / tot[g] : 0, med(L["R" g]) / 1024)
		for (z = 1; z <= ni; z++) if (impl[z] !~ /^nsnet/) {
			r = impl[z] SUBSEP ns[y]
			line = line ((impl[x] ~ /^nsnet/ && r in tot && tot[r] > 0) ? sprintf(" %.2fx |", tot[g] / tot[r]) : " |")
		}
		print line
	}
	if (svg == "") exit
	# Plot: x = log10 N, y = log10 per-ns ms, whole decades.
	lo = 1e9; hi = 0
	for (g in per) { if (per[g] < lo) lo = per[g]; if (per[g] > hi) hi = per[g] }
	y0 = int(lg(lo)); if (lg(lo) < y0) y0--; y1 = int(lg(hi)); if (lg(hi) > y1) y1++; if (y1 == y0) y1++
	x0 = lg(ns[1]); x1 = lg(ns[nn]); if (x1 == x0) x1 = x0 + 1
	Lm = 70; Tm = 40; Pw = 460; Ph = 300
	split("#d62728 #ff7f0e #1f77b4 #9467bd #2ca02c #8c564b #e377c2 #17becf", col, " ")
	printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"720\" height=\"400\" font-family=\"sans-serif\" font-size=\"12\">\n" > svg
	printf "<rect width=\"720\" height=\"400\" fill=\"white\"/>\n" > svg
	printf "<text x=\"%d\" y=\"22\" font-size=\"14\">Setup + teardown per namespace (median, ms) against N</text>\n", Lm > svg
	for (d = y0; d <= y1; d++) {
		py = Tm + Ph - (d - y0) / (y1 - y0) * Ph
		printf "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", Lm, py, Lm + Pw, py > svg
		printf "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", Lm - 6, py + 4, (10 ^ d) "" > svg
	}
	for (y = 1; y <= nn; y++) {
		px = Lm + (lg(ns[y]) - x0) / (x1 - x0) * Pw
		printf "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>\n", px, Tm, px, Tm + Ph > svg
		printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>\n", px, Tm + Ph + 16, ns[y] > svg
	}
	printf "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#444\"/>\n", Lm, Tm, Pw, Ph > svg
	printf "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">N (namespaces, log scale)</text>\n", Lm + Pw / 2, Tm + Ph + 36 > svg
	printf "<text transform=\"translate(18 %d) rotate(-90)\" text-anchor=\"middle\">ms per namespace (log scale)</text>\n", Tm + Ph / 2 > svg
	for (x = 1; x <= ni; x++) {
		c = col[(x - 1) % 8 + 1]; pts = ""; dash = (impl[x] ~ /^nsnet/) ? "" : " stroke-dasharray=\"5 3\""
		for (y = 1; y <= nn; y++) {
			g = impl[x] SUBSEP ns[y]
			if (!(g in per)) continue
			px = Lm + (lg(ns[y]) - x0) / (x1 - x0) * Pw; py = Tm + Ph - (lg(per[g]) - y0) / (y1 - y0) * Ph
			pts = pts sprintf("%.1f,%.1f ", px, py)
			printf "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%s N=%d: %.2f ms/ns</title></circle>\n", px, py, c, impl[x], ns[y], per[g] > svg
		}
		printf "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"%s/>\n", pts, c, (impl[x] ~ /^nsnet/) ? 2.5 : 1.5, dash > svg
		ly = Tm + 10 + (x - 1) * 20
		printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s/>\n", Lm + Pw + 15, ly, Lm + Pw + 40, ly, c, dash > svg
		printf "<text x=\"%d\" y=\"%d\">%s</text>\n", Lm + Pw + 46, ly + 4, impl[x] > svg
	}
	print "</svg>" > svg
}' "$1"
