#!/usr/bin/env python3
"""Side-by-side benchmark: openhouse vs DuckDB vs Polars doing the same job on the same feed.

Usage (normally via scripts/compare-engines):
    compare_engines.py --process BIN --array FEED.json --ndjson FEED.ndjson --out DIR [--runs N] [--json OUT]
    compare_engines.py worker {duckdb,polars} {array,ndjson} FEED OUT.parquet   # one timed job
    compare_engines.py startup {duckdb,polars}                                  # import + connect only

The driver imports no engine: every job runs in a fresh subprocess (startup and imports
included, no shared memory), engines alternate run by run, and the claim is the ratio of
medians, engine / openhouse, from this one side-by-side run.

Where the engines' jobs only approximate openhouse's rules (none of it occurs in the
generated feeds, which have no --adversarial quirks):
- a malformed NDJSON line aborts DuckDB and Polars (Polars even with ignore_errors=True);
  openhouse rejects that line and goes on;
- a non-string value (number, object) is read as its JSON text by both engines;
  openhouse rejects the record;
- a repeated key in an object aborts DuckDB; openhouse rejects the record;
- neither engine writes the rejects file that openhouse writes (extra work on its side).
"""
import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

ENGINES = ("openhouse", "duckdb", "polars")
FORMATS = ("array", "ndjson")
FIELDS = ["OpenHouseKey", "ListingKey", "OpenHouseMethod", "OpenHouseDate", "OpenHouseStartTime",
          "OpenHouseEndTime", "DateModified", "State", "Zipcode"]
TIMESTAMPS = ["OpenHouseStartTime", "OpenHouseEndTime", "DateModified"]
# openhouse's Parquet column order.
OUT_COLUMNS = ["OpenHouseKey", "ListingKey", "OpenHouseMethod", "OpenHouseDate", "OpenHouseStartTime",
               "OpenHouseEndTime", "DateModified", "State", "Zipcode", "Zip5"]
TS_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?([Zz]|\+00:00)$"
DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
ZIP_RE = r"^[0-9]{5}(-[0-9]{4})?$"
TOP = 5
ZSTD_LEVEL = 3  # openhouse's default level
NPROC = len(os.sched_getaffinity(0))


# ---------------------------------------------------------------- DuckDB job

