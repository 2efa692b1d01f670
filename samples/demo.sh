#!/usr/bin/env bash
# make demo: the whole cfc pipeline on samples/, narrated. Every step checks
# that it behaved as the narration says; the demo exits 0 only if all did.
#
# Environment: CFC (the binary; default build/cfc), DEMO_DIR (scratch
# directory; default build/demo, emptied first).
set -u
cd "$(dirname "$0")/.."
top=$(pwd)
cfc=${CFC:-$top/build/cfc}
work=${DEMO_DIR:-$top/build/demo}
rm -rf "$work"
mkdir -p "$work/out" "$work/keys" "$work/fleet" "$work/state"
T=$top/samples/templates
R=$top/samples/rules
E=$top/samples/events
# Today at 00:00 UTC: fixed within a run, so bundles are reproducible, and
# recent, so the bundle's 30-day expiry lies ahead.
SOURCE_DATE_EPOCH=$(($(date +%s) / 86400 * 86400))
export SOURCE_DATE_EPOCH
export NO_COLOR=1

if [ -t 1 ]; then
	bold=$'\033[1m' green=$'\033[32m' red=$'\033[31m' off=$'\033[0m'
else
	bold= green= red= off=
fi
step=0
failures=0

say() {
	step=$((step + 1))
	printf '\n%s%d. %s%s\n' "$bold" "$step" "$*" "$off"
}

# expect STATUS DESCRIPTION -- command...: run it, show its output indented,
# and check its exit status.
expect() {
	local want=$1 what=$2
	shift 3
	printf '   $ %s\n' "$(printf '%q ' "$@" | sed "s|$top/||g; s|$work/||g")"
	"$@" >"$work/last.out" 2>&1
	local got=$?
	sed "s|$top/||g; s|$work/||g; s/^/     /" "$work/last.out" | head -n "${DEMO_LINES:-14}"
	if [ "$got" = "$want" ]; then
		printf '   %s✓ %s (exit %s)%s\n' "$green" "$what" "$got" "$off"
	else
		printf '   %s✗ %s: exit %s, expected %s%s\n' "$red" "$what" "$got" "$want" "$off"
		failures=$((failures + 1))
	fi
}

# check DESCRIPTION -- command...: a silent assertion about the results.
check() {
	local what=$1
	shift 2
	if "$@" >/dev/null 2>&1; then
		printf '   %s✓ %s%s\n' "$green" "$what" "$off"
	else
		printf '   %s✗ %s%s\n' "$red" "$what" "$off"
		failures=$((failures + 1))
	fi
}

cd "$work"

cat <<EOF
${bold}cfc demo${off}: the July 2024 Channel File 291 failure, and how cfc stops it.

The ipc-named-pipe template type defines 21 input fields. Sensor build 7.11.0
supplies only 20 of them; 7.16.0 and 7.17.0 supply all 21. Rule 1007 in
samples/rules/c291-bad.yaml matches on field 21 (pipe_sddl).
EOF

say "Compile every channel from its YAML sources"
expect 0 "Channel 291, the incident's content" -- "$cfc" compile -t "$T" -o out/c291-bad.cf "$R/c291-bad.yaml"
expect 0 "Channel 291, fixed with requires_sensor 7.16.0" -- "$cfc" compile -t "$T" -o out/c291-fixed.cf "$R/c291-fixed.yaml"
expect 0 "Channel 310, process lineage" -- "$cfc" compile -t "$T" -o out/c310.cf "$R/process-lineage.yaml"
expect 0 "Channel 412, DNS tunnelling, from two source files" -- "$cfc" compile -t "$T" -o out/c412.cf "$R/dns-tunnel-1.yaml" "$R/dns-tunnel-2.yaml"

say "Run every rule's embedded tests through the reference sensor"
DEMO_LINES=4 expect 0 "all tests pass on every sensor in scope, with field coverage" -- "$cfc" test -t "$T" --require-coverage "$R/c291-fixed.yaml" "$R/process-lineage.yaml" "$R/dns-tunnel-1.yaml" "$R/dns-tunnel-2.yaml"

say "Lint the incident's file against every sensor build in the fleet"
expect 1 "lint finds the field-count error for sensor 7.11.0 (the demo continues)" -- "$cfc" lint -t "$T" out/c291-bad.cf
check "the error names sensor 7.11.0, 20 versus 21, instance 1007 and field 21 pipe_sddl" -- \
	grep -q "sensor 7.11.0 supplies 20 input values but the file has 21 fields: instance 1007 .* field 21 'pipe_sddl'" "$work/last.out"

