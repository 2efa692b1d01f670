# Every lint code, golden in text, JSON and SARIF.
set -eu
. "$SRC/tests/lib.sh"
. "$SRC/tests/lib/lint.sh"
fixtures

case_ warnings -t samples/templates "$TMP/warnings.cf"
case_ template-mismatch -t samples/templates "$TMP/v2.cf"
case_ template-unknown -t samples/templates "$TMP/registry.cf"
case_ field-table -t samples/templates "$TMP/fingerprint.cf"
case_ regex-invalid -t samples/templates "$TMP/regex-invalid.cf"
case_ regex-too-long -t $G/templates-short "$TMP/regex.cf"
case_ requires-sensor -t samples/templates "$TMP/future.cf"
case_ sensor-unknown -t samples/templates --sensor 7.12.0 "$TMP/c291-fixed.cf"
case_ sensor-out-of-scope -t samples/templates --sensor 7.11.0 "$TMP/c291-fixed.cf"
case_ format-magic -t samples/templates samples/rules/c291-fixed.yaml
case_ format-corrupt -t samples/templates "$TMP/truncated.cf"
case_ format-checksum -t samples/templates "$TMP/checksum.cf"
case_ format-version -t samples/templates "$TMP/version.cf"
finish
