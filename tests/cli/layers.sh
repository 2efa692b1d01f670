# The layers of the sources (docs/architecture.md): every #include of a
# library source, a public header and the program goes down, never up or
# sideways, and the folders form no cycle:
#
#   5  cli/                       the cfc program: <cf/*.h> and cli/ only
#   4  release/  sensor/
#   3  cfc/  lint/  signing/
#   2  template/
#   1  base/
#   0  format/
#
# A folder may include a public header <cf/NAME.h> or an internal header
# (DIR/x_int.h) of a lower row, and anything of its own. A public header
# includes only public headers of lower rows (<cf/api.h> from any).
# Then the check is run on a copy with one bad include injected at a time,
# each of which it must refuse.
set -u
: "${SRC:?}" "${TMP:?}"

# check ROOT: one line per fault on stdout; status 1 when there is any.
check() {
	local root=$1 dir f status=0
	local -a files=()
	# A folder of sources the table does not know is a fault, not a blind spot.
	for dir in "$root"/*/; do
		dir=$(basename "$dir")
		case $dir in
		format | base | template | cfc | lint | signing | release | sensor | cli) ;;
		include | tests | fuzz | bench | docs | samples | build) continue ;;
		*)
			if compgen -G "$root/$dir/*.[ch]" >/dev/null; then
				echo "$dir/: a folder of sources with no layer; give it one in tests/cli/layers.sh"
				status=1
			fi
			continue
			;;
		esac
		for f in "$root/$dir"/*.[ch]; do
			[ -e "$f" ] && files+=("${f#"$root"/}")
		done
	done
	for f in "$root"/include/cf/*.h; do
		[ -e "$f" ] && files+=("${f#"$root"/}")
	done
	[ ${#files[@]} -gt 0 ] || { echo "no sources under $root"; return 1; }
	(cd "$root" && grep -Hn '^[[:space:]]*#[[:space:]]*include' "${files[@]}") | awk '
	BEGIN {
		n = split("format:0 base:1 template:2 cfc:3 lint:3 signing:3 release:4 sensor:4 cli:5", a, " ")
		for (i = 1; i <= n; i++) {
			split(a[i], kv, ":")
			rank[kv[1]] = kv[2]
		}
		# Each public header belongs to one folder.
		owner["format"] = "format"; owner["base"] = "base"; owner["template"] = "template"
		owner["compile"] = "cfc"; owner["lint"] = "lint"; owner["sign"] = "signing"
		owner["bundle"] = "release"; owner["sensor"] = "sensor"
		bad = 0
	}
	function fault(msg) {
		print where ": " msg
		bad = 1
	}
	{
		file = $0
		sub(/:.*/, "", file)
		rest = substr($0, length(file) + 2)
		lineno = rest
		sub(/:.*/, "", lineno)
		text = substr(rest, length(lineno) + 2)
		where = file ":" lineno
		public = file ~ /^include\/cf\//
		if (public) {
			name = file
			sub(/^include\/cf\//, "", name)
			sub(/\.h$/, "", name)
			if (name == "api")
				from = "api"
			else if (name in owner)
				from = owner[name]
			else {
				fault("public header with no owner folder; name one in tests/cli/layers.sh")
				next
			}
		} else {
			from = file
			sub(/\/.*/, "", from)
		}
		if (!match(text, /[<"][^>"]*[>"]/)) {
			fault("cannot read: " text)
			next
		}
		target = substr(text, RSTART + 1, RLENGTH - 2)
		angle = substr(text, RSTART, 1) == "<"
		top = target
		sub(/\/.*/, "", top)
		if (angle && top == "cf") {
			name = target
			sub(/^cf\//, "", name)
			sub(/\.h$/, "", name)
			if (name == "api")
				next
			if (!(name in owner)) {
				fault("includes <" target ">, not a public header")
				next
			}
			to = owner[name]
			kind = "public header <" target ">"
		} else if (angle && !(top in rank)) {
			next # the C library, libsodium, PCRE2, ...
		} else {
			if (target !~ /\//) {
				if (public)
					fault("a public header includes \"" target "\"")
				next # same folder
			}
			if (public) {
				fault("a public header includes " target ", not a public header")
				next
			}
			if (!(top in rank)) {
				fault("includes " target ", which belongs to no layer")
				next
			}
			to = top
			kind = "internal header " target
			if (from == "cli" && to != "cli") {
				fault("cli/ includes " target "; the program uses public headers <cf/*.h> only")
				next
			}
		}
		if (to == from && !public)
			next
		if (to == from) {
			fault("a public header includes the " kind " of its own folder")
			next
		}
		if (rank[to] >= rank[from])
			fault(from "/ (row " rank[from] ") includes the " kind " of " to "/ (row " rank[to] "): layers go down only")
		if (!((from, to) in edge)) {
			edge[from, to] = 1
			out[from] = out[from] " " to
		}
	}
	function visit(node, depth,    k, m, i, nxt, cyc) {
		state[node] = 1
		stk[depth] = node
		m = split(out[node], nxt, " ")
		for (k = 1; k <= m; k++) {
			if (state[nxt[k]] == 1) {
				for (i = depth; stk[i] != nxt[k]; i--)
					;
				cyc = stk[i]
				for (i++; i <= depth; i++)
					cyc = cyc " -> " stk[i]
				print "cycle: " cyc " -> " nxt[k]
				bad = 1
			} else if (state[nxt[k]] == 0)
				visit(nxt[k], depth + 1)
		}
		state[node] = 2
	}
	END {
		for (node in out)
			if (state[node] == 0)
				visit(node, 1)
		exit bad
	}' || status=1
	return $status
}

fails=0
if ! check "$SRC" >"$TMP/faults"; then
	echo "FAIL: the sources break the layers:" >&2
	cat "$TMP/faults" >&2
	fails=1
fi

# The check is not blind: a copy of the tree with one bad include at a time.
copy=$TMP/tree
inject() { # FILE LINE EXPECTED-TEXT: add LINE to FILE in a fresh copy; the check must name it
	rm -rf "$copy"
	mkdir -p "$copy"
	(cd "$SRC" && cp -r --parents format base template cfc lint signing release sensor cli include/cf "$copy")
	printf '%s\n' "$2" >>"$copy/$1"
	if check "$copy" >"$TMP/out"; then
		echo "FAIL: $1 with '$2' passed the check" >&2
		fails=1
	elif ! grep -qF "$3" "$TMP/out"; then
		echo "FAIL: $1 with '$2': expected '$3' in:" >&2
		cat "$TMP/out" >&2
		fails=1
	fi
}
inject base/util.c '#include <cf/template.h>' 'base/ (row 1) includes the public header <cf/template.h> of template/'
inject format/names.c '#include <cf/base.h>' 'format/ (row 0) includes'
inject lint/lint.c '#include <cf/compile.h>' 'lint/ (row 3) includes the public header <cf/compile.h> of cfc/ (row 3)'
inject sensor/loader.c '#include "release/bundle_int.h"' 'sensor/ (row 4) includes the internal header release/bundle_int.h'
inject template/regex.c '#include "cli/cmd.h"' 'template/ (row 2) includes the internal header cli/cmd.h'
inject cli/main.c '#include "base/yaml_int.h"' 'cli/ includes base/yaml_int.h'
inject include/cf/format.h '#include <cf/base.h>' 'include/cf/format.h:'
inject include/cf/lint.h '#include "lint/lint_int.h"' 'a public header includes lint/lint_int.h'
inject template/template.c '#include <cf/compile.h>' 'cycle: '
inject cfc/dump.c '#include "tests/unit/helpers.h"' 'which belongs to no layer'
rm -rf "$copy"
mkdir -p "$copy/newpart"
(cd "$SRC" && cp -r --parents format base template cfc lint signing release sensor cli include/cf "$copy")
echo 'int x;' >"$copy/newpart/x.c"
check "$copy" >"$TMP/out" && { echo "FAIL: an unknown folder of sources passed" >&2; fails=1; }
grep -q 'newpart/: a folder of sources with no layer' "$TMP/out" || { cat "$TMP/out" >&2; fails=1; }

[ $fails = 0 ] || exit 1
echo "layers: $(cd "$SRC" && ls format base template cfc lint signing release sensor cli include/cf | grep -c '\.[ch]$') files, every include goes down"
