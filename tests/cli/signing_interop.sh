#!/usr/bin/env bash
# cfc keygen / sign / verify against the stock minisign binary, both ways:
# cfc keys + cfc sign verified by minisign -V; minisign -G keys (-W and
# encrypted) + cfc sign verified by both; minisign -S signatures carrying a
# cfc trusted comment verified by cfc; legacy signatures only with --legacy;
# keys and signatures with the line ends other tools write (an extra empty
# line, no final newline, CRLF), accepted by both.
#
# minisign reads passwords from stdin when it is not a terminal, so an
# encrypted minisign key is made with `printf 'pw\npw\n' | minisign -G`;
# cfc reads them from --password-file or CFC_PASSWORD_FILE.
set -u
. "$SRC/tests/lib.sh"
cd "$TMP" || exit 2
T="$SRC/samples/templates"
command -v minisign >/dev/null || fail "minisign is not installed"

expect 0 "$CFC" compile -t "$T" -o c291.cf "$SRC/samples/rules/c291-fixed.yaml"
expect 0 "$CFC" compile -t "$T" -o pl.cf "$SRC/samples/rules/process-lineage.yaml"
printf 'correct horse battery\n' >pw

# 1. cfc keygen (encrypted) + cfc sign, verified by minisign -V and cfc verify.
expect 0 "$CFC" keygen --kdf interactive --password-file pw -p cfc.pub -s cfc.sec
grep -q '^key ID [0-9A-F]\{16\}$' out || fail "keygen prints the key ID"
[ "$(stat -c %a cfc.sec)" = 600 ] || fail "secret key mode $(stat -c %a cfc.sec)"
[ "$(stat -c %a cfc.pub)" = 644 ] || fail "public key mode $(stat -c %a cfc.pub)"
head -1 cfc.pub | grep -q '^untrusted comment: minisign public key [0-9A-F]\{16\}$' ||
	fail "public key comment"
head -1 cfc.sec | grep -qx 'untrusted comment: minisign encrypted secret key' ||
	fail "secret key comment"
expect 0 env CFC_PASSWORD_FILE=pw "$CFC" sign -s cfc.sec -t "$T" c291.cf pl.cf
[ -f c291.cf.minisig ] && [ -f pl.cf.minisig ] || fail "signature files written"
[ "$(stat -c %a c291.cf.minisig)" = 644 ] || fail "signature mode"
expect 0 minisign -V -p cfc.pub -m c291.cf
grep -q 'Signature and comment signature verified' out || fail "minisign -V output"
expect 0 minisign -V -H -p cfc.pub -m pl.cf # -H: must be prehashed
expect 0 "$CFC" verify -p cfc.pub c291.cf pl.cf
grep -q '^c291.cf: signature OK (key ID [0-9A-F]\{16\}, channel 291, version 43' out ||
	fail "verify output: $(cat out)"
grep -q '^pl.cf: signature OK' out || fail "verify output for pl.cf"

# The trusted comment, field by field.
tc=$(sed -n 's/^trusted comment: //p' c291.cf.minisig)
IFS=$'\t' read -r -a kv <<<"$tc"
[ "${#kv[@]}" = 7 ] || fail "trusted comment has ${#kv[@]} items: $tc"
[[ ${kv[0]} =~ ^timestamp:[0-9]+$ ]] || fail "timestamp: ${kv[0]}"
[ "${kv[1]}" = file:c291.cf ] || fail "file: ${kv[1]}"
[ "${kv[2]}" = channel:291 ] || fail "channel: ${kv[2]}"
[ "${kv[3]}" = version:43 ] || fail "version: ${kv[3]}"
[ "${kv[4]}" = template:ipc-named-pipe ] || fail "template: ${kv[4]}"
[[ ${kv[5]} =~ ^fingerprint:[0-9a-f]{64}$ ]] || fail "fingerprint: ${kv[5]}"
[ "${kv[6]}" = fields:21 ] || fail "fields: ${kv[6]}"
fp=$("$CFC" dump --format json c291.cf | python3 -c 'import json,sys; print(json.load(sys.stdin)["template"]["fingerprint"])') ||
	fail "cfc dump --format json"
