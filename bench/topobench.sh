#!/usr/bin/env bash
# topobench.sh: `nsnet -j topology` against the iproute2 loop it replaces
# (`ip -n NS -j link`, `-j addr`, `-j route` in every namespace, and the
# same in the namespace it runs in), over TOPO_NS namespaces with two links
# each (lo and a veth whose other end is in the sandbox's own namespace).
# Part of `make bench`; root only; everything happens in a throw-away
# sandbox (new network and mount namespaces, tmpfs on /run).
#
# Environment (optional): TOPO_NS=100  BENCH_REPS=5  NSNET=bin/nsnet
# Prints the medians of BENCH_REPS alternating runs and their ratio.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
nsnet=$(readlink -f "${NSNET:-$root/bin/nsnet}")
((EUID == 0)) || { echo "topobench: run as root" >&2; exit 1; }
[[ -x $nsnet ]] || { echo "topobench: no nsnet binary at $nsnet (make build)" >&2; exit 1; }
command -v ip >/dev/null || { echo "topobench: needs ip (apt-get install -y iproute2)" >&2; exit 1; }

if [[ ${TOPOBENCH_INSIDE:-} != 1 ]]; then
	exec unshare --net --mount --propagation private env TOPOBENCH_INSIDE=1 NSNET="$nsnet" "$0" "$@"
fi
mount -t tmpfs topobench /run
mkdir -p /run/netns
n=${TOPO_NS:-100}
reps=${BENCH_REPS:-5}
ip link set lo up
for i in $(seq 1 "$n"); do
	ns=b$i
	ip netns add "$ns"
	ip link add "h$i" type veth peer name eth0 netns "$ns"
	ip addr add "10.$((i / 250)).$((i % 250)).1/24" dev "h$i"
	ip link set "h$i" up
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "10.$((i / 250)).$((i % 250)).2/24" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" route add default via "10.$((i / 250)).$((i % 250)).1"
done

now() { date +%s%N; }
ip_loop() {
	ip -j link >/dev/null; ip -j addr >/dev/null; ip -j route >/dev/null
	for ns in $(ls /run/netns); do
		ip -n "$ns" -j link >/dev/null
		ip -n "$ns" -j addr >/dev/null
		ip -n "$ns" -j route >/dev/null
	done
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# One warm-up of each, then alternate.
ip_loop; "$nsnet" -j topology >/dev/null
nsnet_t=(); ip_t=()
for r in $(seq 1 "$reps"); do
	t0=$(now); "$nsnet" -j topology >/dev/null; t1=$(now)
	nsnet_t+=($(((t1 - t0) / 1000)))
	t0=$(now); ip_loop; t1=$(now)
	ip_t+=($(((t1 - t0) / 1000)))
done
nm=$(printf '%s\n' "${nsnet_t[@]}" | median)
im=$(printf '%s\n' "${ip_t[@]}" | median)
links=$("$nsnet" -j topology | grep -o '"ifindex"' | wc -l)
echo "## topology: $n namespaces + the sandbox's, $reps runs each, medians"
echo
echo "| command | ms (median) | runs (ms) |"
echo "|---|---:|---|"
echo "| \`nsnet -j topology\` | $((nm / 1000)).$(printf %03d $((nm % 1000))) | $(printf '%s ' "${nsnet_t[@]}" | awk '{for(i=1;i<=NF;i++) printf "%.1f ", $i/1000}') |"
echo "| \`ip -n NS -j link/addr/route\` loop ($((3 * (n + 1))) ip runs) | $((im / 1000)).$(printf %03d $((im % 1000))) | $(printf '%s ' "${ip_t[@]}" | awk '{for(i=1;i<=NF;i++) printf "%.1f ", $i/1000}') |"
echo
awk -v a="$nm" -v b="$im" -v l="$links" 'BEGIN {printf "ratio nsnet / ip loop: %.3f (target <= 0.5); the JSON lists %d ifindex entries (links and edge ends)\n", a / b, l}'
