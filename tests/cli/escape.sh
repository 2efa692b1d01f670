#!/usr/bin/env bash
# No text output passes a control character from an input to the terminal:
# file names, instance names, regexes, field names, test values, paths on
# the command line, public-key and trusted comments all carry escape
# sequences here (ESC, BEL, newline, carriage return, tab, DEL, C1
# controls), and every run's stdout and stderr must hold none of them raw:
# no byte 0x00-0x08, 0x0b-0x1f or 0x7f, no UTF-8 C1 control (c2 80..c2 9f),
# while the visible escape \x1b must appear where an ESC was. `cfc dump`
# stays YAML that compiles back to the same bytes. Runs without a terminal,
# so cfc's own colour escapes are off.
set -u
. "$SRC/tests/lib.sh"
cd "$TMP" || exit 2
T="$SRC/samples/templates"
command -v minisign >/dev/null || fail "minisign is not installed"
command -v python3 >/dev/null || fail "python3 is not installed"

# clean FILE LABEL: FILE holds no raw control character (tab and newline are
# the output's own and allowed).
clean() {
	python3 - "$1" "$2" <<'PY' || exit 1
import re, sys
data = open(sys.argv[1], "rb").read()
m = re.search(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]", data)
if m:
    at = m.start()
    sys.exit(f"FAIL: {sys.argv[2]}: raw control byte {data[at:at + 2]!r} at offset {at}: "
             f"{data[max(0, at - 40):at + 40]!r}")
PY
}
# run STATUS LABEL CMD...: exit status STATUS, clean stdout and stderr.
run() {
	local want=$1 label=$2
	shift 2
	expect "$want" "$@" </dev/null
	clean out "$label (stdout)"
	clean err "$label (stderr)"
	cat out err >>all
}
# shows PATTERN LABEL: the last run printed PATTERN (fixed string).
shows() {
	cat out err | grep -qF -- "$1" || { cat out err >&2; fail "$2: output lacks '$1'"; }
}
: >all

# A source whose file name holds ESC and a newline; an instance name, a
# regex, a value and a test event full of control characters.
src=$'rules\x1b[31m\nevil.yaml'
cat >"$src" <<'EOF'
channel: 77
template: process-creation
version: 1
instances:
  - id: 1
    name: "evil\e[31mname\x1b]0;title\x07\u0085\u009b\ttab\x7f"
    match:
      image: {regex: "(a+)+\e_x$"}
      command_line: {equals: "line\nbreak\r\x1b"}
    tests:
      - event: {image: "no\e", command_line: "q\x1b\u009b"}
        expect: match
  - id: 2
    name: "two\nlines"
    match:
      user: {prefix: "x"}
EOF
run 0 compile "$CFC" compile -t "$T" -o evil.cf "$src"

# lint of a channel file whose path holds control characters: the warning
# quotes the regex and names the source path.
cp evil.cf $'lint\x1b]0;x\x07.cf'
run 0 lint "$CFC" lint -t "$T" $'lint\x1b]0;x\x07.cf'
shows "regex '(a+)+\\x1b_x\$'" lint
shows 'rules\x1b[31m\nevil.yaml:8:' lint

# Diagnostics that quote a regex and a field name with control characters.
cat >$'bad\x1b.yaml' <<'EOF'
channel: 78
template: process-creation
version: 1
instances:
  - id: 1
    match:
      image: {regex: "\e[31m(\u009b"}
      "user\e[0m": {equals: "x"}
EOF
run 1 compile-errors "$CFC" compile -t "$T" -o bad.cf $'bad\x1b.yaml'
shows "no field 'user\\x1b[0m'" compile-errors

# cfc test with a failing test: names and values on stdout and stderr.
run 1 test "$CFC" test -t "$T" "$src"
shows 'evil\x1b[31mname\x1b]0;title\x07\u0085\u009b\ttab\x7f' test
shows '(rules\x1b[31m\nevil.yaml)' test

# dump: YAML escapes, and the dump compiles back to the same bytes.
run 0 dump "$CFC" dump evil.cf
cp out dump.yaml
# (a newline alone would leave single quotes holding a raw line break)
shows 'name: "two\nlines"' dump
run 0 recompile "$CFC" compile -t "$T" -o again.cf dump.yaml
cmp -s evil.cf again.cf || fail "dump of evil.cf does not compile back to the same bytes"
# A corrupt file under a hostile name: the verifier's diagnostic.
head -c 100 evil.cf >$'cut\x1b.cf'
run 1 dump-corrupt "$CFC" dump $'cut\x1b.cf'
shows 'cut\x1b.cf: offset' dump-corrupt

