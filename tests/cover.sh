#!/bin/sh
# Unit-test coverage of the packages issue 13 sets bars for, measured
# without root: as root, each package's test binary runs as nobody
# (setpriv), so tests that need root skip as they would for a user. Prints
# each package's statement coverage against its bar; exits 1 if one is
# below. The profiles stay in $COVER_DIR (default: a new temporary
# directory, printed).
set -eu
GO=${GO:-go}
dir=${COVER_DIR:-$(mktemp -d /tmp/nsnet-cover.XXXXXX)}
mkdir -p "$dir"
chmod 1777 "$dir"
asuser=
if [ "$(id -u)" = 0 ]; then
	if ! command -v setpriv >/dev/null 2>&1; then
		echo "cover: setpriv (util-linux) not found: measuring as root" >&2
	elif ! setpriv --reuid=65534 --regid=65534 --clear-groups sh -c 'cd "$1" && test -r go.mod' sh "$PWD" 2>/dev/null; then
		echo "cover: nobody cannot read $PWD: measuring as root" >&2
	else
		asuser="setpriv --reuid=65534 --regid=65534 --clear-groups"
	fi
fi
status=0
for spec in rtnl:85 nat:85 plan:90 cmd/nsnet:60; do
	pkg=${spec%%:*} bar=${spec#*:}
	name=$(echo "$pkg" | tr / _)
	bin=$dir/$name.test prof=$dir/$name.out
	"$GO" test -c -cover -o "$bin" "./$pkg"
	chmod 755 "$bin"
	# In the package's directory, as go test runs it (testdata).
	if ! (cd "$pkg" && HOME=$dir $asuser "$bin" -test.count=1 -test.coverprofile="$prof" >"$dir/$name.log" 2>&1); then
		echo "cover: $pkg: tests failed (see $dir/$name.log)" >&2
		status=1
		continue
	fi
	pct=$("$GO" tool cover -func="$prof" | awk '$1 == "total:" { sub("%", "", $3); print $3 }')
	verdict=ok
	if awk -v p="$pct" -v b="$bar" 'BEGIN { exit !(p < b) }'; then
		verdict=BELOW
		status=1
	fi
	printf '%-12s %6s%%  (bar %s%%)  %s\n' "$pkg" "$pct" "$bar" "$verdict"
done
echo "profiles: $dir"
exit $status
