#!/usr/bin/python3
"""Validates scenario files against scenarios/scenario.schema.json (docs/scenarios.md).

usage: ci/check-scenario-schema.py SCHEMA FILE_OR_DIR...
Every *.json under a directory is checked. Exits 1 listing each file that does not validate,
with the path inside the file and the reason.
"""
import json
import pathlib
import sys

try:
    import jsonschema
except ImportError:
    sys.exit("check-scenario-schema: python3-jsonschema is missing (bash ci/install-deps.sh installs it)")


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    schema = json.loads(pathlib.Path(argv[1]).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    files = []
    for arg in argv[2:]:
        p = pathlib.Path(arg)
        files += sorted(p.glob("*.json")) if p.is_dir() else [p]
    bad = 0
    for f in files:
        try:
            doc = json.loads(f.read_text())
        except ValueError as e:
            print(f"{f}: not JSON: {e}")
            bad += 1
            continue
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        for e in errors[:5]:
            where = "/".join(str(x) for x in e.absolute_path) or "(top)"
            print(f"{f}: {where}: {e.message[:300]}")
        bad += bool(errors)
    print(f"check-scenario-schema: {len(files) - bad} of {len(files)} files valid")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
