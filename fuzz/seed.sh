#!/usr/bin/env bash
# fuzz/seed.sh TARGET DIR: put seed inputs for TARGET into DIR, made from
# samples/ with the normal build's cfc ($CFC).
set -u
t=$1
dir=$2
cfc=${CFC:-build/cfc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
case "$t" in
format | load)
	for r in samples/rules/*.yaml; do
		n=$(basename "$r" .yaml)
		"$cfc" compile -t samples/templates -o "$dir/$n.cf" "$r" 2>/dev/null
		"$cfc" compile -t samples/templates --strip-source -o "$dir/$n-stripped.cf" "$r" 2>/dev/null
	done
	;;
template)
	cp samples/templates/*.yaml tests/golden/compile/tpl/*.yaml "$dir"/
	cp tests/golden/compile/templates/*.yaml "$dir"/ 2>/dev/null
	;;
compile)
	for f in samples/rules/*.yaml tests/golden/compile/*.yaml; do
		cp "$f" "$dir/$(basename "$(dirname "$f")")-$(basename "$f")"
	done
	# two sources of one channel, split at the line "#--" (fuzz_compile.c)
	{ cat samples/rules/dns-tunnel-1.yaml; printf '#--\n'; cat samples/rules/dns-tunnel-2.yaml; } \
		>"$dir/two-sources.yaml"
	;;
keys)
	cp fuzz/keys/fuzz.pub fuzz/keys/fuzz.key "$dir"/
	printf 'fuzz\n' >"$tmp/msg"
	if command -v minisign >/dev/null; then
		minisign -S -s fuzz/keys/fuzz.key -m "$tmp/msg" -x "$dir/msg.minisig" </dev/null >/dev/null 2>&1
		minisign -S -l -s fuzz/keys/fuzz.key -m "$tmp/msg" -x "$dir/msg-legacy.minisig" </dev/null >/dev/null 2>&1
	fi
	"$cfc" compile -t samples/templates -o "$tmp/c.cf" samples/rules/c291-fixed.yaml 2>/dev/null &&
		SOURCE_DATE_EPOCH=1721361600 "$cfc" sign -s fuzz/keys/fuzz.key -t samples/templates \
			-x "$dir/c291-fixed.cf.minisig" "$tmp/c.cf" >/dev/null 2>&1
	printf 'pw\n' >"$tmp/pw"
	"$cfc" keygen --kdf interactive --password-file "$tmp/pw" -p "$tmp/e.pub" -s "$dir/encrypted.key" >/dev/null 2>&1
	# a trusted comment alone (cf_sig_binding_parse)
	[ -f "$dir/c291-fixed.cf.minisig" ] && sed -n 's/^trusted comment: //p' "$dir/c291-fixed.cf.minisig" | tr -d '\n' >"$dir/binding.txt"
	;;
bundle | manifest | bundlesig)
	for r in samples/rules/c291-fixed.yaml samples/rules/process-lineage.yaml; do
		n=$(basename "$r" .yaml)
		"$cfc" compile -t samples/templates -o "$tmp/$n.cf" "$r" 2>/dev/null &&
			SOURCE_DATE_EPOCH=1721361600 "$cfc" sign -s fuzz/keys/fuzz.key -t samples/templates "$tmp/$n.cf" >/dev/null 2>&1
	done
	export SOURCE_DATE_EPOCH=1721361600
	"$cfc" bundle -s fuzz/keys/fuzz.key -o "$tmp/b.tar.zst" "$tmp"/c291-fixed.cf >/dev/null 2>&1
	"$cfc" bundle -s fuzz/keys/fuzz.key -o "$tmp/b2.tar.gz" --bundle-version 2 --ring canary:1 --ring all:100 \
		"$tmp"/*.cf >/dev/null 2>&1
	if [ "$t" = bundlesig ]; then
		# each archive as the entry list fuzz_bundlesig.c reads, without
		# the manifest signature (the target signs the manifest itself)
		for b in b.tar.zst b2.tar.gz; do
			case $b in *.zst) zstd -dcq "$tmp/$b" >"$tmp/$b.tar" ;; *) gzip -dc "$tmp/$b" >"$tmp/$b.tar" ;; esac
			python3 - "$tmp/$b.tar" "$dir/$b.entries" <<'PY' 2>/dev/null
import sys, tarfile
with tarfile.open(sys.argv[1]) as t, open(sys.argv[2], "wb") as out:
    for m in t.getmembers():
        if m.name == "manifest.json.minisig":
            continue
        data = t.extractfile(m).read()
        name = m.name.encode()
        out.write(bytes([len(name)]) + name + len(data).to_bytes(2, "little") + data)
PY
		done
	elif [ "$t" = bundle ]; then
		cp "$tmp"/b.tar.zst "$tmp"/b2.tar.gz "$dir"/ 2>/dev/null
		# the same archives uncompressed
		zstd -dc "$tmp/b.tar.zst" >"$dir/b.tar" 2>/dev/null
		gzip -dc "$tmp/b2.tar.gz" >"$dir/b2.tar" 2>/dev/null
	else
		for b in b.tar.zst b2.tar.gz; do
			tar -xOf "$tmp/$b" manifest.json >"$dir/$b.manifest.json" 2>/dev/null
			tar -xOf "$tmp/$b" manifest.json.minisig 2>/dev/null | sed -n 's/^trusted comment: //p' |
				tr -d '\n' >"$dir/$b.comment"
		done
	fi
	;;
events)
	# the sample event streams in chunks of 8 lines, and the malformed ones
	for f in samples/events/*.jsonl tests/fixtures/sensor/bad-events.jsonl; do
		split -l 8 -a 3 "$f" "$dir/$(basename "$f" .jsonl)-"
	done
	;;
evstream)
	# each sample event stream packed whole (cfc pack-events)
	for f in samples/events/*.jsonl; do
		"$cfc" pack-events -t samples/templates -o "$dir/$(basename "$f" .jsonl).cfe" "$f" 2>/dev/null
	done
	;;
esac
if [ -d "fuzz/seeds/$t" ]; then
	cp -n "fuzz/seeds/$t"/* "$dir"/ 2>/dev/null
fi
exit 0
