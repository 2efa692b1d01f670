#!/usr/bin/env bash
# tests/crash/kill.sh [TRIALS]: crash safety under SIGKILL.
#
# Starts `cfc compile`, `cfc sign`, `cfc bundle` and `cfc unbundle --state`
# TRIALS times each (default 100), kills each run with SIGKILL after a random
# delay spread over the command's own measured run time, and checks after
# every kill that:
#   - every output path holds a complete known file (byte-identical to the
#     version there before or to the version the run writes) or, when there
#     was none before, nothing: never a partial file;
#   - with --state, the state file is byte-identical to the old or the new
#     state, and when it is the new one every installed file is new (the
#     state is replaced last);
#   - a later run of the same command succeeds and writes the new version:
#     whatever temporary files the killed run left (NAME.tmp.XXXXXX beside an
#     output, DIR/.cfc-unbundle.XXXXXX, STATE/.cfc-state.json.XXXXXX) are
#     never read, and random names never collide. They are counted, and
#     reported; docs/hardening.md gives the policy.
# CRASH_COMMANDS narrows the commands (e.g. "unbundle").
# Needs CFC (the binary) and SRC (the source tree); runs in a scratch
# directory ($TMP when set).
set -u
trials=${1:-100}
: "${CFC:?CFC must name the cfc binary}"
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
work=${TMP:-$(mktemp -d)}
cd "$work" || exit 2
T=$SRC/samples/templates
R=$SRC/samples/rules
export CFC_NOW=1721365200
fail() { echo "FAIL: $*" >&2; exit 1; }

# --- known versions --------------------------------------------------------
"$CFC" keygen -W -p k.pub -s k.key >/dev/null || fail keygen
"$CFC" compile -t "$T" -o A.cf "$R/process-lineage.yaml" || fail compile
"$CFC" compile -t "$T" --content-version 18 -o B.cf "$R/process-lineage.yaml" || fail compile
cp A.cf s.cf
SOURCE_DATE_EPOCH=1721361000 "$CFC" sign -s k.key -t "$T" -x A.minisig s.cf >/dev/null || fail sign
SOURCE_DATE_EPOCH=1721362000 "$CFC" sign -s k.key -t "$T" -x B.minisig s.cf >/dev/null || fail sign
"$CFC" compile -t "$T" -o c43.cf "$R/c291-fixed.yaml" || fail compile
"$CFC" compile -t "$T" --content-version 44 -o c44.cf "$R/c291-fixed.yaml" || fail compile
"$CFC" compile -t "$T" -o d.cf "$R/dns-tunnel-1.yaml" "$R/dns-tunnel-2.yaml" || fail compile
export SOURCE_DATE_EPOCH=1721361600
"$CFC" sign -s k.key -t "$T" A.cf B.cf c43.cf c44.cf d.cf >/dev/null || fail sign
mkdir -p v1 v2
cp A.cf A.cf.minisig c43.cf c43.cf.minisig v1/
cp B.cf B.cf.minisig c44.cf c44.cf.minisig d.cf d.cf.minisig v2/
# one name per channel, as a deployment would have it
for v in v1 v2; do
	(cd $v && for f in *.cf; do
		case $f in A.cf | B.cf) n=lineage.cf ;; c4*.cf) n=c291.cf ;; d.cf) n=dns.cf ;; esac
		mv "$f" "$n" && mv "$f.minisig" "$n.minisig"
	done)
