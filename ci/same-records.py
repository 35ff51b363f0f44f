#!/usr/bin/python3
"""Compares two `shapesim run --json` record files: the same runs in the same order with the
same outcomes, failures, events, probe counts and trace hashes (everything but wall time).

usage: ci/same-records.py NAME A.jsonl B.jsonl LABEL_A LABEL_B
Prints one line; exits 1 on the first differing record (shown on stderr), 0 when equal."""
import json
import sys


def load(path):
    out = []
    for line in open(path):
        record = json.loads(line)
        record.pop("wall_us")
        out.append(record)
    return out


name, path_a, path_b, label_a, label_b = sys.argv[1:6]
a, b = load(path_a), load(path_b)
if a != b:
    for x, y in zip(a, b):
        if x != y:
            print(f"{name}: first differing record:\n  {label_a}:", json.dumps(x)[:400], f"\n  {label_b}:", json.dumps(y)[:400],
                  file=sys.stderr)
            break
    else:
        print(f"{name}: {len(a)} {label_a} records, {len(b)} {label_b}", file=sys.stderr)
    sys.exit(1)
failed = sum(1 for r in a if not r["passed"])
print(f"{name}: {len(a)} runs {label_a} == {len(b)} {label_b} (same outcomes, probe counts, trace hashes); {failed} failures found by both")
