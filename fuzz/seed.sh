#!/usr/bin/env bash
# fuzz/seed.sh TARGET DIR: put seed inputs for TARGET into DIR, made from
# samples/ with the normal build's cfc ($CFC).
set -u
t=$1
dir=$2
cfc=${CFC:-build/cfc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
case "$t" in
format)
	for r in samples/rules/*.yaml; do
		n=$(basename "$r" .yaml)
		"$cfc" compile -t samples/templates -o "$dir/$n.cf" "$r" 2>/dev/null
		"$cfc" compile -t samples/templates --strip-source -o "$dir/$n-stripped.cf" "$r" 2>/dev/null
	done
	;;
*)
	if [ -d "fuzz/seeds/$t" ]; then
		cp -n "fuzz/seeds/$t"/* "$dir"/ 2>/dev/null
	fi
	;;
esac
exit 0
