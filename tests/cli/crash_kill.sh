#!/usr/bin/env bash
# Crash safety, short run for make check: tests/crash/kill.sh with 10 trials
# per command (make crash runs 100; CFC_CRASH_TRIALS overrides).
set -u
. "$SRC/tests/lib.sh"
if [ "${CFC_VALGRIND:-0}" = 1 ]; then
	echo "skipped under valgrind"
	exit 0
fi
exec "$SRC/tests/crash/kill.sh" "${CFC_CRASH_TRIALS:-10}"
