# The Channel 291 reproduction: c291-bad fails with the field-count error for
# sensor 7.11.0 naming the instance, field 21 and its name; c291-fixed (its
# requires_sensor puts 7.11.0 out of scope) passes. Golden in all three formats.
set -eu
. "$SRC/tests/lib.sh"
. "$SRC/tests/lib/lint.sh"
fixtures

rc=0
"$CFC" lint -t samples/templates "$TMP/c291-bad.cf" 2>"$TMP/err" || rc=$?
[ $rc = 1 ] || fail "c291-bad: exit $rc, want 1"
grep -q "error: sensor 7.11.0 supplies 20 input values but the file has 21 fields: instance 1007 '[^']*' has a [a-z]* criterion on field 21 'pipe_sddl'.*\[field-count\]" "$TMP/err" ||
	{ cat "$TMP/err" >&2; fail "c291-bad: no field-count error naming 7.11.0, 1007, field 21 pipe_sddl"; }
grep -q '^samples/rules/c291-bad.yaml:[0-9]*:[0-9]*: error: ' "$TMP/err" ||
	fail "c291-bad: not located in the YAML source"
"$CFC" lint -t samples/templates "$TMP/c291-fixed.cf" 2>"$TMP/err" ||
	{ cat "$TMP/err" >&2; fail "c291-fixed must pass"; }

case_ c291-bad -t samples/templates "$TMP/c291-bad.cf"
case_ c291-fixed -t samples/templates "$TMP/c291-fixed.cf"
case_ c291-stripped -t samples/templates "$TMP/c291-stripped.cf"
# Narrowed to the build that supplies all 21 fields, the bad file passes.
case_ c291-bad-sensor-7.16 -t samples/templates --sensor 7.16.0 "$TMP/c291-bad.cf"
finish
