# docs/ci/*.yml: valid YAML, and every `cfc SUB --option` they use is a real
# subcommand with that option in its --help, so the examples cannot drift.
set -euo pipefail
for f in "$SRC"/docs/ci/*.yml; do
	/usr/bin/python3 -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' "$f"
	# Join continued shell lines, then look at every cfc invocation.
	grep -v '^[[:space:]]*#' "$f" | sed -e ':a' -e '/\\$/N; s/\\\n//; ta' | grep -oE '(^|[[:space:]"(])cfc [a-z]+[^|;&>]*' | sed 's/^[^c]*//' | while read -r _ sub rest; do
		"$CFC" help "$sub" >"$TMP/help" || { echo "$f: no subcommand '$sub'" >&2; exit 1; }
		for opt in $(grep -oE '(^| )--?[a-z][a-z-]*' <<<"$rest" | tr -d ' '); do
			grep -qE -- "(^|[ ,])$opt([ =,]|$)" "$TMP/help" || {
				echo "$f: cfc $sub has no option $opt" >&2
				exit 1
			}
		done
	done
done
