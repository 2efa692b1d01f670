#!/usr/bin/env bash
# bench/run.sh - `make bench`: cfc against yarac and minisign on the same work, in one run.
#
# Environment: CFC (the cfc binary), CFBENCH (bench/cfbench.c built against libcf.a),
# RUNS (runs per measurement, default 5; the median is reported). Inputs come from
# bench/gen.py into bench/work/ (generated once; delete bench/work to regenerate).
# Prints a table and writes bench/results.md. See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

CFC=${CFC:-build/cfc}
CFBENCH=${CFBENCH:-build/cfbench}
RUNS=${RUNS:-5}
W=bench/work
O=$W/out
T=samples/templates
WT=bench/templates/bench-wide.yaml
export NO_COLOR=1 SOURCE_DATE_EPOCH=1721347200

for tool in yarac minisign python3 /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "bench: '$tool' is missing (make deps)" >&2; exit 2; }
done

if [ ! -f "$W/SEED" ] || [ bench/gen.py -nt "$W/SEED" ]; then
	echo "bench: generating inputs into $W (bench/gen.py)"
	python3 bench/gen.py --out "$W"
fi
rm -rf "$O" && mkdir -p "$O"

# ---- measuring ----------------------------------------------------------------------

# run1 OUTVAR CMD...: one run; sets OUTVAR_ms (wall) and OUTVAR_kb (peak RSS).
run1() {
	local var=$1
	shift
	local t0 t1
	t0=$(date +%s%N)
	/usr/bin/time -f %M -o "$O/rss" "$@" >/dev/null 2>"$O/stderr" || {
		echo "bench: failed: $*" >&2
		cat "$O/stderr" >&2
		exit 1
	}
	t1=$(date +%s%N)
	printf -v "${var}_ms" '%s' "$(((t1 - t0) / 1000))"
	printf -v "${var}_kb" '%s' "$(tail -n 1 "$O/rss")"
}

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# bench2 NAME_A "CMD A" NAME_B "CMD B": RUNS alternating runs of two commands (so both
# see the same machine load); sets NAME_s (median seconds) and NAME_mb (median peak RSS).
bench2() {
	local na=$1 ca=$2 nb=${3:-} cb=${4:-} i ta=() tb=() ra=() rb=()
	for ((i = 0; i < RUNS; i++)); do
		run1 x $ca
		ta+=("$x_ms") ra+=("$x_kb")
		if [ -n "$nb" ]; then
			run1 x $cb
			tb+=("$x_ms") rb+=("$x_kb")
		fi
	done
	printf -v "${na}_s" '%s' "$(awk -v u="$(median "${ta[@]}")" 'BEGIN {printf "%.3f", u / 1e6}')"
	printf -v "${na}_mb" '%s' "$(awk -v k="$(median "${ra[@]}")" 'BEGIN {printf "%.1f", k / 1024}')"
	if [ -n "$nb" ]; then
		printf -v "${nb}_s" '%s' "$(awk -v u="$(median "${tb[@]}")" 'BEGIN {printf "%.3f", u / 1e6}')"
		printf -v "${nb}_mb" '%s' "$(awk -v k="$(median "${rb[@]}")" 'BEGIN {printf "%.1f", k / 1024}')"
	fi
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN {print (a <= b) ? "met" : "MISSED"}'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN {print (a >= b) ? "met" : "MISSED"}'; }
kv() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }

# ---- setup (not timed) ----------------------------------------------------------------

