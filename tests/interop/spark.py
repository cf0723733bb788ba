#!/usr/bin/env python3
"""Read the openhouse Parquet output with Apache Spark (local, one core).

Usage: spark.py PARQUET_PATH... [--top N]
Prints a JSON list, one object a file: the schema as Spark sees it, the row count, and the
three insights computed by the Spark SQL files in sql/spark/, in the same shape as engines.py's
DuckDB insights.
Several files share one Spark session, which takes seconds to start.
"""
import argparse
import json
import sys

from pyspark.sql import SparkSession

import insights_sql


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("parquet", nargs="+")
    parser.add_argument("--top", type=int, default=5)
    args = parser.parse_args()
    # No UI and a loopback address: the machine has no network, and nothing listens outside.
    spark = (SparkSession.builder.master("local[1]").appName("openhouse-interop")
             .config("spark.ui.enabled", "false")
             .config("spark.driver.bindAddress", "127.0.0.1")
             .config("spark.driver.host", "127.0.0.1")
             .config("spark.sql.session.timeZone", "UTC")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    try:
        results = [read(spark, path, args.top) for path in args.parquet]
    finally:
        spark.stop()
    json.dump(results, sys.stdout)


def read(spark, path, top):
    """One file's schema, row count and insights."""
    table = spark.read.parquet(path)
    table.createOrReplaceTempView("openhouses")
    return {
        "schema": {field.name: field.dataType.simpleString() for field in table.schema.fields},
        "num_rows": table.count(),
        "insights": insights_sql.spark_insights(spark, top),
    }


if __name__ == "__main__":
    main()
