#!/usr/bin/env bash
# Test runner for `make check`: runs the cmocka unit binaries given as
# arguments, then every command-line test script tests/cli/*.sh, and ends
# with one line "check: N passed, N failed".
#
# Each CLI script is run with CFC (the binary under test), SRC (the source
# tree), TMP (a fresh scratch directory) and exits 0 on success.
set -u
cd "$(dirname "$0")/.." || exit 2
SRC=$(pwd)
mode=all
case "${1:-}" in
--unit-only) mode=unit; shift ;;
--cli-only) mode=cli; shift ;;
esac

passed=0
failed=0
failures=()

if [ "$mode" != cli ]; then
	for bin in "$@"; do
		out=$("$bin" 2>&1)
		rc=$?
		p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' <<<"$out" | tail -1)
		f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' <<<"$out" | tail -1)
		p=${p:-0}
		f=${f:-0}
		if [ $rc -ne 0 ] && [ "$f" = 0 ]; then f=1; fi
		passed=$((passed + p))
		failed=$((failed + f))
		if [ "$f" != 0 ]; then
			failures+=("$(basename "$bin")")
			printf '%s\n' "$out" | grep -v '^\[ \(RUN\|       OK\) ' >&2
		fi
		printf '  %-28s %3d passed, %d failed\n' "$(basename "$bin")" "$p" "$f"
	done
fi

# Replay every saved fuzzer input: tests/corpus/TARGET/ through
# $BUILD/replay/TARGET. An input that crashes, trips a sanitizer or hangs
# fails the check.
if [ "$mode" = all ] && [ -n "${BUILD:-}" ]; then
	for dir in tests/corpus/*/; do
		[ -d "$dir" ] || continue
		target=$(basename "$dir")
		bin="$BUILD/replay/$target"
		if [ ! -x "$bin" ]; then
			failed=$((failed + 1))
			failures+=("corpus/$target (no replay binary)")
			continue
		fi
		if out=$(timeout 300 "$bin" "$dir" 2>&1); then
			passed=$((passed + 1))
			printf '  %-28s ok (%s)\n' "corpus/$target" "$(tail -1 <<<"$out")"
		else
			failed=$((failed + 1))
			failures+=("corpus/$target")
			printf '  %-28s FAILED\n' "corpus/$target"
			printf '%s\n' "$out" | tail -30 | sed 's/^/    | /' >&2
		fi
	done
fi

# CFC_VALGRIND=1 (make valgrind): every cfc the command-line tests run goes
# through valgrind (tests/valgrind/cfc); any report fails the run.
vglogs=
if [ "$mode" != unit ] && [ "${CFC_VALGRIND:-0}" = 1 ]; then
	command -v valgrind >/dev/null || { echo "CFC_VALGRIND=1: valgrind is not installed" >&2; exit 2; }
	vglogs=$(mktemp -d "${TMPDIR:-/tmp}/cfc-valgrind.XXXXXX")
	export CFC_REAL=$CFC CFC_VALGRIND_LOGS=$vglogs CFC_VALGRIND
	CFC=$SRC/tests/valgrind/cfc
fi

if [ "$mode" != unit ]; then
	: "${CFC:?CFC must name the cfc binary}"
	for t in tests/cli/*.sh; do
		[ -e "$t" ] || continue
		name=$(basename "$t" .sh)
		tmp=$(mktemp -d "${TMPDIR:-/tmp}/cfc-test.XXXXXX")
		if out=$(CFC="$CFC" SRC="$SRC" TMP="$tmp" bash "$t" 2>&1); then
			passed=$((passed + 1))
			printf '  %-28s ok\n' "cli/$name"
			rm -rf "$tmp"
		else
			failed=$((failed + 1))
			failures+=("cli/$name")
			printf '  %-28s FAILED (scratch kept in %s)\n' "cli/$name" "$tmp"
			printf '%s\n' "$out" | tail -40 | sed 's/^/    | /' >&2
		fi
	done
fi

if [ -n "$vglogs" ]; then
	reports=$(find "$vglogs" -type f -size +0 | wc -l)
	runs=$(find "$vglogs" -type f | wc -l)
	if [ "$reports" -ne 0 ]; then
		failed=$((failed + 1))
		failures+=("valgrind ($reports reports, kept in $vglogs)")
		find "$vglogs" -type f -size +0 | head -5 | xargs cat | head -80 | sed 's/^/    | /' >&2
	else
		passed=$((passed + 1))
		rm -rf "$vglogs"
	fi
	printf '  %-28s %s\n' "valgrind" "$runs cfc runs, $reports with errors or leaks"
fi

if [ ${#failures[@]} -gt 0 ]; then
	echo "failed: ${failures[*]}" >&2
fi
echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
