#!/usr/bin/env bash
# The times cfc takes from the environment (cli_env_time): SOURCE_DATE_EPOCH
# for sign and bundle, CFC_NOW for unbundle's expiry check. A value that is
# not a decimal number of seconds up to 2^63-1 is a usage error (exit 2)
# that names the variable, and nothing is written; a valid one is used.
set -u
: "${CFC:?}" "${SRC:?}" "${TMP:?}"
cd "$TMP" || exit 2
T=$SRC/samples/templates
. "$SRC/tests/lib.sh"
"$CFC" keygen -W -p k.pub -s k.key >/dev/null || fail keygen
"$CFC" compile -t "$T" -o c.cf "$SRC/samples/rules/c291-fixed.yaml" || fail compile
for bad in x 12x -1 " 5" 9223372036854775808 18446744073709551616; do
	SOURCE_DATE_EPOCH=$bad "$CFC" sign -s k.key -t "$T" -x bad.sig c.cf >out 2>err
	rc=$?
	[ $rc = 2 ] || fail "sign with SOURCE_DATE_EPOCH='$bad': exit $rc"
	grep -q 'SOURCE_DATE_EPOCH must be a decimal number of seconds' err || fail "sign message: $(cat err)"
	[ ! -e bad.sig ] || fail "sign wrote a signature with SOURCE_DATE_EPOCH='$bad'"
	SOURCE_DATE_EPOCH=$bad "$CFC" bundle -s k.key -o bad.tar.zst c.cf >out 2>err
	rc=$?
	[ $rc = 2 ] || fail "bundle with SOURCE_DATE_EPOCH='$bad': exit $rc"
	grep -q 'SOURCE_DATE_EPOCH must be a decimal number' err || fail "bundle message: $(cat err)"
	[ ! -e bad.tar.zst ] || fail "bundle wrote a bundle with SOURCE_DATE_EPOCH='$bad'"
done
# Valid: the signing time is the variable's, to the second.
SOURCE_DATE_EPOCH=1721361600 "$CFC" sign -s k.key -t "$T" c.cf >/dev/null || fail "sign"
grep -q 'timestamp:1721361600' c.cf.minisig || fail "signing time: $(sed -n 3p c.cf.minisig)"
SOURCE_DATE_EPOCH=1721361600 "$CFC" bundle -s k.key --expires 3600 -o b.tar.zst c.cf >/dev/null || fail bundle
mkdir dest
for bad in x -1 9223372036854775808; do
	CFC_NOW=$bad "$CFC" unbundle -p k.pub -C dest b.tar.zst >o 2>err
	rc=$?
	[ $rc = 2 ] || fail "unbundle with CFC_NOW='$bad': exit $rc"
	grep -q 'CFC_NOW must be a decimal number of seconds' err || fail "unbundle message: $(cat err)"
done
[ -z "$(ls dest)" ] || fail "unbundle installed with a bad CFC_NOW"
# CFC_NOW moves the verifier's clock: before the expiry installs, after it refuses.
CFC_NOW=1721362000 "$CFC" unbundle -p k.pub -C dest b.tar.zst >o 2>err || fail "unbundle before expiry: $(cat err)"
CFC_NOW=1721366000 "$CFC" unbundle -p k.pub -C dest b.tar.zst >o 2>err && fail "unbundle after expiry succeeded"
grep -qi 'expire' err || fail "expiry message: $(cat err)"
echo "environment times: checked"
