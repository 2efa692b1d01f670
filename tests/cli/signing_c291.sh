#!/usr/bin/env bash
# The Channel 291 reproduction is refused by cfc sign with the lint
# field-count error, and nothing is written for it; the corrected file in
# the same run is still signed; a file that fails the format verifier is
# refused too.
set -u
. "$SRC/tests/lib.sh"
cd "$TMP" || exit 2
T="$SRC/samples/templates"

expect 0 "$CFC" compile -t "$T" -o c291-bad.cf "$SRC/samples/rules/c291-bad.yaml"
expect 0 "$CFC" compile -t "$T" -o c291-fixed.cf "$SRC/samples/rules/c291-fixed.yaml"
expect 0 "$CFC" keygen -W -p k.pub -s k.sec

# Alone: refused with the lint error located in the YAML source.
expect 1 "$CFC" sign -s k.sec -t "$T" c291-bad.cf
grep -q 'c291-bad.yaml:[0-9]*:[0-9]*: error: sensor 7.11.0 supplies 20 input values but the file has 21 fields.*\[field-count\]' err ||
	fail "no field-count error: $(cat err)"
grep -q "cfc: error: c291-bad.cf: not signed: it fails the lint checks" err || fail "summary: $(cat err)"
[ ! -e c291-bad.cf.minisig ] || fail "c291-bad.cf was signed"

# With the fixed file: that one is signed, the bad one is not, exit 1.
expect 1 "$CFC" sign -s k.sec -t "$T" c291-bad.cf c291-fixed.cf
[ ! -e c291-bad.cf.minisig ] || fail "c291-bad.cf was signed"
[ -e c291-fixed.cf.minisig ] || fail "c291-fixed.cf was not signed"
grep -q '^c291-fixed.cf: signed' out || fail "sign output: $(cat out)"
expect 0 minisign -V -p k.pub -m c291-fixed.cf
expect 0 "$CFC" verify -p k.pub c291-fixed.cf

# An existing signature of a file that now fails is left alone, not replaced.
cp c291-fixed.cf.minisig keep.sig
expect 1 "$CFC" sign -s k.sec -t "$T" -x keep.sig c291-bad.cf
cmp -s keep.sig c291-fixed.cf.minisig || fail "a refused sign replaced the signature file"

# The format verifier: a corrupt file is refused before lint.
cp c291-fixed.cf broken.cf
printf '\377' | dd of=broken.cf bs=1 seek=100 conv=notrunc status=none
expect 1 "$CFC" sign -s k.sec -t "$T" broken.cf
grep -q '\[format-corrupt\]' err || fail "format diagnostic: $(cat err)"
grep -q 'not signed: it fails the format verifier' err || fail "format summary: $(cat err)"
[ ! -e broken.cf.minisig ] || fail "broken.cf was signed"

# A template set that does not know the file's template: lint refuses.
expect 1 "$CFC" sign -s k.sec -t "$T/dns-query.yaml" -x other.sig c291-fixed.cf
[ ! -e other.sig ] || fail "signed without its template"
finish