echo "bench: setting up (keys, the 100 MB file, 100 small channels)"
$CFC keygen -W -f -p "$O/bench.pub" -s "$O/bench.key" >/dev/null
$CFC compile -t "$WT" -o "$O/wide.cf" "$W"/wide/*.yaml
$CFC sign -s "$O/bench.key" -t "$WT" "$O/wide.cf" >/dev/null
wide_bytes=$(stat -c %s "$O/wide.cf")
mkdir -p "$O/many"
for d in "$W"/many/c*; do
	$CFC compile -t "$T" -o "$O/many/$(basename "$d").cf" "$d"/*.yaml
done
for m in literal regex; do
	$CFC compile -t "$T" -o "$O/run-$m.cf" "$W/run-$m"/*.yaml
done
src_bytes=$(cat "$W"/rules-100k/*.yaml | wc -c)
nevents=$(wc -l <"$W/events-literal.jsonl")
# The same events as binary event streams (cfc pack-events), repeated BIN_REPEAT times
# so that a run lasts long enough to time; and a stream with no records.
BIN_REPEAT=5
pack() {
	$CFC pack-events -t "$T" -o "$O/events-$1.cfe" "$W/events-$1.jsonl" 2>"$O/pack.err" || {
		echo "bench: cfc pack-events failed on events-$1.jsonl:" >&2
		cat "$O/pack.err" >&2
		exit 1
	}
}
for m in literal regex; do
	pack "$m"
	python3 - "$O/events-$m.cfe" "$BIN_REPEAT" <<'PY'
import struct, sys
path, n = sys.argv[1], int(sys.argv[2])
data = open(path, "rb").read()
head = 16 + struct.unpack_from("<I", data, 12)[0]
open(path, "wb").write(data[:head] + data[head:] * n)
PY
done
pack empty
nbin=$((nevents * BIN_REPEAT))

# ---- measurements -----------------------------------------------------------------------

echo "bench: compile 1k and 10k instances (cfc compile, yarac), $RUNS runs each"
bench2 c1k "$CFC compile -t $T -o $O/c1k.cf $W/rules-1k/src-00.yaml" y1k "yarac -w $W/rules-1k.yar $O/r1k.yarc"
bench2 c10k "$CFC compile -t $T -o $O/c10k.cf $W/rules-10k/src-00.yaml" y10k "yarac -w $W/rules-10k.yar $O/r10k.yarc"

echo "bench: compile 100k instances (cfc compile, yarac), $RUNS runs each"
bench2 cc "$CFC compile -t $T -o $O/c100k.cf $W/rules-100k/src-00.yaml $W/rules-100k/src-01.yaml $W/rules-100k/src-02.yaml $W/rules-100k/src-03.yaml" \
	yc "yarac -w $W/rules-100k.yar $O/r100k.yarc"

echo "bench: lint 100k instances against sensors 7.16.0 and 7.17.0"
bench2 li "$CFC lint -t $T --sensor 7.16.0 --sensor 7.17.0 $O/c100k.cf" \
	cc2 "$CFC compile -t $T -o $O/c100k.cf $W/rules-100k/src-00.yaml $W/rules-100k/src-01.yaml $W/rules-100k/src-02.yaml $W/rules-100k/src-03.yaml"

echo "bench: verify the 100 MB signed file (cfc verify, minisign -V)"
bench2 cv "$CFC verify -p $O/bench.pub $O/wide.cf" mv "minisign -V -q -p $O/bench.pub -m $O/wide.cf"

echo "bench: format verification alone (cfbench, in process)"
fv=$($CFBENCH verify "$O/wide.cf" $((RUNS > 7 ? RUNS : 7)))
fv_mbs=$(kv "$fv" verify_mbs) rd_mbs=$(kv "$fv" read_mbs) b2_mbs=$(kv "$fv" blake2b_mbs)

echo "bench: sign, bundle, unbundle 100 files"
bench2 sg "$CFC sign -s $O/bench.key -t $T $(echo "$O"/many/*.cf)"
bench2 bd "$CFC bundle -s $O/bench.key -o $O/many.tar.zst --bundle-version 7 $(echo "$O"/many/*.cf)"
cat >"$O/unbundle.sh" <<EOF
rm -rf "$O/inst" && mkdir "$O/inst" && CFC_NOW=$((SOURCE_DATE_EPOCH + 60)) exec $CFC unbundle -p "$O/bench.pub" -C "$O/inst" "$O/many.tar.zst"
EOF
bench2 ub "bash $O/unbundle.sh"

echo "bench: cfc run with 1,000 instances ($nevents JSON lines, $nbin binary records per stream)"
for m in literal regex; do
	bench2 "r_$m" "$CFC run -t $T --sensor 7.16.0 --events $W/events-$m.jsonl $O/run-$m.cf" \
		"e_$m" "$CFC run -t $T --sensor 7.16.0 --events $W/events-empty.jsonl $O/run-$m.cf"
	bench2 "b_$m" "$CFC run -t $T --sensor 7.16.0 --events $O/events-$m.cfe $O/run-$m.cf" \
		"be_$m" "$CFC run -t $T --sensor 7.16.0 --events $O/events-empty.cfe $O/run-$m.cf"
	ev=$($CFBENCH eval "$T" 7.16.0 "$O/run-$m.cf" "$W/events-$m.jsonl" "$RUNS")
	printf -v "i_$m" '%s' "$(kv "$ev" events_per_s)"
done
# Events per second of cfc run: n events over (time with them - time with none), so that
# start-up and loading the content are not counted.
eps() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN {printf "%.0f", n / (a - b)}'; }
r_literal_eps=$(eps "$nevents" "$r_literal_s" "$e_literal_s")
r_regex_eps=$(eps "$nevents" "$r_regex_s" "$e_regex_s")
b_literal_eps=$(eps "$nbin" "$b_literal_s" "$be_literal_s")
b_regex_eps=$(eps "$nbin" "$b_regex_s" "$be_regex_s")

mem_x=$(awk -v m="$cc_mb" -v s="$src_bytes" 'BEGIN {printf "%.2f", m * 1048576 / s}')

# ---- report ------------------------------------------------------------------------------

{
	echo "# cfc benchmark results"
	echo
	echo "$(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m); cfc $($CFC --version | head -n 1 | awk '{print $2}'), $(yarac -v 2>/dev/null | head -n 1 | sed 's/^/yarac /'), $(minisign -v 2>/dev/null | head -n 1). Median of $RUNS runs; peer runs alternate with cfc runs. Peak RSS from \`/usr/bin/time -f %M\`."
	echo
	echo "| measurement | cfc | peer | ratio | target | |"
	echo "|---|---|---|---|---|---|"
	echo "| compile 1k instances | ${c1k_s} s, ${c1k_mb} MB | yarac ${y1k_s} s, ${y1k_mb} MB | $(ratio "$c1k_s" "$y1k_s") | | |"
	echo "| compile 10k instances | ${c10k_s} s, ${c10k_mb} MB | yarac ${y10k_s} s, ${y10k_mb} MB | $(ratio "$c10k_s" "$y10k_s") | | |"
	echo "| compile 100k instances ($((src_bytes / 1000)) kB YAML in 4 files) | ${cc_s} s, ${cc_mb} MB | yarac ${yc_s} s, ${yc_mb} MB | $(ratio "$cc_s" "$yc_s") | ≤ 0.5 | $(le "$(ratio "$cc_s" "$yc_s")" 0.5) |"
	echo "| lint 100k instances, sensors 7.16.0 + 7.17.0 | ${li_s} s, ${li_mb} MB | compile ${cc2_s} s | $(ratio "$li_s" "$cc2_s") | ≤ 1.0 | $(le "$(ratio "$li_s" "$cc2_s")" 1.0) |"
	echo "| verify $((wide_bytes / 1000000)) MB signed file (signature + format + binding) | ${cv_s} s, ${cv_mb} MB | minisign -V ${mv_s} s, ${mv_mb} MB | $(ratio "$cv_s" "$mv_s") | ≤ 1.0 | $(le "$(ratio "$cv_s" "$mv_s")" 1.0) |"
	echo "| format verification alone (cf_verify, in memory) | ${fv_mbs} MB/s | read(2) from page cache ${rd_mbs} MB/s; BLAKE2b ${b2_mbs} MB/s | $(ratio "$fv_mbs" "$rd_mbs") of read | ≥ 1000 MB/s | $(ge "$fv_mbs" 1000) |"
	echo "| sign 100 files (verify + lint + sign each) | ${sg_s} s | | | | |"
	echo "| bundle 100 files (.tar.zst) | ${bd_s} s | | | | |"
	echo "| unbundle 100 files | ${ub_s} s | | | | |"
	echo "| cfc run, 1k literal/prefix instances, binary event stream, one core | ${b_literal_eps} events/s | JSON lines ${r_literal_eps} events/s; interpreter alone (cfbench) ${i_literal} events/s | | ≥ 1,000,000 | $(ge "$b_literal_eps" 1000000) |"
	echo "| cfc run, 1k regex-heavy instances, binary event stream, one core | ${b_regex_eps} events/s | JSON lines ${r_regex_eps} events/s; interpreter alone (cfbench) ${i_regex} events/s | | ≥ 100,000 | $(ge "$b_regex_eps" 100000) |"
	echo "| compile 100k peak memory / source size | ${cc_mb} MB / $((src_bytes / 1000)) kB | | ${mem_x}x | ≤ 5x | $(le "$mem_x" 5) |"
} >"$O/results.md"
cp "$O/results.md" bench/results.md
cat bench/results.md
