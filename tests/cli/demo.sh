# make demo must stay true: run the narrated pipeline and require exit 0.
set -euo pipefail
DEMO_DIR=$TMP/demo CFC=$CFC "$SRC/samples/demo.sh" >"$TMP/demo.log" 2>&1 || {
	tail -40 "$TMP/demo.log"
	exit 1
}
grep -q 'demo: every step behaved as described' "$TMP/demo.log"
! grep -q '✗' "$TMP/demo.log"
