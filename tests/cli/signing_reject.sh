#!/usr/bin/env bash
# cfc verify rejects every tampered variant, with exit 1 and the name of the
# first check that fails: every byte of a channel file flipped, every byte
# of its signature file flipped (except the untrusted comment's text, which
# minisign leaves unauthenticated by design), the wrong public key, a
# signature moved from another file or another version, truncated and
# malformed key and signature files, bad base64, line ends other than the
# accepted ones (docs/signing.md, "Line ends"). cfc sign: wrong password,
# truncated secret keys.
set -u
. "$SRC/tests/lib.sh"
cd "$TMP" || exit 2
T="$SRC/samples/templates"

# A tiny template and channel so that every byte can be flipped quickly.
cat >tiny.yaml <<'EOF'
template: tiny
id: 99
version: 1
fields:
  - {name: name, type: string}
  - {name: pid, type: uint}
sensors:
  - {version: "1.0.0", supplies: 2}
EOF
cat >tiny-rule.yaml <<'EOF'
channel: 7
template: tiny
version: 41
instances:
  - id: 1
    match:
      name: {prefix: evil}
      pid: {range: [4, 9]}
EOF
expect 0 "$CFC" compile -t tiny.yaml --strip-source -o v41.cf tiny-rule.yaml
expect 0 "$CFC" compile -t tiny.yaml --strip-source --content-version 42 -o v42.cf tiny-rule.yaml
expect 0 "$CFC" keygen -W -p k.pub -s k.sec
expect 0 "$CFC" keygen -W -p other.pub -s other.sec
expect 0 "$CFC" sign -s k.sec -t tiny.yaml v41.cf v42.cf
expect 0 "$CFC" verify -p k.pub v41.cf v42.cf

# Bytes of the channel file and of the signature file, flipped: about 40
# positions of the file, and the first, middle and last byte of each line of
# the signature, through the command line. test_signing's tamper and
# truncation loops flip and cut every byte, in one process.
python3 - "$CFC" <<'EOF' || fail "tamper loop"
import subprocess, sys
cfc = sys.argv[1]
data = open("v42.cf", "rb").read()
sig = open("v42.cf.minisig", "rb").read()
def verify(d, s):
    open("t.cf", "wb").write(d)
    open("t.cf.minisig", "wb").write(s)
    r = subprocess.run([cfc, "verify", "-p", "k.pub", "t.cf"], capture_output=True)
    return r.returncode, r.stderr.decode("utf-8", "replace")
