# JSON Schemas (docs/schema/): every sample validates with a real validator
# (Debian's python3-jsonschema), every sample names its schema in a
# yaml-language-server modeline, and the compiler and the schemas agree:
#   tests/schema/valid/          both accept
#   tests/schema/both/           both reject
#   tests/schema/compiler-only/  the schema accepts, the compiler rejects
#                                (cross-references no schema can see)
set -euo pipefail
. "$SRC/tests/lib.sh"
py=/usr/bin/python3
S=$SRC/tests/schema
V=$S/validate.py
TS=$SRC/docs/schema/template.schema.json
RS=$SRC/docs/schema/rules.schema.json
cd "$TMP"

# The validator runs once per schema over every file (a python3 start and
# the jsonschema import cost more than the validation); verdict() reads the
# answers back.
declare -A verdicts
for schema in "$TS" "$RS"; do
	if [ "$schema" = "$TS" ]; then
		files=("$SRC"/samples/templates/*.yaml "$S"/*/templates/*.yaml)
	else
		files=("$SRC"/samples/rules/*.yaml "$S"/*/rules/*.yaml)
	fi
	while read -r v path; do
		verdicts["$schema ${path%:}"]=$v
	done < <("$py" "$V" "$schema" "${files[@]}" | sed 's/^\(ok\|invalid\) \([^:]*\).*/\1 \2/')
	[ ${#verdicts[@]} -gt 0 ] || fail "validate.py gave no verdicts"
done
verdict() { # verdict SCHEMA FILE -> ok|invalid
	local v=${verdicts["$1 $2"]:-}
	[ -n "$v" ] || fail "no verdict for $2"
	echo "$v"
}

for f in "$SRC"/samples/templates/*.yaml; do
	head -1 "$f" | grep -qx '# yaml-language-server: $schema=../../docs/schema/template.schema.json'
	[ "$(verdict "$TS" "$f")" = ok ] || { "$py" "$V" "$TS" "$f"; exit 1; }
done
for f in "$SRC"/samples/rules/*.yaml; do
	head -1 "$f" | grep -qx '# yaml-language-server: $schema=../../docs/schema/rules.schema.json'
	[ "$(verdict "$RS" "$f")" = ok ] || { "$py" "$V" "$RS" "$f"; exit 1; }
done

# compile_rules FILE -> 0 accepted, 1 rejected (anything else fails the test)
compile_rules() {
	set +e
	"$CFC" compile -t "$SRC/samples/templates" -o out.cf "$1" 2>err
	local rc=$?
	set -e
	[ $rc -le 1 ] || { cat err >&2; exit 1; }
	return $rc
}

# compile_template FILE: compile an empty channel for the template the file
# names, so that the manifest is loaded and checked.
compile_template() {
	local name
	name=$(sed -n 's/^template: *//p' "$1" | head -1)
	printf 'channel: 1\ntemplate: %s\nversion: 1\ninstances: []\n' "${name:-t-unknown}" >src.yaml
	set +e
	"$CFC" compile -t "$1" -o out.cf src.yaml 2>err
	local rc=$?
	set -e
	[ $rc -le 1 ] || { cat err >&2; exit 1; }
	if [ $rc = 1 ]; then
		# The manifest itself must be what was rejected.
		grep -q "^$1:" err || { cat err >&2; fail "$1: rejected, but not for the manifest"; }
	fi
	return $rc
}

check() { # check KIND(rules|templates) DIR WANT_SCHEMA WANT_COMPILER
	local kind=$1 dir=$2 want_schema=$3 want_cc=$4 schema f got_schema got_cc
	[ "$kind" = rules ] && schema=$RS || schema=$TS
	for f in "$S/$dir/$kind"/*.yaml; do
		got_schema=$(verdict "$schema" "$f")
		if [ "$kind" = rules ]; then
			compile_rules "$f" && got_cc=ok || got_cc=invalid
		else
			compile_template "$f" && got_cc=ok || got_cc=invalid
		fi
		if [ "$got_schema" != "$want_schema" ] || [ "$got_cc" != "$want_cc" ]; then
			"$py" "$V" "$schema" "$f" >&2
			cat err >&2
			bad "${f#$SRC/}: schema $got_schema (want $want_schema), compiler $got_cc (want $want_cc)"
		fi
	done
}
check rules valid ok ok
check rules both invalid invalid
check rules compiler-only ok invalid
check templates valid ok ok
check templates both invalid invalid
check templates compiler-only ok invalid
finish
