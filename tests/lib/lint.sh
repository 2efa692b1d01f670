# tests/lib/lint.sh - the lint golden cases, sourced after tests/lib.sh by
# tests/cli/lint_*.sh and sensor_codes.sh (working directory: the source
# tree). Golden files: tests/golden/lint/CASE.{txt,json,sarif}.
#
#   fixtures              the sample channels (compile_samples) and the
#                         channel files every lint code needs, in $TMP:
#                         c291-stripped, warnings, future, regex, v2,
#                         registry, and damaged copies made by
#                         tests/lib/patch.py (fingerprint, regex-invalid,
#                         version, checksum, truncated)
#   case_ CASE ARGS...    cfc lint ARGS in text, JSON and SARIF: text on
#                         stderr only, its exit status appended, compared
#                         with CASE.txt; JSON and SARIF on stdout only, valid
#                         JSON, with the text run's exit status, compared
#                         with CASE.json and CASE.sarif
G=tests/golden/lint
T=$G/templates-v2
S=samples/templates

fixtures() {
	compile_samples
	build c291-stripped.cf -t $S --strip-source samples/rules/c291-bad.yaml
	build warnings.cf -t $S $G/rules/warnings.yaml
	build future.cf -t $S $G/rules/future.yaml
	build regex.cf -t $S $G/rules/regex.yaml
	build v2.cf -t $T $G/rules/v2.yaml
	build registry.cf -t $T $G/rules/registry.yaml
	local patch=$SRC/tests/lib/patch.py
	python3 "$patch" "$TMP/c291-fixed.cf" "$TMP/fingerprint.cf" fingerprint || fail "patch.py fingerprint"
	python3 "$patch" "$TMP/regex.cf" "$TMP/regex-invalid.cf" replace 'evil(x)' 'evil(x(' || fail "patch.py replace"
	python3 "$patch" "$TMP/c291-fixed.cf" "$TMP/version.cf" version || fail "patch.py version"
	python3 "$patch" "$TMP/c291-fixed.cf" "$TMP/checksum.cf" flip-last || fail "patch.py flip-last"
	python3 "$patch" "$TMP/c291-fixed.cf" "$TMP/truncated.cf" truncate 200 || fail "patch.py truncate"
}

case_() {
	local name=$1 rc text_rc
	shift
	rc=0
	"$CFC" lint "$@" 2>"$TMP/out" >"$TMP/stdout" || rc=$?
	text_rc=$rc
	[ -s "$TMP/stdout" ] && bad "$name: text format wrote to stdout"
	echo "exit $rc" >>"$TMP/out"
	golden_compare "$G/$name.txt" "$TMP/out"
	for fmt in json sarif; do
		rc=0
		"$CFC" lint --format $fmt "$@" >"$TMP/out" 2>"$TMP/stderr" || rc=$?
		if [ -s "$TMP/stderr" ]; then
			cat "$TMP/stderr" >&2
			bad "$name: $fmt wrote to stderr"
		fi
		python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMP/out" ||
			bad "$name.$fmt is not JSON"
		[ "$rc" = "$text_rc" ] || bad "$name: --format $fmt exits $rc, the text format $text_rc"
		golden_compare "$G/$name.$fmt" "$TMP/out"
	done
}
