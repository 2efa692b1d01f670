# One fault, one code: the reference sensor (cfc run, cfc test), cfc dump,
# cfc sign and cfc compile report a fault cfc lint also finds under lint's
# code (docs/sensor.md, "Diagnostic codes"). Each broken file of the lint
# golden cases goes through every command that judges it; the code each
# gives must be the one expected, and one of the codes cfc lint gives the
# same file.
set -eu
. "$SRC/tests/lib.sh"
. "$SRC/tests/lib/lint.sh"
fixtures
export NO_COLOR=1

# The codes of a run's findings, sorted, one a line ("" when none).
codes_of() { sed -n 's/.*: \(error\|warning\|note\): .* \[\([a-z0-9-]*\)\]$/\2/p' "$1" | sort -u; }

lint_codes() { # TEMPLATES FILE [LINT ARGS...]
	local t=$1 f=$2
	shift 2
	"$CFC" lint -t "$t" "$@" "$f" >/dev/null 2>"$TMP/lint.err" || true
	codes_of "$TMP/lint.err"
}

# check WHAT WANT-CODE LINT-CODES GOT-STDERR: the command's finding is
# exactly WANT-CODE (besides the loader's "loaded" notes and cfc test's
# coverage warnings), and lint gave it.
check() {
	local what=$1 want=$2 lint=$3 got
	got=$(codes_of "$4" | grep -v '^loaded$' | grep -v '^coverage$' | tr '\n' ' ')
	if [ "$got" != "$want " ]; then
		sed 's/^/    | /' "$4" >&2
		bad "$what: codes '$got', want '$want'"
	fi
	if ! printf '%s\n' "$lint" | grep -qx -- "$want"; then
		bad "$what: cfc lint does not report $want (it gives: $(echo $lint))"
	fi
}

run_() { # run TEMPLATES SENSOR FILE -> $TMP/run.err
	"$CFC" run -t "$1" --sensor "$2" "$3" </dev/null >/dev/null 2>"$TMP/run.err" || true
}

# The format verifier's verdicts: every command that reads a channel file.
"$CFC" keygen -W -p "$TMP/k.pub" -s "$TMP/k.key" >/dev/null
for c in truncated:format-corrupt checksum:format-checksum version:format-version; do
	f=$TMP/${c%%:*}.cf
	want=${c#*:}
	lint=$(lint_codes $S "$f")
	run_ $S 7.16.0 "$f"
	check "run ${c%%:*}.cf" "$want" "$lint" "$TMP/run.err"
	"$CFC" dump "$f" >/dev/null 2>"$TMP/dump.err" || true
	check "dump ${c%%:*}.cf" "$want" "$lint" "$TMP/dump.err"
	"$CFC" sign -s "$TMP/k.key" -t $S -x "$TMP/o.minisig" "$f" >/dev/null 2>"$TMP/sign.err" || true
	check "sign ${c%%:*}.cf" "$want" "$lint" "$TMP/sign.err"
	# With a public key the verifier runs inside the signature check (the
	# bytes signed as they are, by minisign): its verdict keeps its code.
	minisign -S -s "$TMP/k.key" -m "$f" -t "x" >/dev/null </dev/null || fail "minisign -S"
	"$CFC" run -t $S --sensor 7.16.0 -p "$TMP/k.pub" "$f" </dev/null >/dev/null 2>"$TMP/run.err" || true
	check "run -p ${c%%:*}.cf" "$want" "$lint" "$TMP/run.err"
done
f=samples/rules/c291-fixed.yaml # not a channel file
lint=$(lint_codes $S $f)
run_ $S 7.16.0 $f
check "run of a YAML file" format-magic "$lint" "$TMP/run.err"
"$CFC" dump $f >/dev/null 2>"$TMP/dump.err" || true
check "dump of a YAML file" format-magic "$lint" "$TMP/dump.err"

# The header against the manifest.
lint=$(lint_codes $S "$TMP/v2.cf")
run_ $S 7.16.0 "$TMP/v2.cf"
check "run v2.cf (another template revision)" template-fingerprint "$lint" "$TMP/run.err"
lint=$(lint_codes $S "$TMP/fingerprint.cf")
run_ $S 7.16.0 "$TMP/fingerprint.cf"
check "run fingerprint.cf" template-fingerprint "$lint" "$TMP/run.err"
lint=$(lint_codes $S "$TMP/registry.cf")
run_ $S 7.16.0 "$TMP/registry.cf"
check "run registry.cf (no manifest)" template-unknown "$lint" "$TMP/run.err"
"$CFC" compile -t $S -o "$TMP/x.cf" $G/rules/registry.yaml 2>"$TMP/compile.err" || true
check "compile registry.yaml (no manifest)" template-unknown "$lint" "$TMP/compile.err"

# Sensors in scope and field counts.
lint=$(lint_codes $S "$TMP/c291-bad.cf" --sensor 7.11.0)
run_ $S 7.11.0 "$TMP/c291-bad.cf"
check "run c291-bad.cf on 7.11.0" field-count "$lint" "$TMP/run.err"
lint=$(lint_codes $S "$TMP/c291-fixed.cf" --sensor 7.11.0)
run_ $S 7.11.0 "$TMP/c291-fixed.cf"
check "run c291-fixed.cf on 7.11.0" sensor-out-of-scope "$lint" "$TMP/run.err"
lint=$(lint_codes $S "$TMP/c291-fixed.cf" --sensor 7.12.0)
run_ $S 7.12.0 "$TMP/c291-fixed.cf"
check "run --sensor 7.12.0" sensor-unknown "$lint" "$TMP/run.err"
lint=$(lint_codes $S "$TMP/future.cf")
"$CFC" test -t $S $G/rules/future.yaml >/dev/null 2>"$TMP/test.err" || true
check "test future.yaml (no build in scope)" requires-sensor "$lint" "$TMP/test.err"

# Regexes.
lint=$(lint_codes $S "$TMP/regex-invalid.cf")
run_ $S 7.16.0 "$TMP/regex-invalid.cf"
check "run regex-invalid.cf" regex-invalid "$lint" "$TMP/run.err"
"$CFC" compile -t tests/golden/compile/templates -o "$TMP/x.cf" tests/golden/compile/bad-regex.yaml \
	2>"$TMP/compile.err" || true
check "compile bad-regex.yaml" regex-invalid "$lint" "$TMP/compile.err"
lint=$(lint_codes $G/templates-short "$TMP/regex.cf")
run_ $G/templates-short 7.16.0 "$TMP/regex.cf"
check "run regex.cf (max_length 16)" regex-too-long "$lint" "$TMP/run.err"
finish
