# cfc run -p: with a public key every content file needs a valid FILE.minisig
# (step 1). Unsigned content, a signature by another key and a file changed
# after signing are skipped; signed content loads and matches.
set -eu
. "$SRC/tests/lib.sh"
. "$SRC/tests/lib/sensor.sh"
GOLDEN_SED='s/[0-9A-F]\{16\}/KEYID/g'
compile_samples
cd "$TMP"
"$CFC" keygen -W -p k.pub -s k.sec >/dev/null
"$CFC" keygen -W -p other.pub -s other.sec >/dev/null
"$CFC" sign -s k.sec -t "$T" c310.cf c412.cf c291-fixed.cf >/dev/null 2>&1
cp c412.cf c412-tampered.cf
cp c412.cf.minisig c412-tampered.cf.minisig
printf 'x' >>c412-tampered.cf
cp c310.cf c310-other.cf
"$CFC" sign -s other.sec -t "$T" c310-other.cf >/dev/null 2>&1
cd "$SRC"
golden sig-mixed 1 "$CFC" run -t "$T" --sensor 7.16.0 -p k.pub --events "$E/process-creation.jsonl" \
	c310.cf c291-bad.cf c412-tampered.cf c310-other.cf
grep -q '^c291-bad.cf: error: not loaded (step 1, signature): unsigned content' "$TMP/sig-mixed.err" || bad "c291-bad.cf: not refused as unsigned"
grep -q '^c412-tampered.cf: error: not loaded (step 1, signature)' "$TMP/sig-mixed.err" || bad "c412-tampered.cf: not refused"
grep -q '^c310-other.cf: error: not loaded (step 1, signature)' "$TMP/sig-mixed.err" || bad "c310-other.cf: not refused"
[ "$(grep -c '"channel": 310' "$TMP/sig-mixed.out")" = 19 ] || bad "sig-mixed: not 19 matches of channel 310"
golden sig-good 0 "$CFC" run -t "$T" --sensor 7.17.0 -p k.pub --events "$E/ipc-named-pipe.jsonl" \
	c310.cf c412.cf c291-fixed.cf
finish
