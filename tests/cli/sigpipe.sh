#!/usr/bin/env bash
# A reader that leaves early (`cfc dump big.cf | head`): every command that
# writes a lot to stdout exits 2, not 141 (killed by SIGPIPE), says nothing
# on stderr about it, and stops writing. Each output here is far larger
# than a pipe's buffer, so the write after the reader left always fails.
set -u
. "$SRC/tests/lib.sh"
cd "$TMP" || exit 2
T="$SRC/samples/templates"

# 3000 instances, each matching every `connect` event, each with a test.
python3 - <<'PY' >big.yaml
print("channel: 4242\ntemplate: ipc-named-pipe\nversion: 1\nrequires_sensor: \"7.16.0\"\ninstances:")
for i in range(1, 3001):
    print(f"  - id: {i}\n    name: rule-number-{i}\n    action: detect\n    severity: low\n"
          f"    match:\n      operation: {{equals: connect}}\n"
          f"    tests:\n      - event: {{operation: connect}}\n        expect: match")
PY
grep '"connect"' "$SRC/samples/events/ipc-named-pipe.jsonl" | head -1 >one.jsonl
for _ in $(seq 200); do cat one.jsonl; done >events.jsonl
"$CFC" compile -t "$T" -o big.cf big.yaml 2>err || { cat err; exit 1; }

# early LABEL CMD...: CMD's stdout goes to a reader that takes one byte.
early() {
	local label=$1
	shift
	# The summary line of `run` and lint's own findings are not about the
	# pipe: only a word about writing may not appear.
	("$@" 2>err; echo $? >rc) | head -c 1 >got
	local rc
	rc=$(cat rc)
	# Exit 2 counts only from a command that was writing: one that refused
	# its command line or its input exits 2 too, before writing anything.
	[ -s got ] || bad "$label: wrote nothing to the pipe: $(head -2 err)"
	[ "$rc" = 2 ] || bad "$label: exit $rc with the reader gone, expected 2"
	if grep -qi "write\|broken pipe\|standard output" err; then
		bad "$label: spoke of the closed pipe: $(head -2 err)"
	fi
}
early "dump yaml" "$CFC" dump big.cf
early "dump json" "$CFC" dump --format json big.cf
early "compile -o -" "$CFC" compile -t "$T" -o - big.yaml
early "run" "$CFC" run -t "$T" --sensor 7.16.0 --events events.jsonl big.cf
early "test" "$CFC" test -t "$T" big.yaml
early "lint json" "$CFC" lint -t "$T" --format json big.cf
early "lint sarif" "$CFC" lint -t "$T" --format sarif big.cf
early "pack-events -o -" "$CFC" pack-events -t "$T" -o - events.jsonl

# A reader that stays: the same commands still exit 0 (or 1 for lint's
# warnings) and write everything.
"$CFC" dump big.cf >all.yaml || bad "dump to a file"
[ "$(grep -c '^- id:' all.yaml)" = 3000 ] || bad "dump to a file lost instances"

# A full disk is still an error with words.
if [ -w /dev/full ]; then
	"$CFC" dump big.cf >/dev/full 2>err
	rc=$?
	[ $rc = 2 ] && grep -q "cannot write to standard output" err || bad "dump >/dev/full: exit $rc, $(cat err)"
fi

finish "sigpipe: all cases passed"
