#!/bin/sh
# nsnet-up.sh NSNET setup|teardown FILE: `make bench`'s template for nsnet up
# and down of a batch file written beforehand (nsnet-adapter.sh --write).
# setup mounts a tmpfs over /run/nsnet, inside the harness's sandbox only
# (its mount namespace is private), so that the journal never reaches the
# host's /run/nsnet, then runs `nsnet up FILE`; teardown runs
# `nsnet down FILE`. One dash process and the mount are all it adds to the
# timed command.
set -e
[ $# -eq 3 ] || { echo "usage: nsnet-up.sh NSNET setup|teardown FILE" >&2; exit 2; }
case $2 in
setup)
	[ -d /run/nsnet ] || mkdir /run/nsnet
	mount -t tmpfs nsnet-bench /run/nsnet
	exec "$1" up "$3"
	;;
teardown) exec "$1" down "$3" ;;
*) echo "nsnet-up.sh: setup or teardown, not '$2'" >&2; exit 2 ;;
esac
