#!/usr/bin/env python3
"""One batch of events applied to a large table, side by side (issue 8): openhouse merging it
into its Delta table and into its single Parquet file, openhouse re-running the full job over
every event, and the deltalake package merging it into the same Delta table (delta_merge.py).

Normally started by `benches/peers/run incremental ...`, which builds the binaries and installs
the peers (deltalake among them) into .venv-peers first.

Setup, not timed: `generate` makes TABLE + BATCH events (NDJSON, the project's generator); the
first TABLE events are the history, the last BATCH the batch. Because the generator orders
events mostly by modification time, the batch is what a provider sends next: mostly new open
houses in the coming weeks, some updates of earlier ones, a few versions older than the
table's. The history becomes a single Parquet file (`process`) and a Delta table
(`process --layout delta`). Every timed run starts from a fresh copy of the Delta table (the
copy is not timed). The contenders take turns, in an order that rotates each run; each run is a
fresh process (measure.py). After the runs, the tables' row counts are compared: every merge
must give the full job's rows.
"""
import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import compare
from measure import measure
from report import megabytes, ratio

HERE = Path(__file__).resolve().parent


@dataclass
class Contender:
    """One command timed on the same batch."""
    key: str
    name: str
    argv: list
    # Copies the base table into place before each run (untimed), or nothing.
    prepare: object = None
    runs: list = field(default_factory=list)

    @property
    def failure(self):
        return next((run.outcome for run in self.runs if not run.ok), None)


def arguments(argv):
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--table-events", type=compare.count, default=env("TABLE_EVENTS", "13M"),
                        help="events of the history (default 13M: a table of about 10M rows)")
    parser.add_argument("--batch-events", type=compare.count, default=env("BATCH_EVENTS", "10k"),
                        help="events of the batch (default 10k)")
    parser.add_argument("--runs", type=int, default=int(env("RUNS", "3")))
    parser.add_argument("--threads", type=int, default=int(env("THREADS", "0")),
                        help="openhouse's --threads; 0 is one per core")
    parser.add_argument("--invalid", type=float, default=0.005)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--rss-cap-gb", type=float,
                        default=round(0.75 * compare.memory_total() / 1e9, 1))
    parser.add_argument("--bin", type=Path,
                        default=Path(env("CARGO_TARGET_DIR", compare.ROOT / "target")) / "release" / "examples")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    args.bin = args.bin.resolve()
    return args


def run_quietly(argv):
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)


def split(feed, history, batch, table_events):
    """The first `table_events` lines of the feed, and the rest."""
    with open(feed, "rb") as lines, open(history, "wb") as first, open(batch, "wb") as rest:
        for index, line in enumerate(lines):
            (first if index < table_events else rest).write(line)


def copy_table(source, target):
    def prepare():
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(source, target)
    return prepare


def contenders(args, folder):
    process = str(args.bin / "process")
    threads = ["--threads", str(args.threads)]
    rejects = ["--rejects", str(folder / "rejects.ndjson"), "-q"]
    base_delta, batch = folder / "base-delta", folder / "batch.ndjson"
    return [
        Contender("openhouse-delta", "openhouse merge, Delta table",
                  [process, str(batch), "--layout", "delta", "-o", str(folder / "run-delta"),
                   *threads, *rejects],
                  copy_table(base_delta, folder / "run-delta")),
        Contender("openhouse-file", "openhouse merge, single Parquet file",
                  [process, str(batch), "--base", str(folder / "base.parquet"),
                   "-o", str(folder / "merged.parquet"), *threads, *rejects]),
        Contender("openhouse-full", "openhouse full job over every event",
                  [process, str(folder / "all.ndjson"), "-o", str(folder / "full.parquet"),
                   *threads, *rejects]),
        Contender("deltalake", "deltalake (Python) merge, Delta table",
                  [sys.executable, str(HERE / "delta_merge.py"), str(folder / "run-deltalake"),
                   str(batch)],
                  copy_table(base_delta, folder / "run-deltalake")),
    ]


def take_turns(entrants, args, folder):
    cap = int(args.rss_cap_gb * 1e9)
    for index in range(args.runs):
        for offset in range(len(entrants)):
            entrant = entrants[(index + offset) % len(entrants)]
            if entrant.failure:
                continue
            if entrant.prepare:
                entrant.prepare()
            run = measure(entrant.argv, folder, folder / f"{entrant.key}.log", args.timeout, cap)
            entrant.runs.append(run)
            print(f"  run {index + 1}/{args.runs} {entrant.name}: {run.seconds:.2f} s, "
                  f"{run.peak_rss_bytes / 1e6:.0f} MB, {run.outcome}", file=sys.stderr)
            if not run.ok:
                tail = (folder / f"{entrant.key}.log").read_text(errors="replace")[-2000:]
                print(f"    {shlex.join(entrant.argv)}\n    {tail}", file=sys.stderr)


