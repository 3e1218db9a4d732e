#!/bin/sh
# The programs the integration tests use as independent oracles, and their
# packages on Debian/Ubuntu (apt-get), Fedora (dnf) and Alpine (apk).
#
# `make test` runs this first. As root it installs what is missing with the
# system's package manager and says so; otherwise, or where there is no known
# package manager, it stops at once with one line naming what to install.
# nsnet itself needs none of these programs: only its tests do.
#
# Usage: tests/oracles.sh [--check]   (--check: report only, install nothing)
set -u

# command  debian-package  fedora-package  alpine-package
# (a path stands for a program outside PATH: the reference CNI plugins;
# qemu-aarch64 runs internal/procs' arm64 entry point in its unit test)
ORACLES='
ip       iproute2      iproute       iproute2
nft      nftables      nftables      nftables
tcpdump  tcpdump       tcpdump       tcpdump
ping     iputils-ping  iputils       iputils
strace   strace        strace        strace
nsenter  util-linux    util-linux    util-linux
unshare  util-linux    util-linux    util-linux
setpriv  util-linux    util-linux    util-linux-misc
sysctl   procps        procps-ng     procps
pkill    procps        procps-ng     procps
ethtool  ethtool       ethtool       ethtool
tshark   tshark        wireshark-cli tshark
qemu-aarch64 qemu-user  qemu-user     qemu-aarch64
/usr/lib/cni/bridge containernetworking-plugins containernetworking-plugins cni-plugins
'

check_only=0
[ "${1:-}" = "--check" ] && check_only=1

if ! command -v go >/dev/null 2>&1; then
	echo "make test: go is not installed (Go 1.26 or newer: https://go.dev/dl)" >&2
	exit 1
fi

if command -v apt-get >/dev/null 2>&1; then
	col=2 pm=apt-get
elif command -v dnf >/dev/null 2>&1; then
	col=3 pm=dnf
elif command -v apk >/dev/null 2>&1; then
	col=4 pm=apk
else
	col=2 pm=
fi

missing= pkgs=
for cmd in $(echo "$ORACLES" | awk 'NF {print $1}'); do
	command -v "$cmd" >/dev/null 2>&1 && continue
	pkg=$(echo "$ORACLES" | awk -v c="$cmd" -v k="$col" '$1 == c {print $k}')
	missing="$missing $cmd"
	case " $pkgs " in *" $pkg "*) ;; *) pkgs="$pkgs $pkg" ;; esac
done
[ -z "$missing" ] && exit 0

pkgs=${pkgs# } missing=${missing# }
if [ "$check_only" = 1 ] || [ -z "$pm" ] || [ "$(id -u)" != 0 ]; then
	echo "make test: missing test oracles ($missing): install the packages $pkgs" >&2
	exit 1
fi

echo "make test: installing the test oracles $pkgs (missing: $missing) with $pm" >&2
case $pm in
apt-get)
	export DEBIAN_FRONTEND=noninteractive
	{ apt-get update -qq && apt-get install -y -qq $pkgs; } >/dev/null 2>&1 ;;
dnf)
	dnf install -y -q $pkgs >/dev/null 2>&1 ;;
apk)
	apk add -q $pkgs >/dev/null 2>&1 ;;
esac
still=
for cmd in $missing; do
	command -v "$cmd" >/dev/null 2>&1 || still="$still $cmd"
done
if [ -n "$still" ]; then
	echo "make test: $pm could not install$still: install the packages $pkgs" >&2
	exit 1
fi
