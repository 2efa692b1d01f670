#!/usr/bin/python3
"""validate.py SCHEMA FILE...: check YAML files against a JSON Schema with
Debian's python3-jsonschema. Prints one line per file, "ok PATH" or
"invalid PATH: WHERE: WHY"; exits 0 whatever the verdicts, 2 on trouble."""
import json
import sys

import jsonschema
import yaml


def main():
    schema = json.load(open(sys.argv[1]))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in sys.argv[2:]:
        with open(path) as f:
            doc = yaml.safe_load(f)
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        if errors:
            e = errors[0]
            where = "/".join(str(p) for p in e.path) or "(top)"
            print(f"invalid {path}: {where}: {e.message[:160]}")
        else:
            print(f"ok {path}")


if __name__ == "__main__":
    try:
        main()
    except Exception as exc:  # a broken schema or an unreadable file
        print(f"validate.py: {exc}", file=sys.stderr)
        sys.exit(2)
