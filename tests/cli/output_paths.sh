#!/usr/bin/env bash
# Output paths (README.md, "Output files"), for every command that writes:
# compile -o, sign -x, keygen -p and -s, bundle -o, pack-events -o, and the
# files unbundle writes into -C DIR and --state DIR.
#
# - a FIFO is written through (a reader gets the bytes) and stays a FIFO;
# - a character device (as root: a twin of /dev/null made with mknod) is
#   written through and keeps its kind and numbers; not root: skipped;
# - a directory or a socket (as root also a block device) is refused with
#   exit 2 and stays what it was;
# - -o /dev/stdout writes to stdout;
# - a symbolic link to a regular file: the target is replaced, the link kept;
#   a dangling link is refused and nothing is created through it;
# - an output that is the same file as an input (also through a symbolic
#   link or a hard link) is refused with exit 2 and the input is unchanged;
# - a FIFO, device, socket or directory named *.yaml inside a -t directory
#   is refused with exit 2 at once (timeout turns a hang into a failure);
# - dump --split DIR: DIR anything but a new or empty directory is refused.
set -u
. "$SRC/tests/lib.sh"
cd "$TMP" || exit 2
T=$SRC/samples/templates
R=$SRC/samples/rules
export SOURCE_DATE_EPOCH=1721361240
export CFC_NOW=$((SOURCE_DATE_EPOCH + 3600))
unset CFC_PASSWORD_FILE

# run WANT CMD...: try, with CMD bounded to 60 s (stdout in out, stderr in
# err; 0 when it exited WANT).
run() {
	local want=$1
	shift
	try "$want" timeout 60 "$@"
}
kind() { stat -c %F -- "$1" 2>/dev/null || echo missing; }

# Inputs, and the bytes each command writes into a regular file.
expect 0 "$CFC" keygen -W -p k.pub -s k.key
cp "$R/c291-fixed.yaml" src.yaml
cp "$SRC/samples/events/ipc-named-pipe.jsonl" events.jsonl
expect 0 "$CFC" compile -t "$T" -o c291.cf src.yaml
expect 0 "$CFC" sign -s k.key -t "$T" c291.cf
expect 0 "$CFC" bundle -s k.key -o b.tar.zst c291.cf
cp c291.cf ref.cf
expect 0 "$CFC" sign -s k.key -t "$T" -x ref.minisig c291.cf
expect 0 "$CFC" bundle -s k.key -o ref.tar.zst c291.cf
expect 0 "$CFC" pack-events -t "$T" -o ref.cfe events.jsonl

WRITERS="compile sign keygen-p keygen-s bundle pack-events"
# setcmd WRITER OUT: CMD is WRITER's command line writing OUT; REF the file
# holding the bytes it writes (none for keys: they are new every time).
setcmd() {
	case $1 in
	compile) CMD=("$CFC" compile -t "$T" -o "$2" src.yaml) REF=ref.cf ;;
	sign) CMD=("$CFC" sign -s k.key -t "$T" -x "$2" c291.cf) REF=ref.minisig ;;
	keygen-p) CMD=("$CFC" keygen -W -f -p "$2" -s kg.key) REF= ;;
	keygen-s) CMD=("$CFC" keygen -W -f -p kg.pub -s "$2") REF= ;;
	bundle) CMD=("$CFC" bundle -s k.key -o "$2" c291.cf) REF=ref.tar.zst ;;
	pack-events) CMD=("$CFC" pack-events -t "$T" -o "$2" events.jsonl) REF=ref.cfe ;;
	esac
}
# The bundle's name must end in .tar.zst.
outname() { if [ "$1" = bundle ]; then echo "$2.tar.zst"; else echo "$2"; fi; }
# got_bytes FILE: FILE holds what the command writes.
got_bytes() {
	if [ -n "$REF" ]; then
		cmp -s "$1" "$REF"
	else
		[ -s "$1" ]
	fi
}

# A character device twin of /dev/null, where the system lets us make one.
have_dev=0
if [ "$(id -u)" = 0 ] && mknod probe.dev c 1 3 2>/dev/null && (echo x >probe.dev) 2>/dev/null; then
	have_dev=1
else
	echo "not root (or no device nodes here): character device cases skipped"
fi
rm -f probe.dev

