# cfc run / cfc test: help, usage errors and I/O errors exit 2.
set -u
. "$SRC/tests/lib.sh"
. "$SRC/tests/lib/sensor.sh"
compile_samples
expect_out 0 'usage: cfc run' "$CFC" run --help
expect_out 0 'usage: cfc test' "$CFC" test --help
expect_out 0 'usage: cfc run' "$CFC" help run
expect_err 2 'no sensor build given' "$CFC" run -t "$T" "$TMP/c310.cf"
expect_err 2 'no template manifest' "$CFC" run --sensor 7.16.0 "$TMP/c310.cf"
expect_err 2 'no content given' "$CFC" run -t "$T" --sensor 7.16.0
expect_err 2 "'7.x' is not a sensor version" "$CFC" run -t "$T" --sensor 7.x "$TMP/c310.cf"
expect_err 2 'sensor 7.12.0 is not a build the reference sensor defines (sensor/supplied.c) \[sensor-unknown\]$' \
	"$CFC" run -t "$T" --sensor 7.12.0 "$TMP/c310.cf" </dev/null
expect_err 2 "cannot open '$TMP/nope.cf'" "$CFC" run -t "$T" --sensor 7.16.0 "$TMP/nope.cf" </dev/null
expect_err 2 "cannot open '$TMP/nope.jsonl'" "$CFC" run -t "$T" --sensor 7.16.0 --events "$TMP/nope.jsonl" "$TMP/c310.cf"
expect_err 2 "cannot read '$TMP/nope.pub'" "$CFC" run -t "$T" --sensor 7.16.0 -p "$TMP/nope.pub" "$TMP/c310.cf"
expect_err 2 'bad option' "$CFC" run --frobnicate
expect_err 0 '0 events' "$CFC" run -t "$T" --sensor 7.16.0 "$TMP/c310.cf" </dev/null
expect_err 2 'no rule source given' "$CFC" test -t "$T"
expect_err 2 'no template manifest' "$CFC" test samples/rules/process-lineage.yaml
expect_err 2 "cannot open" "$CFC" test -t "$T" "$TMP/nope.yaml"
# A manifest that disagrees with the sensor's built-in definition: the
# template is unavailable and its content is skipped as unsafe.
mkdir -p "$TMP/drift"
sed 's/supplies: 21}/supplies: 20}/' "$T/ipc-named-pipe.yaml" >"$TMP/drift/ipc-named-pipe.yaml"
expect_err 1 'manifest-drift' "$CFC" run -t "$TMP/drift" --sensor 7.16.0 "$TMP/c291-fixed.cf" </dev/null
# A full stdout is an error.
if [ -w /dev/full ]; then
	rc=0
	"$CFC" run -t "$T" --sensor 7.16.0 --events "$E/process-creation.jsonl" "$TMP/c310.cf" \
		>/dev/full 2>"$TMP/e" || rc=$?
	[ $rc = 2 ] || bad "full stdout: exit $rc, want 2"
fi
finish
