# tests/lib/sensor.sh - the golden runs of tests/cli/sensor_*.sh, sourced
# after tests/lib.sh. Golden files: tests/golden/sensor/NAME.{out,err}.
#
#   golden NAME STATUS CMD...  run CMD in $TMP (in GOLDEN_CWD if set); its
#                              exit status must be STATUS; its stdout
#                              ($TMP/NAME.out) and stderr ($TMP/NAME.err,
#                              "$TMP/" and "$SRC/" dropped from paths, then
#                              GOLDEN_SED if set, one more sed expression)
#                              are compared with NAME.out and NAME.err by
#                              golden_compare (CFC_REGEN=1 rewrites them)
G=$SRC/tests/golden/sensor
T=$SRC/samples/templates
E=$SRC/samples/events

golden() {
	local name=$1 want=$2 rc=0
	shift 2
	(cd "${GOLDEN_CWD:-$TMP}" && "$@") >"$TMP/$name.out" 2>"$TMP/$name.raw" || rc=$?
	normalise_paths --relative <"$TMP/$name.raw" | sed -e "${GOLDEN_SED:-}" >"$TMP/$name.err"
	if [ "$rc" != "$want" ]; then
		cat "$TMP/$name.err" >&2
		bad "$name: exit status $rc, want $want"
	fi
	golden_compare "$G/$name.out" "$TMP/$name.out"
	golden_compare "$G/$name.err" "$TMP/$name.err"
}
