#!/usr/bin/env bash
# tests/torture/alloc.sh FAILALLOC_CFC STRIDE -- ARGS...
#
# Runs `cfc ARGS` once to count its allocations, then again with the Nth
# allocation failing, for N = 1, 1+STRIDE, ... up to the total (STRIDE 1:
# every N). The loop runs inside FAILALLOC_CFC, one fork per N
# (tests/torture/failalloc.c, CFC_ALLOC_SWEEP). Each run must end cleanly:
# the exit status of the unfailed run (the failure was absorbed) or 2 with
# "out of memory" on stderr; never a signal, and under ASan never a sanitizer
# report (exit 99) or a leak (98). Outputs are written in the current
# directory. With ALLOC_RESET set, that shell command runs before every run
# (e.g. to restore a state directory). ALLOC_EXPECT_OUT, when set, names a
# file the baseline run must write and every run must leave either absent or
# byte-identical to the baseline's (a failed run never leaves a partial
# output).
set -u
bin=$1
stride=$2
shift 3 # FAILALLOC_CFC STRIDE --
# malloc_context_size=8: shorter allocation stacks (enough to find a leak)
# make each of the thousands of ASan children a quarter cheaper.
export ASAN_OPTIONS=${ASAN_OPTIONS:-}:exitcode=99:detect_leaks=1:malloc_context_size=8
export LSAN_OPTIONS=${LSAN_OPTIONS:-}:exitcode=98
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-}:halt_on_error=1:exitcode=99
if out=$(CFC_ALLOC_SWEEP=$stride CFC_ALLOC_RESET=${ALLOC_RESET:-} \
	CFC_ALLOC_EXPECT_OUT=${ALLOC_EXPECT_OUT:-} "$bin" "$@" 2>&1); then
	printf 'cfc %s: %s\n' "$1" "$(tail -1 <<<"$out")"
else
	printf 'cfc %s:\n%s\n' "$*" "$out" | head -40
	exit 1
fi
