#!/usr/bin/env bash
# Out of memory inside the format verifier is not a verdict on the file.
#
# cf_verify() allocates a table when a file's string pool holds more strings
# than its on-stack table takes (over 1,536): a failed allocation there
# returns CF_ERR_NOMEM. The sensor's loader (cfc run, cfc test), cfc dump
# and cfc sign must then end with exit 2 and "out of memory", never report
# the file as rejected (exit 1). Each command runs with every allocation
# failing in turn (tests/torture/alloc.sh) on a channel file with 1,600
# distinct strings, so the verifier's own allocation is among those failed.
set -u
. "$SRC/tests/lib.sh"
if [ "${CFC_VALGRIND:-0}" = 1 ]; then
	echo "skipped under valgrind"
	exit 0
fi
bin=${BUILD:-$(dirname "$CFC")}/cfc-failalloc
[ -x "$bin" ] || fail "$bin is not built (make check builds it)"
T=$SRC/samples/templates
cd "$TMP" || exit 2

{
	printf 'channel: 900\ntemplate: process-creation\nversion: 1\ninstances:\n'
	for i in $(seq 1 1600); do
		printf '  - id: %d\n    match: {image: {equals: "img-%d.exe"}}\n' "$i" "$i"
	done
} >big.yaml
"$CFC" compile -t "$T" --strip-source -o big.cf big.yaml || fail "compile big.cf"
"$CFC" keygen -W -p k.pub -s k.key >/dev/null || fail keygen
# Without these inputs every run below would end at "cannot open", and the
# sweeps would pass having failed no allocation of the verifier.
expect 0 "$CFC" dump big.cf
[ "$(grep -c '^- id:' out)" = 1600 ] || fail "big.cf does not hold the 1,600 instances the sweeps need"
[ -s k.key ] || fail "keygen wrote no k.key"

alloc_sweep 1 dump big.cf
alloc_sweep 1 sign -s k.key -t "$T" -x o.minisig big.cf
alloc_sweep 1 run -t "$T" --sensor 7.16.0 --events /dev/null big.cf

# cfc test compiles the source (thousands of allocations) before it
# verifies the result and loads it into a sensor of every build: those
# verifier allocations are among the last few hundred, which are failed in
# turn here, with the same rule as tests/torture/alloc.sh.
{
	printf 'channel: 901\ntemplate: process-creation\nversion: 1\ninstances:\n'
	for i in $(seq 1 175); do
		printf '  - id: %d\n    match: {image: {equals: a%d}, command_line: {equals: b%d}, ' "$i" "$i" "$i"
		printf 'parent_image: {equals: c%d}, parent_command_line: {equals: d%d}, ' "$i" "$i"
		printf 'user: {equals: e%d}, current_directory: {equals: f%d}, signer: {equals: g%d}, ' "$i" "$i" "$i"
		printf 'original_file_name: {equals: h%d}, grandparent_image: {equals: i%d}}\n' "$i" "$i"
	done
	printf '    tests:\n      - {event: {image: a175}, expect: no-match}\n'
} >mid.yaml
CFC_COUNT_ALLOC=$TMP/count "$bin" test -t "$T" mid.yaml >/dev/null 2>&1
base=$?
total=$(cat "$TMP/count")
[ "$base" = 0 ] && [ "${total:-0}" -gt 1000 ] || fail "baseline cfc test: exit $base, $total allocations"
export ASAN_OPTIONS=${ASAN_OPTIONS:-}:exitcode=99:detect_leaks=1
export LSAN_OPTIONS=${LSAN_OPTIONS:-}:exitcode=98
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-}:halt_on_error=1:exitcode=99
tested=0
for n in $(seq $((total - 300)) "$total"); do
	rc=0
	CFC_FAIL_ALLOC=$n "$bin" test -t "$T" mid.yaml >/dev/null 2>err.txt || rc=$?
	tested=$((tested + 1))
	if [ $rc -ne 0 ] && { [ $rc -ne 2 ] || ! grep -qi 'out of memory' err.txt; }; then
		sed 's/^/    /' err.txt | head -5 >&2
		bad "cfc test: failing allocation $n of $total: exit $rc"
		break
	fi
done
echo "cfc test: the last $tested of $total allocations failed in turn"
finish "sensor_verify_nomem: the verifier's out of memory is exit 2 everywhere"
