# Password sources of cfc keygen, sign and bundle (cli/cmd_password.c): a
# file read once even when confirmation is asked for, and clear errors for
# a missing file, a NUL byte and an over-long line.
set -euo pipefail
cd "$TMP"
T=$SRC/samples/templates
expect() { # expect STATUS PATTERN cmd...
	local want=$1 pattern=$2
	shift 2
	set +e
	"$@" >out 2>&1
	local got=$?
	set -e
	[ "$got" = "$want" ] && grep -q -- "$pattern" out || {
		echo "FAIL: $* -> $got (want $want): $(cat out)" >&2
		exit 1
	}
}
printf 'from a file\n' >pw
expect 0 'encrypted with the password' "$CFC" keygen --kdf interactive --password-file pw -p k.pub -s k.key
"$CFC" compile -t "$T" -o c.cf "$SRC/samples/rules/process-lineage.yaml"
expect 0 'signed' "$CFC" sign -s k.key -t "$T" --password-file pw c.cf
expect 0 'signed' env CFC_PASSWORD_FILE=pw "$CFC" sign -s k.key -t "$T" c.cf
"$CFC" verify -p k.pub c.cf >/dev/null
"$CFC" bundle -s k.key --password-file pw -o b.tar.zst c.cf && test -s b.tar.zst
printf 'wrong\n' >bad
expect 1 'wrong password' "$CFC" sign -s k.key -t "$T" --password-file bad c.cf
expect 2 "cannot read the password file 'missing'" "$CFC" sign -s k.key -t "$T" --password-file missing c.cf
printf 'a\0b\n' >nul
expect 2 'NUL byte' "$CFC" sign -s k.key -t "$T" --password-file nul c.cf
head -c 2000 /dev/zero | tr '\0' x >long
expect 2 'longer than 1024 bytes' "$CFC" sign -s k.key -t "$T" --password-file long c.cf
