# make demo must stay true: run the narrated pipeline and require exit 0.
set -euo pipefail
. "$SRC/tests/lib.sh"
DEMO_DIR=$TMP/demo CFC=$CFC "$SRC/samples/demo.sh" >"$TMP/demo.log" 2>&1 || {
	tail -40 "$TMP/demo.log"
	fail "samples/demo.sh failed"
}
grep -q 'demo: every step behaved as described' "$TMP/demo.log" || fail "the demo's last line is missing"
if grep -q '✗' "$TMP/demo.log"; then
	fail "a step of the demo is marked ✗"
fi
finish