def table_rows(folder, entrants):
    """Rows of each table the contenders left (the merges' and the full job's), for those that
    succeeded."""
    import pyarrow.parquet as pq
    from deltalake import DeltaTable
    count = {
        "openhouse-delta": lambda: DeltaTable(str(folder / "run-delta")).to_pyarrow_dataset().count_rows(),
        "deltalake": lambda: DeltaTable(str(folder / "run-deltalake")).to_pyarrow_dataset().count_rows(),
        "openhouse-file": lambda: pq.ParquetFile(folder / "merged.parquet").metadata.num_rows,
        "openhouse-full": lambda: pq.ParquetFile(folder / "full.parquet").metadata.num_rows,
    }
    return {entrant.key: count[entrant.key]() for entrant in entrants if not entrant.failure}


def medians(entrant):
    if entrant.failure:
        return {"failure": entrant.failure}
    return {"failure": None,
            "median_s": statistics.median(run.seconds for run in entrant.runs),
            "peak_rss_median_bytes": statistics.median(run.peak_rss_bytes for run in entrant.runs)}


def markdown(results):
    """The comparison as Markdown: ratios to openhouse's Delta merge, and the row check."""
    base = results["contenders"]["openhouse-delta"]
    lines = [f"Batch of {results['batch_events']:,} events into a table of "
             f"{results['table_rows']:,} rows ({results['table_events']:,} events); "
             f"{results['runs']} runs each, medians; commit {results['machine']['git_rev']}, "
             f"{results['machine']['nproc']} cores, {results['machine']['cpu']}.",
             "",
             "| contender | time | time ratio | peak RSS | RSS ratio | rows after |",
             "| --- | --- | --- | --- | --- | --- |"]
    for key, entry in results["contenders"].items():
        if entry["failure"]:
            lines.append(f"| {entry['name']} | {entry['failure']} | | | | |")
            continue
        lines.append(
            f"| {entry['name']} | {entry['median_s']:.2f} s "
            f"| {ratio(entry['median_s'], base.get('median_s'))} "
            f"| {megabytes(entry['peak_rss_median_bytes'])} "
            f"| {ratio(entry['peak_rss_median_bytes'], base.get('peak_rss_median_bytes'))} "
            f"| {results['rows_after'].get(key, '-'):,} |")
    agree = len(set(results["rows_after"].values())) <= 1
    lines += ["", "Every table has the same rows after the batch." if agree
              else "THE TABLES DISAGREE ON THE ROW COUNT AFTER THE BATCH.",
              "", f"Command: `{results['invocation']}`"]
    return "\n".join(lines)


def main(argv):
    args = arguments(argv)
    for binary in ("process", "generate"):
        if not (args.bin / binary).exists():
            sys.exit(f"{args.bin / binary} is missing (benches/peers/run builds it)")
    work = Path(tempfile.mkdtemp(prefix="openhouse-incremental-", dir=args.work))
    try:
        folder = work
        feed = folder / "all.ndjson"
        print(f"generating {args.table_events:,} + {args.batch_events:,} events", file=sys.stderr)
        run_quietly([str(args.bin / "generate"), "--events", str(args.table_events + args.batch_events),
                     "--seed", str(args.seed), "--format", "ndjson", "--invalid", str(args.invalid),
                     "--output", str(feed)])
        split(feed, folder / "history.ndjson", folder / "batch.ndjson", args.table_events)
        print("building the base tables", file=sys.stderr)
        base = [str(args.bin / "process"), str(folder / "history.ndjson"), "--rejects",
                str(folder / "rejects.ndjson"), "-q", "--summary", "json"]
        report = json.loads(subprocess.run(base + ["-o", str(folder / "base.parquet")], check=True,
                                           capture_output=True, text=True).stdout)
        run_quietly(base + ["--layout", "delta", "-o", str(folder / "base-delta")])
        compare.warm(feed)
        entrants = contenders(args, folder)
        take_turns(entrants, args, folder)
        results = {
            "invocation": shlex.join(["benches/peers/run", "incremental", *argv]),
            "machine": compare.machine(),
            "table_events": args.table_events,
            "batch_events": args.batch_events,
            "table_rows": report["open_houses"],
            "runs": args.runs,
            "contenders": {entrant.key: {"name": entrant.name, "argv": entrant.argv,
                                         "runs": [vars(run) for run in entrant.runs],
                                         **medians(entrant)}
                           for entrant in entrants},
            "rows_after": table_rows(folder, entrants),
        }
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(markdown(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
