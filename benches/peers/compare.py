#!/usr/bin/env python3
"""openhouse `process` side by side with the one query a user would type in DuckDB, ClickHouse
(chDB), Polars and DataFusion, on feeds made by the project's generator (see README.md).

Normally started by benches/peers/run, which builds the binaries and installs the peers into
.venv-peers first. Every run is a fresh process; the engines take turns in an order that
rotates run by run; the figures are medians, and the claims are the ratios.
"""
import argparse
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import queries
import report
from measure import measure

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
# The feed layouts and their file names' endings (DataFusion finds NDJSON by its extension).
FORMATS = {"ndjson": ".ndjson", "array": ".json"}
# Bytes a generated event takes in each layout, with room to spare: for the disk-space check.
BYTES_PER_EVENT = {"ndjson": 340, "array": 400}
PEER_NAMES = {"duckdb": "DuckDB", "chdb": "ClickHouse (chDB)", "polars": "Polars",
              "datafusion": "DataFusion"}
PEER_PACKAGES = ["duckdb", "chdb", "chdb-core", "polars", "datafusion", "pyarrow"]


@dataclass
class Contender:
    """One command the harness times on a feed."""
    key: str
    name: str
    argv: list
    output: Path
    threads: int = 0
    runs: list = field(default_factory=list)

    @property
    def failure(self):
        return next((run.outcome for run in self.runs if not run.ok), None)


def count(text):
    """`1M`, `10m`, `100k`, `20000` or `1_000_000` events."""
    match = re.fullmatch(r"([0-9_]+)\s*([kKmM]?)", text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"not a number of events: {text!r}")
    return int(match[1].replace("_", "")) * {"": 1, "k": 1_000, "m": 1_000_000}[match[2].lower()]


def listed(choices):
    def parse(text):
        items = [item.strip() for item in text.split(",") if item.strip()]
        unknown = [item for item in items if item not in choices]
        if unknown or not items:
            raise argparse.ArgumentTypeError(f"choose from {', '.join(choices)}: {text!r}")
        return items
    return parse


def arguments(argv):
    env = os.environ.get
    nproc = len(os.sched_getaffinity(0))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=lambda text: [count(part) for part in text.split(",")],
                        default=env("EVENTS", "1M,10M"),
                        help="feed sizes, comma-separated (env EVENTS; default 1M,10M)")
    parser.add_argument("--formats", type=listed(list(FORMATS)), default=env("FORMATS", "ndjson,array"),
                        help="ndjson, array or both (env FORMATS; default both)")
    parser.add_argument("--runs", type=int, default=int(env("RUNS", "3")),
                        help="timed runs of each engine on each feed (env RUNS; default 3)")
    parser.add_argument("--threads", type=int, default=int(env("THREADS", "0")),
                        help="openhouse's --threads; 0 is one per core (env THREADS; default 0)")
    parser.add_argument("--engines", type=listed(list(queries.ENGINES)), default=",".join(queries.ENGINES),
                        help="peers to run (default all)")
    parser.add_argument("--no-scaling", action="store_true",
                        help="skip openhouse's 1-thread and 2-thread runs")
    parser.add_argument("--invalid", type=float, default=0.005,
                        help="share of invalid records in the feeds (default 0.005)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=1200, help="seconds a run may take (default 1200)")
    parser.add_argument("--rss-cap-gb", type=float, default=round(0.75 * memory_total() / 1e9, 1),
                        help="kill a run whose resident memory passes this (default 75%% of RAM)")
    parser.add_argument("--bin", type=Path,
                        default=Path(env("CARGO_TARGET_DIR", ROOT / "target")) / "release-lto" / "examples",
                        help="folder of the `process` and `generate` examples (default: the release-lto build)")
    parser.add_argument("--work", type=Path, default=None,
                        help="folder for the feeds and outputs (default: a new temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the feeds and outputs")
    parser.add_argument("--json", type=Path, help="also write the results here as JSON")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if not 0 <= args.invalid <= 1:
        parser.error("--invalid must be a share from 0 to 1")
    args.bin = args.bin.resolve()
    args.openhouse_threads = args.threads or nproc
    return args


def invocation(args):
    """The command that repeats this comparison, with every setting spelled out."""
    return shlex.join([
        "benches/peers/run", "--events", ",".join(map(str, args.events)), "--formats", ",".join(args.formats),
        "--runs", str(args.runs), "--threads", str(args.threads), "--engines", ",".join(args.engines),
        "--invalid", str(args.invalid), "--seed", str(args.seed), "--timeout", str(args.timeout),
        *(["--no-scaling"] if args.no_scaling else [])])


def memory_total():
    with open("/proc/meminfo") as info:
        return next(int(line.split()[1]) * 1024 for line in info if line.startswith("MemTotal:"))


def installed(package):
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine():
    def output(*argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True, cwd=ROOT).stdout.strip()
        except OSError:
            return ""
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor())
    revision = output("git", "rev-parse", "--short", "HEAD")
    if output("git", "status", "--porcelain", "--untracked-files=no"):
        revision += " (with uncommitted changes)"
    return {
        "git_rev": revision,
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "memory_gb": round(memory_total() / 1e9, 1),
        "os": f"{platform.system()} {platform.release()}",
        "rustc": output("rustc", "--version"),
        "python": platform.python_version(),
        "versions": {package: installed(package) for package in PEER_PACKAGES},
    }