for w in $WRITERS; do
	# FIFO: a reader in the background gets the bytes; still a FIFO.
	f=$(outname "$w" "fifo-$w")
	mkfifo "$f"
	timeout 60 cat "$f" >got &
	reader=$!
	setcmd "$w" "$f"
	run 0 "${CMD[@]}"
	if [ "$(kind "$f")" != fifo ]; then
		bad "$w: the FIFO $f was replaced ($(kind "$f"))"
		kill "$reader" 2>/dev/null
	fi
	wait "$reader"
	got_bytes got || bad "$w: the bytes read from the FIFO are not the output"

	# Character device: written through, same kind and numbers.
	if [ $have_dev = 1 ]; then
		d=$(outname "$w" "dev-$w")
		mknod "$d" c 1 3
		setcmd "$w" "$d"
		run 0 "${CMD[@]}"
		[ "$(kind "$d")" = "character special file" ] && [ "$(stat -c %t:%T "$d")" = 1:3 ] ||
			bad "$w: the device $d was replaced ($(kind "$d"))"
		# A block device is refused; 0:0 is no disk, should that fail too.
		d=$(outname "$w" "blk-$w")
		mknod "$d" b 0 0
		setcmd "$w" "$d"
		run 2 "${CMD[@]}" && { grep -q "cannot write '$d': it is a block device" err || bad "$w: message for a block device: $(cat err)"; }
		[ "$(kind "$d")" = "block special file" ] || bad "$w: the block device $d was replaced ($(kind "$d"))"
	fi

	# Directory and socket: exit 2, clear error, left alone.
	d=$(outname "$w" "dir-$w")
	mkdir "$d"
	setcmd "$w" "$d"
	run 2 "${CMD[@]}" && { grep -q "cannot write '$d': it is a directory" err || bad "$w: message for a directory: $(cat err)"; }
	[ "$(kind "$d")" = directory ] && [ -z "$(ls -A "$d")" ] || bad "$w: the directory $d changed"
	s=$(outname "$w" "sock-$w")
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$s"
	setcmd "$w" "$s"
	run 2 "${CMD[@]}" && { grep -q "cannot write '$s': it is a socket" err || bad "$w: message for a socket: $(cat err)"; }
	[ "$(kind "$s")" = socket ] || bad "$w: the socket $s was replaced ($(kind "$s"))"

	# A symbolic link to a regular file in another directory: the target
	# is replaced there, the link stays; no temporary left anywhere.
	mkdir "sub-$w"
	t=$(outname "$w" "sub-$w/target")
	l=$(outname "$w" "link-$w")
	echo old >"$t"
	ln -s "$t" "$l"
	setcmd "$w" "$l"
	run 0 "${CMD[@]}"
	[ "$(kind "$l")" = "symbolic link" ] && [ "$(readlink "$l")" = "$t" ] || bad "$w: the link $l was replaced"
	[ "$(kind "$t")" = "regular file" ] && got_bytes "$t" && ! grep -qx old "$t" || bad "$w: the link's target $t was not replaced"
	[ "$(ls -A "sub-$w" | wc -l)" = 1 ] || bad "$w: files left beside the target: $(ls -A "sub-$w")"
	! ls -A | grep -q '\.cfc-tmp\.' || bad "$w: temporary files left: $(ls -A | grep '\.cfc-tmp\.')"

	# A dangling link: refused, nothing created through it.
	l=$(outname "$w" "dangling-$w")
	ln -s "nowhere-$w" "$l"
	setcmd "$w" "$l"
	run 2 "${CMD[@]}" && { grep -q "symbolic link to a file that does not exist" err || bad "$w: message for a dangling link: $(cat err)"; }
	[ ! -e "nowhere-$w" ] && [ "$(kind "$l")" = "symbolic link" ] || bad "$w: created through a dangling link"
done

# Output names of NAME_MAX (255) bytes: the temporary's own name does not
# grow with the target's. Also behind a link, where the long name is the
# target's.
long=$(head -c 247 /dev/zero | tr '\0' n) # + 8 bytes: 255
for w in $WRITERS; do
	if [ "$w" = bundle ]; then f="$long.tar.zst"; else f="${long}12345678"; fi
	setcmd "$w" "$f"
	run 0 "${CMD[@]}" && { got_bytes "$f" || bad "$w: a 255-byte output name: wrong bytes"; }
	mkdir -p "long-$w"
	mv "$f" "long-$w/"
	ln -s "long-$w/$f" "ll-$w"
	[ "$w" = bundle ] && { mv "ll-$w" "ll-$w.tar.zst"; setcmd "$w" "ll-$w.tar.zst"; } || setcmd "$w" "ll-$w"
	run 0 "${CMD[@]}" && { got_bytes "long-$w/$f" || bad "$w: a 255-byte name behind a link: wrong bytes"; }
	[ "$(ls -A "long-$w" | wc -l)" = 1 ] || bad "$w: files left beside a long-named target: $(ls -A "long-$w")"
