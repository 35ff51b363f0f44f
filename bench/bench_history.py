#!/usr/bin/python3
"""Benchmark history for shapesim (docs/campaigns.md): record Google Benchmark JSON runs in a
SQLite file keyed by commit, machine and date; compare a run with a baseline using Google
Benchmark's own comparison (gbench.report from Debian's libbenchmark-tools: per-benchmark
change and the Mann-Whitney U test); write an HTML report with a plot per benchmark over the
history.

  bench_history.py record  HISTORY --commit C --machine M --mode quick DIR   # DIR/*.json, ratios.json
  bench_history.py compare HISTORY --run ID [--baseline previous|COMMIT] [--threshold 0.10] [--alpha 0.05]
  bench_history.py report  HISTORY --run ID --out report.html [--compare compare.json]

Exit status of compare: 0 no regression, 1 a regression beyond noise (slower by more than the
threshold, and the U test says the difference is real at alpha), 2 usage errors.
"""
import argparse
import base64
import datetime
import glob
import io
import json
import os
import sqlite3
import statistics
import sys

sys.path.insert(0, "/usr/share/benchmark")  # Debian's libbenchmark-tools ships gbench here

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY, commit_id TEXT NOT NULL, machine TEXT NOT NULL,
  date TEXT NOT NULL, mode TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS suites (run_id INTEGER NOT NULL REFERENCES runs(id), suite TEXT NOT NULL,
  json TEXT NOT NULL, PRIMARY KEY (run_id, suite));
CREATE TABLE IF NOT EXISTS results (run_id INTEGER NOT NULL REFERENCES runs(id), suite TEXT NOT NULL,
  name TEXT NOT NULL, repetition INTEGER NOT NULL, real_time REAL NOT NULL, cpu_time REAL NOT NULL,
  time_unit TEXT NOT NULL, PRIMARY KEY (run_id, suite, name, repetition));
CREATE TABLE IF NOT EXISTS ratios (run_id INTEGER NOT NULL REFERENCES runs(id), name TEXT NOT NULL,
  ratio REAL NOT NULL, PRIMARY KEY (run_id, name));
