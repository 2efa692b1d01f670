# cfc pack-events and cfc run on binary event streams (format/EVENTS.md).
#
# The sample events packed into streams give byte for byte the matches,
# diagnostics and summary of the JSON lines on sensors 7.11.0 and 7.16.0,
# from a file, from stdin and through a pipe that delivers one byte at a
# time. pack-events writes nothing when a line is malformed. cfc run rejects
# a stream whose prefix or table is bad (exit 1, no event read), reports a
# bad record by its number and goes on, skips an over-long record unread
# and ends at a truncated one. Hostile streams are built with python3.
set -u
. "$SRC/tests/lib.sh"
. "$SRC/tests/lib/sensor.sh"
# run NAME CMD...: in $TMP; stdout NAME.out, stderr NAME.err, status in $rc
run() {
	local name=$1
	shift
	rc=0
	(cd "$TMP" && "$@") >"$TMP/$name.out" 2>"$TMP/$name.err" || rc=$?
}
status() { [ "$rc" = "$2" ] || bad "$1: exit status $rc, want $2"; }
# summary NAME: the summary line of NAME's run
summary() { grep '^cfc run: sensor ' "$TMP/$1.err"; }
# same NAME-A NAME-B: identical stdout, and stderr once the events file is
# named EVENTS in both
same() {
	cmp -s "$TMP/$1.out" "$TMP/$2.out" || {
		bad "$1 and $2: stdout differs"
		diff "$TMP/$1.out" "$TMP/$2.out" | head -10 >&2
	}
	sed -E 's/^[^ :]+\.(jsonl|cfe)(:[0-9]+)?:/EVENTS\2:/; s/^<stdin>(:[0-9]+)?:/EVENTS\1:/' \
		"$TMP/$1.err" >"$TMP/$1.errn"
	sed -E 's/^[^ :]+\.(jsonl|cfe)(:[0-9]+)?:/EVENTS\2:/; s/^<stdin>(:[0-9]+)?:/EVENTS\1:/' \
		"$TMP/$2.err" >"$TMP/$2.errn"
	cmp -s "$TMP/$1.errn" "$TMP/$2.errn" || {
		bad "$1 and $2: stderr differs"
		diff "$TMP/$1.errn" "$TMP/$2.errn" | head -10 >&2
	}
}

# A python3 module for taking streams apart and putting them together.
cat >"$TMP/evs.py" <<'PY'
import struct
MAGIC = b"\x89CFE\r\n\x1a\n"

def split(data):
    """The prefix and table, and the records' bodies."""
    tl = struct.unpack_from("<I", data, 12)[0]
    pos, recs = 16 + tl, []
    while pos < len(data):
        (n,) = struct.unpack_from("<I", data, pos)
        recs.append(data[pos + 4:pos + 4 + n])
        pos += 4 + n
    assert pos == len(data)
    return data[:16 + tl], recs

def record(body):
    return struct.pack("<I", len(body)) + body

def join(head, recs):
    return head + b"".join(record(r) for r in recs)

def table(tmpls):
    t = struct.pack("<H", len(tmpls))
    for name, fields in tmpls:
        t += bytes([len(name)]) + name + struct.pack("<H", len(fields))
        for f in fields:
            t += bytes([len(f)]) + f
    return t

def prefix(tab, version=1, magic=MAGIC):
    return magic + struct.pack("<II", version, len(tab))

def parse_table(head):
    """[(name, [field names])] of a stream's prefix and table."""
    pos, out = 18, []
    for _ in range(struct.unpack_from("<H", head, 16)[0]):
        n = head[pos]; name = head[pos + 1:pos + 1 + n]; pos += 1 + n
        (nf,) = struct.unpack_from("<H", head, pos); pos += 2
        fields = []
        for _ in range(nf):
            n = head[pos]; fields.append(head[pos + 1:pos + 1 + n]); pos += 1 + n
        out.append((name, fields))
    assert pos == len(head)
    return out

def read(path):
    with open(path, "rb") as f:
        return f.read()

def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
PY
py() { PYTHONPATH=$TMP python3 - "$@"; }

compile_samples
cat "$E/ipc-named-pipe.jsonl" "$E/process-creation.jsonl" "$E/dns-query.jsonl" >"$TMP/all.jsonl"

# --- packing the samples ------------------------------------------------------
for ev in ipc-named-pipe process-creation dns-query all; do
	src=$E/$ev.jsonl
	[ $ev = all ] && src=$TMP/all.jsonl
	n=$(wc -l <"$src")
	run pack-$ev "$CFC" pack-events -t "$T" -o "$ev.cfe" "$src"
	status pack-$ev 0
	bytes=$(wc -c <"$TMP/$ev.cfe")
	has "$TMP/pack-$ev.err" "^cfc pack-events: $n events, $bytes bytes -> $ev.cfe\$"
	[ -s "$TMP/pack-$ev.out" ] && bad "pack-$ev wrote to stdout"
	[ "$(head -c 8 "$TMP/$ev.cfe" | od -An -tx1 | tr -d ' \n')" = 894346450d0a1a0a ] ||
		bad "$ev.cfe does not start with the magic"
	# one record per line, and the table names the three templates
	py "$TMP/$ev.cfe" "$n" <<'PY' || bad "$ev.cfe: wrong record count or table"