def duckdb_job(feed, fmt, out):
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads = {NPROC}")
    con.execute("SET TimeZone = 'UTC'")

    def ts(col):
        # The cast accepts only an upper-case T/Z, hence upper(). It also accepts hour 24
        # (as the next day), which openhouse rejects: check the hour (and second) by hand.
        return (f"CASE WHEN regexp_matches({col}, '{TS_RE}') AND substr({col}, 12, 2) < '24' "
                f"AND substr({col}, 18, 2) < '60' THEN try_cast(upper({col}) AS TIMESTAMPTZ) END")

    columns = ", ".join(f"'{f}': 'VARCHAR'" for f in FIELDS)
    json_format = {"array": "array", "ndjson": "newline_delimited"}[fmt]
    con.execute(f"""
        CREATE TEMP TABLE oh AS
        WITH raw AS (
            -- read_json has no file_row_number; row_number() OVER () follows input order
            -- because DuckDB preserves insertion order by default (checked on 1M rows, 2 threads).
            SELECT *, row_number() OVER () AS rn
            FROM read_json($feed, format = '{json_format}', columns = {{{columns}}})
        ),
        parsed AS (
            SELECT OpenHouseKey, ListingKey, OpenHouseMethod, State, Zipcode, rn,
                   CASE WHEN regexp_matches(OpenHouseDate, '{DATE_RE}')
                        THEN try_cast(OpenHouseDate AS DATE) END AS d,
                   {ts('OpenHouseStartTime')} AS st,
                   {ts('OpenHouseEndTime')} AS et,
                   {ts('DateModified')} AS dm
            FROM raw
            WHERE OpenHouseKey <> ''  -- also drops NULL keys
        )
        SELECT OpenHouseKey, ListingKey, OpenHouseMethod, d AS OpenHouseDate,
               st AS OpenHouseStartTime, et AS OpenHouseEndTime, dm AS DateModified,
               State, Zipcode,
               CASE WHEN regexp_matches(Zipcode, '{ZIP_RE}') THEN left(Zipcode, 5) END AS Zip5
        FROM parsed
        WHERE d IS NOT NULL AND st IS NOT NULL AND et IS NOT NULL AND dm IS NOT NULL
        -- latest DateModified wins; on a tie the later record
        QUALIFY row_number() OVER (PARTITION BY OpenHouseKey ORDER BY dm DESC, rn DESC) = 1
    """, {"feed": str(feed)})
    con.execute(f"""
        COPY (SELECT * FROM oh ORDER BY OpenHouseDate, OpenHouseKey)
        TO '{out}' (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL {ZSTD_LEVEL})
    """)
    # The insights: the same SQL as tests/interop/engines.py.
    busiest = con.execute("""
        WITH weeks AS (
            SELECT isoyear(OpenHouseDate) AS iso_year, week(OpenHouseDate) AS iso_week,
                   CAST(date_trunc('week', OpenHouseDate) AS DATE) AS week_start, count(*) AS n
            FROM oh GROUP BY ALL
        )
        SELECT iso_year, iso_week, CAST(week_start AS VARCHAR), n
        FROM weeks WHERE n = (SELECT max(n) FROM weeks) ORDER BY iso_year, iso_week
    """).fetchall()
    top = con.execute(f"""
        SELECT rnk, zipcode, n FROM (
            SELECT Zip5 AS zipcode, count(*) AS n, rank() OVER (ORDER BY count(*) DESC) AS rnk
            FROM oh WHERE Zip5 IS NOT NULL GROUP BY Zip5
        ) WHERE rnk <= {TOP} ORDER BY n DESC, zipcode
    """).fetchall()
    daily = con.execute("""
        WITH per_day AS (SELECT OpenHouseDate AS d, count(*) AS n FROM oh GROUP BY 1),
        days AS (
            SELECT CAST(unnest(generate_series(min(d), max(d), INTERVAL 1 DAY)) AS DATE) AS d
            FROM per_day
        )
        SELECT CAST(days.d AS VARCHAR), coalesce(per_day.n, 0),
               CAST(sum(coalesce(per_day.n, 0)) OVER (ORDER BY days.d) AS BIGINT)
        FROM days LEFT JOIN per_day USING (d) ORDER BY days.d
    """).fetchall()
    return {"busiest_weeks": busiest, "top_zipcodes": top, "daily_cumulative": daily}


# ---------------------------------------------------------------- Polars job

