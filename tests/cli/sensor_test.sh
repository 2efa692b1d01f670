# cfc test: every sample's embedded tests pass through the reference sensor on
# every build in scope, with full field coverage; c291-bad cannot be loaded
# by 7.11.0 (reported as a failure of the content for that build, exit 1);
# a deliberately wrong test is reported at its line with the event, the
# expected and the actual result; missing coverage fails --require-coverage;
# counts of one are singular.
set -eu
. "$SRC/tests/lib.sh"
. "$SRC/tests/lib/sensor.sh"
R=samples/rules
(cd "$SRC" && "$CFC" test -t samples/templates --require-coverage $R/c291-fixed.yaml \
	$R/process-lineage.yaml $R/dns-tunnel-1.yaml $R/dns-tunnel-2.yaml) >"$TMP/ok.out" 2>"$TMP/ok.err" ||
	{ cat "$TMP/ok.err" >&2; fail "the samples must pass"; }
cp "$TMP/ok.out" "$TMP/ok.cmp"
# The golden runs happen in the source tree, so that paths stay relative.
GOLDEN_CWD=$SRC
golden test-samples 0 "$CFC" test -t samples/templates --require-coverage $R/c291-fixed.yaml \
	$R/process-lineage.yaml $R/dns-tunnel-1.yaml $R/dns-tunnel-2.yaml
golden test-c291-bad 1 "$CFC" test -t samples/templates --require-coverage $R/c291-bad.yaml
grep -q "^$R/c291-bad.yaml: error: channel 291 content version 42 cannot be loaded by sensor 7.11.0 (step 5, field count): all 29 tests fail on that sensor \[test-load\]$" \
	"$TMP/test-c291-bad.err" || bad "no test-load error for 7.11.0"
grep -q '^  sensor 7.16.0   29 passed, 0 failed$' "$TMP/test-c291-bad.out" || bad "c291-bad: not 29 passed on 7.16.0"
# All samples at once: only c291-bad on 7.11.0 fails.
golden test-all 1 "$CFC" test -t samples/templates --require-coverage $R/c291-bad.yaml \
	$R/c291-fixed.yaml $R/process-lineage.yaml $R/dns-tunnel-1.yaml $R/dns-tunnel-2.yaml
# The wrong test, at its line and column, with the event and both results.
F=tests/fixtures/sensor/wrong-test.yaml
golden test-wrong 1 "$CFC" test -t samples/templates $F
grep -q "^$F:14:9: error: test of instance 5001 (notepad-from-temp) failed on sensor 7.11.0: expected match, got no match; event {\"image\":\"C:\\\\\\\\Windows\\\\\\\\System32\\\\\\\\notepad.exe\"} \[test-failed\]$" \
	"$TMP/test-wrong.err" || bad "wrong test not reported at 14:9"
grep -q "^$F:[0-9]*:[0-9]*: warning: field 13 'signer' is constrained" "$TMP/test-wrong.err" || bad "no coverage warning for field 13"
golden test-wrong-coverage 1 "$CFC" test -t samples/templates --require-coverage $F
grep -q "error: field 13 'signer' is constrained (first by instance 5002) but no passing match test exercises it \[coverage\]" \
	"$TMP/test-wrong-coverage.err" || bad "no coverage error for field 13"
# Counts of one read as English: "its 1 test fails", "1 channel", "1 sensor
# load refused", "1 constrained field covered".
golden test-one 1 "$CFC" test -t samples/templates tests/golden/sensor/one-test.yaml
grep -q "cannot be loaded by sensor 7.11.0 (step 5, field count): its 1 test fails on that sensor \[test-load\]$" \
	"$TMP/test-one.err" || bad "no singular test-load error"
grep -q '^summary: 1 channel (1 failed), 1 instance, 1 test; 3 test runs across sensors: 2 passed, 1 failed; 1 sensor load refused; 0 constrained fields without a passing match test$' \
	"$TMP/test-one.out" || bad "summary not singular"
finish
