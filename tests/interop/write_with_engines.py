#!/usr/bin/env python3
"""Write the openhouse table again with every engine: pyarrow, DuckDB, Polars, Spark, DataFusion.

Usage: write_with_engines.py TABLE.parquet OUT_FOLDER
Each engine reads TABLE.parquet and writes it under OUT_FOLDER with its default settings and
with zstd, plus variants that exercise what other writers do: other codecs, OpenHouseDate as a
timestamp, date64 or text, Zip5 as a dictionary or large string or missing, hive-partitioned
folders. Prints a JSON list, one object an output: {engine, variant, path, codecs}, where
codecs are the compression codecs found in the output's files. Spark runs in one session.
"""
import json
import os
import sys
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


def data_files(path):
    """The Parquet files of an output: the file, or the files under the folder that are not
    bookkeeping (names starting with _ or ., .crc files)."""
    if os.path.isfile(path):
        return [path]
    found = []
    for folder, folders, files in os.walk(path):
        folders[:] = [name for name in folders if not name.startswith(("_", "."))]
        found += [os.path.join(folder, name) for name in files
                  if not name.startswith(("_", ".")) and not name.endswith(".crc")]
    return sorted(found)


def codecs(path):
    found = set()
    for file in data_files(path):
        meta = pq.ParquetFile(file).metadata
        found |= {meta.row_group(i).column(j).compression
                  for i in range(meta.num_row_groups) for j in range(meta.num_columns)}
    return sorted(found)


def with_pyarrow(table_path, out):
    table = pq.read_table(table_path)
    dates = table.column("OpenHouseDate")

    def replace(t, name, column):
        return t.set_column(t.schema.get_field_index(name), name, column)

    # Midnight of each date, stored as milliseconds in a zone: the date as written is kept.
    in_a_zone = pc.cast(pc.cast(dates, pa.timestamp("ms")), pa.timestamp("ms", tz="America/Los_Angeles"))
    variants = {
        "default": (table, {}),
        "zstd": (table, {"compression": "zstd"}),
        "timestamp-dates-dictionary-zips-gzip": (
            replace(replace(table, "OpenHouseDate", in_a_zone), "Zip5",
                    pc.dictionary_encode(table.column("Zip5"))),
            {"compression": "gzip"}),
        "text-dates-large-string-zips-brotli": (
            replace(replace(table, "OpenHouseDate", pc.cast(dates, pa.string())), "Zip5",
                    pc.cast(table.column("Zip5"), pa.large_string())),
            {"compression": "brotli"}),
        "date64-lz4": (replace(table, "OpenHouseDate", pc.cast(dates, pa.date64())),
                       {"compression": "lz4"}),
        "zipcode-only-uncompressed": (table.drop_columns(["Zip5"]), {"compression": "none"}),
    }
    written = []
    for variant, (data, options) in variants.items():
        path = os.path.join(out, "pyarrow-%s.parquet" % variant)
        pq.write_table(data, path, **options)
        written.append(("pyarrow", variant, path))
    return written


def with_duckdb(table_path, out):
    con = duckdb.connect()
    # A temp table, because views do not take prepared parameters.
    con.execute("CREATE TEMP TABLE openhouses AS SELECT * FROM read_parquet($path)",
                {"path": table_path}).fetchall()
    quoted = lambda path: "'%s'" % path.replace("'", "''")
    written = []
    for variant, options in [("default", ""), ("zstd", ", COMPRESSION zstd")]:
        path = os.path.join(out, "duckdb-%s.parquet" % variant)
        con.execute("COPY openhouses TO %s (FORMAT parquet%s)" % (quoted(path), options)).fetchall()
        written.append(("duckdb", variant, path))
    path = os.path.join(out, "duckdb-hive-by-month")
    con.execute("COPY (SELECT *, strftime(OpenHouseDate, '%%Y-%%m') AS month FROM openhouses) "
                "TO %s (FORMAT parquet, PARTITION_BY (month))" % quoted(path)).fetchall()
    written.append(("duckdb", "hive-by-month", path))
    con.close()
    return written


def with_polars(table_path, out):
    frame = pl.read_parquet(table_path)
    written = []
    for variant, options in [("default", {}), ("zstd", {"compression": "zstd"}),
                             ("lz4", {"compression": "lz4"})]:
        path = os.path.join(out, "polars-%s.parquet" % variant)
        frame.write_parquet(path, **options)
        written.append(("polars", variant, path))
    return written


def with_datafusion(table_path, out):
    from datafusion import SessionContext
    frame = SessionContext().read_parquet(table_path)
    written = []
    for variant, options in [("default", {}), ("zstd", {"compression": "zstd"}),
                             ("snappy", {"compression": "snappy"})]:
        path = os.path.join(out, "datafusion-%s" % variant)
        frame.write_parquet(path, **options)
        written.append(("datafusion", variant, path))
    return written


def with_spark(table_path, out):
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F
    # No UI and a loopback address: the machine has no network, and nothing listens outside.
    spark = (SparkSession.builder.master("local[1]").appName("openhouse-write")
             .config("spark.ui.enabled", "false")
             .config("spark.driver.bindAddress", "127.0.0.1")
             .config("spark.driver.host", "127.0.0.1")
             .config("spark.sql.session.timeZone", "UTC")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    written = []
    try:
        frame = spark.read.parquet(table_path)
        for variant, writer in [
            ("default", frame.write),
            ("zstd", frame.write.option("compression", "zstd")),
            ("hive-by-month", frame.withColumn("month", F.date_format("OpenHouseDate", "yyyy-MM"))
                                   .write.partitionBy("month")),
        ]:
            path = os.path.join(out, "spark-%s" % variant)
            writer.parquet(path)
            written.append(("spark", variant, path))
    finally:
        spark.stop()
    return written


def main():
    table_path, out = sys.argv[1], sys.argv[2]
    Path(out).mkdir(parents=True, exist_ok=True)
    outputs = []
    for engine in (with_pyarrow, with_duckdb, with_polars, with_datafusion, with_spark):
        try:
            outputs += engine(table_path, out)
        except Exception as e:  # say which engine failed and why, then fail the test
            print("write_with_engines.py: %s failed: %s: %s" % (engine.__name__, type(e).__name__, e),
                  file=sys.stderr)
            sys.exit(1)
    json.dump([{"engine": engine, "variant": variant, "path": path, "codecs": codecs(path)}
               for engine, variant, path in outputs], sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