def polars_job(feed, fmt, out):
    import polars as pl

    schema = {f: pl.String for f in FIELDS}
    if fmt == "array":
        lf = pl.read_json(feed, schema=schema).lazy().with_row_index("rn")  # no lazy array reader
    else:
        lf = pl.scan_ndjson(feed, schema=schema, row_index_name="rn")

    def ts(name):
        c = pl.col(name)
        # Polars' parser (chrono) takes a leap second ":60", which openhouse rejects:
        # check the hour and second by hand (as for DuckDB). "Z" -> "+00:00" so one format fits.
        ok = c.str.contains(TS_RE) & (c.str.slice(11, 2) < "24") & (c.str.slice(17, 2) < "60")
        parsed = (c.str.to_uppercase().str.replace("Z$", "+00:00")
                  .str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%:z", strict=False,
                                   time_unit="us", time_zone="UTC"))
        return pl.when(ok).then(parsed)

    date = pl.col("OpenHouseDate")
    zipcode = pl.col("Zipcode")
    valid = (
        lf.filter(pl.col("OpenHouseKey") != "")  # also drops null keys
        .with_columns(
            pl.when(date.str.contains(DATE_RE))
              .then(date.str.to_date("%Y-%m-%d", strict=False)).alias("OpenHouseDate"),
            *(ts(name).alias(name) for name in TIMESTAMPS),
        )
        .drop_nulls(["OpenHouseDate", *TIMESTAMPS])
        # latest DateModified wins; on a tie the later record: keep the last after sorting
        .sort("DateModified", "rn")
        .unique("OpenHouseKey", keep="last")
        .with_columns(pl.when(zipcode.str.contains(ZIP_RE)).then(zipcode.str.slice(0, 5)).alias("Zip5"))
        .select(OUT_COLUMNS)
        .sort("OpenHouseDate", "OpenHouseKey")
        .collect()
    )
    valid.write_parquet(out, compression="zstd", compression_level=ZSTD_LEVEL)

    day = pl.col("OpenHouseDate")
    weeks = valid.group_by(day.dt.iso_year().alias("iso_year"), day.dt.week().alias("iso_week")).agg(
        day.dt.truncate("1w").first().alias("week_start"), pl.len().alias("n"))
    busiest = weeks.filter(pl.col("n") == pl.col("n").max()).sort("iso_year", "iso_week")
    top = (valid.drop_nulls("Zip5").group_by("Zip5").len()
           .with_columns(pl.col("len").rank("min", descending=True).alias("rank"))
           .filter(pl.col("rank") <= TOP).sort(["len", "Zip5"], descending=[True, False])
           .select("rank", "Zip5", "len"))
    per_day = valid.group_by("OpenHouseDate").len()
    days = pl.date_range(valid["OpenHouseDate"].min(), valid["OpenHouseDate"].max(), "1d", eager=True)
    daily = (pl.DataFrame({"OpenHouseDate": days}).join(per_day, on="OpenHouseDate", how="left")
             .with_columns(pl.col("len").fill_null(0))
             .with_columns(pl.col("len").cum_sum().alias("cumulative")))
    return {"busiest_weeks": busiest.rows(), "top_zipcodes": top.rows(), "daily_cumulative": daily.rows()}


# ---------------------------------------------------------------- driver

def worker_command(engine, fmt, feed, out, process):
    if engine == "openhouse":
        return [process, "--input", feed, "--output", f"{out}/oh.parquet",
                "--rejects", f"{out}/oh-rejects.ndjson"]
    return [sys.executable, __file__, "worker", engine, fmt, feed, f"{out}/{engine}.parquet"]


def startup_command(engine, process):
    if engine == "openhouse":
        return [process, "--help"]
    return [sys.executable, __file__, "startup", engine]


def timed(cmd):
    start = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {shlex.join(cmd)}\n{done.stderr}")
    return seconds


def alternating(commands, runs):
    """commands: engine -> argv. Run i rotates the order by i, so no engine always goes first."""
    times = {engine: [] for engine in ENGINES}
    for i in range(runs):
        for j in range(len(ENGINES)):
            engine = ENGINES[(j - i) % len(ENGINES)]
            times[engine].append(timed(commands[engine]))
    return times


def machine_info(root):
    def git(*args):
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True).stdout.strip()
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor())
    rev = git("rev-parse", "--short", "HEAD") + (" (dirty tree)" if git("status", "--porcelain") else "")
    return {"nproc": NPROC, "cpu": cpu, "python": platform.python_version(),
            "duckdb": metadata.version("duckdb"), "polars": metadata.version("polars"),
            "pyarrow": metadata.version("pyarrow"), "git_rev": rev}


