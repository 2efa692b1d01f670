#!/usr/bin/env bash
# -p PUBKEY is loaded one way (cli_load_pubkey) by verify, unbundle and run:
# the same message for a missing, an oversized and a malformed key file,
# and the statuses each command documents (verify and unbundle: 2 when the
# file cannot be read, 1 when it is not a valid key; run: 2, a sensor
# without its key loads nothing).
set -u
. "$SRC/tests/lib.sh"
cd "$TMP" || exit 2
T=$SRC/samples/templates
"$CFC" keygen -W -p k.pub -s k.key >/dev/null || fail keygen
"$CFC" compile -t "$T" -o c.cf "$SRC/samples/rules/c291-fixed.yaml" || fail compile
"$CFC" sign -s k.key -t "$T" c.cf >/dev/null || fail sign
"$CFC" bundle -s k.key -o b.tar.zst c.cf >/dev/null || fail bundle
head -c 5000 /dev/zero | tr '\0' A >big.pub
printf 'untrusted comment: minisign public key 0\nnot base64 at all\n' >bad.pub
mkdir dest
# KIND FILE VERIFY_STATUS PATTERN
check() {
	local file=$2 vst=$3 pat=$4
	expect_err "$vst" "$pat" "$CFC" verify -p "$file" c.cf
	expect_err "$vst" "$pat" "$CFC" unbundle -p "$file" -C dest b.tar.zst
	expect_err 2 "$pat" "$CFC" run -t "$T" --sensor 7.16.0 -p "$file" b.tar.zst
	[ -z "$(ls dest)" ] || fail "$1: unbundle installed with a bad key"
}
check missing nope.pub 2 "^cfc: error: cannot read 'nope.pub': "
check oversized big.pub 1 "^cfc: error: big.pub: public key file larger than [0-9]* bytes$"
check malformed bad.pub 1 "^cfc: error: bad.pub: line 2: public key has 17 base64 characters"
# and the good key works for all three
expect 0 "$CFC" verify -p k.pub c.cf
expect 0 "$CFC" unbundle -p k.pub -C dest b.tar.zst
expect 0 "$CFC" run -t "$T" --sensor 7.16.0 -p k.pub --events /dev/null b.tar.zst
finish "public keys: one loader"
