#!/usr/bin/env bash
# A corpus of broken signature and public key files (tests/golden/signing/,
# made by its generate.py), each with the exact stderr and exit status 1
# that `cfc verify` must give. UPDATE=1 rewrites the .err files instead.
set -u
: "${CFC:?}" "${SRC:?}" "${TMP:?}"
G="$SRC/tests/golden/signing"
cd "$G" || exit 2
bad=0
n=0
check() { # EXPECTED-FILE CMD...
	local exp=$1
	shift
	"$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	n=$((n + 1))
	if [ "${UPDATE:-0}" = 1 ]; then
		cp "$TMP/err" "$exp"
	elif [ $rc != 1 ] || ! cmp -s "$TMP/err" "$exp"; then
		echo "FAIL: $exp: exit $rc" >&2
		diff "$exp" "$TMP/err" >&2
		bad=$((bad + 1))
	fi
	[ ! -s "$TMP/out" ] || {
		echo "FAIL: $exp: stdout not empty" >&2
		bad=$((bad + 1))
	}
}
for f in sig/*.minisig; do
	check "${f%.minisig}.err" "$CFC" verify -p test.pub -x "$f" msg.cf
done
for f in pub/*.pub; do
	check "${f%.pub}.err" "$CFC" verify -p "$f" -x valid.minisig msg.cf
done
[ "$n" -ge 30 ] || {
	echo "FAIL: only $n corpus files" >&2
	exit 1
}
[ $bad = 0 ] || exit 1
echo "$n corpus files"
