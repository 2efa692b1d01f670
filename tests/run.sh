#!/usr/bin/env bash
# Test runner for `make check`, `make asan` and `make valgrind`.
#
#   tests/run.sh [--unit-only | --cli-only] [UNIT_BINARY...]
#
# Runs the cmocka unit binaries given as arguments, the replay of every
# saved fuzzer input (tests/corpus/TARGET through $BUILD/replay/TARGET) and
# every command-line test script tests/cli/*.sh, CHECK_JOBS at a time
# (default: the number of cores), the slowest first. Each line says how long
# the test took; the run ends with "check: N passed, N failed".
#
# Each CLI script is run with CFC (the binary under test), SRC (the source
# tree), TMP (a fresh scratch directory) and BUILD, and exits 0 on success.
#
# CFC_VALGRIND=1 (make valgrind): the unit binaries and corpus replays run
# under valgrind memcheck, and so does every cfc run by the command-line
# tests listed in tests/valgrind/subset (docs/hardening.md says why those).
set -u
cd "$(dirname "$0")/.." || exit 2
SRC=$(pwd)
# The tests use the Debian tools `make deps` installs (python3 with
# python3-jsonschema and python3-yaml, minisign, yara): /usr/bin first, so a
# version manager's shim (pyenv's costs a second per python3 run) is not
# what runs.
export PATH=/usr/bin:/bin:$PATH
mode=all
case "${1:-}" in
--unit-only) mode=unit; shift ;;
--cli-only) mode=cli; shift ;;
esac
jobs=${CHECK_JOBS:-$(nproc 2>/dev/null || echo 2)}
valgrind=${CFC_VALGRIND:-0}

results=$(mktemp -d "${TMPDIR:-/tmp}/cfc-check.XXXXXX")
trap 'rm -rf "$results"' EXIT
VG=(valgrind -q --error-exitcode=99 --leak-check=full
	--suppressions="$SRC/tests/valgrind/pcre2-jit.supp"
	--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect)

# --- the tasks: "kind name", run by run_task -----------------------------

tasks=()
if [ "$mode" != cli ]; then
	for bin in "$@"; do tasks+=("unit $bin"); done