"""


def open_history(path):
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    return db


def record(args):
    db = open_history(args.history)
    date = args.date or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    cur = db.execute("INSERT INTO runs (commit_id, machine, date, mode) VALUES (?, ?, ?, ?)",
                     (args.commit, args.machine, date, args.mode))
    run_id = cur.lastrowid
    suites = 0
    for path in sorted(glob.glob(os.path.join(args.dir, "bench_*.json"))):
        suite = os.path.basename(path)[: -len(".json")]
        if os.path.getsize(path) == 0:
            continue  # a --filter that matched nothing in this suite
        with open(path) as f:
            data = json.load(f)
        db.execute("INSERT INTO suites VALUES (?, ?, ?)", (run_id, suite, json.dumps(data)))
        reps = {}
        for b in data.get("benchmarks", []):
            if b.get("run_type") != "iteration" or "real_time" not in b:
                continue
            rep = reps.get(b["name"], 0)
            reps[b["name"]] = rep + 1
            db.execute("INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (run_id, suite, b["name"], rep, b["real_time"], b["cpu_time"], b.get("time_unit", "ns")))
        suites += 1
    ratios = os.path.join(args.dir, "ratios.json")
    if os.path.exists(ratios):
        with open(ratios) as f:
            for name, ratio in json.load(f).items():
                db.execute("INSERT INTO ratios VALUES (?, ?, ?)", (run_id, name, float(ratio)))
    db.commit()
    print(run_id)
    print(f"bench-history: run {run_id} recorded ({suites} suites, commit {args.commit}, machine {args.machine})",
          file=sys.stderr)


def baseline_run(db, run_id, baseline):
    machine, = db.execute("SELECT machine FROM runs WHERE id = ?", (run_id,)).fetchone()
    if baseline == "previous":
        row = db.execute("SELECT id FROM runs WHERE machine = ? AND id < ? ORDER BY id DESC LIMIT 1",
                         (machine, run_id)).fetchone()
    else:
        row = db.execute("SELECT id FROM runs WHERE machine = ? AND commit_id LIKE ? AND id <> ? ORDER BY id DESC LIMIT 1",
                         (machine, baseline + "%", run_id)).fetchone()
    return row[0] if row else None


def compare(args):
    from gbench import report  # Google Benchmark's comparison: change and Mann-Whitney U test
    db = open_history(args.history)
    base = baseline_run(db, args.run, args.baseline)
    out = {"run": args.run, "baseline": base, "threshold": args.threshold, "alpha": args.alpha,
           "benchmarks": [], "ratios": [], "regressions": []}
    if base is None:
        print(f"bench-history: no baseline ({args.baseline}) on this machine yet: nothing to compare")
    else:
        suites = dict(db.execute("SELECT suite, json FROM suites WHERE run_id = ?", (args.run,)).fetchall())
        for suite, old_json in db.execute("SELECT suite, json FROM suites WHERE run_id = ?", (base,)).fetchall():
            if suite not in suites:
                continue
            diff = report.get_difference_report(json.loads(old_json), json.loads(suites[suite]), utest=True)
            for d in diff:
                if d["run_type"] == "aggregate" or not d["measurements"]:
                    continue
                old = statistics.median(m["real_time"] for m in d["measurements"])
                new = statistics.median(m["real_time_other"] for m in d["measurements"])
                change = (new - old) / old if old else 0.0
                p = d["utest"].get("time_pvalue") if d["utest"] else None
                entry = {"suite": suite, "name": d["name"], "old": old, "new": new, "unit": d["time_unit"],
                         "change": change, "pvalue": p}
                out["benchmarks"].append(entry)
                if change > args.threshold and p is not None and p < args.alpha:
                    out["regressions"].append(entry)
        old_ratios = dict(db.execute("SELECT name, ratio FROM ratios WHERE run_id = ?", (base,)).fetchall())
        for name, ratio in db.execute("SELECT name, ratio FROM ratios WHERE run_id = ?", (args.run,)).fetchall():
            if name in old_ratios and old_ratios[name] > 0:
                change = (ratio - old_ratios[name]) / old_ratios[name]
                entry = {"name": name, "old": old_ratios[name], "new": ratio, "change": change}
                out["ratios"].append(entry)
                # A ratio has no repetitions to test: flagged when it falls beyond the ratio threshold.
                if change < -args.ratio_threshold:
                    out["regressions"].append({"suite": "peer ratio", **entry, "pvalue": None})
        print(f"bench-history: run {args.run} against run {base}: {len(out['benchmarks'])} benchmarks, "
              f"{len(out['ratios'])} ratios, {len(out['regressions'])} regression(s) beyond noise "
              f"(slower by > {args.threshold:.0%} with U-test p < {args.alpha})")
        for r in out["regressions"]:
            p = "" if r["pvalue"] is None else f", p = {r['pvalue']:.4f}"
            print(f"  REGRESSION {r['suite']} {r['name']}: {r['old']:.4g} -> {r['new']:.4g} ({r['change']:+.1%}{p})")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)
    sys.exit(1 if out["regressions"] else 0)


def report_html(args):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    db = open_history(args.history)
    runs = db.execute("SELECT id, commit_id, machine, date, mode FROM runs ORDER BY id").fetchall()
    machine = db.execute("SELECT machine FROM runs WHERE id = ?", (args.run,)).fetchone()[0]
    runs = [r for r in runs if r[2] == machine]
    label = {r[0]: f"{r[1][:8]}\n{r[3][:10]}" for r in runs}
    comparison = {}
    if args.compare and os.path.exists(args.compare):
        with open(args.compare) as f:
            comparison = json.load(f)
    flagged = {(r.get("suite"), r["name"]) for r in comparison.get("regressions", [])}

    def plot(title, xs, ys, unit, bad):
        fig, ax = plt.subplots(figsize=(6, 2.2), dpi=80)
        ax.plot(range(len(xs)), ys, marker="o", color="#c0392b" if bad else "#2c3e50")
        ax.set_xticks(range(len(xs)))
        ax.set_xticklabels([label[x] for x in xs], fontsize=6)
        ax.set_ylabel(unit, fontsize=7)
        ax.set_title(title, fontsize=8)
        ax.tick_params(axis="y", labelsize=7)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
        return base64.b64encode(buf.getvalue()).decode()

    parts = [f"<html><head><meta charset='utf-8'><title>shapesim benchmarks</title></head><body style='font-family:sans-serif'>",
             f"<h1>shapesim benchmarks on {machine}</h1>",
             f"<p>{len(runs)} runs in the history; this report: run {args.run}"
             + (f", compared with run {comparison.get('baseline')}" if comparison.get("baseline") else "") + ".</p>"]
    if comparison.get("regressions"):
        parts.append("<h2 style='color:#c0392b'>Regressions beyond noise</h2><ul>")
        for r in comparison["regressions"]:
            p = "" if r["pvalue"] is None else f", U-test p = {r['pvalue']:.4f}"
            parts.append(f"<li>{r['suite']} {r['name']}: {r['old']:.4g} &rarr; {r['new']:.4g} ({r['change']:+.1%}{p})</li>")
        parts.append("</ul>")
    if comparison.get("benchmarks"):
        parts.append("<h2>Against the baseline</h2><table border=1 cellspacing=0 cellpadding=3 style='font-size:12px'>"
                     "<tr><th>suite</th><th>benchmark</th><th>baseline</th><th>this run</th><th>change</th><th>U-test p</th></tr>")
        for b in comparison["benchmarks"]:
            p = "" if b["pvalue"] is None else f"{b['pvalue']:.4f}"
            parts.append(f"<tr><td>{b['suite']}</td><td>{b['name']}</td><td>{b['old']:.4g} {b['unit']}</td>"
                         f"<td>{b['new']:.4g} {b['unit']}</td><td>{b['change']:+.1%}</td><td>{p}</td></tr>")
        parts.append("</table>")
    ids = [r[0] for r in runs]
    names = db.execute("SELECT DISTINCT name FROM ratios ORDER BY name").fetchall()
    if names:
        parts.append("<h2>Ratios against peers (higher is better)</h2>")
        for (name,) in names:
            rows = dict(db.execute("SELECT run_id, ratio FROM ratios WHERE name = ?", (name,)).fetchall())
            xs = [i for i in ids if i in rows]
            parts.append(f"<img src='data:image/png;base64,{plot(name, xs, [rows[i] for i in xs], 'x', ('peer ratio', name) in flagged)}'>")
    parts.append("<h2>Benchmarks over history (median real time per run)</h2>")
    for suite, name, unit in db.execute("SELECT DISTINCT suite, name, time_unit FROM results ORDER BY suite, name").fetchall():
        rows = {}
        for run_id, t in db.execute("SELECT run_id, real_time FROM results WHERE suite = ? AND name = ?", (suite, name)):
            rows.setdefault(run_id, []).append(t)
        xs = [i for i in ids if i in rows]
        if not xs:
            continue
        ys = [statistics.median(rows[i]) for i in xs]
        parts.append(f"<img src='data:image/png;base64,{plot(suite + ' ' + name, xs, ys, unit, (suite, name) in flagged)}'>")
    parts.append("</body></html>")
    with open(args.out, "w") as f:
        f.write("\n".join(parts))
    print(f"bench-history: report written to {args.out}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record")
    r.add_argument("history")
    r.add_argument("dir")
    r.add_argument("--commit", required=True)
    r.add_argument("--machine", required=True)
    r.add_argument("--mode", default="full")
    r.add_argument("--date")
    r.set_defaults(fn=record)
    c = sub.add_parser("compare")
    c.add_argument("history")
    c.add_argument("--run", type=int, required=True)
    c.add_argument("--baseline", default="previous")
    c.add_argument("--threshold", type=float, default=0.10)
    c.add_argument("--ratio-threshold", type=float, default=0.20)
    c.add_argument("--alpha", type=float, default=0.05)
    c.add_argument("--json")
    c.set_defaults(fn=compare)
    h = sub.add_parser("report")
    h.add_argument("history")
    h.add_argument("--run", type=int, required=True)
    h.add_argument("--out", required=True)
    h.add_argument("--compare")
    h.set_defaults(fn=report_html)
    args = p.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
