#!/usr/bin/env bash
# make fuzz: run each libFuzzer target for FUZZ_SECONDS (default 60).
#
# FUZZ_BUILD names the FUZZ=1 build directory (default build/fuzz); the
# binaries are $FUZZ_BUILD/fuzzers/TARGET. Corpora live in
# $FUZZ_BUILD/corpus/TARGET, seeded from samples/ (through
# fuzz/seed.sh) and from the regression inputs in tests/corpus/TARGET. A
# crash, leak or timeout is copied into tests/corpus/TARGET/, where every
# `make check` replays it from then on; the script then fails.
set -u
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
out=${FUZZ_BUILD:-build/fuzz}
report=$out/report.txt
: >"$report"
status=0
for t in "$@"; do
	bin=$out/fuzzers/$t
	corpus=$out/corpus/$t
	crashes=$out/crashes/$t
	mkdir -p "$corpus" "$crashes"
	fuzz/seed.sh "$t" "$corpus"
	[ -d "tests/corpus/$t" ] && cp -n tests/corpus/"$t"/* "$corpus"/ 2>/dev/null
	echo "== fuzz $t for ${seconds}s"
	log=$out/$t.log
	"$bin" "$corpus" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
		-rss_limit_mb=2048 -max_len=65536 -artifact_prefix="$crashes/" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
	found=$(find "$crashes" -type f | wc -l)
	line="$t: ${seconds}s, ${runs:-?} runs, ${speed:-?} exec/s, ${cov:-cov: ?}, corpus $(find "$corpus" -type f | wc -l), findings $found"
	echo "$line" | tee -a "$report"
	if [ $rc -ne 0 ] || [ "$found" -ne 0 ]; then
		status=1
		mkdir -p "tests/corpus/$t"
		for f in "$crashes"/*; do
			[ -f "$f" ] || continue
			name=$(basename "$f")
			cp "$f" "tests/corpus/$t/$name"
			echo "  saved $f as tests/corpus/$t/$name (make check replays it)"
		done
		tail -30 "$log" | sed 's/^/  | /'
	fi
done
echo "report: $report"
exit $status
