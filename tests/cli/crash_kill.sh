#!/usr/bin/env bash
# Crash safety, short run for make check: tests/crash/kill.sh with 10 trials
# per command (make crash runs 100; CFC_CRASH_TRIALS overrides).
set -u
. "$SRC/tests/lib.sh"
# The normal build only: a sanitizer cannot report from a process SIGKILL
# ends, and what the test checks (the files on disk) does not depend on
# the build.
if [ "${CFC_VALGRIND:-0}" = 1 ] || [ "${SANITIZE:-}" = 1 ]; then
	echo "skipped: the crash test runs in the normal build"
	exit 0
fi
exec "$SRC/tests/crash/kill.sh" "${CFC_CRASH_TRIALS:-10}"