def main_driver(args):
    root = Path(__file__).resolve().parent.parent
    feeds = {"array": args.array, "ndjson": args.ndjson}
    info = machine_info(root)
    print("machine: " + ", ".join(f"{k}={v}" for k, v in info.items()))
    print(f"runs per engine and format: {args.runs} (medians; engines alternate run by run)\n")

    results, commands = [], {}
    for fmt in FORMATS:
        out = Path(args.out, fmt)
        out.mkdir(parents=True, exist_ok=True)
        commands[fmt] = {e: worker_command(e, fmt, feeds[fmt], out, args.process) for e in ENGINES}
        Path(feeds[fmt]).read_bytes()  # warm the page cache so the first run is not a cold read
        for engine, runs in alternating(commands[fmt], args.runs).items():
            results.append({"format": fmt, "engine": engine, "runs": runs,
                            "median": statistics.median(runs)})
    startup_cmds = {e: startup_command(e, args.process) for e in ENGINES}
    startup = {e: statistics.median(t) for e, t in alternating(startup_cmds, args.runs).items()}

    print("commands:")
    for fmt in FORMATS:
        for engine in ENGINES:
            print(f"  [{fmt}] {shlex.join(map(str, commands[fmt][engine]))}")
    for engine in ENGINES:
        print(f"  [startup] {shlex.join(map(str, startup_cmds[engine]))}")

    base = {r["format"]: r["median"] for r in results if r["engine"] == "openhouse"}
    print(f"\n{'format':<7} {'engine':<10} {'median s':>9} {'min s':>8} {'max s':>8} {'ratio':>7}")
    for r in results:
        r["ratio"] = r["median"] / base[r["format"]]
        if r["engine"] == "openhouse":
            note = ""
        elif r["ratio"] >= 1:
            note = f"  {r['engine']} takes {r['ratio']:.2f}x as long as openhouse"
        else:
            note = f"  openhouse takes {1 / r['ratio']:.2f}x as long as {r['engine']}"
        print(f"{r['format']:<7} {r['engine']:<10} {r['median']:>9.3f} {min(r['runs']):>8.3f} "
              f"{max(r['runs']):>8.3f} {r['ratio']:>6.2f}x{note}")
    print("\nstartup (process start + imports, included above): "
          + ", ".join(f"{e} {s:.3f}s" for e, s in startup.items()))

    # Sanity check, not a gate: engines may differ slightly on edge cases.
    import pyarrow.parquet as pq
    rows = {}
    print("\nrows written (sanity check: within 1% of openhouse?):")
    for fmt in FORMATS:
        out = Path(args.out, fmt)
        rows[fmt] = {e: pq.ParquetFile(out / ("oh.parquet" if e == "openhouse" else f"{e}.parquet"))
                     .metadata.num_rows for e in ENGINES}
        ref = rows[fmt]["openhouse"]
        print(f"  {fmt:<7} " + ", ".join(
            f"{e} {n}" + ("" if e == "openhouse" else
                          f" ({(n - ref) / ref:+.3%}, {'ok' if abs(n - ref) <= 0.01 * ref else 'OFF BY >1%'})")
            for e, n in rows[fmt].items()))

    if args.json:
        Path(args.json).write_text(json.dumps({
            "machine": info, "runs": args.runs, "results": results, "startup_median_s": startup,
            "rows": rows, "commands": {f: {e: list(map(str, c)) for e, c in cs.items()}
                                       for f, cs in commands.items()},
        }, indent=2) + "\n")
        print(f"\nwrote {args.json}")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        _, _, engine, fmt, feed, out = sys.argv
        job = {"duckdb": duckdb_job, "polars": polars_job}[engine]
        # Print the insights (the driver discards them) so they are computed in full.
        json.dump(job(feed, fmt, out), sys.stdout, default=str)
        return
    if len(sys.argv) > 1 and sys.argv[1] == "startup":
        if sys.argv[2] == "duckdb":
            import duckdb
            duckdb.connect().close()
        else:
            import polars  # noqa: F401
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--process", required=True, help="target/release/examples/process")
    parser.add_argument("--array", required=True, help="the feed as a pretty JSON array")
    parser.add_argument("--ndjson", required=True, help="the same feed as NDJSON")
    parser.add_argument("--out", required=True, help="directory for the engines' outputs")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", help="also write the results as JSON here")
    main_driver(parser.parse_args())


if __name__ == "__main__":
    main()
