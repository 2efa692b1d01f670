# cfc dump: output shapes, verifier messages and exit statuses.
set -euo pipefail
. "$SRC/tests/lib.sh"
cd "$TMP"
T=$SRC/samples/templates
"$CFC" compile -t "$T" -o good.cf "$SRC/samples/rules/process-lineage.yaml"
"$CFC" compile -t "$T" --strip-source -o stripped.cf "$SRC/samples/rules/process-lineage.yaml"

# YAML: header comments, then the rule-source keys.
"$CFC" dump good.cf >out.yaml
grep -q '^# template process-creation id 12 version 2, 16 fields, fingerprint [0-9a-f]\{64\}$' out.yaml
grep -q '^channel: 310$' out.yaml
grep -q '^version: 17$' out.yaml
grep -q "origin: '.*process-lineage.yaml:[0-9]*:[0-9]*'" out.yaml
# A stripped file carries no origins.
"$CFC" dump stripped.cf >stripped.yaml
if grep -q 'origin: ' stripped.yaml; then
	fail "the dump of a stripped file has origins"
fi
# Same output from stdin.
"$CFC" dump - <good.cf | cmp - out.yaml

# JSON: a well-formed document with the header and every instance.
"$CFC" dump --format json good.cf >out.json
/usr/bin/python3 - out.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format_version"] == 1 and d["channel"] == 310 and d["content_version"] == 17
assert d["template"]["name"] == "process-creation" and len(d["template"]["fields"]) == 16
assert d["field_count"] == 16 and d["instance_count"] == len(d["instances"]) == 15
ids = [i["id"] for i in d["instances"]]
assert ids == sorted(ids)
for i in d["instances"]:
    assert i["match"], i
PY

# refused STATUS PATTERN CMD...: expect_err, and nothing on stdout.
refused() {
	expect_err "$@"
	shift 2
	[ ! -s out ] || fail "$* wrote to stdout"
}

# Corruption: the verifier's message with the offset, exit 1, nothing on stdout.
cp good.cf flipped.cf
printf '\x00' | dd of=flipped.cf bs=1 seek=200 conv=notrunc status=none
refused 1 'flipped.cf: offset 0x[0-9a-f]*: error: ' "$CFC" dump flipped.cf
head -c 100 good.cf >short.cf
refused 1 'short.cf: offset 0x64: error: corrupt channel file: truncated header: 100 of 112 bytes \[format-corrupt\]' "$CFC" dump short.cf
echo 'channel: 1' >notcf.cf
refused 1 'notcf.cf: offset 0x0: error: not a channel file' "$CFC" dump notcf.cf
{ head -c 8 good.cf; printf '\x02\x00'; tail -c +11 good.cf; } >future.cf
refused 1 'unsupported format version: format version 2; this build reads version 1 \[format-version\]' "$CFC" dump future.cf
{ cat good.cf; printf 'x'; } >trailing.cf
refused 1 'trailing bytes' "$CFC" dump trailing.cf
size=$(stat -c %s good.cf)
{ head -c $((size - 1)) good.cf; printf '\x00'; } >crc.cf
cmp -s crc.cf good.cf && { echo "test file unchanged" >&2; exit 1; }
refused 1 'checksum mismatch' "$CFC" dump crc.cf

# Usage and I/O errors: exit 2.
refused 2 "cannot open 'missing.cf': No such file or directory" "$CFC" dump missing.cf
refused 2 "unknown format 'xml'" "$CFC" dump --format xml good.cf
refused 2 'expected exactly one FILE.cf' "$CFC" dump
refused 2 'expected exactly one FILE.cf' "$CFC" dump good.cf good.cf
refused 2 "cannot open '.': Is a directory" "$CFC" dump .

# A full disk is an error, not a success.
if [ -w /dev/full ]; then
	rc=0
	"$CFC" dump good.cf >/dev/full 2>err || rc=$?
	[ $rc = 2 ] || fail "dump >/dev/full: exit $rc, expected 2"
	grep -q 'cannot write to standard output' err || fail "dump >/dev/full: $(cat err)"
fi
"$CFC" dump --help | grep -q '^usage: cfc dump'
"$CFC" help dump | grep -q '^usage: cfc dump'

# Names YAML would read as booleans or null: the template names and field
# names the grammars allow, and strings anywhere. The dump quotes them, so it
# compiles back to the same bytes, and a YAML 1.1 loader (PyYAML) reads every
# one of them as the string it is.
for word in true false null yes no on off y n; do
	mkdir "tpl-$word"
	cat >"tpl-$word/m.yaml" <<YAML
