# lib.sh - helpers for tests/cli/sensor_*.sh (sourced; cwd is the source tree).
#
#   compile_samples          the sample channels into $TMP (source map paths
#                            relative to the tree: samples/rules/...)
#   golden NAME STATUS CMD.. run CMD in $TMP; compare its exit status, stdout
#                            with NAME.out and stderr with NAME.err ($TMP/ and
#                            $SRC/ removed from paths). UPDATE_GOLDEN=1
#                            rewrites the expected files instead; GOLDEN_SED
#                            is one more sed expression for stderr.
G=$SRC/tests/golden/sensor
T=$SRC/samples/templates
E=$SRC/samples/events
failures=0

compile_samples() {
	"$CFC" compile -t samples/templates -o "$TMP/c291-bad.cf" samples/rules/c291-bad.yaml
	"$CFC" compile -t samples/templates -o "$TMP/c291-fixed.cf" samples/rules/c291-fixed.yaml
	"$CFC" compile -t samples/templates -o "$TMP/c310.cf" samples/rules/process-lineage.yaml
	"$CFC" compile -t samples/templates -o "$TMP/c412.cf" samples/rules/dns-tunnel-1.yaml \
		samples/rules/dns-tunnel-2.yaml
}

golden() {
	local name=$1 want=$2 rc=0
	shift 2
	(cd "$TMP" && "$@") >"$TMP/$name.out" 2>"$TMP/$name.raw" || rc=$?
	sed -e "s|$TMP/||g" -e "s|$SRC/||g" -e "${GOLDEN_SED:-}" "$TMP/$name.raw" >"$TMP/$name.err"
	if [ -n "${UPDATE_GOLDEN:-}" ]; then
		cp "$TMP/$name.out" "$G/$name.out"
		cp "$TMP/$name.err" "$G/$name.err"
	fi
	if [ "$rc" != "$want" ]; then
		echo "$name: exit status $rc, want $want" >&2
		cat "$TMP/$name.err" >&2
		failures=$((failures + 1))
	fi
	diff -u "$G/$name.out" "$TMP/$name.out" >&2 || { echo "$name: stdout differs" >&2; failures=$((failures + 1)); }
	diff -u "$G/$name.err" "$TMP/$name.err" >&2 || { echo "$name: stderr differs" >&2; failures=$((failures + 1)); }
}
