# Password sources of cfc keygen, sign and bundle (cli/cmd_password.c): a
# file read once even when confirmation is asked for, and clear errors for
# a missing file, a NUL byte and an over-long line.
set -euo pipefail
. "$SRC/tests/lib.sh"
cd "$TMP"
T=$SRC/samples/templates
printf 'from a file\n' >pw
expect_out 0 'encrypted with the password' "$CFC" keygen --kdf interactive --password-file pw -p k.pub -s k.key
"$CFC" compile -t "$T" -o c.cf "$SRC/samples/rules/process-lineage.yaml"
expect_out 0 'signed' "$CFC" sign -s k.key -t "$T" --password-file pw c.cf
expect_out 0 'signed' env CFC_PASSWORD_FILE=pw "$CFC" sign -s k.key -t "$T" c.cf
"$CFC" verify -p k.pub c.cf >/dev/null
"$CFC" bundle -s k.key --password-file pw -o b.tar.zst c.cf && test -s b.tar.zst
printf 'wrong\n' >bad
expect_err 1 'wrong password' "$CFC" sign -s k.key -t "$T" --password-file bad c.cf
expect_err 2 "cannot read the password file 'missing'" "$CFC" sign -s k.key -t "$T" --password-file missing c.cf
printf 'a\0b\n' >nul
expect_err 2 'NUL byte' "$CFC" sign -s k.key -t "$T" --password-file nul c.cf
head -c 2000 /dev/zero | tr '\0' x >long
expect_err 2 'longer than 1024 bytes' "$CFC" sign -s k.key -t "$T" --password-file long c.cf
finish