template: '$word'
id: 40
version: 1
fields:
  - {name: 'on', type: string}
  - {name: 'y', type: uint}
  - {name: 'null', type: bool}
  - {name: 'no', type: string}
  - {name: plain_field, type: string}
sensors:
  - {version: "7.10", supplies: 5}
YAML
	cat >"rule-$word.yaml" <<YAML
channel: 40
template: '$word'
version: 3
instances:
  - id: 7
    name: '$word'
    match:
      'on': {equals: 'null'}
      'y': {range: [1, 2]}
      'null': {equals: true}
      'no': {regex: '^0x1F: #'}
      plain_field: {prefix: ' ~ ', nocase: true}
YAML
	"$CFC" compile -t "tpl-$word" -o "$word.cf" "rule-$word.yaml"
	"$CFC" dump "$word.cf" >"$word.yaml"
	grep -q "^template: '$word'\$" "$word.yaml"
	grep -q "^    plain_field: {" "$word.yaml"
	"$CFC" compile -t "tpl-$word" -o "$word-again.cf" "$word.yaml"
	cmp "$word.cf" "$word-again.cf"
	/usr/bin/python3 - "$word" "$word.yaml" <<'PY'
import sys, yaml
word, path = sys.argv[1], sys.argv[2]
d = yaml.safe_load(open(path))
assert d["template"] == word, d["template"]
(inst,) = d["instances"]
assert inst["name"] == word, inst["name"]
m = inst["match"]
assert sorted(m) == ["no", "null", "on", "plain_field", "y"], list(m)
assert m["on"]["equals"] == "null" and m["null"]["equals"] is True, m
assert m["no"]["regex"] == "^0x1F: #" and m["plain_field"]["prefix"] == " ~ ", m
assert m["y"]["range"] == [1, 2], m
PY
done

# A channel whose dump is larger than one rule source may be (16 MiB):
# stdout gets it all with a warning that names --split; --split DIR writes
# parts within the caps that compile back to the same bytes, source map and
# all. Run once, in the normal build: not under ASan or valgrind (30,000
# instances; the splitting itself is unit-tested in test_dump at small sizes).
if [ "${CFC_VALGRIND:-0}" != 1 ] && [ "${SANITIZE:-}" != 1 ]; then
	long=$(head -c 120 /dev/zero | tr '\0' d)
	mkdir -p "$long"
	python3 - "$long/big.yaml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("channel: 77\ntemplate: process-creation\nversion: 3\ninstances:\n")
    for i in range(1, 30001):
        f.write(f"  - id: {i}\n    match: {{image: {{prefix: 'C:\\\\t{i}'}}, "
                f"pid: {{equals: {i}}}, user: {{regex: '^u{i}$'}}}}\n")
PY
	"$CFC" compile -t "$T" -o big.cf "$long/big.yaml"
	"$CFC" dump big.cf >big-all.yaml 2>big.err
	[ "$(stat -c %s big-all.yaml)" -gt 16777216 ]
	grep -q "over the 16777216 that cfc compile reads from one source; 'cfc dump --split DIR'" big.err
	if "$CFC" compile -t "$T" -o x.cf big-all.yaml 2>/dev/null; then exit 1; fi
	"$CFC" dump --split parts big.cf 2>split.err
	grep -q "^cfc dump: 30000 instances written as [2-9] rule sources in parts/$" split.err
	for p in parts/*.yaml; do [ "$(stat -c %s "$p")" -le 16777216 ]; done
	"$CFC" compile -t "$T" -o big-again.cf parts/*.yaml
	cmp big.cf big-again.cf
	# Not into a directory that holds anything, nor onto a file.
	if "$CFC" dump --split parts big.cf 2>split.err; then exit 1; fi
	grep -q "'parts' is not empty" split.err
	if "$CFC" dump --split big.cf big.cf 2>split.err; then exit 1; fi
	grep -q "it is not a directory" split.err
fi
# --split of a small file: one part, the same bytes back; json refused.
"$CFC" dump --split one good.cf 2>/dev/null
[ "$(ls one)" = part-0001.yaml ]
"$CFC" compile -t "$T" -o one.cf one/part-0001.yaml
cmp good.cf one.cf
if "$CFC" dump --split two --format json good.cf 2>/dev/null; then exit 1; fi
[ ! -e two ]
echo "dump: ok"
