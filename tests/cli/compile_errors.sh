#!/usr/bin/env bash
# Golden tests of `cfc compile` diagnostics: every case in tests/golden/compile/
# is compiled and its stderr compared byte for byte with CASE.err.
#
# A case is CASE.yaml (compiled as `-t templates CASE.yaml`) or CASE.args (the
# arguments, for cases with several files or bad manifests). The exit status
# must be CASE.rc (default 1), and no output file may appear.
# CFC_REGEN=1 rewrites the .err files instead of comparing (review the diff!),
# except after a crash.
set -u
. "$SRC/tests/lib.sh"
cd "$SRC/tests/golden/compile" || exit 2
export NO_COLOR=1
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
	if [ "$rc" != "$want_rc" ]; then
		bad "$c: exit status $rc, expected $want_rc"
	fi
	if [ "$rc" -ge 126 ]; then
		bad "$c: cfc crashed; $c.err not compared"
	else
		golden_compare "$c.err" "$TMP/$c.stderr"
	fi
	if [ -e "$TMP/out.cf" ]; then
		bad "$c: an output file was written"
	fi
done
# Every golden file is checked: one whose case is gone would otherwise
# pass unread, and so would an empty case list.
for e in *.err; do
	[ -f "${e%.err}.yaml" ] || [ -f "${e%.err}.args" ] || bad "$e: no ${e%.err}.yaml or .args"
done
[ "$n" -gt 0 ] || fail "no cases in tests/golden/compile"
finish "compile_errors: $n cases"