done
"$CFC" bundle -s k.key --bundle-version 1 -o bundle1.tar.zst v1/*.cf >/dev/null || fail bundle
"$CFC" bundle -s k.key --bundle-version 2 -o bundle2.tar.zst v2/*.cf >/dev/null || fail bundle
cp bundle1.tar.zst A.tar.zst
cp bundle2.tar.zst B.tar.zst
# the installed states: bundle 1, then bundle 2
mkdir -p inst1 st1
"$CFC" unbundle -p k.pub -C inst1 --state st1 bundle1.tar.zst >/dev/null || fail unbundle
cp -a inst1 inst2 && cp -a st1 st2
"$CFC" unbundle -p k.pub -C inst2 --state st2 bundle2.tar.zst >/dev/null || fail unbundle
cmp -s st1/cfc-state.json st2/cfc-state.json && fail "the two states are equal"

# --- one command ------------------------------------------------------------
# run_cmd NAME: the command line of each subject, writing into ./t/. It
# execs cfc, so it must run in a subshell: `(run_cmd NAME) &` makes $! the
# pid of cfc itself, not of a shell that would die alone under SIGKILL and
# leave cfc running.
run_cmd() {
	case $1 in
	compile) exec "$CFC" compile -t "$T" --content-version 18 -o t/out.cf "$R/process-lineage.yaml" ;;
	sign) SOURCE_DATE_EPOCH=1721362000 exec "$CFC" sign -s k.key -t "$T" -x t/out.minisig s.cf ;;
	bundle) exec "$CFC" bundle -s k.key --bundle-version 2 -o t/out.tar.zst v2/*.cf ;;
	unbundle) exec "$CFC" unbundle -p k.pub -C t/inst --state t/st bundle2.tar.zst ;;
	esac
}
# prepare NAME TRIAL: the state before a run; odd trials start from nothing
prepare() {
	rm -rf t && mkdir t
	case $1 in
	compile) [ $(($2 % 2)) = 0 ] && cp A.cf t/out.cf ;;
	sign) [ $(($2 % 2)) = 0 ] && cp A.minisig t/out.minisig ;;
	bundle) [ $(($2 % 2)) = 0 ] && cp A.tar.zst t/out.tar.zst ;;
	unbundle)
		if [ $(($2 % 2)) = 0 ]; then
			cp -a inst1 t/inst && cp -a st1 t/st
		else
			mkdir t/inst t/st
		fi
		;;
	esac
	return 0
}
# one_of FILE OLD NEW: FILE is absent (only when OLD is "-"), OLD or NEW
one_of() {
	if [ ! -e "$1" ]; then
		[ "$2" = - ] && return 0
		echo "$1 vanished" >&2
		return 1
	fi
	{ [ "$2" != - ] && cmp -s "$1" "$2"; } || cmp -s "$1" "$3" && return 0
	echo "$1 is neither the old nor the new file ($(wc -c <"$1") bytes)" >&2
	return 1
}
# check NAME TRIAL: the invariants after a kill
check() {
	local old=- f
	case $1 in
	compile)
		[ $(($2 % 2)) = 0 ] && old=A.cf
		one_of t/out.cf $old B.cf
		;;
	sign)
		[ $(($2 % 2)) = 0 ] && old=A.minisig
		one_of t/out.minisig $old B.minisig
		;;
	bundle)
		[ $(($2 % 2)) = 0 ] && old=A.tar.zst
		one_of t/out.tar.zst $old B.tar.zst
		;;
	unbundle)
		local even=$(($2 % 2 == 0)) state_new=0
		if [ $even = 1 ]; then
			one_of t/st/cfc-state.json st1/cfc-state.json st2/cfc-state.json || return 1
		else
			one_of t/st/cfc-state.json - st2/cfc-state.json || return 1
		fi
		[ -e t/st/cfc-state.json ] && cmp -s t/st/cfc-state.json st2/cfc-state.json && state_new=1
		for f in inst2/*; do
			f=$(basename "$f")
			old=-
			[ $even = 1 ] && [ -e "inst1/$f" ] && old=inst1/$f
			one_of "t/inst/$f" "$old" "inst2/$f" || return 1
			if [ $state_new = 1 ] && ! cmp -s "t/inst/$f" "inst2/$f"; then
				echo "the state names bundle 2 but $f is not bundle 2's" >&2
				return 1
			fi
		done
		;;
	esac
}
# leftovers: temporary files a killed run left
leftovers() {
	find t -name '*.tmp.*' -o -name '.cfc-unbundle.*' -o -name '.cfc-state.json.*' | wc -l
}
# finished NAME: after a full run, the output is the new version
finished() {
	case $1 in
	compile) cmp -s t/out.cf B.cf ;;
	sign) cmp -s t/out.minisig B.minisig ;;
	bundle) cmp -s t/out.tar.zst B.tar.zst ;;
	unbundle)
		cmp -s t/st/cfc-state.json st2/cfc-state.json || return 1
		[ "$(cd t/inst && ls)" = "$(cd inst2 && ls)" ] || return 1
		for f in inst2/*; do cmp -s "$f" "t/inst/${f#inst2/}" || return 1; done
		;;
	esac
}
# rerun NAME: the same command again, to completion; an unbundle whose
# state already names bundle 2 is done (running it again is a rollback)
rerun() {
	if [ "$1" = unbundle ] && cmp -s t/st/cfc-state.json st2/cfc-state.json; then
		return 0
	fi
	(run_cmd "$1") >/dev/null 2>rerun.err
}

# nap SECONDS: sleep without forking (read -t on a pipe nobody writes), so
# that sub-millisecond delays are not swamped by starting sleep(1)
exec {nap_fd}<> <(:)
nap() { read -r -t "$1" -u "$nap_fd" _ || :; }

bad=0
for name in ${CRASH_COMMANDS:-compile sign bundle unbundle}; do
	# the run time of a full run, in microseconds (the fastest of five)
	times=()
	for i in 1 2 3 4 5; do
		prepare $name 0
		s=$(date +%s%N)
		(run_cmd $name) >/dev/null 2>&1 || fail "$name does not run"
		e=$(date +%s%N)
		times+=($(((e - s) / 1000)))
	done
	span=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 1p)
	span=$((span + span / 10 + 100))
	killed=0 completed=0 left=0 rerun_bad=0
	for ((trial = 0; trial < trials; trial++)); do
		prepare $name $trial
		delay=$(((RANDOM * 32768 + RANDOM) % span))
		(run_cmd $name) >/dev/null 2>&1 &
		pid=$!
		nap "$(printf '0.%06d' "$delay")"
		kill -KILL $pid 2>/dev/null
		wait $pid 2>/dev/null
		rc=$?
		if [ $rc = 137 ]; then killed=$((killed + 1)); else completed=$((completed + 1)); fi
		if ! check $name $trial; then
			echo "$name trial $trial (delay ${delay} us, exit $rc): FAILED" >&2
			bad=$((bad + 1))
			cp -a t "failed-$name-$trial"
			continue
		fi
		l=$(leftovers)
		left=$((left + l))
		# a later run is not disturbed by what the killed one left
		: >rerun.err
		cp -a t before-rerun
		if ! rerun $name || ! finished $name; then
			echo "$name trial $trial (delay ${delay} us, exit $rc): the run after the kill failed or wrote other bytes" >&2
			sed 's/^/    /' rerun.err >&2
			rm -rf "failed-$name-$trial" && mv before-rerun "failed-$name-$trial"
			rerun_bad=$((rerun_bad + 1))
			bad=$((bad + 1))
		fi
		rm -rf before-rerun
	done
	printf '%-9s %d trials over 0-%d us: %d killed, %d completed first; %d temporary files left by killed runs; %d bad\n' \
		$name "$trials" $span $killed $completed $left $rerun_bad
done
rm -rf t
[ $bad -eq 0 ] || fail "$bad trials broke an invariant"
