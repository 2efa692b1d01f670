# tests/lib.sh - the helpers of the command-line tests, sourced by every
# tests/cli/NAME.sh as
#
#     . "$SRC/tests/lib.sh"
#
# tests/run.sh runs each script with CFC (the cfc under test), SRC (the
# source tree, also the working directory), TMP (a fresh scratch directory)
# and BUILD. This file sets no shell options: each script chooses its own.
# tests/README.md says how a test is written.
#
# Verdicts
#   fail MSG...          print "FAIL: MSG" and exit 1
#   bad MSG...           print "FAIL: MSG", count it and go on (returns 0)
#   finish [MSG...]      the last line of a script: exit 1 when bad was
#                        called, else print MSG (if given) and exit 0
#
# Commands. Each runs CMD with its stdout in $TMP/out and its stderr in
# $TMP/err (in a script that works in $TMP: out and err), where the
# checks that follow read them.
#   expect STATUS CMD...              CMD must exit with STATUS; else print
#                                     its stdout and stderr and fail
#   expect_err STATUS PATTERN CMD...  expect, and a line of stderr matches
#                                     PATTERN (grep basic regex)
#   expect_out STATUS PATTERN CMD...  expect, and a line of stdout matches
#   try STATUS CMD...                 expect, but a wrong status is counted
#                                     (bad) and try returns 1, so that the
#                                     checks that need it can be skipped:
#                                     try 2 CMD && grep -q ... err || bad ...
#                                     (under set -e a failed try ends the
#                                     script, as expect does)
#   has FILE PATTERN                  a line of FILE matches PATTERN (grep
#                                     extended regex); else print FILE and
#                                     count a failure (returns 0)
#
# Golden files
#   normalise_paths [--relative]      stdin to stdout with every $TMP and
#                                     $SRC written as the words $TMP and
#                                     $SRC; --relative drops "$TMP/" and
#                                     "$SRC/" instead (for runs in $TMP
#                                     whose golden files name paths as the
#                                     command line gave them)
#   golden_compare EXPECTED ACTUAL    ACTUAL, its paths normalised, must be
#                                     EXPECTED byte for byte: diff -u and a
#                                     counted failure if not
#   CFC_REGEN=1                       the one switch that regenerates golden
#                                     files: golden_compare writes ACTUAL
#                                     (normalised) over EXPECTED instead of
#                                     comparing, and names each file it
#                                     changed. The other checks still run.
#                                     Review the diff before committing it.
#                                     (UPDATE_GOLDEN=1, an old name, works
#                                     too.)
#
# Fixtures (channel files built from the tree's samples, in $TMP)
#   build NAME.cf ARGS...             cfc compile ARGS -o $TMP/NAME.cf, run
#                                     in $SRC (source map paths relative to
#                                     the tree); fails the test if it fails
#   compile_samples                   the sample channels: c291-bad.cf,
#                                     c291-fixed.cf, c310.cf
#                                     (process-lineage) and c412.cf
#                                     (dns-tunnel-1 and -2)
#
# Allocation failure
#   alloc_sweep STRIDE ARGS...        `cfc ARGS` with its Nth allocation
#                                     failing, N = 1, 1+STRIDE, ... (tests/
#                                     torture/alloc.sh, $BUILD/cfc-failalloc;
#                                     ALLOC_EXPECT_OUT and ALLOC_RESET as
#                                     there); prints the summary line, counts
#                                     a sweep that went wrong (bad) and adds
#                                     its runs to ALLOC_RUNS
#
# tests/lib/sensor.sh and tests/lib/lint.sh add the golden runs of the
# sensor and lint tests.

: "${CFC:?CFC must name the cfc binary}" "${SRC:?SRC must name the source tree}"
: "${TMP:?TMP must name a scratch directory}"

failures=0
CFC_REGEN=${CFC_REGEN:-0}
if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
	CFC_REGEN=1
fi

# --- verdicts --------------------------------------------------------------

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

bad() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
	return 0
}