import sys, struct, evs
head, recs = evs.split(evs.read(sys.argv[1]))
assert len(recs) == int(sys.argv[2]), (len(recs), sys.argv[2])
assert struct.unpack_from("<H", head, 16)[0] == 3
PY
done
# The same input gives the same bytes (stdin, -o -, the default stdout).
run pack-stdin "$CFC" pack-events -t "$T" -o all-stdin.cfe - <"$TMP/all.jsonl"
status pack-stdin 0
has "$TMP/pack-stdin.err" "257 events, [0-9]+ bytes -> all-stdin.cfe"
cmp -s "$TMP/all.cfe" "$TMP/all-stdin.cfe" || bad "pack-events from stdin differs"
run pack-stdout "$CFC" pack-events -t "$T" -o - all.jsonl
status pack-stdout 0
has "$TMP/pack-stdout.err" '257 events, [0-9]+ bytes -> <stdout>$'
cmp -s "$TMP/all.cfe" "$TMP/pack-stdout.out" || bad "pack-events -o - differs"
(cd "$TMP" && cat all.jsonl | "$CFC" pack-events -t "$T") >"$TMP/all-pipe.cfe" 2>/dev/null ||
	bad "pack-events from a pipe to stdout failed"
cmp -s "$TMP/all.cfe" "$TMP/all-pipe.cfe" || bad "pack-events from a pipe differs"

# --- the same matches as JSON lines --------------------------------------------
for v in 7.11.0 7.16.0; do
	want=0
	[ $v = 7.11.0 ] && want=1 # c291-bad is skipped as unsafe there
	for ev in ipc-named-pipe process-creation dns-query all; do
		src=$E/$ev.jsonl
		[ $ev = all ] && src=$TMP/all.jsonl
		run json-$v-$ev "$CFC" run -t "$T" --sensor $v --events "$src" c291-bad.cf c310.cf c412.cf
		status json-$v-$ev $want
		run bin-$v-$ev "$CFC" run -t "$T" --sensor $v --events "$ev.cfe" c291-bad.cf c310.cf c412.cf
		status bin-$v-$ev $want
		same json-$v-$ev bin-$v-$ev
		[ "$(summary json-$v-$ev)" = "$(summary bin-$v-$ev)" ] || bad "$v $ev: summaries differ"
		# and the golden output of the JSON runs (sensor_run_c291.sh)
		if [ $ev != all ]; then
			cmp -s "$G/run-$v-$ev.out" "$TMP/bin-$v-$ev.out" || bad "bin-$v-$ev: not run-$v-$ev.out"
		fi
	done
done
[ "$(wc -l <"$TMP/bin-7.16.0-all.out")" = 60 ] || bad "7.16.0: not 60 matches"
[ "$(wc -l <"$TMP/bin-7.11.0-all.out")" = 40 ] || bad "7.11.0: not 40 matches"
has "$TMP/bin-7.16.0-all.err" '^cfc run: sensor 7.16.0: 257 events, 60 matches, 0 malformed lines;'
has "$TMP/bin-7.11.0-all.err" '^cfc run: sensor 7.11.0: 257 events, 40 matches, 0 malformed lines;'
# "line" is the record number: 1007 (pipe_sddl) fires on records 59, 65, 80.
[ "$(grep '"instance": 1007' "$TMP/bin-7.16.0-ipc-named-pipe.out" | sed 's/^{"line": \([0-9]*\),.*/\1/' | tr '\n' ' ')" = "59 65 80 " ] ||
	bad "1007 must match records 59 65 80"
# ... and blank lines are not records: line 3 of this file is record 2.
{ echo; head -1 "$E/ipc-named-pipe.jsonl"; echo '   '; sed -n 4p "$E/ipc-named-pipe.jsonl"; } >"$TMP/blank.jsonl"
run pack-blank "$CFC" pack-events -t "$T" -o blank.cfe blank.jsonl
status pack-blank 0
has "$TMP/pack-blank.err" '^cfc pack-events: 2 events, '
run json-blank "$CFC" run -t "$T" --sensor 7.16.0 --events blank.jsonl c291-fixed.cf
status json-blank 0
run bin-blank "$CFC" run -t "$T" --sensor 7.16.0 --events blank.cfe c291-fixed.cf
grep -q '^{"line": 4, .*"instance": 1001' "$TMP/json-blank.out" || bad "json-blank: no match on line 4"
grep -q '^{"line": 2, .*"instance": 1001' "$TMP/bin-blank.out" || bad "bin-blank: no match on record 2"

