#!/usr/bin/env bash
# tests/torture/alloc.sh FAILALLOC_CFC STRIDE -- ARGS...
#
# Runs `cfc ARGS` once to count its allocations, then again with the Nth
# allocation failing, for N = 1, 1+STRIDE, ... up to the total (STRIDE 1:
# every N). Each run must end cleanly: the exit status of the unfailed run
# (the failure was absorbed) or 2 with "out of memory" on stderr; never a
# signal, and under ASan never a sanitizer report (exit 99) or a leak (98).
# Outputs are written in the current directory. With ALLOC_RESET set, that
# shell command runs before every run (e.g. to restore a state directory).
# ALLOC_EXPECT_OUT, when set, names a file the baseline run must write and
# every run must leave either absent or byte-identical to the baseline's (a
# failed run never leaves a partial output).
set -u
bin=$1
stride=$2
shift 3 # FAILALLOC_CFC STRIDE --
export ASAN_OPTIONS=${ASAN_OPTIONS:-}:exitcode=99:detect_leaks=1
export LSAN_OPTIONS=${LSAN_OPTIONS:-}:exitcode=98
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-}:halt_on_error=1:exitcode=99
reset() { [ -z "${ALLOC_RESET:-}" ] || eval "$ALLOC_RESET"; }
count=$(mktemp)
reset
CFC_COUNT_ALLOC=$count "$bin" "$@" >/dev/null 2>&1
base=$?
total=$(cat "$count" 2>/dev/null)
total=${total:-0}
rm -f "$count"
if [ "$base" -ge 3 ]; then
	echo "baseline run of cfc $* failed with status $base" >&2
	exit 1
fi
good=
if [ -n "${ALLOC_EXPECT_OUT:-}" ]; then
	good=$(mktemp)
	cp "$ALLOC_EXPECT_OUT" "$good" || exit 1
fi
bad=0
runs=0
n=1
while [ "$n" -le "$total" ]; do
	reset
	[ -z "$good" ] || rm -f "$ALLOC_EXPECT_OUT"
	CFC_FAIL_ALLOC=$n "$bin" "$@" >/dev/null 2>err.$$
	rc=$?
	runs=$((runs + 1))
	if [ -n "$good" ] && [ -e "$ALLOC_EXPECT_OUT" ] && ! cmp -s "$good" "$ALLOC_EXPECT_OUT"; then
		echo "cfc $*: failing allocation $n of $total: $ALLOC_EXPECT_OUT differs from the baseline's" >&2
		bad=$((bad + 1))
	fi
	if [ $rc -ne "$base" ]; then
		if [ $rc -ne 2 ] || ! grep -qi 'out of memory' err.$$; then
			echo "cfc $*: failing allocation $n of $total: exit $rc (baseline $base)" >&2
			sed 's/^/    /' err.$$ | head -20 >&2
			bad=$((bad + 1))
			[ $bad -ge 5 ] && break
		fi
	fi
	n=$((n + stride))
done
rm -f err.$$ ${good:+"$good"}
echo "cfc $1: $runs of $total allocations failed in turn, $bad bad"
[ $bad -eq 0 ]