bad = 0
file_pos = sorted(set(list(range(0, len(data), max(1, len(data) // 40))) + [len(data) - 1]))
for i in file_pos:
    d = bytearray(data); d[i] ^= 0x01
    rc, err = verify(bytes(d), sig)
    if rc != 1 or "signature check failed" not in err:
        print(f"file byte {i}: exit {rc}: {err}"); bad += 1
comment = (len(b"untrusted comment: "), sig.index(b"\n"))
sig_pos, start = set(), 0
for line in sig.split(b"\n")[:-1]:
    end = start + len(line)
    sig_pos |= {start, (start + end) // 2, max(start, end - 1), end}
    start = end + 1
for i in sorted(sig_pos):
    for bit in (0x01, 0x80):
        s = bytearray(sig); s[i] ^= bit
        rc, err = verify(data, bytes(s))
        harmless = comment[0] <= i < comment[1] and s[i] not in (0, 10, 13)
        if harmless:
            if rc != 0: print(f"untrusted comment byte {i}: exit {rc}: {err}"); bad += 1
        elif rc != 1 or "cfc: error: t.cf: " not in err:
            print(f"signature byte {i} ^ {bit}: exit {rc}: {err}"); bad += 1
print(f"{len(file_pos)} file bytes, {len(sig_pos)} signature bytes flipped; {bad} accepted", file=sys.stderr)
sys.exit(1 if bad else 0)
EOF

# The wrong public key.
expect_err 1 'key ID check failed: signed by key ID' "$CFC" verify -p other.pub v42.cf
expect 1 minisign -V -p other.pub -m v42.cf
# A signature moved from another version, and from another file.
expect_err 1 'v42.cf: signature check failed' "$CFC" verify -p k.pub -x v41.cf.minisig v42.cf
expect 1 minisign -V -p k.pub -m v42.cf -x v41.cf.minisig
expect 0 "$CFC" compile -t "$T" -o pl.cf "$SRC/samples/rules/process-lineage.yaml"
expect_err 1 'signature check failed' "$CFC" verify -p k.pub -x v42.cf.minisig pl.cf
# A file that is not a channel file, validly signed by minisign: the verifier.
printf 'not a channel file\n' >junk.cf
tc=$(sed -n 's/^trusted comment: //p' v42.cf.minisig)
expect 0 minisign -S -s k.sec -m junk.cf -t "$tc" </dev/null
expect_err 1 'format verifier check failed' "$CFC" verify -p k.pub junk.cf
# A valid signature of v42's bytes whose trusted comment says version 41.
expect 0 minisign -S -s k.sec -m v42.cf -x lie.sig -t "${tc/version:42/version:41}" </dev/null
expect 0 minisign -V -p k.pub -m v42.cf -x lie.sig
expect_err 1 'trusted comment binding check failed: signed for content version 41, but the file is version 42' \
	"$CFC" verify -p k.pub -x lie.sig v42.cf
expect 0 minisign -S -s k.sec -m v42.cf -x lie.sig -t "${tc/channel:7/channel:8}" </dev/null
expect_err 1 'signed for channel 8, but the file is channel 7' "$CFC" verify -p k.pub -x lie.sig v42.cf
expect 0 minisign -S -s k.sec -m v42.cf -x lie.sig -t "${tc/fields:2/fields:1}" </dev/null
expect_err 1 'signed for a field count of 1, but the file has 2' "$CFC" verify -p k.pub -x lie.sig v42.cf

# Truncated signature and key files: at no byte, one byte, each line end
# and one byte either side, and one byte short of the final newline; only
# that final newline may be missing. test_signing cuts them at every length.
cuts() { # FILE: the lengths to try, all shorter than the file less one byte
	local n
	n=$(stat -c %s "$1")
	{
		echo 0 1 $((n - 2))
		grep -bo $'\n' "$1" | cut -d: -f1 | while read -r nl; do echo $((nl - 1)) "$nl" $((nl + 1)); done
	} | tr ' ' '\n' | awk -v n="$n" '$1 >= 0 && $1 < n - 1' | sort -un
}
sig=v42.cf.minisig
n=$(stat -c %s $sig)
for i in $(cuts $sig); do
	head -c $i $sig >cut.sig
	expect 1 "$CFC" verify -p k.pub -x cut.sig v42.cf
	grep -q 'signature file syntax' err || fail "truncated at $i: $(cat err)"
done
head -c $((n - 1)) $sig >cut.sig
expect 0 "$CFC" verify -p k.pub -x cut.sig v42.cf
n=$(stat -c %s k.pub)
for i in $(cuts k.pub); do
	head -c $i k.pub >cut.pub
	expect 1 "$CFC" verify -p cut.pub v42.cf
	grep -q '^cfc: error: cut.pub: ' err || fail "public key truncated at $i: $(cat err)"
done
head -c $((n - 1)) k.pub >cut.pub
expect 0 "$CFC" verify -p cut.pub v42.cf
n=$(stat -c %s k.sec)
for i in $(cuts k.sec); do
	head -c $i k.sec >cut.sec
	expect 1 "$CFC" sign -s cut.sec -t tiny.yaml -x cut-out.sig v42.cf
	[ ! -e cut-out.sig ] || fail "a truncated secret key signed"
done
head -c $((n - 1)) k.sec >cut.sec
expect 0 "$CFC" sign -s cut.sec -t tiny.yaml -x cut-out.sig v42.cf

# Malformed signature files: each gets its own message.
b2=$(sed -n 2p $sig)
b4=$(sed -n 4p $sig)
l1=$(sed -n 1p $sig)
l3=$(sed -n 3p $sig)
check_sig() { # PATTERN: the signature in bad.sig is refused with it
	expect_err 1 "$1" "$CFC" verify -p k.pub -x bad.sig v42.cf
}
printf '%s\n%s\n%s\n%s\n' "$l1" "${b2:0:10}*${b2:11}" "$l3" "$b4" >bad.sig
check_sig 'line 2: signature is not valid base64'
printf '%s\n%s\n%s\n%s\n' "$l1" "${b2}AAAA" "$l3" "$b4" >bad.sig
check_sig 'line 2: signature has 104 base64 characters, expected 100'
printf '%s\n%s\n%s\n%s\n' "$l1" "$b2" "$l3" "${b4:0:80}" >bad.sig
check_sig 'line 4: global signature has 80 base64 characters, expected 88'
printf '%s\n%s\n%s\n%s\n' "$l1" "$b2" "$l3" "${b4:0:87}!" >bad.sig
check_sig 'line 4: global signature is not valid base64'
printf '%s\n%s\n%s\n%s\n%s\n' "$l1" "$b2" "$l3" "$b4" "$b4" >bad.sig
check_sig 'unexpected data after line 4'
# Line ends: "\n" or "\r\n", the last one optional, one empty line after it
# (accepted: signing_interop.sh); anything else is refused.
printf '%s\r%s\r%s\r%s\r' "$l1" "$b2" "$l3" "$b4" >bad.sig
check_sig 'signature file: line 1: carriage return at column 66'
printf '%s\r\n%s\r\n%s\r\n%s\r' "$l1" "$b2" "$l3" "$b4" >bad.sig
check_sig 'signature file: line 4: carriage return at column 89'
printf '%s\r\r\n%s\r\n%s\r\n%s\r\n' "$l1" "$b2" "$l3" "$b4" >bad.sig
check_sig 'signature file: line 1: carriage return at column 66'
printf '%s\n%s\n%s\n%s\n\n\n' "$l1" "$b2" "$l3" "$b4" >bad.sig
check_sig 'signature file: 2 empty lines after line 4 (at most one is allowed)'
printf '%s\r\n%s\r\n%s\r\n%s\r\n\r\n\r\n' "$l1" "$b2" "$l3" "$b4" >bad.sig
check_sig 'signature file: 2 empty lines after line 4'
printf '%s\n\n%s\n%s\n%s\n' "$l1" "$b2" "$l3" "$b4" >bad.sig
check_sig 'unexpected data after line 4'
printf '%s\n%s \n%s\n%s\n' "$l1" "$b2" "$l3" "$b4" >bad.sig
check_sig 'line 2: signature has 101 base64 characters, expected 100'
printf '%s\n%s\n%s\n%s\n \n' "$l1" "$b2" "$l3" "$b4" >bad.sig
check_sig 'unexpected data after line 4 (2 more bytes)'
printf 'comment: x\n%s\n%s\n%s\n' "$b2" "$l3" "$b4" >bad.sig
check_sig 'line 1 does not start with "untrusted comment: "'
printf '%s\n%s\ncomment: x\n%s\n' "$l1" "$b2" "$b4" >bad.sig
check_sig 'line 3 does not start with "trusted comment: "'
printf 'untrusted comment: %01100d\n%s\n%s\n%s\n' 0 "$b2" "$l3" "$b4" >bad.sig
check_sig 'comment of 1100 bytes is longer than the 1003 allowed'
python3 -c 'import sys; sys.stdout.write("trusted comment: " + "x" * 9000)' >long.txt
printf '%s\n%s\n%s\n%s\n' "$l1" "$b2" "$(cat long.txt)" "$b4" >bad.sig
check_sig 'comment of 9000 bytes is longer than the 8173 allowed'
python3 -c 'import sys; sys.stdout.write("x" * 20000)' >bad.sig
expect_err 1 'signature file larger than 16384 bytes' "$CFC" verify -p k.pub -x bad.sig v42.cf
: >bad.sig
check_sig 'signature file is empty'
# Wrong algorithm bytes ("EX"), well-formed otherwise.
python3 - "$b2" <<'EOF' >b2x
import base64, sys
raw = bytearray(base64.b64decode(sys.argv[1])); raw[1] = ord("X")
print(base64.b64encode(bytes(raw)).decode())
EOF
printf '%s\n%s\n%s\n%s\n' "$l1" "$(cat b2x)" "$l3" "$b4" >bad.sig
check_sig 'signature algorithm check failed: unsupported signature algorithm 0x4558'
# Missing signature file: an I/O error.
expect_err 2 "cannot read 'nosuch.sig'" "$CFC" verify -p k.pub -x nosuch.sig v42.cf

# Malformed public keys.
pk1=$(sed -n 1p k.pub)
pk2=$(sed -n 2p k.pub)
printf '%s\n%s\n' "$pk1" "${pk2:0:5}#${pk2:6}" >bad.pub
expect_err 1 'public key is not valid base64' "$CFC" verify -p bad.pub v42.cf
printf '%s\n%s==\n' "$pk1" "${pk2:0:52}" >bad.pub
expect_err 1 'public key has 54 base64 characters, expected 56' "$CFC" verify -p bad.pub v42.cf
python3 - "$pk2" <<'EOF' >pk2x
import base64, sys
raw = bytearray(base64.b64decode(sys.argv[1])); raw[0] = ord("X")
print(base64.b64encode(bytes(raw)).decode())
EOF
printf '%s\n%s\n' "$pk1" "$(cat pk2x)" >bad.pub
expect_err 1 'unsupported signature algorithm' "$CFC" verify -p bad.pub v42.cf
expect_err 1 'base64 characters' "$CFC" verify -p k.sec v42.cf
printf '%s\r%s\r' "$pk1" "$pk2" >bad.pub
expect_err 1 'bad.pub: public key file: line 1: carriage return at column 56' "$CFC" verify -p bad.pub v42.cf
printf '%s\n%s\n\n\n' "$pk1" "$pk2" >bad.pub
expect_err 1 'bad.pub: public key file: 2 empty lines after line 2' "$CFC" verify -p bad.pub v42.cf
printf '%s\n\n%s\n' "$pk1" "$pk2" >bad.pub
expect_err 1 'bad.pub: public key file: unexpected data after line 2' "$CFC" verify -p bad.pub v42.cf
printf '%s\r\n%s \r\n' "$pk1" "$pk2" >bad.pub
expect_err 1 'line 2: public key has 57 base64 characters, expected 56' "$CFC" verify -p bad.pub v42.cf
tr '\n' '\r' <k.sec >bad.sec
expect_err 1 'bad.sec: secret key file: line 1: carriage return' "$CFC" sign -s bad.sec -t tiny.yaml -x bad-out.sig v42.cf
{ cat k.sec; printf '\n\n'; } >bad.sec
expect_err 1 'bad.sec: secret key file: 2 empty lines after line 2' "$CFC" sign -s bad.sec -t tiny.yaml -x bad-out.sig v42.cf
[ ! -e bad-out.sig ] || fail "a malformed secret key signed"
expect_err 2 "cannot read 'nosuch.pub'" "$CFC" verify -p nosuch.pub v42.cf

# Wrong password: a clear message, exit 1, nothing written.
printf 'right\n' >pw
printf 'wrong\n' >bad-pw
expect 0 "$CFC" keygen --kdf interactive --password-file pw -p e.pub -s e.sec
expect_err 1 'e.sec: wrong password for this secret key' \
	"$CFC" sign -s e.sec -t tiny.yaml --password-file bad-pw -x wp.sig v42.cf
[ ! -e wp.sig ] || fail "a wrong password wrote a signature"
expect_err 1 'wrong password' env CFC_PASSWORD_FILE=bad-pw "$CFC" sign -s e.sec -t tiny.yaml -x wp.sig v42.cf
expect_err 2 "cannot read the password file 'nosuch'" "$CFC" sign -s e.sec -t tiny.yaml --password-file nosuch -x wp.sig v42.cf
expect 0 "$CFC" sign -s e.sec -t tiny.yaml --password-file pw -x wp.sig v42.cf
expect 0 "$CFC" verify -p e.pub -x wp.sig v42.cf

# Usage errors.
expect 2 "$CFC" verify v42.cf
expect 2 "$CFC" verify -p k.pub
expect 2 "$CFC" verify -p k.pub -x v42.cf.minisig v41.cf v42.cf
expect 2 "$CFC" sign -s k.sec v42.cf
expect 2 "$CFC" sign -s k.sec -t tiny.yaml -x a.sig v41.cf v42.cf
expect 2 "$CFC" sign -s k.sec -t tiny.yaml -
expect 2 "$CFC" verify -p k.pub --bogus v42.cf
finish