finish() {
	if [ "$failures" -gt 0 ]; then
		echo "$failures failed checks" >&2
		exit 1
	fi
	[ $# = 0 ] || echo "$*"
	exit 0
}

# --- commands --------------------------------------------------------------

# _show FILE: at most 40 lines of FILE, each cut at 400 bytes, on stderr.
_show() {
	head -n 40 -- "$1" | cut -b 1-400 >&2
}

try() {
	local want=$1 rc=0
	shift
	"$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
	[ "$rc" = "$want" ] && return 0
	echo "--- stdout" >&2
	_show "$TMP/out"
	echo "--- stderr" >&2
	_show "$TMP/err"
	bad "exit $rc, expected $want: $*"
	return 1
}

expect() {
	try "$@" || exit 1
}

# _expect_in STREAM STATUS PATTERN CMD...: expect, then a line of
# $TMP/out (STREAM stdout) or $TMP/err (stderr) must match PATTERN.
_expect_in() {
	local stream=$1 want=$2 pat=$3 file
	shift 3
	[ "$stream" = stdout ] && file=$TMP/out || file=$TMP/err
	expect "$want" "$@"
	grep -q -- "$pat" "$file" && return 0
	echo "--- $stream" >&2
	_show "$file"
	fail "$stream lacks /$pat/: $*"
}

expect_err() { _expect_in stderr "$@"; }

expect_out() { _expect_in stdout "$@"; }

has() {
	grep -Eq -- "$2" "$1" && return 0
	bad "${1#"$TMP/"} lacks /$2/"
	sed 's/^/    | /' -- "$1" 2>&1 | head -n 8 | cut -b 1-400 >&2
	return 0
}

# --- golden files ------------------------------------------------------------

# $TMP and $SRC as sed basic regexes that match them literally.
_tmp_re=$(printf '%s' "$TMP" | sed 's/[][\.*^$|]/\\&/g')
_src_re=$(printf '%s' "$SRC" | sed 's/[][\.*^$|]/\\&/g')

normalise_paths() {
	if [ "${1:-}" = --relative ]; then
		sed -e "s|$_tmp_re/||g" -e "s|$_src_re/||g"
	else
		sed -e "s|$_tmp_re|\$TMP|g" -e "s|$_src_re|\$SRC|g"
	fi
}

golden_compare() {
	local want=$1 got=$2 name=$1
	[ "${want#/}" != "$want" ] || name=$PWD/$want
	name=${name#"$SRC/"}
	if [ ! -f "$got" ]; then
		bad "$name: the output to compare, $got, was not written"
		return 0
	fi
	if [ "$CFC_REGEN" = 1 ]; then
		if ! normalise_paths <"$got" | cmp -s - "$want" 2>/dev/null; then
			normalise_paths <"$got" >"$want" || fail "cannot write $name"
			echo "CFC_REGEN=1: wrote $name" >&2
		fi
		return 0
	fi
	if [ ! -f "$want" ]; then
		bad "$name: no such golden file (CFC_REGEN=1 writes it)"
		return 0
	fi
	# The common case, cheaply: no path to normalise, and the same bytes.
	if ! grep -qF -e "$TMP" -e "$SRC" -- "$got" && cmp -s -- "$want" "$got"; then
		return 0
	fi
	if ! normalise_paths <"$got" | diff -u --label "$name" --label "$name (this run)" -- "$want" - >&2; then
		bad "$name: the output differs from the golden file (CFC_REGEN=1 rewrites it)"
	fi
	return 0
}

# --- fixtures ------------------------------------------------------------------

build() {
	local out=$1 log
	shift
	log=$(cd "$SRC" && "$CFC" compile -o "$TMP/$out" "$@" 2>&1) || {
		printf '%s\n' "$log" >&2
		fail "compile failed: $out"
	}
}

compile_samples() {
	build c291-bad.cf -t samples/templates samples/rules/c291-bad.yaml
	build c291-fixed.cf -t samples/templates samples/rules/c291-fixed.yaml
	build c310.cf -t samples/templates samples/rules/process-lineage.yaml
	build c412.cf -t samples/templates samples/rules/dns-tunnel-1.yaml samples/rules/dns-tunnel-2.yaml
}

alloc_sweep() {
	local stride=$1 out n
	shift
	if ! out=$("$SRC/tests/torture/alloc.sh" "${BUILD:?}/cfc-failalloc" "$stride" -- "$@" 2>&1); then
		printf '%s\n' "$out" >&2
		bad "cfc $1 did not fail cleanly"
	else
		printf '%s\n' "$out" | tail -1
	fi
	n=$(printf '%s\n' "$out" | sed -n 's/.*: \([0-9]*\) of [0-9]* allocations failed.*/\1/p' | tail -1)
	ALLOC_RUNS=$((${ALLOC_RUNS:-0} + ${n:-0}))
}
