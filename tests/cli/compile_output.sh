#!/usr/bin/env bash
# `cfc compile` output: default name, stdout, determinism (twice, -t order,
# source order), --content-version, --strip-source, atomicity, usage errors,
# and the dump -> compile round trip for every sample.
set -u
. "$SRC/tests/lib.sh"
T="$SRC/samples/templates"
G="$SRC/tests/golden/compile"

cd "$TMP" || exit 2
cp -r "$G"/templates "$G"/ok.yaml .

# Default output name, stdout, stdin.
"$CFC" compile -t templates ok.yaml
test -s C-00000500-00000003.cf || bad "default name C-00000500-00000003.cf"
"$CFC" compile -t templates -o - ok.yaml >stdout.cf
cmp -s stdout.cf C-00000500-00000003.cf || bad "-o - writes the same bytes to stdout"
"$CFC" compile -t templates -o stdin.cf - <ok.yaml
test -s stdin.cf || bad "- reads the source from stdin"

# --content-version overrides the sources' version.
"$CFC" compile -t templates --content-version 77 ok.yaml
test -s C-00000500-00000077.cf || bad "--content-version 77 names the file"
grep -q '^version: 77$' <("$CFC" dump C-00000500-00000077.cf) || bad "--content-version 77 is in the header"

# Determinism: twice, -t order, source order.
tpl_a=(-t "$T/ipc-named-pipe.yaml" -t "$T/dns-query.yaml" -t "$T/process-creation.yaml")
tpl_b=(-t "$T/process-creation.yaml" -t "$T/dns-query.yaml" -t "$T/ipc-named-pipe.yaml")
# Every compile must succeed: two failures would "compare equal".
"$CFC" compile "${tpl_a[@]}" -o d1.cf "$SRC/samples/rules/c291-fixed.yaml" || bad "compile d1"
"$CFC" compile "${tpl_a[@]}" -o d2.cf "$SRC/samples/rules/c291-fixed.yaml" || bad "compile d2"
"$CFC" compile "${tpl_b[@]}" -o d3.cf "$SRC/samples/rules/c291-fixed.yaml" || bad "compile d3"
test -s d1.cf || bad "d1.cf is not empty"
cmp -s d1.cf d2.cf || bad "same bytes twice"
cmp -s d1.cf d3.cf || bad "same bytes with -t order swapped"
mkdir -p split
cat >split/a.yaml <<'YAML'
channel: 500
template: web-request
version: 3
instances:
  - id: 30
    match: {url: {prefix: 'https://'}}
  - id: 10
YAML
cat >split/b.yaml <<'YAML'
channel: 500
template: web-request
version: 3
instances:
  - id: 20
    match: {status: {equals: 500}}
YAML
"$CFC" compile -t templates -o ab.cf split/a.yaml split/b.yaml || bad "compile a+b"
"$CFC" compile -t templates -o ba.cf split/b.yaml split/a.yaml || bad "compile b+a"
test -s ab.cf || bad "ab.cf is not empty"
cmp -s ab.cf ba.cf || bad "same bytes with sources swapped"

# Naming one manifest twice (directory and file) is harmless.
"$CFC" compile -t templates -t templates/web-request.yaml -o twice.cf ok.yaml
cmp -s twice.cf C-00000500-00000003.cf || bad "a manifest named twice"

# Atomicity: a failing compile leaves the previous file as it was.
printf 'previous content\n' >keep.cf
cp keep.cf keep.orig
"$CFC" compile -t templates -o keep.cf "$G/bad-regex.yaml" 2>/dev/null
test $? -eq 1 || bad "failing compile exits 1"
cmp -s keep.cf keep.orig || bad "failing compile leaves the output unchanged"
"$CFC" compile -t templates -o no/such/dir/x.cf ok.yaml 2>err.txt
test $? -eq 2 || bad "unwritable output exits 2"
grep -q "^cfc: error: cannot write 'no/such/dir/x.cf': " err.txt || bad "unwritable output message"
test -z "$(ls -A | grep -v -e '\.cf$' -e '\.orig$' -e '\.txt$' -e '\.yaml$' -e '^templates$' -e '^split$')" || bad "no temporary file left behind"

# Usage errors exit 2; --help exits 0 and names every option.
try 2 "$CFC" compile ok.yaml                                  # no -t
try 2 "$CFC" compile -t templates                              # no source
try 2 "$CFC" compile --bogus -t templates ok.yaml              # an unknown option
try 2 "$CFC" compile -t templates --content-version 0 ok.yaml
try 0 "$CFC" compile --help
for o in --template --output --content-version --strip-source --help; do
	grep -q -- "$o" out || bad "--help mentions $o"
done

# Round trip: compile -> dump -> compile gives the same bytes, with and
# without the source map, for every sample (and the golden ok.yaml). A
# missing sample is a failure (a glob that matches nothing compiles as
# itself), not a smaller test.
sources=(ok.yaml "$SRC"/samples/rules/*.yaml)
# Sources that form one channel together, round-tripped as one.
dns=("$SRC"/samples/rules/dns-tunnel-*.yaml)
if [ -e "${dns[0]}" ] && [ ${#dns[@]} -gt 1 ]; then
	sources+=("${dns[*]}")
else
	bad "no samples/rules/dns-tunnel-*.yaml pair to round-trip as one channel"
fi
for f in "${sources[@]}"; do
	for strip in "" --strip-source; do
		read -r -a files <<<"$f"
		name=$(basename "${files[0]}" .yaml)-${#files[@]}$strip
		if ! "$CFC" compile -t templates -t "$T" $strip -o "rt-$name.cf" "${files[@]}"; then
			bad "$f does not compile"
			continue
		fi
		"$CFC" dump "rt-$name.cf" >"rt-$name.yaml"
		"$CFC" compile -t templates -t "$T" $strip -o "rt-$name.2.cf" "rt-$name.yaml"
		cmp -s "rt-$name.cf" "rt-$name.2.cf" || bad "round trip of $f $strip"
	done
done
finish
