#!/usr/bin/env bash
# idleratio.sh FILE NUM/DEN...: summarize idlecycles.sh's output.
# For each implementation and phase: the median wall time (ms), user and
# system CPU (s) and peak RSS (KB) over the cycles. Then, for each pair
# NUM/DEN (e.g. batch/peer, up/batch), the ratio of the two wall times
# within each cycle, and its median over the cycles, for setup and for
# teardown. Both ran in the same rotation of the same cycle, so a drift
# of the machine between cycles moves both and leaves the ratio; the
# median of those ratios is what the targets are judged on.
#   bench/idleratio.sh run.txt batch/peer batch-il/peer up/batch up-il/batch-il
set -euo pipefail
(($# >= 1)) || { sed -n '2,11s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 2; }
file=$1
shift
awk -v pairs="$*" '
BEGIN { cycle = 0 }
function median(list,   a, n, i, j, t) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
NF == 6 && ($2 == "setup" || $2 == "teardown") {
	k = $1 " " $2
	if (!(k in wall)) order[++nk] = k
	wall[k] = wall[k] " " $3; usr[k] = usr[k] " " $4; sys[k] = sys[k] " " $5; rss[k] = rss[k] " " $6
	# a cycle is over when an implementation comes back
	if ($2 == "setup" && seen[$1] == cycle + 1) cycle++
	seen[$1] = cycle + 1
	at[cycle, $1, $2] = $3
}
END {
	printf "%-22s %9s %8s %8s %9s  %s\n", "implementation phase", "wall ms", "user s", "sys s", "RSS KB", "cycles"
	for (i = 1; i <= nk; i++) {
		k = order[i]
		printf "%-22s %9.1f %8.3f %8.3f %9d  %d\n", k, median(wall[k]), median(usr[k]), median(sys[k]), median(rss[k]), split(wall[k], x, " ")
	}
	np = split(pairs, p, " ")
	for (i = 1; i <= np; i++) {
		split(p[i], nd, "/")
		for (ph = 1; ph <= 2; ph++) {
			phase = ph == 1 ? "setup" : "teardown"
			list = ""
			for (c = 0; c <= cycle; c++)
				if (at[c, nd[1], phase] != "" && at[c, nd[2], phase] > 0)
					list = list " " sprintf("%.3f", at[c, nd[1], phase] / at[c, nd[2], phase])
			if (list == "") continue
			printf "%-22s %-8s median %.2f  cycles:%s\n", p[i], phase, median(list), list
		}
	}
}' "$file"
