#!/bin/sh
# nsnet under a real container runtime: Podman 4 with its CNI backend, in a
# throw-away sandbox (new network and mount namespaces; tmpfs on /run and
# /var/lib, an overlay on /etc), with nsnet symlinked as bridge, portmap,
# host-local and loopback in the only plugin directory Podman may use.
# Not part of `make test` (it needs podman, crun and busybox-static:
# apt-get install podman busybox-static); docs/CNI.md shows its output.
#   sh tests/podman_cni.sh [path/to/nsnet]
set -eu
NSNET=$(realpath "${1:-bin/nsnet}")
for c in podman crun busybox; do
	command -v $c >/dev/null || { echo "podman_cni: $c missing (apt-get install podman busybox-static)" >&2; exit 1; }
done
PLUGINS=$(mktemp -d)
trap 'rm -rf "$PLUGINS"' EXIT
for p in bridge portmap host-local loopback; do ln -s "$NSNET" "$PLUGINS/$p"; done
export PLUGINS
unshare --net --mount --propagation private sh -c '
set -e
mount --make-rprivate /
mount -t tmpfs sb-run /run
mkdir -p /run/netns /run/.etc/up /run/.etc/work
mount -t overlay sb-etc -o lowerdir=/etc,upperdir=/run/.etc/up,workdir=/run/.etc/work /etc
mount -t tmpfs sb-var-lib /var/lib
mkdir -p /var/lib/cni /var/lib/containers /etc/containers /etc/cni/net.d
ip link set lo up
# crun refuses hybrid cgroup hierarchies; this mount namespace drops the v2 part.
umount /sys/fs/cgroup/unified 2>/dev/null || true
rm -f /etc/cni/net.d/*
cat > /etc/containers/containers.conf <<C
[network]
network_backend = "cni"
cni_plugin_dirs = ["$PLUGINS"]
network_config_dir = "/etc/cni/net.d"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "crun"
C
cat > /etc/containers/storage.conf <<C
[storage]
driver = "vfs"
graphroot = "/var/lib/containers/storage"
runroot = "/run/containers/storage"
C
cat > /etc/cni/net.d/nsnettest.conflist <<C
{"cniVersion": "1.0.0", "name": "nsnettest", "plugins": [
  {"type": "bridge", "bridge": "cni-nsnet0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
   "ipam": {"type": "host-local", "routes": [{"dst": "0.0.0.0/0"}], "ranges": [[{"subnet": "10.89.0.0/24", "gateway": "10.89.0.1"}]]}},
  {"type": "portmap", "capabilities": {"portMappings": true}}]}
C
R=$(mktemp -d); mkdir -p $R/bin; cp "$(command -v busybox)" $R/bin/; for a in sh ip ping httpd echo; do ln -s busybox $R/bin/$a; done
tar -C $R -c . | podman import -q - localhost/bb >/dev/null
RUN="podman run --ulimit nofile=20000:20000 --ulimit nproc=4096:4096 --cgroups=disabled --network nsnettest"
echo "\$ podman run --network nsnettest bb sh -c \"ip -4 addr show eth0; ip route; ping -c1 10.89.0.1\""
$RUN --cap-add NET_RAW --rm localhost/bb sh -c "ip -4 addr show eth0; ip route; ping -c1 -W2 10.89.0.1 | grep received"
echo "\$ podman run -d --name web --network nsnettest -p 8080:80 bb httpd; wget 10.89.0.1:8080 and 127.0.0.1:8080"
$RUN -d --name web -p 8080:80 localhost/bb sh -c "echo hello-from-container > /i.html; exec httpd -f -p 80 -h /" >/dev/null
sleep 1
busybox wget -q -O - http://10.89.0.1:8080/i.html
busybox wget -q -O - http://127.0.0.1:8080/i.html
echo "reservations: $(ls /var/lib/cni/networks/nsnettest | grep "^10" | tr "\n" " ")"
echo "NAT attachments: $(nft list ruleset | grep -o "attachment [^ ]* eth0" | sort -u | wc -l)"
echo "\$ podman rm -f -t 0 web"
podman rm -f -t 0 web >/dev/null
echo "left: $(ls /var/lib/cni/networks/nsnettest | grep -c "^10" || true) reservations, $(nft list ruleset | grep -c attachment || true) NAT rules, $(ip -o link | grep -c veth || true) veths, $(ls /run/netns | wc -l) netns"
'
