# cfc lint's options and exit status: -W no-CODE, --werror, bad usage (2),
# unreadable files (2), several files in one run, stdin.
set -eu
. "$SRC/tests/lib.sh"
. "$SRC/tests/lib/lint.sh"
fixtures
L() { "$CFC" lint "$@"; }
W="$TMP/warnings.cf"
expect 0 L -t samples/templates "$W"
grep -q '7 warnings' "$TMP/err"
expect 1 L -t samples/templates --werror "$W"
grep -q '0 errors\|7 errors' "$TMP/err"
grep -q 'error: instance 1 .*\[all-wildcard\]' "$TMP/err"
expect 1 L -t samples/templates -W error "$W"
expect 0 L -t samples/templates -W no-all-wildcard -W no-regex-backtracking "$W"
if grep -q 'all-wildcard\]\|regex-backtracking\]' "$TMP/err"; then fail "-W no-CODE: the code is still reported"; fi
grep -q '5 warnings' "$TMP/err"
# Every warning off: --werror passes.
expect 0 L -t samples/templates --werror -Wno-all-wildcard -W no-regex-empty-match \
	-W no-regex-backtracking -W no-nocase-no-letters -W no-shadowed-instance \
	-W no-duplicate-instance "$W"
grep -q '0 warnings' "$TMP/err"
# -W CODE turns a code back on.
expect 1 L -t samples/templates --werror -W no-all-wildcard -W all-wildcard "$W"
# Usage errors.
expect 2 L -t samples/templates -W no-field-count "$W"
grep -q "cannot be disabled" "$TMP/err"
expect 2 L -t samples/templates -W no-such-code "$W"
expect 2 L -t samples/templates --format xml "$W"
expect 2 L -t samples/templates --sensor 7.x "$W"
expect 2 L "$W"
expect 2 L -t samples/templates
expect 2 L -t "$TMP/no-such-dir" "$W"
# An unreadable file: 2, and the other files are still linted; no summary
# line, since a run that could not read its input has no verdict.
no_summary() {
	if grep -q '^[0-9]* files\?, [0-9]* errors\?, [0-9]* warnings\?$' "$TMP/err"; then
		cat "$TMP/err" >&2
		fail "a summary after an unreadable file"
	fi
}
expect 2 L -t samples/templates "$TMP/missing.cf" "$TMP/c291-bad.cf"
grep -q "cannot open '$TMP/missing.cf'" "$TMP/err"
grep -q '\[field-count\]' "$TMP/err"
no_summary
expect 2 L -t samples/templates "$TMP/missing.cf"
grep -q "cannot open '$TMP/missing.cf'" "$TMP/err"
no_summary
expect 2 L -t samples/templates "$TMP/c291-fixed.cf" "$TMP/missing.cf"
no_summary
# JSON: the report is still written, and says the run is incomplete: the
# file is listed as unreadable, with no counts.
"$CFC" lint --format json -t samples/templates "$TMP/c291-bad.cf" "$TMP/missing.cf" \
	>"$TMP/unread.json" 2>/dev/null && fail "lint --format json of a missing file exits 0"
python3 - "$TMP/unread.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = d["summary"]
assert s["complete"] is False and s["unreadable"] == 1 and s["files"] == 2, s
assert s["errors"] == 1, s
f = d["files"][1]
assert f["path"].endswith("missing.cf") and f["errors"] is None and f["warnings"] is None, f
assert "cannot open" in f["unreadable"], f
assert "unreadable" not in d["files"][0] and d["files"][0]["errors"] == 1, d["files"][0]
PY
"$CFC" lint --format json -t samples/templates "$TMP/c291-fixed.cf" >"$TMP/read.json" || fail "lint --format json of c291-fixed.cf"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; assert s["complete"] is True and s["unreadable"] == 0, s' "$TMP/read.json"
# Several files: one summary.
expect 1 L -t samples/templates "$TMP/c291-bad.cf" "$TMP/c291-fixed.cf" "$W"
grep -q '^3 files, 1 error, 7 warnings$' "$TMP/err"
# stdin.
expect 1 L -t samples/templates - <"$TMP/c291-bad.cf"
grep -q 'field 21' "$TMP/err"
# --help and --list-codes.
expect 0 L --help
grep -q 'usage: cfc lint' "$TMP/out"
expect 0 L --list-codes
grep -q '^field-count  *error' "$TMP/out"
# Every code listed is documented in docs/lint-codes.md.
for code in $(awk '{print $1}' "$TMP/out"); do
	grep -q "^## .*\`$code\`" docs/lint-codes.md || fail "undocumented code $code"
done
finish
