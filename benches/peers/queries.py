#!/usr/bin/env python3
"""The one query a user would type in each peer engine to do openhouse's job.

    queries.py ENGINE FORMAT FEED OUT.parquet   # run the query: ENGINE duckdb|chdb|polars|datafusion, FORMAT ndjson|array
    queries.py ENGINE --import-only             # start-up only: import the engine and open a session
    queries.py --show                           # print every query's text

Each query reads the feed with every field as a string, keeps the records whose key is
non-empty and whose timestamps and date have the right shape (regular expressions), casts
them, keeps the latest version per OpenHouseKey by DateModified, and writes zstd Parquet at
the engine's default level (3 in all four, as in openhouse), on all cores (each engine's
default). Nothing more: no sort, no Zip5, no insights, no rejects file. openhouse does those
as well, so they count against it.

These restate openhouse's rules in each engine's terms (a second copy, kept as close to what a
user would type as possible); where they only approximate them, none of it occurs in the feeds
the harness generates (`generate --invalid`, whose broken records are all well-formed JSON of
strings and nulls caught by these expressions):
- a timestamp with a lower-case `t` or `z` is valid for openhouse, not for the expression;
- a well-shaped impossible value (`2023-02-30`, hour 24) passes the expressions and then fails
  the cast (or becomes the next day), where openhouse rejects the record;
- a non-string value is read as its JSON text or fails the read; openhouse rejects the record;
- a malformed NDJSON line aborts every engine; openhouse rejects the line and goes on;
- among versions with the same DateModified openhouse keeps the later record, the engines any
  one: in the generated feeds such ties are exact re-sends, so the rows are the same.
"""
import inspect
import sys

FIELDS = ["OpenHouseKey", "ListingKey", "OpenHouseMethod", "OpenHouseDate", "OpenHouseStartTime",
          "OpenHouseEndTime", "DateModified", "State", "Zipcode"]
TIMESTAMPS = ["OpenHouseStartTime", "OpenHouseEndTime", "DateModified"]
# A UTC timestamp and a date, by shape.
TIMESTAMP_RE = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|\+00:00)$"
DATE_RE = r"^\d{4}-\d{2}-\d{2}$"

# The engines, as the harness names them, and whether they read a JSON array.
ENGINES = {"duckdb": True, "chdb": True, "polars": True, "datafusion": False}


def duckdb_sql(fmt, feed, out):
    columns = ", ".join(f"{name}: 'VARCHAR'" for name in FIELDS)
    shapes = "\n      AND ".join(
        [f"regexp_matches({name}, '{TIMESTAMP_RE}')" for name in TIMESTAMPS]
        + [f"regexp_matches(OpenHouseDate, '{DATE_RE}')"])
    casts = ",\n           ".join(f"CAST({name} AS TIMESTAMPTZ) AS {name}" for name in TIMESTAMPS)
    json_format = {"ndjson": "newline_delimited", "array": "array"}[fmt]
    return f"""COPY (
    SELECT OpenHouseKey, ListingKey, OpenHouseMethod, CAST(OpenHouseDate AS DATE) AS OpenHouseDate,
           {casts}, State, Zipcode
    FROM read_json('{feed}', format = '{json_format}', columns = {{{columns}}})
    WHERE OpenHouseKey <> ''
      AND {shapes}
    QUALIFY row_number() OVER (PARTITION BY OpenHouseKey ORDER BY CAST(DateModified AS TIMESTAMPTZ) DESC) = 1
) TO '{out}' (FORMAT parquet, COMPRESSION zstd)"""


def chdb_sql(fmt, feed, out):
    # JSONEachRow reads NDJSON and a JSON array of objects alike. Backslashes are escapes in
    # ClickHouse string literals, hence the doubling.
    structure = ", ".join(f"{name} Nullable(String)" for name in FIELDS)
    timestamp, date = (pattern.replace("\\", "\\\\") for pattern in (TIMESTAMP_RE, DATE_RE))
    shapes = "\n          AND ".join(
        [f"match({name}, '{timestamp}')" for name in TIMESTAMPS] + [f"match(OpenHouseDate, '{date}')"])
    casts = ",\n       ".join(f"parseDateTime64BestEffort({name}, 6, 'UTC') AS {name}" for name in TIMESTAMPS)
    return f"""INSERT INTO FUNCTION file('{out}', Parquet)
SELECT OpenHouseKey, ListingKey, OpenHouseMethod, toDate(OpenHouseDate) AS OpenHouseDate,
       {casts}, State, Zipcode
FROM (
    SELECT * FROM file('{feed}', JSONEachRow, '{structure}')
    WHERE OpenHouseKey != ''
          AND {shapes}
)
ORDER BY DateModified DESC
LIMIT 1 BY OpenHouseKey
SETTINGS output_format_parquet_compression_method = 'zstd'"""


