#!/usr/bin/env python3
"""Damage a channel file in one way and fix its CRC-32C trailer, so the linter
sees exactly that damage. usage: patch.py IN OUT (fingerprint | version |
replace OLD NEW | flip-last | truncate N)"""
import sys


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def main():
    src, dst, op = sys.argv[1], sys.argv[2], sys.argv[3]
    buf = bytearray(open(src, "rb").read())
    fix = True
    if op == "fingerprint":
        buf[0x38] ^= 0xFF
    elif op == "version":
        buf[8] = 9
    elif op == "replace":
        old, new = sys.argv[4].encode(), sys.argv[5].encode()
        assert len(old) == len(new) and buf.count(old) == 1, "bad replace"
        buf = bytearray(bytes(buf).replace(old, new))
    elif op == "flip-last":
        buf[-1] ^= 0xFF
        fix = False
    elif op == "truncate":
        buf = buf[: int(sys.argv[4])]
        fix = False
    else:
        sys.exit("unknown operation " + op)
    if fix:
        buf[-4:] = crc32c(bytes(buf[:-4])).to_bytes(4, "little")
    open(dst, "wb").write(buf)


main()