# --- stdin -----------------------------------------------------------------------
for v in 7.11.0 7.16.0; do
	want=0
	[ $v = 7.11.0 ] && want=1
	run stdin-dash-$v "$CFC" run -t "$T" --sensor $v --events - c291-bad.cf c310.cf c412.cf <"$TMP/all.cfe"
	status stdin-dash-$v $want
	same json-$v-all stdin-dash-$v
	run stdin-redir-$v "$CFC" run -t "$T" --sensor $v c291-bad.cf c310.cf c412.cf <"$TMP/all.cfe"
	status stdin-redir-$v $want
	same json-$v-all stdin-redir-$v
	rc=0
	(cd "$TMP" && cat all.cfe | "$CFC" run -t "$T" --sensor $v c291-bad.cf c310.cf c412.cf) \
		>"$TMP/stdin-pipe-$v.out" 2>"$TMP/stdin-pipe-$v.err" || rc=$?
	status stdin-pipe-$v $want
	same json-$v-all stdin-pipe-$v
done
# A live feed: an event is evaluated, and its matches reach stdout, as soon
# as it arrives, while the writer keeps the pipe open (a reader that waits to
# fill its buffer, or output left in stdio's buffer, would show nothing until
# the input ends). The 60 s bound on the read only keeps a broken build from
# hanging the suite; it measures nothing.
first=$(head -n 1 "$TMP/json-7.16.0-all.out" | sed 's/^{"line": \([0-9]*\),.*/\1/')
sed -n "${first}p" "$TMP/all.jsonl" >"$TMP/live.jsonl"
run pack-live "$CFC" pack-events -t "$T" -o live.cfe live.jsonl
status pack-live 0
for kind in jsonl cfe; do
	rm -f "$TMP/live-in" "$TMP/live-out"
	mkfifo "$TMP/live-in" "$TMP/live-out"
	(cd "$TMP" && exec "$CFC" run -t "$T" --sensor 7.16.0 c291-bad.cf c310.cf c412.cf \
		<live-in >live-out 2>"live-$kind.err") &
	pid=$!
	exec 7>"$TMP/live-in" 8<"$TMP/live-out"
	cat "$TMP/live.$kind" >&7
	got=
	read -t 60 -r got <&8 || true
	exec 7>&-
	cat <&8 >/dev/null
	exec 8<&-
	wait "$pid" || bad "live-$kind: cfc run failed"
	case $got in
	"{\"line\": 1, "*) ;;
	*) bad "live-$kind: no match written while the input was still open (got: '$got')" ;;
	esac