done

# -o /dev/stdout writes to stdout, a pipe or a file. First through a link of
# our own to /proc/self/fd/1: a cfc that replaced links would replace that
# one, and must then not be let near /dev/stdout (as root, it would be).
ln -s /proc/self/fd/1 mystdout
"$CFC" compile -t "$T" -o mystdout src.yaml | cat >so.cf
cmp -s so.cf ref.cf || bad "compile -o LINK-TO-STDOUT into a pipe"
"$CFC" pack-events -t "$T" -o mystdout events.jsonl 2>/dev/null | cat >so.cfe
cmp -s so.cfe ref.cfe || bad "pack-events -o LINK-TO-STDOUT"
"$CFC" sign -s k.key -t "$T" -x mystdout c291.cf | cat >so.minisig
head -c "$(wc -c <ref.minisig)" so.minisig | cmp -s - ref.minisig || bad "sign -x LINK-TO-STDOUT"
if [ "$(kind mystdout)" != "symbolic link" ]; then
	bad "a link to /proc/self/fd/1 was replaced; the /dev/stdout cases are not run"
else
	"$CFC" compile -t "$T" -o /dev/stdout src.yaml | cat >so.cf
	cmp -s so.cf ref.cf || bad "compile -o /dev/stdout into a pipe"
	"$CFC" compile -t "$T" -o /dev/stdout src.yaml >so2.cf
	cmp -s so2.cf ref.cf || bad "compile -o /dev/stdout into a file"
	"$CFC" pack-events -t "$T" -o /dev/stdout events.jsonl 2>/dev/null | cat >so.cfe
	cmp -s so.cfe ref.cfe || bad "pack-events -o /dev/stdout"
	"$CFC" sign -s k.key -t "$T" -x /dev/stdout c291.cf | cat >so.minisig
	head -c "$(wc -c <ref.minisig)" so.minisig | cmp -s - ref.minisig || bad "sign -x /dev/stdout"
	[ "$(kind /dev/stdout)" = "symbolic link" ] || bad "/dev/stdout is no longer a link"
fi
# And "-" is stdout.
"$CFC" compile -t "$T" -o - src.yaml | cat >so3.cf
cmp -s so3.cf ref.cf || bad "compile -o -"

# keygen without -f refuses whatever exists, FIFOs and dangling links too.
mkfifo kfifo
run 2 "$CFC" keygen -W -p kfifo -s new1.key && { grep -q "'kfifo' already exists" err || bad "keygen: message for an existing FIFO"; }
[ "$(kind kfifo)" = fifo ] && [ ! -e new1.key ] || bad "keygen without -f touched a FIFO"
ln -s nokey kdangle
run 2 "$CFC" keygen -W -p new2.pub -s kdangle
[ ! -e nokey ] && [ ! -e new2.pub ] || bad "keygen without -f wrote through a dangling link"
run 0 "$CFC" keygen -W -p new3.pub -s new3.key
[ "$(stat -c %a new3.key)" = 600 ] || bad "keygen: a new secret key is not 0600"

