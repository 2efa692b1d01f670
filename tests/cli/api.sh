# The installed API is the public headers and nothing else:
#  - every global symbol libcf.a defines is declared in include/cf/*.h, and
#    every function those headers declare with CF_API is defined there;
#  - no test-only entry point (a "TEST ONLY" declaration in an internal
#    header) is in libcf.a, while the test archive does hold it (the check
#    looks for a name that exists);
#  - make install installs exactly include/cf/*.h as headers.
set -u
: "${BUILD:?}" "${SRC:?}" "${TMP:?}"
lib=$BUILD/libcf.a
internal=$BUILD/libcf-internal.a
[ -f "$lib" ] || { echo "FAIL: $lib not built" >&2; exit 1; }
bad=0
fail() {
	echo "FAIL: $*" >&2
	bad=$((bad + 1))
}

# Names starting with "__" are the compiler's (sanitizer and coverage
# instrumentation), never the library's.
nm -g --defined-only "$lib" | awk 'NF >= 3 && $3 !~ /^__/ { print $3 }' | sort -u >"$TMP/exported"
cat "$SRC"/include/cf/*.h >"$TMP/headers"
n=0
while read -r sym; do
	n=$((n + 1))
	grep -qw -- "$sym" "$TMP/headers" || fail "libcf.a exports $sym, which no public header declares"
done <"$TMP/exported"
[ "$n" -gt 0 ] || fail "libcf.a exports nothing: the check is blind"

# Every CF_API declaration is something libcf.a defines.
grep -ho '^CF_API [^(]*(' "$SRC"/include/cf/*.h | sed 's/($//; s/.*[ *]//' | sort -u >"$TMP/declared"
[ -s "$TMP/declared" ] || fail "no CF_API declaration found in include/cf/*.h"
while read -r sym; do
	grep -qx -- "$sym" "$TMP/exported" || fail "$sym is declared CF_API but libcf.a does not export it"
done <"$TMP/declared"

# Test-only entry points: declared after a "TEST ONLY" comment.
awk '/TEST ONLY/ { armed = 1 } armed && $0 !~ /^[ \t]*(\/\*|\*)/ && match($0, /[a-z_0-9]+\(/) {
	print substr($0, RSTART, RLENGTH - 1); armed = 0 }' \
	"$SRC"/*/*_int.h | sort -u >"$TMP/testonly"
grep -qx cf_sensor_load_unchecked "$TMP/testonly" || fail "cf_sensor_load_unchecked is not found as TEST ONLY"
nm -A "$lib" >"$TMP/lib.nm" 2>/dev/null
while read -r sym; do
	if grep -qw -- "$sym" "$TMP/lib.nm"; then
		fail "libcf.a holds the test-only $sym"
	fi
	if [ -f "$internal" ] && ! nm -g --defined-only "$internal" 2>/dev/null | grep -qw -- "$sym"; then
		fail "the test archive lacks the test-only $sym: the check looks for a name that is not there"
	fi
done <"$TMP/testonly"

# make install: the headers are include/cf/*.h, byte for byte, and no other.
dest=$TMP/dest
make -s -C "$SRC" BUILD="$BUILD" SANITIZE="${SANITIZE:-}" DESTDIR="$dest" PREFIX=/usr/local install >"$TMP/install.log" ||
	fail "make install failed"
(cd "$dest/usr/local/include" && find . -type f | sed 's|^\./||' | sort) >"$TMP/installed"
(cd "$SRC/include" && ls cf/*.h | sort) >"$TMP/public"
diff "$TMP/public" "$TMP/installed" >"$TMP/headers.diff" || {
	fail "make install installs other headers than include/cf/*.h:"
	cat "$TMP/headers.diff" >&2
}
while read -r h; do
	cmp -s "$SRC/include/$h" "$dest/usr/local/include/$h" || fail "installed $h differs from include/$h"
done <"$TMP/public"
make -s -C "$SRC" BUILD="$BUILD" SANITIZE="${SANITIZE:-}" DESTDIR="$dest" PREFIX=/usr/local uninstall

[ $bad = 0 ] || exit 1
echo "api: libcf.a exports $n symbols, all declared in include/cf/*.h; $(wc -l <"$TMP/public") headers installed"