def process_argv(args, feed, out, label, threads):
    return [str(args.bin / "process"), "--input", str(feed), "--output", str(out / f"openhouse-{label}.parquet"),
            "--rejects", str(out / f"openhouse-{label}-rejects.ndjson"), "--threads", str(threads)]


def contenders(args, fmt, feed, out):
    """openhouse at its thread count, at 1 and 2 threads for the scaling (and the host's
    ceiling for it: one 1-thread run pinned to one core, and two at once, one per core: they
    share nothing but the machine), and each peer."""
    threads = [args.openhouse_threads] + ([] if args.no_scaling else [1, 2])
    found = []
    for thread_count in dict.fromkeys(threads):
        label = f"{thread_count}t"
        name = "openhouse" if thread_count == args.openhouse_threads else f"openhouse --threads {thread_count}"
        found.append(Contender(f"openhouse@{thread_count}", name, process_argv(args, feed, out, label, thread_count),
                               out / f"openhouse-{label}.parquet", threads=thread_count))
    cpus = sorted(os.sched_getaffinity(0))[:2]
    if not args.no_scaling and len(cpus) == 2 and shutil.which("taskset"):
        # Each in a folder of its own: a folder's outputs are locked by the run writing them.
        pinned = []
        for cpu, label in zip(cpus, ("core-a", "core-b")):
            (out / label).mkdir(exist_ok=True)
            pinned.append(["taskset", "--cpu-list", str(cpu), *process_argv(args, feed, out / label, label, 1)])
        found.append(Contender("openhouse@one-core", "openhouse --threads 1 on one core", pinned[0],
                               out / "core-a" / "openhouse-core-a.parquet", threads=1))
        # Both at once; the shell fails with the first that fails.
        both = f"{shlex.join(pinned[0])} & first=$!; {shlex.join(pinned[1])}; second=$?; wait $first && exit $second"
        found.append(Contender("openhouse@two-at-once", "two of them at once, one core each", ["sh", "-c", both],
                               out / "core-a" / "openhouse-core-a.parquet", threads=1))
    elif not args.no_scaling:
        print("  (the host's ceiling needs two cores and `taskset`; not measured)", file=sys.stderr)
    for engine in args.engines:
        if fmt == "array" and not queries.ENGINES[engine]:
            continue
        output = out / f"{engine}.parquet"
        found.append(Contender(engine, PEER_NAMES[engine],
                               [sys.executable, str(HERE / "queries.py"), engine, fmt, str(feed), str(output)],
                               output))
    return found


def remove(path):
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def take_turns(entrants, runs, folder, args, label):
    """Runs each entrant `runs` times; run i starts with entrant i, so no one always goes first."""
    cap = int(args.rss_cap_gb * 1e9)
    for index in range(runs):
        for offset in range(len(entrants)):
            entrant = entrants[(index + offset) % len(entrants)]
            if entrant.failure:
                continue
            remove(entrant.output)
            # Dirty pages left by the last run (or the generator) are written back now, not
            # during this run: no contender pays for another's writes.
            os.sync()
            log = folder / f"{entrant.key}.log"
            run = measure(entrant.argv, folder, log, args.timeout, cap)
            entrant.runs.append(run)
            print(f"  {label} run {index + 1}/{runs} {entrant.name}: {run.seconds:.2f} s, "
                  f"{run.peak_rss_bytes / 1e6:.0f} MB, {run.outcome}", file=sys.stderr)
            if not run.ok:
                tail = log.read_text(errors="replace")[-2000:]
                print(f"    {shlex.join(entrant.argv)}\n    {tail}", file=sys.stderr)