# Keys and signatures: a public key whose untrusted comment holds control
# characters, a trusted comment made by minisign with control characters
# (cfc verify quotes it when it refuses it), hostile file names.
run 0 keygen "$CFC" keygen -W -p $'k\x1b.pub' -s $'k\x1b.key'
shows 'public key: k\x1b.pub' keygen
{
	printf 'untrusted comment: \033]0;pwned\007\033[2J\302\233 \177\n'
	sed -n 2p $'k\x1b.pub'
} >k.pub
cp $'k\x1b.key' k.key
"$CFC" compile -t "$T" -o c.cf "$SRC/samples/rules/c291-fixed.yaml" || fail "compile c291-fixed"
run 0 sign "$CFC" sign -s k.key -t "$T" c.cf
cp c.cf $'v\x1b.cf'
cp c.cf.minisig $'v\x1b.cf.minisig'
run 0 verify "$CFC" verify -p k.pub $'v\x1b.cf'
shows 'v\x1b.cf: signature OK' verify
minisign -S -s k.key -m c.cf -x tc.minisig -t $'bad\033[31mcomment\007\ttab' >/dev/null ||
	fail "minisign -S"
run 1 verify-trusted-comment "$CFC" verify -p k.pub -x tc.minisig c.cf
shows 'bad\x1b[31mcomment\x07' verify-trusted-comment

# Bundles: verify and unbundle with hostile paths.
run 0 bundle "$CFC" bundle -s k.key -o $'b\x1b.tar.zst' c.cf
run 0 verify-bundle "$CFC" verify -p k.pub $'b\x1b.tar.zst'
shows 'b\x1b.tar.zst: bundle OK' verify-bundle
mkdir $'out\x1bdir'
run 0 unbundle "$CFC" unbundle -p k.pub -C $'out\x1bdir' $'b\x1b.tar.zst'
shows 'into out\x1bdir' unbundle

# Unreadable paths and bad options: `cfc: error:` messages.
run 2 lint-missing "$CFC" lint -t "$T" $'missing\x1b]0;x\x07\n.cf'
shows "cfc: error: cannot open 'missing\\x1b]0;x\\x07\\n.cf'" lint-missing
run 2 unbundle-missing-key "$CFC" unbundle -p $'no\x1b.pub' $'b\x1b.tar.zst'
shows "'no\\x1b.pub'" unbundle-missing-key
run 2 template-missing "$CFC" test -t $'tpl\x1b\r' "$src"
run 2 bad-option "$CFC" lint -t "$T" $'--\x1b[2J' c.cf
shows "bad option '--\\x1b[2J'" bad-option
run 2 bad-short-option "$CFC" verify -p k.pub $'-\x1b' c.cf
shows "bad option '-\\x1b'" bad-short-option
run 2 bad-subcommand "$CFC" $'\x1b[2Jx'
shows "unknown subcommand '\\x1b[2Jx'" bad-subcommand
run 2 bad-format "$CFC" lint -t "$T" --format $'\x9b\xc2\x9b' c.cf
shows "unknown format '\\x9b\\u009b'" bad-format

# A source whose name is not UTF-8: the source map cannot record it, so
# compile and test refuse it at the file with [source-path], shown escaped,
# and --strip-source (no map) compiles it.
cp "$src" $'latin\xe9\xff.yaml'
run 1 compile-non-utf8-name "$CFC" compile -t "$T" -o nu.cf $'latin\xe9\xff.yaml'
shows 'latin\xe9\xff.yaml: error: the file name is not valid UTF-8' compile-non-utf8-name
shows '[source-path]' compile-non-utf8-name
[ ! -e nu.cf ] || fail "compile-non-utf8-name: wrote nu.cf"
run 1 test-non-utf8-name "$CFC" test -t "$T" $'latin\xe9\xff.yaml'
shows '[source-path]' test-non-utf8-name
run 0 compile-non-utf8-stripped "$CFC" compile -t "$T" --strip-source -o nu.cf $'latin\xe9\xff.yaml'

# And the visible escape appeared in what was printed.
grep -qF '\x1b' all || fail "no visible \\x1b escape in any output"
finish "escape: ok"
