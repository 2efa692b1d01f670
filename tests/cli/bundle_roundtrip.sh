#!/usr/bin/env bash
# cfc bundle / verify / unbundle: the round trip from rule sources to an
# installed bundle, reproducibility (zstd and gzip), the bundling policy
# (signed files only, one file per channel), usage errors, and the clock
# the verifier uses (CFC_NOW, never SOURCE_DATE_EPOCH).
set -u
. "$SRC/tests/lib.sh"
cd "$TMP" || exit 2

T=$SRC/samples/templates
R=$SRC/samples/rules
expect 0 "$CFC" keygen -W -p k.pub -s k.sec
expect 0 "$CFC" keygen -W -p other.pub -s other.sec
expect 0 "$CFC" compile -t "$T" -o c291.cf "$R/c291-fixed.yaml"
expect 0 "$CFC" compile -t "$T" -o c310.cf "$R/process-lineage.yaml"
expect 0 "$CFC" compile -t "$T" -o c412.cf "$R/dns-tunnel-1.yaml" "$R/dns-tunnel-2.yaml"
expect 0 "$CFC" sign -s k.sec -t "$T" c291.cf c310.cf c412.cf

export SOURCE_DATE_EPOCH=1721361240
NOW=$((SOURCE_DATE_EPOCH + 3600))

# Round trip.
expect 0 "$CFC" bundle -s k.sec -o b1.tar.zst --bundle-version 7 \
	--ring canary:1 --ring early:10 --ring all:100 c291.cf c310.cf c412.cf
[ -s b1.tar.zst ] || fail "no bundle written"
[ "$(head -c 4 b1.tar.zst | od -An -tx1 | tr -d ' ')" = 28b52ffd ] || fail "not zstd"
zstd -dc b1.tar.zst | tar tf - >list.txt || fail "zstd/tar cannot read the bundle"
printf '%s\n' c291.cf c291.cf.minisig c310.cf c310.cf.minisig c412.cf c412.cf.minisig \
	manifest.json manifest.json.minisig | cmp - list.txt || fail "entries: $(cat list.txt)"
# Owner, mode and mtime are fixed.
zstd -dc b1.tar.zst | tar tvf - --numeric-owner >long.txt
grep -qv '^-rw-r--r-- 0/0 ' long.txt && fail "owner or mode: $(cat long.txt)"
grep -c '2024-07-19' long.txt | grep -qx 8 || TZ=UTC zstd -dc b1.tar.zst | TZ=UTC tar tvf - | grep -c '2024-07-19' | grep -qx 8 || fail "mtimes: $(cat long.txt)"
# The manifest and every file verify with stock minisign too.
mkdir x && (cd x && zstd -dc ../b1.tar.zst | tar xf -) || fail "extract"
for f in manifest.json c291.cf c310.cf c412.cf; do
	minisign -V -q -p k.pub -m "x/$f" || fail "minisign -V $f"
done
grep -q '"bundle_version": 7,' x/manifest.json || fail "manifest version"
grep -q '"name": "canary"' x/manifest.json || fail "manifest rings"
grep -q "\"created\": $SOURCE_DATE_EPOCH," x/manifest.json || fail "created"
grep -q "\"expires\": $((SOURCE_DATE_EPOCH + 30 * 86400))," x/manifest.json || fail "default expiry"
grep -q 'bundle_version:7	manifest_blake2b_256:' x/manifest.json.minisig || fail "trusted comment"

CFC_NOW=$NOW expect 0 "$CFC" verify -p k.pub b1.tar.zst
grep -q 'b1.tar.zst: bundle OK (bundle version 7, 3 channel files' out || fail "verify: $(cat out)"
grep -q 'c291.cf: signature OK (channel 291' out || fail "verify files: $(cat out)"
CFC_NOW=$NOW expect 1 "$CFC" verify -p other.pub b1.tar.zst
grep -q 'bundle-manifest-signature' err || fail "other key: $(cat err)"

mkdir dest state
CFC_NOW=$NOW expect 0 "$CFC" unbundle -p k.pub -C dest --state state b1.tar.zst
for f in c291.cf c310.cf c412.cf; do
	cmp "$f" "dest/$f" || fail "installed $f differs"
	cmp "$f.minisig" "dest/$f.minisig" || fail "installed $f.minisig differs"
	"$CFC" verify -p k.pub "dest/$f" >/dev/null || fail "installed $f does not verify"
