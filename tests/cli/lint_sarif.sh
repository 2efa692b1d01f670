# The SARIF log has what SARIF 2.1.0 requires and code scanning reads:
# version, $schema, runs[].tool.driver (name, rules with id, shortDescription,
# help, defaultConfiguration.level), results with ruleId, ruleIndex, level,
# message.text and locations (YAML source line/column, or a byte offset);
# run.columnKind says columns count Unicode code points, and they do.
set -eu
. "$SRC/tests/lib.sh"
. "$SRC/tests/lib/lint.sh"
fixtures
# A criterion after an astral character and an accented one on its line:
# code points, UTF-16 code units and bytes give three different columns.
printf '%s\n' 'channel: 901' 'template: process-creation' 'version: 1' 'instances:' \
	'  - id: 1' $'    match: {user: {equals: \'\xf0\x9f\x98\x80\xc3\xa9\'}, image: {regex: \'(a+)+$\'}}' \
	>"$TMP/columns.yaml"
build columns.cf -t samples/templates "$TMP/columns.yaml"
for f in c291-bad c291-stripped warnings columns; do
	"$CFC" lint --format sarif -t samples/templates "$TMP/$f.cf" >"$TMP/$f.sarif" || true
done
# A file that cannot be read: the invocation did not succeed, and says why.
rc=0
"$CFC" lint --format sarif -t samples/templates "$TMP/c291-bad.cf" "$TMP/no-such.cf" \
	>"$TMP/unread.sarif" 2>/dev/null || rc=$?
[ $rc = 2 ] || fail "lint of a missing file: exit $rc, not 2"
python3 - "$TMP" <<'PY'
import json, sys
tmp = sys.argv[1]

def check(name, want_region):
    log = json.load(open(f"{tmp}/{name}.sarif"))
    assert log["version"] == "2.1.0", "version"
    assert log["$schema"].startswith("https://") and "sarif" in log["$schema"], "$schema"
    assert isinstance(log["runs"], list) and len(log["runs"]) == 1, "runs"
    run = log["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints", "columnKind"
    driver = run["tool"]["driver"]
    assert driver["name"] and driver["version"], "driver name/version"
    assert driver["informationUri"].startswith("https://"), "informationUri"
    rules = driver["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids)), "rule ids unique"
    for need in ("field-count", "template-fingerprint", "regex-invalid", "all-wildcard",
                 "shadowed-instance", "regex-backtracking"):
        assert need in ids, need
    for r in rules:
        assert r["shortDescription"]["text"] and r["fullDescription"]["text"], r["id"]
        assert r["help"]["text"], r["id"]
        assert r["defaultConfiguration"]["level"] in ("error", "warning", "note"), r["id"]
    assert run["results"], "results"
    for res in run["results"]:
        assert res["ruleId"] in ids, res["ruleId"]
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"], "ruleIndex"
        assert res["level"] in ("error", "warning", "note"), "level"
        assert res["message"]["text"], "message.text"
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"], "uri"
        region = loc["region"]
        if want_region == "line":
            assert region["startLine"] >= 1 and region["startColumn"] >= 1, region
            assert loc["artifactLocation"]["uri"].endswith(".yaml"), loc
        else:
            assert region["byteOffset"] >= 0, region
            assert loc["artifactLocation"]["uri"].startswith("file:///"), loc
    return run

run = check("c291-bad", "line")
# SARIF 2.1.0 section 3.20.14: executionSuccessful is required in an
# invocation; true here, with nothing to notify.
inv = run["invocations"]
assert len(inv) == 1 and inv[0]["executionSuccessful"] is True, inv
assert inv[0]["toolExecutionNotifications"] == [], inv
run = check("unread", "line")
inv = run["invocations"]
assert len(inv) == 1 and inv[0]["executionSuccessful"] is False, inv
notes = inv[0]["toolExecutionNotifications"]
assert len(notes) == 1 and notes[0]["level"] == "error", notes
assert "cannot open" in notes[0]["message"]["text"], notes
assert notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(
    "no-such.cf"), notes
# The file that was read still has its findings.
assert any(r["ruleId"] == "field-count" for r in run["results"])
run = check("c291-bad", "line")
r = run["results"][0]
assert r["ruleId"] == "field-count" and r["level"] == "error"
assert r["properties"]["sensor"] == "7.11.0" and r["properties"]["field"] == 21
assert r["properties"]["field_name"] == "pipe_sddl" and r["properties"]["instance"] == 1007
check("c291-stripped", "offset")
run = check("warnings", "line")
assert {x["level"] for x in run["results"]} == {"warning"}
# The regex criterion's column in code points (1-based), as columnKind says.
run = check("columns", "line")
line = open(f"{tmp}/columns.yaml", encoding="utf-8").read().splitlines()[5]
want = line.index("{regex") + 1
assert want != line.encode("utf-8").index(b"{regex") + 1
assert want != len(line[:want - 1].encode("utf-16-le")) // 2 + 1
cols = {x["locations"][0]["physicalLocation"]["region"]["startColumn"]
        for x in run["results"] if x["ruleId"] == "regex-backtracking"}
assert cols == {want}, (cols, want)
PY
# Validate against the SARIF 2.1.0 JSON schema when a copy is installed locally.
for schema in /usr/share/sarif/sarif-schema-2.1.0.json; do
	[ -f "$schema" ] || continue
	for f in c291-bad unread; do
		python3 -c 'import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' "$TMP/$f.sarif" "$schema"
	done
done
finish
