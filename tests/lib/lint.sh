# Sourced by tests/cli/lint_*.sh: builds the channel files every lint code
# needs into $TMP and runs `cfc lint` on them, comparing stderr + exit status
# (text), stdout (json, sarif) with tests/golden/lint/CASE.{txt,json,sarif}.
# UPDATE_GOLDEN=1 rewrites the golden files instead.
set -eu
G=tests/golden/lint
T="$G/templates-v2"
S=samples/templates
failures=0

build() { # build OUT.cf [compile args...] SOURCE
	local out=$1
	shift
	"$CFC" compile -o "$TMP/$out" "$@" >"$TMP/compile.out" 2>&1 || {
		cat "$TMP/compile.out" >&2
		echo "compile failed: $out" >&2
		exit 1
	}
}

fixtures() {
	build c291-bad.cf -t $S samples/rules/c291-bad.yaml
	build c291-fixed.cf -t $S samples/rules/c291-fixed.yaml
	build c291-stripped.cf -t $S --strip-source samples/rules/c291-bad.yaml
	build warnings.cf -t $S $G/rules/warnings.yaml
	build future.cf -t $S $G/rules/future.yaml
	build regex.cf -t $S $G/rules/regex.yaml
	build v2.cf -t $T $G/rules/v2.yaml
	build registry.cf -t $T $G/rules/registry.yaml
	python3 $G/patch.py "$TMP/c291-fixed.cf" "$TMP/fingerprint.cf" fingerprint
	python3 $G/patch.py "$TMP/regex.cf" "$TMP/regex-invalid.cf" replace 'evil(x)' 'evil(x('
	python3 $G/patch.py "$TMP/c291-fixed.cf" "$TMP/version.cf" version
	python3 $G/patch.py "$TMP/c291-fixed.cf" "$TMP/checksum.cf" flip-last
	python3 $G/patch.py "$TMP/c291-fixed.cf" "$TMP/truncated.cf" truncate 200
}

# compare NAME.EXT with what was produced in $TMP/out
compare() {
	local name=$1 ext=$2
	sed "s|$TMP|\$TMP|g" "$TMP/out" >"$TMP/out.norm"
	if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
		cp "$TMP/out.norm" "$G/$name.$ext"
	elif ! diff -u "$G/$name.$ext" "$TMP/out.norm"; then
		echo "FAIL: $name.$ext differs from the golden file" >&2
		failures=$((failures + 1))
	fi
}

# case NAME LINT-ARGS... : the same lint run in all three formats
case_() {
	local name=$1 rc
	shift
	rc=0
	"$CFC" lint "$@" 2>"$TMP/out" >"$TMP/stdout" || rc=$?
	[ -s "$TMP/stdout" ] && { echo "FAIL: $name: text format wrote to stdout" >&2; failures=$((failures + 1)); }
	echo "exit $rc" >>"$TMP/out"
	compare "$name" txt
	for fmt in json sarif; do
		rc=0
		"$CFC" lint --format $fmt "$@" >"$TMP/out" 2>"$TMP/stderr" || rc=$?
		[ -s "$TMP/stderr" ] && { echo "FAIL: $name: $fmt wrote to stderr:" >&2; cat "$TMP/stderr" >&2; failures=$((failures + 1)); }
		python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMP/out" ||
			{ echo "FAIL: $name.$fmt is not JSON" >&2; failures=$((failures + 1)); }
		echo "$rc" >"$TMP/rc.$fmt"
		compare "$name" $fmt
	done
}