def datafusion_sql(fmt, feed, out):
    shapes = "\n      AND ".join(
        [f'"{name}" ~ \'{TIMESTAMP_RE}\'' for name in TIMESTAMPS] + [f'"OpenHouseDate" ~ \'{DATE_RE}\''])
    casts = ",\n           ".join(f'to_timestamp_micros("{name}") AS "{name}"' for name in TIMESTAMPS)
    return f"""COPY (
    SELECT "OpenHouseKey", "ListingKey", "OpenHouseMethod", CAST("OpenHouseDate" AS DATE) AS "OpenHouseDate",
           {casts}, "State", "Zipcode"
    FROM feed
    WHERE "OpenHouseKey" <> ''
      AND {shapes}
    QUALIFY row_number() OVER (PARTITION BY "OpenHouseKey" ORDER BY to_timestamp_micros("DateModified") DESC) = 1
) TO '{out}' STORED AS PARQUET OPTIONS (compression 'zstd(3)')"""


def polars_query(fmt, feed, out):
    # Polars has no SQL reader of JSON files: this is the query in its expression API. It has
    # no lazy reader of a JSON array either.
    import polars as pl
    schema = {name: pl.String for name in FIELDS}
    lazy = pl.scan_ndjson(feed, schema=schema) if fmt == "ndjson" else pl.read_json(feed, schema=schema).lazy()
    (lazy.filter(pl.col("OpenHouseKey") != "",
                 *(pl.col(name).str.contains(TIMESTAMP_RE) for name in TIMESTAMPS),
                 pl.col("OpenHouseDate").str.contains(DATE_RE))
         .with_columns(pl.col("OpenHouseDate").str.to_date("%Y-%m-%d"),
                       *(pl.col(name).str.to_datetime(time_unit="us", time_zone="UTC") for name in TIMESTAMPS))
         .sort("DateModified")
         .unique("OpenHouseKey", keep="last")
         .sink_parquet(out, compression="zstd"))


def run(engine, fmt, feed, out):
    if engine == "duckdb":
        import duckdb
        duckdb.sql(duckdb_sql(fmt, feed, out))
    elif engine == "chdb":
        import chdb
        chdb.query(chdb_sql(fmt, feed, out))
    elif engine == "datafusion":
        import datafusion
        import pyarrow as pa
        context = datafusion.SessionContext()
        # No JSON array reader: NDJSON only.
        context.register_json("feed", feed, schema=pa.schema([(name, pa.string()) for name in FIELDS]),
                              file_extension=".ndjson")
        context.sql(datafusion_sql(fmt, feed, out)).collect()
    elif engine == "polars":
        polars_query(fmt, feed, out)
    else:
        sys.exit(f"unknown engine {engine!r}; one of {', '.join(ENGINES)}")


def import_only(engine):
    """What every run pays before it reads a byte: the interpreter, the import, a session."""
    if engine == "duckdb":
        import duckdb
        duckdb.connect().close()
    elif engine == "chdb":
        import chdb
        chdb.query("SELECT 1")
    elif engine == "datafusion":
        import datafusion
        datafusion.SessionContext()
    elif engine == "polars":
        import polars  # noqa: F401
    else:
        sys.exit(f"unknown engine {engine!r}; one of {', '.join(ENGINES)}")


def show():
    for fmt in ("ndjson", "array"):
        feed, out = f"FEED.{fmt}", "OUT.parquet"
        print(f"-- DuckDB, {fmt}\n{duckdb_sql(fmt, feed, out)};\n")
        print(f"-- ClickHouse (chDB), {fmt}\n{chdb_sql(fmt, feed, out)};\n")
    print(f"-- DataFusion, ndjson (feed registered with register_json and every field Utf8)\n"
          f"{datafusion_sql('ndjson', 'FEED.ndjson', 'OUT.parquet')};\n")
    print(f"# Polars, both formats\n{inspect.getsource(polars_query)}")


def main(argv):
    if argv == ["--show"]:
        show()
    elif len(argv) == 2 and argv[1] == "--import-only":
        import_only(argv[0])
    elif len(argv) == 4:
        engine, fmt, feed, out = argv
        if fmt not in ("ndjson", "array") or (fmt == "array" and not ENGINES.get(engine, True)):
            sys.exit(f"{engine} cannot read the {fmt} format")
        run(engine, fmt, feed, out)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
