#!/usr/bin/env bash
# idlecycles.sh N REPS IMPL...: setup and teardown of the nsbench workload at
# N namespaces, REPS cycles of each IMPL, for measurements the shared
# harness's order would bias: the implementations take turns in a rotated
# order, and each timed phase starts only once the machine's CPUs have been
# 95 % idle for 0.3 s (the kernel frees the previous cycle's namespaces in
# the background for up to seconds after a teardown, and that work lands
# on whatever runs next). Prints one line per phase:
#   IMPL PHASE WALL_MS USER_S SYS_S MAXRSS_KB
# IMPL: peer (../shared/bench/peer-go/peer-go), batch, batch-il (nsnet
# -batch of the grouped or interleaved file), up, up-il (nsnet up, then
# down, of the same files), old, old-il (-batch with $OLD).
# Environment: NSNET (default bin/nsnet), OLD, PEER; the workload files are
# written to a temporary folder with nsnet-adapter.sh --write.
# Run it only inside a sandbox whose /run is a tmpfs, with an uplink up0:
#   unshare --net --mount --propagation private bash -c 'mount -t tmpfs x /run;
#     mkdir /run/netns; ip link add up0 type veth peer name up0p; ip link set up0 up;
#     bench/idlecycles.sh 100 8 peer batch batch-il up up-il'
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
(($# >= 3)) || { sed -n '2,19s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 2; }
n=$1 reps=$2
shift 2
impls=("$@")
nsnet=${NSNET:-$here/../bin/nsnet} old=${OLD:-} peer=${PEER:-$here/../../shared/bench/peer-go/peer-go}
[[ $(findmnt -no FSTYPE /run) == tmpfs ]] || { echo "idlecycles: /run is not a tmpfs: run it in a sandbox" >&2; exit 1; }
wl=$(mktemp -d /run/idlecycles.XXXXXX)
for o in grouped interleaved; do
	for op in setup teardown; do "$here/nsnet-adapter.sh" --order "$o" --write "$wl" "$op" "$n"; done
done

# wait_idle: until the CPUs are 95 % idle over 0.3 s (at most 30 s, then it
# says so and the cycle goes on).
wait_idle() {
	local i a b
	for i in $(seq 100); do
		read -ra a </proc/stat
		sleep 0.3
		read -ra b </proc/stat
		local tot=0 idle=$((b[4] + b[5] - a[4] - a[5])) k
		for k in 1 2 3 4 5 6 7; do tot=$((tot + b[k] - a[k])); done
		((tot > 0 && idle * 100 >= tot * 95)) && return 0
	done
	echo "idlecycles: the machine did not go idle in 30 s; going on" >&2
}

for ((r = 0; r < reps; r++)); do
	for ((k = 0; k < ${#impls[@]}; k++)); do
		impl=${impls[$(((k + r) % ${#impls[@]}))]} order=grouped base=${impls[$(((k + r) % ${#impls[@]}))]}
		[[ $base == *-il ]] && order=interleaved base=${base%-il}
		while ip -o link show | grep -q ' h[0-9]*@'; do sleep 0.05; done
		for op in setup teardown; do
			case $base in
			peer) cmd=("$peer" "$op" "$n") ;;
			up) cmd=("$nsnet" "$([[ $op == setup ]] && echo up || echo down)" "$wl/setup-$n-$order.batch") ;;
			batch) cmd=("$nsnet" -batch "$wl/$op-$n-$order.batch") ;;
			old) cmd=("$old" -batch "$wl/$op-$n-$order.batch") ;;
			*) echo "idlecycles: unknown implementation $impl" >&2; exit 2 ;;
			esac
			wait_idle
			t0=$(date +%s%N)
			/usr/bin/time -o "$wl/time" -f '%U %S %M' "${cmd[@]}" >/dev/null 2>"$wl/err" ||
				{ echo "idlecycles: $impl $op failed:" >&2; cat "$wl/err" >&2; exit 1; }
			t1=$(date +%s%N)
			echo "$impl $op $(((t1 - t0) / 1000000)) $(cat "$wl/time")"
		done
	done
done
rm -rf "$wl"