fi
if [ "$mode" = all ] && [ -n "${BUILD:-}" ]; then
	for dir in tests/corpus/*/; do
		[ -d "$dir" ] && tasks+=("corpus $(basename "$dir")")
	done
fi
if [ "$mode" != unit ]; then
	: "${CFC:?CFC must name the cfc binary}"
	# The long scripts start first, so that two cores end together.
	slow="torture_alloc torture_alloc_release sensor_verify_nomem crash_kill bundle_reject sensor_evstream signing_interop output_paths"
	all=$(for t in tests/cli/*.sh; do basename "$t" .sh; done)
	for name in $slow $all; do
		[ -e "tests/cli/$name.sh" ] || continue
		case " ${queued:-} " in *" $name "*) continue ;; esac
		queued="${queued:-} $name"
		if [ "$valgrind" = 1 ] && ! grep -qx "$name" tests/valgrind/subset; then
			continue
		fi
		tasks+=("cli $name")
	done
fi

# Runs one task; its output goes to $results/N.out, its verdict (one line:
# "ok DETAIL" or "FAILED DETAIL") to $results/N.res.
run_task() {
	local n=$1 kind=${2%% *} name=${2#* } out=$results/$1.out start rc detail=
	start=$(date +%s.%N)
	case $kind in
	unit)
		if [ "$valgrind" = 1 ]; then
			"${VG[@]}" "$name" >"$out" 2>&1
		else
			"$name" >"$out" 2>&1
		fi
		rc=$?
		local p f
		p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -1)
		f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -1)
		p=${p:-0}
		f=${f:-0}
		[ $rc -ne 0 ] && [ "$f" = 0 ] && f=1
		detail="$p passed, $f failed"
		name=$(basename "$name")
		[ "$f" = 0 ] && rc=0 || rc=1
		echo "$p $f" >"$results/$n.count"
		;;
	corpus)
		local bin="$BUILD/replay/$name"
		if [ ! -x "$bin" ]; then
			echo "no replay binary $bin" >"$out"
			rc=1
		elif [ "$valgrind" = 1 ]; then
			timeout 1200 "${VG[@]}" "$bin" "tests/corpus/$name/" >"$out" 2>&1
			rc=$?
		else
			timeout 300 "$bin" "tests/corpus/$name/" >"$out" 2>&1
			rc=$?
		fi
		detail=$(tail -1 "$out")
		name=corpus/$name
		;;
	cli)
		local tmp cfc=$CFC
		tmp=$(mktemp -d "${TMPDIR:-/tmp}/cfc-test.XXXXXX")
		if [ "$valgrind" = 1 ]; then
			mkdir -p "$vglogs/$name"
			cfc=$SRC/tests/valgrind/cfc
		fi
		CFC_REAL="$CFC" CFC="$cfc" CFC_VALGRIND_LOGS="${vglogs:-}/$name" SRC="$SRC" TMP="$tmp" \
			bash "tests/cli/$name.sh" >"$out" 2>&1
		rc=$?
		if [ $rc = 0 ]; then
			rm -rf "$tmp"
		else
			detail="scratch kept in $tmp"
		fi
		name=cli/$name
		;;
	esac
	local secs
	secs=$(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)")
	if [ "$rc" = 0 ]; then
		printf '%s ok %s %s\n' "$name" "$secs" "$detail" >"$results/$n.res"
	else
		printf '%s FAILED %s %s\n' "$name" "$secs" "$detail" >"$results/$n.res"
	fi
}

vglogs=
if [ "$valgrind" = 1 ]; then
	command -v valgrind >/dev/null || { echo "CFC_VALGRIND=1: valgrind is not installed" >&2; exit 2; }
	vglogs=$results/valgrind
	mkdir -p "$vglogs"
	export CFC_VALGRIND
fi

# --- the pool ---------------------------------------------------------------

passed=0
failed=0
failures=()
report() { # N: print the verdict of task N, count it
	local n=$1 name verdict secs detail
	read -r name verdict secs detail <"$results/$n.res"
	if [ -f "$results/$n.count" ]; then
		local p f
		read -r p f <"$results/$n.count"
		passed=$((passed + p))
		failed=$((failed + f))
	elif [ "$verdict" = ok ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
	printf '  %-28s %-6s %6ss  %s\n' "$name" "$verdict" "$secs" "$detail"
	if [ "$verdict" != ok ]; then
		failures+=("$name")
		grep -v '^\[ \(RUN\|       OK\) ' "$results/$n.out" | tail -40 | sed 's/^/    | /' >&2
	fi
}

started=0
reported=0
running=0
total=${#tasks[@]}
while [ $reported -lt "$total" ]; do
	while [ $running -lt "$jobs" ] && [ $started -lt "$total" ]; do
		run_task "$started" "${tasks[$started]}" &
		started=$((started + 1))
		running=$((running + 1))
	done
	wait -n 2>/dev/null
	running=0
	for ((i = reported; i < started; i++)); do
		[ -f "$results/$i.res" ] || running=$((running + 1))
	done
	# Verdicts in the order the tasks were queued.
	while [ $reported -lt $started ] && [ -f "$results/$reported.res" ]; do
		report "$reported"
		reported=$((reported + 1))
	done
done

if [ -n "$vglogs" ]; then
	reports=$(find "$vglogs" -type f -size +0 | wc -l)
	runs=$(find "$vglogs" -type f | wc -l)
	if [ "$reports" -ne 0 ]; then
		failed=$((failed + 1))
		kept=$(mktemp -d "${TMPDIR:-/tmp}/cfc-valgrind.XXXXXX")
		cp -r "$vglogs/." "$kept/"
		failures+=("valgrind ($reports reports, kept in $kept)")
		find "$vglogs" -type f -size +0 | head -5 | xargs cat | head -80 | sed 's/^/    | /' >&2
	else
		passed=$((passed + 1))
	fi
	printf '  %-28s %s\n' "valgrind" "$runs cfc runs under valgrind, $reports with errors or leaks"
fi

if [ ${#failures[@]} -gt 0 ]; then
	echo "failed: ${failures[*]}" >&2
fi
echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
