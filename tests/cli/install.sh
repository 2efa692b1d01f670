# make install / make uninstall into a temporary DESTDIR: the installed
# binary runs, man renders cfc(1), a program builds against the installed
# headers, libcf.a and libcf.pc, and uninstall leaves nothing behind.
set -euo pipefail
: "${BUILD:?}"
dest=$TMP/dest
make -s -C "$SRC" BUILD="$BUILD" SANITIZE="${SANITIZE:-}" DESTDIR="$dest" PREFIX=/usr/local install >"$TMP/install.log"
p=$dest/usr/local
test -x "$p/bin/cfc"
"$p/bin/cfc" --version | grep -q '^cfc [0-9]'
"$p/bin/cfc" help compile | grep -q '^usage: cfc compile'
for f in lib/libcf.a lib/pkgconfig/libcf.pc share/man/man1/cfc.1 \
	share/bash-completion/completions/cfc include/cf/format.h \
	include/cf/sign.h include/cf/sensor.h; do
	test -s "$p/$f" || { echo "missing $f" >&2; exit 1; }
done
# The man page renders and covers every subcommand.
if command -v man >/dev/null; then
	MANWIDTH=80 man -l "$p/share/man/man1/cfc.1" >"$TMP/man.txt" 2>"$TMP/man.err"
	if grep -q . "$TMP/man.err"; then cat "$TMP/man.err" >&2; echo "man -l printed warnings" >&2; exit 1; fi
	for sub in compile lint test dump keygen sign verify bundle unbundle run; do
		grep -q "^   $sub\$" "$TMP/man.txt" || { echo "man page lacks $sub" >&2; exit 1; }
	done
fi
# Every subcommand the binary knows is in the man page and the completion.
for sub in $("$p/bin/cfc" --help | awk '/^Subcommands:/{on=1; next} on && /^  [a-z]/{print $1}'); do
	grep -q "^\.SS $sub\$" "$SRC/docs/man/cfc.1" || { echo "man: no section for $sub" >&2; exit 1; }
	grep -q "\b$sub\b" "$SRC/docs/completion/cfc.bash" || { echo "completion lacks $sub" >&2; exit 1; }
done
bash -n "$p/share/bash-completion/completions/cfc"
# libcf.pc and the public headers are enough to build against libcf.
cat >"$TMP/use.c" <<'C'
#include <cf/format.h>
#include <cf/template.h>
#include <cf/lint.h>
#include <cf/sign.h>
#include <cf/bundle.h>
#include <cf/sensor.h>
#include <stdio.h>
int main(int argc, char **argv)
{
	(void)argv;
	/* Never called: links the bundle reader, which needs libzstd from
	 * libcf.pc's Requires. */
	if (argc > 99)
		return (int)cf_bundle_open(NULL, 0, NULL, NULL, NULL, NULL);
	uint8_t none[1] = {0};
	cf_verify_error e;
	cf_status st = cf_verify(none, 0, NULL, &e);
	printf("%s\n", cf_strerror(st));
	return st == CF_ERR_NOT_CHANNEL ? 0 : 1;
}
C
# libcf is a static library: its dependencies are plain Requires.
flags=$(PKG_CONFIG_PATH=$p/lib/pkgconfig pkg-config --define-variable=prefix="$p" --cflags --libs libcf)
# A sanitizer build installs an instrumented libcf.a: link the same way.
san=
nm "$p/lib/libcf.a" >"$TMP/nm.txt" 2>/dev/null || true
if grep -q __asan_init "$TMP/nm.txt"; then
	san="-fsanitize=address,undefined"
fi
cc -std=c17 $san -o "$TMP/use" "$TMP/use.c" $flags 2>"$TMP/cc.err" || { head -20 "$TMP/cc.err"; exit 1; }
"$TMP/use" | grep -q 'not a channel file'
make -s -C "$SRC" BUILD="$BUILD" SANITIZE="${SANITIZE:-}" DESTDIR="$dest" PREFIX=/usr/local uninstall
left=$(find "$dest" -type f | wc -l)
[ "$left" = 0 ] || { find "$dest" -type f >&2; exit 1; }
# libcf.pc follows the PREFIX of each install, not the first one built.
dest2=$TMP/dest2
make -s -C "$SRC" BUILD="$BUILD" SANITIZE="${SANITIZE:-}" DESTDIR="$dest2" PREFIX=/opt/cfc install >"$TMP/install2.log"
grep -qx 'prefix=/opt/cfc' "$dest2/opt/cfc/lib/pkgconfig/libcf.pc" || { cat "$dest2/opt/cfc/lib/pkgconfig/libcf.pc" >&2; exit 1; }
make -s -C "$SRC" BUILD="$BUILD" SANITIZE="${SANITIZE:-}" DESTDIR="$dest2" PREFIX=/opt/cfc uninstall
