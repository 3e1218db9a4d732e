#!/bin/sh
# Prints the size of a built nsnet binary ($1) beside git ref $2 built by
# its own `make build`, and against the target of 3.6 MB (3,600,000 bytes).
# Informational: the exit status is 0 unless a build fails.
set -eu
bin=$1 ref=$2 target=3600000
new=$(wc -c <"$bin")
tmp=$(mktemp -d)
trap 'git worktree remove --force "$tmp/src" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
old=
if git worktree add -q --detach "$tmp/src" "$ref" >/dev/null 2>&1; then
	# The ref's own `make build` (its flags), so a release compares as shipped.
	make -s -C "$tmp/src" build VERSION=size >/dev/null 2>&1 && old=$(wc -c <"$tmp/src/bin/nsnet")
fi
mb() { awk -v n="$1" 'BEGIN { printf "%.2f MB", n / 1e6 }'; }
printf '%-24s %10d bytes  %s\n' "$bin" "$new" "$(mb "$new")"
if [ -n "$old" ]; then
	printf '%-24s %10d bytes  %s  (change %+d bytes)\n' "$ref" "$old" "$(mb "$old")" $((new - old))
else
	printf '%-24s (could not build)\n' "$ref"
fi
if [ "$new" -le "$target" ]; then
	printf 'target %s: met, %d bytes to spare\n' "$(mb $target)" $((target - new))
else
	printf 'target %s: OVER by %d bytes\n' "$(mb $target)" $((new - target))
fi
