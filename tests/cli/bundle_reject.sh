#!/usr/bin/env bash
# cfc unbundle / verify on hostile bundles crafted here with python3's
# tarfile: each is rejected with exit 1 and a clear message, and nothing is
# written (the install directory and the state exactly as they were).
set -u
. "$SRC/tests/lib.sh"
cd "$TMP" || exit 2

T=$SRC/samples/templates
R=$SRC/samples/rules
export SOURCE_DATE_EPOCH=1721361240
export CFC_NOW=$((SOURCE_DATE_EPOCH + 3600))

expect 0 "$CFC" keygen -W -p k.pub -s k.sec
expect 0 "$CFC" keygen -W -p other.pub -s other.sec
expect 0 "$CFC" compile -t "$T" -o c291.cf "$R/c291-fixed.yaml"
expect 0 "$CFC" compile -t "$T" -o c310.cf "$R/process-lineage.yaml"
expect 0 "$CFC" sign -s k.sec -t "$T" c291.cf c310.cf
expect 0 "$CFC" bundle -s k.sec -o good.tar.zst --bundle-version 5 c291.cf c310.cf
# Another bundle: channel 291 at a higher content version.
mkdir v2 && sed 's/^version: .*/version: 99/' "$R/c291-fixed.yaml" >v2/c291.yaml
expect 0 "$CFC" compile -t "$T" -o v2/c291.cf v2/c291.yaml
expect 0 "$CFC" sign -s k.sec -t "$T" v2/c291.cf
expect 0 "$CFC" bundle -s k.sec -o v2.tar.zst --bundle-version 6 v2/c291.cf c310.cf

zstd -q -dc good.tar.zst >good.tar
zstd -q -dc v2.tar.zst >v2.tar

# craft.py IN.tar OUT.tar OP ARGS...: rewrite a tar with one change.
cat >craft.py <<'EOF'
import io, sys, tarfile
src, dst, op, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
members = []
with tarfile.open(src) as t:
    for m in t.getmembers():
        members.append((m, t.extractfile(m).read() if m.isreg() else b""))
def find(name):
    for i, (m, d) in enumerate(members):
        if m.name == name:
            return i
    raise SystemExit("no member " + name)
def info(name, type=tarfile.REGTYPE, data=b""):
    m = tarfile.TarInfo(name)
    m.type, m.size, m.mode, m.mtime = type, len(data), 0o644, 1721361240
    return m
if op == "add":          # add NAME KIND [LINK]
    kind = args[1]
    m = info(args[0], {"reg": tarfile.REGTYPE, "sym": tarfile.SYMTYPE, "lnk": tarfile.LNKTYPE,
                       "chr": tarfile.CHRTYPE, "blk": tarfile.BLKTYPE, "fifo": tarfile.FIFOTYPE,
                       "dir": tarfile.DIRTYPE}[kind])
    data = b"evil\n" if kind == "reg" else b""
    m.size = len(data)
    if len(args) > 2:
        m.linkname = args[2]
    if kind in ("chr", "blk"):
        m.devmajor, m.devminor = 1, 3
    members.append((m, data))
elif op == "dup":        # dup NAME: a second copy
    m, d = members[find(args[0])]
    members.append((m, d))
elif op == "del":        # del NAME
    del members[find(args[0])]
