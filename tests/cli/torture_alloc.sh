#!/usr/bin/env bash
# Allocation failure: every subcommand run with its Nth allocation failing,
# for every N up to its total (tests/torture/alloc.sh, with
# $BUILD/cfc-failalloc). Each run must end as the unfailed run did (the
# failure was absorbed) or with exit 2 and "out of memory", never a signal;
# in the ASan build (SANITIZE=1) never a sanitizer report or a leak. Outputs
# are either the complete file the unfailed run writes, or absent.
#
# CFC_TORTURE_STRIDE=K tries every Kth N only (default 1: every N, about
# 3,100 runs). The command lines are in two parts so that two cores share
# the sweep: this script runs part 1 (compile, lint, keygen) unless
# TORTURE_PART says otherwise; torture_alloc_release.sh runs part 2 (sign,
# verify, bundle, unbundle, run, pack-events, test, dump). TORTURE_PART=all
# runs both.
set -u
part=${TORTURE_PART:-1}
. "$SRC/tests/lib.sh"
if [ "${CFC_VALGRIND:-0}" = 1 ]; then
	echo "skipped under valgrind"
	exit 0
fi
bin=${BUILD:?BUILD must name the build directory}/cfc-failalloc
[ -x "$bin" ] || fail "$bin is not built (make check builds it)"
stride=${CFC_TORTURE_STRIDE:-1}
T=$SRC/samples/templates
R=$SRC/samples/rules
export SOURCE_DATE_EPOCH=1721361600 CFC_NOW=1721365200
cd "$TMP" || exit 2

# Inputs, made with the normal binary.
"$CFC" keygen -W -p k.pub -s k.key >/dev/null || fail keygen
"$CFC" compile -t "$T" -o c.cf "$R/c291-fixed.yaml" || fail compile
"$CFC" compile -t "$T" -o bad.cf "$R/c291-bad.yaml" || fail compile bad
"$CFC" compile -t "$T" -o p.cf "$R/process-lineage.yaml" || fail compile p
"$CFC" sign -s k.key -t "$T" c.cf p.cf >/dev/null || fail sign
"$CFC" bundle -s k.key -o b.tar.zst c.cf p.cf >/dev/null || fail bundle
mkdir -p out st st0
"$CFC" unbundle -p k.pub -C out --state st0 b.tar.zst >/dev/null || fail unbundle
"$CFC" compile -t "$T" --content-version 44 -o c44.cf "$R/c291-fixed.yaml" || fail compile 44
"$CFC" sign -s k.key -t "$T" c44.cf >/dev/null || fail sign 44
"$CFC" bundle -s k.key --bundle-version 2 -o b2.tar.zst c44.cf p.cf >/dev/null || fail bundle 2
"$CFC" pack-events -t "$T" -o ev.cfe "$SRC/samples/events/ipc-named-pipe.jsonl" 2>/dev/null || fail pack-events
# A run on an input that is not there ends at "cannot open" and fails no
# allocation of the work it is meant to sweep.
for f in k.pub k.key c.cf bad.cf p.cf c.cf.minisig p.cf.minisig b.tar.zst st0/cfc-state.json \
	c44.cf c44.cf.minisig b2.tar.zst ev.cfe; do
	[ -s "$f" ] || fail "input $f was not made"
done


if [ "$part" = 1 ] || [ "$part" = all ]; then
	ALLOC_EXPECT_OUT=o.cf alloc_sweep "$stride" compile -t "$T" -o o.cf "$R/c291-fixed.yaml"
	alloc_sweep "$stride" compile -t "$T" -o o2.cf "$R/dns-tunnel-1.yaml" "$R/dns-tunnel-2.yaml"
	alloc_sweep "$stride" compile -t "$T" -o o3.cf "$R/c291-bad.yaml" "$SRC/tests/golden/compile/bad-criterion.yaml"
	alloc_sweep "$stride" lint -t "$T" c.cf p.cf
	alloc_sweep "$stride" lint -t "$T" --format json bad.cf
	alloc_sweep "$stride" lint -t "$T" --format sarif bad.cf
	ALLOC_RESET='rm -f k2.pub k2.key' alloc_sweep "$stride" keygen -W -p k2.pub -s k2.key
fi
if [ "$part" = 2 ] || [ "$part" = all ]; then
	ALLOC_EXPECT_OUT=o.minisig alloc_sweep "$stride" sign -s k.key -t "$T" -x o.minisig c.cf
	alloc_sweep "$stride" verify -p k.pub c.cf p.cf
	alloc_sweep "$stride" verify -p k.pub b.tar.zst
	ALLOC_EXPECT_OUT=o.tar.zst alloc_sweep "$stride" bundle -s k.key -o o.tar.zst c.cf p.cf
	alloc_sweep "$stride" unbundle -p k.pub -C out b.tar.zst
	# with rollback state: each run starts from the state of bundle 1 installed
	ALLOC_RESET='rm -rf st && cp -a st0 st' ALLOC_EXPECT_OUT=st/cfc-state.json \
		alloc_sweep "$stride" unbundle -p k.pub -C out --state st b2.tar.zst
	alloc_sweep "$stride" run -t "$T" --sensor 7.11.0 --events "$SRC/samples/events/ipc-named-pipe.jsonl" c.cf bad.cf
	alloc_sweep "$stride" run -t "$T" --sensor 7.16.0 -p k.pub --now "$CFC_NOW" b2.tar.zst
	alloc_sweep "$stride" run -t "$T" --sensor 7.11.0 --events ev.cfe c.cf bad.cf
	ALLOC_EXPECT_OUT=o.cfe alloc_sweep "$stride" pack-events -t "$T" -o o.cfe "$SRC/samples/events/ipc-named-pipe.jsonl"
	alloc_sweep "$stride" test -t "$T" "$R/c291-fixed.yaml"
	alloc_sweep "$stride" dump c.cf
	alloc_sweep "$stride" dump --format json c.cf
fi
[ "${ALLOC_RUNS:-0}" -gt 0 ] || fail "part '$part' swept nothing"

finish "$ALLOC_RUNS runs with one allocation failing (stride $stride), all clean"
