# cfc run, the Channel 291 reproduction. Sensor 7.11.0 supplies 20 of the 21
# ipc-named-pipe fields: c291-bad (field_count 21, instance 1007 constrains
# field 21) is skipped with the field-count diagnostic and exit 1, while
# channels 310 and 412 keep matching. Sensors 7.16.0 and 7.17.0 load it and
# instance 1007 (pipe_sddl) matches lines 59, 65 and 80. The expected
# matches are those listed in samples/events/README.md.
set -eu
. "$SRC/tests/lib.sh"
. "$SRC/tests/lib/sensor.sh"
compile_samples
for v in 7.11.0 7.16.0 7.17.0; do
	want=0
	[ $v = 7.11.0 ] && want=1
	for ev in ipc-named-pipe process-creation dns-query; do
		golden "run-$v-$ev" $want "$CFC" run -t "$T" --sensor $v --events "$E/$ev.jsonl" \
			c291-bad.cf c310.cf c412.cf
	done
done
# The incident check is named, with both counts, the build, the instance and field.
grep -q '^c291-bad.cf: error: not loaded (step 5, field count): channel 291 content version 42 has field_count 21, but sensor 7.11.0 supplies only 20 values .*instance 1007 would read field 21 .pipe_sddl.*\[field-count\]$' \
	"$TMP/run-7.11.0-ipc-named-pipe.err" || bad "no field-count diagnostic"
# Under 7.11.0 nothing of channel 291 matches; the other channels do.
[ ! -s "$TMP/run-7.11.0-ipc-named-pipe.out" ] || bad "7.11.0 matched ipc events"
[ "$(grep -c '"channel": 310' "$TMP/run-7.11.0-process-creation.out")" = 19 ] || bad "7.11.0: not 19 matches of channel 310"
# Under 7.16.0 the field-21 rule fires on exactly the events meant for it.
[ "$(grep '"instance": 1007' "$TMP/run-7.16.0-ipc-named-pipe.out" | sed 's/^{"line": \([0-9]*\),.*/\1/' | tr '\n' ' ')" = "59 65 80 " ] ||
	bad "1007 must match lines 59 65 80"
# The fixed release is content for a newer sensor on 7.11.0: a note, exit 0.
golden run-7.11.0-fixed 0 "$CFC" run -t "$T" --sensor 7.11.0 --events "$E/ipc-named-pipe.jsonl" \
	c291-fixed.cf c310.cf c412.cf
golden run-7.16.0-fixed 0 "$CFC" run -t "$T" --sensor 7.16.0 --events "$E/ipc-named-pipe.jsonl" \
	c291-fixed.cf
# Both channel 291 files on 7.16.0: the higher version (43) wins whatever the order.
golden run-7.16.0-both 0 "$CFC" run -t "$T" --sensor 7.16.0 --events "$E/ipc-named-pipe.jsonl" \
	c291-fixed.cf c291-bad.cf
finish