done
# A pipe that delivers the stream a byte or a few at a time.
rc=0
(cd "$TMP" && python3 -c '
import os, sys
data = open("dns-query.cfe", "rb").read()
i, k = 0, 0
while i < len(data):
    n = (1, 3, 7, 1, 16)[k % 5]
    os.write(1, data[i:i + n])
    i, k = i + n, k + 1
' | "$CFC" run -t "$T" --sensor 7.16.0 c412.cf) >"$TMP/trickle.out" 2>"$TMP/trickle.err" || rc=$?
status trickle 0
cmp -s "$TMP/trickle.out" "$TMP/json-7.16.0-dns-query.out" ||
	bad "a stream delivered in small pieces gives other matches"
has "$TMP/trickle.err" '^cfc run: sensor 7.16.0: 93 events, 21 matches, 0 malformed lines'

# More than the reader's buffer (1 MiB + 64 KiB): records cross its end,
# one of them 1 MiB long; the numbering goes on across them.
py "$TMP/all.jsonl" "$TMP/big.jsonl" <<'PY'
import sys, json
lines = open(sys.argv[1]).read().splitlines()
big = {"template": "dns-query", "fields": {"query_name": "a" * 1048000 + ".t.c2.example.net",
                                           "query_type": 15, "pid": 1}}
with open(sys.argv[2], "w") as out:
    for i in range(12):
        out.write("\n".join(lines) + "\n")
        if i in (3, 7):
            out.write(json.dumps(big) + "\n")
PY
run pack-big "$CFC" pack-events -t "$T" -o big.cfe big.jsonl
status pack-big 0
[ "$(wc -c <"$TMP/big.cfe")" -gt $((2 * 1048576 + 65536)) ] || bad "big.cfe is not bigger than the reader's buffer"
run json-big "$CFC" run -t "$T" --sensor 7.16.0 --events big.jsonl c291-bad.cf c310.cf c412.cf
status json-big 0
run bin-big "$CFC" run -t "$T" --sensor 7.16.0 --events big.cfe c291-bad.cf c310.cf c412.cf
status bin-big 0
same json-big bin-big
has "$TMP/bin-big.err" '^cfc run: sensor 7.16.0: 3086 events, 720 matches, 0 malformed lines'

# --- pack-events refuses malformed lines ------------------------------------------
{
	sed -n 1,3p "$E/dns-query.jsonl"
	echo '{"template": "dns-query", "fields": {"pid": "7"}}'
	sed -n 4p "$E/dns-query.jsonl"
	echo '{"template": "dns-query", "fields": {"no_such_field": 1}}'
	echo '{"template": "dns-query", "fields": {"pid": 1}'
	echo '{"template": "web-request", "fields": {}}'
} >"$TMP/bad.jsonl"
run pack-bad "$CFC" pack-events -t "$T" -o bad.cfe bad.jsonl
status pack-bad 1
has "$TMP/pack-bad.err" "^bad\.jsonl:4: error: field 'pid' is a uint: a non-negative integer, not a string \[event\]\$"
has "$TMP/pack-bad.err" "^bad\.jsonl:6: error: unknown field 'no_such_field' for template 'dns-query' \[event\]\$"
has "$TMP/pack-bad.err" "^bad\.jsonl:7: error: not valid JSON"
has "$TMP/pack-bad.err" "^bad\.jsonl:8: error: template 'web-request' is not in the manifests given \(-t\) \[event\]\$"
has "$TMP/pack-bad.err" '^cfc pack-events: 4 malformed lines; nothing written$'
[ -e "$TMP/bad.cfe" ] && bad "pack-events created its output for malformed input"
# An existing output is left as it was, and no temporary is left beside it.
cp "$TMP/dns-query.cfe" "$TMP/keep.cfe"
cp "$TMP/keep.cfe" "$TMP/keep.orig"
touch -d '2020-01-01 00:00:00' "$TMP/keep.cfe"
before=$(ls -A "$TMP" | wc -l)
run pack-bad-keep "$CFC" pack-events -t "$T" -o keep.cfe bad.jsonl
status pack-bad-keep 1
cmp -s "$TMP/keep.cfe" "$TMP/keep.orig" || bad "pack-events changed an existing output"
[ "$(stat -c %Y "$TMP/keep.cfe")" = "$(date -d '2020-01-01 00:00:00' +%s)" ] || bad "pack-events touched an existing output"
[ "$(ls -A "$TMP" | wc -l)" = $((before + 2)) ] || bad "pack-events left a file behind: $(ls -A "$TMP")"
# From stdin the lines are named <stdin>; nothing reaches stdout.
run pack-bad-stdin "$CFC" pack-events -t "$T" <"$TMP/bad.jsonl"
status pack-bad-stdin 1
has "$TMP/pack-bad-stdin.err" "^<stdin>:4: error: field 'pid'"
[ -s "$TMP/pack-bad-stdin.out" ] && bad "pack-events wrote a stream for malformed input"
# A template known to the samples but not given with -t.
run pack-unknown "$CFC" pack-events -t "$T/dns-query.yaml" -o u.cfe "$E/ipc-named-pipe.jsonl"
status pack-unknown 1
has "$TMP/pack-unknown.err" "ipc-named-pipe\.jsonl:1: error: template 'ipc-named-pipe' is not in the manifests given \(-t\)"
has "$TMP/pack-unknown.err" '^cfc pack-events: 85 malformed lines; nothing written$'
[ -e "$TMP/u.cfe" ] && bad "pack-events wrote u.cfe"
# A line over the 1 MiB cap.
{
	printf '{"template": "dns-query", "fields": {"query_name": "'
	head -c 1048600 /dev/zero | tr '\0' a
	printf '"}}\n'
} >"$TMP/long.jsonl"
run pack-long "$CFC" pack-events -t "$T" -o long.cfe long.jsonl
status pack-long 1
has "$TMP/pack-long.err" '^long\.jsonl:1: error: line longer than the 1048576-byte cap \[event\]$'
[ -e "$TMP/long.cfe" ] && bad "pack-events wrote long.cfe"
# A line under the line cap whose record would pass the record cap: a uint
# costs 10 bytes in a record and 7 in JSON ("aa":0,), so 254 of them beside
# one long string tip a 1,047,842-byte line into a 1,048,577-byte record;
# one byte less of string and it packs.
mkdir -p "$TMP/wide"
{
	printf 'template: wide\nid: 900\nversion: 1\nfields:\n'
	python3 -c 'import itertools, string
for a, b in list(itertools.product(string.ascii_lowercase, repeat=2))[:254]:
    print("  - {name: %s%s, type: uint}" % (a, b))'
	printf '  - {name: s, type: string}\nsensors:\n  - {version: "7.16.0", supplies: 255}\n'
} >"$TMP/wide/wide.yaml"
wide_line() {
	python3 - "$1" <<'PY'
import itertools, string, sys
names = ["".join(p) for p in itertools.product(string.ascii_lowercase, repeat=2)][:254]
body = "".join('"%s":0,' % n for n in names)
sys.stdout.write('{"template":"wide","fields":{' + body + '"s":"' + "a" * int(sys.argv[1]) + '"}}\n')
PY
}
wide_line 1046027 >"$TMP/wide-over.jsonl"
wide_line 1046026 >"$TMP/wide-at.jsonl"
[ "$(wc -c <"$TMP/wide-over.jsonl")" -le 1048577 ] || bad "wide-over.jsonl is over the line cap"
run pack-wide-over "$CFC" pack-events -t wide -o wide-over.cfe wide-over.jsonl
status pack-wide-over 1
has "$TMP/pack-wide-over.err" '^wide-over\.jsonl:1: error: the record would exceed the 1048576-byte cap \[event\]$'
[ -e "$TMP/wide-over.cfe" ] && bad "pack-events wrote wide-over.cfe"
run pack-wide-at "$CFC" pack-events -t wide -o wide-at.cfe wide-at.jsonl
status pack-wide-at 0
py "$TMP/wide-at.cfe" <<'PY' || bad "wide-at.cfe: not one record of exactly 1 MiB"
import sys, evs
head, recs = evs.split(evs.read(sys.argv[1]))
assert len(recs) == 1 and len(recs[0]) == 1048576, [len(r) for r in recs]
PY
# Usage.
run pack-help "$CFC" pack-events --help
status pack-help 0
grep -q '^usage: cfc pack-events -t TEMPLATE' "$TMP/pack-help.out" || bad "pack-events --help: no usage"
run help-pack "$CFC" help pack-events
status help-pack 0
cmp -s "$TMP/pack-help.out" "$TMP/help-pack.out" || bad "cfc help pack-events differs from --help"
run pack-no-t "$CFC" pack-events -o x.cfe all.jsonl
status pack-no-t 2
has "$TMP/pack-no-t.err" 'no template manifest given'
run pack-two "$CFC" pack-events -t "$T" -o x.cfe all.jsonl all.jsonl
status pack-two 2
has "$TMP/pack-two.err" 'expected at most one EVENTS file'
run pack-missing "$CFC" pack-events -t "$T" -o x.cfe nope.jsonl
status pack-missing 2
has "$TMP/pack-missing.err" "cannot open 'nope.jsonl'"
[ -e "$TMP/x.cfe" ] && bad "pack-events wrote x.cfe on a usage error"
run pack-nodir "$CFC" pack-events -t "$T" -o nodir/x.cfe all.jsonl
status pack-nodir 2
has "$TMP/pack-nodir.err" "cannot write 'nodir/x.cfe': No such file or directory"
# Not to a terminal (script(1) gives it one).
if command -v script >/dev/null; then
	rc=0
	(cd "$TMP" && script -qec "'$CFC' pack-events -t '$T' all.jsonl" /dev/null) >"$TMP/pack-tty.out" 2>&1 || rc=$?
	status pack-tty 2
	grep -q 'not writing a binary stream to a terminal (use -o OUT)' "$TMP/pack-tty.out" ||
		bad "pack-events wrote a stream to a terminal"
fi
# A table names at most 256 templates: 256 manifests pack, 257 do not.
mkdir -p "$TMP/t256" "$TMP/t257"
for i in $(seq 0 256); do
	n=$(printf 't%03d' "$i")
	sed -e "s/^template: dns-query\$/template: $n/" -e "s/^id: 15\$/id: $((i + 100))/" \
		"$T/dns-query.yaml" >"$TMP/t257/$n.yaml"
	[ "$i" -lt 256 ] && cp "$TMP/t257/$n.yaml" "$TMP/t256/"
done
echo '{"template": "t255", "fields": {"query_name": "x", "pid": 1}}' >"$TMP/t255.jsonl"
run pack-256 "$CFC" pack-events -t t256 -o t256.cfe t255.jsonl
status pack-256 0
py "$TMP/t256.cfe" <<'PY' || bad "t256.cfe: not a table of 256 templates"
import sys, evs
head, recs = evs.split(evs.read(sys.argv[1]))
t = evs.parse_table(head)
assert len(t) == 256 and t[255][0] == b"t255" and len(recs) == 1
PY
run pack-257 "$CFC" pack-events -t t257 -o t257.cfe t255.jsonl
status pack-257 1
has "$TMP/pack-257.err" "257 templates: a stream's table names at most 256"
[ -e "$TMP/t257.cfe" ] && bad "pack-events wrote t257.cfe"
# The sensor does not supply t255: that record is rejected, not the stream.
run run-256 "$CFC" run -t "$T" --sensor 7.16.0 --events t256.cfe c412.cf
status run-256 0
has "$TMP/run-256.err" "^t256\.cfe:1: error: template 't255' is not supplied by sensor 7\.16\.0 \[event\]\$"

# --- a bad prefix or table rejects the stream ----------------------------------------
# corrupt NAME OFFSET BYTES-IN-HEX: dns-query.cfe with bytes replaced
corrupt() {
	py "$TMP/dns-query.cfe" "$TMP/$1.cfe" "$2" "$3" <<'PY'
import sys, evs
d = bytearray(evs.read(sys.argv[1]))
off, new = int(sys.argv[3]), bytes.fromhex(sys.argv[4])
d[off:off + len(new)] = new
evs.write(sys.argv[2], bytes(d))
PY
}
corrupt magic 1 58                 # "XFE"
corrupt version 8 02000000
corrupt version0 8 00000000
corrupt table0 12 00000000
corrupt table1 12 01000000
corrupt tablecap 12 01001000       # 1 MiB + 1
corrupt tablebig 12 00000f00       # more than the stream holds
corrupt ntmpl0 16 0000
corrupt ntmpl257 16 0101
corrupt ntmpl2 16 0200             # the third template is left over
corrupt ntmpl4 16 0400             # a fourth is counted, none follows
head -c 10 "$TMP/dns-query.cfe" >"$TMP/short.cfe"
head -c 40 "$TMP/dns-query.cfe" >"$TMP/shorttable.cfe"
py "$TMP/dns-query.cfe" "$TMP/dupfield.cfe" "$TMP/trailing.cfe" <<'PY'
import sys, struct, evs
head, recs = evs.split(evs.read(sys.argv[1]))
tab = evs.table([(b"dns-query", [b"pid", b"query_name", b"pid"])])
evs.write(sys.argv[2], evs.prefix(tab) + tab + b"".join(evs.record(r) for r in recs))
tab = evs.table([(b"dns-query", [b"pid"])]) + b"\0"
evs.write(sys.argv[3], evs.prefix(tab) + tab + b"".join(evs.record(r) for r in recs))
PY
check_rejected() { # NAME PATTERN
	run rej-$1 "$CFC" run -t "$T" --sensor 7.16.0 --events "$1.cfe" c412.cf
	status rej-$1 1
	has "$TMP/rej-$1.err" "^$1\.cfe: error: $2.* \[event\]\$"
	has "$TMP/rej-$1.err" '^cfc run: sensor 7.16.0: 0 events, 0 matches, 0 malformed lines; content: 1 loaded'
	[ -s "$TMP/rej-$1.out" ] && bad "rej-$1: matches printed for a rejected stream"
}
check_rejected magic 'not a binary event stream \(bad magic\)'
check_rejected version 'event stream version 2 is not supported \(this build reads 1\)'
check_rejected version0 'event stream version 0 is not supported \(this build reads 1\)'
check_rejected table0 'event stream table of 0 bytes \(2 \.\. 1048576 allowed\)'
check_rejected table1 'event stream table of 1 byte \(2 \.\. 1048576 allowed\)'
check_rejected tablecap 'event stream table of 1048577 bytes'
check_rejected tablebig 'event stream table truncated: [0-9]+ of 983040 bytes'
check_rejected ntmpl0 'event stream table names 0 templates \(1 \.\. 256 allowed\)'
check_rejected ntmpl257 'event stream table names 257 templates'
check_rejected ntmpl2 'event stream table: [0-9]+ bytes after its last template'
check_rejected ntmpl4 'event stream table: template 3 is truncated or badly named'
check_rejected short 'event stream header truncated: 10 of 16 bytes'
check_rejected shorttable 'event stream table truncated: 24 of [0-9]+ bytes'
check_rejected dupfield "event stream table names field 'pid' of template 'dns-query' twice"
check_rejected trailing 'event stream table: 1 byte after its last template'
# Only the first byte tells a stream from JSON lines: with it changed, the
# bytes are read (and rejected) as lines, and nothing matches.
corrupt magic0 0 8a
run magic0 "$CFC" run -t "$T" --sensor 7.16.0 --events magic0.cfe c412.cf
status magic0 0
has "$TMP/magic0.err" '^magic0\.cfe:1: error: not valid JSON: unable to decode byte 0x8a'
[ -s "$TMP/magic0.out" ] && bad "magic0: matches printed"
# A stream of a prefix alone (no table), and a header with no record.
head -c 16 "$TMP/dns-query.cfe" >"$TMP/notable.cfe"
check_rejected notable 'event stream table truncated: 0 of [0-9]+ bytes'
py "$TMP/dns-query.cfe" "$TMP/norec.cfe" <<'PY'
import sys, evs
head, recs = evs.split(evs.read(sys.argv[1]))
evs.write(sys.argv[2], head)
PY
run norec "$CFC" run -t "$T" --sensor 7.16.0 --events norec.cfe c412.cf
status norec 0
has "$TMP/norec.err" '^cfc run: sensor 7.16.0: 0 events, 0 matches, 0 malformed lines;'

# --- bad records: reported by number, the stream goes on --------------------------
# Records 8 and 20 of dns-query (8 is a tunnel query that matches): kind 5,
# a template index past the table; record 25 a string for a uint field. The
# JSON lines with those three lines malformed give the same matches.
py "$TMP/dns-query.cfe" "$TMP/midbad.cfe" <<'PY'
import sys, struct, evs
head, recs = evs.split(evs.read(sys.argv[1]))
r = bytearray(recs[7]); assert r[4] == 0 and r[5] == 1; r[5] = 5; recs[7] = bytes(r)
r = bytearray(recs[19]); r[0:2] = struct.pack("<H", 9); recs[19] = bytes(r)
recs[24] = struct.pack("<HH", 0, 1) + bytes([1, 1]) + struct.pack("<I", 2) + b"15"
evs.write(sys.argv[2], evs.join(head, recs))
PY
awk 'NR == 8 || NR == 20 || NR == 25 { print "{}"; next } { print }' "$E/dns-query.jsonl" >"$TMP/midbad.jsonl"
run json-midbad "$CFC" run -t "$T" --sensor 7.16.0 --events midbad.jsonl c412.cf
status json-midbad 0
run bin-midbad "$CFC" run -t "$T" --sensor 7.16.0 --events midbad.cfe c412.cf
status bin-midbad 0
cmp -s "$TMP/json-midbad.out" "$TMP/bin-midbad.out" || bad "midbad: other matches than the JSON lines"
grep -q '"line": 8,' "$TMP/json-7.16.0-dns-query.out" || bad "record 8 should match when intact"
grep -q '"line": 8,' "$TMP/bin-midbad.out" && bad "midbad: record 8 matched"
[ "$(sed -n 's/^{"line": \([0-9]*\),.*/\1/p' "$TMP/bin-midbad.out" | awk '$1 > 25' | wc -l)" -gt 0 ] ||
	bad "midbad: no record after the bad ones matched"
has "$TMP/bin-midbad.err" "^midbad\.cfe:8: error: field 'query_name' has value kind 5 \(0 \.\. 4 are defined\) \[event\]\$"
has "$TMP/bin-midbad.err" "^midbad\.cfe:20: error: template 9 is not in the stream's table \(3 templates\) \[event\]\$"
has "$TMP/bin-midbad.err" "^midbad\.cfe:25: error: field 'query_type' is a uint, not a string \[event\]\$"
[ "$(summary json-midbad)" = "$(summary bin-midbad)" ] || bad "midbad: summaries differ"
has "$TMP/bin-midbad.err" '^cfc run: sensor 7.16.0: 90 events, [0-9]+ matches, 3 malformed lines;'

# A table naming a template and a field this sensor does not know: only the
# records that use them are rejected.
py "$TMP/dns-query.cfe" "$TMP/unk.cfe" <<'PY'
import sys, struct, evs
head, recs = evs.split(evs.read(sys.argv[1]))
tabs = evs.parse_table(head)
assert tabs[0][0] == b"dns-query", tabs[0][0]
# web-request first, then dns-query's fields and one more: the records'
# field indexes stay, their template index becomes 1.
tab = evs.table([(b"web-request", [b"url"]), (b"dns-query", tabs[0][1] + [b"nosuch"])])
def retmpl(r, t): return struct.pack("<H", t) + r[2:]
tunnel = retmpl(recs[7], 1) # record 8 matches
web = struct.pack("<HH", 0, 1) + bytes([0, 1]) + struct.pack("<I", 1) + b"/"
nosuch = struct.pack("<HH", 1, 1) + bytes([13, 2]) + struct.pack("<Q", 1)
recs = [tunnel, web, nosuch, tunnel]
evs.write(sys.argv[2], evs.prefix(tab) + tab + b"".join(evs.record(r) for r in recs))
PY
run unk "$CFC" run -t "$T" --sensor 7.16.0 --events unk.cfe c412.cf
status unk 0
has "$TMP/unk.err" "^unk\.cfe:2: error: template 'web-request' is not supplied by sensor 7\.16\.0 \[event\]\$"
has "$TMP/unk.err" "^unk\.cfe:3: error: unknown field 'nosuch' for template 'dns-query' \[event\]\$"
has "$TMP/unk.err" '^cfc run: sensor 7.16.0: 2 events, [1-9][0-9]* matches, 2 malformed lines;'
grep -q '^{"line": 1,' "$TMP/unk.out" && grep -q '^{"line": 4,' "$TMP/unk.out" ||
	bad "unk: records 1 and 4 should match"

# --- truncation: the stream ends, what came before stands --------------------------
head -c $(($(wc -c <"$TMP/all.cfe") - 5)) "$TMP/all.cfe" >"$TMP/trunc.cfe"
last=$(py "$TMP/all.cfe" <<'PY'
import sys, evs
head, recs = evs.split(evs.read(sys.argv[1]))
print(len(recs[-1]))
PY
)
head -n 256 "$TMP/all.jsonl" >"$TMP/first256.jsonl"
run json-256 "$CFC" run -t "$T" --sensor 7.16.0 --events first256.jsonl c291-bad.cf c310.cf c412.cf
status json-256 0
[ -s "$TMP/json-256.out" ] || bad "json-256: no matches to compare the truncated stream's with"
run trunc "$CFC" run -t "$T" --sensor 7.16.0 --events trunc.cfe c291-bad.cf c310.cf c412.cf
status trunc 0
cmp -s "$TMP/json-256.out" "$TMP/trunc.out" || bad "trunc: the first 256 records do not match as 256 lines do"
has "$TMP/trunc.err" "^trunc\.cfe:257: error: record truncated: $((last - 5)) of $last bytes \[event\]\$"
has "$TMP/trunc.err" '^cfc run: sensor 7.16.0: 256 events, [0-9]+ matches, 1 malformed line;'
# Cut inside a length word: 2 of its 4 bytes.
{ cat "$TMP/all.cfe"; printf '\020\000'; } >"$TMP/trunclen.cfe"
run trunclen "$CFC" run -t "$T" --sensor 7.16.0 --events trunclen.cfe c291-bad.cf c310.cf c412.cf
status trunclen 0
cmp -s "$TMP/json-7.16.0-all.out" "$TMP/trunclen.out" || bad "trunclen: other matches than the whole stream"
has "$TMP/trunclen.err" '^trunclen\.cfe:258: error: record truncated: 2 of 4 length bytes \[event\]$'
has "$TMP/trunclen.err" '257 events, 60 matches, 1 malformed line;'

# --- over-long records: skipped unread ---------------------------------------------
# A length of 0xFFFFFFF0 with a few MiB after it: reported, the rest of the
# stream skipped, nothing of that size held in memory.
{ cat "$TMP/all.cfe"; printf '\360\377\377\377'; head -c 3000000 /dev/zero; } >"$TMP/huge.cfe"
limited() {
	# A cap on the address space, except where the sanitizer's shadow memory
	# or valgrind need more.
	if [ "${SANITIZE:-}" != 1 ] && [ "${CFC_VALGRIND:-0}" != 1 ]; then
		ulimit -v 262144
	fi
	"$@"
}
run huge limited "$CFC" run -t "$T" --sensor 7.16.0 --events huge.cfe c291-bad.cf c310.cf c412.cf
status huge 0
cmp -s "$TMP/json-7.16.0-all.out" "$TMP/huge.out" || bad "huge: other matches than the whole stream"
has "$TMP/huge.err" '^huge\.cfe:258: error: record of 4294967280 bytes exceeds the 1048576-byte cap; skipped \[event\]$'
has "$TMP/huge.err" '257 events, 60 matches, 1 malformed line;'
if [ -x /usr/bin/time ] && [ "${CFC_VALGRIND:-0}" != 1 ]; then
	(cd "$TMP" && /usr/bin/time -f '%M' -o huge.rss "$CFC" run -t "$T" --sensor 7.16.0 --events huge.cfe c412.cf) \
		>/dev/null 2>&1
	rss=$(tail -1 "$TMP/huge.rss")
	limit=40000
	[ "${SANITIZE:-}" = 1 ] && limit=200000
	[ "$rss" -lt $limit ] 2>/dev/null || bad "huge: maximum resident set ${rss} KiB (want < $limit)"
fi
# One byte over the cap, followed by that many bytes and then good records:
# skipped, and the records after it are read and numbered on.
py "$TMP/all.cfe" "$TMP/over.cfe" <<'PY'
import sys, struct, evs
head, recs = evs.split(evs.read(sys.argv[1]))
junk = struct.pack("<I", 1048577) + b"\x01" * 1048577
evs.write(sys.argv[2], head + evs.record(recs[0]) + junk + b"".join(evs.record(r) for r in recs[1:]))
PY
awk 'NR == 2 { print "{}" } { print }' "$TMP/all.jsonl" >"$TMP/over.jsonl"
run json-over "$CFC" run -t "$T" --sensor 7.16.0 --events over.jsonl c291-bad.cf c310.cf c412.cf
status json-over 0
run over limited "$CFC" run -t "$T" --sensor 7.16.0 --events over.cfe c291-bad.cf c310.cf c412.cf
status over 0
cmp -s "$TMP/json-over.out" "$TMP/over.out" || bad "over: other matches than the JSON lines"
has "$TMP/over.err" '^over\.cfe:2: error: record of 1048577 bytes exceeds the 1048576-byte cap; skipped \[event\]$'
has "$TMP/over.err" '257 events, 60 matches, 1 malformed line;'
# Exactly at the cap: read and decoded (here: 1 MiB of trailing bytes).
py "$TMP/all.cfe" "$TMP/atcap.cfe" <<'PY'
import sys, struct, evs
head, recs = evs.split(evs.read(sys.argv[1]))
body = struct.pack("<HH", 2, 0) + b"\0" * (1048576 - 4)
evs.write(sys.argv[2], head + evs.record(body) + b"".join(evs.record(r) for r in recs))
PY
run atcap "$CFC" run -t "$T" --sensor 7.16.0 --events atcap.cfe c291-bad.cf c310.cf c412.cf
status atcap 0
has "$TMP/atcap.err" '^atcap\.cfe:1: error: 1048572 bytes after the record.s last value \[event\]$'
has "$TMP/atcap.err" '257 events, 60 matches, 1 malformed line;'
# A zero-length record and one of 3 bytes.
py "$TMP/dns-query.cfe" "$TMP/tiny.cfe" <<'PY'
import sys, evs
head, recs = evs.split(evs.read(sys.argv[1]))
evs.write(sys.argv[2], head + evs.record(b"") + evs.record(b"\0\0\0") + b"".join(evs.record(r) for r in recs))
PY
run tiny "$CFC" run -t "$T" --sensor 7.16.0 --events tiny.cfe c412.cf
status tiny 0
has "$TMP/tiny.err" '^tiny\.cfe:1: error: record of 0 bytes \(at least 4\) \[event\]$'
has "$TMP/tiny.err" '^tiny\.cfe:2: error: record of 3 bytes \(at least 4\) \[event\]$'
has "$TMP/tiny.err" '^cfc run: sensor 7.16.0: 93 events, 21 matches, 2 malformed lines;'

finish