done
[ "$(ls -A dest | wc -l)" = 6 ] || fail "extra files in dest: $(ls -A dest)"
[ "$(ls -A state)" = cfc-state.json ] || fail "state dir: $(ls -A state)"
grep -q '"bundle_version": 7,' state/cfc-state.json || fail "state version"
grep -q '"291": {' state/cfc-state.json || fail "state channel"
# Installing it again is a rollback (bundle version not above 7).
cp state/cfc-state.json state.before
CFC_NOW=$NOW expect 1 "$CFC" unbundle -p k.pub -C dest --state state b1.tar.zst
grep -q 'error: bundle version 7 is not above the installed bundle version 7 \[bundle-rollback\]' err ||
	fail "rollback message: $(cat err)"
cmp state.before state/cfc-state.json || fail "state changed on rejection"
# -C defaults to the current directory.
mkdir here && (cd here && CFC_NOW=$NOW "$CFC" unbundle -p ../k.pub ../b1.tar.zst >/dev/null) ||
	fail "unbundle into ."
cmp c291.cf here/c291.cf || fail "unbundle into . content"

# Reproducible: the same inputs give the same bytes, in any order and
# under any output name; gzip too, without a timestamp.
expect 0 "$CFC" bundle -s k.sec -o b2.tar.zst --bundle-version 7 \
	--ring canary:1 --ring early:10 --ring all:100 c412.cf c310.cf c291.cf
cmp b1.tar.zst b2.tar.zst || fail "zstd bundle not reproducible"
expect 0 "$CFC" bundle -s k.sec -o g1.tar.gz --bundle-version 7 c291.cf c310.cf c412.cf
sleep 1
expect 0 "$CFC" bundle -s k.sec -o g2.tar.gz --bundle-version 7 c291.cf c310.cf c412.cf
cmp g1.tar.gz g2.tar.gz || fail "gzip bundle not reproducible"
[ "$(od -An -tx1 -j4 -N4 g1.tar.gz | tr -d ' ')" = 00000000 ] || fail "gzip timestamp set"
gzip -t g1.tar.gz || fail "gzip -t"
CFC_NOW=$NOW expect 0 "$CFC" verify -p k.pub g1.tar.gz
# Default bundle version: the creation time.
expect 0 "$CFC" bundle -s k.sec -o d.tar.zst c291.cf
zstd -dc d.tar.zst | tar xOf - manifest.json | grep -q "\"bundle_version\": $SOURCE_DATE_EPOCH," ||
	fail "default bundle version"

# --expires: seconds after creation, or a UTC date.
expect 0 "$CFC" bundle -s k.sec -o e1.tar.zst --expires 60 c291.cf
zstd -dc e1.tar.zst | tar xOf - manifest.json | grep -q "\"expires\": $((SOURCE_DATE_EPOCH + 60))," ||
	fail "--expires 60"
expect 0 "$CFC" bundle -s k.sec -o e2.tar.zst --expires 2024-08-01 c291.cf
zstd -dc e2.tar.zst | tar xOf - manifest.json | grep -q '"expires": 1722470400,' || fail "--expires date"
expect 0 "$CFC" bundle -s k.sec -o e3.tar.zst --expires 2024-08-01T12:00:00Z c291.cf
zstd -dc e3.tar.zst | tar xOf - manifest.json | grep -q '"expires": 1722513600,' || fail "--expires datetime"
expect 2 "$CFC" bundle -s k.sec -o e4.tar.zst --expires 2024-07-01 c291.cf
expect 2 "$CFC" bundle -s k.sec -o e4.tar.zst --expires 2024-02-30 c291.cf
expect 2 "$CFC" bundle -s k.sec -o e4.tar.zst --expires tomorrow c291.cf
[ -e e4.tar.zst ] && fail "bundle written despite a usage error"

