#!/usr/bin/env bash
# A corpus of broken signature and public key files (tests/golden/signing/,
# made by tests/lib/signing_corpus.py), each with the exact stderr and exit
# status 1 that `cfc verify` must give. CFC_REGEN=1 rewrites the .err files
# instead of comparing them.
set -u
. "$SRC/tests/lib.sh"
G="$SRC/tests/golden/signing"
cd "$G" || exit 2
n=0
check() { # EXPECTED-FILE CMD...
	local exp=$1
	shift
	n=$((n + 1))
	try 1 "$@"
	golden_compare "$exp" "$TMP/err"
	[ ! -s "$TMP/out" ] || bad "$exp: stdout not empty"
}
for f in sig/*.minisig; do
	check "${f%.minisig}.err" "$CFC" verify -p test.pub -x "$f" msg.cf
done
for f in pub/*.pub; do
	check "${f%.pub}.err" "$CFC" verify -p "$f" -x valid.minisig msg.cf
done
[ "$n" -ge 30 ] || fail "only $n corpus files"
finish "$n corpus files"
