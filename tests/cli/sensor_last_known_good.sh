# cfc run, last known good: channel 310 at content version 17 loads; the
# updates that follow are bad and skipped while 17 stays active and keeps
# matching (and channel 412 keeps running): v18 was compiled for a template
# revision this sensor does not implement (template fingerprint), v19 is
# truncated (format verifier). A good v20 then replaces 17. Among the files
# for one channel the highest content version that loads wins, whatever the
# order on the command line.
set -eu
. "$SRC/tests/lib.sh"
. "$SRC/tests/lib/sensor.sh"
compile_samples
"$CFC" compile -t tests/fixtures/sensor/process-creation-r3.yaml --content-version 18 \
	-o "$TMP/c310-v18-r3.cf" samples/rules/process-lineage.yaml
"$CFC" compile -t samples/templates --content-version 19 -o "$TMP/c310-v19.cf" \
	samples/rules/process-lineage.yaml
head -c 2000 "$TMP/c310-v19.cf" >"$TMP/c310-v19-truncated.cf"
"$CFC" compile -t samples/templates --content-version 20 -o "$TMP/c310-v20.cf" \
	samples/rules/process-lineage.yaml
cat "$E/process-creation.jsonl" "$E/dns-query.jsonl" >"$TMP/events.jsonl"

golden lkg-bad-updates 1 "$CFC" run -t "$T" --sensor 7.16.0 --events events.jsonl \
	c310.cf c412.cf c310-v18-r3.cf c310-v19-truncated.cf
# Channel 310 keeps matching, and every match comes from version 17.
grep -q '"channel": 310' "$TMP/lkg-bad-updates.out" || bad "no match of channel 310"
! grep '"channel": 310' "$TMP/lkg-bad-updates.out" | grep -qv '"content_version": 17' ||
	bad "a match not from v17"
grep -q 'channel 310 keeps content version 17 (last known good)' "$TMP/lkg-bad-updates.err" ||
	bad "no last-known-good note"

golden lkg-good-update 1 "$CFC" run -t "$T" --sensor 7.16.0 --events events.jsonl \
	c310.cf c310-v18-r3.cf c310-v19-truncated.cf c310-v20.cf c412.cf
grep -q '"channel": 310' "$TMP/lkg-good-update.out" || bad "no match of channel 310"
! grep '"channel": 310' "$TMP/lkg-good-update.out" | grep -qv '"content_version": 20' ||
	bad "a match not from v20"
# The same set in another order gives the same matches.
golden lkg-reordered 1 "$CFC" run -t "$T" --sensor 7.16.0 --events events.jsonl \
	c310-v20.cf c412.cf c310-v19-truncated.cf c310.cf c310-v18-r3.cf
cmp "$TMP/lkg-good-update.out" "$TMP/lkg-reordered.out" ||
	bad "order changed the result"
# With only good content the exit status is 0.
golden lkg-all-good 0 "$CFC" run -t "$T" --sensor 7.16.0 --events events.jsonl \
	c310.cf c310-v20.cf c412.cf
finish
