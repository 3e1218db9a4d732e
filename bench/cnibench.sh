#!/bin/sh
# Issue 14: CNI ADD+DEL per container, nsnet against the reference chain
# (bridge + host-local + portmap from containernetworking-plugins) on the
# same conflist, driven in-process by libcni (bin/cnidriver -bench), in a
# throw-away sandbox (new network and mount namespaces, tmpfs on /run and
# /var/lib): N = 1, 10, 100 sequential and 20 parallel.
#   NSNET=bin/nsnet DRIVER=bin/cnidriver REF=/usr/lib/cni BENCH_REPS=3 bench/cnibench.sh
set -eu
NSNET=$(realpath "${NSNET:-bin/nsnet}")
DRIVER=$(realpath "${DRIVER:-bin/cnidriver}")
REF=${REF:-/usr/lib/cni}
REPS=${BENCH_REPS:-3}
CNI_N=${CNI_N:-1 10 100}
[ -x "$REF/bridge" ] || { echo "cnibench: no reference plugins in $REF (apt-get install containernetworking-plugins)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "cnibench: needs root" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/nsnet"
for p in bridge host-local portmap loopback; do ln -s "$NSNET" "$work/nsnet/$p"; done
cat > "$work/bench.conflist" <<'JSON'
{"cniVersion": "1.0.0", "name": "bench", "plugins": [
  {"type": "bridge", "bridge": "bench0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
   "ipam": {"type": "host-local", "subnet": "10.99.0.0/16", "routes": [{"dst": "0.0.0.0/0"}]}},
  {"type": "portmap", "capabilities": {"portMappings": true}, "snat": true}]}
JSON
CAPS='{"portMappings": [{"hostPort": 8080, "containerPort": 80, "protocol": "tcp"}]}'
export NSNET DRIVER REF REPS CNI_N CAPS work
unshare --net --mount --propagation private sh -c '
set -eu
mount --make-rprivate /
mount -t tmpfs bench-run /run; mkdir -p /run/netns
mount -t tmpfs bench-var-lib /var/lib; mkdir -p /var/lib/cni
ip link set lo up
for i in $(seq 1 100); do ip netns add b$i; done
printf "plugins\tN\tparallel\ttotal_ms\tper_container_ms\n"
for rep in $(seq 1 $REPS); do
  for impl in nsnet reference; do
    dir=$work/nsnet; [ $impl = reference ] && dir=$REF
    for n in $CNI_N; do
      printf "%s\t" $impl; "$DRIVER" -conf $work/bench.conflist -path $dir -bench $n -par 1 -caps "$CAPS"
    done
    printf "%s\t" $impl; "$DRIVER" -conf $work/bench.conflist -path $dir -bench 20 -par 20 -caps "$CAPS"
  done
done
'