# The verifier's clock: CFC_NOW, never SOURCE_DATE_EPOCH.
CFC_NOW=$((SOURCE_DATE_EPOCH + 59)) expect 0 "$CFC" verify -p k.pub e1.tar.zst
CFC_NOW=$((SOURCE_DATE_EPOCH + 60)) expect 1 "$CFC" verify -p k.pub e1.tar.zst
grep -q 'expired at 2024-07-19T03:55:00Z' err || fail "expiry message: $(cat err)"
SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH expect 1 "$CFC" verify -p k.pub e1.tar.zst
grep -q 'bundle-expired' err || fail "SOURCE_DATE_EPOCH moved the verifier's clock"
CFC_NOW=soon expect 2 "$CFC" verify -p k.pub e1.tar.zst

# Policy: only files with a valid signature by the bundling key.
cp c291.cf unsigned.cf
expect 1 "$CFC" bundle -s k.sec -o u.tar.zst unsigned.cf
grep -q "not signed (no 'unsigned.cf.minisig')" err || fail "unsigned: $(cat err)"
expect 1 "$CFC" bundle -s other.sec -o u.tar.zst c291.cf
grep -q 'bundle-signature' err || fail "other key: $(cat err)"
cp c291.cf.minisig unsigned.cf.minisig
cp c310.cf unsigned.cf
expect 1 "$CFC" bundle -s k.sec -o u.tar.zst unsigned.cf
grep -q 'signature check failed' err || fail "swapped signature: $(cat err)"
mkdir dup && cp c291.cf c291.cf.minisig dup/
expect 0 "$CFC" compile -t "$T" -o dup/again.cf "$R/c291-bad.yaml"
"$CFC" sign -s k.sec -t "$T" dup/again.cf >/dev/null 2>&1
if [ -e dup/again.cf.minisig ]; then
	expect 1 "$CFC" bundle -s k.sec -o u.tar.zst dup/c291.cf dup/again.cf
	grep -q 'channel 291 is also carried by' err || fail "two files for one channel: $(cat err)"
fi
expect 1 "$CFC" bundle -s k.sec -o u.tar.zst c291.cf dup/c291.cf
grep -q "entry name 'c291.cf' is already taken" err || fail "same name: $(cat err)"
[ -e u.tar.zst ] && fail "bundle written despite rejection"

# Usage errors.
expect 2 "$CFC" bundle -s k.sec -o b.tar c291.cf
grep -q 'must end in .tar.zst' err || fail "extension message"
expect 2 "$CFC" bundle -s k.sec -o b.zip c291.cf
expect 2 "$CFC" bundle -s k.sec -o b.tar.zst
expect 2 "$CFC" bundle -o b.tar.zst c291.cf
expect 2 "$CFC" bundle -s k.sec -o b.tar.zst --ring all c291.cf
expect 2 "$CFC" bundle -s k.sec -o b.tar.zst --ring a:50 --ring b:50 --ring c:100 c291.cf
grep -q 'does not rise' err || fail "ring order message"
expect 2 "$CFC" bundle -s k.sec -o b.tar.zst --ring a:50 c291.cf
expect 2 "$CFC" bundle -s k.sec -o b.tar.zst --ring Big:100 c291.cf
expect 2 "$CFC" bundle -s k.sec -o b.tar.zst --bundle-version 0 c291.cf
expect 2 "$CFC" bundle -s k.sec -o b.tar.zst --bundle-version 9223372036854775808 c291.cf
expect 2 "$CFC" bundle -s k.sec -o b.tar.zst - 
expect 2 "$CFC" bundle -s k.sec -o b.tar.zst missing.cf
[ -e b.tar.zst ] && fail "bundle written despite a usage error"
expect 2 "$CFC" unbundle -p k.pub
expect 2 "$CFC" unbundle b1.tar.zst
expect 2 "$CFC" unbundle -p k.pub b1.tar.zst b2.tar.zst
expect 2 "$CFC" unbundle -p k.pub missing.tar.zst
CFC_NOW=$NOW expect 2 "$CFC" unbundle -p k.pub -C missing-dir b1.tar.zst
expect 0 "$CFC" bundle --help
grep -q 'usage: cfc bundle' out || fail "bundle --help"
expect 0 "$CFC" help unbundle
grep -q 'usage: cfc unbundle' out || fail "help unbundle"
finish
