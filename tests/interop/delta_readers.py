#!/usr/bin/env python3
"""Read an openhouse Delta Lake table with the deltalake package and DuckDB's delta extension.

Usage: delta_readers.py TABLE_PATH [--app-id ID ...] [--top N] [--parquet FILE]
Runs in .venv-delta (scripts/python-env-delta). Prints one JSON object:
  {"deltalake": {version, protocol, partition_columns, schema, rows, files, transactions,
                 history, insights},
   "duckdb": {schema, rows, insights},
   "duckdb_parquet": {rows, insights}}   (with --parquet only)
so that the Rust tests can check that two independent Delta readers see the table that was
committed. Rows hold the table's columns plus `month`, timestamps as integer microseconds since
the epoch and dates as YYYY-MM-DD, sorted by (OpenHouseDate, OpenHouseKey). `files` lists the
active files with the statistics the log records for them; `transactions` the txn version of
each --app-id (null when absent); `history` the commits that carry an openhouse batch hash.
`insights` are the three insights with the top N zip codes (default 5): from the deltalake rows
by the independent Python reference (reference.py), in DuckDB by the SQL of sql/duckdb/.
--parquet also reads a single-file table with DuckDB's read_parquet (rows without `month`).
Any failure exits non-zero with a message on stderr naming the reader that failed.
"""
import argparse
import json
import pathlib
import sys

import duckdb
import duckdb_extension_delta
import pyarrow as pa
from deltalake import DeltaTable

import insights_sql
import reference

ROW_COLUMNS = ["OpenHouseKey", "ListingKey", "OpenHouseMethod", "OpenHouseDate",
               "OpenHouseStartTime", "OpenHouseEndTime", "DateModified", "State", "Zipcode",
               "Zip5", "month"]
TIMESTAMPS = {"OpenHouseStartTime", "OpenHouseEndTime", "DateModified"}


def plain_columns(table):
    """Arrow table -> {column: list}, timestamps as int microseconds, dates as text."""
    values = {}
    for name in table.column_names:
        col = table.column(name)
        if pa.types.is_timestamp(col.type):
            if col.type.unit != "us":
                raise RuntimeError("%s is in %s, not microseconds" % (name, col.type.unit))
            values[name] = col.cast(pa.int64()).to_pylist()
        elif pa.types.is_date(col.type):
            values[name] = col.cast(pa.string()).to_pylist()
        else:
            values[name] = col.to_pylist()
    return values


def table_order(rows):
    return sorted(rows, key=lambda row: (row["OpenHouseDate"], row["OpenHouseKey"]))


def reference_insights(rows, top):
    """The insights of rows as read, by the independent Python reference's rules."""
    def days(text):
        year, month, day = map(int, text.split("-"))
        return reference.days_from_civil(year, month, day)
    return reference.insights([{"_date": days(row["OpenHouseDate"]), "Zip5": row["Zip5"]}
                               for row in rows if row["OpenHouseDate"] is not None], top)


def with_deltalake(path, app_ids, top):
    dt = DeltaTable(path)
    table = dt.to_pyarrow_table()
    values = plain_columns(table)
    rows = [{name: values[name][i] for name in ROW_COLUMNS} for i in range(table.num_rows)]
    actions = pa.table(dt.get_add_actions(flatten=True))
    stats = plain_columns(actions)
    files = [{name: stats[name][i] for name in actions.column_names
              if name != "modification_time"} for i in range(actions.num_rows)]
    protocol = dt.protocol()
    return {
        "version": dt.version(),
        "protocol": {"min_reader_version": protocol.min_reader_version,
                     "min_writer_version": protocol.min_writer_version},
        "partition_columns": dt.metadata().partition_columns,
        "schema": {field.name: str(field.type) for field in table.schema},
        "rows": table_order(rows),
        "files": sorted(files, key=lambda file: file["path"]),
        "transactions": {app_id: dt.transaction_version(app_id) for app_id in app_ids},
        "history": sorted(
            [{"version": commit["version"], "operation": commit.get("operation"),
              "batch_sha256": commit["openhouse.batch_sha256"],
              "counts": commit.get("openhouse.counts")}
             for commit in dt.history() if "openhouse.batch_sha256" in commit],
            key=lambda commit: commit["version"]),
        "insights": reference_insights(rows, top),
    }


def duckdb_rows(con, columns):
    """The rows of the table `oh` on a DuckDB connection, in table order. Conversions in SQL,
    so that Python never builds datetimes (no time zone database needed)."""
    select = ", ".join(
        "epoch_us(%s)" % name if name in TIMESTAMPS
        else "strftime(%s, '%%Y-%%m-%%d')" % name if name == "OpenHouseDate"
        else name
        for name in columns)
    return table_order([dict(zip(columns, values))
                        for values in con.execute("SELECT %s FROM oh" % select).fetchall()])


def with_duckdb(path, top):
    # The extension ships inside the duckdb-extension-delta wheel; LOAD by path needs no
    # network, and the file is signed, so unsigned extensions stay disallowed.
    extension = (pathlib.Path(duckdb_extension_delta.__file__).parent / "extensions"
                 / ("v" + duckdb.__version__) / "delta.duckdb_extension")
    con = duckdb.connect(config={"autoinstall_known_extensions": "false",
                                 "autoload_known_extensions": "false"})
    con.execute("LOAD '%s'" % str(extension).replace("'", "''"))
    con.execute("CREATE TEMP TABLE oh AS SELECT * FROM delta_scan($path)", {"path": path})
    schema = {name: typ for name, typ, *_ in con.execute("DESCRIBE oh").fetchall()}
    rows = duckdb_rows(con, ROW_COLUMNS)
    con.execute("CREATE TEMP VIEW openhouses AS SELECT * FROM oh")
    insights = insights_sql.duckdb_insights(con, top)
    con.close()
    return {"schema": schema, "rows": rows, "insights": insights}


def with_duckdb_parquet(path, top):
    """A single-file table, read by DuckDB's own Parquet reader."""
    con = duckdb.connect()
    con.execute("CREATE TEMP TABLE oh AS SELECT * FROM read_parquet($path)", {"path": path})
    rows = duckdb_rows(con, [name for name in ROW_COLUMNS if name != "month"])
    con.execute("CREATE TEMP VIEW openhouses AS SELECT * FROM oh")
    insights = insights_sql.duckdb_insights(con, top)
    con.close()
    return {"rows": rows, "insights": insights}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("table_path")
    parser.add_argument("--app-id", action="append", default=[])
    parser.add_argument("--top", type=int, default=5)
    parser.add_argument("--parquet")
    args = parser.parse_args()
    reader = "deltalake"
    try:
        out = {"deltalake": with_deltalake(args.table_path, args.app_id, args.top)}
        reader = "duckdb"
        out["duckdb"] = with_duckdb(args.table_path, args.top)
        if args.parquet:
            reader = "duckdb (read_parquet)"
            out["duckdb_parquet"] = with_duckdb_parquet(args.parquet, args.top)
    except Exception as e:  # say which reader failed and why, then fail the test
        print("%s failed: %s: %s" % (reader, type(e).__name__, e), file=sys.stderr)
        sys.exit(1)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
