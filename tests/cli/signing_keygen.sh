#!/usr/bin/env bash
# cfc keygen: file modes, no overwrite without -f, password sources (file,
# CFC_PASSWORD_FILE, the terminal through a pseudo-terminal driven by
# script(1)), mismatched and empty passwords, and no terminal at all.
set -u
. "$SRC/tests/lib.sh"
cd "$TMP" || exit 2

# --help documents the password sources.
expect 0 "$CFC" keygen --help
grep -q -- '--password-file FILE' out && grep -q CFC_PASSWORD_FILE out || fail "keygen --help"
expect 0 "$CFC" sign --help
grep -q CFC_PASSWORD_FILE out && grep -q SOURCE_DATE_EPOCH out || fail "sign --help"
expect 0 "$CFC" verify --help
grep -q -- '--legacy' out || fail "verify --help"

# Modes; no overwrite without -f (both files untouched); -f replaces.
umask 022
expect 0 "$CFC" keygen -W -p a.pub -s a.sec
[ "$(stat -c %a a.sec)" = 600 ] && [ "$(stat -c %a a.pub)" = 644 ] || fail "modes"
cp a.pub a.pub.orig
cp a.sec a.sec.orig
expect_err 2 "'a.sec' already exists; use -f" "$CFC" keygen -W -p a.pub -s a.sec
expect_err 2 "'a.pub' already exists; use -f" "$CFC" keygen -W -p a.pub -s new.sec
[ ! -e new.sec ] || fail "a refused keygen wrote new.sec"
cmp -s a.pub a.pub.orig && cmp -s a.sec a.sec.orig || fail "existing keys were changed"
expect 0 "$CFC" keygen -W -f -p a.pub -s a.sec
cmp -s a.pub a.pub.orig && fail "-f did not replace the public key"
[ "$(stat -c %a a.sec)" = 600 ] || fail "mode after -f"
# A public key path that cannot be written: no half pair is left behind.
expect 2 "$CFC" keygen -W -p nodir/x.pub -s half.sec
[ ! -e half.sec ] || fail "a failed keygen left the secret key"

# Password from a file, from CFC_PASSWORD_FILE, empty, and -W ignoring it.
printf 'hunter2\n' >pw
: >empty
expect 0 "$CFC" keygen --kdf interactive --password-file pw -p f.pub -s f.sec
grep -q 'encrypted with the password' out || fail "keygen output"
expect 0 env CFC_PASSWORD_FILE=pw "$CFC" keygen --kdf interactive -p g.pub -s g.sec
expect_err 1 'empty password; use -W' "$CFC" keygen --password-file empty -p h.pub -s h.sec
[ ! -e h.sec ] || fail "an empty password wrote a key"
expect 0 "$CFC" keygen -W --password-file pw -p w.pub -s w.sec
# The key made with CFC_PASSWORD_FILE opens with the same password.
printf 'hunter2\n' | minisign -S -s g.sec -m pw -x pw.sig >/dev/null 2>&1 || fail "minisign -S with g.sec"
expect 0 minisign -V -p g.pub -m pw -x pw.sig
expect_err 2 'unknown --kdf' "$CFC" keygen --kdf fast -p i.pub -s i.sec
expect 2 "$CFC" keygen -p same -s same
expect 2 "$CFC" keygen -p only.pub
expect 2 "$CFC" keygen -W -p a.pub -s b.sec extra

# No terminal and no password file: a clear error, nothing written.
if command -v setsid >/dev/null; then
	expect_err 2 'cannot read a password from the terminal' \
		setsid -w "$CFC" keygen -p t.pub -s t.sec </dev/null
	[ ! -e t.sec ] || fail "keygen without a password wrote a key"
fi

# The terminal, through a pseudo-terminal: twice, must match.
if command -v script >/dev/null && command -v timeout >/dev/null; then
	printf 'pw1\npw1\n' | timeout 60 script -qec \
		"'$CFC' keygen --kdf interactive -p tty.pub -s tty.sec" /dev/null >out 2>&1 ||
		fail "keygen on a terminal: $(cat out)"
	grep -q 'Password (again): ' out || fail "no second prompt: $(cat out)"
	[ -s tty.sec ] || fail "keygen on a terminal wrote no key"
	printf 'pw1\npw2\n' | timeout 60 script -qec \
		"'$CFC' keygen --kdf interactive -p tty2.pub -s tty2.sec" /dev/null >out 2>&1
	[ $? = 1 ] || fail "mismatched passwords: exit $?"
	grep -q 'the passwords do not match' out || fail "mismatch message: $(cat out)"
	[ ! -e tty2.sec ] || fail "mismatched passwords wrote a key"
	# And cfc sign reads the password from the terminal too.
	expect 0 "$CFC" compile -t "$SRC/samples/templates" -o pl.cf "$SRC/samples/rules/process-lineage.yaml"
	printf 'pw1\n' | timeout 60 script -qec \
		"'$CFC' sign -s tty.sec -t '$SRC/samples/templates' pl.cf" /dev/null >out 2>&1 ||
		fail "sign on a terminal: $(cat out)"
	expect 0 "$CFC" verify -p tty.pub pl.cf
fi
finish
