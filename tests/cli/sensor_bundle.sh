# cfc run with a release bundle: verified in memory with -p, then taken only
# when this host's ring is open. Rings: canary 10%, all 100%; ring i opens
# i x 24 h after the bundle's signed creation time. host-5 is in bucket 479
# (canary), host-1 in bucket 2394 (all): at creation + 100 s only host-5
# takes it; a day later host-1 does too. A tampered or expired bundle is
# rejected (exit 1); a bundle without -p is a usage error (exit 2).
set -eu
. "$SRC/tests/lib.sh"
. "$SRC/tests/lib/sensor.sh"
compile_samples
cd "$TMP"
"$CFC" keygen -W -p k.pub -s k.sec >/dev/null
"$CFC" sign -s k.sec -t "$T" c310.cf c412.cf >/dev/null 2>&1
SOURCE_DATE_EPOCH=1700000000 "$CFC" bundle -s k.sec -o b.tar.zst --bundle-version 3 \
	--ring canary:10 --ring all:100 c310.cf c412.cf >/dev/null 2>&1
run() { # run STATUS NAME ARGS...
	local want=$1 name=$2 rc=0
	shift 2
	"$CFC" run -t "$T" --sensor 7.16.0 -p k.pub --events "$E/process-creation.jsonl" "$@" \
		>"$name.out" 2>"$name.err" || rc=$?
	[ $rc = "$want" ] || { cat "$name.err" >&2; bad "$name: exit $rc, want $want"; }
}
run 0 canary --host-id host-5 --now 1700000100 b.tar.zst
grep -q "^b.tar.zst: note: bundle version 3 taken: host 'host-5' (bucket 479) is in ring 'canary'" canary.err || bad "canary: not taken"
grep -q '^b.tar.zst:c310.cf: note: loaded channel 310 content version 17' canary.err || bad "canary: c310.cf not loaded"
[ "$(grep -c '"channel": 310' canary.out)" = 19 ] || bad "canary: not 19 matches of channel 310"
run 0 later --host-id host-1 --now 1700000100 b.tar.zst
grep -q "not taken yet: host 'host-1' (bucket 2394) is in ring 'all', which opens at 1700086400" later.err || bad "later: taken"
[ ! -s later.out ] || bad "later: matches before the ring opened"
run 0 open --host-id host-1 --now 1700086400 b.tar.zst
[ "$(grep -c '"channel": 310' open.out)" = 19 ] || bad "open: not 19 matches of channel 310"
# The same host always lands in the same ring.
run 0 again --host-id host-1 --now 1700086399 b.tar.zst
grep -q 'not taken yet' again.err || bad "again: taken before its ring opened"
# Expired (30 days by default), tampered: rejected.
run 1 expired --host-id host-5 --now 1800000000 b.tar.zst
grep -q 'bundle not taken: it failed verification' expired.err || bad "expired: taken"
head -c 3000 b.tar.zst >cut.tar.zst
run 1 tampered --host-id host-5 --now 1700000100 cut.tar.zst
# Without a public key a bundle cannot be verified.
rc=0
"$CFC" run -t "$T" --sensor 7.16.0 b.tar.zst </dev/null 2>nokey.err || rc=$?
[ $rc = 2 ] && grep -q 'needs a public key' nokey.err || bad "no key: exit $rc, $(cat nokey.err)"
finish
