#!/usr/bin/env bash
# Golden tests of `cfc compile` diagnostics: every case in tests/golden/compile/
# is compiled and its stderr compared byte for byte with CASE.err.
#
# A case is CASE.yaml (compiled as `-t templates CASE.yaml`) or CASE.args (the
# arguments, for cases with several files or bad manifests). The exit status
# must be CASE.rc (default 1), and no output file may appear.
# CFC_REGEN=1 rewrites the .err files instead of comparing (review the diff!).
set -u
cd "$SRC/tests/golden/compile" || exit 2
export NO_COLOR=1
fail=0
n=0
cases=$( (ls *.yaml *.args 2>/dev/null | sed 's/\.\(yaml\|args\)$//') | sort -u)
for c in $cases; do
	[ "$c" = ok ] && continue
	n=$((n + 1))
	if [ -f "$c.args" ]; then
		read -r -a args <"$c.args"
	else
		args=(-t templates "$c.yaml")
	fi
	want_rc=1
	[ -f "$c.rc" ] && want_rc=$(cat "$c.rc")
	rm -f "$TMP/out.cf"
	"$CFC" compile -o "$TMP/out.cf" "${args[@]}" 2>"$TMP/$c.stderr" >/dev/null
	rc=$?
	if [ "${CFC_REGEN:-0}" = 1 ] && [ "$rc" -lt 126 ]; then
		cp "$TMP/$c.stderr" "$c.err"
	fi
	if [ "$rc" != "$want_rc" ]; then
		echo "FAIL $c: exit status $rc, expected $want_rc"
		fail=1
	fi
	if [ ! -f "$c.err" ] || ! diff -u "$c.err" "$TMP/$c.stderr"; then
		echo "FAIL $c: stderr differs from $c.err"
		fail=1
	fi
	if [ -e "$TMP/out.cf" ]; then
		echo "FAIL $c: an output file was written"
		fail=1
	fi
done
echo "compile_errors: $n cases"
exit $fail
