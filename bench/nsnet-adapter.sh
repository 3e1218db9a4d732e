#!/usr/bin/env bash
# nsnet-adapter.sh: the nsbench workload (../shared/bench/lib/workload.sh),
# built and torn down with nsnet, for ../shared/bench/run.sh --impl.
#
#   nsnet-adapter.sh [--mode proc|batch|up] [--order grouped|interleaved]
#                    [--nsnet PATH] [--write DIR] setup|teardown N
#
# --mode batch (default): print the whole workload with one awk into a batch
#              file and exec one `nsnet -batch -` on it (per-line -n nsI)
# --mode up  : the same file, applied with `nsnet up FILE` and removed with
#              `nsnet down FILE` (the journal on a tmpfs mounted over
#              /run/nsnet inside the harness's sandbox; the file is kept in
#              /run/nsnet/bench between the two phases)
# --mode proc : one nsnet process per step, like iproute2-proc.sh --mode n
# --order grouped (default): every namespace's lines, then ip_forward, the
#              masquerade and all `nat forward add` lines together;
#         interleaved: ip_forward and the masquerade first, then each
#              namespace's lines followed by its own `nat forward add`, as a
#              person writes such a file (batch and up modes)
# --nsnet PATH: the binary (default: bin/nsnet next to this folder)
# --write DIR: write the batch file of OP N ORDER to DIR/OP-N-ORDER.batch and
#              exit; `make bench` writes every file before it starts timing
#              and runs `nsnet -batch FILE` as the template itself (no shell
#              and no awk in the timed command, as the Go peer has none)
# Per namespace I: netns add nsI; link add hI type veth peer name eth0 netns
# nsI; /30 addresses from 10.200.0.0/16; hI, lo, eth0 up; default route via
# hI's address. Then ip_forward=1, masquerade 10.200.0.0/16 and one
# `nat forward add up0 hI` per namespace (nsnet makes both directions).
# Teardown: netns del nsI for each I (never -all: nsbench-ext is the
# harness's), then `nat flush` (deletes table inet nsnet). Run it only inside
# the harness's sandbox: it changes the network namespace it runs in.
set -euo pipefail

usage() { sed -n '2,22s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 2; }

mode=batch order=grouped write=''
nsnet=$(dirname "${BASH_SOURCE[0]}")/../bin/nsnet
while (($#)); do
	case $1 in
	--mode) mode=$2; shift 2 ;;
	--nsnet) nsnet=$2; shift 2 ;;
	--order) order=$2; shift 2 ;;
	--write) write=$2; shift 2 ;;
	-h | --help) usage ;;
	*) break ;;
	esac
done
(($# == 2)) || usage
op=$1 n=$2
[[ $mode == proc || $mode == batch || $mode == up ]] || usage
[[ $order == grouped || $order == interleaved ]] || usage
[[ $op == setup || $op == teardown ]] || usage
[[ $n =~ ^[0-9]+$ ]] && ((n >= 1 && n <= 16384)) || { echo "N must be in 1..16384, got '$n'" >&2; exit 2; }

# workload OP N ORDER: the batch file of one phase on stdout.
workload() {
	awk -v op="$1" -v n="$2" -v order="$3" 'BEGIN {
		if (op == "teardown") {
			for (i = 0; i < n; i++) printf "netns del ns%d\n", i
			print "nat flush"
			exit
		}
		il = order == "interleaved"
		if (il) { print "sysctl -w net.ipv4.ip_forward=1"; print "nat masquerade add 10.200.0.0/16" }
		for (i = 0; i < n; i++) {
			b = i * 4; x = int(b / 256); y = b % 256
			printf "netns add ns%d\nlink add h%d type veth peer name eth0 netns ns%d\n", i, i, i
			printf "addr add 10.200.%d.%d/30 dev h%d\nlink set h%d up\n", x, y + 1, i, i
			printf "-n ns%d addr add 10.200.%d.%d/30 dev eth0\n", i, x, y + 2
			printf "-n ns%d link set lo up\n-n ns%d link set eth0 up\n", i, i
			printf "-n ns%d route add default via 10.200.%d.%d dev eth0\n", i, x, y + 1
			if (il) printf "nat forward add up0 h%d\n", i
		}
		if (il) exit
		print "sysctl -w net.ipv4.ip_forward=1"
		print "nat masquerade add 10.200.0.0/16"
		for (i = 0; i < n; i++) printf "nat forward add up0 h%d\n", i
	}'
}

if [[ -n $write ]]; then
	workload "$op" "$n" "$order" >"$write/$op-$n-$order.batch"
	exit 0
fi

if [[ $mode == batch ]]; then
	f=$(mktemp /tmp/nsnet-bench.XXXXXX)
	workload "$op" "$n" "$order" >"$f"
	exec <"$f"
	rm -f "$f"
	exec "$nsnet" -batch -
fi

if [[ $mode == up ]]; then
	# The sandbox's mount namespace is private: this tmpfs (and the journal
	# and file in it) lives only as long as the cycle's sandbox.
	f=/run/nsnet/bench/workload
	if [[ $op == setup ]]; then
		mkdir -p /run/nsnet
		mount -t tmpfs nsnet-bench /run/nsnet
		mkdir -p /run/nsnet/bench
		workload setup "$n" "$order" >"$f"
		exec "$nsnet" up "$f"
	fi
	exec "$nsnet" down "$f"
fi

# --mode proc
if [[ $op == teardown ]]; then
	for ((i = 0; i < n; i++)); do "$nsnet" netns del "ns$i"; done
	exec "$nsnet" nat flush
fi
for ((i = 0; i < n; i++)); do
	b=$((i * 4))
	h=10.200.$((b / 256)).$((b % 256 + 1)) s=10.200.$((b / 256)).$((b % 256 + 2))
	"$nsnet" netns add "ns$i"
	"$nsnet" link add "h$i" type veth peer name eth0 netns "ns$i"
	"$nsnet" addr add "$h/30" dev "h$i"
	"$nsnet" link set "h$i" up
	"$nsnet" -n "ns$i" addr add "$s/30" dev eth0
	"$nsnet" -n "ns$i" link set lo up
	"$nsnet" -n "ns$i" link set eth0 up
	"$nsnet" -n "ns$i" route add default via "$h" dev eth0
done
"$nsnet" sysctl -w net.ipv4.ip_forward=1
"$nsnet" nat masquerade add 10.200.0.0/16
for ((i = 0; i < n; i++)); do "$nsnet" nat forward add up0 "h$i"; done
