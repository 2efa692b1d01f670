#!/usr/bin/env python3
"""Regenerate the broken signature and key files of tests/golden/signing/.

There, test.pub / test.sec are a throw-away unencrypted test key pair (cfc
keygen -W), other.pub another public key, valid.minisig a signature of msg.cf
by test.sec made with `minisign -S -t golden`. Every broken file below
(sig/NAME.minisig, pub/NAME.pub) is derived from those; its expected `cfc
verify` stderr is NAME.err beside it, checked by tests/cli/signing_golden.sh.
Run it from anywhere; then regenerate the .err files by running
tests/cli/signing_golden.sh with CFC_REGEN=1 (tests/README.md) and review them.
"""
import base64
import os

here = os.path.dirname(os.path.abspath(__file__))
os.chdir(os.path.join(here, "..", "golden", "signing"))
lines = open("valid.minisig", "rb").read().split(b"\n")[:4]
l1, l2, l3, l4 = lines
pub1, pub2 = open("test.pub", "rb").read().split(b"\n")[:2]
sec = open("test.sec", "rb").read()
other2 = open("other.pub", "rb").read().split(b"\n")[1]


def sig(*ls, end=b"\n"):
    return b"\n".join(ls) + end


def reb64(line, edit):
    raw = bytearray(base64.b64decode(line))
    edit(raw)
    return base64.b64encode(bytes(raw))


def set_bytes(off, val):
    def edit(raw):
        raw[off:off + len(val)] = val
    return edit


def noncanonical(line):
    # 74 bytes: the last group holds 2 bytes; its third digit has 2 unused bits.
    alpha = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    s = bytearray(line)
    i = s.index(b"=") - 1
    s[i] = alpha[alpha.index(s[i]) ^ 1]
    return bytes(s)


sigs = {
    "empty": b"",
    "one-line": l1,
    "three-lines": sig(l1, l2, l3),
    "no-final-newline": sig(l1, l2, l3, l4, end=b""),
    "crlf": b"\r\n".join([l1, l2, l3, l4]) + b"\r\n",
    "nul-byte": sig(l1, l2, l3[:20] + b"\0" + l3[21:], l4),
    "extra-empty-line": sig(l1, l2, l3, l4, b""),
    "two-empty-lines": sig(l1, l2, l3, l4, b"", b""),
    "extra-line": sig(l1, l2, l3, l4, b"junk"),
    "cr-only": b"\r".join([l1, l2, l3, l4]) + b"\r",
    "crlf-last-lf-missing": b"\r\n".join([l1, l2, l3, l4]) + b"\r",
    "bad-untrusted-prefix": sig(b"comment: golden", l2, l3, l4),
    "bad-trusted-prefix": sig(l1, l2, b"trusted-comment: golden", l4),
    "long-untrusted": sig(b"untrusted comment: " + b"u" * 1004, l2, l3, l4),
    "long-trusted": sig(l1, l2, b"trusted comment: " + b"t" * 8174, l4),
    "b64-bad-char": sig(l1, l2[:10] + b"*" + l2[11:], l3, l4),
    "b64-high-byte": sig(l1, l2[:10] + b"\xc1" + l2[11:], l3, l4),
    "b64-space": sig(l1, b" " + l2[1:], l3, l4),
    "b64-short": sig(l1, l2[:96], l3, l4),
    "b64-long": sig(l1, l2 + b"AAAA", l3, l4),
    "b64-wrong-size": sig(l1, base64.b64encode(base64.b64decode(l2)[:73]), l3, l4),
    "b64-noncanonical": sig(l1, noncanonical(l2), l3, l4),
    "global-short": sig(l1, l2, l3, l4[:84]),
    "global-bad-char": sig(l1, l2, l3, l4[:86] + b"!="),
    "alg-unknown": sig(l1, reb64(l2, set_bytes(0, b"EX")), l3, l4),
    "alg-legacy": sig(l1, reb64(l2, set_bytes(0, b"Ed")), l3, l4),
    "keyid-other": sig(l1, reb64(l2, set_bytes(2, base64.b64decode(other2)[2:10])), l3, l4),
    "signature-flipped": sig(l1, reb64(l2, lambda r: r.__setitem__(40, r[40] ^ 1)), l3, l4),
    "global-flipped": sig(l1, l2, b"trusted comment: golder", l4),
    "format": sig(l1, l2, l3, l4),
}
keys = {
    "empty": b"",
    "one-line": pub1 + b"\n",
    "no-final-newline": pub1 + b"\n" + pub2,
    "crlf": pub1 + b"\r\n" + pub2 + b"\r\n",
    "bad-prefix": b"comment\n" + pub2 + b"\n",
    "b64-bad-char": pub1 + b"\n" + pub2[:5] + b"#" + pub2[6:] + b"\n",
    "b64-short": pub1 + b"\n" + pub2[:52] + b"\n",
    "alg-unknown": pub1 + b"\n" + reb64(pub2, set_bytes(0, b"XX")) + b"\n",
    "secret-key": sec,
    "extra-empty-line": pub1 + b"\n" + pub2 + b"\n\n",
    "two-empty-lines": pub1 + b"\n" + pub2 + b"\n\n\n",
    "extra-line": pub1 + b"\n" + pub2 + b"\njunk\n",
    "cr-only": pub1 + b"\r" + pub2 + b"\r",
}
os.makedirs("sig", exist_ok=True)
os.makedirs("pub", exist_ok=True)
for name, data in sigs.items():
    open(f"sig/{name}.minisig", "wb").write(data)
for name, data in keys.items():
    open(f"pub/{name}.pub", "wb").write(data)
