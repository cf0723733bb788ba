#!/usr/bin/env python3
"""Read the openhouse Parquet output with Apache Spark (local, one core).

Usage: spark.py [PARQUET_PATH...] [--table TABLE_FOLDER FILE...]... [--top N] [--rows]
Prints a JSON list, one object a file and then one a --table: the schema as Spark sees it, the
row count, and the three insights computed by the Spark SQL files in sql/spark/, in the same
shape as engines.py's DuckDB insights. --rows adds every row (timestamps as integer
microseconds since the epoch, dates as YYYY-MM-DD, in (OpenHouseDate, OpenHouseKey) order).
--table reads its FILEs as one table whose partition folders (`month=YYYY-MM`) start at
TABLE_FOLDER: how Spark reads a Delta Lake table's active files, as its log lists them,
without the delta-spark package.
All share one Spark session, which takes seconds to start.
"""
import argparse
import json
import sys

from pyspark.sql import SparkSession

import insights_sql


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("parquet", nargs="*")
    parser.add_argument("--table", nargs="+", action="append", default=[],
                        metavar=("TABLE_FOLDER", "FILE"))
    parser.add_argument("--top", type=int, default=5)
    parser.add_argument("--rows", action="store_true")
    args = parser.parse_args()
    if any(len(table) < 2 for table in args.table):
        parser.error("--table needs the table's folder and at least one file")
    # No UI and a loopback address: the machine has no network, and nothing listens outside.
    spark = (SparkSession.builder.master("local[1]").appName("openhouse-interop")
             .config("spark.ui.enabled", "false")
             .config("spark.driver.bindAddress", "127.0.0.1")
             .config("spark.driver.host", "127.0.0.1")
             .config("spark.sql.session.timeZone", "UTC")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    try:
        tables = [spark.read.parquet(path) for path in args.parquet]
        tables += [spark.read.option("basePath", folder).parquet(*files)
                   for folder, *files in args.table]
        results = [read(spark, table, args.top, args.rows) for table in tables]
    finally:
        spark.stop()
    json.dump(results, sys.stdout)


def read(spark, table, top, with_rows):
    """One table's schema, row count and insights, and its rows if asked."""
    table.createOrReplaceTempView("openhouses")
    result = {
        "schema": {field.name: field.dataType.simpleString() for field in table.schema.fields},
        "num_rows": table.count(),
        "insights": insights_sql.spark_insights(spark, top),
    }
    if with_rows:
        result["rows"] = rows(table)
    return result


def rows(table):
    """Every row, converted by Spark itself (no Python datetimes), in table order."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import DateType, TimestampType

    def plain(field):
        if isinstance(field.dataType, TimestampType):
            return F.unix_micros(field.name).alias(field.name)
        if isinstance(field.dataType, DateType):
            return F.date_format(field.name, "yyyy-MM-dd").alias(field.name)
        return F.col(field.name)
    ordered = table.select([plain(field) for field in table.schema.fields]) \
        .orderBy("OpenHouseDate", "OpenHouseKey")
    return [row.asDict() for row in ordered.collect()]


if __name__ == "__main__":
    main()
