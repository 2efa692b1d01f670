#!/usr/bin/env bash
# Resource caps at the command line: each at the cap (accepted, or at least
# not refused for its size) and one past it (refused with the documented
# message). docs/limits.md lists every cap and where the others are tested.
# Inputs at the caps are large (a 272 MiB archive, 16 MiB sources): they run
# once, in the normal build, not again under ASan or valgrind.
set -u
if [ "${SANITIZE:-}" = 1 ] || [ "${CFC_VALGRIND:-0}" = 1 ]; then
	echo "skipped: the size caps are tested once, in the normal build"
	exit 0
fi
. "$SRC/tests/lib.sh"
T=$SRC/samples/templates
W=$SRC/tests/golden/compile/templates
cd "$TMP" || exit 2
# repeat N CHAR: CHAR N times
repeat() { head -c "$1" /dev/zero | tr '\0' "$2"; }

# --- rule source size: 16 MiB (CF_YAML_MAX_SIZE) ------------------------------
rule='channel: 77
template: web-request
version: 1
instances:
  - id: 1
    match: {status: {equals: 200}}
'
size=$((16 * 1024 * 1024))
{ printf '%s#' "$rule"; repeat $((size - ${#rule} - 2)) x; printf '\n'; } >at.yaml
[ "$(wc -c <at.yaml)" = $size ] || bad "at.yaml is not $size bytes"
# source of 16 MiB
expect 0 "$CFC" compile -t "$W" -o at.cf at.yaml
{ cat at.yaml; printf '\n'; } >past.yaml
# source of 16 MiB + 1
expect_err 1 "file larger than 16777216 bytes \\[yaml-limit\\]" "$CFC" compile -t "$W" -o past.cf past.yaml
[ -e past.cf ] && bad "an output was written for a source over the cap"
rm -f at.yaml past.yaml

# --- string criterion: 65535 bytes (CF_MAX_STRING_LEN = CF_YAML_MAX_SCALAR) ---
for n in 65535 65536; do
	{
		printf 'channel: 77\ntemplate: web-request\nversion: 1\ninstances:\n  - id: 1\n    match: {url: {equals: "'
		repeat $n a
		printf '"}}\n'
	} >s$n.yaml
done
# string of 65535 bytes
expect 0 "$CFC" compile -t "$W" -o s.cf s65535.yaml
# the string survives dump
expect 0 "$CFC" dump --format json s.cf
grep -q "$(repeat 65535 a)" out || bad "dump lost the 65535-byte string"
# string of 65536 bytes
expect_err 1 'yaml-limit\|longer than\|65535' "$CFC" compile -t "$W" -o s2.cf s65536.yaml

# --- regex length: the template's regex.max_length (40 for web-request) -------
for n in 40 41; do
	{
		printf 'channel: 77\ntemplate: web-request\nversion: 1\ninstances:\n  - id: 1\n    match: {url: {regex: "^'
		repeat $((n - 1)) a
		printf '"}}\n'
	} >r$n.yaml
done
# regex of max_length bytes
expect 0 "$CFC" compile -t "$W" -o r.cf r40.yaml
# regex of max_length bytes lints
expect 0 "$CFC" lint -t "$W" --sensor 2.0 r.cf
# regex of max_length + 1 bytes
expect_err 1 "regex of 41 bytes.*at most 40.*regex-too-long" \
	"$CFC" compile -t "$W" -o r2.cf r41.yaml

# --- YAML depth: 64 nested collections (CF_YAML_MAX_DEPTH) ---------------------
for n in 64 65; do
	{ printf 'channel: 77\nx: '; repeat $((n - 1)) '['; repeat $((n - 1)) ']'; printf '\n'; } >d$n.yaml
done
# the root mapping is level 1: 63 more brackets reach 64, 64 more pass it
# depth 64
expect_err 1 'unknown-key\|unknown key' "$CFC" compile -t "$W" -o d.cf d64.yaml
grep -q yaml-limit err && bad "depth 64 was refused for its depth"
# depth 65
expect_err 1 "nested deeper than 64 levels.*yaml-limit" "$CFC" compile -t "$W" -o d.cf d65.yaml

# --- YAML aliases: none (cap 0) ----------------------------------------------
printf 'channel: &c 77\ntemplate: web-request\nversion: *c\ninstances: []\n' >alias.yaml
# one anchor
expect_err 1 "anchors and aliases are not supported.*yaml-unsupported" \
	"$CFC" compile -t "$W" -o a.cf alias.yaml

# --- event line: 1 MiB (CF_SENSOR_EVENT_LINE_MAX) -----------------------------
"$CFC" compile -t "$T" -o dns.cf "$SRC/samples/rules/dns-tunnel-1.yaml" "$SRC/samples/rules/dns-tunnel-2.yaml" ||
	bad "compile dns"
head_='{"template": "dns-query", "fields": {"query_name": "'
tail_='"}}'
max=1048576
for n in $max $((max + 1)); do
	{ printf '%s' "$head_"; repeat $((n - ${#head_} - ${#tail_})) a; printf '%s\n' "$tail_"; } >e$n.jsonl
done
[ "$(head -1 e$max.jsonl | tr -d '\n' | wc -c)" = $max ] || bad "the event line is not $max bytes"
# event line of 1 MiB
expect 0 "$CFC" run -t "$T" --sensor 7.16.0 --events e$max.jsonl dns.cf
grep -q 'cap' err && bad "a line of exactly 1 MiB was refused"
grep -q ': 1 event, ' err || bad "the 1 MiB event was not evaluated"
# a malformed line is skipped with an error and the run goes on (docs/sensor.md)
# event line of 1 MiB + 1
expect_err 0 "line longer than the 1048576-byte cap" \
	"$CFC" run -t "$T" --sensor 7.16.0 --events e$((max + 1)).jsonl dns.cf
rm -f e*.jsonl

# --- channel file: 1 GiB (CF_MAX_FILE_SIZE); past it only (a sparse file) ---
truncate -s $((1024 * 1024 * 1024 + 1)) huge.cf
# channel file over 1 GiB (dump)
expect_err 1 'larger\|cap\|limit' "$CFC" dump huge.cf
# channel file over 1 GiB (lint)
expect_err 1 'larger\|cap\|limit' "$CFC" lint -t "$T" huge.cf
rm -f huge.cf

# --- bundle archive: 272 MiB (CF_BUNDLE_MAX_ARCHIVE_SIZE) ---------------------
"$CFC" keygen -W -p k.pub -s k.key >/dev/null || bad keygen
truncate -s $((272 * 1024 * 1024)) at.tar
# archive of 272 MiB
expect 1 "$CFC" unbundle -p k.pub -C . at.tar
grep -Eq 'larger than|cap' err && bad "an archive of exactly 272 MiB was refused for its size"
truncate -s $((272 * 1024 * 1024 + 1)) past.tar
# archive of 272 MiB + 1
expect_err 1 'larger than\|cap' "$CFC" unbundle -p k.pub -C . past.tar
rm -f at.tar past.tar

finish