elif op == "flip":       # flip NAME: one byte changed, same size
    i = find(args[0]); m, d = members[i]
    d = bytearray(d); d[len(d) // 2] ^= 1
    members[i] = (m, bytes(d))
elif op == "grow":       # grow NAME: one byte more
    i = find(args[0]); m, d = members[i]
    m.size += 1
    members[i] = (m, d + b"\n")
elif op == "set":        # set NAME FILE: contents from FILE
    i = find(args[0]); m, d = members[i]
    d = open(args[1], "rb").read(); m.size = len(d)
    members[i] = (m, d)
with tarfile.open(dst, "w", format=tarfile.PAX_FORMAT) as out:
    for m, d in members:
        if m.type == tarfile.LNKTYPE:
            # A hard link that carries data, written by hand: tarfile
            # would drop it.
            m.size = 5
            out.fileobj.write(m.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape"))
            out.fileobj.write(b"evil\n" + b"\0" * 507)
            out.offset += 1024
            continue
        out.addfile(m, io.BytesIO(d) if m.isreg() else None)
EOF

mkdir dest state
expect 0 "$CFC" unbundle -p k.pub -C dest --state state good.tar.zst
snapshot() {
	(cd dest && find . -printf '%p %y %m %s\n' | sort && sha256sum -- * | sort)
	(cd state && find . -printf '%p %y %m %s\n' | sort && sha256sum -- * | sort)
}
snapshot >before.txt

# reject NAME BUNDLE CODE TEXT [state]: unbundle and verify must both
# refuse it (verify has no state: rollbacks are unbundle's alone).
reject() {
	local name=$1 bundle=$2 code=$3 text=$4 only=${5:-}
	"$CFC" unbundle -p k.pub -C dest --state state "$bundle" >out.txt 2>err.txt
	local rc=$?
	[ $rc = 1 ] || { cat err.txt >&2; fail "$name: unbundle exit $rc, expected 1"; }
	grep -q "error: .*$text.* \[$code\]" err.txt || fail "$name: message: $(cat err.txt)"
	[ -s out.txt ] && fail "$name: output on stdout: $(cat out.txt)"
	snapshot >after.txt
	cmp -s before.txt after.txt || { diff before.txt after.txt >&2; fail "$name: something was written"; }
	if [ "$only" = state ]; then
		"$CFC" verify -p k.pub "$bundle" >/dev/null 2>err.txt || fail "$name: verify: $(cat err.txt)"
		return 0
	fi
	"$CFC" verify -p k.pub "$bundle" >/dev/null 2>err.txt
	rc=$?
	[ $rc = 1 ] || { cat err.txt >&2; fail "$name: verify exit $rc, expected 1"; }
	grep -q "\[$code\]" err.txt || fail "$name: verify message: $(cat err.txt)"
}
# craft NAME OP ARGS...: good.tar with one change, as NAME.tar.zst
craft() {
	local name=$1; shift
	python3 craft.py good.tar "$name.tar" "$@" || fail "craft $name"
	zstd -q -f "$name.tar" -o "$name.tar.zst" || fail "zstd $name"
}

craft traversal add ../x reg
reject traversal traversal.tar.zst bundle-entry-name "entry '../x': not a plain file name"
craft deep add ../../etc/cron.d/x reg
reject deep deep.tar.zst bundle-entry-name "not a plain file name"
craft absolute add /etc/passwd reg
reject absolute absolute.tar.zst bundle-entry-name "entry '/etc/passwd'"
craft subdir add sub/c291.cf reg
reject subdir subdir.tar.zst bundle-entry-name "not a plain file name"
craft hidden add .profile reg
reject hidden hidden.tar.zst bundle-entry-name "not a plain file name"
craft symlink add evil.cf sym /etc/passwd
reject symlink symlink.tar.zst bundle-entry-type "entry 'evil.cf': a symbolic link"
craft hardlink add evil.cf lnk c291.cf
reject hardlink hardlink.tar.zst bundle-entry-type "entry 'evil.cf': a hard link"
craft chardev add tty.cf chr
reject chardev chardev.tar.zst bundle-entry-type "a character device"
craft blockdev add sda.cf blk
reject blockdev blockdev.tar.zst bundle-entry-type "a block device"
craft fifo add fifo.cf fifo
reject fifo fifo.tar.zst bundle-entry-type "a FIFO"
craft dir add sub dir
reject dir dir.tar.zst bundle-entry-type "a directory"
craft duplicate dup c291.cf
reject duplicate duplicate.tar.zst bundle-entry-duplicate "entry 'c291.cf': in the archive more than once"
craft unlisted add extra.cf reg
reject unlisted unlisted.tar.zst bundle-entry-unlisted "entry 'extra.cf': not listed in the manifest"
craft missing del c310.cf
reject missing missing.tar.zst bundle-file-missing "'c310.cf' is listed in the manifest but not in the archive"
craft missing-sig del c310.cf.minisig
reject missing-sig missing-sig.tar.zst bundle-file-missing "'c310.cf.minisig' is listed"
craft hash flip c310.cf
reject hash hash.tar.zst bundle-hash "entry 'c310.cf': BLAKE2b-256 [0-9a-f]*, but the manifest lists"
craft size grow c291.cf
reject size size.tar.zst bundle-size "entry 'c291.cf': [0-9]* bytes, but the manifest lists"
craft unsigned del manifest.json.minisig
reject unsigned unsigned.tar.zst bundle-manifest-signature "'manifest.json' is not signed"
craft nomanifest del manifest.json
reject nomanifest nomanifest.tar.zst bundle-manifest "no 'manifest.json' in the archive"

# Manifest signed by another key, with stock minisign and the right
# trusted comment.
mkdir ms && tar -C ms -xf good.tar manifest.json manifest.json.minisig
tc=$(sed -n 's/^trusted comment: //p' ms/manifest.json.minisig)
minisign -S -s other.sec -m ms/manifest.json -x ms/other.minisig -t "$tc" >/dev/null || fail "minisign -S"
craft otherkey set manifest.json.minisig ms/other.minisig
reject otherkey otherkey.tar.zst bundle-manifest-signature "signature check failed (key ID)"
# Manifest edited after signing.
sed 's/"bundle_version": 5/"bundle_version": 9/' ms/manifest.json >ms/edited.json
craft edited set manifest.json ms/edited.json
reject edited edited.tar.zst bundle-manifest-signature "signature check failed"

# Channel file and signature from another bundle (valid signature, but
# not what this manifest pins); and that bundle's manifest with our files.
mkdir v2x && tar -C v2x -xf v2.tar
python3 craft.py good.tar mix1.tar set c291.cf v2x/c291.cf &&
	python3 craft.py mix1.tar mix.tar set c291.cf.minisig v2x/c291.cf.minisig &&
	zstd -q -f mix.tar -o mix.tar.zst || fail "craft mix"
reject mix mix.tar.zst bundle-size "entry 'c291.cf'"
python3 craft.py good.tar mixm1.tar set manifest.json v2x/manifest.json &&
	python3 craft.py mixm1.tar mixm.tar set manifest.json.minisig v2x/manifest.json.minisig &&
	zstd -q -f mixm.tar -o mixm.tar.zst || fail "craft mixm"
reject mixm mixm.tar.zst bundle-size "entry 'c291.cf'"

# Rollback against --state: the bundle version, then one channel's
# content version (bundle version above, channel 291 going back).
reject rollback good.tar.zst bundle-rollback "bundle version 5 is not above the installed bundle version 5" state
expect 0 "$CFC" bundle -s k.sec -o v3.tar.zst --bundle-version 3 c291.cf c310.cf
reject rollback-old v3.tar.zst bundle-rollback "bundle version 3 is not above" state
mkdir dest2 state2
expect 0 "$CFC" unbundle -p k.pub -C dest2 --state state2 v2.tar.zst
expect 0 "$CFC" bundle -s k.sec -o v7.tar.zst --bundle-version 7 c291.cf c310.cf
"$CFC" unbundle -p k.pub -C dest2 --state state2 v7.tar.zst >/dev/null 2>err.txt &&
	fail "content rollback accepted"
grep -q "error: entry 'c291.cf': channel 291 content version [0-9]* is below the installed version 99 \[bundle-rollback\]" err.txt ||
	fail "content rollback message: $(cat err.txt)"
cmp dest2/c291.cf v2/c291.cf || fail "content rollback overwrote the file"
grep -q '"content_version": 99' state2/cfc-state.json || fail "content rollback changed the state"
# ... and the same bundle version with higher content is fine.
expect 0 "$CFC" bundle -s k.sec -o v8.tar.zst --bundle-version 8 v2/c291.cf c310.cf
expect 0 "$CFC" unbundle -p k.pub -C dest2 --state state2 v8.tar.zst

# Expired.
expect 0 "$CFC" bundle -s k.sec -o short.tar.zst --bundle-version 50 --expires 600 c291.cf c310.cf
CFC_NOW=$((SOURCE_DATE_EPOCH + 600)) reject expired short.tar.zst bundle-expired "the manifest expired at 2024-07-19T04:04:00Z"

# A decompression bomb: a 1 GiB entry of zeros, about 32 KiB compressed.
python3 - good.tar bomb.tar.zst <<'EOF' || fail "craft bomb"
import subprocess, sys, tarfile
z = subprocess.Popen(["zstd", "-q", "-1", "-o", sys.argv[2], "-f"], stdin=subprocess.PIPE)
with open(sys.argv[1], "rb") as f:
    z.stdin.write(f.read()[:-1024])     # the good entries, no end marker
m = tarfile.TarInfo("bomb.cf"); m.size = 1 << 30; m.mtime = 0
z.stdin.write(m.tobuf(tarfile.PAX_FORMAT))
zero = bytes(1 << 20)
for _ in range(1024):
    z.stdin.write(zero)
z.stdin.write(bytes(1024))
z.stdin.close()
sys.exit(z.wait())
EOF
[ "$(stat -c %s bomb.tar.zst)" -lt 1000000 ] || fail "bomb too big"
reject bomb bomb.tar.zst bundle-limit "entry 'bomb.cf': 1073741824 bytes, over the 67108864-byte cap on one entry"
# Many entries within the per-entry cap but over the total: 5 x 60 MiB.
python3 - bomb2.tar.zst <<'EOF' || fail "craft bomb2"
import subprocess, sys, tarfile
z = subprocess.Popen(["zstd", "-q", "-1", "-o", sys.argv[1], "-f"], stdin=subprocess.PIPE)
zero = bytes(1 << 20)
for i in range(5):
    m = tarfile.TarInfo("z%d.cf" % i); m.size = 60 << 20; m.mtime = 0
    z.stdin.write(m.tobuf(tarfile.PAX_FORMAT))
    for _ in range(60):
        z.stdin.write(zero)
z.stdin.write(bytes(1024))
z.stdin.close()
sys.exit(z.wait())
EOF
reject bomb2 bomb2.tar.zst bundle-limit "entry 'z4.cf': 62914560 bytes would take the archive past the 268435456-byte cap"

# Truncated, and not an archive at all.
head -c $(($(stat -c %s good.tar.zst) / 2)) good.tar.zst >truncated.tar.zst
reject truncated truncated.tar.zst bundle-archive "corrupt or truncated archive"
head -c 3000 good.tar >truncated-plain.tar
reject truncated-plain truncated-plain.tar bundle-archive "truncated"
echo "hello, I am not a bundle" >junk.tar.zst
reject junk junk.tar.zst bundle-archive "not a bundle"
cp c291.cf notarchive.tar.gz
reject notarchive notarchive.tar.gz bundle-archive "not a bundle"
: >empty.tar.zst
reject empty empty.tar.zst bundle-archive ""

# Anything after the end of the archive (docs/bundles.md, "Nothing after the
# archive"), refused by unbundle, verify and run alike: bytes appended to the
# .tar.zst, a second zstd frame (with data or empty), a tar without its
# end-of-archive marker, data after the marker, zero padding past the end of
# the 10240-byte tar record; the same for gzip and a plain tar.
run_reject() { # run_reject NAME BUNDLE TEXT: as reject, then cfc run
	local name=$1 bundle=$2 text=$3
	reject "$name" "$bundle" bundle-archive "$text"
	"$CFC" run -t "$T" --sensor 7.16.0 -p k.pub --host-id host-5 --now "$CFC_NOW" \
		--events /dev/null "$bundle" >out.txt 2>err.txt
	local rc=$?
	[ $rc = 1 ] || { cat err.txt >&2; fail "$name: run exit $rc, expected 1"; }
	grep -q "^$bundle: error: .*$text.* \[bundle-archive\]" err.txt || fail "$name: run message: $(cat err.txt)"
	grep -q "^$bundle: error: bundle not taken: it failed verification" err.txt || fail "$name: run took it"
	grep -q "loaded channel" err.txt && fail "$name: run loaded content"
	[ -s out.txt ] && fail "$name: run printed matches"
	return 0
}
accept() { # accept NAME BUNDLE: verify takes it
	"$CFC" verify -p k.pub "$2" >/dev/null 2>err.txt || fail "$1: refused: $(cat err.txt)"
}
accept good-verify good.tar.zst
cp good.tar.zst appended.tar.zst && printf 'garbage\n' >>appended.tar.zst
run_reject appended appended.tar.zst "8 bytes after the end of the archive (after the zstd frame that holds it)"
printf 'x\n' | zstd -q >second.zst
cat good.tar.zst second.zst >twoframes.tar.zst
run_reject twoframes twoframes.tar.zst "$(stat -c %s second.zst) bytes after the end of the archive (a second zstd frame; a bundle is exactly one)"
zstd -q </dev/null >nothing.zst
cat good.tar.zst nothing.zst >emptyframe.tar.zst
run_reject emptyframe emptyframe.tar.zst "$(stat -c %s nothing.zst) bytes after the end of the archive (a second zstd frame"
head -c -1024 good.tar | zstd -q >nomarker.tar.zst
run_reject nomarker nomarker.tar.zst "the archive has no end-of-archive marker"
head -c -512 good.tar | zstd -q >halfmarker.tar.zst
run_reject halfmarker halfmarker.tar.zst "the archive has no end-of-archive marker"
{ cat good.tar && printf 'x'; } | zstd -q >after.tar.zst
run_reject after after.tar.zst "1 byte after the end of the archive (not all zeros"
# cfc bundle ends the tar right after its marker: zeros may fill the record.
size=$(stat -c %s good.tar)
pad=$(((size + 10239) / 10240 * 10240 - size))
{ cat good.tar && head -c "$pad" /dev/zero; } | zstd -q >padded.tar.zst
accept padded padded.tar.zst
{ cat good.tar && head -c $((pad + 1)) /dev/zero; } | zstd -q >overpadded.tar.zst
run_reject overpadded overpadded.tar.zst "$((pad + 1)) bytes after the end of the archive (zero padding past the end of the 10240-byte tar record)"
# gzip and no compression.
gzip -9nc good.tar >good.tar.gz
accept good-gzip good.tar.gz
{ cat good.tar.gz && printf 'junk'; } >appended.tar.gz
run_reject appended-gzip appended.tar.gz "4 bytes after the end of the archive (after the gzip data that holds it)"
{ cat good.tar.gz && gzip -nc </dev/null; } >twomembers.tar.gz
run_reject twomembers twomembers.tar.gz "bytes after the gzip member that holds the archive (a second member, or other data)"
# The same second member with its ISIZE set to the length of the whole
# stream, so that the last trailer looks right; and one member whose CRC-32
# or ISIZE lies (libarchive checks neither).
python3 - twomembers.tar.gz forged.tar.gz good.tar.gz badcrc.tar.gz badsize.tar.gz <<'PY'
import struct, sys, zlib
two = bytearray(open(sys.argv[1], "rb").read())
whole = len(zlib.decompressobj(31).decompress(open(sys.argv[3], "rb").read()))
two[-4:] = struct.pack("<I", whole)
open(sys.argv[2], "wb").write(two)
good = bytearray(open(sys.argv[3], "rb").read())
crc = bytearray(good); crc[-8] ^= 1
open(sys.argv[4], "wb").write(crc)
size = bytearray(good); size[-1] ^= 0x80
open(sys.argv[5], "wb").write(size)
PY
run_reject forged-isize forged.tar.gz "bytes after the gzip member that holds the archive"
run_reject bad-crc badcrc.tar.gz "the gzip data is damaged (incorrect data check)"
run_reject bad-isize badsize.tar.gz "the gzip data is damaged (incorrect length check)"
{ cat good.tar && printf 'x'; } >after.tar
run_reject after-plain after.tar "1 byte after the end of the archive (not all zeros"
zstd -q -c good.tar.gz >twice.tar.gz.zst
run_reject twice twice.tar.gz.zst "compressed more than once (gzip inside zstd)"

# Still nothing written, and no temporary directory left anywhere.
snapshot >after.txt
cmp before.txt after.txt || fail "final state differs"
ls -A dest dest2 | grep -q cfc-unbundle && fail "temporary directory left behind"
finish
