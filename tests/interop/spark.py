#!/usr/bin/env python3
"""Read the openhouse Parquet output with Apache Spark (local, one core).

Usage: spark.py PARQUET_PATH... [--top N]
Prints a JSON list, one object a file: the schema as Spark sees it, the row count, and the
three insights computed in Spark SQL only, in the same shape as engines.py's DuckDB insights.
Several files share one Spark session, which takes seconds to start.
"""
import argparse
import json
import sys

from pyspark.sql import SparkSession

BUSIEST_WEEKS = """
WITH weeks AS (
    SELECT extract(YEAROFWEEK FROM OpenHouseDate) AS iso_year, extract(WEEK FROM OpenHouseDate) AS iso_week,
           CAST(date_trunc('week', OpenHouseDate) AS DATE) AS week_start, count(*) AS n
    FROM oh GROUP BY 1, 2, 3
)
SELECT iso_year, iso_week, date_format(week_start, 'yyyy-MM-dd'),
       date_format(date_add(week_start, 6), 'yyyy-MM-dd'), n
FROM weeks WHERE n = (SELECT max(n) FROM weeks)
ORDER BY iso_year, iso_week
"""
TOP_ZIPCODES = """
SELECT rnk, zipcode, n FROM (
    SELECT Zip5 AS zipcode, count(*) AS n, rank() OVER (ORDER BY count(*) DESC) AS rnk
    FROM oh WHERE Zip5 IS NOT NULL GROUP BY Zip5
) WHERE rnk <= {top}
ORDER BY n DESC, zipcode ASC
"""
DAILY_CUMULATIVE = """
WITH per_day AS (SELECT OpenHouseDate AS d, count(*) AS n FROM oh GROUP BY 1),
days AS (SELECT explode(sequence(min(d), max(d), INTERVAL 1 DAY)) AS d FROM per_day)
SELECT date_format(days.d, 'yyyy-MM-dd'), coalesce(per_day.n, 0),
       sum(coalesce(per_day.n, 0)) OVER (ORDER BY days.d ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
FROM days LEFT JOIN per_day ON days.d = per_day.d
ORDER BY days.d
"""


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
    table.createOrReplaceTempView("oh")
    sql = lambda query: spark.sql(query).collect()
    return {
        "schema": {field.name: field.dataType.simpleString() for field in table.schema.fields},
        "num_rows": table.count(),
        "insights": {
            "total_open_houses": sql("SELECT count(*) FROM oh")[0][0],
            "busiest_weeks": [
                {"iso_year": y, "iso_week": w, "week_start": s, "week_end": e, "open_houses": n}
                for y, w, s, e, n in sql(BUSIEST_WEEKS)],
            "top_zipcodes": [
                {"rank": r, "zipcode": z, "open_houses": n}
                for r, z, n in sql(TOP_ZIPCODES.format(top=int(top)))],
            "daily_cumulative": [
                {"date": d, "open_houses": n, "cumulative_open_houses": c}
                for d, n, c in sql(DAILY_CUMULATIVE)],
        },
    }


if __name__ == "__main__":
    main()