def parquet_facts(path):
    """(bytes, rows) of a Parquet file or a folder of them."""
    import pyarrow.parquet as pq
    files = sorted(path.rglob("*.parquet")) if path.is_dir() else [path]
    return (sum(file.stat().st_size for file in files),
            sum(pq.ParquetFile(file).metadata.num_rows for file in files))


def warm(path):
    """Reads the feed once, so that no engine pays for a cold page cache."""
    with open(path, "rb") as feed:
        while feed.read(1 << 24):
            pass


def measure_feed(args, work, events, fmt):
    folder = work / f"{events}-{fmt}"
    folder.mkdir(parents=True)
    feed = folder / f"feed{FORMATS[fmt]}"
    generate = [str(args.bin / "generate"), "--events", str(events), "--seed", str(args.seed),
                "--format", fmt, "--invalid", str(args.invalid), "--output", str(feed)]
    print(f"{events:,} events, {fmt}: generating", file=sys.stderr)
    subprocess.run(generate, check=True)
    warm(feed)
    entrants = contenders(args, fmt, feed, folder)
    take_turns(entrants, args.runs, folder, args, f"{events:,} {fmt}")
    result = {"events": events, "format": fmt, "feed_bytes": feed.stat().st_size,
              "generate": shlex.join(generate), "contenders": {}}
    for entrant in entrants:
        entry = {"name": entrant.name, "argv": entrant.argv, "threads": entrant.threads,
                 "runs": [vars(run) for run in entrant.runs], **medians(entrant)}
        if not entrant.failure:
            entry["parquet_bytes"], entry["rows"] = parquet_facts(entrant.output)
        result["contenders"][entrant.key] = entry
    if not args.keep:
        shutil.rmtree(folder)
    return result


def medians(entrant):
    """Median time and peak RSS over the runs, or the failure that stopped them."""
    if entrant.failure:
        return {"failure": entrant.failure}
    return {"failure": None,
            "median_s": statistics.median(run.seconds for run in entrant.runs),
            "peak_rss_median_bytes": statistics.median(run.peak_rss_bytes for run in entrant.runs),
            "peak_rss_max_bytes": max(run.peak_rss_bytes for run in entrant.runs)}


def startup(args, work):
    """Start-up alone (interpreter, import, session), which every run above includes."""
    folder = work / "startup"
    folder.mkdir()
    entrants = [Contender(engine, PEER_NAMES[engine],
                          [sys.executable, str(HERE / "queries.py"), engine, "--import-only"],
                          folder / "none")
                for engine in args.engines]
    take_turns(entrants, args.runs, folder, args, "start-up")
    return {entrant.key: {"name": entrant.name, **medians(entrant)} for entrant in entrants}


def check_disk(args, work):
    largest = max(args.events) * max(BYTES_PER_EVENT[fmt] for fmt in args.formats)
    # The feed, every engine's table, and the engines' spill files, with room to spare.
    needed = 2 * largest
    free = shutil.disk_usage(work).free
    if free < needed:
        sys.exit(f"{work} has {free / 1e9:.1f} GB free; the largest feed needs about {needed / 1e9:.1f} GB")


def main(argv):
    args = arguments(argv)
    for binary in ("process", "generate"):
        if not (args.bin / binary).exists():
            sys.exit(f"{args.bin / binary} is missing: build it with "
                     "`cargo build --profile release-lto --example process --example generate` "
                     "(benches/peers/run does)")
    work = Path(tempfile.mkdtemp(prefix="openhouse-peers-", dir=args.work))
    try:
        check_disk(args, work)
        results = {
            "invocation": invocation(args),
            "work": str(work),
            "root": str(ROOT),
            "machine": machine(),
            "settings": {"runs": args.runs, "openhouse_threads": args.openhouse_threads,
                         # The cargo profile, from the examples' folder (target/PROFILE/examples).
                         "openhouse_build": args.bin.parent.name,
                         "seed": args.seed, "invalid": args.invalid, "timeout_s": args.timeout,
                         "rss_cap_gb": args.rss_cap_gb},
            "startup": startup(args, work),
            "feeds": [measure_feed(args, work, events, fmt)
                      for events in args.events for fmt in args.formats],
        }
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(report.markdown(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
        print(f"wrote {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