[ "${kv[5]}" = "fingerprint:$fp" ] || fail "fingerprint differs from the header's: $fp"

# 2. SOURCE_DATE_EPOCH: the timestamp, and byte-identical signatures.
expect 0 env SOURCE_DATE_EPOCH=1721361240 CFC_PASSWORD_FILE=pw "$CFC" sign -s cfc.sec -t "$T" -x a.sig c291.cf
expect 0 env SOURCE_DATE_EPOCH=1721361240 CFC_PASSWORD_FILE=pw "$CFC" sign -s cfc.sec -t "$T" -x b.sig c291.cf
cmp -s a.sig b.sig || fail "signatures with SOURCE_DATE_EPOCH differ"
grep -q $'^trusted comment: timestamp:1721361240\tfile:c291.cf\t' a.sig || fail "SOURCE_DATE_EPOCH ignored"
expect 2 env SOURCE_DATE_EPOCH=yesterday CFC_PASSWORD_FILE=pw "$CFC" sign -s cfc.sec -t "$T" -x c.sig c291.cf
[ ! -e c.sig ] || fail "bad SOURCE_DATE_EPOCH wrote a signature"

# 3. cfc keygen -W: no password needed; minisign signs with it too.
expect 0 "$CFC" keygen -W -p w.pub -s w.sec
grep -q 'not encrypted' out || fail "keygen -W output"
expect 0 "$CFC" sign -s w.sec -t "$T" c291.cf </dev/null
expect 0 minisign -V -p w.pub -m c291.cf
expect 0 "$CFC" verify -p w.pub c291.cf
expect 0 minisign -S -s w.sec -m pl.cf -x mw.sig </dev/null
expect 0 minisign -V -p w.pub -m pl.cf -x mw.sig

# 4. minisign -G -W keys + cfc sign, verified by both.
expect 0 minisign -G -W -p mw.pub -s mw.sec
expect 0 "$CFC" sign -s mw.sec -t "$T" c291.cf pl.cf </dev/null
expect 0 minisign -V -p mw.pub -m c291.cf
expect 0 minisign -V -p mw.pub -m pl.cf
expect 0 "$CFC" verify -p mw.pub c291.cf pl.cf

# 5. An encrypted minisign key (minisign's own scrypt limits) + cfc sign.
# The key pair is a fixture made by minisign -G (tests/fixtures/minisign):
# each use of it costs seconds of scrypt, so it is made once, not per run.
cp "$SRC/tests/fixtures/minisign/encrypted.pub" me.pub
cp "$SRC/tests/fixtures/minisign/encrypted.sec" me.sec
expect 0 "$CFC" sign -s me.sec -t "$T" --password-file pw -x me.sig c291.cf
expect 0 minisign -V -p me.pub -m c291.cf -x me.sig
expect 0 "$CFC" verify -p me.pub -x me.sig c291.cf
# A wrong password (checked on a cfc key: interactive limits, quicker).
printf 'wrong horse\n' >badpw
expect 1 "$CFC" sign -s cfc.sec -t "$T" --password-file badpw -x me2.sig c291.cf
grep -q 'wrong password' err || fail "wrong-password message: $(cat err)"
[ ! -e me2.sig ] || fail "a wrong password wrote a signature"

# 6. A cfc-encrypted key is usable by minisign -S (password on stdin).
printf 'correct horse battery\n' | minisign -S -s cfc.sec -m pl.cf -x mc.sig >out 2>&1 ||
	fail "minisign -S with a cfc key: $(cat out)"
expect 0 minisign -V -p cfc.pub -m pl.cf -x mc.sig
# ... but minisign's default trusted comment does not bind it to the file.
expect 1 "$CFC" verify -p cfc.pub -x mc.sig pl.cf
grep -q 'trusted comment binding' err || fail "binding message: $(cat err)"

# 7. minisign -S with a cfc trusted comment is a valid cfc signature.
tc=$(sed -n 's/^trusted comment: //p' pl.cf.minisig)
expect 0 minisign -S -s mw.sec -m pl.cf -x mt.sig -t "$tc" </dev/null
expect 0 "$CFC" verify -p mw.pub -x mt.sig pl.cf

