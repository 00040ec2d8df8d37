"""Markdown tables of the last `make bench-production` results (var/bench/production.jsonl).

Usage: `.venv/bin/python bench/production_report.py [results.jsonl]` — prints the tables pasted
into docs/benchmarks.md (the last result of each section and database wins).
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _per_database(last, section, title, header, line):
    """A table with one row per database that has a result for `section`."""
    rows = [r for r in (last.get((section, db)) for db in ("sqlite", "postgres")) if r]
    if not rows:
        return []
    return [title, "", header, "|" + "---|" * (header.count("|") - 1)] + [line(r) for r in rows] + [""]


def main(path):
    last, loads = {}, {}
    for line in Path(path).read_text().splitlines():
        row = json.loads(line)
        last[(row["section"], row["db"])] = row
        if row["section"] == "load":
            loads[row["teachers"]] = row  # the last run of each size
    out = []
    m = last.get(("machine", "-"))
    if m:
        out += ["### Machine", "", "| | |", "|---|---|",
                f"| CPU | {m['cpu']}, `nproc` = {m['nproc']} |", f"| RAM | {m['ram_gib']} GiB |",
                f"| kernel | {m['kernel']} |", f"| Python / Django | {m['python']} / {m['django']} |",
                f"| SQLite | {m['sqlite']} |", f"| PostgreSQL | {m['postgres'].split(' / ')[-1]} |",
                f"| Redis | {m['redis'].split(' sha')[0]} |",
                f"| load average at start (1/5/15 min) | {' / '.join(f'{x:.1f}' for x in m['loadavg'])} |", ""]
    out += _per_database(last, "api", "### 1. API ticket list vs bare JsonResponse",
                         "| database | tickets | API req/s | bare req/s | ratio API/bare (median of rounds) | API ms / queries | bare ms / queries |",
                         lambda r: f"| {r['db']} | {r['tickets']:,} ({r['visible_to_vendor']:,} visible to the vendor) | {r['api_rps']} | "
                                   f"{r['bare_rps']} | **{r['ratio']:.0%}** | {r['api_ms']} / {r['api_queries']} | {r['bare_ms']} / {r['bare_queries']} |")
    out += _per_database(last, "create", "### 2. Ticket creation through the API",
                         "| database | tickets/s (median of rounds; min–max) | queries per request (statements incl. savepoints) | per ticket: events / clocks / outbox rows |",
                         lambda r: f"| {r['db']} | **{r['tickets_per_s']}** ({r['min_rate']}–{r['max_rate']}) | {r['queries_per_request']} "
                                   f"({r['statements_per_request']}) | {r['events']} / {r['clocks']} / {r['outbox']} |")
    rows = [last.get(("board", db)) for db in ("sqlite", "postgres")]
    if any(rows):
        present = [r for r in rows if r]
        out += ["### 3. Triage board and manager dashboard, 1,000,000 tickets (100,000 open)", "",
                "| page | " + " | ".join(f"{r['db']}: ms / queries" for r in present) + " |",
                "|---|" + "---|" * len(present)]
        for i, page in enumerate(present[0]["rows"]):
            out.append(f"| {page['page']} | " + " | ".join(f"**{r['rows'][i]['ms']}** / {r['rows'][i]['queries']}" for r in present) + " |")
        out.append("")
        out.append("Open tickets on the ERUN desk: " + ", ".join(f"{r['db']} {r['open_at_desk']:,}" for r in present)
                   + "; generation time: " + ", ".join(f"{r['db']} {r['fill_seconds']} s" for r in present) + ".")
        out.append("")
    r = last.get(("fanout", "postgres"))
    if r:
        out += ["### 4. Websocket fan-out (Redis channel layer, two daphne processes)", "",
                "| clients | transitions | delivered / expected | p50 | p95 | p99 | max | every client reached (median) |",
                "|---|---|---|---|---|---|---|---|",
                f"| {r['clients']} | {r['transitions']} | {r['delivered']} / {r['expected']} | {r['p50_ms']} ms | {r['p95_ms']} ms | "
                f"{r['p99_ms']} ms | {r['max_ms']} ms | {r['all_clients_median_ms']} ms |", ""]
    r = last.get(("calendar", "-"))
    if r:
        out += ["### 5. Calendar", "", "```"] + r["output"] + ["```", ""]
    if loads:
        out += ["### Load test: Monday-morning peak", "",
                "| teachers / agents / vendors | duration | requests | req/s | median | p95 | errors |", "|---|---|---|---|---|---|---|"]
        for n in sorted(loads):
            r = loads[n]
            out.append(f"| {r['teachers']:,} / {r['agents']} / {r['vendors']} | {r['duration_s']} s | {r['requests']:,} | {r['rps']} | "
                       f"{r['median_ms']} ms | {r['p95_ms']} ms | **{r['errors']}** |")
        r = loads[max(loads)]
        out += ["", f"Per request, {r['teachers']:,} teachers ({r['threads']} client threads):", "",
                "| request | count | errors | median | p95 |", "|---|---|---|---|---|"]
        for row in r["rows"]:
            out.append(f"| {row['request']} | {row['count']} | {row['errors']} | {row['median_ms']} ms | {row['p95_ms']} ms |")
        if r["error_samples"]:
            out += ["", "Error samples:", ""] + [f"- `{s}`" for s in r["error_samples"]]
        out.append("")
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ROOT / "var" / "bench" / "production.jsonl")
