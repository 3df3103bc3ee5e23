"""Summarize scripts/bench.sh results as Markdown: medians, spreads, ratios.

Usage: summarize.py runs.jsonl coldstart.jsonl many-build.json
"""

import json
import statistics
import sys
from collections import defaultdict


def load(path):
    with open(path) as f:
        # Older runs wrote `"cpu_s": .45` (bc); accept it.
        return [json.loads(line.replace('": .', '": 0.')) for line in f if line.strip()]


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def spread(xs):
    return f"{min(xs):.3g}–{max(xs):.3g}" if xs else "–"


runs = load(sys.argv[1])
cold = load(sys.argv[2])
skipped = [r for r in runs if "skipped" in r]
runs = [r for r in runs if "skipped" not in r]

by = defaultdict(list)
for r in runs:
    secs = r["duration_us"] / 1e6
    r["rps"] = r["requests"] / secs if secs else 0
    r["cpu_us"] = r["cpu_s"] * 1e6 / r["requests"] if r["requests"] else float("nan")
    by[(r["case"], r["conc"], r["server"])].append(r)

cases = []
for (case, conc, _server) in by:
    if (case, conc) not in cases:
        cases.append((case, conc))

print("### Absolute numbers (this machine)\n")
print("| case | c | server | req/s median (min–max) | server CPU µs/req median (min–max) | p50 µs | p99 µs | errors |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for case, conc in cases:
    for (c2, k2, server), rs in by.items():
        if (c2, k2) != (case, conc):
            continue
        rps = [r["rps"] for r in rs]
        cpu = [r["cpu_us"] for r in rs if r["cpu_s"] > 0]
        errors = sum(r["status_errors"] + r["socket_errors"] for r in rs)
        cpu_text = f"{med(cpu):.1f} ({spread(cpu)})" if cpu else "–"
        print(
            f"| {case} | {conc} | {server} | {med(rps):.0f} ({spread(rps)}) | {cpu_text} | "
            f"{med([r['p50_us'] for r in rs]):.0f} | {med([r['p99_us'] for r in rs]):.0f} | {errors} |"
        )
for r in skipped:
    print(f"| {r['case']} | {r['conc']} | {r['server']} | skipped: {r['skipped']} | | | | |")


def ratio_rows(base):
    rows = []
    for case, conc in cases:
        fw = {r["rep"]: r for r in by.get((case, conc, "framework"), [])}
        other = {r["rep"]: r for r in by.get((case, conc, base), [])}
        reps = sorted(set(fw) & set(other))
        if not reps:
            continue
        rps = [fw[k]["rps"] / other[k]["rps"] for k in reps if other[k]["rps"]]
        cpu = [
            fw[k]["cpu_us"] / other[k]["cpu_us"]
            for k in reps
            if fw[k]["cpu_s"] > 0 and other[k]["cpu_s"] > 0
        ]
        rows.append((case, conc, rps, cpu, len(reps)))
    return rows


for base, title in (("floor", "framework / floor"), ("rmcp", "framework / rmcp"), ("fastmcp", "framework / FastMCP")):
    rows = ratio_rows(base)
    if not rows:
        continue
    print(f"\n### Ratios: {title} (per repetition, then median; min–max)\n")
    print("| case | c | req/s ratio (higher is better) | CPU/request ratio (lower is better) | reps |")
    print("| --- | --- | --- | --- | --- |")
    for case, conc, rps, cpu, n in rows:
        cpu_text = f"{med(cpu):.3f} ({spread(cpu)})" if cpu else "–"
        print(f"| {case} | {conc} | {med(rps):.3f} ({spread(rps)}) | {cpu_text} | {n} |")

if cold:
    print("\n### Cold start (exec to first correct MCP tools/call answer) and idle RSS (this machine)\n")
    print("| server | start ms median (min–max) | idle RSS MB median |")
    print("| --- | --- | --- |")
    groups = defaultdict(list)
    for r in cold:
        groups[r["server"]].append(r)
    for server, rs in groups.items():
        ms = [r["start_ms"] for r in rs if r["start_ms"] >= 0]
        rss = [r["rss_kb"] / 1024 for r in rs if r["rss_kb"] >= 0]
        if not ms:
            print(f"| {server} | failed | |")
            continue
        print(f"| {server} | {med(ms):.1f} ({spread(ms)}) | {med(rss):.1f} |")

if len(sys.argv) > 3:
    try:
        with open(sys.argv[3]) as f:
            build = json.load(f)
        print(
            f"\nRegistry build, 1,000 functions (`many-server time-build`, 21 builds): median "
            f"{build['build_us_median'] / 1000:.2f} ms (min {build['build_us_min'] / 1000:.2f}, max {build['build_us_max'] / 1000:.2f})"
            + (
                f"; with every schema built as well: median {build['with_schemas_us_median'] / 1000:.2f} ms."
                if "with_schemas_us_median" in build
                else "."
            )
        )
    except (OSError, ValueError, KeyError):
        pass
