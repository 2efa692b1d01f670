# cfc run / cfc test: help, usage errors and I/O errors exit 2.
set -u
. tests/golden/sensor/lib.sh
expect() { # expect STATUS PATTERN cmd...
	local want=$1 pattern=$2 rc=0
	shift 2
	"$@" >"$TMP/o" 2>"$TMP/e" || rc=$?
	if [ "$rc" != "$want" ] || ! grep -q -- "$pattern" "$TMP/o" "$TMP/e"; then
		echo "FAILED (exit $rc, want $want; /$pattern/): $*" >&2
		cat "$TMP/e" >&2
		failures=$((failures + 1))
	fi
}
"$CFC" compile -t "$T" -o "$TMP/c310.cf" samples/rules/process-lineage.yaml
expect 0 'usage: cfc run' "$CFC" run --help
expect 0 'usage: cfc test' "$CFC" test --help
expect 0 'usage: cfc run' "$CFC" help run
expect 2 'no sensor build given' "$CFC" run -t "$T" "$TMP/c310.cf"
expect 2 'no template manifest' "$CFC" run --sensor 7.16.0 "$TMP/c310.cf"
expect 2 'no content given' "$CFC" run -t "$T" --sensor 7.16.0
expect 2 "'7.x' is not a sensor version" "$CFC" run -t "$T" --sensor 7.x "$TMP/c310.cf"
expect 2 'sensor 7.12.0 is not a build the reference sensor defines (sensor/supplied.c) \[sensor-unknown\]$' \
	"$CFC" run -t "$T" --sensor 7.12.0 "$TMP/c310.cf" </dev/null
expect 2 "cannot open '$TMP/nope.cf'" "$CFC" run -t "$T" --sensor 7.16.0 "$TMP/nope.cf" </dev/null
expect 2 "cannot open '$TMP/nope.jsonl'" "$CFC" run -t "$T" --sensor 7.16.0 --events "$TMP/nope.jsonl" "$TMP/c310.cf"
expect 2 "cannot open '$TMP/nope.pub'" "$CFC" run -t "$T" --sensor 7.16.0 -p "$TMP/nope.pub" "$TMP/c310.cf"
expect 2 'bad option' "$CFC" run --frobnicate
expect 0 '0 events' "$CFC" run -t "$T" --sensor 7.16.0 "$TMP/c310.cf" </dev/null
expect 2 'no rule source given' "$CFC" test -t "$T"
expect 2 'no template manifest' "$CFC" test samples/rules/process-lineage.yaml
expect 2 "cannot open" "$CFC" test -t "$T" "$TMP/nope.yaml"
# A manifest that disagrees with the sensor's built-in definition: the
# template is unavailable and its content is skipped as unsafe.
mkdir -p "$TMP/drift"
sed 's/supplies: 21}/supplies: 20}/' "$T/ipc-named-pipe.yaml" >"$TMP/drift/ipc-named-pipe.yaml"
"$CFC" compile -t "$T" -o "$TMP/c291.cf" samples/rules/c291-fixed.yaml
expect 1 'manifest-drift' "$CFC" run -t "$TMP/drift" --sensor 7.16.0 "$TMP/c291.cf" </dev/null
# A full stdout is an error.
if [ -w /dev/full ]; then
	rc=0
	"$CFC" run -t "$T" --sensor 7.16.0 --events "$E/process-creation.jsonl" "$TMP/c310.cf" \
		>/dev/full 2>"$TMP/e" || rc=$?
	[ $rc = 2 ] || { echo "full stdout: exit $rc, want 2" >&2; failures=$((failures + 1)); }
fi
[ $failures = 0 ]
