#!/usr/bin/env python3
"""Read the openhouse Parquet output with pyarrow, DuckDB and polars.

Usage: engines.py PARQUET_PATH [--top N]
Prints one JSON object on stdout (schemas as each engine sees them, all rows
as pyarrow reads them, and the insights recomputed in DuckDB SQL), so the Rust
tests can check that third-party readers agree with the pipeline. Any failure
exits non-zero with a message on stderr.
"""
import argparse
import json
import sys

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

# Row format shared with reference.py's "open_houses" (minus "record").
ROW_COLUMNS = ["OpenHouseKey", "ListingKey", "OpenHouseMethod", "State", "Zipcode", "Zip5",
               "OpenHouseStartTime", "OpenHouseEndTime", "DateModified", "OpenHouseDate"]


def micros_column(col):
    """Timestamp column -> list of int microseconds since the epoch (floor)."""
    unit = col.type.unit
    raw = col.cast(pa.int64()).to_pylist()
    if unit == "s":
        return [None if v is None else v * 1_000_000 for v in raw]
    if unit == "ms":
        return [None if v is None else v * 1_000 for v in raw]
    if unit == "ns":
        return [None if v is None else v // 1_000 for v in raw]
    return raw


def with_pyarrow(path):
    table = pq.read_table(path)
    pf = pq.ParquetFile(path)
    columns = [pf.schema.column(i) for i in range(len(pf.schema))]
    meta = pf.metadata
    codecs = {meta.row_group(i).column(j).compression
              for i in range(meta.num_row_groups) for j in range(meta.num_columns)}
    info = {
        "schema": {f.name: str(f.type) for f in table.schema},
        "nullable": {f.name: f.nullable for f in table.schema},
        "parquet_logical_types": {c.name: str(c.logical_type) for c in columns},
        "parquet_physical_types": {c.name: c.physical_type for c in columns},
        "compression": sorted(codecs),
        "num_rows": table.num_rows,
    }
    missing = [c for c in ROW_COLUMNS if c not in table.column_names]
    if missing:
        raise RuntimeError("Parquet file lacks columns: %s" % ", ".join(missing))
    # Convert column-wise with Arrow's own casts: Python's datetime/date cannot
    # hold every value the file may contain (e.g. year 0).
    values = {}
    for name in ROW_COLUMNS:
        col = table.column(name)
        if pa.types.is_timestamp(col.type):
            values[name] = micros_column(col)
        elif pa.types.is_date(col.type):
            values[name] = col.cast(pa.string()).to_pylist()  # "YYYY-MM-DD"
        else:
            values[name] = col.to_pylist()
    rows = [{name: values[name][i] for name in ROW_COLUMNS} for i in range(table.num_rows)]
    return info, rows


# Insights in SQL only; Python merely turns result tuples into dicts.
BUSIEST_WEEKS = """
WITH weeks AS (
    SELECT isoyear(OpenHouseDate) AS iso_year, week(OpenHouseDate) AS iso_week,
           CAST(date_trunc('week', OpenHouseDate) AS DATE) AS week_start, count(*) AS n
    FROM oh GROUP BY ALL
)
SELECT iso_year, iso_week, strftime(week_start, '%Y-%m-%d'),
       strftime(week_start + 6, '%Y-%m-%d'), n
FROM weeks WHERE n = (SELECT max(n) FROM weeks)
ORDER BY iso_year, iso_week
"""
TOP_ZIPCODES = """
SELECT rnk, zipcode, n FROM (
    SELECT Zip5 AS zipcode, count(*) AS n, rank() OVER (ORDER BY count(*) DESC) AS rnk
    FROM oh WHERE Zip5 IS NOT NULL GROUP BY Zip5
) WHERE rnk <= $top
ORDER BY n DESC, zipcode ASC
"""
DAILY_CUMULATIVE = """
WITH per_day AS (SELECT OpenHouseDate AS d, count(*) AS n FROM oh GROUP BY 1),
days AS (
    SELECT CAST(unnest(generate_series(min(d), max(d), INTERVAL 1 DAY)) AS DATE) AS d FROM per_day
)
SELECT strftime(days.d, '%Y-%m-%d'), coalesce(per_day.n, 0),
       CAST(sum(coalesce(per_day.n, 0)) OVER (ORDER BY days.d) AS BIGINT)
FROM days LEFT JOIN per_day USING (d)
ORDER BY days.d
"""


def with_duckdb(path, top):
    con = duckdb.connect()
    # A temp table, because DESCRIBE and views do not take prepared parameters.
    con.execute("CREATE TEMP TABLE oh AS SELECT * FROM read_parquet($path)", {"path": path})
    schema = {name: typ for name, typ, *_ in con.execute("DESCRIBE oh").fetchall()}
    insights = {
        "total_open_houses": con.execute("SELECT count(*) FROM oh").fetchone()[0],
        "busiest_weeks": [
            {"iso_year": y, "iso_week": w, "week_start": s, "week_end": e, "open_houses": n}
            for y, w, s, e, n in con.execute(BUSIEST_WEEKS).fetchall()],
        "top_zipcodes": [
            {"rank": r, "zipcode": z, "open_houses": n}
            for r, z, n in con.execute(TOP_ZIPCODES, {"top": top}).fetchall()],
        "daily_cumulative": [
            {"date": d, "open_houses": n, "cumulative_open_houses": c}
            for d, n, c in con.execute(DAILY_CUMULATIVE).fetchall()],
    }
    con.close()
    return {"schema": schema, "insights": insights}


def with_polars(path):
    df = pl.read_parquet(path)
    return {"schema": {name: str(dtype) for name, dtype in df.schema.items()}, "num_rows": df.height}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parquet_path")
    parser.add_argument("--top", type=int, default=5)
    args = parser.parse_args()
    engine = "pyarrow"
    try:
        pa_info, rows = with_pyarrow(args.parquet_path)
        engine = "duckdb"
        duck = with_duckdb(args.parquet_path, args.top)
        engine = "polars"
        out = {"pyarrow": pa_info, "rows": rows, "duckdb": duck,
               "polars": with_polars(args.parquet_path)}
    except Exception as e:  # say which engine failed and why, then fail the test
        print("engines.py: %s failed on %s: %s: %s"
              % (engine, args.parquet_path, type(e).__name__, e), file=sys.stderr)
        sys.exit(1)
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
