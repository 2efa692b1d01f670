# docs/ci/*.yml: valid YAML, and every `cfc SUB --option` they use is a real
# subcommand with that option in its --help, so the examples cannot drift.
set -euo pipefail
. "$SRC/tests/lib.sh"
for f in "$SRC"/docs/ci/*.yml; do
	/usr/bin/python3 -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' "$f"
	# Join continued shell lines, then look at every cfc invocation.
	grep -v '^[[:space:]]*#' "$f" | sed -e ':a' -e '/\\$/N; s/\\\n//; ta' | grep -oE '(^|[[:space:]"(])cfc [a-z]+[^|;&>]*' | sed 's/^[^c]*//' | while read -r _ sub rest; do
		"$CFC" help "$sub" >"$TMP/help" || fail "$f: no subcommand '$sub'"
		for opt in $(grep -oE '(^| )--?[a-z][a-z-]*' <<<"$rest" | tr -d ' '); do
			grep -qE -- "(^|[ ,])$opt([ =,]|$)" "$TMP/help" || fail "$f: cfc $sub has no option $opt"
		done
	done
done
finish