say "Make a signing key (unencrypted for the demo; real keys use a password)"
expect 0 "cfc keygen -W" -- "$cfc" keygen -W -p keys/cfc.pub -s keys/cfc.key

say "Try to sign the incident's file"
expect 1 "cfc sign refuses it with the lint error" -- "$cfc" sign -s keys/cfc.key -t "$T" out/c291-bad.cf
check "no signature was written" -- test ! -e out/c291-bad.cf.minisig

say "Lint and sign the fixed file and the other channels"
expect 0 "lint is clean for every sensor in scope" -- "$cfc" lint -t "$T" out/c291-fixed.cf out/c310.cf out/c412.cf
expect 0 "signed" -- "$cfc" sign -s keys/cfc.key -t "$T" out/c291-fixed.cf out/c310.cf out/c412.cf
expect 0 "cfc verify checks signatures and their binding to each header" -- "$cfc" verify -p keys/cfc.pub out/c291-fixed.cf out/c310.cf out/c412.cf

say "Stock minisign verifies cfc's signature"
if command -v minisign >/dev/null; then
	expect 0 "minisign -V" -- minisign -V -p keys/cfc.pub -m out/c291-fixed.cf
else
	printf '   %s✗ minisign is not installed (make deps)%s\n' "$red" "$off"
	failures=$((failures + 1))
fi

say "Package a signed, reproducible release bundle with staged rollout rings"
expect 0 "bundle version 1: canary 1%, early 10%, then everyone" -- "$cfc" bundle -s keys/cfc.key -o out/release-1.tar.zst --bundle-version 1 \
	--ring canary:1 --ring early:10 --ring all:100 out/c291-fixed.cf out/c310.cf out/c412.cf
"$cfc" bundle -s keys/cfc.key -o out/release-1-again.tar.zst --bundle-version 1 \
	--ring canary:1 --ring early:10 --ring all:100 out/c291-fixed.cf out/c310.cf out/c412.cf >/dev/null 2>&1
check "the same inputs give a byte-identical bundle" -- cmp out/release-1.tar.zst out/release-1-again.tar.zst

say "Install the bundle on a host, with rollback protection"
expect 0 "cfc unbundle verifies everything before it writes anything" -- "$cfc" unbundle -p keys/cfc.pub -C fleet --state state out/release-1.tar.zst
check "the channel files and their signatures are installed" -- test -s fleet/c291-fixed.cf -a -s fleet/c291-fixed.cf.minisig
expect 1 "installing the same bundle again is refused as a rollback" -- "$cfc" unbundle -p keys/cfc.pub -C fleet --state state out/release-1.tar.zst
check "the message says rollback" -- grep -qi 'rollback' "$work/last.out"

say "The reference sensor, build 7.16.0, runs the installed content on sample events"
cat "$E"/*.jsonl >events.jsonl
DEMO_LINES=8 expect 0 "content loads and alerts print as JSON lines" -- "$cfc" run -t "$T" --sensor 7.16.0 -p keys/cfc.pub --events events.jsonl \
	fleet/c291-fixed.cf fleet/c310.cf fleet/c412.cf
check "the field-21 rule (1007) fires on 7.16.0" -- grep -q '"instance": *1007' "$work/last.out"
grep '"instance": *1007' "$work/last.out" | head -n 2 | sed 's/^/     /'

say "A 7.11.0 sensor is handed the incident's content anyway"
DEMO_LINES=8 expect 1 "the bad file is skipped with the field-count diagnostic; the other channels keep matching" -- \
	"$cfc" run -t "$T" --sensor 7.11.0 --events events.jsonl out/c291-bad.cf out/c310.cf out/c412.cf
check "channel 291 never ran on 7.11.0" -- sh -c "! grep -q '\"channel\": *291' '$work/last.out'"
check "channels 310 and 412 still matched" -- sh -c "grep -q '\"channel\": *310' '$work/last.out' && grep -q '\"channel\": *412' '$work/last.out'"

echo
if [ $failures -eq 0 ]; then
	printf '%sdemo: every step behaved as described%s (files in %s)\n' "$bold" "$off" "${work#$top/}"
	exit 0
fi
printf '%sdemo: %d step(s) did not behave as described%s\n' "$red" "$failures" "$off"
exit 1
