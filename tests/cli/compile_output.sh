#!/usr/bin/env bash
# `cfc compile` output: default name, stdout, determinism (twice, -t order,
# source order), --content-version, --strip-source, atomicity, usage errors,
# and the dump -> compile round trip for every sample.
set -u
T="$SRC/samples/templates"
G="$SRC/tests/golden/compile"
fail=0
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if ! "$@"; then
		echo "FAIL: $what"
		fail=1
	fi
}

cd "$TMP" || exit 2
cp -r "$G"/templates "$G"/ok.yaml .

# Default output name, stdout, stdin.
"$CFC" compile -t templates ok.yaml
check "default name C-00000500-00000003.cf" test -s C-00000500-00000003.cf
"$CFC" compile -t templates -o - ok.yaml >stdout.cf
check "-o - writes the same bytes to stdout" cmp -s stdout.cf C-00000500-00000003.cf
"$CFC" compile -t templates -o stdin.cf - <ok.yaml
check "- reads the source from stdin" test -s stdin.cf

# --content-version overrides the sources' version.
"$CFC" compile -t templates --content-version 77 ok.yaml
check "--content-version 77 names the file" test -s C-00000500-00000077.cf
check "--content-version 77 is in the header" grep -q '^version: 77$' <("$CFC" dump C-00000500-00000077.cf)

# Determinism: twice, -t order, source order.
tpl_a=(-t "$T/ipc-named-pipe.yaml" -t "$T/dns-query.yaml" -t "$T/process-creation.yaml")
tpl_b=(-t "$T/process-creation.yaml" -t "$T/dns-query.yaml" -t "$T/ipc-named-pipe.yaml")
# Every compile must succeed: two failures would "compare equal".
check "compile d1" "$CFC" compile "${tpl_a[@]}" -o d1.cf "$SRC/samples/rules/c291-fixed.yaml"
check "compile d2" "$CFC" compile "${tpl_a[@]}" -o d2.cf "$SRC/samples/rules/c291-fixed.yaml"
check "compile d3" "$CFC" compile "${tpl_b[@]}" -o d3.cf "$SRC/samples/rules/c291-fixed.yaml"
check "d1.cf is not empty" test -s d1.cf
check "same bytes twice" cmp -s d1.cf d2.cf
check "same bytes with -t order swapped" cmp -s d1.cf d3.cf
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
check "compile a+b" "$CFC" compile -t templates -o ab.cf split/a.yaml split/b.yaml
check "compile b+a" "$CFC" compile -t templates -o ba.cf split/b.yaml split/a.yaml
check "ab.cf is not empty" test -s ab.cf
check "same bytes with sources swapped" cmp -s ab.cf ba.cf

# Naming one manifest twice (directory and file) is harmless.
"$CFC" compile -t templates -t templates/web-request.yaml -o twice.cf ok.yaml
check "a manifest named twice" cmp -s twice.cf C-00000500-00000003.cf

# Atomicity: a failing compile leaves the previous file as it was.
printf 'previous content\n' >keep.cf
cp keep.cf keep.orig
"$CFC" compile -t templates -o keep.cf "$G/bad-regex.yaml" 2>/dev/null
check "failing compile exits 1" test $? -eq 1
check "failing compile leaves the output unchanged" cmp -s keep.cf keep.orig
"$CFC" compile -t templates -o no/such/dir/x.cf ok.yaml 2>err.txt
check "unwritable output exits 2" test $? -eq 2
check "unwritable output message" grep -q "^cfc: error: cannot write 'no/such/dir/x.cf': " err.txt
check "no temporary file left behind" test -z "$(ls -A | grep -v -e '\.cf$' -e '\.orig$' -e '\.txt$' -e '\.yaml$' -e '^templates$' -e '^split$')"

# Usage errors exit 2; --help exits 0 and names every option.
"$CFC" compile ok.yaml 2>/dev/null
check "no -t exits 2" test $? -eq 2
"$CFC" compile -t templates 2>/dev/null
check "no source exits 2" test $? -eq 2
"$CFC" compile --bogus -t templates ok.yaml 2>/dev/null
check "unknown option exits 2" test $? -eq 2
"$CFC" compile -t templates --content-version 0 ok.yaml 2>/dev/null
check "--content-version 0 exits 2" test $? -eq 2
help=$("$CFC" compile --help)
check "--help exits 0" test $? -eq 0
for o in --template --output --content-version --strip-source --help; do
	check "--help mentions $o" grep -q -- "$o" <<<"$help"
done

# Round trip: compile -> dump -> compile gives the same bytes, with and
# without the source map, for every sample (and the golden ok.yaml).
if "$CFC" help dump >/dev/null 2>&1; then
	sources=(ok.yaml)
	for f in "$SRC"/samples/rules/*.yaml; do
		[ -e "$f" ] && sources+=("$f")
	done
	# Sources that form one channel together, round-tripped as one.
	dns=("$SRC"/samples/rules/dns-tunnel-*.yaml)
	[ -e "${dns[0]}" ] && [ ${#dns[@]} -gt 1 ] && sources+=("${dns[*]}")
	for f in "${sources[@]}"; do
		for strip in "" --strip-source; do
			read -r -a files <<<"$f"
			name=$(basename "${files[0]}" .yaml)-${#files[@]}$strip
			if ! "$CFC" compile -t templates -t "$T" $strip -o "rt-$name.cf" "${files[@]}"; then
				echo "FAIL: $f does not compile"
				fail=1
				continue
			fi
			"$CFC" dump "rt-$name.cf" >"rt-$name.yaml"
			"$CFC" compile -t templates -t "$T" $strip -o "rt-$name.2.cf" "rt-$name.yaml"
			check "round trip of $f $strip" cmp -s "rt-$name.cf" "rt-$name.2.cf"
		done
	done
fi
exit $fail