# 8. Legacy (non-prehashed) signatures only with --legacy.
expect 0 minisign -S -l -s mw.sec -m pl.cf -x ml.sig -t "$tc" </dev/null
expect 1 "$CFC" verify -p mw.pub -x ml.sig pl.cf
grep -q 'signature algorithm check failed: legacy' err || fail "legacy message: $(cat err)"
expect 0 "$CFC" verify --legacy -p mw.pub -x ml.sig pl.cf

# 9. A renamed file still verifies (the name is informational), with a note.
cp c291.cf renamed.cf
cp c291.cf.minisig renamed.cf.minisig
expect 0 "$CFC" verify -p mw.pub renamed.cf
grep -q "note: renamed.cf: signed under the name 'c291.cf'" err || fail "rename note: $(cat err)"

# 10. stdin with -x; -x writing to stdout.
expect 0 "$CFC" verify -p mw.pub -x c291.cf.minisig - <c291.cf
expect 0 env SOURCE_DATE_EPOCH=7 "$CFC" sign -s mw.sec -t "$T" -x - pl.cf </dev/null
mv out stdout.sig
expect 0 env SOURCE_DATE_EPOCH=7 "$CFC" sign -s mw.sec -t "$T" pl.cf </dev/null
cmp -s stdout.sig pl.cf.minisig || fail "sign -x - differs from the file it wrote"
expect 0 minisign -V -p mw.pub -m pl.cf -x stdout.sig

# 11. Line ends (docs/signing.md, "Line ends"). A minisign key pair and a
# minisign signature, rewritten the way editors, Windows tools and CI
# variables leave them, still work: the public key verifies, the secret key
# signs what stock minisign verifies, the signature verifies. minisign 0.11
# reads every one of these forms too.
# form NAME IN OUT: IN (every line ending in "\n") rewritten.
form() {
	case $1 in
	extra) { cat "$2" && printf '\n'; } >"$3" ;;           # one empty line at the end
	nofinal) head -c -1 "$2" >"$3" ;;                     # no final newline
	crlf) sed 's/$/\r/' "$2" >"$3" ;;                      # unix2dos
	crlf-extra) { sed 's/$/\r/' "$2" && printf '\r\n'; } >"$3" ;;
	crlf-nofinal) sed 's/$/\r/' "$2" | head -c -2 >"$3" ;;
	pasted) sed '$!s/$/\r/' "$2" >"$3" ;; # CRLF text, trimmed, then echo "$VAR" >FILE
	*) fail "form $1" ;;
	esac
	! cmp -s "$2" "$3" || fail "form $1 left $2 unchanged"
}
[ "$(tail -c 1 mt.sig | od -An -c | tr -d ' ')" = '\n' ] || fail "mt.sig does not end in a newline"
for f in extra nofinal crlf crlf-extra crlf-nofinal pasted; do
	form $f mw.pub $f.pub
	form $f mw.sec $f.sec
	form $f mt.sig $f.sig
	form $f cfc.sec $f-cfc.sec
	expect 0 "$CFC" verify -p $f.pub -x mt.sig pl.cf
	expect 0 "$CFC" verify -p mw.pub -x $f.sig pl.cf
	expect 0 "$CFC" verify -p $f.pub -x $f.sig pl.cf
	expect 0 "$CFC" sign -s $f.sec -t "$T" -x $f-out.sig c291.cf </dev/null
	expect 0 minisign -V -p mw.pub -m c291.cf -x $f-out.sig
	expect 0 "$CFC" verify -p $f.pub -x $f-out.sig c291.cf
	# an encrypted key (cfc keygen, interactive limits) in this form
	expect 0 "$CFC" sign -s $f-cfc.sec -t "$T" --password-file pw -x $f-cfc.sig c291.cf
	expect 0 minisign -V -p cfc.pub -m c291.cf -x $f-cfc.sig
	# what minisign 0.11 itself makes of this form
	expect 0 minisign -V -p $f.pub -m pl.cf -x $f.sig
	expect 0 minisign -S -s $f.sec -m pl.cf -x $f-m.sig </dev/null
	expect 0 minisign -V -p mw.pub -m pl.cf -x $f-m.sig
done
# (An encrypted key in each of these forms is the cfc key above, cfc.sec:
# the same decryption with cheaper scrypt limits.)
finish