# ---- an output that is an input: exit 2, the input unchanged ------------
# same_input FILE CMD...: CMD exits 2 naming the clash; FILE unchanged.
same_input() {
	local f=$1
	shift
	cp -- "$f" keep.copy
	run 2 "$@" && { grep -q "same file as the input\|name the same file" err || bad "no clash message: $* [$(cat err)]"; }
	cmp -s "$f" keep.copy || bad "$f was changed by: $*"
}
mkdir tpl
cp "$T"/*.yaml tpl/
ln -s tpl/ipc-named-pipe.yaml tlink.yaml
ln tpl/dns-query.yaml thard.yaml
same_input src.yaml "$CFC" compile -t "$T" -o src.yaml src.yaml
same_input tpl/ipc-named-pipe.yaml "$CFC" compile -t tpl -o tpl/ipc-named-pipe.yaml src.yaml
same_input tpl/ipc-named-pipe.yaml "$CFC" compile -t tpl -o tlink.yaml src.yaml
same_input tpl/dns-query.yaml "$CFC" compile -t tpl -o thard.yaml src.yaml
same_input tpl/dns-query.yaml "$CFC" compile -t tpl/ -o ./thard.yaml src.yaml
same_input src.yaml "$CFC" compile -t "$T" -o src.yaml - <src.yaml
same_input k.key "$CFC" sign -s k.key -t "$T" -x k.key c291.cf
same_input tpl/ipc-named-pipe.yaml "$CFC" sign -s k.key -t tpl -x tlink.yaml c291.cf
# A default signature path (FILE.cf.minisig) that is an input: nothing signed.
cp c291.cf c2.cf
ln k.key c2.cf.minisig
cp c291.cf.minisig keep.sig
same_input k.key "$CFC" sign -s k.key -t "$T" c291.cf c2.cf
cmp -s c291.cf.minisig keep.sig || bad "sign signed one file before refusing the run"
rm -f c2.cf.minisig
same_input events.jsonl "$CFC" pack-events -t "$T" -o events.jsonl events.jsonl
same_input events.jsonl "$CFC" pack-events -t "$T" -o events.jsonl - <events.jsonl
same_input tpl/dns-query.yaml "$CFC" pack-events -t tpl -o thard.yaml events.jsonl
ln c291.cf hl.tar.zst
same_input c291.cf "$CFC" bundle -s k.key -o hl.tar.zst c291.cf
ln c291.cf.minisig hs.tar.zst
same_input c291.cf.minisig "$CFC" bundle -s k.key -o hs.tar.zst c291.cf
ln -s k.key kl.tar.zst
same_input k.key "$CFC" bundle -s k.key -o kl.tar.zst c291.cf
# keygen: -p and -s the same file, by name, path, link; the password file.
same_input k.pub "$CFC" keygen -W -f -p k.pub -s k.pub
same_input k.pub "$CFC" keygen -W -f -p k.pub -s ./k.pub
ln -s k.pub kpl
same_input k.pub "$CFC" keygen -W -f -p k.pub -s kpl
run 2 "$CFC" keygen -W -p same.new -s ./same.new
[ ! -e same.new ] || bad "keygen -p X -s ./X wrote X"
printf 'hunter2\n' >pw
same_input pw "$CFC" keygen --kdf interactive -f --password-file pw -p pw -s pk.key
[ ! -e pk.key ] || bad "keygen wrote a key before refusing"
# unbundle: a file it would install that is the bundle or the public key;
# a state file that is the bundle.
mkdir u1 u2 u3 st3
cp b.tar.zst u1/c291.cf
same_input u1/c291.cf "$CFC" unbundle -p k.pub -C u1 u1/c291.cf
ln k.pub u2/c291.cf.minisig
same_input k.pub "$CFC" unbundle -p k.pub -C u2 b.tar.zst
[ "$(ls -A u2)" = c291.cf.minisig ] || bad "unbundle installed something: $(ls -A u2)"
ln b.tar.zst st3/cfc-state.json
same_input b.tar.zst "$CFC" unbundle -p k.pub -C u3 --state st3 b.tar.zst
[ -z "$(ls -A u3)" ] || bad "unbundle installed something: $(ls -A u3)"

# ---- unbundle into a directory holding a FIFO or device --------------------
# Refused with exit 2 before anything is installed; the node is left alone.
mkdir uf
mkfifo uf/c291.cf
run 2 timeout 10 "$CFC" unbundle -p k.pub -C uf b.tar.zst && { grep -q "'c291.cf' exists and is not a regular file" err || bad "unbundle: message for a FIFO: $(cat err)"; }
[ "$(kind uf/c291.cf)" = fifo ] && [ "$(ls -A uf)" = c291.cf ] || bad "unbundle: the FIFO was replaced or files installed: $(ls -A uf)"
if [ $have_dev = 1 ]; then
	mkdir ud
	mknod ud/c291.cf.minisig c 1 3
	run 2 "$CFC" unbundle -p k.pub -C ud b.tar.zst
	[ "$(kind ud/c291.cf.minisig)" = "character special file" ] && [ "$(stat -c %t:%T ud/c291.cf.minisig)" = 1:3 ] &&
		[ "$(ls -A ud)" = c291.cf.minisig ] || bad "unbundle: the device was replaced or files installed: $(ls -A ud)"
fi
# A state file that is a FIFO: refused at once, never read or replaced.
mkdir us usd
mkfifo usd/cfc-state.json
run 2 timeout 10 "$CFC" unbundle -p k.pub -C us --state usd b.tar.zst && { grep -q "cfc-state.json.*it is a FIFO" err || bad "unbundle: message for a FIFO state: $(cat err)"; }
[ "$(kind usd/cfc-state.json)" = fifo ] && [ -z "$(ls -A us)" ] && [ "$(ls -A usd)" = cfc-state.json ] ||
	bad "unbundle: a FIFO state was replaced or files installed"

# ---- -t directories: entries that are not regular files ----------------
# kind_in_tdir NAME MAKE...: a -t directory holding NAME made by MAKE is
# refused by compile, sign and pack-events with exit 2, without waiting.
kind_in_tdir() {
	local n=$1
	shift
	rm -rf td && mkdir td && cp "$T"/*.yaml td/
	"$@" "td/$n"
	local k
	k=$(kind "td/$n")
	for c in "compile -t td -o td.cf src.yaml" "sign -s k.key -t td -x td.minisig c291.cf" \
		"pack-events -t td -o td.cfe events.jsonl"; do
		# shellcheck disable=SC2086
		run 2 timeout 10 "$CFC" $c && { grep -q "td/$n" err || bad "the error does not name td/$n: $(cat err)"; }
		[ "$(kind "td/$n")" = "$k" ] || bad "td/$n changed: $c"
	done
	[ ! -e td.cf ] && [ ! -e td.minisig ] && [ ! -e td.cfe ] || bad "an output was written despite td/$n"
}
kind_in_tdir zz.yaml mkfifo
kind_in_tdir zz.yaml mkdir
kind_in_tdir zz.yaml python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])'
mkdev() { mknod "$1" c 1 3; }
[ $have_dev = 0 ] || kind_in_tdir zz.yaml mkdev
# A symbolic link to a manifest inside a -t directory is read like the file.
rm -rf td && mkdir td && ln -s "$T/ipc-named-pipe.yaml" td/ipc.yaml
run 0 "$CFC" compile -t td -o tdl.cf src.yaml
cmp -s tdl.cf ref.cf || bad "a linked manifest in a -t directory"
# A -t argument that is itself a pipe is read like any stream.
run 0 "$CFC" compile -t <(cat "$T/ipc-named-pipe.yaml") -o tp.cf src.yaml
cmp -s tp.cf ref.cf || bad "-t from process substitution"

# Outputs of one run that would resolve to each other. keygen: -p is a
# dangling link to the -s path; writing the secret key would give the link
# its target and the public key would then replace the secret key.
rm -rf dl && mkdir dl
ln -s sec.key dl/pub.key
run 2 "$CFC" keygen -W -f -p dl/pub.key -s dl/sec.key && grep -q "symbolic link to a file that does not exist" err ||
	bad "keygen through a dangling link: $(cat err)"
[ ! -e dl/sec.key ] || bad "keygen wrote a key despite the dangling link"
# sign: b.cf.minisig a dangling link to a.cf.minisig (created by the same
# run), and a link to an existing signature of the same run.
cp c291.cf dl/a.cf && cp c291.cf dl/b.cf
ln -s a.cf.minisig dl/b.cf.minisig
run 2 "$CFC" sign -s k.key -t "$T" dl/a.cf dl/b.cf && grep -q "symbolic link to a file that does not exist" err ||
	bad "sign through a dangling link: $(cat err)"
[ ! -e dl/a.cf.minisig ] || bad "sign wrote a signature despite the dangling link"
expect 0 "$CFC" sign -s k.key -t "$T" dl/a.cf
cp dl/a.cf.minisig dl/a.keep
run 2 "$CFC" sign -s k.key -t "$T" dl/a.cf dl/b.cf && grep -q "same file as the signature" err ||
	bad "two signatures of one run into one file: $(cat err)"
cmp -s dl/a.cf.minisig dl/a.keep || bad "a.cf.minisig changed although the run was refused"

# ---- runs with several outputs: all checked before the first is written ------
# keygen -f: a -p the write refuses leaves the old pair (or nothing) as it was,
# whichever of the two it is.
expect 0 "$CFC" keygen -W -p pair.pub -s pair.key
cp pair.key pair.key.keep
cp pair.pub pair.pub.keep
mkdir kp-dir
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' kp-sock
for bad_out in kp-dir kp-sock; do
	run 2 "$CFC" keygen -W -f -p "$bad_out" -s pair.key
	cmp -s pair.key pair.key.keep || bad "keygen -f -p $bad_out replaced the secret key"
	run 2 "$CFC" keygen -W -f -p pair.pub -s "$bad_out"
	cmp -s pair.pub pair.pub.keep || bad "keygen -f -s $bad_out replaced the public key"
	run 2 "$CFC" keygen -W -f -p "$bad_out" -s fresh.key
	[ ! -e fresh.key ] || bad "keygen -f -p $bad_out left a lone new secret key"
done
[ "$(kind kp-dir)" = directory ] && [ "$(kind kp-sock)" = socket ] || bad "keygen changed kp-dir or kp-sock"
# A FIFO as -p: the public key goes to its reader, then the secret key is
# put in place; the pair matches.
mkfifo kp-fifo
timeout 60 cat kp-fifo >kp-fifo.got &
reader=$!
run 0 "$CFC" keygen -W -f -p kp-fifo -s pair.key
wait "$reader"
[ "$(kind kp-fifo)" = fifo ] || bad "keygen replaced the FIFO"
printf 'x' >kp.msg
if command -v minisign >/dev/null; then
	minisign -S -W -s pair.key -m kp.msg -x kp.sig >/dev/null 2>&1 &&
		minisign -V -p kp-fifo.got -m kp.msg -x kp.sig >/dev/null 2>&1 ||
		bad "keygen -p FIFO: the public key read from the FIFO does not match the secret key"
fi
# sign FILE...: a signature path the write would refuse is found before the
# first file is signed.
cp c291.cf s1.cf
cp c291.cf s2.cf
rm -f s1.cf.minisig
mkdir s2.cf.minisig
run 2 "$CFC" sign -s k.key -t "$T" s1.cf s2.cf && { grep -q "cannot write 's2.cf.minisig': it is a directory; nothing signed" err || bad "sign: message for a directory signature: $(cat err)"; }
[ ! -e s1.cf.minisig ] || bad "sign signed s1.cf before refusing s2.cf.minisig"
rmdir s2.cf.minisig
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' s2.cf.minisig
run 2 "$CFC" sign -s k.key -t "$T" s1.cf s2.cf
[ ! -e s1.cf.minisig ] && [ "$(kind s2.cf.minisig)" = socket ] || bad "sign with a socket signature path wrote something"

# ---- dump --split DIR ---------------------------------------------------------
# DIR a FIFO, a socket, a file, a link to a directory, or a directory holding
# a FIFO: refused with exit 2, each left as it was, nothing written.
mkfifo split-fifo
run 2 timeout 10 "$CFC" dump --split split-fifo c291.cf && { grep -q "not a directory" err || bad "dump --split FIFO: $(cat err)"; }
[ "$(kind split-fifo)" = fifo ] || bad "dump --split replaced a FIFO"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' split-sock
run 2 "$CFC" dump --split split-sock c291.cf
[ "$(kind split-sock)" = socket ] || bad "dump --split replaced a socket"
mkdir split-real
ln -s split-real split-link
run 2 "$CFC" dump --split split-link c291.cf && { grep -q "it is a symbolic link; give the directory itself" err || bad "dump --split LINK: $(cat err)"; }
[ -z "$(ls -A split-real)" ] && [ "$(kind split-link)" = "symbolic link" ] || bad "dump --split wrote through a link"
mkdir split-busy
mkfifo split-busy/part-0001.yaml
run 2 timeout 10 "$CFC" dump --split split-busy c291.cf && { grep -q "is not empty" err || bad "dump --split into a busy directory: $(cat err)"; }
[ "$(kind split-busy/part-0001.yaml)" = fifo ] || bad "dump --split replaced a FIFO part"
if [ $have_dev = 1 ]; then
	mknod split-dev c 1 3
	run 2 "$CFC" dump --split split-dev c291.cf
	[ "$(kind split-dev)" = "character special file" ] || bad "dump --split replaced a device"
fi
run 0 "$CFC" dump --split split-new c291.cf
[ "$(ls split-new)" = part-0001.yaml ] || bad "dump --split into a new directory: $(ls split-new)"

finish "output paths: all cases passed"
