#!/usr/bin/env bash
# bench.sh: `make bench`. Runs the shared nsbench harness (../shared/bench,
# called in place, never copied) with nsnet in both modes next to the peers,
# then the listing benchmark and the size table, and writes a ratio table and
# the per-namespace plot. Root only; every change happens in the harness's
# sandboxes. Not part of `make test` or CI.
#
# Environment (all optional):
#   BENCH_N="1 10 100 1000"  namespace counts (add 10000 for the large run:
#                            BENCH_N="100 1000 10000" BENCH_ONLY=go,batch-n,nsnet-batch,nsnet-batch-il)
#   BENCH_REPS=5             cycles each
#   BENCH_ONLY=LIST          implementations (default: the 5 peers + nsnet-proc,
#                            nsnet-batch, nsnet-batch-il, nsnet-up, nsnet-up-il)
# nsnet-batch is the workload's file grouped (all namespaces' lines, then the
# nat lines); nsnet-batch-il interleaved (each namespace's `nat forward add`
# right after its lines); nsnet-up/-il the same files through `nsnet up`/`down`.
# The files are written to $BENCH_OUT/workload before the first timed cycle.
#   BENCH_LIST=1             0 skips listbench.sh  BENCH_LINKS="1000 10000"
#   BENCH_DIR=../shared/bench  NSNET=bin/nsnet   BENCH_OUT=/tmp/nsnet-bench/<date>
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
dir=${BENCH_DIR:-$root/../shared/bench}
nsnet=$(readlink -f "${NSNET:-$root/bin/nsnet}")
out=${BENCH_OUT:-/tmp/nsnet-bench/$(date +%Y%m%d-%H%M%S)}
only=${BENCH_ONLY:-proc-exec,proc-n,batch-exec,batch-n,go,nsnet-proc,nsnet-batch,nsnet-batch-il,nsnet-up,nsnet-up-il}

((EUID == 0)) || { echo "bench: run as root" >&2; exit 1; }
[[ -x $dir/run.sh ]] || { echo "bench: no harness at $dir (shared/ beside the checkout)" >&2; exit 1; }
[[ -x $nsnet ]] || { echo "bench: no nsnet binary at $nsnet (make build)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "bench: needs /usr/bin/time (apt-get install -y time)" >&2; exit 1; }
mkdir -p "$out"

adapter="$here/nsnet-adapter.sh --nsnet $nsnet"
# The batch files are written here before timing starts: the timed command
# of -batch is nsnet itself, and that of up/down one dash process (the
# journal's tmpfs), as the Go peer's is the peer itself.
wl=$out/workload
mkdir -p "$wl"
for n in ${BENCH_N:-1 10 100 1000}; do
	for order in grouped interleaved; do
		for op in setup teardown; do
			"$here/nsnet-adapter.sh" --order "$order" --write "$wl" "$op" "$n"
		done
	done
done
"$dir/run.sh" --out "$out/run" --only "$only" --n "${BENCH_N:-1 10 100 1000}" --reps "${BENCH_REPS:-5}" \
	--impl "nsnet-proc=$adapter --mode proc {op} {n}" \
	--impl "nsnet-batch=$nsnet -batch $wl/{op}-{n}-grouped.batch" \
	--impl "nsnet-batch-il=$nsnet -batch $wl/{op}-{n}-interleaved.batch" \
	--impl "nsnet-up=$here/nsnet-up.sh $nsnet {op} $wl/setup-{n}-grouped.batch" \
	--impl "nsnet-up-il=$here/nsnet-up.sh $nsnet {op} $wl/setup-{n}-interleaved.batch"
"$here/report.sh" "$out/run/raw.tsv" "$out/bench-per-ns.svg" | tee "$out/ratios.md"

if [[ ${BENCH_LIST:-1} != 0 ]]; then
	"$dir/listbench.sh" --out "$out/list" --links "${BENCH_LINKS:-1000 10000}" --reps "${BENCH_REPS:-5}" \
		--cmd "nsnet-link=$nsnet -j link show" --cmd "nsnet-addr=$nsnet -j addr show"
fi
"$dir/sizes.sh" --bin "nsnet=$nsnet" | tee "$out/sizes.md"
echo "bench: results in $out (plot: $out/bench-per-ns.svg)"
