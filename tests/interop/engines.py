#!/usr/bin/env python3
"""Read the openhouse Parquet output with pyarrow, DuckDB and polars.

Usage: engines.py PARQUET_PATH [--top N]
Prints one JSON object on stdout (schemas as each engine sees them, all rows
as pyarrow reads them, and the insights recomputed in DuckDB SQL by the files in
sql/duckdb/), so the Rust tests can check that third-party readers agree with
the pipeline. Any failure exits non-zero with a message on stderr.
"""
import argparse
import json
import sys

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

import insights_sql

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


def with_duckdb(path, top):
    con = duckdb.connect()
    # A temp table, because DESCRIBE and views do not take prepared parameters.
    con.execute("CREATE TEMP TABLE openhouses AS SELECT * FROM read_parquet($path)",
                {"path": path}).fetchall()
    schema = {name: typ for name, typ, *_ in con.execute("DESCRIBE openhouses").fetchall()}
    insights = insights_sql.duckdb_insights(con, top)
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
