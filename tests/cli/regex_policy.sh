#!/usr/bin/env bash
# One regex policy (template/regex_int.h): no library object but template/regex.o
# calls pcre2_compile() or makes a match context, so the compiler, the
# linter and the reference sensor cannot compile or limit a regex in a way of
# their own; and each of them does call the policy's functions.
set -u
: "${BUILD:?BUILD must name the build directory}"
obj=$BUILD/obj
[ -f "$obj/template/regex.o" ] || { echo "FAIL: $obj/template/regex.o not built" >&2; exit 1; }
bad=0
fail() {
	echo "FAIL: $*" >&2
	bad=$((bad + 1))
}
# undefined SYMBOL OBJ: OBJ calls SYMBOL (nm runs once per object).
declare -A calls
undefined() {
	[ -n "${calls[$2]+set}" ] || calls[$2]=" $(nm -u "$2" | awk '{print $NF}' | tr '\n' ' ')"
	case ${calls[$2]} in *" $1 "*) return 0 ;; esac
	return 1
}

# The objects of the library's sources (not stale ones of moved files).
for c in "$SRC"/{format,base,template,cfc,lint,signing,release,sensor}/*.c; do
	o=$obj/${c#"$SRC"/}
	o=${o%.c}.o
	[ "$o" = "$obj/template/regex.o" ] && continue
	for sym in pcre2_compile_8 pcre2_match_context_create_8 pcre2_set_match_limit_8 \
		pcre2_set_heap_limit_8 pcre2_set_depth_limit_8 pcre2_set_compile_extra_options_8; do
		if undefined "$sym" "$o"; then
			fail "${o#"$obj"/} calls $sym itself; use cf_regex_compile() / cf_regex_match_context()"
		fi
	done
done
# Each user of regexes goes through the policy.
undefined cf_regex_compile "$obj/cfc/compile.o" || fail "the compiler does not use cf_regex_compile()"
undefined cf_regex_compile "$obj/lint/lint.o" || fail "the linter does not use cf_regex_compile()"
undefined cf_regex_compile "$obj/lint/regex.o" || fail "the backtracking check does not use cf_regex_compile()"
undefined cf_regex_compile "$obj/sensor/loader.o" || fail "the sensor's loader does not use cf_regex_compile()"
undefined cf_regex_match_context "$obj/lint/lint.o" || fail "the linter does not use cf_regex_match_context()"
undefined cf_regex_match_context "$obj/sensor/sensor.o" || fail "the sensor does not use cf_regex_match_context()"
# And the check itself sees a direct call when there is one.
undefined pcre2_compile_8 "$obj/template/regex.o" || fail "nm sees no pcre2_compile_8 in regex.o: the check is blind"

[ $bad = 0 ] || exit 1
echo "regex policy: one module"
