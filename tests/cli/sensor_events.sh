# cfc run, events: malformed lines are reported at EVENTS:LINE and skipped
# (the run goes on); a regex that hits the manifest's PCRE2 match limit is
# counted and reported, and treated as no match; events from stdin.
set -eu
. "$SRC/tests/lib.sh"
. "$SRC/tests/lib/sensor.sh"
"$CFC" compile -t samples/templates -o "$TMP/c9002.cf" tests/fixtures/sensor/slow-regex.yaml
F=$SRC/tests/fixtures/sensor/bad-events.jsonl
golden events-errors 0 "$CFC" run -t "$T" --sensor 7.16.0 --events "$F" c9002.cf
grep -q 'bad-events.jsonl:1: warning: channel 9002 instance 6001: regex on field .query_name. hit a PCRE2 limit' "$TMP/events-errors.err" ||
	bad "no match-limit warning"
grep -q '; 1 regex limit hit, ' "$TMP/events-errors.err" || bad "no limit hit counted"
# stdin gives the same matches, named <stdin>.
rc=0
(cd "$TMP" && "$CFC" run -t "$T" --sensor 7.16.0 c9002.cf <"$F") >"$TMP/stdin.out" 2>"$TMP/stdin.err" || rc=$?
[ $rc = 0 ] || bad "events from stdin: exit status $rc, want 0 as from a file"
[ -s "$TMP/stdin.out" ] || bad "no match from stdin"
cmp "$TMP/stdin.out" "$TMP/events-errors.out" || bad "stdin differs"
grep -q '^<stdin>:2: error: ' "$TMP/stdin.err" || bad "stdin: line 2 not reported as <stdin>:2"
# An over-long line is reported and skipped.
{
	printf '{"template": "dns-query", "fields": {"query_name": "'
	head -c 1100000 /dev/zero | tr '\0' a
	printf '"}}\n{"template": "dns-query", "fields": {"query_name": "aaaaaaaaaaaa"}}\n'
} >"$TMP/long.jsonl"
golden events-long-line 0 "$CFC" run -t "$T" --sensor 7.16.0 --events long.jsonl c9002.cf
finish
